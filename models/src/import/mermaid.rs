//! Mermaid flowcharts (`graph` / `flowchart`, any direction): nodes of any
//! shape (`A[x]`, `A(x)`, `A([x])`, `A[[x]]`, `A[(x)]`, `A((x))`, `A>x]`,
//! `A{x}`, `A{{x}}`, `A[/x/]`, `A@{ label: "x" }`), links `-->`, `---`,
//! `-.->`, `==>`, `--o`, `--x`, `<-->`, `~~~`, labels `A -- x --> B`,
//! `A -. x .-> B`, `A == x ==> B` and `A -->|x| B`, chains (`A --> B --> C`),
//! `&` groups, `subgraph … end`, comments (`%%`), front matter (`title:`).
//! Charter's own export (`documents::mermaid`) reads back to the same
//! systems, entities, owners and flows.

use super::sketch::{Sketch, SketchArrow, SketchBox};
use super::{Format, ImportError, Imported};

/// Does the text start like a Mermaid flowchart?
pub fn looks_like(text: &str) -> bool {
    first_statement(text).is_some_and(|l| is_header(l).is_some())
}

/// The first line that is not blank, a comment, a directive or front matter.
fn first_statement(text: &str) -> Option<&str> {
    let mut in_front = false;
    for (i, line) in text.lines().enumerate() {
        let l = line.trim();
        if i == 0 && l == "---" {
            in_front = true;
            continue;
        }
        if in_front {
            if l == "---" {
                in_front = false;
            }
            continue;
        }
        if l.is_empty() || l.starts_with("%%") {
            continue;
        }
        return Some(l);
    }
    None
}

/// `graph LR`, `flowchart TD;` …: the rest of the line after the header.
fn is_header(line: &str) -> Option<&str> {
    let mut words = line.splitn(2, char::is_whitespace);
    let first = words.next()?.trim_end_matches(';');
    if !(first == "graph" || first == "flowchart" || first == "flowchart-elk") {
        return None;
    }
    let rest = words.next().unwrap_or("").trim();
    let dir = rest.split([' ', ';']).next().unwrap_or("");
    if dir.is_empty() || ["TB", "TD", "BT", "RL", "LR"].contains(&dir) {
        Some(rest.get(dir.len()..).unwrap_or(""))
    } else {
        None
    }
}

pub fn import(text: &str, name: &str) -> Result<Imported, ImportError> {
    let sketch = parse(text)?;
    Ok(sketch.build(Format::Mermaid, name))
}

