//! The condition form: form → CEL → form round trips, every CEL it writes
//! passes the condition checker, clear errors for forms that make no
//! condition, and the sample models' conditions read back into forms.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use charter_model::condition_form::{
    cel_to_form, form_to_cel, Clause, ClauseOp, ConditionForm, ConditionFormError, ConditionGroup,
    ConditionItem, Join,
};
use charter_model::conditions::check_condition;
use charter_model::model::{Entity, Field, FieldType};
use charter_model::read_model_file;
use proptest::prelude::*;
use std::path::PathBuf;

fn field(name: &str, t: FieldType) -> Field {
    serde_json::from_value(serde_json::json!({"name": name, "type": t.as_str()})).unwrap()
}

fn entity() -> Entity {
    let mut e: Entity = serde_json::from_value(serde_json::json!({
        "id": "order", "name": "Order", "key": "id", "fields": []
    }))
    .unwrap();
    e.fields = vec![
        field("id", FieldType::String),
        field("note", FieldType::String),
        field("lines", FieldType::Integer),
        field("maxLines", FieldType::Integer),
        field("total", FieldType::Number),
        field("weightKg", FieldType::Number),
        field("paid", FieldType::Boolean),
        field("placed", FieldType::Date),
        field("shippedAt", FieldType::Datetime),
    ];
    let mut status = field("status", FieldType::Enum);
    status.values = Some(vec!["open".into(), "held".into(), "say \"hi\"\\now".into()]);
    e.fields.push(status);
    e
}

fn clean(cel: &str, e: &Entity) {
    let problems = check_condition(cel, e);
    assert!(problems.is_empty(), "`{cel}`: {problems:?}");
}

fn clause(field: &str, op: ClauseOp, value: &str) -> ConditionItem {
    ConditionItem::Clause(Clause::new(field, op, value))
}

fn form(join: Join, items: Vec<ConditionItem>) -> ConditionForm {
    ConditionForm { join, items }
}

#[test]
fn writes_typed_literals_and_joins() {
    let e = entity();
    let f = form(
        Join::All,
        vec![
            clause("lines", ClauseOp::Gt, "0"),
            clause("total", ClauseOp::Ge, "0"),
            clause("status", ClauseOp::Ne, "held"),
            clause("paid", ClauseOp::Eq, "true"),
        ],
    );
    let cel = form_to_cel(&e, &f).unwrap();
    assert_eq!(
        cel,
        "lines > 0 && total >= 0.0 && status != \"held\" && paid == true"
    );
    clean(&cel, &e);
    assert_eq!(cel_to_form(&e, &cel).unwrap(), f);
}

#[test]
fn groups_are_parenthesised_and_join_the_other_way() {
    let e = entity();
    let f = form(
        Join::Any,
        vec![
            clause("total", ClauseOp::Gt, "5000"),
            ConditionItem::Group(ConditionGroup {
                clauses: vec![
                    Clause::new("note", ClauseOp::Eq, "SEK"),
                    Clause::new("total", ClauseOp::Gt, "50000.5"),
                ],
            }),
        ],
    );
    let cel = form_to_cel(&e, &f).unwrap();
    assert_eq!(
        cel,
        "total > 5000.0 || (note == \"SEK\" && total > 50000.5)"
    );
    clean(&cel, &e);
    assert_eq!(cel_to_form(&e, &cel).unwrap(), f);
}

#[test]
fn strings_are_escaped() {
    let e = entity();
    let nasty = "a \"quoted\" back\\slash\nnew line\ttab\u{1} é 🐟 ' `";
    let f = form(Join::All, vec![clause("note", ClauseOp::Eq, nasty)]);
    let cel = form_to_cel(&e, &f).unwrap();
    assert!(!cel.contains('\n'));
    clean(&cel, &e);
    assert_eq!(cel_to_form(&e, &cel).unwrap(), f);
}

