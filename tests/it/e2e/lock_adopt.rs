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
