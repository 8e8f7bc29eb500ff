//! A derive of a package project whose dependencies are static: pip
//! resolves them without building the project, and the editable project is
//! kept when its metadata files did not change (else built once, to
//! install it); the env is what a build from nothing gives, by content.

use super::oracle::differences;
use super::package_store::{content, ok_in, write_app};
use super::*;

/// `write_app`, with a backend that counts its builds in `builds.log`.
fn write_counted_app(sb: &Sandbox, python: &Path, dir: &Path, deps: &str) {
    write_app(sb, python, dir, deps);
    let backend = std::fs::read_to_string(dir.join("backend.py")).unwrap();
    let counted = backend.replace(
        "def build_editable(directory, config_settings=None, metadata_directory=None):\n",
        "def build_editable(directory, config_settings=None, metadata_directory=None):\n    open(os.path.join(HERE, \"builds.log\"), \"a\").write(\"built\\n\")\n",
    );
    assert_ne!(counted, backend);
    std::fs::write(dir.join("backend.py"), counted).unwrap();
}

/// How many times the project was built since the last call.
fn builds(dir: &Path) -> usize {
    let log = dir.join("builds.log");
    let n = std::fs::read_to_string(&log).map_or(0, |t| t.lines().count());
    let _ = std::fs::remove_file(&log);
    n
}

/// Asserts the env of `dir` is what `sync --reinstall` builds there.
#[track_caller]
fn assert_fresh(sb: &Sandbox, cache: &Path, dir: &Path, said: &str) {
    let derived = content(dir);
    ok_in(sb, cache, dir, &["sync", "--reinstall"]);
    let diff = differences(&derived, &content(dir));
    assert!(diff.is_empty(), "after {said}\n{}", diff.join("\n"));
}

#[test]
fn a_pin_edit_in_a_static_project_builds_it_once_and_equals_a_fresh_build() {
    let python = require_python!();
    let sb = sandbox_with_wheels();
    let cache = super::script::private_cache(&sb);
    let dir = sb.project.canonicalize().unwrap();
    write_counted_app(&sb, python, &dir, "[\"tinypkg==1.0\"]");
    ok_in(&sb, &cache, &dir, &["sync"]);
    builds(&dir);
    let text = std::fs::read_to_string(dir.join("pyproject.toml")).unwrap();
    let edited = text.replace("tinypkg==1.0", "tinypkg==2.0");
    std::fs::write(dir.join("pyproject.toml"), edited).unwrap();
    let said = ok_in(&sb, &cache, &dir, &["sync"]);
    assert!(said.contains("derived from"), "{said}");
    assert_eq!(builds(&dir), 1, "built to resolve and to install: {said}");
    assert_eq!(imported(&sb, "tinypkg").as_deref(), Some("2.0"));
    assert_fresh(&sb, &cache, &dir, &said);
}

#[test]
fn an_edit_beside_an_unchanged_static_project_keeps_it() {
    let python = require_python!();
    let sb = sandbox_with_wheels();
    let cache = super::script::private_cache(&sb);
    let dir = sb.project.canonicalize().unwrap();
    write_counted_app(&sb, python, &dir, "[\"tinypkg==1.0\"]");
    // penv's own settings in `penv.toml`: the project's files stay as they are.
    let text = std::fs::read_to_string(dir.join("pyproject.toml")).unwrap();
    let (project, tool) = text.split_once("[tool.penv]\n").unwrap();
    std::fs::write(dir.join("pyproject.toml"), project).unwrap();
    let toml = |reqs: &str| {
        format!("package = true\nrequirements = {reqs}\n{tool}").replace("[tool.penv.pip]", "[pip]")
    };
    std::fs::write(dir.join("penv.toml"), toml("[]")).unwrap();
    ok_in(&sb, &cache, &dir, &["sync"]);
    builds(&dir);
    // The user names a dependency of the project too: `REQUESTED` then.
    std::fs::write(dir.join("penv.toml"), toml("[\"otherpkg\", \"tinypkg\"]")).unwrap();
    let said = ok_in(&sb, &cache, &dir, &["sync"]);
    assert!(said.contains("derived from"), "{said}");
    assert_eq!(builds(&dir), 0, "{said}");
    assert_eq!(imported(&sb, "otherpkg").as_deref(), Some("1.0"));
    assert_fresh(&sb, &cache, &dir, &said);
    builds(&dir);
    // `otherpkg` removed (the first spec would come from the store).
    std::fs::write(dir.join("penv.toml"), toml("[\"tinypkg\"]")).unwrap();
    let said = ok_in(&sb, &cache, &dir, &["sync"]);
    assert!(said.contains("derived from"), "{said}");
    assert_eq!(builds(&dir), 0, "{said}");
    assert_eq!(imported(&sb, "otherpkg"), None);
    assert_fresh(&sb, &cache, &dir, &said);
}
