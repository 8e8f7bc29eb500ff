//! `[venv] installer = "uv"` (and `PENV_INSTALLER`): envs filled by
//! `uv pip` with every guarantee pip's have — the spec hash (the installer
//! is part of it), relocation and the swap, the store, a build from nothing
//! as the measure of every reuse — and uv found on `PATH`, fetched once
//! from the project's `find-links`, or a clear error. uv installs only the
//! wheels the tests build (`no-index`), its cache in the test's temp dir.

use super::oracle::{Digests, differences, read_tree, snapshot, write_tree};
use super::*;
use crate::common::output::show;
use crate::common::uv::with_uv;
use crate::common::{build_wheel_files, build_wheel_headed};
use crate::require_uv;

/// A sandbox whose wheels hold `deppkg` 1.0 (needing `otherpkg`) besides
/// [`sandbox_with_wheels`]'s, and whose project asks for `requirements`
/// with `venv` (lines of the `[venv]` table).
fn uv_project(python: &Path, requirements: &[&str], venv: &str) -> Sandbox {
    let sb = sandbox_with_wheels();
    build_wheel(&sb.wheels, "deppkg", "1.0", &["otherpkg"]);
    write_uv_project(&sb, python, requirements, venv);
    sb
}

fn write_uv_project(sb: &Sandbox, python: &Path, requirements: &[&str], venv: &str) {
    let quoted: Vec<String> = requirements.iter().map(|r| format!("{r:?}")).collect();
    sb.write_offline_toml(
        python,
        &format!("requirements = [{}]\n[venv]\n{venv}\n", quoted.join(", ")),
    );
}

/// penv in the sandbox with uv on its `PATH`.
fn penv_uv(sb: &Sandbox, uv: &Path) -> Command {
    let mut cmd = sb.penv();
    with_uv(&mut cmd, sb, uv);
    cmd
}

/// Runs `cmd`, asserting success; returns its stderr.
#[track_caller]
fn ok(cmd: &mut Command) -> String {
    let out = cmd.output().unwrap();
    assert!(out.status.success(), "{}", show(&out));
    stderr(&out)
}

/// The installer `INSTALLER` names for distribution `dist` in the env.
fn installer_of(env: &Path, dist: &str) -> String {
    let site = super::oracle::site_packages(env).expect("site-packages");
    let info = std::fs::read_dir(&site)
        .unwrap()
        .flatten()
        .find(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            name.starts_with(&format!("{dist}-")) && name.ends_with(".dist-info")
        })
        .unwrap_or_else(|| panic!("no {dist} in {}", site.display()));
    std::fs::read_to_string(info.path().join("INSTALLER"))
        .unwrap()
        .trim()
        .to_owned()
}

#[test]
fn uv_builds_an_env_from_nothing_that_stays_fresh() {
    let python = require_python!();
    let uv = require_uv!();
    let sb = uv_project(python, &["deppkg"], "installer = \"uv\"");
    let said = ok(penv_uv(&sb, uv).arg("sync"));
    assert!(said.contains("with uv"), "{said}");
    assert_eq!(imported(&sb, "deppkg").as_deref(), Some("1.0"));
    assert_eq!(imported(&sb, "otherpkg").as_deref(), Some("1.0"));
    assert_eq!(installer_of(&sb.env(), "otherpkg"), "uv");
    // Built beside `.venv` and swapped in: relocatable, and fresh.
    let state: serde_json::Value =
        serde_json::from_slice(&std::fs::read(state_file(&sb)).unwrap()).unwrap();
    assert_eq!(state["relocatable"], true, "{state}");
    assert_eq!(state["spec"]["venv"]["installer"], "uv", "{state}");
    assert!(
        sb.env().join("bin/pip").exists(),
        "pip is seeded as `venv.pip` says"
    );
    let again = ok(penv_uv(&sb, uv).arg("sync"));
    assert!(again.contains("up to date"), "{again}");
    assert_eq!(status_json(&sb)["state"], "fresh");
}

