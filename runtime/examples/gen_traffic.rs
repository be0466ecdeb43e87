//! Writes N synthetic messages (JSON Lines) for timing `charter replay`:
//! `cargo run --release -p charter-runtime --example gen_traffic -- FILE N [--acks]`.
//! With `--acks`, each message is followed by one ack per delivery on a flow
//! with `ack` (N counts messages, not acks).
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../benches/traffic_gen.rs"]
mod traffic_gen;

use std::io::{BufWriter, Write};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let path = args
        .get(1)
        .map(String::as_str)
        .unwrap_or("/tmp/charter-traffic.jsonl");
    let n: u64 = args
        .get(2)
        .and_then(|s| s.parse().ok())
        .unwrap_or(1_000_000);
    let acks = args.iter().any(|a| a == "--acks");
    let mut out = BufWriter::new(std::fs::File::create(path).expect("create output"));
    for i in 0..n {
        let lines = if acks {
            traffic_gen::with_acks(i)
        } else {
            vec![traffic_gen::message(i)]
        };
        for m in lines {
            serde_json::to_writer(&mut out, &m).expect("write");
            out.write_all(b"\n").expect("write");
        }
    }
    out.flush().expect("flush");
}
