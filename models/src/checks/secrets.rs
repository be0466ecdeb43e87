//! Literal secrets: keys named like secrets in the unknown-key (`extra`)
//! maps, URLs with `user:pass@` or secret query parameters, credential
//! references that are not references. Nothing here ever returns a secret
//! value: only where it is.

use serde_json::{Map, Value};

/// Words that make a key name a secret when the name ends with them
/// (`dbPassword`, `client_secret`, `accessToken`, `x-api-key`), but not
/// when they only start it (`tokenizer`, `tokenExpiry`, `secretRef`).
const SECRET_ENDINGS: &[&[&str]] = &[
    &["password"],
    &["passwords"],
    &["passwd"],
    &["pwd"],
    &["secret"],
    &["secrets"],
    &["token"],
    &["tokens"],
    &["apikey"],
    &["api", "key"],
    &["privatekey"],
    &["private", "key"],
];

/// Does a key name a secret (password, token, apiKey...)? The name is split
/// into words at `_`, `-`, `.`, spaces, digits and lower-to-upper case
/// changes, and judged by its last words.
pub(crate) fn is_secret_key(key: &str) -> bool {
    let mut words: Vec<String> = Vec::new();
    let mut word = String::new();
    let mut prev_lower = false;
    for c in key.chars() {
        if !c.is_ascii_alphabetic() {
            if !word.is_empty() {
                words.push(std::mem::take(&mut word));
            }
            prev_lower = false;
            continue;
        }
        if c.is_ascii_uppercase() && prev_lower && !word.is_empty() {
            words.push(std::mem::take(&mut word));
        }
        prev_lower = c.is_ascii_lowercase();
        word.push(c.to_ascii_lowercase());
    }
    if !word.is_empty() {
        words.push(word);
    }
    SECRET_ENDINGS.iter().any(|ending| {
        words.len() >= ending.len()
            && words[words.len() - ending.len()..]
                .iter()
                .zip(ending.iter())
                .all(|(w, e)| w == e)
    })
}

/// Secret stores whose references may appear under a secret-like key.
const KNOWN_STORES: &[&str] = &[
    "vault", "env", "aws-sm", "aws-ssm", "gcp-sm", "azure-kv", "k8s", "file", "op", "doppler",
    "sops", "keychain",
];

/// Is `s` a credential reference, `store:path` (e.g. `vault:erp/prod`,
/// `env:ERP_TOKEN`)?
pub(crate) fn is_reference(s: &str) -> bool {
    let Some((store, path)) = s.split_once(':') else {
        return false;
    };
    let store_ok = !store.is_empty()
        && store.len() <= 32
        && store.starts_with(|c: char| c.is_ascii_lowercase())
        && store
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_');
    let path_ok =
        !path.is_empty() && !path.chars().any(char::is_whitespace) && !path.starts_with("//");
    store_ok && path_ok
}

fn is_known_store_reference(s: &str) -> bool {
    is_reference(s)
        && s.split_once(':')
            .is_some_and(|(store, _)| KNOWN_STORES.contains(&store))
}

/// Where in a URL a literal secret sits, if anywhere.
pub(crate) fn url_secret(url: &str) -> Option<&'static str> {
    if let Some(rest) = url.split_once("://").map(|(_, r)| r) {
        let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
        let authority = &rest[..authority_end];
        if let Some(at) = authority.rfind('@') {
            let userinfo = &authority[..at];
            if userinfo
                .split_once(':')
                .is_some_and(|(_, pass)| !pass.is_empty())
            {
                return Some("a user name and password (`user:…@`)");
            }
        }
    }
    if let Some((_, query)) = url.split_once('?') {
        let query = query.split('#').next().unwrap_or("");
        for pair in query.split('&') {
            if let Some((k, v)) = pair.split_once('=') {
                if !v.is_empty() && is_secret_key(k) {
                    return Some("a secret query parameter");
                }
            }
        }
    }
    None
}

