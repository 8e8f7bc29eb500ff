//! `penv hook install` / `uninstall` with real git in temp repositories:
//! the hooks sync the env after a branch checkout, a merge, an amend, in
//! a new worktree and under `core.hooksPath`; a file checkout does not; a
//! hook that was there still runs and comes back byte for byte; a failing
//! sync is one warning and git still succeeds.

use super::*;

/// Whether git runs here.
fn has_git() -> bool {
    Command::new("git")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

/// git in `dir` with the sandbox's hermetic environment (which the hooks,
/// and so the penv they start, inherit).
fn git_cmd(sb: &Sandbox, dir: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::new("git");
    cmd.arg("-C")
        .arg(dir)
        .args(args)
        .env_clear()
        .env("PATH", Sandbox::path_var())
        .env("HOME", &sb.home)
        .env("PENV_CACHE_DIR", &sb.cache)
        // As `Sandbox::penv`: the hooks' syncs keep no project's env in the
        // shared cache's store (`penv envs` tests list that store).
        .env("PENV_STORE_MAX", "0")
        .env("PENV_NO_PROGRESS", "1")
        .env("LANG", "C.UTF-8")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_AUTHOR_NAME", "t")
        .env("GIT_AUTHOR_EMAIL", "t@example.invalid")
        .env("GIT_COMMITTER_NAME", "t")
        .env("GIT_COMMITTER_EMAIL", "t@example.invalid");
    cmd
}

/// Runs git in `dir`, asserting it succeeds; returns its output.
#[track_caller]
fn git(sb: &Sandbox, dir: &Path, args: &[&str]) -> Output {
    let out = git_cmd(sb, dir, args).output().expect("git runs");
    assert!(out.status.success(), "git {args:?}: {}", stderr(&out));
    out
}

/// A sandbox whose project is a git repository (branch `main`) with one
/// commit: an offline penv.toml wanting `tinypkg==1.0` in `sub` (the
/// root when `sub` is `.`), and a `.gitignore` for the envs.
fn repo(python: &Path, sub: &str) -> Sandbox {
    let sb = sandbox_with_wheels();
    git(&sb, &sb.project, &["init", "-q", "-b", "main"]);
    sb.write(".gitignore", ".venv/\n.penv/\n");
    write_pin(&sb, python, sub, "1.0");
    git(&sb, &sb.project, &["add", "-A"]);
    git(&sb, &sb.project, &["commit", "-qm", "one"]);
    sb
}

/// Writes `sub/penv.toml` wanting `tinypkg==version`.
fn write_pin(sb: &Sandbox, python: &Path, sub: &str, version: &str) {
    let toml = sb.offline_toml(python, &format!("requirements = [\"tinypkg=={version}\"]"));
    sb.write(&format!("{sub}/penv.toml"), &toml);
}

/// The `tinypkg` version the env at `env` imports, if it does.
fn version_in(env: &Path) -> Option<String> {
    let out = Command::new(env.join("bin/python"))
        .args(["-c", "import tinypkg; print(tinypkg.VERSION)"])
        .env_clear()
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

fn hooks_dir(sb: &Sandbox) -> PathBuf {
    sb.project.join(".git/hooks")
}

#[test]
fn a_branch_checkout_syncs_and_a_file_checkout_does_not() {
    let python = require_python!();
    if !has_git() {
        skip!("no git");
    }
    let sb = repo(python, ".");
    let out = sb.run(&["hook", "install"]);
    assert_exit_and_stderr(&out, 0, "Created `");
    for hook in ["post-checkout", "post-merge", "post-rewrite"] {
        assert!(hooks_dir(&sb).join(hook).is_file(), "{hook}");
    }
    // A file checkout: no sync, so still no env.
    sb.write("penv.toml", "# an edit, then undone\n");
    git(&sb, &sb.project, &["checkout", "--", "penv.toml"]);
    assert!(!sb.env().exists(), "a file checkout synced");
    // A branch checkout syncs, even to the same commit.
    git(&sb, &sb.project, &["checkout", "-q", "-b", "other"]);
    assert_eq!(version_in(&sb.env()).as_deref(), Some("1.0"));
    write_pin(&sb, python, ".", "2.0");
    git(&sb, &sb.project, &["commit", "-qam", "two"]);
    git(&sb, &sb.project, &["checkout", "-q", "main"]);
    assert_eq!(version_in(&sb.env()).as_deref(), Some("1.0"));
    git(&sb, &sb.project, &["checkout", "-q", "other"]);
    assert_eq!(version_in(&sb.env()).as_deref(), Some("2.0"));
    // Installing again changes nothing.
    let before = std::fs::read(hooks_dir(&sb).join("post-checkout")).unwrap();
    let out = sb.run(&["hook", "install"]);
    assert_exit_and_stderr(&out, 0, "already syncs the project");
    assert_eq!(
        std::fs::read(hooks_dir(&sb).join("post-checkout")).unwrap(),
        before
    );
}

#[test]
fn a_merge_and_an_amend_sync() {
    let python = require_python!();
    if !has_git() {
        skip!("no git");
    }
    let sb = repo(python, ".");
    sb.ok(&["hook", "install"]);
    sb.ok(&["sync"]);
    git(&sb, &sb.project, &["checkout", "-q", "-b", "other"]);
    write_pin(&sb, python, ".", "2.0");
    git(&sb, &sb.project, &["commit", "-qam", "two"]);
    git(&sb, &sb.project, &["checkout", "-q", "main"]);
    assert_eq!(version_in(&sb.env()).as_deref(), Some("1.0"));
    git(&sb, &sb.project, &["merge", "-q", "--ff-only", "other"]);
    assert_eq!(version_in(&sb.env()).as_deref(), Some("2.0"), "post-merge");
    write_requirements(&sb, python, &["tinypkg==2.0", "otherpkg==1.0"]);
    git(
        &sb,
        &sb.project,
        &["commit", "-q", "--amend", "-am", "two, and more"],
    );
    assert_eq!(
        imported(&sb, "otherpkg").as_deref(),
        Some("1.0"),
        "post-rewrite"
    );
}

#[cfg(unix)]
#[test]
fn an_existing_hook_still_runs_and_uninstall_gives_it_back_byte_for_byte() {
    use std::os::unix::fs::PermissionsExt as _;
    let python = require_python!();
    if !has_git() {
        skip!("no git");
    }
    let sb = repo(python, ".");
    let log = sb.tmp.path().join("hook.log");
    let original = format!(
        "#!/usr/bin/env bash\n# as pre-commit writes one: it ends in exec\nset -e\necho \"$3\" >> '{}'\nexec true\n",
        log.display()
    );
    let hook = hooks_dir(&sb).join("post-checkout");
    std::fs::create_dir_all(hooks_dir(&sb)).unwrap();
    std::fs::write(&hook, &original).unwrap();
    std::fs::set_permissions(&hook, std::fs::Permissions::from_mode(0o750)).unwrap();
    let out = sb.run(&["hook", "install"]);
    assert_exit_and_stderr(&out, 0, "Added penv's block to `");
    git(&sb, &sb.project, &["checkout", "-q", "-b", "other"]);
    assert_eq!(version_in(&sb.env()).as_deref(), Some("1.0"));
    assert_eq!(
        std::fs::read_to_string(&log).unwrap(),
        "1\n",
        "the user's hook ran"
    );
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&hook), 0o750);
    let out = sb.run(&["hook", "uninstall"]);
    assert_exit_and_stderr(&out, 0, "Removed penv's block from `");
    assert_eq!(std::fs::read_to_string(&hook).unwrap(), original);
    assert_eq!(mode(&hook), 0o750);
    // The two hooks penv created are gone; a second uninstall finds nothing.
    assert!(!hooks_dir(&sb).join("post-merge").exists());
    assert!(!hooks_dir(&sb).join("post-rewrite").exists());
    let out = sb.run(&["hook", "uninstall"]);
    assert_exit_and_stderr(&out, 0, "nothing to remove");
}

