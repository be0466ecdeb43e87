//! Reading then writing a model gives the same bytes: every sample model in
//! `models/examples/`, and generated models. Exported configurations read
//! back and written again give the same bytes too.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod export_support;
use export_support as support;

use charter_model::export::{config_from_str, export};
use charter_model::file::{model_to_string, parse_model};

/// The first line where two texts differ, for a readable failure.
fn first_difference(a: &str, b: &str) -> String {
    for (i, (x, y)) in a.lines().zip(b.lines()).enumerate() {
        if x != y {
            return format!("line {}: file has {x:?}, writer gives {y:?}", i + 1);
        }
    }
    format!(
        "lengths differ: {} vs {} lines",
        a.lines().count(),
        b.lines().count()
    )
}

#[test]
fn roundtrip_every_sample_model_file() {
    let samples = support::sample_texts();
    if samples.is_empty() {
        eprintln!("no models/examples/*.model.json yet: nothing to round-trip");
        return;
    }
    for (path, text) in samples {
        let model = parse_model(&text).unwrap_or_else(|p| panic!("{}: {}", path.display(), p[0]));
        let written = model_to_string(&model);
        assert!(
            written == text,
            "{} does not round-trip: {}",
            path.display(),
            first_difference(&text, &written)
        );
    }
}

#[test]
fn roundtrip_generated_models() {
    for seed in 0..30 {
        let model = support::generated_model(seed);
        let text = model_to_string(&model);
        let again = parse_model(&text).unwrap_or_else(|p| panic!("seed {seed}: {}", p[0]));
        assert_eq!(again, model, "seed {seed}");
        assert_eq!(model_to_string(&again), text, "seed {seed}");
    }
}

#[test]
fn roundtrip_exported_configurations() {
    let mut models: Vec<_> = support::sample_models()
        .into_iter()
        .map(|(_, m)| m)
        .collect();
    models.extend((0..10).map(support::generated_model));
    let mut n = 0;
    for model in models {
        for env in model.environment_names() {
            let Ok(out) = export(&model, env) else {
                continue;
            };
            let config = config_from_str(&out.text).unwrap();
            let mut again = serde_json::to_string_pretty(&config).unwrap();
            again.push('\n');
            assert_eq!(again, out.text);
            n += 1;
        }
    }
    assert!(n > 0, "nothing was exported");
}
