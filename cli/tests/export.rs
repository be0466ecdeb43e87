//! `charter export`: stdout or atomic file, refusal writes nothing,
//! unknown environment, determinism.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod cli_support;
use cli_support::*;

use serde_json::Value;
use std::ffi::OsStr;

fn os(s: &str) -> &OsStr {
    OsStr::new(s)
}

#[test]
fn export_to_stdout_is_a_config_and_deterministic() {
    let dir = tempfile::tempdir().unwrap();
    let m = write_json(dir.path(), "shop.model.json", &good_model());
    let a = charter([os("export"), m.as_os_str(), os("--env"), os("prod")]);
    assert_eq!(a.code, 0, "{}", a.stderr);
    let v: Value = serde_json::from_str(&a.stdout).unwrap();
    assert_eq!(v["format"], "charter-config/1");
    assert_eq!(v["environment"], "prod");
    assert_eq!(v["name"], "Shop");
    assert!(v["digest"].as_str().unwrap().starts_with("sha256:"));
    assert!(a.stdout.ends_with("}\n"));
    assert_eq!(
        v["systems"][0]["endpoint"]["url"],
        "https://erp.prod.example.com/api"
    );
    assert!(!a.stdout.contains("erp.test.example.com"));
    // No paths or timestamps: the same model elsewhere gives the same bytes.
    let other = tempfile::tempdir().unwrap();
    let m2 = write_json(other.path(), "copy.model.json", &good_model());
    let b = charter([os("export"), m2.as_os_str(), os("--env"), os("prod")]);
    assert_eq!(a.stdout, b.stdout);
    assert!(!a.stdout.contains(&dir.path().display().to_string()));
    // Another environment differs.
    let t = charter([os("export"), m.as_os_str(), os("--env"), os("test")]);
    assert_eq!(t.code, 0);
    assert_ne!(t.stdout, a.stdout);
}

