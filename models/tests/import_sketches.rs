//! Excalidraw and draw.io imports: the sample sketches in tests/imports/,
//! bindings, snapping, labels, deleted and unplaced elements; hostile input
//! (billion laughs, deflate bombs, DTDs, truncation, markup) is one error.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use charter_model::file::{model_to_string, parse_model};
use charter_model::import::{import_bytes, import_file, Format, ImportError, Imported};
use charter_model::model::{Model, Pattern};
use std::io::Write;
use std::path::PathBuf;

fn sample(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/imports")
        .join(name)
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

fn flow<'a>(m: &'a Model, entity: &str, from: &str, to: &str) -> &'a charter_model::model::Flow {
    m.flows
        .iter()
        .find(|f| f.entity == entity && f.from == from && f.to == to)
        .unwrap_or_else(|| panic!("no flow {entity} {from} -> {to} in {:#?}", m.flows))
}

#[test]
fn excalidraw_whiteboard() {
    let i = import_file(&sample("ecommerce-whiteboard.excalidraw"), None).unwrap();
    assert_eq!(i.format, Format::Excalidraw);
    let m = reads_back(&i.model);
    let names: Vec<&str> = m.systems.iter().map(|s| s.name.as_str()).collect();
    // The deleted "Legacy WMS" is skipped; a two-line label is one name.
    assert_eq!(names, vec!["Storefront", "ERP", "Order management", "3PL"]);
    assert!(i.summary.iter().any(|l| l == "2 deleted elements skipped"));
    // Bound arrows, labels as entity and pattern, dashed = request.
    assert_eq!(
        flow(&m, "stock", "erp", "storefront").pattern,
        Pattern::Event
    );
    assert_eq!(
        flow(&m, "stock", "storefront", "erp").pattern,
        Pattern::Request
    );
    assert_eq!(
        flow(&m, "shipment", "order-management", "3pl").pattern,
        Pattern::Request
    );
    assert_eq!(m.entity("stock").unwrap().owner.as_deref(), Some("erp"));
    // The unbound ShipmentBooked arrow is snapped: from the 3PL to the ERP.
    assert_eq!(flow(&m, "shipment", "3pl", "erp").pattern, Pattern::Event);
    assert!(i.summary.iter().any(|l| l.contains("snapped")));
    // Far from everything: listed, like the free text and the drawing.
    let u = i.unplaced.join("\n");
    assert!(
        u.contains("arrow a6: arrow \"Invoice\" not imported"),
        "{u}"
    );
    assert!(u.contains("TODO: ask finance"), "{u}");
    assert!(u.contains("freedraw"), "{u}");
}

#[test]
fn drawio_plain_and_compressed_give_the_same_model() {
    let plain = import_file(&sample("seafood-landscape.drawio"), None).unwrap();
    let packed = import_file(&sample("seafood-landscape-compressed.drawio"), None).unwrap();
    assert_eq!(plain.format, Format::Drawio);
    assert_eq!(packed.format, Format::Drawio);
    let (a, b) = (reads_back(&plain.model), reads_back(&packed.model));
    assert_eq!(a.systems, b.systems);
    assert_eq!(a.entities, b.entities);
    assert_eq!(a.flows, b.flows);
    let names: Vec<&str> = a.systems.iter().map(|s| s.name.as_str()).collect();
    // HTML labels are text; the "Plant" swimlane is a group, not a system.
    assert_eq!(
        names,
        vec![
            "ERP",
            "Warehouse system",
            "Production",
            "Quality system",
            "Transport portal",
            "Data platform"
        ]
    );
    assert!(plain
        .summary
        .iter()
        .any(|l| l.contains("container \"Plant\"")));
    // `<i>Stock</i> updated` from the warehouse: stock, event, owned by it.
    assert_eq!(
        a.entity("stock").unwrap().owner.as_deref(),
        Some("warehouse-system")
    );
    // A dashed edge whose label is a label cell on it: a request.
    assert_eq!(
        flow(&a, "approval", "production", "quality-system").pattern,
        Pattern::Request
    );
    // Edge ends given only as points are snapped to the nearest vertex.
    flow(&a, "shipment", "transport-portal", "data-platform");
    let u = plain.unplaced.join("\n");
    assert!(u.contains("edge e8"), "{u}");
    assert!(u.contains("remember the Friday export"), "{u}");
}

fn err(bytes: &[u8], format: Option<Format>) -> String {
    let e = import_bytes(bytes, format, "m").unwrap_err();
    let s = e.to_string();
    assert_eq!(s.lines().count(), 1, "{s}");
    s
}