#[test]
fn a_hook_that_is_not_a_shell_script_is_refused_and_nothing_changes() {
    let python = require_python!();
    if !has_git() {
        skip!("no git");
    }
    let sb = repo(python, ".");
    std::fs::create_dir_all(hooks_dir(&sb)).unwrap();
    let python_hook = "#!/usr/bin/env python3\nprint('mine')\n";
    std::fs::write(hooks_dir(&sb).join("post-merge"), python_hook).unwrap();
    let out = sb.run(&["hook", "install"]);
    assert_exit_and_stderr(
        &out,
        2,
        "is not a shell script (it starts `#!/usr/bin/env python3`), so penv does not edit it",
    );
    assert_stderr_says(
        &out,
        "hint: call `penv sync --quiet` from that hook yourself",
    );
    assert!(
        !hooks_dir(&sb).join("post-checkout").exists(),
        "nothing is written"
    );
    let kept = std::fs::read_to_string(hooks_dir(&sb).join("post-merge")).unwrap();
    assert_eq!(kept, python_hook);
}

#[test]
fn core_hooks_path_is_honoured() {
    let python = require_python!();
    if !has_git() {
        skip!("no git");
    }
    let sb = repo(python, ".");
    git(&sb, &sb.project, &["config", "core.hooksPath", "githooks"]);
    let out = sb.run(&["hook", "install"]);
    assert_exit_and_stderr(&out, 0, "githooks/post-checkout");
    assert!(sb.project.join("githooks/post-checkout").is_file());
    assert!(!hooks_dir(&sb).join("post-checkout").exists());
    git(&sb, &sb.project, &["checkout", "-q", "-b", "other"]);
    assert_eq!(version_in(&sb.env()).as_deref(), Some("1.0"));
}