#[test]
fn export_to_file_is_atomic_and_matches_stdout() {
    let dir = tempfile::tempdir().unwrap();
    let m = write_json(dir.path(), "shop.model.json", &good_model());
    let out = dir.path().join("prod.config.json");
    std::fs::write(&out, "previous contents").unwrap();
    let run = charter([
        os("export"),
        m.as_os_str(),
        os("--env"),
        os("prod"),
        os("-o"),
        out.as_os_str(),
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.is_empty(), "nothing on stdout with -o");
    assert!(run.stderr.contains(&out.display().to_string()));
    let written = std::fs::read_to_string(&out).unwrap();
    let stdout = charter([os("export"), m.as_os_str(), os("--env"), os("prod")]).stdout;
    assert_eq!(written, stdout);
    // No temporary file left behind.
    assert_eq!(
        files_in(dir.path()),
        ["prod.config.json", "shop.model.json"]
    );
    // Written twice: byte-identical.
    let again = charter([
        os("export"),
        m.as_os_str(),
        os("--env"),
        os("prod"),
        os("--output"),
        out.as_os_str(),
    ]);
    assert_eq!(again.code, 0);
    assert_eq!(std::fs::read_to_string(&out).unwrap(), written);
}

#[test]
fn export_refused_with_errors_writes_no_file() {
    let dir = tempfile::tempdir().unwrap();
    let m = write_json(dir.path(), "ownerless.model.json", &ownerless_model());
    let out = dir.path().join("prod.config.json");
    let run = charter([
        os("export"),
        m.as_os_str(),
        os("--env"),
        os("prod"),
        os("-o"),
        out.as_os_str(),
    ]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(!out.exists(), "a refused export writes nothing");
    assert_eq!(files_in(dir.path()), ["ownerless.model.json"]);
    assert!(run.stdout.is_empty());
    // The findings, then the refusal.
    assert!(
        run.stderr
            .lines()
            .any(|l| l.starts_with("error ") && l.contains("price")),
        "{}",
        run.stderr
    );
    let last = run.stderr.lines().last().unwrap();
    assert!(
        last.starts_with(&m.display().to_string()) && last.contains("export refused"),
        "{last}"
    );

    // An existing file is left as it was.
    std::fs::write(&out, "deployed").unwrap();
    let run = charter([
        os("export"),
        m.as_os_str(),
        os("--env"),
        os("prod"),
        os("-o"),
        out.as_os_str(),
    ]);
    assert_eq!(run.code, 1);
    assert_eq!(std::fs::read_to_string(&out).unwrap(), "deployed");
    // To stdout: nothing on stdout either.
    let run = charter([os("export"), m.as_os_str(), os("--env"), os("prod")]);
    assert_eq!(run.code, 1);
    assert!(run.stdout.is_empty());
}

#[test]
fn export_unknown_environment_exits_2_with_suggestion() {
    let dir = tempfile::tempdir().unwrap();
    let m = write_json(dir.path(), "shop.model.json", &good_model());
    let out = dir.path().join("x.json");
    let run = charter([
        os("export"),
        m.as_os_str(),
        os("--env"),
        os("prdo"),
        os("-o"),
        out.as_os_str(),
    ]);
    assert_eq!(run.code, 2);
    let first = run.first_err_line();
    assert!(first.starts_with(&m.display().to_string()), "{first}");
    assert!(
        first.contains("prdo") && first.contains("did you mean `prod`"),
        "{first}"
    );
    assert!(!out.exists());
    let run = charter([os("export"), m.as_os_str(), os("--env"), os("staging")]);
    assert_eq!(run.code, 2);
    assert!(
        run.first_err_line().contains("test, prod"),
        "{}",
        run.stderr
    );
}

#[test]
fn export_unusable_model_or_target_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("none.model.json");
    let run = charter([os("export"), missing.as_os_str(), os("--env"), os("prod")]);
    assert_eq!(run.code, 2);
    assert!(run
        .first_err_line()
        .starts_with(&missing.display().to_string()));

    let bad = write(
        dir.path(),
        "bad.model.json",
        "{\"format\": \"charter-model/1\", \"name\": ",
    );
    let run = charter([os("export"), bad.as_os_str(), os("--env"), os("prod")]);
    assert_eq!(run.code, 2);
    assert!(
        run.first_err_line()
            .starts_with(&format!("{}:1:", bad.display())),
        "{}",
        run.stderr
    );

    let m = write_json(dir.path(), "shop.model.json", &good_model());
    let nowhere = dir.path().join("no-such-dir").join("prod.json");
    let run = charter([
        os("export"),
        m.as_os_str(),
        os("--env"),
        os("prod"),
        os("-o"),
        nowhere.as_os_str(),
    ]);
    assert_eq!(run.code, 2);
    assert!(
        run.first_err_line()
            .starts_with(&nowhere.display().to_string()),
        "{}",
        run.stderr
    );

    // Never over the model itself.
    let before = std::fs::read_to_string(&m).unwrap();
    let run = charter([
        os("export"),
        m.as_os_str(),
        os("--env"),
        os("prod"),
        os("-o"),
        m.as_os_str(),
    ]);
    assert_eq!(run.code, 2);
    assert_eq!(std::fs::read_to_string(&m).unwrap(), before);

    // Missing --env is a usage error.
    assert_eq!(charter([os("export"), m.as_os_str()]).code, 2);
}

#[test]
fn export_of_every_sample_model() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../models/examples");
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return;
    };
    for e in entries {
        let p = e.unwrap().path();
        if !p.to_string_lossy().ends_with(".model.json") {
            continue;
        }
        let check = charter([os("check"), p.as_os_str()]);
        let run = charter([os("export"), p.as_os_str(), os("--env"), os("prod")]);
        // Exported exactly when check finds no error.
        assert_eq!(run.code, check.code, "{}: {}", p.display(), run.stderr);
        if run.code == 0 {
            let v: Value = serde_json::from_str(&run.stdout).unwrap();
            assert_eq!(v["environment"], "prod");
        }
    }
}
