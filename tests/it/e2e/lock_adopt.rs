//! Syncing from a lock as from requirements: `penv lock` in a project
//! whose env is built, then the next sync keeps every package; and a
//! locked package project's own metadata in the env's spec.
//!
//! `penv lock` in a project whose env is built: the next sync keeps every
//! package. A lock's file that the project's own sources hold (its index,
//! a `find-links` directory) is installed by name and version, hash-checked,
//! as a build from the requirements installed it — no `direct_url.json`,
//! `pip freeze` without `name @ url` — so the env built from requirements
//! already is, by content, the env the lock builds.

use super::oracle::{Digests, differences, read_tree, snapshot, write_tree};
use super::*;

/// Every `*.dist-info` of the env with a `direct_url.json` (but pip's:
/// penv seeds it from a wheel file).
fn direct_urls(env: &Path) -> Vec<String> {
    let site = super::oracle::site_packages(env).expect("site-packages");
    std::fs::read_dir(site)
        .unwrap()
        .flatten()
        .filter(|e| e.path().join("direct_url.json").exists())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|name| !name.starts_with("pip-"))
        .collect()
}

#[test]
fn the_first_sync_after_lock_keeps_every_package_and_equals_a_build_from_the_lock() {
    let python = require_python!();
    let sb = sandbox_with_wheels();
    build_wheel(&sb.wheels, "deppkg", "1.0", &["otherpkg"]);
    sb.write_offline_toml(python, "requirements = [\"tinypkg==1.0\", \"deppkg\"]\n");
    sb.ok(&["sync"]);
    sb.ok(&["lock"]);
    let out = sb.run(&["sync", "-v"]);
    assert_code(&out, 0);
    let said = stderr(&out);
    assert!(said.contains("from `pylock.toml`"), "{said}");
    assert!(
        said.contains(", 0 installed, 0 removed"),
        "kept, not reinstalled: {said}"
    );
    assert_eq!(direct_urls(&sb.env()), Vec::<String>::new());
    assert_eq!(status_json(&sb)["state"], "fresh");

    // The same project built from nothing from its lock.
    let root = sb.tmp.path().canonicalize().unwrap();
    let fresh = root.join("fresh");
    write_tree(&fresh, &read_tree(&sb.project));
    let _ = std::fs::remove_dir_all(fresh.join(".venv"));
    let _ = std::fs::remove_dir_all(fresh.join(".penv"));
    let mut cmd = sb.penv();
    cmd.current_dir(&fresh)
        .env("PENV_STORE_MAX", "0")
        .args(["sync", "--frozen"]);
    let out = cmd.output().unwrap();
    assert_code(&out, 0);
    // By name and version: hash-checked, from the project's `find-links`.
    let reqs = std::fs::read_to_string(fresh.join(".penv/.venv.pylock.txt")).unwrap();
    assert!(
        reqs.lines()
            .any(|l| l.starts_with("tinypkg==1.0 --hash=sha256:")),
        "{reqs}"
    );
    assert!(!reqs.contains(" @ "), "{reqs}");
    assert_eq!(direct_urls(&fresh.join(".venv")), Vec::<String>::new());
    let roots = [sb.project.as_path(), fresh.as_path()];
    let mut digests = Digests::default();
    let want = snapshot(&fresh.join(".venv"), &roots, false, &mut digests).unwrap();
    let got = snapshot(&sb.env(), &roots, false, &mut digests).unwrap();
    let diff = differences(&got, &want);
    assert!(
        diff.is_empty(),
        "the kept env differs from a build from the lock: {diff:#?}"
    );
}