#[test]
fn a_new_worktree_syncs_its_own_copy_of_the_project() {
    let python = require_python!();
    if !has_git() {
        skip!("no git");
    }
    let sb = repo(python, "app");
    let out = sb
        .penv()
        .args(["-C", "app", "hook", "install"])
        .output()
        .unwrap();
    assert_exit_and_stderr(&out, 0, "in `app`");
    let tree = sb.project.parent().unwrap().join("feature");
    git(
        &sb,
        &sb.project,
        &[
            "worktree",
            "add",
            "-q",
            "-b",
            "feature",
            tree.to_str().unwrap(),
        ],
    );
    assert_eq!(version_in(&tree.join("app/.venv")).as_deref(), Some("1.0"));
    assert!(
        !sb.project.join("app/.venv").exists(),
        "the main tree was not synced"
    );
    // A branch checkout inside the worktree syncs the worktree's project.
    write_pin(&sb, python, "../feature/app", "2.0");
    git(&sb, &tree, &["commit", "-qam", "two"]);
    git(&sb, &tree, &["checkout", "-q", "-b", "feature2"]);
    assert_eq!(version_in(&tree.join("app/.venv")).as_deref(), Some("2.0"));
    assert!(!sb.project.join("app/.venv").exists());
}

#[test]
fn a_failing_sync_is_one_warning_and_git_succeeds() {
    let python = require_python!();
    if !has_git() {
        skip!("no git");
    }
    let sb = repo(python, ".");
    sb.ok(&["hook", "install"]);
    sb.write("penv.toml", "python = \n");
    let out = git_cmd(&sb, &sb.project, &["checkout", "-q", "-b", "other"])
        .output()
        .unwrap();
    assert_code(&out, 0);
    let err = stderr(&out);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.starts_with("warning: penv hook: `penv sync` failed in `")
            && err.contains("penv.toml:1:")
            && err.contains("run it there to see why"),
        "{err}"
    );
}

/// Copies an executable by `cp`, not in this process: a write handle this
/// process held would be inherited by a child another test thread forks
/// at that moment, and running the copy would then fail with "Text file
/// busy" (ETXTBSY) until that child execs.
fn copy_exe(from: &Path, to: &Path) {
    let copied = Command::new("cp").arg(from).arg(to).status();
    assert!(
        copied.is_ok_and(|s| s.success()),
        "cp {} {}",
        from.display(),
        to.display()
    );
}

