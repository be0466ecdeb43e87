//! CSV imports: the ownership matrix Charter exports reads back; plain
//! lists of systems and of flows; bad tables are one error.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use charter_model::documents::{ownership_matrix, MatrixFormat};
use charter_model::file::{model_to_string, parse_model};
use charter_model::import::{import_bytes, import_file, Format};
use charter_model::model::{Model, Pattern};
use std::path::PathBuf;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn reads_back(m: &Model) -> Model {
    parse_model(&model_to_string(m)).unwrap_or_else(|p| {
        panic!(
            "imported model does not read: {}",
            p.iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("\n")
        )
    })
}

#[test]
fn ownership_matrix_round_trips_for_every_sample() {
    for name in [
        "seafood.model.json",
        "ecommerce.model.json",
        "ecommerce-before.model.json",
    ] {
        let text = std::fs::read_to_string(repo().join("models/examples").join(name)).unwrap();
        let original = parse_model(&text).unwrap();
        let csv = ownership_matrix(&original, MatrixFormat::Csv);
        let i = import_bytes(csv.as_bytes(), None, "m").unwrap();
        assert_eq!(i.format, Format::Csv, "{name}");
        let m = reads_back(&i.model);
        let ids = |m: &Model| m.systems.iter().map(|s| s.id.clone()).collect::<Vec<_>>();
        assert_eq!(ids(&m), ids(&original), "{name}");
        assert_eq!(m.entities.len(), original.entities.len(), "{name}");
        for (a, b) in m.entities.iter().zip(&original.entities) {
            assert_eq!(
                (&a.id, &a.name, &a.owner),
                (&b.id, &b.name, &b.owner),
                "{name}"
            );
            let mut copies = b.copies.clone();
            copies.retain(|c| Some(c) != b.owner.as_ref() && original.system(c).is_some());
            let order: Vec<String> = original
                .systems
                .iter()
                .map(|s| s.id.clone())
                .filter(|s| copies.contains(s))
                .collect();
            assert_eq!(a.copies, order, "{name}: {}", a.id);
        }
        assert!(i.unplaced.is_empty(), "{name}: {:?}", i.unplaced);
    }
}

#[test]
fn system_and_flow_lists() {
    let s = import_file(&repo().join("tests/imports/seafood-systems.csv"), None).unwrap();
    let m = reads_back(&s.model);
    let rows: Vec<(&str, &str, Option<&str>)> = m
        .systems
        .iter()
        .map(|s| (s.id.as_str(), s.kind.as_str(), s.team.as_deref()))
        .collect();
    assert_eq!(
        rows,
        vec![
            ("erp", "erp", Some("Finance IT")),
            ("warehouse-system", "wms", Some("Logistics")),
            ("production", "production", Some("Plant IT")),
            ("arhus-cold-store", "wms", None),
            ("hyperlink-http-x", "other", None),
        ]
    );
    // The formula is text, not a formula.
    assert_eq!(m.systems[4].name, "=HYPERLINK(\"http://x\")");

    let f = import_file(&repo().join("tests/imports/seafood-flows.csv"), None).unwrap();
    let m = reads_back(&f.model);
    assert_eq!(m.flows.len(), 4);
    let approval = m
        .flows
        .iter()
        .find(|f| f.entity == "lot-release-approval")
        .unwrap();
    assert_eq!(approval.pattern, Pattern::Request);
    assert_eq!(
        m.entity("stock-level").unwrap().owner.as_deref(),
        Some("warehouse-system")
    );
    assert!(
        f.unplaced.iter().any(|u| u.contains("row 6")),
        "{:?}",
        f.unplaced
    );
}

#[test]
fn bad_tables_are_one_error() {
    for (text, want) in [
        ("a,b\n1,2\n", "is not an ownership matrix"),
        (
            "entity,name,erp\n\"unterminated\n",
            "not an ownership matrix",
        ),
    ] {
        let e = import_bytes(text.as_bytes(), Some(Format::Csv), "m");
        match e {
            Err(e) => {
                let s = e.to_string();
                assert!(s.contains(want) || s.contains("row"), "{s}");
                assert_eq!(s.lines().count(), 1);
            }
            Ok(i) => {
                reads_back(&i.model);
            }
        }
    }
    let e = import_bytes(b"a,b\n1,2\n", None, "m")
        .unwrap_err()
        .to_string();
    assert!(e.contains("is not an ownership matrix"), "{e}");
    // A matrix cell that is neither owner nor copy is listed.
    let i = import_bytes(
        b"entity,name,erp,shop\nstock,Stock,owner,maybe\n",
        None,
        "m",
    )
    .unwrap();
    assert!(i.unplaced[0].contains("`maybe` is neither owner nor copy"));
    assert_eq!(i.model.entities[0].owner.as_deref(), Some("erp"));
    // Two owners: left open, said.
    let i = import_bytes(
        b"entity,name,erp,shop\nstock,Stock,owner,owner\n",
        None,
        "m",
    )
    .unwrap();
    assert_eq!(i.model.entities[0].owner, None);
    assert!(i
        .summary
        .iter()
        .any(|l| l.contains("erp, shop are all marked owner")));
}
