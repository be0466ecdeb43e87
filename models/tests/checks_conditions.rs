#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! CEL conditions: syntax, unknown fields and functions, type mismatches,
//! both through `check_condition` and through the rule checks.

use charter_model::conditions::{check_condition, ConditionProblem};
use charter_model::model::Entity;
use charter_model::{check, parse_model, FindingCode, Severity};

fn stock() -> Entity {
    serde_json::from_value(serde_json::json!({
        "id": "stock", "name": "Stock", "owner": "erp", "key": "sku",
        "fields": [
            {"name": "sku", "type": "string"},
            {"name": "quantity", "type": "integer"},
            {"name": "price", "type": "number"},
            {"name": "active", "type": "boolean"},
            {"name": "received", "type": "date"},
            {"name": "shipped", "type": "datetime"},
            {"name": "status", "type": "enum", "values": ["open", "held"]}
        ]
    }))
    .unwrap()
}

fn problems(cond: &str) -> Vec<ConditionProblem> {
    check_condition(cond, &stock())
}

fn codes(cond: &str) -> Vec<FindingCode> {
    problems(cond).into_iter().map(|p| p.code).collect()
}

const GOOD: &[&str] = &[
    "quantity >= 0",
    "quantity >= 0 && status != \"held\"",
    "price > 10",
    "price > 10.5 || quantity < 3",
    "quantity == 2.0",
    "status in [\"open\", \"held\"]",
    "status == \"open\" ? quantity > 0 : true",
    "sku.startsWith(\"A-\") && size(sku) <= 12",
    "sku.size() > 0",
    "sku.matches(\"^[A-Z]+$\")",
    "matches(sku, \"^A\")",
    "active",
    "!active",
    "!(quantity > 3)",
    "-quantity < 0",
    "quantity + 1 > 0",
    "quantity % 2 == 0",
    "price * 2.0 < 100.0",
    "sku + \"x\" != \"y\"",
    "received > \"2024-01-01\"",
    "[1, 2, 3].exists(x, x == quantity)",
    "[\"a\", \"b\"].all(s, sku.contains(s))",
    "int(price) > quantity",
    "double(quantity) * 1.5 > price",
    "string(quantity) == \"3\"",
    "quantity != null",
    "{\"a\": 1}.a == 1",
    "dyn(sku) == 1",
    "type(quantity) == int",
    "timestamp(shipped) > timestamp(\"2024-01-01T00:00:00Z\")",
    "timestamp(shipped) - timestamp(received + \"T00:00:00Z\") < duration(\"72h\")",
    "received > \"2024-01-01\" && timestamp(\"2024-01-01T10:00:00.5+02:00\") < timestamp(shipped)",
    "timestamp(shipped) + duration(\"1h\") >= timestamp(\"2024-01-01T00:00:00Z\")",
    "timestamp(shipped).getFullYear() >= 2024",
    "duration(\"90m\").getMinutes() == 90",
];

#[test]
fn good_conditions_have_no_problem() {
    for c in GOOD {
        let p = problems(c);
        assert!(p.is_empty(), "{c}: {p:#?}");
    }
}

const BAD_SYNTAX: &[&str] = &[
    "quantity >= ",
    "quantity >>= 3",
    "(quantity > 1",
    "quantity = 1",
    "",
    "   ",
    "a ? b",
    "has(quantity)",
    "x.all(",
    "quantity > 1 &&",
    "1 2",
    "\"unterminated",
    "'",
    "[1, 2",
    "a.",
    "quantity >= 0 status",
];

#[test]
fn syntax_errors_quote_the_parser() {
    for c in BAD_SYNTAX {
        let p = problems(c);
        assert_eq!(p.len(), 1, "{c}: {p:#?}");
        assert_eq!(p[0].code, FindingCode::ConditionSyntax, "{c}");
        assert!(!p[0].message.contains('\n'), "{:?}", p[0].message);
    }
    let p = problems("quantity >= ");
    assert!(p[0].message.contains("column"), "{:?}", p[0].message);
}

