//! Text shown to people.

use std::borrow::Cow;

/// `s` on one line: control characters (line breaks, tabs, the line and
/// paragraph separators) shown escaped, so that a message quoting user text
/// stays one line.
pub fn one_line(s: &str) -> Cow<'_, str> {
    let breaks = |c: char| c.is_control() || c == '\u{2028}' || c == '\u{2029}';
    if !s.contains(breaks) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if breaks(c) => out.extend(c.escape_unicode()),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::one_line;

    #[test]
    fn control_characters_are_shown_escaped() {
        assert_eq!(one_line("plain “text” é"), "plain “text” é");
        assert!(matches!(one_line("plain"), std::borrow::Cow::Borrowed(_)));
        assert_eq!(one_line("a\nb\r\tc"), "a\\nb\\r\\tc");
        assert_eq!(
            one_line("x\u{0}y\u{7f}\u{2028}"),
            "x\\u{0}y\\u{7f}\\u{2028}"
        );
        assert_eq!(one_line("a\nb").lines().count(), 1);
    }
}
