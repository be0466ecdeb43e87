#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! The CEL conformance suite (cel-spec's "simple" tests, vendored under
//! `tests/cel-spec/`) run through the runtime's condition evaluator and the
//! model's condition checker.
//!
//! Each case becomes a condition: a boolean expected value is the expression
//! itself; any other expected value `V` of type `T` is
//! `type(E) == T && E == V`; an expected evaluation error is
//! `type(E) == type(E)` (true for any value, an error when `E` errs). Each
//! condition runs in both polarities, `C` and `!(C)`, so that an error is
//! told apart from `false`: a value case passes when `C` is true and `!(C)`
//! false, an error case when both err. The variables a case binds become
//! the record's fields, declared with the model's field type that matches
//! the case's declared variable type (`int` → `integer`, `double` →
//! `number`, `string`, `bool` → `boolean`).
//!
//! Cases that cannot be written over the model's types are skipped, each
//! with its reason (bytes, protocol buffer messages, uint/list/map
//! variables, ...). `cargo test -p charter-runtime --test cel_conformance --
//! --nocapture` prints the figures written in docs/cel.md.

mod cel_spec;

use cel_spec::{Case, Expect, Msg, Node};
use charter_model::conditions::check_condition;
use charter_model::model::Entity;
use charter_runtime::expr::{resolve_slots, Condition, EvalError, FieldKind, SlotTable};
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;

/// A case not run, and why.
type Skip = &'static str;

/// The model's type of a variable the case declares (`None`: undeclared).
fn kind_of(prim: &str) -> Result<Option<(FieldKind, &'static str)>, Skip> {
    Ok(Some(match prim {
        "INT64" => (FieldKind::Integer, "integer"),
        "DOUBLE" => (FieldKind::Number, "number"),
        "STRING" => (FieldKind::String, "string"),
        "BOOL" => (FieldKind::Boolean, "boolean"),
        "UINT64" => return Err("a uint variable: the model has no unsigned field type"),
        "BYTES" => return Err("bytes"),
        _ => return Err("a variable of a list, map or message type"),
    }))
}

/// A binding's value as the JSON a record would carry.
fn binding_json(v: &Msg) -> Result<Value, Skip> {
    let (name, node) = v.fields.first().ok_or("a binding without a value")?;
    let word = match node {
        Node::Word(w) => w.clone(),
        Node::Str(b) => String::from_utf8(b.clone()).map_err(|_| "bytes")?,
        Node::Msg(_) => String::new(),
    };
    Ok(match name.as_str() {
        "int64_value" => json!(word.parse::<i64>().map_err(|_| "a bad int")?),
        "double_value" => {
            let d: f64 = parse_double(&word).ok_or("a bad double")?;
            if !d.is_finite() {
                return Err("a NaN or infinite variable: JSON has no such number");
            }
            json!(d)
        }
        "string_value" => json!(word),
        "bool_value" => json!(word == "true"),
        "null_value" => Value::Null,
        "uint64_value" => return Err("a uint variable: the model has no unsigned field type"),
        "bytes_value" => return Err("bytes"),
        "object_value" => return Err("protocol buffer messages"),
        _ => return Err("a list or map variable: the model has no such field type"),
    })
}

fn parse_double(w: &str) -> Option<f64> {
    match w {
        "inf" | "infinity" => Some(f64::INFINITY),
        "-inf" | "-infinity" => Some(f64::NEG_INFINITY),
        "nan" => Some(f64::NAN),
        w => w.parse().ok(),
    }
}

