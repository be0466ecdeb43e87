//! Who is speaking at the gate: per-system identities for `charter serve`.
//!
//! # The identities file
//!
//! ```json
//! {
//!   "clientCa": "clients-ca.pem",
//!   "systems": {
//!     "erp":  {"tokenSha256": "9f86d0...", "revokedSha256": ["2c26b4..."]},
//!     "shop": {"tokenSha256": ["a665a4...", "b3a8e0..."]},
//!     "wh3pl": {}
//!   }
//! }
//! ```
//!
//! - `systems`: one entry per system id. `tokenSha256` is the SHA-256 (64
//!   hex digits) of the bearer token the system presents
//!   (`Authorization: Bearer TOKEN`), or a list of them (rotation), or
//!   `null`; the token itself is never stored. `revokedSha256` lists hashes
//!   that are refused as `revoked`: old tokens, or the SHA-256 of a client
//!   certificate (DER) that must no longer be accepted.
//! - `clientCa` (optional): a PEM file of CA certificates, relative to the
//!   identities file. When given, a TLS client certificate signed by one of
//!   them whose subject CN or a SAN (DNS name) equals a system id of the file
//!   authenticates as that system (mutual TLS; the gate needs `--tls-cert`).
//!
//! A token is compared by its SHA-256 against every hash of the file with a
//! constant-time equality ([`subtle`]), so the time taken says nothing about
//! how close a guess was.
//!
//! # Binding the source
//!
//! [`decide_as`]: a message whose `source` is not the authenticated caller
//! is refused `reject`/`source-mismatch` ([`Engine::refuse`]): counted, an
//! incident occurrence of the caller, never delivered, and not remembered as
//! seen (a caller cannot burn another system's message ids). Any other
//! message is decided by the engine as usual; an ack's source being its
//! caller, a system acks only deliveries made to itself.

use crate::engine::{Decision, Engine, Reason};
use crate::load::Compiled;
use crate::message::Message;
use serde::Deserialize;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use subtle::ConstantTimeEq;

/// Why an identities file or the TLS material cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum IdentityError {
    #[error("{file}: cannot read: {source}")]
    Read {
        file: String,
        source: std::io::Error,
    },
    #[error("{file}: not an identities file: {message}")]
    Parse { file: String, message: String },
    #[error("{file}: system `{system}`: {message}")]
    Entry {
        file: String,
        system: String,
        message: String,
    },
    #[error("{file}: {message}")]
    Tls { file: String, message: String },
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileDoc {
    #[serde(rename = "clientCa", default)]
    client_ca: Option<String>,
    systems: BTreeMap<String, EntryDoc>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct EntryDoc {
    #[serde(rename = "tokenSha256", default)]
    token_sha256: Option<OneOrMany>,
    #[serde(rename = "revokedSha256", default)]
    revoked_sha256: Vec<String>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

type Hash = [u8; 32];

#[derive(Debug, Clone)]
struct SystemIdentity {
    id: Arc<str>,
    tokens: Vec<Hash>,
    revoked: Vec<Hash>,
}

/// A loaded identities file.
#[derive(Debug, Clone)]
pub struct Identities {
    systems: Vec<SystemIdentity>,
    client_ca: Option<PathBuf>,
}

/// Why a request was not authenticated (the `reason` label of
/// `charter_auth_failures_total`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthFailure {
    /// No `Authorization` header and no client certificate.
    Missing,
    /// An `Authorization` header that is not `Bearer TOKEN`.
    Malformed,
    /// A token or certificate no system of the file has.
    Unknown,
    /// A token or certificate listed as revoked.
    Revoked,
}

/// Every failure reason, in metrics order.
pub const AUTH_FAILURES: [AuthFailure; 4] = [
    AuthFailure::Missing,
    AuthFailure::Malformed,
    AuthFailure::Unknown,
    AuthFailure::Revoked,
];

impl AuthFailure {
    pub fn as_str(self) -> &'static str {
        match self {
            AuthFailure::Missing => "missing",
            AuthFailure::Malformed => "malformed",
            AuthFailure::Unknown => "unknown",
            AuthFailure::Revoked => "revoked",
        }
    }
    /// The `code` of the 401 answer.
    pub fn code(self) -> &'static str {
        match self {
            AuthFailure::Missing => "missing-credentials",
            AuthFailure::Malformed => "malformed-credentials",
            AuthFailure::Unknown => "unknown-credentials",
            AuthFailure::Revoked => "revoked-credentials",
        }
    }
    /// The `message` of the 401 answer.
    pub fn message(self) -> &'static str {
        match self {
            AuthFailure::Missing => {
                "this gate needs credentials: `Authorization: Bearer TOKEN` or a client certificate"
            }
            AuthFailure::Malformed => "the Authorization header must be `Bearer TOKEN`",
            AuthFailure::Unknown => "these credentials belong to no system of this gate",
            AuthFailure::Revoked => "these credentials were revoked",
        }
    }
}

