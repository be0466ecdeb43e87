//! Shared by the check, export and diff integration tests: runs the real
//! `charter` binary on temporary files.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn first_err_line(&self) -> &str {
        self.stderr.lines().next().unwrap_or("")
    }
}

pub fn charter<I, S>(args: I) -> Run
where
    I: IntoIterator<Item = S>,
    S: AsRef<std::ffi::OsStr>,
{
    let out: Output = Command::new(env!("CARGO_BIN_EXE_charter"))
        .args(args)
        .output()
        .expect("run charter");
    let run = Run {
        code: out.status.code().expect("exited normally, not by a signal"),
        stdout: String::from_utf8(out.stdout).expect("stdout is UTF-8"),
        stderr: String::from_utf8(out.stderr).expect("stderr is UTF-8"),
    };
    assert!(
        !run.stderr.contains("panicked") && !run.stderr.contains("RUST_BACKTRACE"),
        "charter panicked: {}",
        run.stderr
    );
    run
}

pub fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

pub fn write_json(dir: &Path, name: &str, v: &Value) -> PathBuf {
    write(
        dir,
        name,
        &(serde_json::to_string_pretty(v).unwrap() + "\n"),
    )
}

/// A governed model: the ERP owns stock and announces it with acknowledged,
/// idempotent events to the shop and the warehouse, which hold copies.
pub fn good_model() -> Value {
    let endpoint = |sys: &str, env: &str, protocol: &str| {
        json!({ "protocol": protocol, "url": format!("https://{sys}.{env}.example.com/api"),
                "credentialRef": format!("vault:{sys}/{env}") })
    };
    let endpoints = |sys: &str, protocol: &str| json!({ "test": endpoint(sys, "test", protocol), "prod": endpoint(sys, "prod", protocol) });
    json!({
      "format": "charter-model/1",
      "name": "Shop",
      "environments": ["test", "prod"],
      "systems": [
        { "id": "erp", "name": "ERP", "kind": "erp", "team": "Finance IT", "endpoints": endpoints("erp", "rest") },
        { "id": "wms", "name": "Warehouse", "kind": "wms", "team": "Logistics", "endpoints": endpoints("wms", "queue") },
        { "id": "shop", "name": "Storefront", "kind": "ecommerce", "team": "E-commerce", "endpoints": endpoints("shop", "webhook") }
      ],
      "entities": [
        { "id": "stock", "name": "Stock level", "owner": "erp", "steward": "Warehouse manager",
          "rationale": "Stock is booked in the ERP", "key": "sku", "consistencyWindowSeconds": 5,
          "fields": [ { "name": "sku", "type": "string", "required": true },
                      { "name": "quantity", "type": "integer", "required": true } ],
          "copies": ["shop", "wms"] }
      ],
      "flows": [
        { "id": "stock-to-shop", "entity": "stock", "from": "erp", "to": "shop", "pattern": "event",
          "trigger": "system", "ack": true, "idempotencyKey": "sku", "retry": { "attempts": 5, "backoffSeconds": 30 } },
        { "id": "stock-to-wms", "entity": "stock", "from": "erp", "to": "wms", "pattern": "event",
          "trigger": "system", "ack": true, "idempotencyKey": "sku", "retry": { "attempts": 5, "backoffSeconds": 30 } }
      ],
      "rules": [
        { "id": "qty-not-negative", "kind": "validate", "entity": "stock", "condition": "quantity >= 0",
          "action": "reject", "message": "Stock cannot be negative" },
        { "id": "stock-conflicts", "kind": "conflict", "entity": "stock", "policy": "owner-wins" },
        { "id": "shop-ack-drop", "kind": "alert", "flow": "stock-to-shop", "metric": "ack-rate",
          "threshold": 0.98, "windowSeconds": 300 }
      ]
    })
}

/// The good model with an entity whose owner is undecided: an error.
pub fn ownerless_model() -> Value {
    let mut v = good_model();
    v["entities"].as_array_mut().unwrap().push(json!(
        { "id": "price", "name": "Price", "key": "sku",
          "fields": [ { "name": "sku", "type": "string", "required": true } ] }));
    v
}

/// Files in `dir`, sorted.
pub fn files_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}
