//! `charter serve` over real HTTP on 127.0.0.1 (random free port): decisions,
//! errors, metrics, the decision log across SIGKILL and SIGTERM.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use serde_json::{json, Value};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn config() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/traffic/ecommerce.config.json")
}

struct Server {
    child: Child,
    addr: String,
}

impl Server {
    fn start(log: &Path) -> Server {
        Server::start_with(log, &[])
    }

    fn start_with(log: &Path, args: &[&str]) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_charter"))
            .arg("serve")
            .arg(config())
            .args(["--listen", "127.0.0.1:0", "--log"])
            .arg(log)
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let addr = line
            .trim()
            .strip_prefix("listening on http://")
            .unwrap_or_else(|| panic!("{line}"))
            .to_string();
        assert!(addr.starts_with("127.0.0.1:"));
        Server { child, addr }
    }

    fn request(&self, method: &str, path: &str, body: &[u8]) -> (u16, String) {
        let mut s = TcpStream::connect(&self.addr).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
        let head = format!(
            "{method} {path} HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            self.addr,
            body.len()
        );
        s.write_all(head.as_bytes()).unwrap();
        let _ = s.write_all(body);
        let mut resp = Vec::new();
        let _ = s.read_to_end(&mut resp);
        let text = String::from_utf8_lossy(&resp).to_string();
        let status = text.get(9..12).and_then(|c| c.parse().ok()).unwrap_or(0);
        let body = text
            .split_once("\r\n\r\n")
            .map(|(_, b)| b.to_string())
            .unwrap_or_default();
        (status, body)
    }

    fn post(&self, body: &Value) -> Value {
        let (status, text) = self.request("POST", "/v1/messages", body.to_string().as_bytes());
        assert_eq!(status, 200, "{text}");
        serde_json::from_str(&text).unwrap()
    }

    fn signal(&self, sig: &str) {
        let ok = Command::new("kill")
            .args([sig, &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(ok.success());
    }

    fn wait(&mut self, limit: Duration) -> Option<i32> {
        let t = Instant::now();
        while t.elapsed() < limit {
            if let Some(st) = self.child.try_wait().unwrap() {
                return st.code();
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        panic!("server did not stop within {limit:?}");
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn msg(
    id: &str,
    source: &str,
    kind: &str,
    entity: &str,
    key: &str,
    at: &str,
    data: Value,
) -> Value {
    json!({"id": id, "at": at, "source": source, "kind": kind, "entity": entity, "key": key, "op": if kind == "state" { "report" } else { "upsert" }, "data": data})
}

#[test]
fn serve_decides_logs_and_survives_sigkill_and_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("decisions.log");
    let mut server = Server::start(&log);

    let (status, body) = server.request("GET", "/healthz", b"");
    assert_eq!(status, 200);
    assert_eq!(
        serde_json::from_str::<Value>(&body).unwrap()["status"],
        "ok"
    );

    let p1 = msg(
        "h-1",
        "psp",
        "event",
        "payment",
        "P-1",
        "2026-03-01T10:00:00Z",
        json!({"paymentId": "P-1", "amount": 100.0, "currency": "EUR"}),
    );
    let d = server.post(&p1);
    assert_eq!(d["decision"], "accept");
    assert_eq!(
        d["deliveries"][0],
        json!({"to": "oms", "idempotencyKey": "P-1"})
    );

    let batch = json!([
        msg("h-2", "oms", "state", "payment", "P-1", "2026-03-01T10:01:00Z", json!({"paymentId": "P-1", "amount": 99.0, "currency": "EUR"})),
        msg("h-3", "shop", "event", "stock", "SKU-1", "2026-03-01T10:02:00Z", json!({"sku": "SKU-1", "quantity": 1})),
        {"id": "h-4", "kind": "nonsense"},
    ]);
    let d = server.post(&batch);
    let verdicts: Vec<&str> = d
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["decision"].as_str().unwrap())
        .collect();
    assert_eq!(verdicts, ["observe", "reject", "invalid"]);
    assert_eq!(d[1]["reason"], "not-owner");
    assert_eq!(d[2]["line"], 3);
    assert_eq!(d[2]["id"], "h-4");

    // Malformed and oversized bodies: 4xx with a JSON error.
    let (status, body) = server.request("POST", "/v1/messages", b"{not json");
    assert_eq!(status, 400);
    assert_eq!(
        serde_json::from_str::<Value>(&body).unwrap()["code"],
        "bad-json"
    );
    let big = vec![b' '; 5 * 1024 * 1024];
    let (status, body) = server.request("POST", "/v1/messages", &big);
    assert_eq!(status, 413, "{body}");
    let e: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(e["code"], "too-large");
    assert!(e["message"].is_string());
    let (status, body) = server.request("GET", "/nope", b"");
    assert_eq!(status, 404);
    assert_eq!(
        serde_json::from_str::<Value>(&body).unwrap()["code"],
        "not-found"
    );
    let (status, body) = server.request("GET", "/v1/messages", b"");
    assert_eq!(status, 405, "{body}");
    assert_eq!(
        serde_json::from_str::<Value>(&body).unwrap()["code"],
        "method-not-allowed"
    );
    // A byte order mark before the JSON is skipped (here: no messages).
    let (status, body) = server.request("POST", "/v1/messages", b"\xEF\xBB\xBF[]");
    assert_eq!((status, body.as_str()), (200, "[]"));

    let (_, body) = server.request("GET", "/v1/exceptions", b"");
    let x: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(x["total"], 1);
    assert_eq!(x["groups"][0]["rule"], "settlement");
    assert_eq!(x["groups"][0]["cause"], "mismatch");
    assert_eq!(x["groups"][0]["exceptions"][0]["key"], "P-1");

    let (status, metrics) = server.request("GET", "/metrics", b"");
    assert_eq!(status, 200);
    assert!(
        metrics.contains("charter_decisions_total{decision=\"accept\",reason=\"\"} 1"),
        "{metrics}"
    );
    assert!(
        metrics.contains("charter_decisions_total{decision=\"reject\",reason=\"not-owner\"} 1"),
        "{metrics}"
    );
    assert!(
        metrics.contains("charter_decision_duration_seconds_count 4"),
        "{metrics}"
    );

    // SIGKILL: nothing graceful. Every answered decision is in the log.
    server.child.kill().unwrap();
    server.child.wait().unwrap();
    assert_eq!(std::fs::read_to_string(&log).unwrap().lines().count(), 4);
    // A torn last line (a write cut by the crash) is cut off at restart.
    std::fs::OpenOptions::new()
        .append(true)
        .open(&log)
        .unwrap()
        .write_all(b"{\"decision\":{\"li")
        .unwrap();

    let mut server = Server::start(&log);
    // The duplicate memory is rebuilt: a re-sent message is still a duplicate.
    let d = server.post(&p1);
    assert_eq!(d["decision"], "duplicate");
    // So is the reconciliation state.
    let (_, body) = server.request("GET", "/v1/exceptions", b"");
    assert_eq!(serde_json::from_str::<Value>(&body).unwrap()["total"], 1);
    let log_text = std::fs::read_to_string(&log).unwrap();
    assert_eq!(log_text.lines().count(), 5);
    assert!(log_text.ends_with('\n'));
    for l in log_text.lines() {
        let v: Value = serde_json::from_str(l).unwrap();
        assert!(v["decision"]["decision"].is_string());
    }

    // SIGTERM while requests are in flight: graceful, none lost.
    let addr = server.addr.clone();
    let senders: Vec<_> = (0..4)
        .map(|t| {
            let addr = addr.clone();
            std::thread::spawn(move || {
                let mut answered = 0;
                for i in 0..25 {
                    let m = msg(&format!("t-{t}-{i}"), "erp", "event", "stock", "SKU-9", "2026-03-01T11:00:00Z", json!({"sku": "SKU-9", "quantity": i}));
                    let Ok(mut conn) = TcpStream::connect(&addr) else { break };
                    let body = m.to_string();
                    let head = format!("POST /v1/messages HTTP/1.1\r\nHost: x\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}", body.len());
                    if conn.write_all(head.as_bytes()).is_err() {
                        break;
                    }
                    let mut resp = String::new();
                    let _ = conn.read_to_string(&mut resp);
                    if resp.starts_with("HTTP/1.1 200") {
                        answered += 1;
                    } else {
                        break;
                    }
                }
                answered
            })
        })
        .collect();
    std::thread::sleep(Duration::from_millis(150));
    server.signal("-TERM");
    let code = server.wait(Duration::from_secs(20));
    assert_eq!(code, Some(0));
    let answered: usize = senders.into_iter().map(|h| h.join().unwrap()).sum();
    let logged = std::fs::read_to_string(&log).unwrap().lines().count();
    // Every answered decision is logged (a request cut before it was read
    // is neither answered nor logged).
    assert!(
        logged >= 5 + answered,
        "logged {logged}, answered {answered}"
    );
    assert!(answered > 0);
}

#[test]
fn serve_on_an_address_in_use_exits_2_and_leaves_no_log() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("decisions.log");
    let out = Command::new(env!("CARGO_BIN_EXE_charter"))
        .arg("serve")
        .arg(config())
        .args(["--listen", &addr, "--log"])
        .arg(&log)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains(&addr), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        !log.exists(),
        "the log is not created when the address is in use"
    );
}

fn get(server: &Server, path: &str) -> Value {
    let (status, body) = server.request("GET", path, b"");
    assert_eq!(status, 200, "{body}");
    serde_json::from_str(&body).unwrap()
}

fn replay_lines(lines: &[Value]) -> Vec<Value> {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.jsonl");
    let text: String = lines.iter().map(|l| format!("{l}\n")).collect();
    std::fs::write(&input, text).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_charter"))
        .arg("replay")
        .arg(config())
        .arg(&input)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// The green-dashboard traffic through the gate on message time: acks are
/// taken on POST /v1/messages, the incidents and the alert are listed, the
/// metrics count per flow, and the decisions are those of one replay however
/// the traffic is cut into requests; a restart recovers the outstanding
/// deliveries from the log.
#[test]
fn serve_takes_acks_and_lists_incidents_and_alerts() {
    let text = std::fs::read_to_string(
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/traffic/green-dashboard.jsonl"),
    )
    .unwrap();
    let lines: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let replayed = replay_lines(&lines);
    let without_line = |d: &Value| {
        let mut d = d.clone();
        d.as_object_mut().unwrap().remove("line");
        d
    };
    for cut in [1, 17, lines.len() - 1] {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("decisions.log");
        let server = Server::start_with(&log, &["--clock", "message"]);
        let mut got = Vec::new();
        for part in [&lines[..cut], &lines[cut..]] {
            match server.post(&Value::Array(part.to_vec())) {
                Value::Array(ds) => got.extend(ds),
                other => panic!("{other}"),
            }
        }
        let got: Vec<Value> = got.iter().map(without_line).collect();
        let want: Vec<Value> = replayed.iter().map(without_line).collect();
        assert_eq!(got, want, "cut at {cut}");
        let inc = get(&server, "/v1/incidents");
        let kinds: Vec<(&str, u64)> = inc["incidents"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| (i["kind"].as_str().unwrap(), i["count"].as_u64().unwrap()))
            .collect();
        assert_eq!(
            kinds,
            [
                ("unacknowledged", 8),
                ("nack", 2),
                ("reject", 2),
                ("alert", 1)
            ]
        );
        let alerts = get(&server, "/v1/alerts");
        assert_eq!(alerts["total"], 1);
        assert_eq!(alerts["alerts"][0]["rule"], "ack-drop");
        let ex = get(&server, "/v1/exceptions");
        assert_eq!(ex["counts"]["unacknowledged"], 8);
        let (_, metrics) = server.request("GET", "/metrics", b"");
        for needle in [
            "charter_flow_deliveries_total{flow=\"order-to-3pl\",outcome=\"unacknowledged\"} 8",
            "charter_flow_deliveries_total{flow=\"order-to-3pl\",outcome=\"nacked\"} 2",
            "charter_flow_deliveries_total{flow=\"order-to-oms\",outcome=\"acked\"} 20",
            "charter_outstanding_acks 0",
            "charter_decisions_total{decision=\"reject\",reason=\"unexpected-ack\"} 2",
        ] {
            assert!(metrics.contains(needle), "{needle} in\n{metrics}");
        }
    }
}

/// Deliveries awaiting an ack survive a crash: after SIGKILL and a restart
/// on the same log, the ack is observed (not unexpected) and a second one is
/// refused.
#[test]
fn outstanding_deliveries_are_recovered_from_the_log() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("decisions.log");
    let order = json!({"id": "o-1", "at": "2026-03-01T10:00:00Z", "source": "shop", "kind": "event",
        "entity": "order", "key": "O-1", "op": "upsert",
        "data": {"orderId": "O-1", "total": 10, "lines": [{"sku": "A", "qty": 1}], "shipping": "standard"}});
    let ack = |id: &str| json!({"id": id, "at": "2026-03-01T10:00:05Z", "source": "3pl", "kind": "ack", "ref": "o-1"});
    {
        let mut server = Server::start_with(&log, &["--clock", "message"]);
        assert_eq!(server.post(&order)["decision"], "accept");
        let (_, metrics) = server.request("GET", "/metrics", b"");
        assert!(metrics.contains("charter_outstanding_acks 2"), "{metrics}");
        server.signal("-KILL");
        server.wait(Duration::from_secs(10));
    }
    let server = Server::start_with(&log, &["--clock", "message"]);
    assert_eq!(server.post(&ack("a-1"))["decision"], "observe");
    let again = server.post(&ack("a-2"));
    assert_eq!(again["decision"], "reject");
    assert_eq!(again["reason"], "unexpected-ack");
    let (_, metrics) = server.request("GET", "/metrics", b"");
    assert!(metrics.contains("charter_outstanding_acks 1"), "{metrics}");
}

/// On the wall clock (the default), a deadline passes with time alone: the
/// gate ticks every second even when no traffic comes.
#[test]
fn on_the_wall_clock_a_deadline_passes_without_traffic() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("decisions.log");
    let server = Server::start(&log);
    // A message from long ago: its deadlines passed before it arrived.
    let order = json!({"id": "o-1", "at": "2020-01-01T10:00:00Z", "source": "shop", "kind": "event",
        "entity": "order", "key": "O-1", "op": "upsert",
        "data": {"orderId": "O-1", "total": 10, "lines": [{"sku": "A", "qty": 1}], "shipping": "standard"}});
    assert_eq!(server.post(&order)["decision"], "accept");
    let t = Instant::now();
    loop {
        let inc = get(&server, "/v1/incidents");
        let silent = inc["incidents"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|i| i["kind"] == "unacknowledged")
            .count();
        if silent == 2 {
            break;
        }
        assert!(t.elapsed() < Duration::from_secs(10), "{inc}");
        std::thread::sleep(Duration::from_millis(200));
    }
}
