//! Export of a model to `charter-config/1` for one environment.

use serde_json::Value;
use sha2::{Digest, Sha256};

/// `sha256:<hex>` of the RFC 8785 canonical form of `doc` with its top-level
/// `digest` member removed. `doc` is left unchanged.
pub fn digest_of(doc: &Value) -> String {
    let canonical = match doc {
        Value::Object(map) => {
            let mut m = map.clone();
            m.shift_remove("digest");
            serde_jcs::to_vec(&Value::Object(m))
        }
        other => serde_jcs::to_vec(other),
    }
    .unwrap_or_default();
    let hash = Sha256::digest(&canonical);
    let mut out = String::with_capacity(7 + 64);
    out.push_str("sha256:");
    for b in hash {
        out.push_str(&format!("{b:02x}"));
    }
    out
}