#[test]
fn presence_lists_text_methods_and_field_comparisons() {
    let e = entity();
    let f = form(
        Join::All,
        vec![
            clause("note", ClauseOp::Present, ""),
            clause("placed", ClauseOp::Absent, ""),
            ConditionItem::Clause(Clause {
                values: vec!["open".into(), "held".into()],
                ..Clause::new("status", ClauseOp::In, "")
            }),
            ConditionItem::Clause(Clause {
                values: vec!["-3".into(), "7".into()],
                ..Clause::new("lines", ClauseOp::NotIn, "")
            }),
            clause("id", ClauseOp::StartsWith, "SO-"),
            clause("note", ClauseOp::Contains, "rush"),
            clause("note", ClauseOp::EndsWith, "!"),
            clause("id", ClauseOp::Matches, "^SO-[0-9]+$"),
            ConditionItem::Clause(Clause {
                other_field: Some("maxLines".into()),
                ..Clause::new("lines", ClauseOp::Le, "")
            }),
            ConditionItem::Clause(Clause {
                other_field: Some("lines".into()),
                ..Clause::new("total", ClauseOp::Gt, "")
            }),
            clause("shippedAt", ClauseOp::Ge, "2026-01-01T00:00:00Z"),
        ],
    );
    let cel = form_to_cel(&e, &f).unwrap();
    assert!(cel.contains("has(data.note)"), "{cel}");
    assert!(cel.contains("!has(data.placed)"), "{cel}");
    assert!(cel.contains("!(lines in [-3, 7])"), "{cel}");
    assert!(cel.contains("lines <= maxLines"), "{cel}");
    clean(&cel, &e);
    assert_eq!(cel_to_form(&e, &cel).unwrap(), f);
}

#[test]
fn errors_name_the_problem() {
    let e = entity();
    let one = |c: Clause| form_to_cel(&e, &form(Join::All, vec![ConditionItem::Clause(c)]));
    assert_eq!(
        form_to_cel(&e, &form(Join::All, vec![])),
        Err(ConditionFormError::Empty)
    );
    assert!(matches!(
        one(Clause::new("nope", ClauseOp::Eq, "1")),
        Err(ConditionFormError::UnknownField { .. })
    ));
    assert!(matches!(
        one(Clause::new("lines", ClauseOp::Contains, "1")),
        Err(ConditionFormError::UnsuitableOperator { .. })
    ));
    assert!(matches!(
        one(Clause::new("paid", ClauseOp::Lt, "true")),
        Err(ConditionFormError::UnsuitableOperator { .. })
    ));
    assert!(matches!(
        one(Clause::new("lines", ClauseOp::Eq, "1.5")),
        Err(ConditionFormError::BadValue { .. })
    ));
    assert!(matches!(
        one(Clause::new("total", ClauseOp::Eq, "")),
        Err(ConditionFormError::BadValue { .. })
    ));
    assert!(matches!(
        one(Clause::new("total", ClauseOp::Eq, "inf")),
        Err(ConditionFormError::BadValue { .. })
    ));
    assert!(matches!(
        one(Clause::new("paid", ClauseOp::Eq, "yes")),
        Err(ConditionFormError::BadValue { .. })
    ));
    assert!(matches!(
        one(Clause::new("status", ClauseOp::Eq, "closed")),
        Err(ConditionFormError::NotAnEnumValue { .. })
    ));
    assert!(matches!(
        one(Clause::new("status", ClauseOp::In, "")),
        Err(ConditionFormError::EmptyList { .. })
    ));
    assert!(matches!(
        one(Clause {
            other_field: Some("note".into()),
            ..Clause::new("lines", ClauseOp::Lt, "")
        }),
        Err(ConditionFormError::BadFieldComparison { .. })
    ));
    assert!(matches!(
        form_to_cel(
            &e,
            &form(
                Join::All,
                vec![ConditionItem::Group(ConditionGroup { clauses: vec![] })]
            )
        ),
        Err(ConditionFormError::EmptyGroup)
    ));
    // Messages are one line and name the field.
    let msg = one(Clause::new("lines", ClauseOp::Eq, "x"))
        .unwrap_err()
        .to_string();
    assert!(msg.contains("lines") && !msg.contains('\n'), "{msg}");
}