/// A CEL string literal of `s`.
fn cel_string(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                out.push_str(&format!("\\u{:04x}", c as u32));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A CEL literal of an expected value and the name of its type.
fn literal(v: &Msg) -> Result<(String, &'static str), Skip> {
    let (name, node) = v.fields.first().ok_or("no expected value")?;
    let word = || match node {
        Node::Word(w) => w.clone(),
        Node::Str(b) => String::from_utf8_lossy(b).into_owned(),
        Node::Msg(_) => String::new(),
    };
    Ok(match name.as_str() {
        "int64_value" => (word(), "int"),
        "uint64_value" => (format!("{}u", word()), "uint"),
        "double_value" => {
            let d = parse_double(&word()).ok_or("a bad double")?;
            let lit = if d.is_nan() {
                "NaN".to_string()
            } else if d.is_infinite() {
                format!("double(\"{}\")", if d > 0.0 { "inf" } else { "-inf" })
            } else {
                format!("{d:?}")
            };
            (lit, "double")
        }
        "string_value" => match node {
            Node::Str(b) => (
                cel_string(std::str::from_utf8(b).map_err(|_| "bytes")?),
                "string",
            ),
            _ => (cel_string(&word()), "string"),
        },
        "bool_value" => (word(), "bool"),
        "null_value" => ("null".to_string(), "null_type"),
        "type_value" => {
            let t = word();
            if t.contains('.') {
                return Err("protocol buffer types");
            }
            (t, "type")
        }
        "list_value" => {
            let Node::Msg(m) = node else {
                return Err("a bad list");
            };
            let mut items = Vec::new();
            for item in m.all("values") {
                let Node::Msg(item) = item else {
                    return Err("a bad list");
                };
                items.push(literal(item)?.0);
            }
            (format!("[{}]", items.join(", ")), "list")
        }
        "map_value" => {
            let Node::Msg(m) = node else {
                return Err("a bad map");
            };
            let mut entries = Vec::new();
            for e in m.all("entries") {
                let Node::Msg(e) = e else {
                    return Err("a bad map");
                };
                let k = literal(e.msg("key").ok_or("a bad map")?)?.0;
                let v = literal(e.msg("value").ok_or("a bad map")?)?.0;
                entries.push(format!("{k}: {v}"));
            }
            (format!("{{{}}}", entries.join(", ")), "map")
        }
        "bytes_value" => return Err("bytes"),
        "object_value" => return Err("protocol buffer messages"),
        "enum_value" => return Err("protocol buffer enums"),
        _ => return Err("an expected value of another kind"),
    })
}

/// Whether the source has a bytes literal (`b"..."`, `B'...'`, `rb"..."`).
fn has_bytes_literal(src: &str) -> bool {
    let b = src.as_bytes();
    (1..b.len()).any(|i| {
        matches!(b[i], b'"' | b'\'')
            && matches!(b[i - 1], b'b' | b'B')
            && (i < 2
                || !(b[i - 2].is_ascii_alphanumeric() || b[i - 2] == b'_')
                || matches!(b[i - 2], b'r' | b'R'))
    })
}

/// The condition a case is run as, the record and the model entity its
/// variables make.
struct Prepared {
    condition: String,
    /// The condition holds (a value case) or errs (an error case).
    expect_error: bool,
    slots: SlotTable,
    data: Map<String, Value>,
    entity: Entity,
}

fn prepare(case: &Case) -> Result<Prepared, Skip> {
    if case.container.is_some() {
        return Err("protocol buffer messages (a container)");
    }
    let e = &case.expr;
    if e.contains("google.protobuf")
        || e.contains("TestAllTypes")
        || e.contains("cel.expr")
        || e.contains("NestedMessage")
    {
        return Err("protocol buffer messages");
    }
    if has_bytes_literal(e) || e.contains("bytes(") {
        return Err("bytes");
    }
    let mut slots = SlotTable::default();
    let mut data = Map::new();
    let mut fields = Vec::new();
    for (name, v) in &case.bindings {
        let value = binding_json(v)?;
        let declared = case.types.iter().find(|(n, _)| n == name);
        let model_type = match declared {
            Some((_, prim)) => match kind_of(prim)? {
                Some((kind, t)) => {
                    slots.declare(name, kind);
                    t
                }
                None => "string",
            },
            None => match &value {
                Value::Number(n) if n.is_i64() => "integer",
                Value::Number(_) => "number",
                Value::Bool(_) => "boolean",
                _ => "string",
            },
        };
        fields.push(json!({"name": name, "type": model_type}));
        data.insert(name.clone(), value);
    }
    for (name, prim) in &case.types {
        if !case.bindings.iter().any(|(n, _)| n == name) {
            if let Some((kind, t)) = kind_of(prim)? {
                slots.declare(name, kind);
                fields.push(json!({"name": name, "type": t}));
            }
        }
    }
    let entity: Entity = serde_json::from_value(json!({
        "id": "case", "name": "Case", "owner": "sys", "key": "k", "fields": fields
    }))
    .map_err(|_| "a variable name the model cannot hold")?;
    // Newlines around the expression: it may end with a `//` comment.
    let ex = format!("(\n{e}\n)");
    let (condition, expect_error) = match &case.expect {
        Expect::Error => (format!("type({ex}) == type({ex})"), true),
        Expect::Other => return Err("no expected value (a typed result only)"),
        Expect::Value(v) => {
            let (lit, ty) = literal(v)?;
            let c = if ty == "bool" {
                if lit == "true" {
                    ex
                } else {
                    format!("!{ex}")
                }
            } else if lit == "NaN" {
                format!("type({ex}) == double && {ex} != {ex}")
            } else {
                format!("type({ex}) == {ty} && {ex} == {lit}")
            };
            (c, false)
        }
    };
    Ok(Prepared {
        condition,
        expect_error,
        slots,
        data,
        entity,
    })
}

/// The result of a condition and of its negation, natively where the
/// runtime compiles it so (`interpreted`: always through the interpreter).
fn run(p: &Prepared, interpreted: bool) -> Result<[Result<bool, EvalError>; 2], String> {
    let mut out = Vec::new();
    for src in [p.condition.clone(), format!("!(\n{}\n)", p.condition)] {
        let mut slots = p.slots.clone();
        let c = if interpreted {
            Condition::compile_interpreted(&src, &slots)
        } else {
            Condition::compile(&src, &mut slots)
        }
        .map_err(|e| format!("does not compile: {e}"))?;
        let mut values = vec![None; slots.len()];
        resolve_slots(&slots, &p.data, &mut values);
        out.push(c.eval_bool(&values, &p.data));
    }
    let [a, b]: [Result<bool, EvalError>; 2] = out.try_into().unwrap();
    Ok([a, b])
}

fn verdict(p: &Prepared, r: &[Result<bool, EvalError>; 2]) -> bool {
    if p.expect_error {
        r[0].is_err() && r[1].is_err()
    } else {
        r[0] == Ok(true) && r[1] == Ok(false)
    }
}

/// Cases that fail and are known to, with the reason. Empty: every case run
/// passes.
const KNOWN_FAILURES: &[(&str, &str)] = &[];

/// The parse section nests expressions deeply: the parser, checker and
/// evaluators recurse, so the suite runs on a thread with a large stack (a
/// debug build uses far more stack per level than a release one).
#[test]
fn cel_spec_conformance() {
    std::thread::Builder::new()
        .stack_size(512 << 20)
        .spawn(conformance)
        .unwrap()
        .join()
        .unwrap();
}

fn conformance() {
    let mut total = 0;
    let mut skipped: BTreeMap<&str, usize> = BTreeMap::new();
    let mut per_file: BTreeMap<String, (usize, usize, usize)> = BTreeMap::new();
    let mut failures = Vec::new();
    let mut checker_refusals = Vec::new();
    let mut checker_warns = Vec::new();
    let mut checked = 0;
    let mut native = 0;
    let mut interp_disagree = Vec::new();
    for file in cel_spec::FILES {
        let cases = cel_spec::load(file).unwrap();
        assert!(!cases.is_empty(), "{file}: no cases read");
        for case in cases {
            total += 1;
            let id = format!("{}/{}/{}", case.file, case.section, case.name);
            let entry = per_file.entry(case.file.clone()).or_default();
            entry.0 += 1;
            let p = match prepare(&case) {
                Ok(p) => p,
                Err(why) => {
                    *skipped.entry(why).or_default() += 1;
                    continue;
                }
            };
            entry.1 += 1;
            let mut t = p.slots.clone();
            if Condition::compile(&p.condition, &mut t).is_ok_and(|c| c.is_native()) {
                native += 1;
            }
            let ok = match run(&p, false) {
                Ok(r) => {
                    let ok = verdict(&p, &r);
                    if !ok {
                        failures.push(format!("{id}: `{}` gave {r:?}", case.expr));
                    }
                    // The interpreter alone, for comparison.
                    if let Ok(ri) = run(&p, true) {
                        if verdict(&p, &ri) != ok {
                            interp_disagree.push(format!("{id}: `{}` gave {ri:?}", case.expr));
                        }
                    }
                    ok
                }
                Err(e) => {
                    failures.push(format!("{id}: `{}` {e}", case.expr));
                    false
                }
            };
            if ok {
                entry.2 += 1;
            }
            if !case.disable_check {
                checked += 1;
                let problems = check_condition(&p.condition, &p.entity);
                if !problems.is_empty() && p.expect_error {
                    // CEL's checker accepts it and it always errs when run:
                    // the model's checker may say so before it is deployed.
                    checker_warns.push(format!("{id}: `{}`", case.expr));
                } else if !problems.is_empty() {
                    checker_refusals.push(format!(
                        "{id}: `{}`: {}",
                        case.expr,
                        problems
                            .iter()
                            .map(|p| p.message.as_str())
                            .collect::<Vec<_>>()
                            .join("; ")
                    ));
                }
            }
        }
    }
    let run_count: usize = per_file.values().map(|v| v.1).sum();
    let passed: usize = per_file.values().map(|v| v.2).sum();
    println!(
        "cel-spec simple tests: {total} cases, {run_count} run, {passed} passed, {} skipped",
        total - run_count
    );
    println!("| section | cases | run | passed |");
    for (f, (n, r, p)) in &per_file {
        println!("| {f} | {n} | {r} | {p} |");
    }
    println!("skipped:");
    for (why, n) in &skipped {
        println!("  {n:4}  {why}");
    }
    println!("conditions compiled natively: {native} of {run_count}");
    println!(
        "checker: {checked} cases type-checked by cel-spec; refused among those that evaluate: {}",
        checker_refusals.len()
    );
    for r in &checker_refusals {
        println!("  checker refuses {r}");
    }
    println!(
        "checker: {} cases that always err at run time refused beforehand",
        checker_warns.len()
    );
    for r in &checker_warns {
        println!("  refused beforehand: {r}");
    }
    println!(
        "interpreter alone differs from the runtime on {} cases",
        interp_disagree.len()
    );
    for d in &interp_disagree {
        println!("  interpreter: {d}");
    }
    for f in &failures {
        println!("  FAIL {f}");
    }
    let unexpected: Vec<&String> = failures
        .iter()
        .filter(|f| {
            !KNOWN_FAILURES
                .iter()
                .any(|(k, _)| f.starts_with(&format!("{k}:")))
        })
        .collect();
    assert!(
        unexpected.is_empty(),
        "{} conformance failures:\n{}",
        unexpected.len(),
        unexpected
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join("\n")
    );
    assert!(
        checker_refusals.is_empty(),
        "the checker refuses {} conditions CEL accepts",
        checker_refusals.len()
    );
    assert!(run_count > 500, "only {run_count} cases run");
}

#[test]
fn loader_reads_escapes_and_lists() {
    let doc = cel_spec::parse(
        r#"section { name: "s" test { name: "t" expr: "'\\'' + \"\x41\101\u00e9\"" value: { list_value { values: [{ int64_value: 1 }, { int64_value: 2 }] } } } }"#,
    )
    .unwrap();
    let s = doc.msg("section").unwrap();
    let t = s.msg("test").unwrap();
    assert_eq!(t.text("expr").unwrap(), "'\\'' + \"AAé\"");
    let v = t.msg("value").unwrap();
    assert_eq!(literal(v).unwrap(), ("[1, 2]".to_string(), "list"));
}

/// The harness is not vacuous: a wrong value, a value of the wrong type and
/// an error where a value is expected (and the reverse) all fail.
#[test]
fn harness_tells_wrong_values_and_errors_apart() {
    let case = |expr: &str, expect: &str| {
        let expect = if expect == "error" {
            Expect::Error
        } else {
            Expect::Value(cel_spec::parse(expect).unwrap())
        };
        let c = Case {
            file: "t".into(),
            section: "t".into(),
            name: expr.into(),
            expr: expr.into(),
            disable_check: false,
            container: None,
            types: vec![("x".into(), "INT64".into())],
            bindings: vec![("x".into(), cel_spec::parse("int64_value: 2").unwrap())],
            expect,
        };
        let p = prepare(&c).unwrap();
        verdict(&p, &run(&p, false).unwrap()) && verdict(&p, &run(&p, true).unwrap())
    };
    assert!(case("x + 1", "int64_value: 3"));
    assert!(!case("x + 1", "int64_value: 4"));
    assert!(!case("x + 1", "double_value: 3"));
    assert!(!case("x + 1", "uint64_value: 3"));
    assert!(!case("x + 1", "error"));
    assert!(case("x / 0", "error"));
    assert!(!case("x / 0", "int64_value: 0"));
    assert!(case("x > 1", "bool_value: true"));
    assert!(!case("x > 1", "bool_value: false"));
    assert!(!case("x / 0 > 1", "bool_value: false"));
    assert!(case(
        "[x] + [1]",
        "list_value { values { int64_value: 2 } values { int64_value: 1 } }"
    ));
    assert!(!case(
        "[x] + [1]",
        "list_value { values { int64_value: 1 } values { int64_value: 2 } }"
    ));
    assert!(case("type(x)", "type_value: \"int\""));
    assert!(!case("type(x)", "type_value: \"double\""));
}
