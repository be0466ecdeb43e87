//! The runtime's message parser, made ready for the `message` target to
//! compile as a module of its own: its two private paths (`parse_fast`,
//! `parse_general`) made visible to the target, its module docs dropped
//! (`include!` takes items only). The runtime itself is not changed.

use std::fmt::Write as _;

fn main() {
    let src = "../runtime/src/message.rs";
    println!("cargo:rerun-if-changed={src}");
    let text = match std::fs::read_to_string(src) {
        Ok(t) => t,
        Err(e) => panic!("{src}: {e}"),
    };
    let mut out = String::with_capacity(text.len());
    for line in text.lines().filter(|l| !l.trim_start().starts_with("//!")) {
        let _ = writeln!(out, "{line}");
    }
    for f in ["parse_fast", "parse_general"] {
        let from = format!("\nfn {f}(");
        assert!(
            out.contains(&from),
            "{src} no longer has `fn {f}(`: update fuzz/build.rs and fuzz_targets/message.rs"
        );
        out = out.replacen(&from, &format!("\npub(crate) fn {f}("), 1);
    }
    let dir = match std::env::var("OUT_DIR") {
        Ok(d) => d,
        Err(e) => panic!("OUT_DIR: {e}"),
    };
    if let Err(e) = std::fs::write(format!("{dir}/message.rs"), out) {
        panic!("{dir}/message.rs: {e}");
    }
}
