//! `schema/penv.schema.json` is generated from the Rust types of the project
//! file; the drift test keeps the committed file in step with them, and every
//! example project must load. Regenerate the file with `just schema`
//! (`SNAPSHOTS=overwrite cargo test --test it schema`).

use std::path::Path;

#[test]
fn committed_schema_matches_the_types() {
    snapbox::assert_data_eq!(
        penv::project::model::json_schema(),
        snapbox::file!["../../schema/penv.schema.json": Text].raw()
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