#[test]
fn other_shapes_are_not_forms() {
    let e = entity();
    for cel in [
        "",
        "lines +",
        "lines + 1 > 2",
        "size(note) > 3",
        "nope > 1",
        "lines > \"x\"",
        "status == \"closed\"",
        "lines > 1 ? paid : false",
        "(lines > 1 && (total > 1 || (paid && lines < 3)))",
        "note.lowerAscii() == \"x\"",
        "[1, 2].all(x, x > 0)",
        "lines in []",
        "has(other.lines)",
        "total",
    ] {
        assert_eq!(cel_to_form(&e, cel), None, "{cel}");
    }
}

#[test]
fn equivalent_shapes_are_read() {
    let e = entity();
    let f = cel_to_form(&e, "paid && !paid && 0 < lines && 'x' == note && total > 3").unwrap();
    assert_eq!(
        f,
        form(
            Join::All,
            vec![
                clause("paid", ClauseOp::Eq, "true"),
                clause("paid", ClauseOp::Eq, "false"),
                clause("lines", ClauseOp::Gt, "0"),
                clause("note", ClauseOp::Eq, "x"),
                clause("total", ClauseOp::Gt, "3"),
            ]
        )
    );
    // A single group becomes the form's own join.
    let f = cel_to_form(&e, "(lines > 1 || total < 2.5)").unwrap();
    assert_eq!(f.join, Join::Any);
    assert_eq!(f.items.len(), 2);
}

fn samples() -> Vec<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("examples");
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().ends_with(".model.json"))
        .collect();
    out.sort();
    out
}

#[test]
fn sample_conditions_are_read_and_written_back_equivalently() {
    let mut seen = 0;
    for path in samples() {
        let model = read_model_file(&path).unwrap();
        for rule in model.rules() {
            let (Some(cel), Some(entity_id)) = (rule.condition(), rule.entity()) else {
                continue;
            };
            let entity = model.entity(entity_id).unwrap();
            seen += 1;
            let form = cel_to_form(entity, cel)
                .unwrap_or_else(|| panic!("{}: `{cel}` is not read", path.display()));
            let written = form_to_cel(entity, &form).unwrap();
            clean(&written, entity);
            // The same syntax tree, apart from spacing and number spelling.
            assert_eq!(cel_to_form(entity, &written).unwrap(), form);
            assert_eq!(
                written.replace(' ', ""),
                cel.replace(' ', ""),
                "{}",
                path.display()
            );
        }
    }
    assert!(seen >= 20, "only {seen} sample conditions");
}

// ---- property: form → CEL → form ----

fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-zA-Z0-9 _-]{0,12}",
        any::<String>().prop_map(|s| s.chars().take(20).collect()),
        Just("say \"hi\"\\now".to_string()),
    ]
}

fn number() -> impl Strategy<Value = String> {
    prop_oneof![
        (-1_000_000i64..1_000_000).prop_map(|i| i.to_string()),
        any::<f64>()
            .prop_filter("finite", |x| x.is_finite())
            .prop_map(|x| format!("{x}")),
        (-1000.0f64..1000.0).prop_map(|x| format!("{x}")),
    ]
}

fn integer() -> impl Strategy<Value = String> {
    prop_oneof![
        (i64::MIN + 1..=i64::MAX).prop_map(|i| i.to_string()),
        (-100i64..100).prop_map(|i| i.to_string()),
    ]
}

fn enum_value() -> impl Strategy<Value = String> {
    prop::sample::select(vec![
        "open".to_string(),
        "held".to_string(),
        "say \"hi\"\\now".to_string(),
    ])
}