#[test]
fn hostile_xml_is_refused() {
    let laughs = r#"<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
]>
<mxfile><diagram name="x"><mxGraphModel><root><mxCell id="a" value="&lol3;" vertex="1"/></root></mxGraphModel></diagram></mxfile>"#;
    let e = err(laughs.as_bytes(), Some(Format::Drawio));
    assert!(e.contains("DTD"), "{e}");
    // Recognised as draw.io from the content, still refused.
    let e = err(laughs.as_bytes(), None);
    assert!(e.contains("DTD"), "{e}");
    let e = err(b"<mxfile><diagram>", Some(Format::Drawio));
    assert!(e.contains("not well-formed XML"), "{e}");
    let e = err(b"<svg><g/></svg>", Some(Format::Drawio));
    assert!(e.contains("<svg>"), "{e}");
    let e = err(b"<mxfile/>", None);
    assert!(e.contains("no <diagram>"), "{e}");
}

fn compressed_page(payload: &[u8]) -> String {
    use base64::Engine as _;
    let mut enc = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::best());
    enc.write_all(payload).unwrap();
    let data = base64::engine::general_purpose::STANDARD.encode(enc.finish().unwrap());
    format!("<mxfile><diagram name=\"bomb\">{data}</diagram></mxfile>")
}

#[test]
fn deflate_bombs_and_bad_pages_are_refused() {
    // 64 MiB of spaces compresses to ~64 KB: refused past the cap, not inflated whole.
    let bomb = compressed_page(&vec![b' '; 64 << 20]);
    assert!(bomb.len() < 200_000);
    let e = err(bomb.as_bytes(), None);
    assert!(e.contains("inflate to more than"), "{e}");
    let e = err(b"<mxfile><diagram>%%%not base64</diagram></mxfile>", None);
    assert!(e.contains("not base64"), "{e}");
    let e = err(b"<mxfile><diagram>AAAA</diagram></mxfile>", None);
    assert!(
        e.contains("does not inflate") || e.contains("not well-formed"),
        "{e}"
    );
    // An inflated page with a DTD is refused too.
    let inner = compressed_page(b"<!DOCTYPE x [<!ENTITY a \"b\">]><mxGraphModel/>");
    let e = err(inner.as_bytes(), None);
    assert!(e.contains("DTD"), "{e}");
}

#[test]
fn bad_excalidraw_is_one_error() {
    let e = err(b"{\"type\":\"excalidraw\",\"elements\":", None);
    assert!(e.contains("not JSON"), "{e}");
    let e = err(b"{\"type\":\"excalidraw\"}", Some(Format::Excalidraw));
    assert!(e.contains("no `elements`"), "{e}");
    let e = err(b"{\"type\":\"figma\",\"elements\":[]}", None);
    assert!(e.contains("not excalidraw"), "{e}");
    let e = err(b"{\"a\":1}", None);
    assert!(e.contains("cannot tell the format"), "{e}");
    // Deep nesting is a JSON error, not a stack overflow.
    let deep = format!(
        "{{\"elements\":{}{}}}",
        "[".repeat(100_000),
        "]".repeat(100_000)
    );
    let _ = import_bytes(deep.as_bytes(), None, "m");
    // Wrong types inside elements are skipped, not a panic.
    let odd = br#"{"type":"excalidraw","elements":[1,"x",null,{"type":"arrow","points":"no"},{"type":"rectangle","id":7},{"type":"text","text":5,"containerId":[]}]}"#;
    let i = import_bytes(odd, None, "m").unwrap();
    reads_back(&i.model);
}

#[test]
fn truncated_sketches_never_panic_or_half_import() {
    for name in [
        "ecommerce-whiteboard.excalidraw",
        "seafood-landscape.drawio",
        "seafood-landscape-compressed.drawio",
    ] {
        let full = std::fs::read(sample(name)).unwrap();
        let step = (full.len() / 300).max(1);
        for cut in (0..full.len()).step_by(step) {
            match import_bytes(&full[..cut], None, "m") {
                Ok(i) => {
                    reads_back(&i.model);
                }
                Err(ImportError::Invalid { .. } | ImportError::UnknownFormat)
                | Err(ImportError::Empty | ImportError::NotUtf8(_)) => {}
                Err(e) => panic!("{name} cut at {cut}: {e}"),
            }
        }
    }
}

