//! `schema/penv.schema.json` is generated from the Rust types of the project
//! file; this test keeps the committed file in step (regenerate with
//! `just schema`), and checks that every example parses and validates.

use std::path::Path;

#[test]
fn committed_schema_matches_the_types() {
    let generated = penv::project::model::json_schema();
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("schema/penv.schema.json");
    #[allow(clippy::disallowed_methods)]
    if std::env::var_os("PENV_WRITE_SCHEMA").is_some() {
        std::fs::write(&path, &generated).unwrap();
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "schema/penv.schema.json is out of date: run `just schema` (PENV_WRITE_SCHEMA=1 cargo test --test schema)"
    );
}

#[test]
fn schema_names_every_key_of_the_contract() {
    let schema: serde_json::Value =
        serde_json::from_str(&penv::project::model::json_schema()).unwrap();
    let top = schema["properties"].as_object().unwrap();
    for key in [
        "python",
        "requirements",
        "requirement-files",
        "default-groups",
        "groups",
        "venv",
        "pip",
    ] {
        assert!(top.contains_key(key), "missing top-level key {key}");
    }
    let defs = schema["$defs"].as_object().unwrap();
    let venv = defs["VenvConfig"]["properties"].as_object().unwrap();
    for key in [
        "path",
        "system-site-packages",
        "pip",
        "prompt",
        "keep-stashed",
    ] {
        assert!(venv.contains_key(key), "missing [venv] key {key}");
    }
    let pip = defs["PipConfig"]["properties"].as_object().unwrap();
    for key in [
        "index-url",
        "extra-index-urls",
        "find-links",
        "no-index",
        "args",
    ] {
        assert!(pip.contains_key(key), "missing [pip] key {key}");
    }
    assert_eq!(
        schema["additionalProperties"],
        serde_json::Value::Bool(false)
    );
}

#[test]
fn every_example_project_loads() {
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    let mut count = 0;
    for entry in std::fs::read_dir(&examples).unwrap() {
        let dir = entry.unwrap().path();
        let file = dir.join("penv.toml");
        if !file.is_file() {
            continue;
        }
        let project = penv::project::Project::load(&file).unwrap_or_else(|e| {
            panic!(
                "{}: {}",
                file.display(),
                penv::diagnostics::render(&penv::Error::from(e))
            )
        });
        for f in &project.config.requirement_files {
            assert!(
                dir.join(f).is_file(),
                "{}: requirement file {f} is missing",
                file.display()
            );
        }
        count += 1;
    }
    assert!(
        count >= 3,
        "expected at least three example projects, found {count}"
    );
}
