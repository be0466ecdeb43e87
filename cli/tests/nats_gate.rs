//! The JetStream gate against a real nats-server (started here, on
//! 127.0.0.1, JetStream in a temporary directory; `CHARTER_NATS_SERVER`
//! names the binary, else `nats-server` on PATH, as scripts/setup.sh
//! installs it).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod cli_support;
#[path = "../../runtime/benches/traffic_gen.rs"]
mod traffic_gen;

use cli_support::charter;
use serde_json::Value;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

struct NatsServer {
    child: Child,
    url: String,
    _dir: tempfile::TempDir,
}

impl NatsServer {
    /// Starts nats-server with JetStream; `include` adds a configuration
    /// file (permissions), `env` its variables.
    fn start(include: Option<&Path>, env: &[(String, String)]) -> NatsServer {
        let bin = std::env::var("CHARTER_NATS_SERVER").unwrap_or_else(|_| "nats-server".into());
        let version = Command::new(&bin).arg("--version").output().unwrap_or_else(|e| {
            panic!("{bin}: cannot run it ({e}): run scripts/setup.sh (it installs nats-server 2.15.1) or set CHARTER_NATS_SERVER")
        });
        assert!(version.status.success(), "{bin} --version failed");
        let dir = tempfile::tempdir().unwrap();
        let port = free_port();
        let mut conf = format!(
            "listen: 127.0.0.1:{port}\njetstream {{ store_dir: {:?} }}\n",
            dir.path().join("js").display().to_string()
        );
        if let Some(inc) = include {
            let local = dir.path().join("permissions.conf");
            std::fs::copy(inc, &local).unwrap();
            conf.push_str("include ./permissions.conf\n");
        }
        let conf_path = dir.path().join("server.conf");
        std::fs::write(&conf_path, conf).unwrap();
        let child = Command::new(&bin)
            .arg("-c")
            .arg(&conf_path)
            .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let deadline = Instant::now() + Duration::from_secs(15);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "nats-server did not start");
            std::thread::sleep(Duration::from_millis(50));
        }
        NatsServer {
            child,
            url: format!("nats://127.0.0.1:{port}"),
            _dir: dir,
        }
    }
}

impl Drop for NatsServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A `charter gate` process with its output collected.
struct Worker {
    child: Child,
    stdout: Arc<Mutex<Vec<String>>>,
    stderr: Arc<Mutex<String>>,
}

fn collect(r: impl Read + Send + 'static) -> Arc<Mutex<Vec<String>>> {
    let lines = Arc::new(Mutex::new(Vec::new()));
    let l = Arc::clone(&lines);
    std::thread::spawn(move || {
        for line in BufReader::new(r).lines() {
            match line {
                Ok(line) => l.lock().unwrap().push(line),
                Err(_) => break,
            }
        }
    });
    lines
}

impl Worker {
    fn start(
        config: &Path,
        url: &str,
        name: &str,
        env: &[(&str, &str)],
        user: Option<&str>,
    ) -> Worker {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_charter"));
        cmd.arg("gate")
            .arg(config)
            .args(["--nats", url, "--worker", name, "--lease-seconds", "2"]);
        if let Some(u) = user {
            cmd.args(["--user", u]);
        }
        let mut child = cmd
            .envs(env.iter().copied())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stdout = collect(child.stdout.take().unwrap());
        let err_lines = collect(child.stderr.take().unwrap());
        let stderr = Arc::new(Mutex::new(String::new()));
        let s = Arc::clone(&stderr);
        std::thread::spawn(move || loop {
            std::thread::sleep(Duration::from_millis(200));
            *s.lock().unwrap() = err_lines.lock().unwrap().join("\n");
        });
        Worker {
            child,
            stdout,
            stderr,
        }
    }

    /// The partitions held, as last reported.
    fn holding(&self) -> Vec<u32> {
        let out = self.stdout.lock().unwrap();
        out.iter()
            .rev()
            .find_map(|l| l.strip_prefix("holding partitions ["))
            .map(|l| {
                l.trim_end_matches(']')
                    .split(',')
                    .filter(|s| !s.is_empty())
                    .map(|s| s.parse().unwrap())
                    .collect()
            })
            .unwrap_or_default()
    }

