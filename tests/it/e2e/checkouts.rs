//! Editable checkouts in the env's `src/` survive the env being dropped or pruned.

use super::data_safety::bare_toml;
use super::*;

/// Makes `dir` a git repository with one commit of `mod.py`.
fn git_upstream(dir: &Path) {
    std::fs::create_dir_all(dir).unwrap();
    std::fs::write(dir.join("mod.py"), "x = 1\n").unwrap();
    for args in [
        &["init", "-q"][..],
        &["add", "."][..],
        &["commit", "-qm", "one"][..],
    ] {
        git(dir, args);
    }
}

/// Runs git in `dir` (a committer set, the caller's repository variables dropped).
fn git(dir: &Path, args: &[&str]) {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(["-c", "user.name=t", "-c", "user.email=t@example.invalid"])
        .args(args)
        .env_remove("GIT_DIR")
        .env_remove("GIT_WORK_TREE")
        .output()
        .expect("git runs");
    assert!(out.status.success(), "git {args:?}: {}", stderr(&out));
}

/// Whether git runs here (the `src/` tests need it to make a checkout).
fn has_git() -> bool {
    Command::new("git")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

/// An editable VCS requirement's checkout in the env's `src/` (as pip
/// makes one: a clone of the upstream), edited by the user when `edit`.
fn checkout_in_env(sb: &Sandbox, edit: bool) -> PathBuf {
    let upstream = sb.tmp.path().join("upstream");
    if !upstream.exists() {
        git_upstream(&upstream);
    }
    let checkout = sb.env().join("src/mypkg");
    std::fs::create_dir_all(checkout.parent().unwrap()).unwrap();
    git(
        sb.tmp.path(),
        &[
            "clone",
            "-q",
            upstream.to_str().unwrap(),
            checkout.to_str().unwrap(),
        ],
    );
    if edit {
        std::fs::write(checkout.join("mod.py"), "x = 2  # my fix\n").unwrap();
    }
    checkout
}

/// The `src/` directories penv kept, and the edit in each.
fn kept_edits(sb: &Sandbox) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(sb.project.join(".penv/kept")) else {
        return Vec::new();
    };
    entries
        .map(|e| std::fs::read_to_string(e.unwrap().path().join("mypkg/mod.py")).unwrap())
        .collect()
}

#[test]
fn an_edited_checkout_in_src_is_kept_when_the_env_is_dropped_at_once() {
    let python = require_python!();
    if !has_git() {
        skip!("no git");
    }
    let sb = Sandbox::new();
    sb.write("penv.toml", &bare_toml(python, "a", "keep-stashed = 0"));
    sb.ok(&["sync"]);
    checkout_in_env(&sb, true);
    sb.write("penv.toml", &bare_toml(python, "b", "keep-stashed = 0"));
    let out = sb.run(&["sync"]);
    assert_exit_and_stderr(&out, 0, "kept `src/`");
    assert_stderr_says(&out, "`mypkg` has uncommitted changes");
    assert_stderr_says(&out, ".penv/kept/.venv-src-");
    assert_eq!(kept_edits(&sb), ["x = 2  # my fix\n"]);
    // A clean checkout is pip's to make again: deleted with the env, silently.
    checkout_in_env(&sb, false);
    sb.write("penv.toml", &bare_toml(python, "c", "keep-stashed = 0"));
    let out = sb.run(&["sync"]);
    assert_code(&out, 0);
    assert!(!stderr(&out).contains("kept"), "{}", stderr(&out));
    assert_eq!(kept_edits(&sb).len(), 1);
}

#[test]
fn an_edited_checkout_in_src_is_kept_when_its_stashed_env_is_pruned() {
    let python = require_python!();
    if !has_git() {
        skip!("no git");
    }
    let sb = Sandbox::new();
    sb.write("penv.toml", &bare_toml(python, "a", "keep-stashed = 1"));
    sb.ok(&["sync"]);
    checkout_in_env(&sb, true);
    // Stashed: the env keeps its src/ (a restore gets it back as it was).
    sb.write("penv.toml", &bare_toml(python, "b", "keep-stashed = 1"));
    let out = sb.run(&["sync"]);
    assert_code(&out, 0);
    assert!(!stderr(&out).contains("kept"), "{}", stderr(&out));
    assert!(kept_edits(&sb).is_empty());
    // Pruned by the next rebuild: its src/ is kept, and penv says where.
    sb.write("penv.toml", &bare_toml(python, "c", "keep-stashed = 1"));
    let out = sb.run(&["sync"]);
    assert_exit_and_stderr(&out, 0, "kept `src/`");
    assert_stderr_says(&out, ".penv/stash/.venv-");
    assert_eq!(kept_edits(&sb), ["x = 2  # my fix\n"]);
}
