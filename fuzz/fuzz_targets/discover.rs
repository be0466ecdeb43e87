//! Arbitrary bytes as an exchange log, read as JSON Lines and as CSV:
//! reading never panics; what is discovered reads back through the model
//! reader, `check` on it never panics, and a compare with itself lists
//! nothing.

#![no_main]

use charter_model::discover::read::{read_log, LogFormat};
use charter_model::discover::{compare, Discovery};
use charter_model::file::{model_to_string, parse_model};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    for format in LogFormat::ALL {
        let mut d = Discovery::new();
        if read_log(data, format, &mut d).is_err() {
            continue;
        }
        let found = d.into_model("fuzz");
        let text = model_to_string(&found.model);
        let back = match parse_model(&text) {
            Ok(m) => m,
            Err(p) => panic!("discovered model does not read: {:?}\n{text}", p),
        };
        let _ = charter_model::check(&back);
        assert!(compare(&back, &back).is_empty());
    }
});
