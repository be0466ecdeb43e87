#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! The ownership matrix (CSV, Markdown) and the Mermaid flowchart.

use charter_model::documents::{mermaid, ownership_matrix, MatrixFormat};
use charter_model::{parse_model, Model};
use serde_json::json;

fn model() -> Model {
    let v = json!({
        "format": "charter-model/1", "name": "Shop | \"East\"",
        "systems": [
            {"id": "erp", "name": "ERP", "kind": "erp"},
            {"id": "shop", "name": "=Store, \"front\"", "kind": "ecommerce"},
            {"id": "wms", "name": "<b>WMS</b> #1", "kind": "wms"}
        ],
        "entities": [
            {"id": "stock", "name": "Stock", "owner": "erp", "key": "sku", "fields": [], "copies": ["shop"]},
            {"id": "order", "name": "Order|x", "owner": "shop", "key": "id", "fields": [], "copies": []}
        ],
        "flows": [
            {"id": "f1", "entity": "stock", "from": "erp", "to": "shop", "pattern": "event", "trigger": "system", "ack": true},
            {"id": "f2", "entity": "order", "from": "wms", "to": "shop", "pattern": "request", "trigger": "user"}
        ]
    });
    parse_model(&v.to_string()).unwrap()
}

#[test]
fn matrix_as_csv() {
    let csv = ownership_matrix(&model(), MatrixFormat::Csv);
    let lines: Vec<&str> = csv.split("\r\n").collect();
    assert_eq!(lines[0], "entity,name,erp,shop,wms");
    assert_eq!(lines[1], "stock,Stock,owner,copy,");
    assert_eq!(lines[2], "order,Order|x,,owner,");
    assert_eq!(lines.len(), 4, "{csv:?}"); // header, 2 rows, trailing empty
}

#[test]
fn csv_quotes_and_guards_formulas() {
    let mut m = model();
    m.entities[0].name = "=HYPERLINK(\"x\")".into();
    let csv = ownership_matrix(&m, MatrixFormat::Csv);
    assert!(
        csv.contains("stock,\"'=HYPERLINK(\"\"x\"\")\",owner"),
        "{csv}"
    );
}

#[test]
fn matrix_as_markdown() {
    let md = ownership_matrix(&model(), MatrixFormat::Markdown);
    assert!(
        md.starts_with("# Ownership matrix: Shop \\| \"East\"\n"),
        "{md}"
    );
    assert!(
        md.contains("| Entity | ERP | =Store, \"front\" | \\<b\\>WMS\\</b\\> \\#1 |"),
        "{md}"
    );
    assert!(md.contains("| Stock | **Owner** | Copy |  |"), "{md}");
    assert!(md.contains("| Order\\|x |  | **Owner** |  |"), "{md}");
}

#[test]
fn mermaid_flowchart() {
    let mm = mermaid(&model());
    let lines: Vec<&str> = mm.lines().collect();
    assert_eq!(lines[0], "flowchart LR");
    assert_eq!(lines[1], "  s0[\"ERP<br/>owns: Stock\"]");
    assert_eq!(
        lines[2],
        "  s1[\"=Store, #quot;front#quot;<br/>owns: Order#124;x\"]"
    );
    assert_eq!(lines[3], "  s2[\"#lt;b#gt;WMS#lt;/b#gt; #35;1\"]");
    assert_eq!(lines[4], "  s0 -->|\"Stock (event)\"| s1");
    assert_eq!(lines[5], "  s2 -.->|\"Order#124;x (request), no ack\"| s1");
    assert_eq!(lines.len(), 6);
}

#[test]
fn mermaid_skips_flows_naming_unknown_systems() {
    let mut m = model();
    m.flows[0].to = "nowhere".into();
    let mm = mermaid(&m);
    assert!(!mm.contains("Stock (event)"), "{mm}");
}