#[test]
fn switching_the_installer_changes_the_hash_and_rebuilds() {
    let python = require_python!();
    let uv = require_uv!();
    let sb = uv_project(python, &["tinypkg==1.0"], "");
    ok(sb.penv().arg("sync"));
    let with_pip = sb.ok(&["hash"]);
    assert_eq!(installer_of(&sb.env(), "tinypkg"), "pip");
    write_uv_project(&sb, python, &["tinypkg==1.0"], "installer = \"uv\"");
    let with_uv = sb.ok(&["hash"]);
    assert_ne!(with_pip, with_uv);
    let check = sb.run(&["sync", "--check"]);
    assert_exit_and_stderr(&check, 1, "installer pip → uv");
    let said = ok(penv_uv(&sb, uv).arg("sync"));
    assert!(said.contains("installer pip → uv"), "{said}");
    assert_eq!(installer_of(&sb.env(), "tinypkg"), "uv");
    // Back to pip: the pip env comes back from the stash, no uv needed.
    write_uv_project(&sb, python, &["tinypkg==1.0"], "installer = \"pip\"");
    assert_eq!(
        sb.ok(&["hash"]),
        with_pip,
        "`pip` written out is the default"
    );
    ok(sb.penv().arg("sync"));
    assert_eq!(installer_of(&sb.env(), "tinypkg"), "pip");
}

#[test]
fn penv_installer_overrides_the_project_file() {
    let python = require_python!();
    let uv = require_uv!();
    let sb = uv_project(python, &["tinypkg==1.0"], "installer = \"uv\"");
    let in_file = sb.ok(&["hash"]);
    write_uv_project(&sb, python, &["tinypkg==1.0"], "");
    let by_var = sb
        .penv()
        .args(["hash"])
        .env("PENV_INSTALLER", "uv")
        .output()
        .unwrap();
    assert_eq!(stdout(&by_var), in_file, "{}", show(&by_var));
    ok(penv_uv(&sb, uv).arg("sync").env("PENV_INSTALLER", "uv"));
    assert_eq!(installer_of(&sb.env(), "tinypkg"), "uv");
    // And the other way round: the file says uv, the variable pip.
    write_uv_project(&sb, python, &["tinypkg==1.0"], "installer = \"uv\"");
    let pip = sb
        .penv()
        .args(["sync"])
        .env("PENV_INSTALLER", "pip")
        .output()
        .unwrap();
    assert_code(&pip, 0);
    assert_eq!(installer_of(&sb.env(), "tinypkg"), "pip");
    let bad = sb
        .penv()
        .args(["sync"])
        .env("PENV_INSTALLER", "conda")
        .output()
        .unwrap();
    assert_exit_and_stderr(&bad, 2, "error: `PENV_INSTALLER=conda` is not an installer");
    assert_stderr_says(&bad, "hint: set `PENV_INSTALLER` to `pip` or `uv`");
}

#[test]
fn without_uv_the_error_says_where_penv_looked_and_what_to_do() {
    let python = require_python!();
    let on_path = Sandbox::path_var()
        .split(':')
        .any(|d| Path::new(d).join("uv").exists());
    if on_path {
        crate::skip!("uv is installed in a system directory the sandbox's PATH holds");
    }
    let sb = uv_project(python, &["tinypkg==1.0"], "installer = \"uv\"");
    let cache = super::script::private_cache(&sb);
    let out = sb
        .penv()
        .arg("sync")
        .env("PENV_CACHE_DIR", &cache)
        .output()
        .unwrap();
    assert_exit_and_stderr(
        &out,
        2,
        &format!(
            "error: `installer = \"uv\"`, but found no uv (looked in `PATH`, `{}`)",
            cache.join("uv").display()
        ),
    );
    // It asked the project's sources (here `find-links`, offline) for the wheel.
    assert_stderr_says(&out, "Fetching the `uv` wheel failed");
    assert_stderr_says(&out, "No matching distribution found for uv");
    assert_stderr_says(&out, "hint: put `uv` on `PATH`");
    assert_stderr_says(&out, "`PENV_INSTALLER=pip`");
    assert!(!sb.env().exists(), "nothing was built");
}