/// The checker parses with the crate's Pratt parser; the runtime may use its
/// ANTLR parser. Both must accept and refuse the same conditions.
#[test]
fn both_cel_parsers_agree() {
    let others = [
        "qty >= 0 && qty < 10",
        "status == \"hold\"",
        "sku.startWith(\"A\")",
        "[1].all(q, q > 0) && q > 1",
        "quantity == \"x\"",
        "!quantity",
        "quantity in [\"a\", \"b\"]",
        "1e3 > price",
        "0x1F == quantity",
        "-9223372036854775808 < quantity",
        "b\"ab\" == b\"ab\"",
        "r\"raw\\d\" != sku",
        "quantity >= 1u",
        "a.?b",
        "[?a]",
        "`a` > 1",
        "in > 1",
        "null == null",
        "a.b.c(1, 2)",
        "{\"a\": 1, \"b\": [1, 2]}.b[0] == 1",
        "x.exists_one(y, y)",
        "x.map(y, y + 1)",
        "x.filter(y, y > 1)",
        "has(a.b.c)",
        "a[1][2]",
        "!!a",
        "--a",
        "1 < 2 < 3",
        "a == b == c",
    ];
    for c in GOOD.iter().chain(BAD_SYNTAX).chain(others.iter()) {
        let pratt = cel::parser::PrattParser::new().parse(c).is_ok();
        let antlr = cel::parser::Parser::new().parse(c).is_ok();
        assert_eq!(pratt, antlr, "parsers disagree on {c:?}");
    }
}

#[test]
fn unknown_fields_suggest_a_field() {
    let p = problems("qty >= 0 && qty < 10");
    assert_eq!(p.len(), 1, "reported once: {p:#?}");
    assert_eq!(p[0].code, FindingCode::ConditionUnknownField);
    assert!(
        p[0].message.contains("`qty`") && p[0].message.contains("Stock"),
        "{:?}",
        p[0]
    );
    let p = problems("quantty > 1");
    assert!(
        p[0].message.contains("did you mean `quantity`?"),
        "{:?}",
        p[0]
    );
    assert_eq!(
        codes("order.total > 1"),
        vec![FindingCode::ConditionUnknownField]
    );
    // Comprehension variables are not fields.
    assert!(codes("[1].all(q, q > 0)").is_empty());
    assert_eq!(
        codes("[1].all(q, q > 0) && q > 1"),
        vec![FindingCode::ConditionUnknownField]
    );
}

#[test]
fn entity_without_fields_makes_identifiers_dynamic() {
    let mut e = stock();
    e.fields.clear();
    assert!(check_condition("anything > 3 && other == \"x\"", &e).is_empty());
    let p = check_condition("anything >", &e);
    assert_eq!(p[0].code, FindingCode::ConditionSyntax);
}

#[test]
fn type_mismatches() {
    for c in [
        "quantity == \"x\"",
        "status > 3",
        "!quantity",
        "sku + 1 == \"a\"",
        "quantity + 1",
        "quantity && active",
        "quantity + 1.5 > 2.0",
        "price * 2 > 1.0",
        "price % 2.0 == 0.0",
        "active < 3",
        "status in \"open\"",
        "quantity in [\"a\", \"b\"]",
        "sku.startsWith(1)",
        "quantity.startsWith(\"a\")",
        "size(quantity) > 1",
        "sku",
        "-sku == \"a\"",
        "quantity ? 1 : 2",
        "sku.length > 3",
        "quantity[0] == 1",
        "null > 1",
        "shipped > timestamp(\"2024-01-01T00:00:00Z\")",
        "timestamp(shipped) > 5",
        "timestamp(shipped) == duration(\"1h\")",
        "timestamp(active) > timestamp(shipped)",
        "duration(quantity) > duration(\"1h\")",
        "shipped.getFullYear() > 2020",
        "timestamp(shipped) + timestamp(shipped) > timestamp(shipped)",
    ] {
        let p = problems(c);
        assert!(
            p.iter()
                .any(|p| p.code == FindingCode::ConditionTypeMismatch),
            "{c}: expected a type mismatch, got {p:#?}"
        );
        assert!(p
            .iter()
            .all(|p| p.fix.is_some() && !p.message.contains('\n')));
    }
}

