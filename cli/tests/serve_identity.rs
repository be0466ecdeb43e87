//! `charter serve --identities` over real HTTP(S) on 127.0.0.1: missing,
//! wrong and revoked tokens (401, nothing decided or logged), a spoofed
//! `source` (`source-mismatch`, one incident of the caller, recovered the
//! same after a restart), mutual TLS with certificates made at test time
//! (rcgen), the admin listener, and the refusals at start.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use serde_json::{json, Value};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

fn config() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/traffic/ecommerce.config.json")
}

const SYSTEMS: [&str; 7] = [
    "shop",
    "erp",
    "oms",
    "3pl",
    "psp",
    "accounting",
    "carrier-express",
];

fn charter(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_charter"))
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).to_string(),
        String::from_utf8_lossy(&out.stderr).to_string(),
    )
}

/// Tokens for every system of the configuration, from the template and
/// `charter identities new`.
fn identities(dir: &Path) -> (PathBuf, Vec<(String, String)>) {
    let file = dir.join("identities.json");
    let (code, _, err) = charter(&[
        "identities",
        "template",
        config().to_str().unwrap(),
        "-o",
        file.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    let skeleton: Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    let mut listed: Vec<&str> = skeleton["systems"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    listed.sort_unstable();
    let mut all = SYSTEMS.to_vec();
    all.sort_unstable();
    assert_eq!(listed, all, "one entry per system of the configuration");
    let mut args = vec!["identities", "new"];
    args.extend(SYSTEMS);
    args.extend(["--file", file.to_str().unwrap()]);
    let (code, out, err) = charter(&args);
    assert_eq!(code, 0, "{err}");
    let tokens: Vec<(String, String)> = out
        .lines()
        .map(|l| {
            let (s, t) = l.split_once(' ').unwrap();
            (s.to_string(), t.to_string())
        })
        .collect();
    assert_eq!(tokens.len(), SYSTEMS.len());
    let stored = std::fs::read_to_string(&file).unwrap();
    for (_, t) in &tokens {
        assert!(
            !stored.contains(t.as_str()),
            "a token was written to the file"
        );
    }
    (file, tokens)
}

fn token<'a>(tokens: &'a [(String, String)], system: &str) -> &'a str {
    &tokens.iter().find(|(s, _)| s == system).unwrap().1
}

struct Server {
    child: Child,
    addr: String,
    admin: Option<String>,
    stderr: Option<std::process::ChildStderr>,
}

impl Server {
    fn start(log: &Path, args: &[&str]) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_charter"))
            .arg("serve")
            .arg(config())
            .args(["--listen", "127.0.0.1:0", "--clock", "message", "--log"])
            .arg(log)
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut out = BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        out.read_line(&mut line).unwrap();
        let addr = line
            .trim()
            .split_once("://")
            .map(|(_, a)| a.to_string())
            .unwrap_or_else(|| panic!("no address: {line:?}"));
        assert!(addr.starts_with("127.0.0.1:"), "{addr}");
        let admin = if args.contains(&"--admin-listen") {
            let mut l = String::new();
            out.read_line(&mut l).unwrap();
            Some(
                l.trim()
                    .strip_prefix("admin on http://")
                    .unwrap()
                    .to_string(),
            )
        } else {
            None
        };
        let stderr = child.stderr.take();
        Server {
            child,
            addr,
            admin,
            stderr,
        }
    }

    fn stop(mut self) -> String {
        let ok = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(ok.success());
        let t = Instant::now();
        while self.child.try_wait().unwrap().is_none() {
            assert!(t.elapsed() < Duration::from_secs(20), "did not stop");
            std::thread::sleep(Duration::from_millis(20));
        }
        let mut err = String::new();
        if let Some(mut e) = self.stderr.take() {
            let _ = e.read_to_string(&mut err);
        }
        err
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn http(
    stream: &mut (impl Read + Write),
    addr: &str,
    method: &str,
    path: &str,
    auth: Option<&str>,
    body: &[u8],
) -> (u16, String) {
    let auth = auth.map_or(String::new(), |a| format!("Authorization: {a}\r\n"));
    let head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\n{auth}Content-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).unwrap();
    let _ = stream.write_all(body);
    let _ = stream.flush();
    let mut resp = Vec::new();
    let _ = stream.read_to_end(&mut resp);
    let text = String::from_utf8_lossy(&resp).to_string();
    let status = text.get(9..12).and_then(|c| c.parse().ok()).unwrap_or(0);
    let body = text
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    (status, body)
}

fn plain(addr: &str, method: &str, path: &str, auth: Option<&str>, body: &[u8]) -> (u16, String) {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    http(&mut s, addr, method, path, auth, body)
}

fn bearer(t: &str) -> String {
    format!("Bearer {t}")
}

fn event(id: &str, source: &str, entity: &str, key: &str, at: &str, data: Value) -> Value {
    json!({"id": id, "at": at, "source": source, "kind": "event", "entity": entity, "key": key, "op": "upsert", "data": data})
}

fn payment(id: &str, source: &str, at: &str) -> Value {
    event(
        id,
        source,
        "payment",
        "P-1",
        at,
        json!({"paymentId": "P-1", "amount": 100.0, "currency": "EUR"}),
    )
}

fn log_lines(log: &Path) -> Vec<Value> {
    std::fs::read_to_string(log)
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn code_of(body: &str) -> String {
    let v: Value = serde_json::from_str(body).unwrap_or_else(|_| panic!("not JSON: {body}"));
    assert!(v["message"].is_string(), "{body}");
    v["code"].as_str().unwrap().to_string()
}

#[test]
fn tokens_bind_the_source_and_refusals_decide_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let (ids, tokens) = identities(dir.path());
    let psp_old = token(&tokens, "psp").to_string();
    // Revoke psp's token, then give it a new one.
    let (code, _, err) = charter(&[
        "identities",
        "revoke",
        "psp",
        "--file",
        ids.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    let (code, out, err) = charter(&["identities", "new", "psp", "--file", ids.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    let psp = out.split_once(' ').unwrap().1.trim().to_string();
    let erp = token(&tokens, "erp").to_string();

    let log = dir.path().join("decisions.log");
    let server = Server::start(
        &log,
        &[
            "--identities",
            ids.to_str().unwrap(),
            "--admin-listen",
            "127.0.0.1:0",
        ],
    );
    let addr = server.addr.clone();
    let body = payment("p-1", "psp", "2026-03-01T10:00:00Z").to_string();

    // Missing, malformed, unknown and revoked credentials: 401, nothing decided.
    let cases: [(Option<String>, &str); 4] = [
        (None, "missing-credentials"),
        (Some("Basic cHNwOnBzcA==".into()), "malformed-credentials"),
        (Some(bearer(&"0".repeat(64))), "unknown-credentials"),
        (Some(bearer(&psp_old)), "revoked-credentials"),
    ];
    for (auth, want) in &cases {
        let (status, text) = plain(
            &addr,
            "POST",
            "/v1/messages",
            auth.as_deref(),
            body.as_bytes(),
        );
        assert_eq!(status, 401, "{text}");
        assert_eq!(code_of(&text), *want);
    }
    // The other endpoints are closed too, /healthz open.
    let (status, _) = plain(&addr, "GET", "/v1/incidents", None, b"");
    assert_eq!(status, 401);
    let (status, _) = plain(&addr, "GET", "/metrics", None, b"");
    assert_eq!(status, 401);
    let (status, _) = plain(&addr, "GET", "/healthz", None, b"");
    assert_eq!(status, 200);
    assert!(log_lines(&log).is_empty(), "a refused request was logged");

    // The message refused above is decided once the caller is known: not a duplicate.
    let (status, text) = plain(
        &addr,
        "POST",
        "/v1/messages",
        Some(&bearer(&psp)),
        body.as_bytes(),
    );
    assert_eq!(status, 200, "{text}");
    let d: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(d["decision"], "accept", "{d}");

    // erp speaking as psp: source-mismatch; its own message in the same array is decided normally.
    let batch = json!([
        payment("p-2", "psp", "2026-03-01T10:01:00Z"),
        event(
            "s-1",
            "erp",
            "stock",
            "SKU-1",
            "2026-03-01T10:01:00Z",
            json!({"sku": "SKU-1", "quantity": 5})
        ),
        payment("p-3", "psp", "2026-03-01T10:02:00Z"),
    ]);
    let (status, text) = plain(
        &addr,
        "POST",
        "/v1/messages",
        Some(&bearer(&erp)),
        batch.to_string().as_bytes(),
    );
    assert_eq!(status, 200, "{text}");
    let d: Value = serde_json::from_str(&text).unwrap();
    let got: Vec<(&str, &str)> = d
        .as_array()
        .unwrap()
        .iter()
        .map(|x| {
            (
                x["decision"].as_str().unwrap(),
                x["reason"].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            ("reject", "source-mismatch"),
            ("accept", ""),
            ("reject", "source-mismatch")
        ]
    );
    assert_eq!(d[0]["deliveries"], json!([]));
    assert_eq!(d[1]["deliveries"][0]["to"], "shop");

    // The spoofed ids were not taken from psp: its own p-2 is decided.
    let (_, text) = plain(
        &addr,
        "POST",
        "/v1/messages",
        Some(&bearer(&psp)),
        payment("p-2", "psp", "2026-03-01T10:03:00Z")
            .to_string()
            .as_bytes(),
    );
    let d: Value = serde_json::from_str(&text).unwrap();
    assert_ne!(d["decision"], "duplicate", "{d}");
    assert_ne!(d["reason"], "source-mismatch", "{d}");

    // The log says who sent each message.
    let lines = log_lines(&log);
    let by: Vec<(&str, &str)> = lines
        .iter()
        .map(|l| {
            (
                l["decision"]["id"].as_str().unwrap(),
                l["by"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        by,
        [
            ("p-1", "psp"),
            ("p-2", "erp"),
            ("s-1", "erp"),
            ("p-3", "erp"),
            ("p-2", "psp")
        ]
    );

    // One incident for erp's repeated source-mismatch.
    let (status, text) = plain(&addr, "GET", "/v1/incidents", Some(&bearer(&erp)), b"");
    assert_eq!(status, 200, "{text}");
    let inc: Value = serde_json::from_str(&text).unwrap();
    let mismatches: Vec<&Value> = inc["incidents"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["reason"] == "source-mismatch")
        .collect();
    assert_eq!(mismatches.len(), 1, "{inc}");
    assert_eq!(mismatches[0]["source"], "erp");
    assert_eq!(mismatches[0]["count"], 2);
    assert_eq!(mismatches[0]["messages"], json!(["p-2", "p-3"]));

    // Metrics: authentication failures by reason, source-mismatch decisions;
    // open on the admin address, closed on the gate's without credentials.
    let admin = server.admin.clone().unwrap();
    let (status, metrics) = plain(&admin, "GET", "/metrics", None, b"");
    assert_eq!(status, 200);
    for want in [
        "charter_auth_failures_total{reason=\"missing\"} 3",
        "charter_auth_failures_total{reason=\"malformed\"} 1",
        "charter_auth_failures_total{reason=\"unknown\"} 1",
        "charter_auth_failures_total{reason=\"revoked\"} 1",
        "charter_decisions_total{decision=\"reject\",reason=\"source-mismatch\"} 2",
    ] {
        assert!(metrics.contains(want), "{want} not in\n{metrics}");
    }
    let (status, _) = plain(
        &admin,
        "POST",
        "/v1/messages",
        Some(&bearer(&psp)),
        body.as_bytes(),
    );
    assert_eq!(status, 404, "the admin address decides nothing");

    // After a restart the log is decided again the same way (the caller
    // is in the log): nothing differs, spoofed ids stay free, p-1 a duplicate.
    let err = server.stop();
    assert!(!err.contains("differ"), "{err}");
    let server = Server::start(&log, &["--identities", ids.to_str().unwrap()]);
    let (_, text) = plain(
        &server.addr,
        "POST",
        "/v1/messages",
        Some(&bearer(&psp)),
        json!([
            payment("p-1", "psp", "2026-03-01T10:04:00Z"),
            payment("p-3", "psp", "2026-03-01T10:05:00Z")
        ])
        .to_string()
        .as_bytes(),
    );
    let d: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(d[0]["decision"], "duplicate", "{d}");
    assert_ne!(d[1]["decision"], "duplicate", "{d}");
    let (_, text) = plain(
        &server.addr,
        "GET",
        "/v1/incidents",
        Some(&bearer(&psp)),
        b"",
    );
    let inc: Value = serde_json::from_str(&text).unwrap();
    assert!(
        inc["incidents"]
            .as_array()
            .unwrap()
            .iter()
            .any(|i| i["reason"] == "source-mismatch" && i["count"] == 2),
        "{inc}"
    );
    let err = server.stop();
    assert!(!err.contains("differ"), "{err}");
}

#[test]
fn an_open_gate_is_refused_off_loopback_and_a_forgotten_system_refused() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("decisions.log");
    let out = Command::new(env!("CARGO_BIN_EXE_charter"))
        .arg("serve")
        .arg(config())
        .args(["--listen", "0.0.0.0:0", "--log"])
        .arg(&log)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains("refusing to listen on 0.0.0.0:0 without --identities"),
        "{err}"
    );
    assert!(out.stdout.is_empty());
    assert!(!log.exists(), "nothing was opened");

    // An identities file that forgets a system of the configuration.
    let ids = dir.path().join("ids.json");
    let (code, _, err) = charter(&[
        "identities",
        "new",
        "shop",
        "erp",
        "--file",
        ids.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    let out = Command::new(env!("CARGO_BIN_EXE_charter"))
        .arg("serve")
        .arg(config())
        .args(["--listen", "127.0.0.1:0", "--identities"])
        .arg(&ids)
        .arg("--log")
        .arg(&log)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("no entry for `oms`"), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    // The template never overwrites a file.
    let (code, _, err) = charter(&[
        "identities",
        "template",
        config().to_str().unwrap(),
        "-o",
        ids.to_str().unwrap(),
    ]);
    assert_eq!(code, 2);
    assert!(err.contains("not overwritten"), "{err}");
}

struct Pki {
    ca: rcgen::CertifiedIssuer<'static, rcgen::KeyPair>,
}

impl Pki {
    fn new(name: &str) -> Pki {
        let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
        params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, name);
        params.key_usages = vec![
            rcgen::KeyUsagePurpose::KeyCertSign,
            rcgen::KeyUsagePurpose::DigitalSignature,
        ];
        let key = rcgen::KeyPair::generate().unwrap();
        Pki {
            ca: rcgen::CertifiedIssuer::self_signed(params, key).unwrap(),
        }
    }

    /// A leaf certificate (PEM cert, PEM key, DER cert).
    fn leaf(&self, cn: &str, sans: &[&str], server: bool) -> (String, String, Vec<u8>) {
        let sans: Vec<String> = sans.iter().map(|s| s.to_string()).collect();
        let mut params = rcgen::CertificateParams::new(sans).unwrap();
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, cn);
        params.extended_key_usages = vec![if server {
            rcgen::ExtendedKeyUsagePurpose::ServerAuth
        } else {
            rcgen::ExtendedKeyUsagePurpose::ClientAuth
        }];
        let key = rcgen::KeyPair::generate().unwrap();
        let cert = params.signed_by(&key, &self.ca).unwrap();
        (cert.pem(), key.serialize_pem(), cert.der().to_vec())
    }
}

fn tls_client(ca_pem: &str, client: Option<(&str, &str)>) -> Arc<rustls::ClientConfig> {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let mut roots = rustls::RootCertStore::empty();
    roots
        .add(CertificateDer::from_pem_slice(ca_pem.as_bytes()).unwrap())
        .unwrap();
    let builder = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_root_certificates(roots);
    let config = match client {
        None => builder.with_no_client_auth(),
        Some((cert, key)) => builder
            .with_client_auth_cert(
                vec![CertificateDer::from_pem_slice(cert.as_bytes()).unwrap()],
                PrivateKeyDer::from_pem_slice(key.as_bytes()).unwrap(),
            )
            .unwrap(),
    };
    Arc::new(config)
}

/// One HTTPS request; `None` when the TLS handshake or the connection failed.
fn https(
    addr: &str,
    config: &Arc<rustls::ClientConfig>,
    method: &str,
    path: &str,
    auth: Option<&str>,
    body: &[u8],
) -> Option<(u16, String)> {
    let name = rustls::pki_types::ServerName::try_from("localhost").unwrap();
    let conn = rustls::ClientConnection::new(Arc::clone(config), name).unwrap();
    let tcp = TcpStream::connect(addr).unwrap();
    tcp.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    let mut tls = rustls::StreamOwned::new(conn, tcp);
    let (status, body) = http(&mut tls, addr, method, path, auth, body);
    (status != 0).then_some((status, body))
}

#[test]
fn mutual_tls_certificates_name_the_caller() {
    let dir = tempfile::tempdir().unwrap();
    let (ids, tokens) = identities(dir.path());
    let pki = Pki::new("charter test CA");
    let other = Pki::new("someone else's CA");
    let ca_pem = pki.ca.pem();
    std::fs::write(dir.path().join("clients-ca.pem"), &ca_pem).unwrap();
    let mut doc: Value = serde_json::from_str(&std::fs::read_to_string(&ids).unwrap()).unwrap();
    doc["clientCa"] = json!("clients-ca.pem");
    let (rev_cert, rev_key, psp_der) = pki.leaf("psp", &[], false);
    doc["systems"]["psp"]["revokedSha256"] = json!([charter_sha256(&psp_der)]);
    std::fs::write(&ids, serde_json::to_string_pretty(&doc).unwrap()).unwrap();

    let (cert, key, _) = pki.leaf("charter gate", &["localhost", "127.0.0.1"], true);
    let (cert_file, key_file) = (dir.path().join("gate.pem"), dir.path().join("gate.key"));
    std::fs::write(&cert_file, cert).unwrap();
    std::fs::write(&key_file, key).unwrap();
    let log = dir.path().join("decisions.log");
    let server = Server::start(
        &log,
        &[
            "--identities",
            ids.to_str().unwrap(),
            "--tls-cert",
            cert_file.to_str().unwrap(),
            "--tls-key",
            key_file.to_str().unwrap(),
        ],
    );
    let addr = server.addr.clone();

    // psp's certificate (CN) decides who speaks: its own payment accepted...
    let (psp_cert, psp_key, _) = pki.leaf("psp-client", &["psp"], false);
    let as_psp = tls_client(&ca_pem, Some((&psp_cert, &psp_key)));
    let body = payment("t-1", "psp", "2026-03-01T10:00:00Z").to_string();
    let (status, text) = https(
        &addr,
        &as_psp,
        "POST",
        "/v1/messages",
        None,
        body.as_bytes(),
    )
    .unwrap();
    assert_eq!(status, 200, "{text}");
    assert_eq!(
        serde_json::from_str::<Value>(&text).unwrap()["decision"],
        "accept"
    );

    // ...shop's certificate (SAN) posting as psp: source-mismatch, whatever token it adds.
    let (shop_cert, shop_key, _) = pki.leaf("shop", &[], false);
    let as_shop = tls_client(&ca_pem, Some((&shop_cert, &shop_key)));
    let body = payment("t-2", "psp", "2026-03-01T10:01:00Z").to_string();
    let psp_token = bearer(token(&tokens, "psp"));
    let (status, text) = https(
        &addr,
        &as_shop,
        "POST",
        "/v1/messages",
        Some(&psp_token),
        body.as_bytes(),
    )
    .unwrap();
    assert_eq!(status, 200, "{text}");
    let d: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(
        (d["decision"].as_str(), d["reason"].as_str()),
        (Some("reject"), Some("source-mismatch"))
    );

    // A certificate of our CA naming no system, or a revoked one: 401.
    let (x_cert, x_key, _) = pki.leaf("intruder", &["intruder.example"], false);
    let as_x = tls_client(&ca_pem, Some((&x_cert, &x_key)));
    let (status, text) =
        https(&addr, &as_x, "POST", "/v1/messages", None, body.as_bytes()).unwrap();
    assert_eq!(
        (status, code_of(&text).as_str()),
        (401, "unknown-credentials")
    );
    let as_revoked = tls_client(&ca_pem, Some((&rev_cert, &rev_key)));
    let (status, text) = https(
        &addr,
        &as_revoked,
        "POST",
        "/v1/messages",
        None,
        body.as_bytes(),
    )
    .unwrap();
    assert_eq!(
        (status, code_of(&text).as_str()),
        (401, "revoked-credentials")
    );

    // A certificate from another CA: no TLS session at all.
    let (o_cert, o_key, _) = other.leaf("psp", &["psp"], false);
    let as_other = tls_client(&ca_pem, Some((&o_cert, &o_key)));
    assert_eq!(
        https(
            &addr,
            &as_other,
            "POST",
            "/v1/messages",
            None,
            body.as_bytes()
        ),
        None
    );

    // TLS without a client certificate: the token speaks; none at all: 401.
    let anonymous = tls_client(&ca_pem, None);
    let body = payment("t-3", "psp", "2026-03-01T10:02:00Z").to_string();
    let (status, text) = https(
        &addr,
        &anonymous,
        "POST",
        "/v1/messages",
        Some(&psp_token),
        body.as_bytes(),
    )
    .unwrap();
    assert_eq!(status, 200, "{text}");
    assert_eq!(
        serde_json::from_str::<Value>(&text).unwrap()["decision"],
        "accept"
    );
    let (status, text) = https(
        &addr,
        &anonymous,
        "POST",
        "/v1/messages",
        None,
        body.as_bytes(),
    )
    .unwrap();
    assert_eq!(
        (status, code_of(&text).as_str()),
        (401, "missing-credentials")
    );

    // Plain HTTP to the TLS port gets no answer.
    assert_eq!(plain(&addr, "GET", "/healthz", None, b"").0, 0);

    let by: Vec<String> = log_lines(&log)
        .iter()
        .map(|l| {
            format!(
                "{}:{}",
                l["decision"]["id"].as_str().unwrap(),
                l["by"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(by, ["t-1:psp", "t-2:shop", "t-3:psp"]);
    drop(server);
}

/// The SHA-256 of a certificate (DER), in hex, as `revokedSha256` lists it
/// (by coreutils' `sha256sum`, independent of the gate's own hashing).
fn charter_sha256(der: &[u8]) -> String {
    let out = Command::new("sha256sum")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .and_then(|mut c| {
            c.stdin.take().unwrap().write_all(der)?;
            c.wait_with_output()
        })
        .unwrap();
    String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .next()
        .unwrap()
        .to_string()
}
