//! End-to-end: real envs built with the machine's Python and wheels the
//! tests build on the spot (no network). Each test is one user story: build,
//! no-op, edit something, see the env follow (or refuse, and say why).

mod checkouts;
mod commands;
mod data_safety;
mod derive;
mod doctor;
mod drift;
mod edge;
mod edit;
mod edits_during_sync;
mod env_safety;
mod envs;
mod examples;
mod hashed_inputs;
mod hooks;
mod identity;
mod inspect;
mod lock;
mod lock_adopt;
mod lock_auth;
mod lock_hostile;
mod lock_local;
mod lock_parts;
mod lock_speed;
mod lock_sync;
mod lock_with_uv;
mod odd_paths;
mod oracle;
mod package_derive;
mod package_store;
mod pdm_lock;
mod pip_index;
mod pip_seed;
mod poetry;
mod poetry_lock;
mod pyproject;
mod relocate;
mod removal;
mod rough_edges;
mod script;
mod shell;
mod store;
mod store_keeper;
mod sync;
mod tasks;
mod trash;
mod uv;
mod uv_derive;
mod uv_lock;
mod verdict;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::common::interpreters::{copied_python, fake_python};
use crate::common::output::{assert_code, assert_exit_and_stderr, stderr, stdout};
use crate::common::{Sandbox, build_wheel, penv_bin};

/// A sandbox with `tinypkg` 1.0 in a `wheels/` directory inside the project
/// (for relative paths), and that directory.
fn sandbox_with_project_wheels() -> (Sandbox, PathBuf) {
    let sb = Sandbox::new();
    let local = sb.project.join("wheels");
    std::fs::create_dir_all(&local).unwrap();
    build_wheel(&local, "tinypkg", "1.0", &[]);
    (sb, local)
}

/// A sandbox whose wheel directory holds `tinypkg` 1.0 and 2.0 and `otherpkg` 1.0.
fn sandbox_with_wheels() -> Sandbox {
    let sb = Sandbox::new();
    build_wheel(&sb.wheels, "tinypkg", "1.0", &[]);
    build_wheel(&sb.wheels, "tinypkg", "2.0", &[]);
    build_wheel(&sb.wheels, "otherpkg", "1.0", &[]);
    sb
}

/// A [`sandbox_with_wheels`] whose env is built from `requirements` with `python`.
fn synced_sandbox(python: &Path, requirements: &[&str]) -> Sandbox {
    let sb = sandbox_with_wheels();
    write_requirements(&sb, python, requirements);
    sb.ok(&["sync"]);
    sb
}

/// Asserts that stderr says `needle`, showing it when it does not.
#[track_caller]
fn assert_stderr_says(out: &Output, needle: &str) {
    assert!(stderr(out).contains(needle), "{}", stderr(out));
}

/// Which of `modules` the env imports, in that order, then `beta=VERSION`
/// (the foreign-lock tests' packages: `beta` is always installed).
fn modules_and_beta(sb: &Sandbox, modules: &[&str]) -> Vec<String> {
    let (ok, out) = sb.env_python(&format!(
        "import importlib.util as u\n\
         found = [n for n in {modules:?} if u.find_spec(n)]\n\
         import beta\n\
         print(' '.join(found), 'beta=' + beta.VERSION)"
    ));
    assert!(ok, "{out}");
    out.split_whitespace().map(str::to_owned).collect()
}

/// The version of `module` the env imports, or `None` when it does not import.
fn imported(sb: &Sandbox, module: &str) -> Option<String> {
    let (ok, out) = sb.env_python(&format!("import {module}; print({module}.VERSION)"));
    ok.then_some(out)
}

/// Writes an offline `penv.toml` for `python` with these `requirements`.
fn write_requirements(sb: &Sandbox, python: &Path, requirements: &[&str]) {
    let quoted: Vec<String> = requirements.iter().map(|r| format!("{r:?}")).collect();
    sb.write_offline_toml(python, &format!("requirements = [{}]", quoted.join(", ")));
}

/// `penv status --json`, parsed.
fn status_json(sb: &Sandbox) -> serde_json::Value {
    serde_json::from_str(&sb.ok(&["status", "--json"])).expect("status --json is JSON")
}

fn state_file(sb: &Sandbox) -> PathBuf {
    sb.env().join("penv-state.json")
}