#[test]
fn uv_is_fetched_once_from_the_projects_find_links() {
    let python = require_python!();
    let uv = require_uv!();
    let sb = uv_project(python, &["tinypkg==1.0"], "installer = \"uv\"");
    let cache = super::script::private_cache(&sb);
    // A `uv` wheel as PyPI's is laid out: the executable in `*.data/scripts/`
    // (here one that runs the machine's uv).
    let script = format!("#!/bin/sh\nexec '{}' \"$@\"\n", uv.display());
    let wheel = build_wheel_files(
        &sb.wheels,
        "uv",
        "0.13.9",
        &[],
        &[("uv-0.13.9.data/scripts/uv", &script)],
    );
    let penv = || {
        let mut cmd = sb.penv();
        cmd.env("PENV_CACHE_DIR", &cache)
            .env("UV_CACHE_DIR", sb.tmp.path().join("uv-cache"))
            .env("UV_OFFLINE", "1");
        cmd
    };
    // `penv lock` finds it as a build does: fetched, then resolving with it.
    let said = ok(penv().arg("lock"));
    assert!(said.contains("Fetching uv"), "{said}");
    assert!(said.contains("Resolving with uv"), "{said}");
    let fetched = cache.join("uv/uv-0.13.9/uv");
    assert!(fetched.is_file(), "{said}");
    std::fs::remove_file(sb.project.join("pylock.toml")).unwrap();
    std::fs::remove_dir_all(cache.join("uv")).unwrap();
    let said = ok(penv().arg("sync"));
    assert!(said.contains("Fetching uv"), "{said}");
    assert!(fetched.is_file(), "{said}");
    assert_eq!(installer_of(&sb.env(), "tinypkg"), "uv");
    // Once: with the wheel gone, the next build uses the one in the cache.
    std::fs::remove_file(&wheel).unwrap();
    write_uv_project(&sb, python, &["tinypkg==2.0"], "installer = \"uv\"");
    let said = ok(penv().arg("sync"));
    assert!(!said.contains("Fetching uv"), "{said}");
    assert_eq!(imported(&sb, "tinypkg").as_deref(), Some("2.0"));
}

#[test]
fn uv_without_pip_in_the_env_installs_and_seeds_no_pip() {
    let python = require_python!();
    let uv = require_uv!();
    let sb = uv_project(python, &["deppkg"], "installer = \"uv\"\npip = false");
    ok(penv_uv(&sb, uv).arg("sync"));
    assert_eq!(imported(&sb, "deppkg").as_deref(), Some("1.0"));
    let site = super::oracle::site_packages(&sb.env()).unwrap();
    let pip_left: Vec<String> = std::fs::read_dir(&site)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n == "pip" || n.starts_with("pip-"))
        .collect();
    assert!(pip_left.is_empty(), "{pip_left:?}");
    assert!(!sb.env().join("bin/pip").exists());
    // With pip, the same project without uv is refused as before.
    write_uv_project(&sb, python, &["deppkg"], "pip = false");
    let out = sb.run(&["sync"]);
    assert_code(&out, 2);
}

#[test]
fn an_edit_with_uv_and_a_checkout_from_the_store_equal_a_build_from_nothing() {
    let python = require_python!();
    let uv = require_uv!();
    let sb = uv_project(python, &["tinypkg==1.0", "otherpkg"], "installer = \"uv\"");
    let cache = super::script::private_cache(&sb);
    let with_store = |dir: &Path| {
        let mut cmd = super::script::penv(&sb, &cache);
        with_uv(&mut cmd, &sb, uv).current_dir(dir);
        cmd
    };
    ok(with_store(&sb.project).arg("sync"));
    write_uv_project(
        &sb,
        python,
        &["tinypkg==2.0", "deppkg"],
        "installer = \"uv\"",
    );
    ok(with_store(&sb.project).arg("sync"));
    // A second checkout of the same spec: the store's env, cloned.
    let root = sb.tmp.path().canonicalize().unwrap();
    let other = root.join("checkout");
    write_tree(&other, &read_tree(&sb.project));
    let said = ok(with_store(&other).arg("sync"));
    assert!(
        !said.contains("Installing"),
        "cloned, not installed: {said}"
    );
    // The same project built from nothing: its own empty caches (but for
    // the prepared pip seed, as the oracle's builds from nothing have it).
    let fresh_cache = root.join("fresh-cache");
    std::fs::create_dir_all(&fresh_cache).unwrap();
    if cache.join("seed").is_dir() {
        let copied = Command::new("cp")
            .arg("-a")
            .arg(cache.join("seed"))
            .arg(&fresh_cache)
            .status();
        assert!(copied.is_ok_and(|s| s.success()));
    }
    let fresh = root.join("fresh-pj");
    write_tree(&fresh, &read_tree(&sb.project));
    let mut cmd = sb.penv();
    with_uv(&mut cmd, &sb, uv)
        .current_dir(&fresh)
        .env("PENV_CACHE_DIR", &fresh_cache)
        .env("UV_CACHE_DIR", root.join("fresh-uv-cache"));
    ok(cmd.arg("sync"));
    let roots = [sb.project.as_path(), other.as_path(), fresh.as_path()];
    let mut digests = Digests::default();
    let want = snapshot(&fresh.join(".venv"), &roots, false, &mut digests).unwrap();
    for env in [sb.env(), other.join(".venv")] {
        let got = snapshot(&env, &roots, false, &mut digests).unwrap();
        let diff = differences(&got, &want);
        assert!(diff.is_empty(), "`{}` differs: {diff:#?}", env.display());
    }
}