fn parse_hash(text: &str) -> Option<Hash> {
    let text = text.trim();
    if text.len() != 64 {
        return None;
    }
    let mut out = [0u8; 32];
    for (i, pair) in text.as_bytes().chunks(2).enumerate() {
        let hi = (pair[0] as char).to_digit(16)?;
        let lo = (pair[1] as char).to_digit(16)?;
        out[i] = (hi * 16 + lo) as u8;
    }
    Some(out)
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}

fn digest(bytes: &[u8]) -> Hash {
    Sha256::digest(bytes).into()
}

/// The SHA-256 of a token, in hex (what the file stores).
pub fn hash_token(token: &str) -> String {
    hex(&digest(token.as_bytes()))
}

/// A fresh random token: 32 bytes from the operating system, in hex.
pub fn new_token() -> Result<String, getrandom::Error> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes)?;
    Ok(hex(&bytes))
}

/// Whether `h` is one of `set`, in time independent of where (or whether)
/// it is found.
fn contains_ct(set: &[Hash], h: &Hash) -> bool {
    let mut found = subtle::Choice::from(0);
    for x in set {
        found |= x.ct_eq(h);
    }
    found.into()
}

impl Identities {
    /// Reads an identities file.
    pub fn load(path: &Path) -> Result<Identities, IdentityError> {
        let file = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|source| IdentityError::Read {
            file: file.clone(),
            source,
        })?;
        let base = path.parent().unwrap_or_else(|| Path::new("."));
        Identities::parse(&text, &file, base)
    }

    /// Parses an identities document (`file` names it in errors; `base` is
    /// where a relative `clientCa` is).
    pub fn parse(text: &str, file: &str, base: &Path) -> Result<Identities, IdentityError> {
        let doc: FileDoc = serde_json::from_str(text).map_err(|e| IdentityError::Parse {
            file: file.to_string(),
            message: e.to_string(),
        })?;
        let mut systems = Vec::with_capacity(doc.systems.len());
        let mut owner_of: BTreeMap<Hash, String> = BTreeMap::new();
        for (id, entry) in doc.systems {
            let bad = |message: String| IdentityError::Entry {
                file: file.to_string(),
                system: id.clone(),
                message,
            };
            if id.is_empty() {
                return Err(bad("a system id cannot be empty".into()));
            }
            let listed = match entry.token_sha256 {
                None => Vec::new(),
                Some(OneOrMany::One(s)) => vec![s],
                Some(OneOrMany::Many(v)) => v,
            };
            let mut tokens = Vec::with_capacity(listed.len());
            for s in &listed {
                let h = parse_hash(s).ok_or_else(|| {
                    bad(format!(
                        "`tokenSha256` must be 64 hex digits (the SHA-256 of the token, not the token), found `{s}`"
                    ))
                })?;
                if let Some(other) = owner_of.insert(h, id.clone()) {
                    return Err(bad(format!(
                        "the same token hash is also given to `{other}`"
                    )));
                }
                tokens.push(h);
            }
            let mut revoked = Vec::with_capacity(entry.revoked_sha256.len());
            for s in &entry.revoked_sha256 {
                revoked.push(parse_hash(s).ok_or_else(|| {
                    bad(format!(
                        "`revokedSha256` entries must be 64 hex digits, found `{s}`"
                    ))
                })?);
            }
            systems.push(SystemIdentity {
                id: Arc::from(id.as_str()),
                tokens,
                revoked,
            });
        }
        Ok(Identities {
            systems,
            client_ca: doc.client_ca.map(|c| base.join(c)),
        })
    }

    /// The CA file client certificates must be signed by, when the file
    /// names one.
    pub fn client_ca(&self) -> Option<&Path> {
        self.client_ca.as_deref()
    }

    /// The system ids of the file.
    pub fn system_ids(&self) -> impl Iterator<Item = &str> {
        self.systems.iter().map(|s| &*s.id)
    }

    /// Systems of the configuration the file has no entry for.
    pub fn missing_from(&self, cfg: &Compiled) -> Vec<String> {
        cfg.system_ids
            .iter()
            .filter(|id| !self.systems.iter().any(|s| &*s.id == id.as_str()))
            .cloned()
            .collect()
    }

    fn find_hash(&self, h: &Hash) -> Result<Arc<str>, AuthFailure> {
        // Every hash is compared, whatever matched: constant work per file.
        let mut revoked = false;
        let mut found: Option<&Arc<str>> = None;
        for s in &self.systems {
            revoked |= contains_ct(&s.revoked, h);
            if contains_ct(&s.tokens, h) {
                found = Some(&s.id);
            }
        }
        match found {
            _ if revoked => Err(AuthFailure::Revoked),
            Some(id) => Ok(Arc::clone(id)),
            None => Err(AuthFailure::Unknown),
        }
    }

    /// Authenticates a bearer token.
    pub fn authenticate_token(&self, token: &str) -> Result<Arc<str>, AuthFailure> {
        self.find_hash(&digest(token.as_bytes()))
    }

    /// Authenticates the value of an `Authorization` header (`None`: no
    /// header).
    pub fn authenticate_header(&self, value: Option<&[u8]>) -> Result<Arc<str>, AuthFailure> {
        let Some(value) = value else {
            return Err(AuthFailure::Missing);
        };
        let text = std::str::from_utf8(value).map_err(|_| AuthFailure::Malformed)?;
        let (scheme, token) = text.trim().split_once(' ').ok_or(AuthFailure::Malformed)?;
        let token = token.trim();
        if !scheme.eq_ignore_ascii_case("bearer") || token.is_empty() {
            return Err(AuthFailure::Malformed);
        }
        self.authenticate_token(token)
    }

    /// Authenticates a client certificate (DER) that TLS already verified
    /// against the file's CA: the system whose id is the subject CN or a
    /// SAN DNS name. A certificate naming several systems of the file, or
    /// none, is `Unknown`; one whose SHA-256 is revoked is `Revoked`.
    pub fn authenticate_certificate(&self, der: &[u8]) -> Result<Arc<str>, AuthFailure> {
        if self.client_ca.is_none() {
            return Err(AuthFailure::Unknown);
        }
        let fingerprint = digest(der);
        if self
            .systems
            .iter()
            .any(|s| contains_ct(&s.revoked, &fingerprint))
        {
            return Err(AuthFailure::Revoked);
        }
        let names = certificate_names(der).ok_or(AuthFailure::Unknown)?;
        let mut matched: Option<&Arc<str>> = None;
        for s in &self.systems {
            if names.iter().any(|n| n == &*s.id) {
                if matched.is_some() {
                    return Err(AuthFailure::Unknown);
                }
                matched = Some(&s.id);
            }
        }
        matched.map(Arc::clone).ok_or(AuthFailure::Unknown)
    }
}