#[test]
fn fixes_fit_the_type_and_datetime_text_is_made_a_time() {
    let fix = |c: &str| problems(c)[0].fix.clone().unwrap();
    assert_eq!(fix("sku"), "compare it, e.g. `sku != \"\"`");
    assert_eq!(fix("quantity"), "compare it, e.g. `quantity > 0`");
    assert!(
        fix("shipped > timestamp(\"2024-01-01T00:00:00Z\")").contains("`timestamp(shipped)`"),
        "{}",
        fix("shipped > timestamp(\"2024-01-01T00:00:00Z\")")
    );
    assert!(fix("shipped.getFullYear() > 2020").contains("`timestamp(shipped).getFullYear()`"));
}

#[test]
fn messages_quote_the_condition() {
    let p = problems("quantity == \"x\"");
    assert!(p[0].message.contains("`quantity == \"x\"`"), "{:?}", p[0]);
    assert!(
        p[0].message.contains("an integer") && p[0].message.contains("text"),
        "{:?}",
        p[0]
    );
    let p = problems("quantity + 1");
    assert!(p[0].message.contains("not true or false"), "{:?}", p[0]);
}

#[test]
fn enum_values_are_checked() {
    let p = problems("status == \"hold\"");
    assert_eq!(p.len(), 1, "{p:#?}");
    assert_eq!(p[0].code, FindingCode::ConditionTypeMismatch);
    assert!(
        p[0].message.contains("did you mean \"held\"?"),
        "{:?}",
        p[0]
    );
    assert_eq!(
        codes("\"closed\" != status"),
        vec![FindingCode::ConditionTypeMismatch]
    );
    assert_eq!(
        codes("status in [\"open\", \"shipped\"]"),
        vec![FindingCode::ConditionTypeMismatch]
    );
    assert!(codes("status == \"held\"").is_empty());
}

#[test]
fn unknown_functions() {
    let p = problems("lenght(sku) > 3");
    assert_eq!(p.len(), 1, "{p:#?}");
    assert_eq!(p[0].code, FindingCode::ConditionUnknownFunction);
    let p = problems("sku.startWith(\"A\")");
    assert_eq!(p[0].code, FindingCode::ConditionUnknownFunction);
    assert!(
        p[0].message.contains("did you mean `startsWith`?"),
        "{:?}",
        p[0]
    );
}

#[test]
fn deeply_nested_or_huge_conditions_do_not_crash() {
    let deep = format!("{}quantity{} > 0", "(".repeat(5000), ")".repeat(5000));
    assert_eq!(codes(&deep), vec![FindingCode::ConditionSyntax]);
    let nots = format!("{}active", "!".repeat(5000));
    assert_eq!(codes(&nots), vec![FindingCode::ConditionSyntax]);
    let long = vec!["quantity > 0"; 2000].join(" && ");
    assert_eq!(codes(&long), vec![FindingCode::ConditionSyntax]);
    let chain = vec!["quantity"; 300].join(" + ") + " > 0";
    assert!(codes(&chain).is_empty(), "{:?}", codes(&chain));
    let ors = vec!["quantity > 0"; 300].join(" || ");
    assert!(codes(&ors).is_empty());
    // A chain deeper than the runtime evaluates safely is refused.
    let chain = vec!["quantity"; 600].join(" + ") + " > 0";
    let p = problems(&chain);
    assert_eq!(p.len(), 1, "{p:?}");
    assert_eq!(p[0].code, FindingCode::ConditionSyntax);
    assert!(p[0].message.contains("512"), "{p:?}");
    let chain = vec!["quantity"; 500].join(" + ") + " > 0";
    assert!(codes(&chain).is_empty());
}

#[test]
fn arbitrary_text_never_panics() {
    for c in [
        "\"unterminated",
        "'",
        "\\",
        "🦀 > 1",
        "a.b.c.d()",
        "[",
        "{",
        "}}}",
        "1 ? : 2",
        "has(quantity)",
        "has(x.y)",
        "x.all(",
        "0x",
        "1e999 > price",
        "b\"\\xff\" == b\"\"",
    ] {
        let _ = problems(c);
    }
}

