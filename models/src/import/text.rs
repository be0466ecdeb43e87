//! Text helpers shared by the importers: labels as plain text, ids made
//! from names.

/// The longest name kept from a label (longer ones are cut at a character).
pub const MAX_NAME_CHARS: usize = 120;

/// A label as plain text: HTML-ish tags removed (`<br>` and block ends
/// become line breaks), character references decoded (`&amp;`, `&#35;`,
/// Mermaid's `#quot;`), control characters dropped, spaces collapsed within
/// each line, empty lines dropped. Never interpreted as markup.
pub fn plain_label(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        match c {
            '<' => {
                // A tag runs to the next '>'; anything else is a plain '<'.
                let rest = &raw[i..];
                match rest.find('>') {
                    Some(end) if is_tag(&rest[1..end]) => {
                        let tag = rest[1..end]
                            .trim()
                            .trim_start_matches('/')
                            .to_ascii_lowercase();
                        let name: String = tag
                            .chars()
                            .take_while(|c| c.is_ascii_alphanumeric())
                            .collect();
                        if matches!(
                            name.as_str(),
                            "br" | "div" | "p" | "li" | "tr" | "h1" | "h2" | "h3" | "h4"
                        ) {
                            out.push('\n');
                        }
                        // Skip past the tag.
                        while let Some(&(j, _)) = chars.peek() {
                            if j > i + end {
                                break;
                            }
                            chars.next();
                        }
                    }
                    _ => out.push('<'),
                }
            }
            '&' | '#' => {
                let rest = &raw[i..];
                match decode_reference(rest) {
                    Some((decoded, len)) => {
                        if !decoded.is_control() || decoded == '\n' {
                            out.push(decoded);
                        }
                        while let Some(&(j, _)) = chars.peek() {
                            if j >= i + len {
                                break;
                            }
                            chars.next();
                        }
                    }
                    None => out.push(c),
                }
            }
            '\n' | '\r' | '\u{2028}' | '\u{2029}' => out.push('\n'),
            '\t' => out.push(' '),
            c if c.is_control() => {}
            // Bidirectional overrides and zero-width marks would hide text.
            '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' => {}
            c => out.push(c),
        }
    }
    out.split('\n')
        .map(|line| line.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join("\n")
}

/// Is `inner` (between `<` and `>`) a tag: `br`, `/b`, `span style="…"`, `br/`?
fn is_tag(inner: &str) -> bool {
    let t = inner.trim_start_matches('/');
    t.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && inner.len() < 2000
        && !inner.contains('<')
}

/// Decodes `&name;`, `&#N;`, `&#xH;` or Mermaid's `#name;` / `#N;` at the
/// start of `s`: the character and the length consumed.
fn decode_reference(s: &str) -> Option<(char, usize)> {
    let end = s.char_indices().take(12).find(|&(_, c)| c == ';')?.0;
    let body = &s[1..end];
    let c = if let Some(num) = body.strip_prefix('#') {
        if let Some(hex) = num.strip_prefix(['x', 'X']) {
            char::from_u32(u32::from_str_radix(hex, 16).ok()?)?
        } else {
            char::from_u32(num.parse().ok()?)?
        }
    } else if body.chars().all(|c| c.is_ascii_digit()) && !body.is_empty() {
        char::from_u32(body.parse().ok()?)?
    } else {
        match body {
            "amp" => '&',
            "lt" => '<',
            "gt" => '>',
            "quot" => '"',
            "apos" => '\'',
            "nbsp" => ' ',
            _ => return None,
        }
    };
    Some((c, end + 1))
}

/// A name cut to [`MAX_NAME_CHARS`] characters, on one line.
pub fn short_name(name: &str) -> String {
    let one: String = name.split_whitespace().collect::<Vec<_>>().join(" ");
    if one.chars().count() <= MAX_NAME_CHARS {
        one
    } else {
        let mut s: String = one.chars().take(MAX_NAME_CHARS - 1).collect();
        s.push('…');
        s
    }
}

/// An id slug (`^[a-z0-9][a-z0-9_-]{0,63}$`) made from a name: letters
/// transliterated to ASCII (`Århus` → `arhus`, `Straße` → `strasse`),
/// camel case split (`StockLevel` → `stock-level`), anything else a `-`.
/// Empty when the name has no letter or digit.
pub fn slugify(name: &str) -> String {
    let ascii = deunicode::deunicode(name);
    let mut out = String::with_capacity(ascii.len());
    let mut prev_lower = false;
    for c in ascii.chars() {
        if c.is_ascii_alphanumeric() {
            if c.is_ascii_uppercase() && prev_lower && !out.ends_with('-') {
                out.push('-');
            }
            prev_lower = c.is_ascii_lowercase();
            out.push(c.to_ascii_lowercase());
        } else {
            prev_lower = false;
            if !out.is_empty() && !out.ends_with('-') {
                out.push('-');
            }
        }
    }
    let mut s = out.trim_end_matches('-').to_string();
    if s.len() > 60 {
        s.truncate(60);
        s = s.trim_end_matches('-').to_string();
    }
    s
}

/// Unique ids within one list: `slug`, then `slug-2`, `slug-3`...
#[derive(Debug, Default)]
pub struct IdSet {
    used: std::collections::HashSet<String>,
}

impl IdSet {
    /// A fresh id made from `name`, or from `fallback` when the name gives none.
    pub fn make(&mut self, name: &str, fallback: &str) -> String {
        let mut base = slugify(name);
        if base.is_empty() {
            base = fallback.to_string();
        }
        self.claim(&base)
    }

    /// `base` if free, else the first free `base-N`.
    pub fn claim(&mut self, base: &str) -> String {
        if self.used.insert(base.to_string()) {
            return base.to_string();
        }
        let mut n = 2u64;
        loop {
            let id = format!("{base}-{n}");
            if self.used.insert(id.clone()) {
                return id;
            }
            n += 1;
        }
    }

    pub fn contains(&self, id: &str) -> bool {
        self.used.contains(id)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_plain_text() {
        assert_eq!(plain_label("ERP<br/>owns: Order"), "ERP\nowns: Order");
        assert_eq!(
            plain_label("<b>Ware</b>house &amp; <i>cold</i>"),
            "Warehouse & cold"
        );
        assert_eq!(plain_label("a #quot;b#quot; #35;1"), "a \"b\" #1");
        assert_eq!(plain_label("x\u{0}y\u{202e}z\t w"), "xyz w");
        assert_eq!(plain_label("1 < 2 > 0"), "1 < 2 > 0");
        assert_eq!(
            plain_label("<script>alert(1)</script>"),
            "alert(1)",
            "tags are dropped, text stays text"
        );
    }

    #[test]
    fn slugs_are_transliterated_and_unique() {
        assert_eq!(slugify("Århus"), "arhus");
        assert_eq!(slugify("Straße Øst"), "strasse-ost");
        assert_eq!(slugify("StockLevel"), "stock-level");
        assert_eq!(slugify("ERP"), "erp");
        assert_eq!(slugify("3PL (DHL)"), "3pl-dhl");
        assert_eq!(slugify("!!"), "");
        let long = "a".repeat(200);
        assert!(crate::file::is_valid_id(&slugify(&long)));
        let mut ids = IdSet::default();
        assert_eq!(ids.make("ERP", "system"), "erp");
        assert_eq!(ids.make("erp", "system"), "erp-2");
        assert_eq!(ids.make("", "system"), "system");
        assert_eq!(ids.make("", "system"), "system-2");
    }
}