#[test]
fn the_hook_uses_the_penv_that_installed_it_else_the_one_on_path() {
    let python = require_python!();
    if !has_git() {
        skip!("no git");
    }
    let sb = repo(python, ".");
    let installer = sb.tmp.path().join("gone/penv");
    std::fs::create_dir_all(installer.parent().unwrap()).unwrap();
    copy_exe(&penv_bin(), &installer);
    let out = Command::new(&installer)
        .args(["hook", "install"])
        .current_dir(&sb.project)
        .env_clear()
        .env("PATH", Sandbox::path_var())
        .env("HOME", &sb.home)
        .env("PENV_CACHE_DIR", &sb.cache)
        .output()
        .unwrap();
    assert_code(&out, 0);
    let hook = std::fs::read_to_string(hooks_dir(&sb).join("post-checkout")).unwrap();
    assert!(
        hook.contains(&format!("penv={}\n", installer.display())),
        "{hook}"
    );
    std::fs::remove_file(&installer).unwrap();
    // Neither where it was nor on PATH: one warning, git succeeds, no env.
    let out = git_cmd(&sb, &sb.project, &["checkout", "-q", "-b", "b1"])
        .output()
        .unwrap();
    assert_code(&out, 0);
    assert_eq!(
        stderr(&out).trim(),
        "warning: penv hook: `penv` is not where it was installed from nor on PATH; the env was not synced"
    );
    assert!(!sb.env().exists());
    // On PATH: that one syncs.
    let on_path = sb.tmp.path().join("bin");
    std::fs::create_dir_all(&on_path).unwrap();
    copy_exe(&penv_bin(), &on_path.join("penv"));
    let path = format!("{}:{}", on_path.display(), Sandbox::path_var());
    let out = git_cmd(&sb, &sb.project, &["checkout", "-q", "-b", "b2"])
        .env("PATH", path)
        .output()
        .unwrap();
    assert_code(&out, 0);
    assert_eq!(stderr(&out), "");
    assert_eq!(version_in(&sb.env()).as_deref(), Some("1.0"));
}

#[test]
fn outside_a_git_repository_install_says_so() {
    let python = require_python!();
    if !has_git() {
        skip!("no git");
    }
    let sb = sandbox_with_wheels();
    write_requirements(&sb, python, &[]);
    let out = sb
        .penv()
        .env("GIT_CEILING_DIRECTORIES", sb.tmp.path())
        .args(["hook", "install"])
        .output()
        .unwrap();
    assert_exit_and_stderr(&out, 2, "is not inside a git work tree");
    assert_stderr_says(&out, "hint: run `git init` first");
}

/// Issue 23: the hook's plain `penv sync` judges the env as `status` does,
/// with the groups it was synced with, and keeps them across a checkout
/// that changes the spec (it used to go back to the defaults, so `pytest`
/// vanished from an env synced with `--group tests`).
#[test]
fn a_checkout_keeps_the_groups_the_env_was_synced_with() {
    let python = require_python!();
    if !has_git() {
        skip!("no git");
    }
    let sb = sandbox_with_wheels();
    git(&sb, &sb.project, &["init", "-q", "-b", "main"]);
    sb.write(".gitignore", ".venv/\n.penv/\n");
    let pin = |version: &str| {
        sb.offline_toml(
            python,
            &format!("requirements = [\"tinypkg=={version}\"]\n[groups]\ntests = [\"otherpkg\"]"),
        )
    };
    sb.write("penv.toml", &pin("1.0"));
    git(&sb, &sb.project, &["add", "-A"]);
    git(&sb, &sb.project, &["commit", "-qm", "one"]);
    sb.ok(&["hook", "install"]);
    sb.ok(&["sync", "--group", "tests"]);
    git(&sb, &sb.project, &["checkout", "-q", "-b", "other"]);
    sb.write("penv.toml", &pin("2.0"));
    git(&sb, &sb.project, &["commit", "-qam", "two"]);
    git(&sb, &sb.project, &["checkout", "-q", "main"]);
    git(&sb, &sb.project, &["checkout", "-q", "other"]);
    assert_eq!(version_in(&sb.env()).as_deref(), Some("2.0"));
    assert_eq!(imported(&sb, "otherpkg").as_deref(), Some("1.0"));
    let status = status_json(&sb);
    assert_eq!(status["state"], "fresh", "{status:#}");
    assert_eq!(status["chosen-by"], "--group tests", "{status:#}");
    assert_code(&sb.run(&["sync", "--check"]), 0);
}
