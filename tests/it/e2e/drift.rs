//! Changes made to the env after it was built (issue 10, items 5–7).

use super::*;

// ---- changes made to the env after it was built (issue 10, items 5–7) ----

/// `pip ARGS` with the env's own python, offline from the sandbox's wheels,
/// as a user would type it.
fn pip_by_hand(sb: &Sandbox, args: &[&str]) {
    let out = Command::new(sb.env().join("bin/python"))
        .args(["-m", "pip", "--disable-pip-version-check", "--no-input"])
        .args(args)
        .args(if args[0] == "install" {
            vec!["--no-index", "--find-links", sb.wheels.to_str().unwrap()]
        } else {
            vec![]
        })
        .env_clear()
        .output()
        .unwrap();
    assert_code(&out, 0);
}

/// `sync --check` exits 1 naming `reason`; `sync` rebuilds saying it; the
/// env is fresh again after.
#[track_caller]
fn stale_then_repaired(sb: &Sandbox, reason: &str) {
    let check = sb.run(&["sync", "--check"]);
    assert_exit_and_stderr(&check, 1, reason);
    assert_stderr_says(&check, "is stale");
    let status = status_json(sb);
    assert_eq!(status["state"], "stale", "{status}");
    assert!(
        status["reasons"]
            .as_array()
            .unwrap()
            .iter()
            // JSON holds the words plain, without Markdown quotes.
            .any(|r| r.as_str().unwrap().contains(&reason.replace('`', ""))),
        "{status}"
    );
    let out = sb.run(&["sync"]);
    assert_exit_and_stderr(&out, 0, "Recreating `.venv` (stale):");
    assert_stderr_says(&out, reason);
    assert_exit_and_stderr(&sb.run(&["sync", "--check"]), 0, "is up to date");
}

#[test]
fn a_package_uninstalled_by_hand_is_stale_and_sync_puts_it_back() {
    let python = require_python!();
    let sb = synced_sandbox(python, &["tinypkg==1.0"]);
    pip_by_hand(&sb, &["uninstall", "-y", "tinypkg"]);
    assert_eq!(imported(&sb, "tinypkg"), None);
    // Noticed without Python: none on PATH.
    let out = sb
        .penv()
        .env("PATH", "/nonexistent")
        .args(["sync", "--check"])
        .output()
        .unwrap();
    assert_exit_and_stderr(&out, 1, "`tinypkg 1.0` removed by hand");
    stale_then_repaired(&sb, "`tinypkg 1.0` removed by hand");
    assert_eq!(imported(&sb, "tinypkg").as_deref(), Some("1.0"));
    // pip is one of the env's distributions too.
    pip_by_hand(&sb, &["uninstall", "-y", "pip"]);
    stale_then_repaired(&sb, "removed by hand");
    assert!(sb.env().join("bin/pip").is_file());
}

#[test]
fn a_package_added_upgraded_or_downgraded_by_hand_is_stale() {
    let python = require_python!();
    let sb = synced_sandbox(python, &["tinypkg==1.0"]);
    pip_by_hand(&sb, &["install", "otherpkg"]);
    // Stale, not broken: `run --no-sync` warns and runs, `which` answers.
    let out = sb.run(&["run", "--no-sync", "python", "-c", "import otherpkg"]);
    assert_exit_and_stderr(&out, 0, "`otherpkg 1.0` added by hand");
    sb.ok(&["which", "python"]);
    stale_then_repaired(&sb, "`otherpkg 1.0` added by hand");
    assert_eq!(imported(&sb, "otherpkg"), None);
    pip_by_hand(&sb, &["install", "tinypkg==2.0"]);
    stale_then_repaired(&sb, "`tinypkg` 1.0 → 2.0 changed by hand");
    assert_eq!(imported(&sb, "tinypkg").as_deref(), Some("1.0"));
    write_requirements(&sb, python, &["tinypkg==2.0"]);
    sb.ok(&["sync"]);
    pip_by_hand(&sb, &["install", "tinypkg==1.0"]);
    stale_then_repaired(&sb, "`tinypkg` 2.0 → 1.0 changed by hand");
    assert_eq!(imported(&sb, "tinypkg").as_deref(), Some("2.0"));
}