#[test]
fn a_find_links_wheel_rebuilt_under_its_name_reaches_the_env_with_uv() {
    let python = require_python!();
    let uv = require_uv!();
    let sb = uv_project(python, &["flpkg"], "installer = \"uv\"");
    let module = |code: &str| format!("VERSION = {code:?}\n");
    let wheel = |code: &str| {
        build_wheel_files(
            &sb.wheels,
            "flpkg",
            "1.0",
            &[],
            &[("flpkg/__init__.py", &module(code))],
        )
    };
    wheel("old");
    ok(penv_uv(&sb, uv).arg("sync"));
    assert_eq!(imported(&sb, "flpkg").as_deref(), Some("old"));
    // Same name, version and size; other bytes. uv's cache holds the old
    // wheel under that name: penv has uv read the file again.
    wheel("new");
    ok(penv_uv(&sb, uv).arg("sync"));
    assert_eq!(imported(&sb, "flpkg").as_deref(), Some("new"));
}

/// With uv, the env itself is made by `uv venv --relocatable` (uv's layout:
/// its `pyvenv.cfg` keys, its activation scripts), and it holds every
/// promise `python -m venv`'s does: fresh to penv's checks, and working
/// once renamed (its python, a console script uv installed, `activate` in
/// each shell uv writes one for, the pip penv seeded).
#[test]
fn uv_makes_the_env_and_it_works_renamed() {
    let python = require_python!();
    let uv = require_uv!();
    let sb = uv_project(python, &["relotool"], "installer = \"uv\"");
    super::relocate::build_tool_wheel(&sb.wheels, "relotool", None);
    ok(penv_uv(&sb, uv).arg("sync"));
    let cfg = std::fs::read_to_string(sb.env().join("pyvenv.cfg")).unwrap();
    assert!(cfg.contains("\nuv = "), "made by uv venv: {cfg}");
    assert!(cfg.contains("relocatable = true"), "{cfg}");
    assert!(sb.env().join("bin/activate.nu").is_file(), "uv's layout");
    assert_eq!(status_json(&sb)["state"], "fresh");
    let again = ok(penv_uv(&sb, uv).arg("sync"));
    assert!(again.contains("up to date"), "{again}");

    super::relocate::renamed_and_working(&sb, "uv's env renamed:");
}

/// `system-site-packages = true` reaches `uv venv`, and the env it makes
/// is fresh to penv's checks (which read that key of `pyvenv.cfg`).
#[test]
fn uv_venv_gets_system_site_packages() {
    let python = require_python!();
    let uv = require_uv!();
    let sb = uv_project(
        python,
        &["tinypkg==1.0"],
        "installer = \"uv\"\nsystem-site-packages = true",
    );
    ok(penv_uv(&sb, uv).arg("sync"));
    let cfg = std::fs::read_to_string(sb.env().join("pyvenv.cfg")).unwrap();
    assert!(cfg.contains("include-system-site-packages = true"), "{cfg}");
    assert_eq!(status_json(&sb)["state"], "fresh");
}

