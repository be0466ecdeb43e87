//! Ownership compiled into broker permissions: the nats-server
//! `authorization` block for a configuration (`charter nats permissions`).
//!
//! Each system, connecting as the user named by its id, may publish
//! - events (`charter.in.<sys>.<entity>.event.*`) only for the entities it
//!   owns: the broker refuses a double write before the gate sees it;
//! - requests (`charter.in.<sys>.*.request.*`) about any entity;
//! - states (`charter.in.<sys>.<entity>.state.*`) only for the entities it
//!   owns or holds a copy of;
//! - acks only as itself (`charter.in.<sys>.*.ack.*`);
//!
//! and may read only its own deliveries, through its durable consumer
//! `out-<sys>` on `CHARTER_OUT` (next-message requests, acks and that
//! consumer's info), with replies on its own inbox prefix `_INBOX.<sys>`.
//! The gate connects as `charter-gate`, with rights on Charter's streams,
//! consumers and lease bucket only.
//!
//! No secret is written: every password is a reference to an environment
//! variable of the nats-server process (`$CHARTER_NATS_PASSWORD_<SYS>`,
//! `$CHARTER_NATS_GATE_PASSWORD`), resolved by the server when it reads the
//! file.

use super::subjects::{
    inbox_prefix, out_consumer, password_var, DECISIONS_STREAM, GATE_INBOX, IN_STREAM,
    LEASES_BUCKET, OUT_STREAM,
};
use crate::load::Compiled;
use std::fmt::Write as _;

/// The user the gate connects as.
pub const GATE_USER: &str = "charter-gate";
/// The environment variable holding the gate's password.
pub const GATE_PASSWORD_VAR: &str = "CHARTER_NATS_GATE_PASSWORD";

/// Why permissions could not be written.
#[derive(Debug, thiserror::Error)]
pub enum PermissionsError {
    #[error("system `{0}` cannot be a NATS subject token (no dots, wildcards or spaces): rename it in the model")]
    BadSystem(String),
    #[error("entity `{0}` cannot be a NATS subject token (no dots, wildcards or spaces): rename it in the model")]
    BadEntity(String),
    #[error("system `{0}` has the name of the gate's own broker user: rename it in the model")]
    Reserved(String),
}

/// The publish and subscribe subjects one system is allowed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SystemPermissions {
    pub system: String,
    /// `(subject, why)`.
    pub publish: Vec<(String, String)>,
    pub subscribe: Vec<String>,
}

/// What each system may do on the broker.
pub fn for_systems(cfg: &Compiled) -> Result<Vec<SystemPermissions>, PermissionsError> {
    use super::subjects::is_token;
    for e in &cfg.entities {
        if !is_token(&e.id) {
            return Err(PermissionsError::BadEntity(e.id.clone()));
        }
    }
    let mut out = Vec::with_capacity(cfg.system_ids.len());
    for (si, sys) in cfg.system_ids.iter().enumerate() {
        if !is_token(sys) {
            return Err(PermissionsError::BadSystem(sys.clone()));
        }
        if sys == GATE_USER {
            return Err(PermissionsError::Reserved(sys.clone()));
        }
        let mut publish = Vec::new();
        for e in &cfg.entities {
            if e.owner as usize == si {
                publish.push((
                    format!("charter.in.{sys}.{}.event.*", e.id),
                    format!("owns {}", e.id),
                ));
            }
        }
        publish.push((
            format!("charter.in.{sys}.*.request.*"),
            "asks the owner of any entity".to_string(),
        ));
        for e in &cfg.entities {
            if e.holders.get(si).copied().unwrap_or(false) {
                let why = if e.owner as usize == si {
                    format!("reports its own {}", e.id)
                } else {
                    format!("holds a copy of {}", e.id)
                };
                publish.push((format!("charter.in.{sys}.{}.state.*", e.id), why));
            }
        }
        publish.push((
            format!("charter.in.{sys}.*.ack.*"),
            "settles deliveries made to it".to_string(),
        ));
        let consumer = out_consumer(sys);
        publish.push((
            format!("$JS.API.CONSUMER.MSG.NEXT.{OUT_STREAM}.{consumer}"),
            "reads its own deliveries".to_string(),
        ));
        publish.push((
            format!("$JS.API.CONSUMER.INFO.{OUT_STREAM}.{consumer}"),
            "looks up its delivery consumer".to_string(),
        ));
        publish.push((
            format!("$JS.ACK.{OUT_STREAM}.{consumer}.>"),
            "confirms it received a delivery".to_string(),
        ));
        out.push(SystemPermissions {
            system: sys.clone(),
            publish,
            subscribe: vec![format!("{}.>", inbox_prefix(sys))],
        });
    }
    Ok(out)
}

