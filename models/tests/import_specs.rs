//! OpenAPI and AsyncAPI imports (JSON and YAML): one provider / application
//! system, entities with typed fields from the schemas, write operations as
//! requests to the provider, webhooks, callbacks and sent messages as events
//! from it; bad and hostile specs are one error.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use charter_model::file::{model_to_string, parse_model};
use charter_model::import::{import_bytes, import_file, Format, Imported};
use charter_model::model::{FieldType, Model, Pattern};
use std::path::PathBuf;

fn sample(name: &str) -> Imported {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/imports")
        .join(name);
    import_file(&p, None).unwrap_or_else(|e| panic!("{name}: {e}"))
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
fn openapi_30_yaml() {
    let i = sample("erp-orders.openapi.yaml");
    assert_eq!(i.format, Format::Openapi);
    let m = reads_back(&i.model);
    assert_eq!(m.name, "ERP");
    assert_eq!(m.systems[0].id, "erp");
    assert_eq!(m.systems[0].kind.as_str(), "erp");
    let order = m.entity("order").unwrap();
    assert_eq!(order.owner.as_deref(), Some("erp"));
    assert!(order
        .rationale
        .as_deref()
        .unwrap()
        .contains("OpenAPI spec \"ERP\""));
    assert_eq!(order.key, "orderNo");
    let ty = |n: &str| order.field(n).unwrap().field_type;
    assert_eq!(ty("total"), FieldType::Number);
    assert_eq!(ty("status"), FieldType::Enum);
    assert_eq!(ty("placedAt"), FieldType::Datetime);
    assert_eq!(order.field("orderNo").unwrap().required, Some(true));
    assert_eq!(order.field("customerEmail").unwrap().pii, Some(true));
    // POST and PATCH: one request flow to the provider; the callback an event.
    let to_erp: Vec<_> = m.flows.iter().filter(|f| f.to == "erp").collect();
    assert_eq!(to_erp.len(), 1);
    assert_eq!(to_erp[0].pattern, Pattern::Request);
    assert_eq!(to_erp[0].from, "clients-of-erp");
    assert!(m
        .flows
        .iter()
        .any(|f| f.from == "erp" && f.entity == "order" && f.pattern == Pattern::Event));
    // Read-only stock: an entity with fields, no flow.
    assert_eq!(m.entity("stock-level").unwrap().key, "sku");
    assert!(i.summary.iter().any(|l| l.contains("only read")));
    assert!(charter_model::check(&m)
        .iter()
        .all(|f| f.severity != charter_model::Severity::Error));
}

#[test]
fn openapi_31_json_webhooks_and_all_of() {
    let i = sample("shop-webhooks.openapi.json");
    let m = reads_back(&i.model);
    // The title's markup is stripped to text.
    assert_eq!(m.systems[0].name, "Storefront Admin API");
    let provider = m.systems[0].id.clone();
    let order = m.entity("order").unwrap();
    let names: Vec<&str> = order.fields.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(names, vec!["id", "createdAt", "total"]);
    assert_eq!(
        m.entity("product")
            .unwrap()
            .field("title")
            .unwrap()
            .field_type,
        FieldType::String,
        "type [string, null] is a string"
    );
    for e in ["order", "inventory-level"] {
        assert!(
            m.flows
                .iter()
                .any(|f| f.entity == e && f.from == provider && f.pattern == Pattern::Event),
            "{e}"
        );
    }
}

#[test]
fn asyncapi_3_and_2() {
    let i = sample("wms-stock.asyncapi.yaml");
    assert_eq!(i.format, Format::Asyncapi);
    let m = reads_back(&i.model);
    let stock = m.entity("stock").unwrap();
    assert_eq!(stock.owner.as_deref(), Some("warehouse-system"));
    assert_eq!(
        stock.field("expiresOn").unwrap().field_type,
        FieldType::Date
    );
    assert_eq!(stock.key, "sku");
    let sent = m.flows.iter().find(|f| f.entity == "stock").unwrap();
    assert_eq!(
        (sent.from.as_str(), sent.to.as_str()),
        ("warehouse-system", "consumers-of-warehouse-system")
    );
    let got = m.flows.iter().find(|f| f.entity == "order").unwrap();
    assert_eq!(got.to, "warehouse-system");
    assert_eq!(m.entity("order").unwrap().owner, None);

    let i = sample("transport-portal.asyncapi.yaml");
    let m = reads_back(&i.model);
    // 2.x `subscribe`: the application sends.
    let booked = m.flows.iter().find(|f| f.entity == "shipment").unwrap();
    assert_eq!(booked.from, "transport-portal");
    assert_eq!(
        m.entity("shipment").unwrap().owner.as_deref(),
        Some("transport-portal")
    );
    let ready = m.flows.iter().find(|f| f.to == "transport-portal").unwrap();
    assert_eq!(ready.entity, "order-ready");
}

fn err(text: &str, format: Option<Format>) -> String {
    let e = import_bytes(text.as_bytes(), format, "m")
        .unwrap_err()
        .to_string();
    assert_eq!(e.lines().count(), 1, "{e}");
    e
}

#[test]
fn bad_and_hostile_specs() {
    let e = err("swagger: \"2.0\"\nopenapi: x\n", Some(Format::Openapi));
    assert!(e.contains("Swagger 2.0"), "{e}");
    let e = err("openapi: 2.5.0\ninfo: {title: x}\n", Some(Format::Openapi));
    assert!(e.contains("expected 3.0.x or 3.1.x"), "{e}");
    let e = err("asyncapi: 1.2.0\n", None);
    assert!(e.contains("expected 2.x or 3.x"), "{e}");
    let e = err("openapi: 3.0.0\ninfo: [unclosed\n", None);
    assert!(e.contains("not YAML"), "{e}");
    let e = err("{\"openapi\": \"3.1.0\", \"info\": ", None);
    assert!(e.contains("not JSON"), "{e}");
    // YAML billion laughs: aliases expanded without bound are refused.
    let mut laughs = String::from("openapi: 3.0.0\na: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n");
    for k in 1..10 {
        let prev = (b'a' + k - 1) as char;
        let cur = (b'a' + k) as char;
        laughs.push_str(&format!(
            "{cur}: &{cur} [*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev}]\n"
        ));
    }
    let t = std::time::Instant::now();
    let r = import_bytes(laughs.as_bytes(), None, "m");
    assert!(t.elapsed().as_secs() < 10);
    if let Err(e) = r {
        assert_eq!(e.to_string().lines().count(), 1);
    }
    // Cyclic and exponential $refs are bounded.
    let cyclic = r##"{"openapi":"3.1.0","info":{"title":"Loop"},"paths":{"/things":{"post":{"requestBody":{"content":{"application/json":{"schema":{"$ref":"#/components/schemas/A"}}}},"responses":{}}}},
      "components":{"schemas":{"A":{"allOf":[{"$ref":"#/components/schemas/A"},{"$ref":"#/components/schemas/B"},{"$ref":"#/components/schemas/A"}]},
      "B":{"allOf":[{"$ref":"#/components/schemas/A"},{"$ref":"#/components/schemas/B"}],"properties":{"x":{"type":"string"}}},
      "C":{"$ref":"#/components/schemas/C"}}}}"##;
    let t = std::time::Instant::now();
    let i = import_bytes(cyclic.as_bytes(), None, "m").unwrap();
    assert!(t.elapsed().as_secs() < 5);
    reads_back(&i.model);
}