/// A package project synced from another tool's lock (`uv.lock`): the
/// project itself is built from its own tree, so its metadata files are
/// part of the env's spec as without a lock — an edit uv's lock does not
/// record (scripts, entry points, a description) makes the env stale
/// though the lock is unchanged, and the next sync installs the project
/// again. (penv's own `pylock.toml` records those files' hashes: it goes
/// stale itself.)
#[test]
fn a_uv_locked_package_projects_metadata_edit_makes_its_env_stale() {
    let python = require_python!();
    let uv = crate::require_uv!();
    let sb = sandbox_with_wheels();
    let dir = sb.project.canonicalize().unwrap();
    super::package_store::write_app(&sb, python, &dir, "[\"tinypkg==1.0\"]");
    let toml = dir.join("pyproject.toml");
    let text = std::fs::read_to_string(&toml).unwrap();
    let with_uv = format!("{text}\n[tool.uv]\nno-index = true\nfind-links = [\"../wheels\"]\n");
    std::fs::write(&toml, &with_uv).unwrap();
    let locked = Command::new(uv)
        .args(["lock", "--quiet"])
        .current_dir(&dir)
        .env("UV_CACHE_DIR", sb.tmp.path().join("uv-cache"))
        .env("UV_OFFLINE", "1")
        .env("UV_PYTHON", python)
        .output()
        .unwrap();
    assert_code(&locked, 0);
    // uv records no hash for a local `find-links` file; an index's file has
    // one, as here.
    let mut lock = std::fs::read_to_string(dir.join("uv.lock")).unwrap();
    for wheel in [
        "tinypkg-1.0-py3-none-any.whl",
        "otherpkg-1.0-py3-none-any.whl",
    ] {
        let digest = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(
            std::fs::read(sb.wheels.join(wheel)).unwrap(),
        ));
        lock = lock.replace(
            &format!("{{ path = \"{wheel}\" }}"),
            &format!("{{ path = \"{wheel}\", hash = \"sha256:{digest}\" }}"),
        );
    }
    std::fs::write(dir.join("uv.lock"), lock).unwrap();
    sb.ok(&["sync"]);
    assert_eq!(status_json(&sb)["state"], "fresh");
    let edited = with_uv.replace(
        "version = \"1.0\"\n",
        "version = \"1.0\"\ndescription = \"edited\"\n",
    );
    assert_ne!(edited, with_uv);
    std::fs::write(&toml, edited).unwrap();
    let out = sb.run(&["sync", "--check"]);
    assert_exit_and_stderr(&out, 1, "`pyproject.toml` of `-e .` changed");
    sb.ok(&["sync"]);
    assert_eq!(status_json(&sb)["state"], "fresh");
}

/// A locked package project whose lock moves (a pin upgraded, its
/// `pyproject.toml` untouched): the derive keeps its editable install (its
/// metadata files unchanged, as the spec says), as without a lock, instead
/// of building it again — and equals a build from nothing, with pip and
/// with uv.
#[test]
fn a_locked_package_projects_pin_upgrade_keeps_the_project() {
    let python = require_python!();
    for uv in [false, true] {
        let uv_bin = if uv { Some(crate::require_uv!()) } else { None };
        let sb = Sandbox::new();
        build_wheel(&sb.wheels, "tinypkg", "1.0", &[]);
        build_wheel(&sb.wheels, "otherpkg", "1.0", &[]);
        let dir = sb.project.canonicalize().unwrap();
        let cache = super::script::private_cache(&sb);
        let penv = |args: &[&str]| {
            let mut cmd = super::script::penv(&sb, &cache);
            if let Some(uv) = uv_bin {
                crate::common::uv::with_uv(&mut cmd, &sb, uv).env("PENV_INSTALLER", "uv");
            }
            let out = cmd.current_dir(&dir).args(args).output().unwrap();
            assert_code(&out, 0);
            stderr(&out)
        };
        super::package_store::write_app(&sb, python, &dir, "[\"tinypkg\"]");
        penv(&["lock"]);
        penv(&["sync"]);
        build_wheel(&sb.wheels, "tinypkg", "2.0", &[]);
        penv(&["lock", "--upgrade-package", "tinypkg"]);
        let said = penv(&["sync", "-v"]);
        assert!(
            said.contains("derived from `.venv`") && !said.contains("Installing the project"),
            "uv = {uv}: {said}"
        );
        assert_eq!(
            imported(&sb, "tinypkg").as_deref(),
            Some("2.0"),
            "uv = {uv}"
        );
        let derived = super::package_store::content(&dir);
        penv(&["sync", "--reinstall"]);
        let diff = super::oracle::differences(&derived, &super::package_store::content(&dir));
        assert!(diff.is_empty(), "uv = {uv}: {}", diff.join("\n"));
    }
}