/// Where a literal secret sits in a URL found anywhere in free text
/// (`see ftp://root:toor@host`), if anywhere.
/// Text without `://` costs one search.
pub(crate) fn url_secret_anywhere(text: &str) -> Option<&'static str> {
    let mut rest = text;
    while let Some(at) = rest.find("://") {
        // The URL starts after the last separator before its `://`.
        let start = rest[..at]
            .rfind(|c: char| c.is_whitespace() || "(<\"'[{,;".contains(c))
            .map_or(0, |p| p + 1);
        let end = rest[at..]
            .find(|c: char| c.is_whitespace() || ")>\"']},;".contains(c))
            .map_or(rest.len(), |p| at + p);
        if let Some(what) = url_secret(&rest[start..end]) {
            return Some(what);
        }
        rest = &rest[end..];
    }
    None
}

/// Paths (like `auth.password`) of literal secrets in an extra map.
pub(crate) fn secrets_in(extra: &Map<String, Value>) -> Vec<String> {
    let mut found = Vec::new();
    for (k, v) in extra {
        walk(k, v, k, &mut found, 0, false);
    }
    found
}

const MAX_DEPTH: usize = 64;

/// `secret` is true under a key named like a secret: every string below it
/// (`"secret": {"value": "…"}`) is then a secret too.
fn walk(key: &str, value: &Value, path: &str, found: &mut Vec<String>, depth: usize, secret: bool) {
    if depth > MAX_DEPTH {
        return;
    }
    let secret = secret || is_secret_key(key);
    match value {
        Value::String(s) => {
            let secret_key = !s.trim().is_empty() && secret && !is_known_store_reference(s);
            let secret_url = url_secret_anywhere(s).is_some();
            if secret_key || secret_url {
                found.push(path.to_string());
            }
        }
        Value::Object(map) => {
            for (k, v) in map {
                walk(k, v, &format!("{path}.{k}"), found, depth + 1, secret);
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                // Items of a list named like a secret are secrets too.
                walk(key, v, &format!("{path}[{i}]"), found, depth + 1, secret);
            }
        }
        Value::Null | Value::Bool(_) | Value::Number(_) => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_keys() {
        for k in [
            "password",
            "dbPassword",
            "PASSWD",
            "client_secret",
            "accessToken",
            "apiKey",
            "api_key",
            "API-KEY",
            "privateKey",
            "private_key",
            "x-api-key",
            "DB_PASSWORD",
            "auth.token",
            "clientSecrets",
        ] {
            assert!(is_secret_key(k), "{k}");
        }
        for k in [
            "name",
            "credentialRef",
            "tokenUrl",
            "secretRef",
            "passwordPolicyRef",
            "keyField",
            "tokenizer",
            "tokenExpiry",
            "secretName",
            "apiKeyRef",
            "keyPassword2Ref",
        ] {
            assert!(!is_secret_key(k), "{k}");
        }
    }

    #[test]
    fn references() {
        for r in [
            "vault:erp/prod",
            "env:ERP_TOKEN",
            "aws-sm:arn:aws:secretsmanager:eu:1:secret:x",
        ] {
            assert!(is_reference(r), "{r}");
        }
        for r in [
            "hunter2",
            "Bearer abc",
            "vault:",
            ":x",
            "https://user@host",
            "Vault:x",
            "vault:a b",
        ] {
            assert!(!is_reference(r), "{r}");
        }
    }

    #[test]
    fn urls() {
        assert!(url_secret("https://admin:s3cret@erp.example.com/api").is_some());
        assert!(url_secret("https://erp.example.com/api?api_key=abc").is_some());
        assert!(url_secret("https://erp.example.com/api?page=2").is_none());
        assert!(url_secret("https://user@erp.example.com/api").is_none());
        assert!(url_secret("https://erp.example.com/a@b:c").is_none());
    }

    #[test]
    fn walks_nested_extras() {
        let v: Value = serde_json::json!({
            "auth": {"basic": {"password": "x"}, "mode": "basic"},
            "headers": [{"name": "X-Api-Key"}, {"token": "abc"}],
            "clientSecret": "vault:shop/client",
            "mirror": "sftp://u:p@files.example.com/in",
            "empty": {"password": ""},
            "secret": {"value": "abc", "store": "vault:x/y"}
        });
        let Value::Object(map) = v else {
            unreachable!()
        };
        let found = secrets_in(&map);
        assert_eq!(
            found,
            vec![
                "auth.basic.password",
                "headers[1].token",
                "mirror",
                "secret.value"
            ]
        );
    }
}