/// The subject CNs and SAN DNS names of a certificate (`None`: not a
/// certificate).
pub fn certificate_names(der: &[u8]) -> Option<Vec<String>> {
    use x509_parser::prelude::{FromDer, GeneralName, X509Certificate};
    let (_, cert) = X509Certificate::from_der(der).ok()?;
    let mut names: Vec<String> = cert
        .subject()
        .iter_common_name()
        .filter_map(|cn| cn.as_str().ok().map(str::to_string))
        .collect();
    if let Ok(Some(san)) = cert.subject_alternative_name() {
        for n in &san.value.general_names {
            if let GeneralName::DNSName(d) = n {
                names.push((*d).to_string());
            }
        }
    }
    Some(names)
}

/// Decides `msg` sent by `caller` (`None`: a gate without identities):
/// `reject`/`source-mismatch` when its source is not the caller, else the
/// engine's decision.
pub fn decide_as<'m>(
    engine: &mut Engine,
    msg: &'m Message<'_>,
    caller: Option<&str>,
) -> Decision<'m> {
    match caller {
        Some(c) if c != msg.source.as_ref() => engine.refuse(msg, Reason::SourceMismatch, c),
        _ => engine.decide(msg),
    }
}

/// The skeleton of an identities file for a configuration: one entry per
/// system, no credentials yet (`charter identities template`).
pub fn template(cfg: &Compiled) -> String {
    let systems: serde_json::Map<String, serde_json::Value> = cfg
        .system_ids
        .iter()
        .map(|id| (id.clone(), serde_json::json!({ "tokenSha256": null })))
        .collect();
    let doc = serde_json::json!({ "systems": systems });
    let mut text = serde_json::to_string_pretty(&doc).unwrap_or_default();
    text.push('\n');
    text
}