#[test]
fn markup_and_control_characters_in_labels_stay_text() {
    let scene = serde_json::json!({
        "type": "excalidraw",
        "elements": [
            {"id": "a", "type": "rectangle", "x": 0, "y": 0, "width": 100, "height": 50},
            {"id": "at", "type": "text", "containerId": "a", "text": "<img src=x onerror=alert(1)>ERP\u{0}\u{1b}[2J"},
            {"id": "b", "type": "rectangle", "x": 300, "y": 0, "width": 100, "height": 50},
            {"id": "bt", "type": "text", "containerId": "b", "text": "Shop\u{202e}"},
            {"id": "r", "type": "arrow", "x": 100, "y": 25, "points": [[0, 0], [200, 0]],
             "startBinding": {"elementId": "a"}, "endBinding": {"elementId": "b"}},
            {"id": "rt", "type": "text", "containerId": "r", "text": "<script>Stock</script>"}
        ]
    });
    let i = import_bytes(scene.to_string().as_bytes(), None, "m").unwrap();
    let m = reads_back(&i.model);
    assert_eq!(m.systems[0].name, "ERP[2J");
    assert_eq!(m.systems[1].name, "Shop");
    assert_eq!(m.entities[0].name, "Stock");
}

fn big_excalidraw(n: usize) -> String {
    let mut els = Vec::new();
    for k in 0..n {
        let (x, y) = ((k % 100) as f64 * 300.0, (k / 100) as f64 * 200.0);
        els.push(serde_json::json!({"id": format!("s{k}"), "type": "rectangle", "x": x, "y": y, "width": 160, "height": 80}));
        els.push(serde_json::json!({"id": format!("t{k}"), "type": "text", "containerId": format!("s{k}"), "text": format!("System {k}")}));
        if k > 0 {
            els.push(serde_json::json!({"id": format!("a{k}"), "type": "arrow", "x": x, "y": y, "points": [[0,0],[10,10]],
                "startBinding": {"elementId": format!("s{}", k - 1)}, "endBinding": {"elementId": format!("s{k}")}}));
            els.push(serde_json::json!({"id": format!("l{k}"), "type": "text", "containerId": format!("a{k}"), "text": format!("Entity{}Updated", k % 50)}));
        }
    }
    serde_json::json!({"type": "excalidraw", "elements": els}).to_string()
}

fn big_drawio(n: usize) -> String {
    let mut s = String::from("<mxfile><diagram name=\"big\"><mxGraphModel><root><mxCell id=\"0\"/><mxCell id=\"1\" parent=\"0\"/>");
    for k in 0..n {
        let (x, y) = ((k % 100) * 300, (k / 100) * 200);
        s.push_str(&format!("<mxCell id=\"v{k}\" value=\"System {k}\" style=\"rounded=1;html=1;\" vertex=\"1\" parent=\"1\"><mxGeometry x=\"{x}\" y=\"{y}\" width=\"160\" height=\"80\" as=\"geometry\"/></mxCell>"));
        if k > 0 {
            s.push_str(&format!("<mxCell id=\"e{k}\" value=\"Entity{}Updated\" edge=\"1\" parent=\"1\" source=\"v{}\" target=\"v{k}\"><mxGeometry relative=\"1\" as=\"geometry\"/></mxCell>", k % 50, k - 1));
        }
    }
    s.push_str("</root></mxGraphModel></diagram></mxfile>");
    s
}

fn timed(text: &str) -> (Imported, std::time::Duration) {
    let t = std::time::Instant::now();
    let i = import_bytes(text.as_bytes(), None, "big").unwrap();
    (i, t.elapsed())
}

/// 5,000 shapes and 4,999 arrows: every one placed. (The time is printed;
/// docs/performance.md has the release figures.)
#[test]
fn five_thousand_shapes() {
    for (label, text) in [
        ("excalidraw", big_excalidraw(5000)),
        ("drawio", big_drawio(5000)),
    ] {
        let (i, took) = timed(&text);
        assert_eq!(i.model.systems.len(), 5000, "{label}");
        assert_eq!(i.model.flows.len(), 4999, "{label}");
        assert_eq!(i.model.entities.len(), 50, "{label}");
        assert!(
            i.unplaced.is_empty(),
            "{label}: {:?}",
            &i.unplaced[..3.min(i.unplaced.len())]
        );
        let build = if cfg!(debug_assertions) {
            "debug"
        } else {
            "release"
        };
        eprintln!("{label}: 5,000 shapes imported in {took:?} ({build} build)");
        reads_back(&i.model);
    }
}