#[test]
fn a_half_removed_dist_info_is_stale() {
    let python = require_python!();
    let sb = synced_sandbox(python, &["tinypkg==1.0"]);
    let (_, site) = sb.env_python(
        "import tinypkg, os; print(os.path.dirname(os.path.dirname(tinypkg.__file__)))",
    );
    let site = PathBuf::from(site);
    // What an interrupted `pip uninstall` leaves: its stash of the dist-info.
    std::fs::rename(
        site.join("tinypkg-1.0.dist-info"),
        site.join("~inypkg-1.0.dist-info"),
    )
    .unwrap();
    stale_then_repaired(&sb, "left over from an interrupted pip");
    // A dist-info whose METADATA is gone, in a site-packages that moved.
    std::fs::remove_file(site.join("tinypkg-1.0.dist-info/METADATA")).unwrap();
    std::fs::write(site.join("moved.txt"), "").unwrap();
    stale_then_repaired(&sb, "has no `METADATA`");
}

#[test]
fn site_packages_that_moved_with_the_same_packages_stays_fresh_without_python() {
    let python = require_python!();
    let sb = synced_sandbox(python, &["tinypkg==1.0"]);
    let state = || -> serde_json::Value {
        serde_json::from_slice(&std::fs::read(state_file(&sb)).unwrap()).unwrap()
    };
    let recorded = state()["as-built"]["site-packages"][0].clone();
    let site = sb.env().join(recorded["path"].as_str().unwrap());
    // What Python does on a first import of a top-level module.
    std::fs::create_dir(site.join("__pycache__")).unwrap();
    let no_python = |args: &[&str]| {
        sb.penv()
            .env("PATH", "/nonexistent")
            .args(args)
            .output()
            .unwrap()
    };
    assert_exit_and_stderr(&no_python(&["sync"]), 0, "is up to date");
    // Moved just now: the new mtime is not recorded yet (a change in the
    // same tick would go unseen), so the state is unchanged.
    assert_eq!(state()["as-built"]["site-packages"][0], recorded);
    // Once it is old enough, a no-op sync records it: one stat from then on.
    let past = std::time::SystemTime::now() - std::time::Duration::from_secs(5);
    std::fs::File::open(&site)
        .unwrap()
        .set_modified(past)
        .unwrap();
    assert_exit_and_stderr(&no_python(&["sync"]), 0, "is up to date");
    let mtime_ns = past
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    let settled = &state()["as-built"]["site-packages"][0]["mtime-ns"];
    assert_eq!(settled.to_string(), mtime_ns.to_string());
    // A hand change after that is still seen.
    pip_by_hand(&sb, &["uninstall", "-y", "tinypkg"]);
    assert_exit_and_stderr(&no_python(&["sync", "--check"]), 1, "removed by hand");
}

#[test]
fn reinstall_rebuilds_a_fresh_env_and_never_from_the_stash() {
    let python = require_python!();
    let sb = synced_sandbox(python, &["tinypkg==1.0"]);
    // A file edited inside a package: not checked (the README says so) …
    let (_, module) = sb.env_python("import tinypkg; print(tinypkg.__file__)");
    std::fs::write(&module, "VERSION = 'edited'\n").unwrap();
    assert_code(&sb.run(&["sync", "--check"]), 0);
    // … which is what `--reinstall` is for.
    let out = sb.run(&["sync", "--reinstall"]);
    assert_exit_and_stderr(&out, 0, "Reinstalling `.venv` (--reinstall)");
    assert_stderr_says(&out, "Built `.venv`");
    assert_eq!(imported(&sb, "tinypkg").as_deref(), Some("1.0"));
    // Going back to a stashed spec with `--reinstall`: built, not restored.
    write_requirements(&sb, python, &["tinypkg==2.0"]);
    sb.ok(&["sync"]);
    write_requirements(&sb, python, &["tinypkg==1.0"]);
    let out = sb.run(&["sync", "--reinstall"]);
    assert_exit_and_stderr(&out, 0, "Built `.venv`");
    assert!(!stderr(&out).contains("Restored"), "{}", stderr(&out));
    assert_eq!(imported(&sb, "tinypkg").as_deref(), Some("1.0"));
    // `--check` changes nothing: the two do not go together.
    assert_exit_and_stderr(
        &sb.run(&["sync", "--check", "--reinstall"]),
        2,
        "cannot be used with",
    );
}

