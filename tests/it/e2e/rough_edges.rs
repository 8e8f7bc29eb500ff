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

/// Every string in `value` that carries a Markdown backtick.
fn with_backticks(value: &serde_json::Value) -> Vec<String> {
    match value {
        serde_json::Value::String(s) if s.contains('`') => vec![s.clone()],
        serde_json::Value::Array(items) => items.iter().flat_map(with_backticks).collect(),
        serde_json::Value::Object(map) => map.values().flat_map(with_backticks).collect(),
        _ => Vec::new(),
    }
}

#[test]
fn json_holds_plain_whole_values() {
    let python = require_python!();
    let sb = synced_sandbox(python, &["tinypkg==1.0"]);
    let first = sb.ok(&["hash"]).trim().to_owned();
    write_requirements(&sb, python, &["tinypkg==2.0"]);
    sb.ok(&["sync"]);
    // Stale on purpose, so there are reasons to word.
    write_requirements(&sb, python, &["otherpkg==1.0"]);
    // From a subdirectory: paths must not come out relative to it.
    let sub = sb.project.join("src");
    std::fs::create_dir_all(&sub).unwrap();
    let json = |args: &[&str]| -> serde_json::Value {
        let out = sb.penv().current_dir(&sub).args(args).output().unwrap();
        serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|e| panic!("{args:?}: {e}: {}", stdout(&out)))
    };
    let status = json(&["status", "--json"]);
    assert_eq!(status["state"], "stale", "{status:#}");
    let stashed = status["stashed"].as_array().unwrap();
    assert_eq!(stashed.len(), 1, "{status:#}");
    // The whole hash of the stashed env, not the prefix in its name.
    assert_eq!(stashed[0]["hash"], first.as_str(), "{status:#}");
    assert!(stashed[0]["path"].as_str().unwrap().starts_with('/'));
    assert_eq!(status["env"], sb.env().to_str().unwrap());
    assert_eq!(
        status["interpreter"]["request-source"],
        format!("python in {}", sb.project.join("penv.toml").display())
    );
    assert!(
        status["reasons"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r.as_str().unwrap().contains("+otherpkg==1.0")),
        "{status:#}"
    );
    for args in [
        &["status", "--json"][..],
        &["doctor", "--json"][..],
        &["envs", "--json"][..],
        &["python", "list", "--json"][..],
    ] {
        let value = json(args);
        let marked = with_backticks(&value);
        assert!(marked.is_empty(), "{args:?}: Markdown in JSON: {marked:#?}");
    }
    // doctor words the stale env with its whole path.
    let doctor = json(&["doctor", "--json"]);
    let env_finding = doctor["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["check"] == "env")
        .unwrap_or_else(|| panic!("{doctor:#}"));
    assert!(
        env_finding["message"]
            .as_str()
            .unwrap()
            .contains(sb.env().to_str().unwrap()),
        "{env_finding}"
    );
}

#[test]
fn which_names_any_file_in_bin_executable_or_not() {
    let python = require_python!();
    let sb = synced_sandbox(python, &["tinypkg==1.0"]);
    let bin = sb.env().join("bin");
    // venv writes the activation scripts without the executable bit: they
    // are sourced, and `which` is how a script finds them.
    for name in ["activate", "activate.fish", "Activate.ps1"] {
        assert_eq!(
            sb.ok(&["which", name]).trim(),
            bin.join(name).to_str().unwrap()
        );
    }
    // A directory in `bin/` is not a file to name.
    std::fs::create_dir(bin.join("somedir")).unwrap();
    assert_exit_and_stderr(
        &sb.run(&["which", "somedir"]),
        2,
        "`somedir` is not in the env",
    );
    let out = sb.run(&["which", ""]);
    assert_exit_and_stderr(&out, 2, "an empty name");
    assert!(stdout(&out).is_empty());
}

