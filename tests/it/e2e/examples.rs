//! Every project under `examples/` (whoever adds one: the directory is
//! listed, not a list kept here) is validated against
//! `schema/penv.schema.json`, loads, and — when it is offline
//! (`no-index`, its wheels in the repository) — syncs in a copy of the
//! examples directory, as a user who copied it would.

use std::path::Path;

use super::*;
use crate::common::interpreters::{Files, copy_tree};

fn examples_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples")
}

/// Each example directory and its project file (`penv.toml`, else `pyproject.toml`).
fn examples() -> Vec<(String, PathBuf)> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(examples_dir()).unwrap() {
        let dir = entry.unwrap().path();
        if !dir.is_dir() {
            continue;
        }
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        let file = ["penv.toml", "pyproject.toml"]
            .map(|f| dir.join(f))
            .into_iter()
            .find(|f| f.is_file())
            .unwrap_or_else(|| panic!("examples/{name} has no penv.toml nor pyproject.toml"));
        out.push((name, file));
    }
    out.sort();
    out
}

/// The schema's validator.
fn validator() -> jsonschema::Validator {
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("schema/penv.schema.json"),
    )
    .unwrap();
    jsonschema::validator_for(&serde_json::from_str(&text).unwrap()).expect("a valid schema")
}

/// The schema's complaints about the penv table in `text` (the whole of a
/// `penv.toml`, `[tool.penv]` of a `pyproject.toml`; a pyproject without
/// one has nothing for this schema to check).
fn schema_errors(validator: &jsonschema::Validator, file: &Path, text: &str) -> Vec<String> {
    let doc: serde_json::Value = toml_edit::de::from_str(text)
        .unwrap_or_else(|e| panic!("{}: not TOML: {e}", file.display()));
    let table = if file.ends_with("pyproject.toml") {
        match doc.get("tool").and_then(|t| t.get("penv")) {
            Some(t) => t.clone(),
            None => return Vec::new(),
        }
    } else {
        doc
    };
    validator
        .iter_errors(&table)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect()
}

#[test]
fn the_schema_check_catches_what_it_should() {
    let v = validator();
    let file = Path::new("penv.toml");
    assert!(schema_errors(&v, file, "python = \"3.12\"\n[pip]\nno-index = true\n").is_empty());
    for bad in [
        "python = 3.12\n",
        "requirements = \"rich\"\n",
        "pyhton = \"3.12\"\n",
        "[venv]\npip = \"yes\"\n",
    ] {
        assert!(!schema_errors(&v, file, bad).is_empty(), "{bad}");
    }
    let pyproject = Path::new("pyproject.toml");
    assert!(!schema_errors(&v, pyproject, "[tool.penv]\npyhton = \"3\"\n").is_empty());
}

#[test]
fn every_example_is_valid_and_the_offline_ones_sync() {
    let examples = examples();
    let names: Vec<&str> = examples.iter().map(|(n, _)| n.as_str()).collect();
    assert!(
        ["git-hooks", "groups", "pyproject", "quickstart"]
            .iter()
            .all(|n| names.contains(n)),
        "{names:?}"
    );
    let validator = validator();
    let mut offline = Vec::new();
    for (name, file) in &examples {
        let text = std::fs::read_to_string(file).unwrap();
        let errors = schema_errors(&validator, file, &text);
        assert!(errors.is_empty(), "examples/{name}: {errors:#?}");
        let project = penv::project::Project::load(file).unwrap_or_else(|e| {
            panic!(
                "examples/{name}: {}",
                penv::diagnostics::render(&penv::Error::from(e))
            )
        });
        // Offline: its own `no-index`, or (a `pyproject.toml` with no
        // `[tool.penv]`, as uv users write it) pip pointed at the examples'
        // wheels by its own variables, as the example says to run it.
        let by_pip_vars = file.ends_with("pyproject.toml") && !text.contains("[tool.penv");
        if project.config.pip.no_index || by_pip_vars {
            offline.push((name, by_pip_vars));
        }
    }
    assert!(offline.len() >= 4, "{offline:?}");
    let _python = require_python!();
    // A copy of the whole directory, so `../quickstart/wheels` still resolves.
    let sb = Sandbox::new();
    let copy = sb.tmp.path().join("examples");
    copy_tree(&examples_dir(), &copy, Files::Copy, &[".venv", ".penv"]);
    for (name, by_pip_vars) in offline {
        let dir = copy.join(name);
        let run = |args: &[&str]| {
            let mut cmd = sb.penv();
            if by_pip_vars {
                cmd.env("PIP_NO_INDEX", "1")
                    .env("PIP_FIND_LINKS", copy.join("quickstart/wheels"));
            }
            cmd.current_dir(&dir).args(args).output().unwrap()
        };
        // The defaults, then every group (and back: the check is of a
        // plain sync).
        for args in [&["sync"][..], &["sync", "--all-groups"], &["sync"]] {
            let out = run(args);
            assert!(
                out.status.success(),
                "examples/{name}: {args:?}: {}",
                crate::common::output::show(&out)
            );
        }
        let out = run(&["sync", "--check"]);
        assert!(
            out.status.success(),
            "examples/{name}: {}",
            crate::common::output::show(&out)
        );
        let python = stdout(&run(&["which", "python"]));
        assert!(
            Path::new(python.trim()).is_file(),
            "examples/{name}: {python}"
        );
    }
}
