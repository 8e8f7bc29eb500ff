//! A package project's env (the project itself installed editable, its
//! dependencies static in PEP 621 `[project]`) goes to the store without
//! the project; another checkout clones it and installs only its own
//! project, `--no-deps`, and gets what a build from nothing gets, by
//! content. A project whose dependencies are dynamic is never shared.

use super::oracle::{Digests, differences, read_tree, snapshot, write_tree};
use super::pyproject::{BACKEND, app_pyproject};
use super::*;
use crate::common::output::show;

/// A package project `app` depending on `deps` (a TOML array), offline
/// through `[tool.penv]`, in `dir`.
pub(super) fn write_app(sb: &Sandbox, python: &Path, dir: &Path, deps: &str) {
    let tool = format!(
        "[tool.penv]\npython = \"{}\"\n\n[tool.penv.pip]\nfind-links = [\"{}\"]\nno-index = true\n",
        python.display(),
        sb.wheels.display()
    );
    std::fs::create_dir_all(dir).unwrap();
    std::fs::write(dir.join("backend.py"), BACKEND).unwrap();
    std::fs::write(dir.join("app.py"), "VERSION = \"1.0\"\n").unwrap();
    std::fs::write(dir.join("pyproject.toml"), app_pyproject(deps, &tool)).unwrap();
}

/// penv in `dir` with `cache` (whose store keeps projects' envs); asserts
/// success and returns stderr.
#[track_caller]
pub(super) fn ok_in(sb: &Sandbox, cache: &Path, dir: &Path, args: &[&str]) -> String {
    let out = super::script::penv(sb, cache)
        .current_dir(dir)
        .args(args)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", show(&out));
    stderr(&out)
}

/// The env of the project at `dir`, by content, its path as `<PROJECT>`.
pub(super) fn content(dir: &Path) -> super::oracle::Snapshot {
    snapshot(&dir.join(".venv"), &[dir], false, &mut Digests::default()).expect("an env")
}

/// What `python -c "import app, sys; print(app.__file__)"` prints in `dir`'s env.
fn app_file(dir: &Path) -> String {
    let out = Command::new(dir.join(".venv/bin/python"))
        .args([
            "-c",
            "import app, tinypkg; print(app.__file__, tinypkg.VERSION)",
        ])
        .env_clear()
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", show(&out));
    stdout(&out).trim().to_owned()
}

#[test]
fn a_new_checkout_of_a_package_project_clones_the_store_and_installs_only_the_project() {
    let python = require_python!();
    let sb = sandbox_with_wheels();
    let cache = super::script::private_cache(&sb);
    let first = sb.project.canonicalize().unwrap();
    write_app(&sb, python, &first, "[\"tinypkg==1.0\", \"otherpkg\"]");
    let said = ok_in(&sb, &cache, &first, &["sync", "-v"]);
    assert!(said.contains("keeping a clone in the store"), "{said}");
    super::script::wait_for_keepers(&cache);
    // The entry holds the dependencies, not the project.
    let entries: Vec<PathBuf> = std::fs::read_dir(cache.join("envs"))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.join("penv-state.json").is_file())
        .collect();
    assert_eq!(entries.len(), 1, "{said}");
    let site = super::oracle::site_packages(&entries[0]).unwrap();
    let names: Vec<String> = std::fs::read_dir(&site)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        names.iter().any(|n| n.starts_with("tinypkg-1.0")),
        "{names:?}"
    );
    assert!(!names.iter().any(|n| n.starts_with("app")), "{names:?}");
    // A second checkout (a `git worktree add`): cloned, the project installed.
    let second = sb.tmp.path().canonicalize().unwrap().join("second");
    write_tree(&second, &read_tree(&first));
    std::fs::remove_dir_all(second.join(".venv")).ok();
    std::fs::remove_dir_all(second.join(".penv")).ok();
    let said = ok_in(&sb, &cache, &second, &["sync"]);
    assert!(
        said.contains("cloned from the store") && said.contains("the project installed with pip"),
        "{said}"
    );
    assert_eq!(
        app_file(&second),
        format!("{} 1.0", second.join("app.py").display())
    );
    // By content, what a build from nothing in that checkout gives.
    let cloned = content(&second);
    ok_in(&sb, &cache, &second, &["sync", "--reinstall"]);
    let fresh = content(&second);
    let diff = differences(&cloned, &fresh);
    assert!(diff.is_empty(), "{}", diff.join("\n"));
    // The first checkout's env still imports its own project.
    assert_eq!(
        app_file(&first),
        format!("{} 1.0", first.join("app.py").display())
    );
}

#[test]
fn a_package_project_with_dynamic_dependencies_is_not_shared() {
    let python = require_python!();
    let sb = sandbox_with_wheels();
    let cache = super::script::private_cache(&sb);
    let dir = sb.project.canonicalize().unwrap();
    write_app(&sb, python, &dir, "[\"tinypkg\"]");
    let text = std::fs::read_to_string(dir.join("pyproject.toml")).unwrap();
    let text = text.replace(
        "version = \"1.0\"\n",
        "version = \"1.0\"\ndynamic = [\"dependencies\"]\n",
    );
    std::fs::write(dir.join("pyproject.toml"), text).unwrap();
    let said = ok_in(&sb, &cache, &dir, &["sync", "-v"]);
    assert!(
        said.contains("the env is not kept in the store: the project's dependencies are not static: `dependencies` is dynamic"),
        "{said}"
    );
}
