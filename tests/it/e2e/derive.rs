//! Derive, don't rebuild: an edit of the spec clones the env and lets pip
//! install or remove only what changed, and the result is what a fresh
//! build installs (`pip list`), for every kind of edit; another checkout of
//! the same spec gets its env from the store, with no pip at all.

use super::*;
use crate::common::output::show;

/// `pip list --format=freeze` of the sandbox's env, sorted.
fn pip_list(sb: &Sandbox) -> Vec<String> {
    let out = Command::new(sb.env().join("bin/python"))
        .args([
            "-m",
            "pip",
            "list",
            "--format=freeze",
            "--disable-pip-version-check",
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "pip list: {}", show(&out));
    let mut lines: Vec<String> = stdout(&out).lines().map(str::to_owned).collect();
    lines.sort();
    lines
}

/// penv with a cache of the test's own, whose store keeps projects' envs
/// (the sandbox's shared cache keeps none: `PENV_STORE_MAX=0`).
fn with_store(sb: &Sandbox, cache: &Path) -> Command {
    let mut cmd = super::script::penv(sb, cache);
    cmd.env("PENV_STORE_MAX", "10G");
    cmd
}

/// The env's origin, as `status --json` says.
fn origin(sb: &Sandbox, penv: &dyn Fn(&[&str]) -> Output) -> serde_json::Value {
    let out = penv(&["status", "--json"]);
    assert_code(&out, 0);
    let _ = sb;
    serde_json::from_slice::<serde_json::Value>(&out.stdout).unwrap()["origin"].clone()
}

/// Wheels with dependencies, an extra and a marker that excludes one.
fn wheels(sb: &Sandbox) {
    build_wheel(&sb.wheels, "tinypkg", "1.0", &[]);
    build_wheel(&sb.wheels, "tinypkg", "2.0", &[]);
    build_wheel(&sb.wheels, "otherpkg", "1.0", &[]);
    build_wheel(&sb.wheels, "app", "1.0", &["tinypkg"]);
    build_wheel(&sb.wheels, "extradep", "1.0", &[]);
    // `Provides-Extra` rides on the last `Requires-Dist` line.
    build_wheel(
        &sb.wheels,
        "withextra",
        "1.0",
        &["extradep; extra == 'fast'\nProvides-Extra: fast"],
    );
    build_wheel(&sb.wheels, "markerdep", "1.0", &[]);
    build_wheel(
        &sb.wheels,
        "marked",
        "1.0",
        &["markerdep; python_version < '3'", "otherpkg"],
    );
}

#[test]
#[ignore = "long: every case in turn; `just test-all` (and CI) runs it"]
fn every_kind_of_edit_is_derived_and_equals_a_fresh_build() {
    let python = require_python!();
    let sb = Sandbox::new();
    wheels(&sb);
    let cache = super::script::private_cache(&sb);
    let penv = |args: &[&str]| with_store(&sb, &cache).args(args).output().unwrap();
    let write = |reqs: &[&str]| {
        let list: Vec<String> = reqs.iter().map(|r| format!("{r:?}")).collect();
        sb.write_offline_toml(python, &format!("requirements = [{}]", list.join(", ")));
    };
    write(&["otherpkg"]);
    assert_exit_and_stderr(&penv(&["sync"]), 0, "Built `.venv`");
    assert_eq!(origin(&sb, &penv)["kind"], "built");
    let edits: [(&str, &[&str], &[&str]); 6] = [
        ("add", &["otherpkg", "app"], &["app==1.0", "tinypkg==2.0"]),
        ("remove", &["app"], &["app==1.0"]),
        ("downgrade", &["app", "tinypkg==1.0"], &["tinypkg==1.0"]),
        ("upgrade", &["app", "tinypkg>=2"], &["tinypkg==2.0"]),
        (
            "extras",
            &["withextra[fast]"],
            &["extradep==1.0", "withextra==1.0"],
        ),
        ("markers", &["marked"], &["marked==1.0", "otherpkg==1.0"]),
    ];
    for (kind, reqs, expect) in edits {
        write(reqs);
        let out = penv(&["sync"]);
        assert_exit_and_stderr(&out, 0, "derived from `.venv`");
        let derived = pip_list(&sb);
        for line in expect {
            assert!(derived.contains(&(*line).to_owned()), "{kind}: {derived:?}");
        }
        let from = origin(&sb, &penv);
        assert_eq!(from["kind"], "derived", "{kind}: {from}");
        assert_eq!(from["from"], sb.env().display().to_string(), "{kind}");
        // The same spec built from nothing (`--reinstall` never derives).
        let out = penv(&["sync", "--reinstall"]);
        assert_exit_and_stderr(&out, 0, "Built `.venv`");
        assert_eq!(origin(&sb, &penv)["kind"], "built", "{kind}");
        assert_eq!(derived, pip_list(&sb), "{kind}: derived vs fresh");
    }
    // `markerdep` is excluded by its marker, and was never installed.
    assert!(!pip_list(&sb).iter().any(|l| l.starts_with("markerdep")));
}

#[test]
fn another_checkout_of_the_same_spec_clones_the_store_env_with_no_pip() {
    let python = require_python!();
    let sb = Sandbox::new();
    wheels(&sb);
    let cache = super::script::private_cache(&sb);
    sb.write_offline_toml(python, "requirements = [\"app\"]");
    let out = with_store(&sb, &cache).arg("sync").output().unwrap();
    assert_exit_and_stderr(&out, 0, "Built `.venv`");
    // A second checkout: the project's files, no env.
    let other = sb.tmp.path().join("worktree");
    std::fs::create_dir(&other).unwrap();
    std::fs::copy(sb.project.join("penv.toml"), other.join("penv.toml")).unwrap();
    let in_other = |args: &[&str]| {
        with_store(&sb, &cache)
            .current_dir(&other)
            .args(args)
            .output()
            .unwrap()
    };
    let out = in_other(&["sync"]);
    assert_exit_and_stderr(&out, 0, "cloned from the store");
    let said = stderr(&out);
    assert!(
        !said.contains("Installing")
            && !said.contains("Creating venv")
            && !said.contains("seeding"),
        "{}",
        show(&out)
    );
    let status: serde_json::Value =
        serde_json::from_slice(&in_other(&["status", "--json"]).stdout).unwrap();
    assert_eq!(status["state"], "fresh", "{status:#}");
    assert_eq!(status["origin"]["kind"], "store", "{status:#}");
    let env = other.canonicalize().unwrap().join(".venv");
    let out = in_other(&["run", "python", "-c", "import app, sys; print(sys.prefix)"]);
    assert_code(&out, 0);
    assert_eq!(stdout(&out).trim(), env.display().to_string());
    // Its own env, not the first checkout's: removing a package there
    // leaves the first one whole.
    let out = in_other(&["run", "--no-sync", "pip", "uninstall", "-y", "app"]);
    assert_code(&out, 0);
    assert_eq!(imported(&sb, "app").as_deref(), Some("1.0"));
    // `PENV_STORE_MAX=0` keeps no project's env in the store.
    let third = sb.tmp.path().join("third");
    std::fs::create_dir(&third).unwrap();
    sb.write(
        "penv.toml",
        &sb.offline_toml(python, "requirements = [\"otherpkg\"]"),
    );
    std::fs::copy(sb.project.join("penv.toml"), third.join("penv.toml")).unwrap();
    let out = with_store(&sb, &cache)
        .env("PENV_STORE_MAX", "0")
        .arg("sync")
        .output()
        .unwrap();
    assert_exit_and_stderr(&out, 0, "Built `.venv`");
    let out = with_store(&sb, &cache)
        .current_dir(&third)
        .arg("sync")
        .output()
        .unwrap();
    assert_exit_and_stderr(&out, 0, "Built `.venv`");
    assert!(
        !stderr(&out).contains("cloned from the store"),
        "{}",
        show(&out)
    );
}

#[test]
fn a_bad_link_mode_is_an_error_naming_the_variable() {
    let python = require_python!();
    let sb = synced_sandbox(python, &["tinypkg==1.0"]);
    write_requirements(&sb, python, &["tinypkg==2.0"]);
    let out = sb
        .penv()
        .env("PENV_LINK_MODE", "symlink")
        .arg("sync")
        .output()
        .unwrap();
    assert_exit_and_stderr(&out, 2, "`PENV_LINK_MODE`: `symlink` is not a link mode");
    assert_eq!(
        imported(&sb, "tinypkg").as_deref(),
        Some("1.0"),
        "the env is untouched"
    );
    // Copies share no file with the env cloned from.
    write_requirements(&sb, python, &["tinypkg==1.0", "otherpkg"]);
    let out = sb
        .penv()
        .env("PENV_LINK_MODE", "copy")
        .arg("sync")
        .output()
        .unwrap();
    assert_exit_and_stderr(&out, 0, "derived from `.venv` (copy)");
}