#[test]
fn every_command_words_one_env_state_the_same() {
    let python = require_python!();
    let sb = sandbox_with_wheels();
    write_requirements(&sb, python, &["tinypkg==1.0"]);
    // A first build into an empty directory creates, it does not "recreate".
    std::fs::create_dir(sb.env()).unwrap();
    let out = sb.run(&["sync"]);
    assert_code(&out, 0);
    let err = stderr(&out);
    assert!(err.contains("Creating venv with"), "{err}");
    assert!(
        !err.contains("Recreating") && !err.contains("broken"),
        "{err}"
    );
    // A moved project whose env is bound to its path (recorded as not
    // relocatable, as an env with a package that writes its own path is):
    // its env is `stale` in every command's words.
    let state_file = sb.env().join("penv-state.json");
    let mut state: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&state_file).unwrap()).unwrap();
    assert_eq!(state["relocatable"], true, "{state:#}");
    state["relocatable"] = serde_json::Value::Bool(false);
    std::fs::write(&state_file, state.to_string()).unwrap();
    let moved = sb.tmp.path().canonicalize().unwrap().join("moved");
    std::fs::rename(&sb.project, &moved).unwrap();
    let penv = |args: &[&str]| sb.penv().current_dir(&moved).args(args).output().unwrap();
    let status: serde_json::Value =
        serde_json::from_slice(&penv(&["status", "--json"]).stdout).unwrap();
    assert_eq!(status["state"], "stale", "{status:#}");
    assert!(stdout(&penv(&["status"])).contains("state:       stale"));
    assert_exit_and_stderr(&penv(&["which"]), 2, "the env `.venv` is stale");
    assert_exit_and_stderr(
        &penv(&["run", "--no-sync", "python", "-c", "pass"]),
        2,
        "the env `.venv` is stale",
    );
    assert_exit_and_stderr(&penv(&["sync", "--check"]), 1, "`.venv` is stale:");
    let doctor: serde_json::Value =
        serde_json::from_slice(&penv(&["doctor", "--json"]).stdout).unwrap();
    assert!(
        doctor["findings"][0]["message"]
            .as_str()
            .unwrap()
            .contains("is stale"),
        "{doctor:#}"
    );
    let out = penv(&["sync"]);
    assert_exit_and_stderr(&out, 0, "Recreating `.venv` (stale):");
    // The reason names both paths whole.
    assert_stderr_says(
        &out,
        &format!(
            "the project was moved or copied to `{}`",
            moved.join(".venv").display()
        ),
    );
}

#[test]
fn a_stale_env_names_the_wheel_the_pin_and_the_file_that_changed() {
    use sha2::Digest as _;
    let python = require_python!();
    let sb = sandbox_with_wheels();
    let wheel = build_wheel(&sb.wheels, "pinned", "1.0", &[]);
    let sha = |p: &Path| hex::encode(sha2::Sha256::digest(std::fs::read(p).unwrap()));
    sb.write(
        "requirements.txt",
        &format!(
            "pinned==1.0 --hash=sha256:{} --hash=sha256:{}\n",
            sha(&wheel),
            "0".repeat(64)
        ),
    );
    // Hashes in one file make pip require them of every requirement.
    let tiny = sb.wheels.join("tinypkg-1.0-py3-none-any.whl");
    sb.write(
        "extra.txt",
        &format!("tinypkg==1.0 --hash=sha256:{}\n", sha(&tiny)),
    );
    sb.write_offline_toml(
        python,
        "requirement-files = [\"requirements.txt\", \"extra.txt\"]",
    );
    sb.ok(&["sync"]);

    // A wheel dropped into the `find-links` directory: named.
    build_wheel(&sb.wheels, "newpkg", "1.0", &[]);
    let out = sb.run(&["sync", "--check"]);
    assert_exit_and_stderr(
        &out,
        1,
        &format!(
            "`find-links` `{}`: +newpkg-1.0-py3-none-any.whl",
            sb.wheels.display()
        ),
    );
    assert!(
        !stderr(&out).contains("pip options changed"),
        "{}",
        stderr(&out)
    );
    sb.ok(&["sync"]);

    // The same pin with other hashes: the pin, not its `--hash=` options.
    sb.write(
        "requirements.txt",
        &format!("pinned==1.0 --hash=sha256:{}\n", sha(&wheel)),
    );
    let out = sb.run(&["sync", "--check"]);
    assert_exit_and_stderr(&out, 1, "`requirements.txt`: pinned==1.0 (hashes changed)");
    assert!(!stderr(&out).contains("--hash"), "{}", stderr(&out));
    sb.ok(&["sync"]);

    // A file taken off `requirement-files`, still on disk.
    sb.write_offline_toml(python, "requirement-files = [\"requirements.txt\"]");
    let out = sb.run(&["sync", "--check"]);
    assert_exit_and_stderr(&out, 1, "`extra.txt` no longer in `requirement-files`");
    assert!(sb.project.join("extra.txt").exists());
    assert!(
        !stderr(&out).contains("`extra.txt` removed"),
        "{}",
        stderr(&out)
    );
}