const MODEL: &str = r#"{
  "format": "charter-model/1", "name": "m",
  "systems": [{"id": "erp", "name": "ERP", "kind": "erp"}, {"id": "fin", "name": "Finance", "kind": "finance"}],
  "entities": [{"id": "stock", "name": "Stock", "owner": "erp", "key": "sku",
     "fields": [{"name": "sku", "type": "string"}, {"name": "quantity", "type": "integer"},
                {"name": "status", "type": "enum", "values": ["open", "held"]}]}],
  "flows": [],
  "rules": [
    {"id": "r-syntax", "kind": "validate", "entity": "stock", "condition": "quantity >=", "action": "reject"},
    {"id": "r-field", "kind": "route", "entity": "stock", "condition": "quantty > 3", "to": ["fin"]},
    {"id": "r-type", "kind": "validate", "entity": "stock", "condition": "status > 3", "action": "flag"},
    {"id": "r-fn", "kind": "validate", "entity": "stock", "condition": "foo(quantity)", "action": "flag"},
    {"id": "r-ok", "kind": "validate", "entity": "stock", "condition": "quantity >= 0", "action": "reject"},
    {"id": "r-unknown-entity", "kind": "validate", "entity": "stok", "condition": "quantity >=", "action": "reject"}
  ]
}"#;

#[test]
fn rules_report_condition_findings() {
    let m = parse_model(MODEL).unwrap();
    let fs = check(&m);
    let of = |rule: &str| -> Vec<&str> {
        fs.iter()
            .filter(|f| f.subject == rule)
            .map(|f| f.code.as_str())
            .collect()
    };
    assert_eq!(of("r-syntax"), vec!["condition-syntax"]);
    assert_eq!(of("r-field"), vec!["condition-unknown-field"]);
    assert_eq!(of("r-type"), vec!["condition-type-mismatch"]);
    assert_eq!(of("r-fn"), vec!["condition-unknown-function"]);
    assert!(of("r-ok").is_empty());
    assert_eq!(
        of("r-unknown-entity"),
        vec!["unknown-reference", "condition-syntax"]
    );
    let f = fs.iter().find(|f| f.subject == "r-field").unwrap();
    assert_eq!(f.severity, Severity::Error);
    assert!(f.message.starts_with("rule `r-field` on Stock:"), "{f:?}");
    assert!(f.message.contains("did you mean `quantity`?"), "{f:?}");
}

#[test]
fn many_conditions_are_checked_and_timed() {
    // 10,000 distinct short conditions through the rule checks (parallel path).
    let mut rules = Vec::new();
    for i in 0..10_000 {
        let cond = if i % 1000 == 7 {
            format!("qty >= {i}")
        } else {
            format!("quantity >= {i} && status != \"held\"")
        };
        rules.push(
            serde_json::json!({"id": format!("r{i}"), "kind": "validate", "entity": "stock",
            "condition": cond, "action": "reject"}),
        );
    }
    let mut v: serde_json::Value = serde_json::from_str(MODEL).unwrap();
    v["rules"] = serde_json::Value::Array(rules);
    let m = parse_model(&v.to_string()).unwrap();
    let start = std::time::Instant::now();
    let fs = check(&m);
    let elapsed = start.elapsed();
    println!("checked 10,000 conditions in {elapsed:?}");
    let unknown: Vec<_> = fs
        .iter()
        .filter(|f| f.code == "condition-unknown-field")
        .collect();
    assert_eq!(unknown.len(), 10);
    assert_eq!(unknown[0].subject, "r7");
    assert_eq!(unknown[9].subject, "r9007");
    // Directly, one thread, no caching.
    let e = &m.entities[0];
    let start = std::time::Instant::now();
    let n: usize = (0..10_000)
        .map(|i| check_condition(&format!("quantity >= {i} && status != \"held\""), e).len())
        .sum();
    println!(
        "check_condition x10,000 on one thread: {:?}",
        start.elapsed()
    );
    assert_eq!(n, 0);
}

