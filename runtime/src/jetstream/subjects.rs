//! The subject scheme of the JetStream gate (docs/jetstream.md).
//!
//! | what | subject | stream |
//! |---|---|---|
//! | a system's message | `charter.in.<source>.<entity>.<kind>.<keytoken>` | `CHARTER_IN` |
//! | the same, as stored | `charter.p.<partition>.<source>.<entity>.<kind>.<keytoken>` | `CHARTER_IN` |
//! | decisions of one partition | `charter.decisions.<partition>` | `CHARTER_DECISIONS` |
//! | a delivery | `charter.out.<target>.<entity>` | `CHARTER_OUT` |
//!
//! An ack is published on `charter.in.<source>.<entity>.ack.<keytoken>`
//! with the entity and key token of the delivery it settles (a delivery
//! carries them in its `Charter-Entity` and `Charter-Key-Token` headers), so
//! it reaches the partition that made the delivery.
//!
//! The key token is `k` and the first 16 hexadecimal digits of the SHA-256
//! of the message's `key` (its text; a number's digits); `_` when the
//! message has no key. Keys are free text (dots, spaces, anything), subject
//! tokens are not: the token is what the stream's `partition()` transform
//! hashes, so every message of one entity key lands in one partition.

use sha2::{Digest, Sha256};

/// The stream of inbound messages.
pub const IN_STREAM: &str = "CHARTER_IN";
/// The stream of decisions (one subject per partition).
pub const DECISIONS_STREAM: &str = "CHARTER_DECISIONS";
/// The stream of deliveries.
pub const OUT_STREAM: &str = "CHARTER_OUT";
/// The key-value bucket of partition leases and worker heartbeats.
pub const LEASES_BUCKET: &str = "charter-gate";

/// What systems publish on.
pub const IN_SUBJECTS: &str = "charter.in.*.*.*.*";

/// The key token of a message key (`None` or empty: `_`).
pub fn key_token(key: Option<&str>) -> String {
    match key {
        None | Some("") => "_".to_string(),
        Some(k) => {
            let digest = Sha256::digest(k.as_bytes());
            let mut out = String::with_capacity(17);
            out.push('k');
            for b in &digest[..8] {
                out.push(char::from(HEX[usize::from(b >> 4)]));
                out.push(char::from(HEX[usize::from(b & 15)]));
            }
            out
        }
    }
}

const HEX: &[u8; 16] = b"0123456789abcdef";

/// Whether `s` can be one subject token: not empty, no `.`, `*`, `>` or
/// whitespace.
pub fn is_token(s: &str) -> bool {
    !s.is_empty()
        && !s
            .chars()
            .any(|c| c == '.' || c == '*' || c == '>' || c.is_whitespace() || c.is_control())
}

/// Where a system publishes a message.
pub fn inbound(source: &str, entity: &str, kind: &str, token: &str) -> String {
    format!("charter.in.{source}.{entity}.{kind}.{token}")
}

/// The stream's subject transform: the partition number is put in front,
/// computed by the server from the entity and key token.
pub fn in_transform(partitions: u32) -> (String, String) {
    (
        IN_SUBJECTS.to_string(),
        format!(
            "charter.p.{{{{partition({partitions},2,4)}}}}.{{{{wildcard(1)}}}}.{{{{wildcard(2)}}}}.{{{{wildcard(3)}}}}.{{{{wildcard(4)}}}}"
        ),
    )
}

/// The stored subjects of one partition.
pub fn partition_filter(partition: u32) -> String {
    format!("charter.p.{partition}.>")
}

/// The decisions subject of one partition.
pub fn decisions(partition: u32) -> String {
    format!("charter.decisions.{partition}")
}

/// Where a delivery to `target` of `entity` is published.
pub fn delivery(target: &str, entity: &str) -> String {
    format!("charter.out.{target}.{entity}")
}

/// A stored inbound subject, taken apart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stored<'a> {
    pub partition: u32,
    pub source: &'a str,
    pub entity: &'a str,
    pub kind: &'a str,
    pub token: &'a str,
}

/// Takes apart `charter.p.<partition>.<source>.<entity>.<kind>.<keytoken>`.
pub fn parse_stored(subject: &str) -> Option<Stored<'_>> {
    let mut it = subject.split('.');
    if it.next()? != "charter" || it.next()? != "p" {
        return None;
    }
    let partition = it.next()?.parse().ok()?;
    let (source, entity, kind, token) = (it.next()?, it.next()?, it.next()?, it.next()?);
    if it.next().is_some() {
        return None;
    }
    Some(Stored {
        partition,
        source,
        entity,
        kind,
        token,
    })
}

/// The environment variable holding a system's broker password in the
/// generated nats-server configuration: `CHARTER_NATS_PASSWORD_` and the
/// system id in capitals, other characters as `_`.
pub fn password_var(system: &str) -> String {
    let mut v = String::from("CHARTER_NATS_PASSWORD_");
    v.extend(system.chars().map(|c| {
        if c.is_ascii_alphanumeric() {
            c.to_ascii_uppercase()
        } else {
            '_'
        }
    }));
    v
}

/// The inbox prefix a system's connection uses (its replies arrive there;
/// the generated permissions let it subscribe to nothing else).
pub fn inbox_prefix(system: &str) -> String {
    format!("_INBOX.{system}")
}

/// The gate's inbox prefix.
pub const GATE_INBOX: &str = "_INBOX_CHARTER_GATE";

/// The durable consumer of a system's deliveries.
pub fn out_consumer(system: &str) -> String {
    format!("out-{system}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_tokens_are_stable_subject_tokens() {
        assert_eq!(key_token(None), "_");
        assert_eq!(key_token(Some("")), "_");
        let t = key_token(Some("SKU 1.2>*"));
        assert_eq!(t.len(), 17);
        assert!(is_token(&t));
        assert_eq!(t, key_token(Some("SKU 1.2>*")));
        assert_ne!(t, key_token(Some("SKU 1.2>")));
        // SHA-256("SKU-1") starts 5b1d...: the documented definition.
        let d = Sha256::digest(b"SKU-1");
        assert_eq!(&key_token(Some("SKU-1"))[1..3], format!("{:02x}", d[0]));
    }

    #[test]
    fn stored_subjects_round_trip() {
        assert_eq!(
            parse_stored("charter.p.3.shop.stock.event.kabc"),
            Some(Stored {
                partition: 3,
                source: "shop",
                entity: "stock",
                kind: "event",
                token: "kabc"
            })
        );
        assert!(parse_stored("charter.in.shop.stock.event.kabc").is_none());
        assert!(parse_stored("charter.p.x.shop.stock.event.kabc").is_none());
        assert!(parse_stored("charter.p.1.shop.stock.event.kabc.more").is_none());
        assert!(parse_stored("charter.p.1.shop.stock.event").is_none());
    }

    #[test]
    fn tokens_and_names() {
        assert!(is_token("3pl"));
        assert!(!is_token("a.b"));
        assert!(!is_token("a b"));
        assert!(!is_token(""));
        assert!(!is_token(">"));
        assert_eq!(password_var("3pl-eu"), "CHARTER_NATS_PASSWORD_3PL_EU");
        let (src, dest) = in_transform(8);
        assert_eq!(src, "charter.in.*.*.*.*");
        assert_eq!(
            dest,
            "charter.p.{{partition(8,2,4)}}.{{wildcard(1)}}.{{wildcard(2)}}.{{wildcard(3)}}.{{wildcard(4)}}"
        );
    }
}