#[test]
fn an_env_changed_by_hand_is_not_restored_from_the_stash() {
    let python = require_python!();
    let sb = synced_sandbox(python, &["tinypkg==1.0"]);
    pip_by_hand(&sb, &["install", "otherpkg"]);
    // To another branch: the hand-changed env is stashed under its spec …
    write_requirements(&sb, python, &["tinypkg==2.0"]);
    sb.ok(&["sync"]);
    assert_eq!(status_json(&sb)["stashed"].as_array().unwrap().len(), 1);
    // … and coming back rebuilds it rather than restore it as fresh.
    write_requirements(&sb, python, &["tinypkg==1.0"]);
    let out = sb.run(&["sync"]);
    assert_exit_and_stderr(&out, 0, "Built `.venv`");
    assert!(!stderr(&out).contains("Restored"), "{}", stderr(&out));
    assert_eq!(imported(&sb, "otherpkg"), None);
    assert_eq!(status_json(&sb)["state"], "fresh");
}

/// A copied project's env is relocatable: `which`, `run --no-sync` and its
/// `pip` act on the copy's own env, never on the original's.
#[test]
fn run_no_sync_in_a_copied_project_uses_the_copy_and_leaves_the_original_alone() {
    let python = require_python!();
    let sb = synced_sandbox(python, &["tinypkg==1.0"]);
    let copy = sb.tmp.path().canonicalize().unwrap().join("copy");
    let copied = Command::new("cp")
        .arg("-a")
        .arg(&sb.project)
        .arg(&copy)
        .status()
        .unwrap();
    assert!(copied.success());
    let in_copy = |args: &[&str]| sb.penv().current_dir(&copy).args(args).output().unwrap();
    let which = in_copy(&["which", "python"]);
    assert_code(&which, 0);
    assert_eq!(
        stdout(&which).trim(),
        copy.join(".venv/bin/python").to_str().unwrap()
    );
    let out = in_copy(&["run", "--no-sync", "pip", "uninstall", "-y", "tinypkg"]);
    assert_code(&out, 0);
    // The original still has it, and is still fresh.
    assert_eq!(imported(&sb, "tinypkg").as_deref(), Some("1.0"));
    assert_eq!(status_json(&sb)["state"], "fresh");
    // The copy's env changed by hand: a plain run puts it back, in the copy.
    let out = in_copy(&[
        "run",
        "python",
        "-c",
        "import sys, tinypkg; print(sys.prefix)",
    ]);
    assert_code(&out, 0);
    assert_eq!(stdout(&out).trim(), copy.join(".venv").to_str().unwrap());
}

/// `bin/python` as the env built it, and what it resolves to.
fn env_python_link(sb: &Sandbox) -> PathBuf {
    std::fs::canonicalize(sb.env().join("bin/python")).unwrap()
}

/// The env is broken for `reason`: status, `which`, `run --no-sync` say so
/// and refuse; a sync rebuilds it (with a python of its own again).
#[track_caller]
fn broken_then_repaired(sb: &Sandbox, reason: &str, real: &Path) {
    let status = status_json(sb);
    assert_eq!(status["state"], "broken", "{status}");
    // JSON holds the words plain, without Markdown quotes.
    assert!(
        status.to_string().contains(&reason.replace('`', "")),
        "{status}"
    );
    assert_exit_and_stderr(&sb.run(&["which", "python"]), 2, reason);
    assert_exit_and_stderr(
        &sb.run(&["run", "--no-sync", "python", "-c", "pass"]),
        2,
        reason,
    );
    assert_exit_and_stderr(&sb.run(&["sync", "--check"]), 1, reason);
    let out = sb.run(&["sync"]);
    assert_exit_and_stderr(&out, 0, "Recreating `.venv` (broken):");
    assert_stderr_says(&out, reason);
    assert_eq!(env_python_link(sb), real);
    assert_eq!(status_json(sb)["state"], "fresh");
}