/// Reads a flowchart into boxes and arrows.
pub fn parse(text: &str) -> Result<Sketch, ImportError> {
    let mut sketch = Sketch::default();
    let mut p = Parser::default();
    let mut header_seen = false;
    let mut in_front = false;
    let mut lines = text.lines().enumerate().peekable();
    while let Some((i, raw)) = lines.next() {
        let line_no = i + 1;
        let l = raw.trim();
        if i == 0 && l == "---" {
            in_front = true;
            continue;
        }
        if in_front {
            if l == "---" {
                in_front = false;
            } else if let Some(t) = l.strip_prefix("title:") {
                sketch.name = Some(t.trim().trim_matches(['"', '\'']).to_string());
            }
            continue;
        }
        let l = strip_comment(l);
        if l.is_empty() {
            continue;
        }
        if !header_seen {
            match is_header(l) {
                Some(rest) => {
                    header_seen = true;
                    let rest = rest.trim().trim_start_matches(';');
                    if !rest.trim().is_empty() {
                        p.statements(rest, line_no, &mut sketch);
                    }
                    continue;
                }
                None => {
                    return Err(ImportError::invalid(
                        Format::Mermaid,
                        format!(
                            "line {line_no}: expected `flowchart` or `graph` and a direction (only flowcharts are read), found `{}`",
                            crate::text::one_line(&l.chars().take(60).collect::<String>())
                        ),
                    ));
                }
            }
        }
        // A quoted label may span lines: join until the quotes balance.
        let mut joined = l.to_string();
        while joined.matches('"').count() % 2 == 1 {
            match lines.next() {
                Some((_, more)) => {
                    joined.push('\n');
                    joined.push_str(more.trim());
                }
                None => {
                    return Err(ImportError::invalid(
                        Format::Mermaid,
                        format!("line {line_no}: a quoted label is never closed (truncated file?)"),
                    ))
                }
            }
        }
        p.statements(&joined, line_no, &mut sketch);
    }
    if !header_seen {
        return Err(ImportError::invalid(
            Format::Mermaid,
            "no `flowchart` or `graph` line",
        ));
    }
    if !p.groups.is_empty() {
        sketch.unplaced.push(format!(
            "subgraph {} is never closed with `end` (truncated file?)",
            p.groups.join(", ")
        ));
    }
    // Boxes in declaration order; labels from the first shape given.
    for key in &p.order {
        if p.group_ids.contains(key) {
            continue;
        }
        let (label, group, at) = p.nodes.get(key).cloned().unwrap_or_default();
        sketch.boxes.push(SketchBox {
            key: key.clone(),
            label: label.unwrap_or_else(|| key.clone()),
            group,
            at,
        });
    }
    // Arrows touching a subgraph are not between systems.
    for a in &mut sketch.arrows {
        for end in [&mut a.from, &mut a.to] {
            if end.as_ref().is_some_and(|k| p.group_ids.contains(k)) {
                let k = end.take().unwrap_or_default();
                sketch.unplaced.push(format!(
                    "{}: arrow to or from subgraph `{k}` (a group, not a system): not imported",
                    a.at
                ));
            }
        }
    }
    sketch.arrows.retain(|a| a.from.is_some() && a.to.is_some());
    for (group, members) in &p.group_members {
        if !members.is_empty() {
            sketch.notes.push(format!(
                "subgraph {group}: {} (groups are not kept in the model)",
                members.join(", ")
            ));
        }
    }
    Ok(sketch)
}

/// Drops a `%%` comment (outside quotes).
fn strip_comment(l: &str) -> &str {
    let mut in_quote = false;
    let b = l.as_bytes();
    for i in 0..b.len() {
        match b[i] {
            b'"' => in_quote = !in_quote,
            b'%' if !in_quote && b.get(i + 1) == Some(&b'%') => return l[..i].trim(),
            _ => {}
        }
    }
    l
}

#[derive(Default)]
struct Parser {
    /// Node key → (label, group, where).
    nodes: std::collections::HashMap<String, (Option<String>, Option<String>, String)>,
    order: Vec<String>,
    groups: Vec<String>,
    group_ids: std::collections::HashSet<String>,
    group_members: Vec<(String, Vec<String>)>,
}

const KEYWORDS: &[&str] = &[
    "classDef",
    "class",
    "style",
    "linkStyle",
    "click",
    "direction",
    "accTitle",
    "accDescr",
    "callback",
];

impl Parser {
    /// One line: statements separated by `;` outside quotes and brackets.
    fn statements(&mut self, line: &str, line_no: usize, sketch: &mut Sketch) {
        for stmt in split_statements(line) {
            let stmt = stmt.trim();
            if stmt.is_empty() {
                continue;
            }
            self.statement(stmt, line_no, sketch);
        }
    }

