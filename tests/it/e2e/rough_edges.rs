//! The rough edges a new user hit (issue 13): each one a story with a real
//! env.

use super::*;

/// `git` in `dir` with a clean environment (no global config, no hooks).
fn git(sb: &Sandbox, args: &[&str]) -> Output {
    Command::new("git")
        .current_dir(&sb.project)
        .args(args)
        .env_clear()
        .env("PATH", Sandbox::path_var())
        .env("HOME", &sb.home)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .output()
        .expect("git runs")
}

#[test]
fn an_env_built_by_python_before_3_13_is_not_in_git_status() {
    let python = require_python!();
    if git(&Sandbox::new(), &["--version"]).status.code() != Some(0) {
        skip!("no git on PATH");
    }
    let sb = sandbox_with_wheels();
    write_requirements(&sb, python, &["tinypkg==1.0"]);
    assert_code(&git(&sb, &["init", "-q"]), 0);
    sb.ok(&["sync"]);
    // Python's own venv writes a `.gitignore` only from 3.13 on; penv writes
    // one for every version.
    let ignore = std::fs::read_to_string(sb.env().join(".gitignore")).unwrap();
    assert!(ignore.lines().any(|l| l == "*"), "{ignore:?}");
    let out = git(&sb, &["status", "--porcelain", "--untracked-files=all"]);
    assert_code(&out, 0);
    let listed = stdout(&out);
    assert!(
        !listed.contains(".venv"),
        "the env shows up in `git status`:\n{listed}"
    );
    assert!(listed.contains("penv.toml"), "{listed}");
    // The env is still a fresh env penv trusts (the file is part of it).
    assert_code(&sb.run(&["sync", "--check"]), 0);
}
