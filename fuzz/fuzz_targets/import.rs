//! Arbitrary bytes as a sketch: for each import format (and with the format
//! recognised from the content), importing never panics; an error is one
//! line; a model that is made reads back through the model reader, and
//! `check` on it never panics. Labels stay on one line in the summary and
//! in what could not be placed.

#![no_main]

use charter_model::file::{model_to_string, parse_model};
use charter_model::import::{import_bytes, Format};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let formats = Format::ALL.into_iter().map(Some).chain([None]);
    for format in formats {
        match import_bytes(data, format, "fuzz") {
            Err(e) => assert_eq!(e.to_string().lines().count(), 1, "{e}"),
            Ok(i) => {
                let text = model_to_string(&i.model);
                let back = match parse_model(&text) {
                    Ok(m) => m,
                    Err(p) => panic!("imported model does not read: {:?}\n{text}", p),
                };
                assert_eq!(back, i.model);
                let _ = charter_model::check(&back);
                for line in i.summary.iter().chain(&i.unplaced) {
                    assert!(!line.contains('\n'), "{line:?}");
                }
            }
        }
    }
});