/// `link-mode = "auto"` with uv is uv's own default: the env's files are
/// hard links from uv's cache, and the store's entry links them too (its
/// files are one with uv's cache already); `copy` gives the env files of
/// its own. Either way, the env is fresh and the same by content.
#[test]
fn uv_hard_links_from_its_cache_by_default_and_copies_when_asked() {
    use std::os::unix::fs::MetadataExt;
    let python = require_python!();
    let uv = require_uv!();
    let sb = uv_project(python, &["otherpkg"], "installer = \"uv\"");
    let cache = super::script::private_cache(&sb);
    let penv = || {
        let mut cmd = super::script::penv(&sb, &cache);
        with_uv(&mut cmd, &sb, uv);
        cmd
    };
    let module = |env: &Path| {
        super::oracle::site_packages(env)
            .expect("site-packages")
            .join("otherpkg/__init__.py")
    };
    let said = ok(penv().args(["sync", "-v"]));
    assert!(said.contains("--link-mode hardlink"), "{said}");
    super::script::wait_for_keepers(&cache);
    let installed = std::fs::metadata(module(&sb.env())).unwrap();
    assert!(
        installed.nlink() >= 3,
        "uv's cache, the env, the store: {installed:?}"
    );
    let entry = std::fs::read_dir(cache.join("envs"))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .find(|p| !p.file_name().unwrap().to_string_lossy().starts_with('.'))
        .expect("a store entry");
    let stored = std::fs::metadata(module(&entry)).unwrap();
    assert_eq!(
        stored.ino(),
        installed.ino(),
        "the store links the env's file"
    );
    assert_eq!(status_json(&sb)["state"], "fresh");

    let said = ok(penv()
        .env("PENV_LINK_MODE", "copy")
        .args(["sync", "--reinstall", "-v"]));
    assert!(said.contains("--link-mode copy"), "{said}");
    let copied = std::fs::metadata(module(&sb.env())).unwrap();
    assert_eq!(copied.nlink(), 1, "a file of its own: {copied:?}");
    assert_eq!(imported(&sb, "otherpkg").as_deref(), Some("1.0"));
    assert_eq!(status_json(&sb)["state"], "fresh");
}

/// uv ignores the upper bound of a package's `Requires-Python` (its
/// documented rule): it installs `rpx` 2.0 (`<3.1`) where pip takes 1.0.
/// penv says so, naming the package, the bound and what to do; with pip
/// there is nothing to say.
#[test]
fn what_uv_installs_against_its_requires_python_is_named() {
    let python = require_python!();
    let uv = require_uv!();
    let sb = uv_project(python, &["rpx"], "installer = \"uv\"");
    let module = [("rpx/__init__.py", "")];
    build_wheel_headed(
        &sb.wheels,
        "rpx",
        "1.0",
        &[],
        &module,
        &["Requires-Python: >=3"],
    );
    let bound = "Requires-Python: >=3,<3.1";
    build_wheel_headed(&sb.wheels, "rpx", "2.0", &[], &module, &[bound]);
    let said = ok(penv_uv(&sb, uv).arg("sync"));
    assert!(
        said.contains("warning: rpx 2.0 requires Python `>=3,<3.1`")
            && said.contains("ignores the upper bounds of `Requires-Python`")
            && said.contains("set `installer = \"pip\"`"),
        "{said}"
    );
    assert!(installer_of(&sb.project.join(".venv"), "rpx").contains("uv"));
    let doctor = |sb: &Sandbox| {
        let out = penv_uv(sb, uv).args(["doctor", "--json"]).output().unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let found = doctor(&sb);
    assert!(
        found.contains("\"requires-python\"") && found.contains("rpx 2.0"),
        "{found}"
    );
    let said = ok(penv_uv(&sb, uv).env("PENV_INSTALLER", "pip").arg("sync"));
    assert!(!said.contains("requires Python"), "{said}");
    assert!(!doctor(&sb).contains("requires-python"));
    let site = super::oracle::site_packages(&sb.project.join(".venv")).expect("site-packages");
    assert!(site.join("rpx-1.0.dist-info").is_dir(), "pip takes 1.0");
}