fn systems_of<'a>(
    doc: &'a mut serde_json::Value,
    file: &str,
) -> Result<&'a mut serde_json::Map<String, serde_json::Value>, IdentityError> {
    let bad = || IdentityError::Parse {
        file: file.to_string(),
        message: "expected an object with `systems`".into(),
    };
    let obj = doc.as_object_mut().ok_or_else(bad)?;
    obj.entry("systems")
        .or_insert_with(|| serde_json::json!({}))
        .as_object_mut()
        .ok_or_else(bad)
}

fn parse_doc(text: Option<&str>, file: &str) -> Result<serde_json::Value, IdentityError> {
    match text {
        None => Ok(serde_json::json!({ "systems": {} })),
        Some(t) => serde_json::from_str(t).map_err(|e| IdentityError::Parse {
            file: file.to_string(),
            message: e.to_string(),
        }),
    }
}

fn finish(doc: &serde_json::Value, file: &str) -> Result<String, IdentityError> {
    let mut text = serde_json::to_string_pretty(doc).map_err(|e| IdentityError::Parse {
        file: file.to_string(),
        message: e.to_string(),
    })?;
    text.push('\n');
    // What is written must load.
    Identities::parse(&text, file, Path::new("."))?;
    Ok(text)
}

/// Gives each of `systems` a fresh token in the identities document `text`
/// (`None`: a new file): the document to write (hashes only) and the tokens,
/// to show once. A system's previous token stops working (it is replaced,
/// not revoked).
pub fn issue_tokens(
    text: Option<&str>,
    file: &str,
    systems: &[String],
) -> Result<(String, Vec<(String, String)>), IdentityError> {
    let mut doc = parse_doc(text, file)?;
    let map = systems_of(&mut doc, file)?;
    let mut issued = Vec::with_capacity(systems.len());
    for id in systems {
        let token = new_token().map_err(|e| IdentityError::Entry {
            file: file.to_string(),
            system: id.clone(),
            message: format!("no randomness from the operating system: {e}"),
        })?;
        let entry = map
            .entry(id.clone())
            .or_insert_with(|| serde_json::json!({}));
        let Some(obj) = entry.as_object_mut() else {
            return Err(IdentityError::Entry {
                file: file.to_string(),
                system: id.clone(),
                message: "the entry is not an object".into(),
            });
        };
        obj.insert("tokenSha256".into(), hash_token(&token).into());
        issued.push((id.clone(), token));
    }
    Ok((finish(&doc, file)?, issued))
}