    fn statement(&mut self, stmt: &str, line_no: usize, sketch: &mut Sketch) {
        let first = stmt
            .split(|c: char| c.is_whitespace() || c == ':')
            .next()
            .unwrap_or("");
        if KEYWORDS.contains(&first) {
            return;
        }
        if first == "end" && stmt.trim() == "end" {
            if self.groups.pop().is_none() {
                sketch
                    .unplaced
                    .push(format!("line {line_no}: `end` without a subgraph: ignored"));
            }
            return;
        }
        if first == "subgraph" {
            let rest = stmt["subgraph".len()..].trim();
            let (id, title) = match rest.find(['[', '"']) {
                Some(i) if i > 0 => {
                    let title = rest[i..].trim_matches(['[', ']', '"', ' ']);
                    (rest[..i].trim().to_string(), title.to_string())
                }
                _ => {
                    let t = rest.trim_matches(['[', ']', '"']).trim().to_string();
                    (t.clone(), t)
                }
            };
            self.group_ids.insert(id.clone());
            let title = if title.is_empty() { id } else { title };
            self.group_members.push((title.clone(), Vec::new()));
            self.groups.push(title);
            return;
        }
        let mut cur = Cursor {
            s: stmt,
            pos: 0,
            line_no,
        };
        let mut left = match self.node_group(&mut cur, sketch) {
            Some(g) => g,
            None => {
                sketch.unplaced.push(format!(
                    "line {line_no}: `{}` is not a node or link: ignored",
                    crate::text::one_line(&stmt.chars().take(80).collect::<String>())
                ));
                return;
            }
        };
        loop {
            cur.skip_ws();
            if cur.done() {
                return;
            }
            let Some(link) = cur.link() else {
                sketch.unplaced.push(format!(
                    "line {line_no}: cannot read `{}` after `{}`: ignored",
                    crate::text::one_line(&cur.rest().chars().take(60).collect::<String>()),
                    left.join(" & ")
                ));
                return;
            };
            cur.skip_ws();
            let Some(right) = self.node_group(&mut cur, sketch) else {
                sketch.unplaced.push(format!(
                    "line {line_no}: a link without a node after it: ignored"
                ));
                return;
            };
            if link.invisible {
                sketch.notes.push(format!(
                    "line {line_no}: invisible link {} ~~~ {} (layout only): not a flow",
                    left.join(" & "),
                    right.join(" & ")
                ));
            } else {
                for a in &left {
                    for b in &right {
                        let (from, to) = if link.reversed {
                            (b.clone(), a.clone())
                        } else {
                            (a.clone(), b.clone())
                        };
                        sketch.arrows.push(SketchArrow {
                            from: Some(from),
                            to: Some(to),
                            label: link.label.clone().unwrap_or_default(),
                            dotted: link.dotted,
                            at: format!("line {line_no}"),
                        });
                        if link.both {
                            sketch.notes.push(format!(
                                "line {line_no}: {a} <--> {b} points both ways: read as {a} → {b}"
                            ));
                        }
                    }
                }
            }
            left = right;
        }
    }

    /// `A`, `A[label]`, `A & B[x]`: the node keys.
    fn node_group(&mut self, cur: &mut Cursor, sketch: &mut Sketch) -> Option<Vec<String>> {
        let mut keys = Vec::new();
        loop {
            cur.skip_ws();
            let key = cur.node_id()?;
            let label = cur.shape(sketch);
            cur.skip_class();
            self.declare(&key, label, cur.line_no);
            keys.push(key);
            cur.skip_ws();
            if cur.rest().starts_with('&') {
                cur.pos += 1;
                continue;
            }
            return Some(keys);
        }
    }

    fn declare(&mut self, key: &str, label: Option<String>, line_no: usize) {
        let group = self.groups.last().cloned();
        match self.nodes.get_mut(key) {
            Some(n) => {
                if n.0.is_none() && label.is_some() {
                    n.0 = label;
                }
            }
            None => {
                self.order.push(key.to_string());
                if let (Some(g), Some(members)) = (&group, self.group_members.last_mut()) {
                    if &members.0 == g {
                        members.1.push(key.to_string());
                    }
                }
                self.nodes
                    .insert(key.to_string(), (label, group, format!("line {line_no}")));
            }
        }
    }
}