/// What the gate (workers and aggregator) may do.
pub fn for_gate() -> (Vec<String>, Vec<String>) {
    let kv = format!("KV_{LEASES_BUCKET}");
    let mut publish = vec!["$JS.API.INFO".to_string()];
    for stream in [IN_STREAM, DECISIONS_STREAM, OUT_STREAM, kv.as_str()] {
        publish.push(format!("$JS.API.STREAM.*.{stream}"));
        publish.push(format!("$JS.API.STREAM.MSG.GET.{stream}"));
        publish.push(format!("$JS.API.DIRECT.GET.{stream}"));
        publish.push(format!("$JS.API.DIRECT.GET.{stream}.>"));
        publish.push(format!("$JS.API.CONSUMER.*.{stream}"));
        publish.push(format!("$JS.API.CONSUMER.*.{stream}.>"));
        publish.push(format!("$JS.API.CONSUMER.*.*.{stream}.>"));
    }
    publish.push(format!("$JS.ACK.{IN_STREAM}.>"));
    publish.push(format!("$KV.{LEASES_BUCKET}.>"));
    publish.push("charter.decisions.*".to_string());
    publish.push("charter.out.*.*".to_string());
    (publish, vec![format!("{GATE_INBOX}.>")])
}

fn quoted(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| format!("\"{s}\""))
}

/// The nats-server configuration block.
pub fn authorization_block(cfg: &Compiled) -> Result<String, PermissionsError> {
    let systems = for_systems(cfg)?;
    let c = &cfg.config;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# Broker permissions for {} ({}), configuration {}.\n# Generated by `charter nats permissions`: ownership enforced by nats-server.\n# Passwords are environment variables of the nats-server process, never written here.\n# Include it in nats-server.conf: `include ./charter-permissions.conf`.",
        c.name, c.environment, c.digest
    );
    out.push_str("authorization {\n  users = [\n");
    for s in &systems {
        let _ = writeln!(out, "    {{\n      user: {}", quoted(&s.system));
        let _ = writeln!(out, "      password: ${}", password_var(&s.system));
        out.push_str("      permissions: {\n        publish: { allow: [\n");
        for (subject, why) in &s.publish {
            let _ = writeln!(out, "          {}  # {}", quoted(subject), why);
        }
        out.push_str("        ] }\n        subscribe: { allow: [\n");
        for subject in &s.subscribe {
            let _ = writeln!(out, "          {}", quoted(subject));
        }
        out.push_str("        ] }\n      }\n    }\n");
    }
    let (publish, subscribe) = for_gate();
    let _ = writeln!(
        out,
        "    {{\n      user: {}\n      password: ${GATE_PASSWORD_VAR}",
        quoted(GATE_USER)
    );
    out.push_str("      permissions: {\n        publish: { allow: [\n");
    for subject in &publish {
        let _ = writeln!(out, "          {}", quoted(subject));
    }
    out.push_str("        ] }\n        subscribe: { allow: [\n");
    for subject in &subscribe {
        let _ = writeln!(out, "          {}", quoted(subject));
    }
    out.push_str("        ] }\n      }\n    }\n  ]\n}\n");
    Ok(out)
}

#[cfg(test)]
#[allow(clippy::panic)]
mod tests {
    use super::*;

    fn config() -> Compiled {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../tests/traffic/ecommerce.config.json"
        );
        match Compiled::load_file(std::path::Path::new(path)) {
            Ok(c) => c,
            Err(e) => panic!("{e}"),
        }
    }

    fn publish_of<'a>(all: &'a [SystemPermissions], sys: &str) -> Vec<&'a str> {
        all.iter()
            .find(|p| p.system == sys)
            .map(|p| p.publish.iter().map(|(s, _)| s.as_str()).collect())
            .unwrap_or_default()
    }

    #[test]
    fn events_only_for_owned_entities_states_for_held_ones() {
        let cfg = config();
        let all = match for_systems(&cfg) {
            Ok(a) => a,
            Err(e) => panic!("{e}"),
        };
        let shop = publish_of(&all, "shop");
        // The shop owns orders and holds a copy of stock.
        assert!(shop.contains(&"charter.in.shop.order.event.*"));
        assert!(!shop
            .iter()
            .any(|s| s.starts_with("charter.in.shop.stock.event")));
        assert!(shop.contains(&"charter.in.shop.stock.state.*"));
        assert!(shop.contains(&"charter.in.shop.*.request.*"));
        assert!(shop.contains(&"charter.in.shop.*.ack.*"));
        // Nothing in another system's name, nobody else's deliveries.
        assert!(shop
            .iter()
            .all(|s| s.starts_with("charter.in.shop.") || s.contains("out-shop")));
        let erp = publish_of(&all, "erp");
        assert!(erp.contains(&"charter.in.erp.stock.event.*"));
        let text = match authorization_block(&cfg) {
            Ok(t) => t,
            Err(e) => panic!("{e}"),
        };
        assert!(text.contains("password: $CHARTER_NATS_PASSWORD_SHOP"));
        assert!(text.contains("password: $CHARTER_NATS_GATE_PASSWORD"));
        assert!(
            !text.contains("vault:"),
            "no credential reference, no secret"
        );
    }
}