/// Revokes the current tokens of `systems` in the identities document: their
/// hashes move to `revokedSha256` (a revoked token gets `revoked-credentials`).
pub fn revoke_tokens(text: &str, file: &str, systems: &[String]) -> Result<String, IdentityError> {
    let mut doc = parse_doc(Some(text), file)?;
    let map = systems_of(&mut doc, file)?;
    for id in systems {
        let not_there = || IdentityError::Entry {
            file: file.to_string(),
            system: id.clone(),
            message: "no such system in the file".into(),
        };
        let obj = map
            .get_mut(id)
            .and_then(serde_json::Value::as_object_mut)
            .ok_or_else(not_there)?;
        let current = match obj.insert("tokenSha256".into(), serde_json::Value::Null) {
            Some(serde_json::Value::String(s)) => vec![serde_json::Value::String(s)],
            Some(serde_json::Value::Array(v)) => v,
            _ => Vec::new(),
        };
        let revoked = obj
            .entry("revokedSha256")
            .or_insert_with(|| serde_json::json!([]));
        if let Some(list) = revoked.as_array_mut() {
            list.extend(current);
        }
    }
    finish(&doc, file)
}

/// The rustls server configuration: the gate's certificate chain and key
/// (PEM), and, when `client_ca` is given, client certificates verified
/// against it (optional at the TLS level: a caller may use a token instead;
/// the gate decides who is speaking).
pub fn server_tls_config(
    cert: &Path,
    key: &Path,
    client_ca: Option<&Path>,
) -> Result<Arc<rustls::ServerConfig>, IdentityError> {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let tls_err = |file: &Path, message: String| IdentityError::Tls {
        file: file.display().to_string(),
        message,
    };
    let read_certs = |file: &Path| -> Result<Vec<CertificateDer<'static>>, IdentityError> {
        let certs = CertificateDer::pem_file_iter(file)
            .and_then(|it| it.collect::<Result<Vec<_>, _>>())
            .map_err(|e| tls_err(file, format!("cannot read PEM certificates: {e}")))?;
        if certs.is_empty() {
            return Err(tls_err(file, "no PEM certificate in the file".into()));
        }
        Ok(certs)
    };
    let chain = read_certs(cert)?;
    let key_der = PrivateKeyDer::from_pem_file(key)
        .map_err(|e| tls_err(key, format!("cannot read a PEM private key: {e}")))?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = rustls::ServerConfig::builder_with_provider(Arc::clone(&provider))
        .with_safe_default_protocol_versions()
        .map_err(|e| tls_err(cert, e.to_string()))?;
    let builder = match client_ca {
        None => builder.with_no_client_auth(),
        Some(ca) => {
            let mut roots = rustls::RootCertStore::empty();
            for c in read_certs(ca)? {
                roots
                    .add(c)
                    .map_err(|e| tls_err(ca, format!("not a usable CA certificate: {e}")))?;
            }
            let verifier = rustls::server::WebPkiClientVerifier::builder_with_provider(
                Arc::new(roots),
                provider,
            )
            .allow_unauthenticated()
            .build()
            .map_err(|e| tls_err(ca, e.to_string()))?;
            builder.with_client_cert_verifier(verifier)
        }
    };
    let mut config = builder
        .with_single_cert(chain, key_der)
        .map_err(|e| tls_err(key, format!("the key does not fit the certificate: {e}")))?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;
    use crate::engine::Verdict;
    use crate::message::parse_message;
    use proptest::prelude::*;

    fn ids(text: &str) -> Identities {
        Identities::parse(text, "ids.json", Path::new(".")).unwrap()
    }

    #[test]
    fn tokens_are_found_by_hash_revoked_and_unknown_refused() {
        let doc = format!(
            r#"{{"systems": {{"erp": {{"tokenSha256": "{}", "revokedSha256": ["{}"]}}, "shop": {{"tokenSha256": ["{}", "{}"]}}, "wh3pl": {{}}}}}}"#,
            hash_token("erp-secret"),
            hash_token("erp-old"),
            hash_token("shop-1"),
            hash_token("shop-2")
        );
        let i = ids(&doc);
        assert_eq!(&*i.authenticate_token("erp-secret").unwrap(), "erp");
        assert_eq!(&*i.authenticate_token("shop-2").unwrap(), "shop");
        assert_eq!(i.authenticate_token("erp-old"), Err(AuthFailure::Revoked));
        assert_eq!(i.authenticate_token("guess"), Err(AuthFailure::Unknown));
        assert_eq!(i.authenticate_header(None), Err(AuthFailure::Missing));
        assert_eq!(
            i.authenticate_header(Some(b"Basic abc")),
            Err(AuthFailure::Malformed)
        );
        assert_eq!(
            &*i.authenticate_header(Some(b"bearer  shop-1 ")).unwrap(),
            "shop"
        );
        assert_eq!(i.system_ids().collect::<Vec<_>>(), ["erp", "shop", "wh3pl"]);
    }

    #[test]
    fn a_token_instead_of_its_hash_or_a_shared_hash_is_refused() {
        let e = Identities::parse(
            r#"{"systems": {"erp": {"tokenSha256": "my-token"}}}"#,
            "ids.json",
            Path::new("."),
        )
        .unwrap_err();
        assert!(e.to_string().contains("64 hex digits"), "{e}");
        let h = hash_token("x");
        let e = Identities::parse(
            &format!(
                r#"{{"systems": {{"a": {{"tokenSha256": "{h}"}}, "b": {{"tokenSha256": "{h}"}}}}}}"#
            ),
            "ids.json",
            Path::new("."),
        )
        .unwrap_err();
        assert!(e.to_string().contains("also given to `a`"), "{e}");
        let e = Identities::parse(r#"{"system": {}}"#, "ids.json", Path::new(".")).unwrap_err();
        assert!(
            e.to_string()
                .starts_with("ids.json: not an identities file"),
            "{e}"
        );
    }

    #[test]
    fn issued_tokens_authenticate_and_revoked_ones_do_not() {
        let (text, issued) =
            issue_tokens(None, "ids.json", &["erp".into(), "shop".into()]).unwrap();
        assert_eq!(issued.len(), 2);
        assert_ne!(issued[0].1, issued[1].1);
        assert_eq!(issued[0].1.len(), 64);
        assert!(
            !text.contains(&issued[0].1),
            "the token itself is never written"
        );
        let i = ids(&text);
        assert_eq!(&*i.authenticate_token(&issued[0].1).unwrap(), "erp");
        let text = revoke_tokens(&text, "ids.json", &["erp".into()]).unwrap();
        let i = ids(&text);
        assert_eq!(
            i.authenticate_token(&issued[0].1),
            Err(AuthFailure::Revoked)
        );
        assert_eq!(&*i.authenticate_token(&issued[1].1).unwrap(), "shop");
        let (text, again) = issue_tokens(Some(&text), "ids.json", &["erp".into()]).unwrap();
        let i = ids(&text);
        assert_eq!(&*i.authenticate_token(&again[0].1).unwrap(), "erp");
        assert_eq!(
            i.authenticate_token(&issued[0].1),
            Err(AuthFailure::Revoked)
        );
    }

    fn config() -> Arc<Compiled> {
        let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../tests/traffic/ecommerce.config.json");
        Arc::new(Compiled::load_file(&path).unwrap())
    }

    #[test]
    fn a_spoofed_source_is_refused_counted_and_one_incident_of_the_caller() {
        let cfg = config();
        let mut engine = Engine::new(Arc::clone(&cfg));
        let owner = cfg.system_id(cfg.entities[0].owner).to_string();
        let entity = cfg.entities[0].id.clone();
        let other = cfg
            .system_ids
            .iter()
            .find(|s| **s != owner)
            .unwrap()
            .clone();
        let text = |id: &str| {
            format!(
                r#"{{"id":"{id}","at":"2026-03-01T10:00:00Z","source":"{owner}","kind":"event","entity":"{entity}","key":"K-1","op":"delete"}}"#
            )
        };
        for n in 0..3 {
            let t = text(&format!("m-{n}"));
            let msg = parse_message(t.as_bytes()).unwrap();
            let d = decide_as(&mut engine, &msg, Some(&other));
            assert_eq!(d.verdict, Verdict::Reject);
            assert_eq!(d.reason, Some(Reason::SourceMismatch));
            assert!(d.deliveries.is_empty());
        }
        let counts = engine.counts();
        assert_eq!(counts.reject, 3);
        assert_eq!(counts.reasons.get("source-mismatch"), Some(&3));
        let incidents = engine.incidents();
        let i: Vec<_> = incidents
            .iter()
            .filter(|i| i.reason.as_deref() == Some("source-mismatch"))
            .collect();
        assert_eq!(i.len(), 1, "{incidents:?}");
        assert_eq!(i[0].count, 3);
        assert_eq!(i[0].source, other);
        assert!(i[0].summary.contains(&owner), "{}", i[0].summary);
        // Not remembered: the owner's own message with that id is decided.
        let t = text("m-0");
        let msg = parse_message(t.as_bytes()).unwrap();
        let d = decide_as(&mut engine, &msg, Some(&owner));
        assert_ne!(d.verdict, Verdict::Duplicate);
        assert_ne!(d.reason, Some(Reason::SourceMismatch));
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]
        /// For any message and any caller, a decision that lets the message
        /// through (accept, flag, observe) implies caller = source.
        #[test]
        fn an_accepted_decision_implies_the_caller_is_the_source(
            msgs in proptest::collection::vec(
                (0usize..6, 0usize..6, 0usize..4, 0usize..3, 0usize..4, any::<bool>()),
                1..24,
            )
        ) {
            let cfg = config();
            let mut engine = Engine::new(Arc::clone(&cfg));
            let mut names: Vec<String> = cfg.system_ids.clone();
            names.push("intruder".into());
            let kinds = ["event", "state", "request", "ack"];
            let entities: Vec<String> = cfg.entities.iter().map(|e| e.id.clone()).collect();
            for (n, (src, caller, kind, ent, key, ok)) in msgs.into_iter().enumerate() {
                let source = &names[src % names.len()];
                let caller = &names[caller % names.len()];
                let kind = kinds[kind];
                let entity = &entities[ent % entities.len()];
                let text = if kind == "ack" {
                    format!(r#"{{"id":"a-{n}","at":"2026-03-01T10:00:{:02}Z","source":"{source}","kind":"ack","ref":"m-{}","ok":{ok}}}"#, n % 60, n.saturating_sub(1))
                } else {
                    let op = match kind { "event" => if ok { "upsert" } else { "delete" }, "state" => "report", _ => "reserve" };
                    format!(r#"{{"id":"m-{n}","at":"2026-03-01T10:00:{:02}Z","source":"{source}","kind":"{kind}","entity":"{entity}","key":"K-{key}","op":"{op}","data":{{}}}}"#, n % 60)
                };
                let msg = parse_message(text.as_bytes()).unwrap();
                let d = decide_as(&mut engine, &msg, Some(caller));
                if matches!(d.verdict, Verdict::Accept | Verdict::Flag | Verdict::Observe | Verdict::Duplicate) {
                    prop_assert_eq!(caller, source, "{:?} for {}", d.verdict, text);
                }
                if caller != source {
                    prop_assert_eq!(d.reason, Some(Reason::SourceMismatch));
                    prop_assert!(d.deliveries.is_empty());
                }
            }
        }
    }
}