/// Splits at `;` outside quotes, brackets and `|…|` labels.
fn split_statements(line: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut depth = 0i32;
    let mut in_quote = false;
    let mut in_pipe = false;
    let mut start = 0;
    for (i, c) in line.char_indices() {
        match c {
            '"' => in_quote = !in_quote,
            '[' | '(' | '{' if !in_quote => depth += 1,
            ']' | ')' | '}' if !in_quote => depth -= 1,
            '|' if !in_quote && depth <= 0 => in_pipe = !in_pipe,
            ';' if !in_quote && depth <= 0 && !in_pipe => {
                out.push(&line[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(&line[start..]);
    out
}

struct Link {
    label: Option<String>,
    dotted: bool,
    invisible: bool,
    reversed: bool,
    both: bool,
}

struct Cursor<'a> {
    s: &'a str,
    pos: usize,
    line_no: usize,
}

impl<'a> Cursor<'a> {
    fn rest(&self) -> &'a str {
        &self.s[self.pos..]
    }
    fn done(&self) -> bool {
        self.pos >= self.s.len()
    }
    fn skip_ws(&mut self) {
        let r = self.rest();
        self.pos += r.len() - r.trim_start().len();
    }

    /// A node id: letters, digits, `_`, non-ASCII, and `-` or `.` between
    /// two of those (so that `A-->B` is A, a link, B).
    fn node_id(&mut self) -> Option<String> {
        let r = self.rest();
        let mut end = 0;
        let mut chars = r.char_indices().peekable();
        while let Some((i, c)) = chars.next() {
            let ok = c.is_alphanumeric() || c == '_' || (!c.is_ascii() && !c.is_whitespace());
            let joiner = (c == '-' || c == '.')
                && i > 0
                && chars
                    .peek()
                    .is_some_and(|&(_, n)| n.is_alphanumeric() || n == '_');
            if ok || joiner {
                end = i + c.len_utf8();
            } else {
                break;
            }
        }
        if end == 0 {
            return None;
        }
        // `o--` / `x--` after a node are link ends, not part of the id.
        let id = &r[..end];
        self.pos += end;
        Some(id.to_string())
    }

    /// `:::className` after a node.
    fn skip_class(&mut self) {
        if self.rest().starts_with(":::") {
            self.pos += 3;
            let r = self.rest();
            let n = r
                .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == '-'))
                .unwrap_or(r.len());
            self.pos += n;
        }
    }

    /// A shape and its label, when one follows.
    fn shape(&mut self, sketch: &mut Sketch) -> Option<String> {
        let r = self.rest();
        if let Some(body) = r.strip_prefix("@{") {
            let end = body.find('}')?;
            self.pos += 2 + end + 1;
            let inner = &body[..end];
            let label = inner.split(',').find_map(|kv| {
                let (k, v) = kv.split_once(':')?;
                (k.trim() == "label").then(|| v.trim().trim_matches(['"', '\'']).to_string())
            });
            return label;
        }
        let open_len = r
            .char_indices()
            .take_while(|&(_, c)| matches!(c, '[' | '(' | '{' | '>'))
            .count();
        if open_len == 0 {
            return None;
        }
        let open = &r[..open_len];
        // The closing brackets mirror the opening ones (`>` closes with `]`).
        let close: String = open
            .chars()
            .rev()
            .map(|c| match c {
                '[' | '>' => ']',
                '(' => ')',
                _ => '}',
            })
            .collect();
        let after_open = &r[open_len..];
        let (label, consumed) = if after_open.trim_start().starts_with('"') {
            let lead = after_open.len() - after_open.trim_start().len();
            let q = &after_open[lead + 1..];
            match q.find('"') {
                Some(end) => {
                    let rest = &q[end + 1..];
                    let close_at = rest.find(close.as_str());
                    match close_at {
                        Some(c) => (q[..end].to_string(), lead + 1 + end + 1 + c + close.len()),
                        None => {
                            sketch.unplaced.push(format!(
                                "line {}: a shape is never closed with `{close}`",
                                self.line_no
                            ));
                            (q[..end].to_string(), after_open.len())
                        }
                    }
                }
                None => (after_open.to_string(), after_open.len()),
            }
        } else {
            match after_open.find(close.as_str()) {
                Some(end) => (after_open[..end].to_string(), end + close.len()),
                None => {
                    sketch.unplaced.push(format!(
                        "line {}: a shape is never closed with `{close}`",
                        self.line_no
                    ));
                    (after_open.to_string(), after_open.len())
                }
            }
        };
        self.pos += open_len + consumed;
        // Trapezoids and parallelograms: `[/x/]`, `[\x\]`, `[/x\]`.
        let label = label.trim();
        let label = label
            .strip_prefix(['/', '\\'])
            .and_then(|l| l.strip_suffix(['/', '\\']))
            .unwrap_or(label);
        Some(unquote_markdown(label))
    }

    /// A link, with its label in either syntax.
    fn link(&mut self) -> Option<Link> {
        let r = self.rest();
        let mut link = Link {
            label: None,
            dotted: false,
            invisible: false,
            reversed: false,
            both: false,
        };
        let mut i = 0;
        let b = r.as_bytes();
        let mut head_marker = false;
        if matches!(b.first(), Some(b'<' | b'o' | b'x'))
            && matches!(b.get(1), Some(b'-' | b'=' | b'.'))
        {
            head_marker = b[0] == b'<';
            i = 1;
        }
        let start = i;
        while i < b.len() && matches!(b[i], b'-' | b'=' | b'.' | b'~') {
            i += 1;
        }
        let body = &r[start..i];
        if body.len() < 2 && !(body == "-" && b.get(i) == Some(&b'.')) {
            return None;
        }
        // Text form: `-- text -->`, `-. text .->`, `== text ==>`.
        let text_form = matches!(body, "--" | "-." | "==")
            && b.get(i)
                .is_some_and(|c| c.is_ascii_whitespace() || *c == b'"');
        if text_form {
            let after = &r[i..];
            let (end_at, end_len) = find_link_end(after, body)?;
            link.label = Some(unquote_markdown(after[..end_at].trim()));
            let arrow = &after[end_at..end_at + end_len];
            link.dotted = body == "-.";
            link.both = head_marker && arrow.ends_with('>');
            self.pos += i + end_at + end_len;
        } else {
            link.dotted = body.contains('.');
            link.invisible = body.contains('~');
            let mut tail = i;
            if b.get(i) == Some(&b'>')
                || matches!(b.get(i), Some(b'o' | b'x'))
                    && !b
                        .get(i + 1)
                        .is_some_and(|c| c.is_ascii_alphanumeric() || *c == b'_')
            {
                tail += 1;
            }
            let has_head = b.get(i) == Some(&b'>');
            link.both = head_marker && has_head;
            // `A <-- B`: the arrow points left.
            link.reversed = head_marker && !has_head;
            self.pos += tail;
        }
        // `|label|` after the link.
        self.skip_ws();
        if self.rest().starts_with('|') {
            let rest = &self.rest()[1..];
            let end = rest.find('|')?;
            let text = rest[..end].trim();
            link.label = Some(unquote_markdown(text.trim_matches('"')));
            self.pos += 1 + end + 1;
        }
        Some(link)
    }
}

/// Where a text-form link ends: `-->`, `---`, `.->`, `.-`, `==>`, `===`.
fn find_link_end(after: &str, open: &str) -> Option<(usize, usize)> {
    let b = after.as_bytes();
    let mut in_quote = false;
    for i in 0..b.len() {
        if b[i] == b'"' {
            in_quote = !in_quote;
        }
        if in_quote {
            continue;
        }
        let rest = &after[i..];
        let candidates: &[&str] = match open {
            "--" => &["-->", "---", "--o", "--x"],
            "-." => &[".->", ".-"],
            _ => &["==>", "===", "==o", "==x"],
        };
        for c in candidates {
            if rest.starts_with(c) && (i == 0 || b[i - 1].is_ascii_whitespace() || *c == ".->") {
                // Take the whole run of link characters and the head.
                let mut j = i;
                while j < b.len() && matches!(b[j], b'-' | b'=' | b'.') {
                    j += 1;
                }
                if j < b.len() && matches!(b[j], b'>' | b'o' | b'x') {
                    j += 1;
                }
                return Some((i, j - i));
            }
        }
    }
    None
}

/// Markdown strings `"`text`"` and surrounding quotes, removed.
fn unquote_markdown(s: &str) -> String {
    let s = s.trim().trim_matches('"');
    s.strip_prefix('`')
        .and_then(|x| x.strip_suffix('`'))
        .unwrap_or(s)
        .to_string()
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    fn arrows(text: &str) -> Vec<(String, String, String, bool)> {
        parse(text)
            .unwrap()
            .arrows
            .into_iter()
            .map(|a| (a.from.unwrap(), a.to.unwrap(), a.label, a.dotted))
            .collect()
    }

    fn a(f: &str, t: &str, l: &str, d: bool) -> (String, String, String, bool) {
        (f.into(), t.into(), l.into(), d)
    }

    #[test]
    fn link_syntaxes() {
        assert_eq!(arrows("graph LR\nA-->B"), vec![a("A", "B", "", false)]);
        assert_eq!(
            arrows("flowchart TD\nA -- Order --> B"),
            vec![a("A", "B", "Order", false)]
        );
        assert_eq!(
            arrows("flowchart TD\nA -->|Order (request)| B"),
            vec![a("A", "B", "Order (request)", false)]
        );
        assert_eq!(
            arrows("flowchart TD\nA -. asks stock .-> B"),
            vec![a("A", "B", "asks stock", true)]
        );
        assert_eq!(
            arrows("flowchart TD\nA == Invoice ==> B"),
            vec![a("A", "B", "Invoice", false)]
        );
        assert_eq!(arrows("flowchart TD\nA-.->B"), vec![a("A", "B", "", true)]);
        assert_eq!(
            arrows("flowchart TD\nA --> B --> C"),
            vec![a("A", "B", "", false), a("B", "C", "", false)]
        );
        assert_eq!(
            arrows("flowchart TD\nA & B --> C"),
            vec![a("A", "C", "", false), a("B", "C", "", false)]
        );
        assert_eq!(
            arrows("flowchart TD\nA <--> B"),
            vec![a("A", "B", "", false)]
        );
        assert_eq!(
            arrows("graph TB; A-->B; B-->C"),
            vec![a("A", "B", "", false), a("B", "C", "", false)]
        );
    }

    #[test]
    fn shapes_give_labels() {
        let s = parse(
            "flowchart LR\n a[ERP] --> b(Warehouse)\n c([Shop]) --> d[[PIM]]\n e[(DB)] --> f((Hub))\n g>Flag] --> h{Decide}\n i{{Hex}} --> j[/Para/]\n k@{ shape: rect, label: \"New\" } --> l[\"Quoted [x]\"]",
        )
        .unwrap();
        let labels: Vec<&str> = s.boxes.iter().map(|b| b.label.as_str()).collect();
        assert_eq!(
            labels,
            vec![
                "ERP",
                "Warehouse",
                "Shop",
                "PIM",
                "DB",
                "Hub",
                "Flag",
                "Decide",
                "Hex",
                "Para",
                "New",
                "Quoted [x]"
            ]
        );
    }

    #[test]
    fn not_a_flowchart_is_refused() {
        assert!(parse("sequenceDiagram\nA->>B: hi").is_err());
        assert!(parse("").is_err());
        assert!(!looks_like("hello"));
        assert!(looks_like("%% c\n\nflowchart LR\nA-->B"));
    }
}