#[test]
fn truncated_specs_never_panic() {
    for name in [
        "erp-orders.openapi.yaml",
        "shop-webhooks.openapi.json",
        "wms-stock.asyncapi.yaml",
        "transport-portal.asyncapi.yaml",
    ] {
        let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../tests/imports")
            .join(name);
        let full = std::fs::read(p).unwrap();
        for cut in (0..full.len()).step_by(7) {
            if let Ok(i) = import_bytes(&full[..cut], None, "m") {
                reads_back(&i.model);
            }
        }
    }
}

/// Every entity with fields has its key among them (`key-not-a-field`).
#[test]
fn keys_are_declared_fields() {
    for name in [
        "erp-orders.openapi.yaml",
        "shop-webhooks.openapi.json",
        "wms-stock.asyncapi.yaml",
        "transport-portal.asyncapi.yaml",
    ] {
        let m = reads_back(&sample(name).model);
        for e in &m.entities {
            assert!(
                e.fields.is_empty() || e.field(&e.key).is_some(),
                "{name}: {} key {}",
                e.id,
                e.key
            );
        }
        assert!(
            !charter_model::check(&m)
                .iter()
                .any(|f| f.code.as_str() == "key-not-a-field"),
            "{name}"
        );
    }
}

#[test]
fn asyncapi_2_direction_can_be_read_reversed() {
    use charter_model::import::openapi::V2Direction;
    use charter_model::import::{import_file_with, ImportOptions};
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/imports/transport-portal.asyncapi.yaml");
    let reversed = import_file_with(
        &p,
        None,
        ImportOptions {
            asyncapi_v2: V2Direction::Reversed,
        },
    )
    .unwrap();
    let m = reads_back(&reversed.model);
    // Reversed: `subscribe` (ShipmentBooked) is received, `publish` (OrderReady) is sent.
    let booked = m.flows.iter().find(|f| f.entity == "shipment").unwrap();
    assert_eq!(booked.to, "transport-portal");
    assert_eq!(m.entity("shipment").unwrap().owner, None);
    let ready = m.flows.iter().find(|f| f.entity == "order-ready").unwrap();
    assert_eq!(ready.from, "transport-portal");
    assert_eq!(
        m.entity("order-ready").unwrap().owner.as_deref(),
        Some("transport-portal")
    );
    assert!(
        reversed.summary.iter().any(|l| l.contains("read reversed")),
        "{:?}",
        reversed.summary
    );
    // The default is the specification's reading, and it says how to flip it.
    let spec = sample("transport-portal.asyncapi.yaml");
    assert!(
        spec.summary
            .iter()
            .any(|l| l.contains("--asyncapi-v2-direction reversed")),
        "{:?}",
        spec.summary
    );
    // 3.x has no such ambiguity: the switch changes nothing.
    let p3 =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/imports/wms-stock.asyncapi.yaml");
    let a = import_file_with(
        &p3,
        None,
        ImportOptions {
            asyncapi_v2: V2Direction::Reversed,
        },
    )
    .unwrap();
    assert_eq!(a.model, import_file(&p3, None).unwrap().model);
}
