//! Reuse with `installer = "uv"`: every install a derive runs into its
//! clone goes to uv, as a build's do (a package project's own install into
//! a store clone, too), and what it gives equals, by content, what uv
//! builds from nothing.

use super::oracle::{differences, read_tree, write_tree};
use super::package_store::{content, write_app};
use super::*;
use crate::common::output::show;
use crate::common::uv::with_uv;
use crate::require_uv;

/// penv with uv on `PATH` and `PENV_INSTALLER=uv`, in `dir`, with `cache`
/// (whose store keeps envs); asserts success and returns stderr.
#[track_caller]
fn uv_ok(sb: &Sandbox, uv: &Path, cache: &Path, dir: &Path, args: &[&str]) -> String {
    let mut cmd = super::script::penv(sb, cache);
    with_uv(&mut cmd, sb, uv)
        .env("PENV_INSTALLER", "uv")
        .current_dir(dir)
        .args(args);
    let out = cmd.output().unwrap();
    assert!(out.status.success(), "{}", show(&out));
    stderr(&out)
}

/// A new checkout of a package project: the store's env (its
/// dependencies) cloned, and the project itself installed by uv — with
/// no pip in the env (`pip = false`), so nothing else could have — equal
/// to a build from nothing there.
#[test]
fn a_package_projects_new_checkout_installs_the_project_with_uv() {
    new_checkout_with_uv(false);
}

/// The same with pip in the env: still uv, given only uv's options (pip's
/// `--report` is not one).
#[test]
fn a_package_projects_new_checkout_with_pip_in_the_env_installs_with_uv() {
    new_checkout_with_uv(true);
}

fn new_checkout_with_uv(pip: bool) {
    let python = require_python!();
    let uv = require_uv!();
    let sb = sandbox_with_wheels();
    let cache = super::script::private_cache(&sb);
    let first = sb.project.canonicalize().unwrap();
    write_app(&sb, python, &first, "[\"tinypkg==1.0\", \"otherpkg\"]");
    let toml = first.join("pyproject.toml");
    let text = std::fs::read_to_string(&toml).unwrap();
    std::fs::write(&toml, format!("{text}\n[tool.penv.venv]\npip = {pip}\n")).unwrap();
    let said = uv_ok(&sb, uv, &cache, &first, &["sync", "-v"]);
    assert!(said.contains("keeping a clone in the store"), "{said}");
    let second = sb.tmp.path().canonicalize().unwrap().join("second");
    write_tree(&second, &read_tree(&first));
    std::fs::remove_dir_all(second.join(".venv")).ok();
    std::fs::remove_dir_all(second.join(".penv")).ok();
    let said = uv_ok(&sb, uv, &cache, &second, &["sync"]);
    assert!(
        said.contains("cloned from the store")
            && said.contains("the project installed with uv")
            && !said.contains("built from nothing"),
        "{said}"
    );
    let cloned = content(&second);
    uv_ok(&sb, uv, &cache, &second, &["sync", "--reinstall"]);
    let diff = differences(&cloned, &content(&second));
    assert!(diff.is_empty(), "{}", diff.join("\n"));
}

/// With uv and a lock, an edit derives: uv installed each locked file
/// hash-checked, so what the env holds is known by content; the clone
/// keeps what the new lock still pins, uv uninstalls and installs the
/// rest, and the result equals uv's build from nothing of the new lock —
/// with pip in the env or without it.
#[test]
fn a_locked_edit_with_uv_derives_and_equals_a_build_from_nothing() {
    for pip in [true, false] {
        let python = require_python!();
        let uv = require_uv!();
        let sb = sandbox_with_wheels();
        build_wheel(&sb.wheels, "deppkg", "1.0", &["otherpkg"]);
        build_wheel(&sb.wheels, "newpkg", "1.0", &[]);
        let cache = super::script::private_cache(&sb);
        let project = sb.project.canonicalize().unwrap();
        let write = |requirements: &str| {
            sb.write_offline_toml(
                python,
                &format!("requirements = {requirements}\n[venv]\npip = {pip}\n"),
            );
        };
        write("[\"tinypkg==1.0\", \"deppkg\"]");
        uv_ok(&sb, uv, &cache, &project, &["lock"]);
        uv_ok(&sb, uv, &cache, &project, &["sync"]);
        // An edit: one pin changed, one package gone, one added.
        write("[\"tinypkg==2.0\", \"otherpkg\", \"newpkg\"]");
        uv_ok(&sb, uv, &cache, &project, &["lock"]);
        let said = uv_ok(&sb, uv, &cache, &project, &["sync", "-v"]);
        assert!(
            said.contains("derived from `.venv`") && !said.contains(": 0 kept"),
            "pip = {pip}: {said}"
        );
        let derived = content(&project);
        uv_ok(&sb, uv, &cache, &project, &["sync", "--reinstall"]);
        let diff = differences(&derived, &content(&project));
        assert!(diff.is_empty(), "pip = {pip}: {}", diff.join("\n"));
    }
}