    /// SIGTERM, then the process's stderr.
    fn stop(mut self) -> String {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                assert!(
                    status.success(),
                    "a gate worker exited with {status}: {}",
                    self.stderr.lock().unwrap()
                );
                break;
            }
            assert!(
                Instant::now() < deadline,
                "a gate worker did not stop on SIGTERM"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        std::thread::sleep(Duration::from_millis(300));
        let s = self.stderr.lock().unwrap().clone();
        s
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn status(url: &str) -> Value {
    let r = charter(["nats", "status", "--nats", url]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    serde_json::from_str(r.stdout.trim()).unwrap()
}

fn until(what: &str, secs: u64, mut f: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(secs);
    while !f() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// 200,000 lines of the sample's traffic: events, requests, states, one ack
/// per acknowledged delivery (some negative), and re-sent messages.
fn traffic(n: usize) -> Vec<String> {
    let mut lines = Vec::with_capacity(n + 8);
    let mut i = 0u64;
    while lines.len() < n {
        for (j, mut m) in traffic_gen::with_acks(i).into_iter().enumerate() {
            if j > 0 && i.is_multiple_of(13) {
                m["ok"] = Value::Bool(false);
                m["reason"] = Value::String("carrier missing".into());
            }
            lines.push(m.to_string());
        }
        if i % 50 == 49 {
            // The same message sent again: a duplicate.
            lines.push(traffic_gen::message(i - 7).to_string());
        }
        i += 1;
    }
    lines.truncate(n);
    lines
}

fn http_get(addr: &str, path: &str) -> String {
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    out.split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default()
}

fn decided_key(d: &Value) -> String {
    format!(
        "{} {} {} {} {}",
        d["id"], d["decision"], d["reason"], d["rule"], d["deliveries"]
    )
}

#[test]
fn three_workers_one_killed_decide_as_replay_does() {
    const N: usize = 200_000;
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.json");
    let r = charter([
        "export".as_ref(),
        root()
            .join("models/examples/ecommerce.model.json")
            .as_os_str(),
        "--env".as_ref(),
        "prod".as_ref(),
        "-o".as_ref(),
        config.as_os_str(),
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let input = dir.path().join("traffic.jsonl");
    std::fs::write(&input, traffic(N).join("\n") + "\n").unwrap();

    let server = NatsServer::start(None, &[]);
    let url = server.url.clone();
    let a = Worker::start(&config, &url, "a", &[], None);
    let b = Worker::start(&config, &url, "b", &[], None);
    let c = Worker::start(&config, &url, "c", &[], None);
    until("three workers sharing the partitions", 60, || {
        !a.holding().is_empty() && !b.holding().is_empty() && !c.holding().is_empty()
    });
    let held_by_a = a.holding();

    let publish = Command::new(env!("CARGO_BIN_EXE_charter"))
        .args(["nats", "publish"])
        .arg(&input)
        // Paced (about 8 s in all), so that the kill below lands while
        // traffic is still coming in however loaded the machine is.
        .args(["--nats", &url, "--rate", "25000"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Kill one worker while traffic is still coming in.
    let mut at_kill = Value::Null;
    until("traffic flowing", 120, || {
        at_kill = status(&url);
        at_kill["inbound"].as_u64().unwrap_or(0) >= 30_000
            && at_kill["decisionRecords"].as_u64().unwrap_or(0) > 0
    });
    let mut a = a;
    a.child.kill().unwrap(); // SIGKILL
    let _ = a.child.wait();
    assert!(
        at_kill["inbound"].as_u64().unwrap() < N as u64,
        "the worker was killed after all traffic was in: {at_kill}"
    );
    std::thread::sleep(Duration::from_secs(1));
    let a = Worker::start(&config, &url, "a", &[], None);
    // Pause another past its lease: the others take its partitions; when it
    // comes back its stale writes must be refused, not kept.
    let held_by_b = b.holding();
    let signal = |sig: &str, w: &Worker| {
        assert!(Command::new("kill")
            .args([sig, &w.child.id().to_string()])
            .status()
            .unwrap()
            .success());
    };
    signal("-STOP", &b);
    until("b's partitions taken over", 60, || {
        let (ha, hc) = (a.holding(), c.holding());
        held_by_b.iter().all(|p| ha.contains(p) || hc.contains(p))
    });
    signal("-CONT", &b);

    let out = publish.wait_with_output_timeout();
    assert!(out.0, "publish failed: {}", out.2);
    assert!(
        out.1.contains(&format!("published {N} messages")) && out.1.contains(&format!("1..{N}")),
        "{}",
        out.1
    );

    let decisions_file = dir.path().join("decisions.jsonl");
    until("every message decided", 300, || {
        let r = charter([
            "nats".as_ref(),
            "decisions".as_ref(),
            "--nats".as_ref(),
            url.as_ref(),
            "-o".as_ref(),
            decisions_file.as_os_str(),
        ]);
        assert_eq!(r.code, 0, "{}", r.stderr);
        let n = std::fs::read_to_string(&decisions_file)
            .unwrap()
            .lines()
            .count();
        assert!(n <= N, "{n} decisions for {N} messages");
        if n < N {
            std::thread::sleep(Duration::from_secs(1));
        }
        n == N
    });
    until("the restarted worker to take partitions back", 60, || {
        !a.holding().is_empty()
    });
    let stderr: Vec<String> = [a, b, c].into_iter().map(Worker::stop).collect();
    eprintln!("workers said: {stderr:#?}");
    let restored: u64 = stderr
        .iter()
        .filter_map(|s| s.split("restored ").nth(1))
        .filter_map(|s| s.split(' ').next())
        .map(|n| n.parse::<u64>().unwrap())
        .sum();
    assert!(
        restored > 0,
        "no partition was rebuilt from its decisions (a held {held_by_a:?}): {stderr:?}"
    );

    // Exactly one decision per message, equal to replay's.
    let gate: Vec<Value> = std::fs::read_to_string(&decisions_file)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    for (i, d) in gate.iter().enumerate() {
        assert_eq!(
            d["line"].as_u64(),
            Some(i as u64 + 1),
            "decision {i} is {d}"
        );
    }
    let report = dir.path().join("report.json");
    let replay = charter([
        "replay".as_ref(),
        config.as_os_str(),
        input.as_os_str(),
        "--report".as_ref(),
        report.as_os_str(),
    ]);
    assert_eq!(replay.code, 0, "{}", replay.stderr);
    let replayed: Vec<Value> = replay
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(replayed.len(), N);
    let mut differ = 0;
    for (g, r) in gate.iter().zip(&replayed) {
        if decided_key(g) != decided_key(r) {
            differ += 1;
            assert!(differ > 5, "gate {g}\nreplay {r}");
        }
    }
    assert_eq!(differ, 0, "{differ} decisions differ from replay");
    let duplicates = replayed
        .iter()
        .filter(|d| d["decision"] == "duplicate")
        .count();
    let nacks = replayed
        .iter()
        .filter(|d| d["decision"] == "observe")
        .count();
    assert!(
        duplicates > 1000 && nacks > 1000,
        "{duplicates} duplicates, {nacks} observed"
    );

    // No delivery published twice: the stream holds exactly replay's.
    let deliveries: u64 = replayed
        .iter()
        .map(|d| d["deliveries"].as_array().unwrap().len() as u64)
        .sum();
    assert_eq!(status(&url)["deliveries"].as_u64(), Some(deliveries));

    // The aggregator sees what replay's report says.
    let report: Value = serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    let mut agg = Command::new(env!("CARGO_BIN_EXE_charter"))
        .arg("gate")
        .arg(&config)
        .args(["--nats", &url, "--aggregate", "--listen", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(agg.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    let addr = first
        .trim()
        .strip_prefix("aggregating on http://")
        .unwrap()
        .to_string();
    until("the aggregator to read every decision", 120, || {
        let metrics = http_get(&addr, "/metrics");
        let total: u64 = metrics
            .lines()
            .filter(|l| l.starts_with("charter_decisions_total{"))
            .filter_map(|l| l.rsplit(' ').next())
            .map(|n| n.parse::<u64>().unwrap())
            .sum();
        total == N as u64
    });
    let incidents: Value = serde_json::from_str(&http_get(&addr, "/v1/incidents")).unwrap();
    let alerts: Value = serde_json::from_str(&http_get(&addr, "/v1/alerts")).unwrap();
    let _ = agg.kill();
    let _ = agg.wait();
    let counts = |v: &Value| -> Vec<(String, u64)> {
        let mut c: Vec<(String, u64)> = v
            .as_array()
            .unwrap()
            .iter()
            .map(|i| {
                (
                    format!("{} {} {}", i["kind"], i["subject"], i["source"]),
                    i["count"].as_u64().unwrap(),
                )
            })
            .collect();
        c.sort();
        c
    };
    assert_eq!(
        counts(&incidents["incidents"]),
        counts(&report["incidents"])
    );
    assert_eq!(
        alerts["total"].as_u64(),
        Some(report["alerts"].as_array().unwrap().len() as u64)
    );
    drop(server);
}

trait WaitTimeout {
    fn wait_with_output_timeout(self) -> (bool, String, String);
}

impl WaitTimeout for Child {
    fn wait_with_output_timeout(self) -> (bool, String, String) {
        let out = self.wait_with_output().unwrap();
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }
}

#[test]
fn the_broker_refuses_a_double_write_and_the_gate_runs_under_its_permissions() {
    let dir = tempfile::tempdir().unwrap();
    let config = root().join("tests/traffic/ecommerce.config.json");
    let perms = dir.path().join("permissions.conf");
    let r = charter([
        "nats".as_ref(),
        "permissions".as_ref(),
        config.as_os_str(),
        "-o".as_ref(),
        perms.as_os_str(),
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let text = std::fs::read_to_string(&perms).unwrap();
    assert!(
        !text.contains("vault:"),
        "a credential reference leaked into the permissions"
    );
    // Every password is a variable of the server's environment.
    let mut env: Vec<(String, String)> = text
        .split('$')
        .filter_map(|s| s.strip_prefix("CHARTER_NATS_"))
        .map(|s| {
            let name: String = s
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            (format!("CHARTER_NATS_{name}"), format!("pw-{name}"))
        })
        .collect();
    env.sort();
    env.dedup();
    assert!(env.iter().any(|(k, _)| k == "CHARTER_NATS_PASSWORD_SHOP"));
    assert!(env.iter().any(|(k, _)| k == "CHARTER_NATS_GATE_PASSWORD"));
    let pw = |k: &str| env.iter().find(|(n, _)| n == k).unwrap().1.clone();
    let server = NatsServer::start(Some(&perms), &env);
    let url = server.url.clone();

    let gate_pw = pw("CHARTER_NATS_GATE_PASSWORD");
    let gate = Worker::start(
        &config,
        &url,
        "g",
        &[("CHARTER_NATS_PASSWORD", gate_pw.as_str())],
        Some("charter-gate"),
    );
    until(
        "the gate, under its own permissions, to hold partitions",
        60,
        || !gate.holding().is_empty(),
    );

    let event = |id: &str, source: &str| {
        format!(
            r#"{{"id":"{id}","at":"2026-03-01T10:00:00Z","source":"{source}","kind":"event","entity":"stock","key":"SKU-1","op":"upsert","data":{{"sku":"SKU-1","onHand":5,"reserved":1,"location":"DC1","updatedAt":"2026-03-01T10:00:00Z"}}}}"#
        ) + "\n"
    };
    let publish = |user: &str, file: &Path| {
        let out = Command::new(env!("CARGO_BIN_EXE_charter"))
            .args(["nats", "publish"])
            .arg(file)
            .args(["--nats", &url, "--user", user])
            .env(
                "CHARTER_NATS_PASSWORD",
                pw(&format!("CHARTER_NATS_PASSWORD_{}", user.to_uppercase())),
            )
            .output()
            .unwrap();
        (
            out.status.code().unwrap(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    // The shop does not own stock: the broker refuses its event.
    let bad = dir.path().join("double-write.jsonl");
    std::fs::write(&bad, event("w-1", "shop")).unwrap();
    let (code, _, err) = publish("shop", &bad);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("refused") && err.contains("charter.in.shop.stock.event."),
        "{err}"
    );
    // Nor may it speak for the ERP.
    let spoof = dir.path().join("spoof.jsonl");
    std::fs::write(&spoof, event("w-2", "erp")).unwrap();
    let (code, _, err) = publish("shop", &spoof);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("refused"), "{err}");
    // The ERP owns stock: stored, and decided by the gate.
    let good = dir.path().join("owner.jsonl");
    std::fs::write(&good, event("w-3", "erp")).unwrap();
    let (code, out, err) = publish("erp", &good);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("published 1 messages"), "{out}");
    let decisions = dir.path().join("decisions.jsonl");
    until("the gate's decision", 60, || {
        let r = Command::new(env!("CARGO_BIN_EXE_charter"))
            .args([
                "nats",
                "decisions",
                "--nats",
                &url,
                "--user",
                "charter-gate",
                "-o",
            ])
            .arg(&decisions)
            .env("CHARTER_NATS_PASSWORD", &gate_pw)
            .output()
            .unwrap();
        assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
        std::fs::read_to_string(&decisions)
            .unwrap()
            .contains("\"id\":\"w-3\"")
    });
    let all = std::fs::read_to_string(&decisions).unwrap();
    assert_eq!(all.lines().count(), 1, "{all}");
    assert_eq!(status_as(&url, &gate_pw)["inbound"].as_u64(), Some(1));
    gate.stop();
    drop(server);
}

fn status_as(url: &str, password: &str) -> Value {
    let out = Command::new(env!("CARGO_BIN_EXE_charter"))
        .args(["nats", "status", "--nats", url, "--user", "charter-gate"])
        .env("CHARTER_NATS_PASSWORD", password)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}
