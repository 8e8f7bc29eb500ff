//! `penv python list` as a new user reads it: every interpreter by its
//! absolute path, wherever penv runs from, and those penv cannot build an
//! env with (a venv's python, a Python older than 3.7) marked with the
//! reason, as a Python 2 is. The fake interpreters answer penv's probe;
//! the venv is a real `python -m venv`.

use std::path::Path;
use std::process::Command;

use super::cases::{PENV, common_env};
use crate::common::interpreters::{fake_cpython_3_12, fake_python};
use crate::common::output::{show, stdout};

/// A directory `bin/` holding a copy of the shared fake CPython 3.12.4.
fn fake_312(root: &Path) -> std::path::PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let bin = root.join("fake312/bin");
    std::fs::create_dir_all(&bin).unwrap();
    let python = bin.join("python3");
    std::fs::copy(fake_cpython_3_12(), &python).unwrap();
    std::fs::set_permissions(&python, std::fs::Permissions::from_mode(0o755)).unwrap();
    python
}

/// `penv python list ARGS` run from `cwd` with `PATH` = `path` then the cases' PATH.
fn list(cwd: &Path, path: &str, args: &[&str]) -> String {
    let mut cmd = Command::new(PENV);
    cmd.current_dir(cwd)
        .env_clear()
        .args(["python", "list"])
        .args(args)
        .env("HOME", cwd.join("home"))
        .env("PENV_CACHE_DIR", cwd.join("cache"));
    for (key, value) in common_env() {
        cmd.env(key, value);
    }
    let base_path = common_env()
        .into_iter()
        .find(|(k, _)| *k == "PATH")
        .unwrap()
        .1;
    cmd.env("PATH", format!("{path}:{base_path}"));
    let out = cmd.output().expect("penv runs");
    assert!(out.status.success(), "{}", show(&out));
    stdout(&out)
}

/// The line of `listing` about `path`.
fn line_of<'a>(listing: &'a str, path: &Path) -> &'a str {
    let quoted = format!("`{}`", path.display());
    listing
        .lines()
        .find(|l| l.contains(&quoted))
        .unwrap_or_else(|| panic!("no line for {quoted} in:\n{listing}"))
}

#[test]
fn python_list_shows_absolute_paths_and_marks_what_penv_cannot_use() {
    let python = require_python!();
    let tmp = crate::common::scratch::tempdir();
    let root = tmp.path().canonicalize().unwrap();
    let good = fake_312(&root);
    let old = fake_python(&root.join("old36/bin"), "python3.6", "cpython", "3.6.15");
    let venv = root.join("vv");
    let made = Command::new(python)
        .args(["-m", "venv", "--without-pip"])
        .arg(&venv)
        .status()
        .unwrap();
    assert!(made.success());
    let base = python.canonicalize().unwrap();
    // The venv first, as activating it puts it; its base's directory after.
    let path = format!(
        "{}:{}:{}:{}",
        venv.join("bin").display(),
        good.parent().unwrap().display(),
        old.parent().unwrap().display(),
        base.parent().unwrap().display()
    );
    // Run from the directory that holds them all: relative paths would show.
    let listing = list(&root, &path, &[]);
    assert_eq!(
        line_of(&listing, &good),
        format!("  cpython 3.12.4 `{}` (PATH)", good.display())
    );
    assert_eq!(
        line_of(&listing, &old),
        format!(
            "  cpython 3.6.15 `{}` (PATH): unusable: Python 3.6.15 is older than 3.7, the oldest penv supports",
            old.display()
        )
    );
    // The venv's python is one entry (not one per link), marked.
    let in_venv: Vec<&str> = listing
        .lines()
        .filter(|l| l.contains(&format!("`{}/bin/", venv.display())))
        .collect();
    assert_eq!(in_venv.len(), 1, "{listing}");
    assert!(
        in_venv[0].ends_with(&format!(
            "(PATH): unusable: a virtual environment's python (the venv `{}`), not a base interpreter",
            venv.display()
        )),
        "{}",
        in_venv[0]
    );

    // The same in JSON: plain absolute paths, and whether each is usable.
    let json: serde_json::Value = serde_json::from_str(&list(&root, &path, &["--json"])).unwrap();
    let items = json["interpreters"].as_array().unwrap();
    let item = |p: &Path| {
        items
            .iter()
            .find(|i| i["path"] == p.to_str().unwrap())
            .unwrap_or_else(|| panic!("no entry for {}: {json:#}", p.display()))
    };
    assert_eq!(item(&good)["usable"], true);
    assert_eq!(item(&good)["unusable-reason"], serde_json::Value::Null);
    assert_eq!(item(&old)["usable"], false);
    let venv_item = items
        .iter()
        .find(|i| i["venv"] == venv.to_str().unwrap())
        .unwrap();
    assert_eq!(venv_item["usable"], false);
    // The venv's python links to its base, but does not hide it: the base
    // is listed, usable, under its own path.
    assert_eq!(venv_item["canonical-path"], base.to_str().unwrap());
    assert!(
        items
            .iter()
            .any(|i| i["canonical-path"] == base.to_str().unwrap()
                && i["venv"].is_null()
                && i["usable"] == true),
        "the venv's base is not listed as usable: {json:#}"
    );
    for i in items {
        let p = i["path"].as_str().unwrap();
        assert!(p.starts_with('/') && !p.contains('`'), "{p}");
        if let Some(why) = i["unusable-reason"].as_str() {
            assert!(!why.contains('`'), "Markdown in JSON: {why}");
        }
    }
}