#[test]
fn an_env_python_replaced_in_place_is_broken() {
    let python = require_python!();
    let sb = synced_sandbox(python, &["tinypkg==1.0"]);
    let real = env_python_link(&sb);
    let link = sb.env().join("bin/python");
    // A script in its place.
    std::fs::remove_file(&link).unwrap();
    std::fs::write(
        &link,
        format!("#!/bin/sh\nexec {} \"$@\"\n", real.display()),
    )
    .unwrap();
    std::fs::set_permissions(&link, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    broken_then_repaired(&sb, "`bin/python` was replaced", &real);
    // Another interpreter's binary, of the same version, at another path.
    let Some(copy) = copied_python(python, &sb.tmp.path().join("other-python")) else {
        skip!("a copy of {} does not run here", python.display());
    };
    std::fs::remove_file(&link).unwrap();
    std::os::unix::fs::symlink(&copy, &link).unwrap();
    broken_then_repaired(&sb, "`bin/python` was replaced: it was a link to", &real);
    // Another version's binary, named `python` (its name says nothing).
    // (Beside the real one, as pyenv's `versions/*/bin/python3` are.)
    let installs = real.ancestors().nth(3).unwrap();
    let other_version = std::fs::read_dir(installs)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path().join("bin/python3"))
        .find(|bin| bin.is_file() && std::fs::canonicalize(bin).ok().as_ref() != Some(&real));
    if let Some(other) = other_version {
        let copied_binary = sb.tmp.path().join("python");
        std::fs::copy(&other, &copied_binary).unwrap();
        std::fs::remove_file(&link).unwrap();
        std::fs::rename(&copied_binary, &link).unwrap();
        broken_then_repaired(&sb, "`bin/python` was replaced", &real);
    } else {
        eprintln!(
            "(no other interpreter beside {}: the other-version case is covered by the copy above)",
            real.display()
        );
    }
}

#[test]
fn a_home_edited_to_another_install_of_the_same_version_is_broken() {
    let python = require_python!();
    let sb = synced_sandbox(python, &["tinypkg==1.0"]);
    let real = env_python_link(&sb);
    let Some(copy) = copied_python(python, &sb.tmp.path().join("other-python")) else {
        skip!("a copy of {} does not run here", python.display());
    };
    let cfg_path = sb.env().join("pyvenv.cfg");
    let cfg = std::fs::read_to_string(&cfg_path).unwrap();
    let edited: String = cfg
        .lines()
        .map(|l| {
            if l.starts_with("home") {
                format!("home = {}\n", copy.parent().unwrap().display())
            } else {
                format!("{l}\n")
            }
        })
        .collect();
    assert_ne!(edited, cfg);
    std::fs::write(&cfg_path, edited).unwrap();
    broken_then_repaired(&sb, "`pyvenv.cfg`'s `home` was", &real);
}

#[test]
fn an_env_recorded_before_penv_kept_its_as_built_record_is_rebuilt() {
    let python = require_python!();
    let sb = synced_sandbox(python, &["tinypkg==1.0"]);
    let mut state: serde_json::Value =
        serde_json::from_slice(&std::fs::read(state_file(&sb)).unwrap()).unwrap();
    state.as_object_mut().unwrap().remove("as-built").unwrap();
    std::fs::write(state_file(&sb), serde_json::to_vec_pretty(&state).unwrap()).unwrap();
    // Still usable as it is (stale, not broken) …
    sb.ok(&["which", "python"]);
    // … and rebuilt by the next sync, which records it.
    stale_then_repaired(&sb, "did not record what the env holds");
    let state: serde_json::Value =
        serde_json::from_slice(&std::fs::read(state_file(&sb)).unwrap()).unwrap();
    assert!(
        state["as-built"]["dists"].as_array().unwrap().len() >= 2,
        "{state}"
    );
}