fn value_for(field: &'static str) -> BoxedStrategy<String> {
    match field {
        "lines" | "maxLines" => integer().boxed(),
        "total" | "weightKg" => number().boxed(),
        "paid" => prop::bool::ANY.prop_map(|b| b.to_string()).boxed(),
        "status" => enum_value().boxed(),
        _ => text().boxed(),
    }
}

fn field_type(name: &str) -> FieldType {
    entity().field(name).unwrap().field_type
}

fn arb_clause() -> impl Strategy<Value = Clause> {
    let fields = vec![
        "id",
        "note",
        "lines",
        "maxLines",
        "total",
        "weightKg",
        "paid",
        "placed",
        "shippedAt",
        "status",
    ];
    (prop::sample::select(fields), any::<prop::sample::Index>()).prop_flat_map(|(f, op_ix)| {
        let ops = ClauseOp::for_type(field_type(f));
        let op = ops[op_ix.index(ops.len())];
        let values = prop::collection::vec(value_for(f), 1..4);
        let other = match field_type(f) {
            FieldType::Integer | FieldType::Number => {
                prop::sample::select(vec!["lines", "maxLines", "total", "weightKg"]).boxed()
            }
            FieldType::Boolean => Just("paid").boxed(),
            _ => prop::sample::select(vec!["id", "note", "placed", "shippedAt"]).boxed(),
        };
        (value_for(f), values, other, any::<bool>()).prop_map(
            move |(value, values, other, compare_fields)| {
                let mut c = Clause::new(f, op, "");
                match op {
                    ClauseOp::Present | ClauseOp::Absent => {}
                    ClauseOp::In | ClauseOp::NotIn => c.values = values,
                    _ if compare_fields && op.takes_other_field() && f != other => {
                        c.other_field = Some(other.to_string())
                    }
                    _ => c.value = value,
                }
                c
            },
        )
    })
}

fn arb_form() -> impl Strategy<Value = ConditionForm> {
    let item = prop_oneof![
        3 => arb_clause().prop_map(ConditionItem::Clause),
        1 => prop::collection::vec(arb_clause(), 2..4)
            .prop_map(|clauses| ConditionItem::Group(ConditionGroup { clauses })),
    ];
    (
        prop_oneof![Just(Join::All), Just(Join::Any)],
        prop::collection::vec(item, 1..5),
    )
        .prop_map(|(join, items)| {
            // One item: a group is the form itself, and the join of a single
            // clause is "all" (what reading gives).
            if let [only] = items.as_slice() {
                return match only {
                    ConditionItem::Group(g) => ConditionForm {
                        join: join.other(),
                        items: g
                            .clauses
                            .iter()
                            .cloned()
                            .map(ConditionItem::Clause)
                            .collect(),
                    },
                    ConditionItem::Clause(_) => ConditionForm {
                        join: Join::All,
                        items,
                    },
                };
            }
            ConditionForm { join, items }
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn form_cel_form_round_trips(f in arb_form()) {
        let e = entity();
        let cel = form_to_cel(&e, &f).unwrap();
        let problems = check_condition(&cel, &e);
        prop_assert!(problems.is_empty(), "`{}`: {:?}", cel, problems);
        let back = cel_to_form(&e, &cel);
        prop_assert_eq!(back.as_ref(), Some(&f), "`{}`", cel);
        prop_assert_eq!(form_to_cel(&e, &f).unwrap(), cel);
    }

    #[test]
    fn reading_never_panics(s in any::<String>()) {
        let e = entity();
        if let Some(f) = cel_to_form(&e, &s) {
            // What is read is a form that writes a valid condition.
            let cel = form_to_cel(&e, &f).unwrap();
            prop_assert!(check_condition(&cel, &e).is_empty());
        }
    }

    #[test]
    fn serde_round_trips(f in arb_form()) {
        let json = serde_json::to_string(&f).unwrap();
        let back: ConditionForm = serde_json::from_str(&json).unwrap();
        prop_assert_eq!(back, f);
    }
}