/// Issue 14: the checker agrees with CEL's type checker on lists and says
/// what is unsupported instead of denying that a function exists.
#[test]
fn mixed_lists_are_lists_of_dyn_as_in_cel() {
    for c in [
        "'elem' in [1, 'elem', 2]",
        "quantity in [1, \"a\", 2.5]",
        "sku in [\"A-1\", 2]",
        "status in [\"open\", null]",
        "quantity in [1, 2.0]",
    ] {
        let p = problems(c);
        assert!(p.is_empty(), "{c}: {p:#?}");
    }
    // A list of one type is that type's list: looking for another type in it
    // is refused, as CEL's checker refuses it.
    for c in [
        "sku in [1, 2]",
        "quantity in [\"a\", \"b\"]",
        "active in [1]",
    ] {
        assert_eq!(codes(c), vec![FindingCode::ConditionTypeMismatch], "{c}");
    }
    // Enum values are still checked in a mixed list.
    assert_eq!(
        codes("status in [\"open\", \"shipped\", 1]"),
        vec![FindingCode::ConditionTypeMismatch]
    );
}

#[test]
fn unsupported_forms_are_named() {
    let p = problems("[1, 2].exists(i, v, v > 1)");
    assert_eq!(p.len(), 1, "{p:#?}");
    assert_eq!(p[0].code, FindingCode::ConditionUnknownFunction);
    assert_eq!(
        p[0].message,
        "the two-variable form of `exists` is not supported"
    );
    assert!(p[0].fix.as_deref().unwrap().contains("exists(x, x > 0)"));
    let p = problems("[1, 2].all(i, v, v > 1)");
    assert_eq!(
        p[0].message,
        "the two-variable form of `all` is not supported"
    );
    let p = problems("[3, 1].sort() == [1, 3]");
    assert_eq!(p[0].code, FindingCode::ConditionUnknownFunction);
    assert!(
        p[0].message.contains("extension library") && p[0].message.contains("`sort`"),
        "{:?}",
        p[0]
    );
    for c in ["max(quantity, 1) > 2", "sku.isEmpty()"] {
        let p = problems(c);
        assert_eq!(p.len(), 1, "{c}: {p:#?}");
        assert!(p[0].message.contains("extension library"), "{c}: {p:?}");
    }
    let p = problems("lenght(sku) > 3");
    assert!(
        p[0].message.contains("is not a function Charter supports"),
        "{:?}",
        p[0]
    );
    assert!(!p[0].message.contains("not a CEL function"));
}

/// `timestamp()` of a `date` field or of text that is not an RFC 3339 time
/// always fails at run time: the checker says so.
#[test]
fn timestamps_need_rfc3339_text() {
    for c in [
        "timestamp(received) > timestamp(\"2024-01-01T00:00:00Z\")",
        "timestamp(shipped) > timestamp(\"2024-01-01\")",
        "timestamp(shipped) > timestamp(\"2024-13-01T00:00:00Z\")",
        "timestamp(shipped) > timestamp(\"2024-01-01T00:00:00\")",
    ] {
        let p = problems(c);
        assert_eq!(p.len(), 1, "{c}: {p:#?}");
        assert_eq!(p[0].code, FindingCode::ConditionTypeMismatch, "{c}");
    }
    let p = problems("timestamp(received) > timestamp(shipped)");
    assert!(
        p[0].fix
            .as_deref()
            .unwrap()
            .contains("timestamp(received + \"T00:00:00Z\")"),
        "{p:?}"
    );
    for c in [
        "timestamp(shipped) > timestamp(\"2024-01-01T00:00:00Z\")",
        "timestamp(shipped) > timestamp(\"2024-01-01t00:00:00.123456789-05:30\")",
        "timestamp(received + \"T00:00:00Z\") < timestamp(shipped)",
    ] {
        assert!(problems(c).is_empty(), "{c}: {:?}", problems(c));
    }
}
