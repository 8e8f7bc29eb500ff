//! What surrounds a sync: pip failures, moved projects, foreign directories, odd paths.

use super::*;

#[test]
fn a_pip_failure_shows_pips_words_and_keeps_the_old_env() {
    let python = require_python!();
    let sb = synced_sandbox(python, &["tinypkg==1.0"]);
    let state = std::fs::read(state_file(&sb)).unwrap();
    sb.write_offline_toml(
        python,
        "requirements = [\"tinypkg==1.0\", \"nosuchpkg==9\"]",
    );
    let out = sb.run(&["sync"]);
    assert_code(&out, 2);
    let err = stderr(&out);
    assert!(err.contains("nosuchpkg"), "{err}");
    assert!(err.contains("exit"), "pip's exit code is not shown: {err}");
    assert_eq!(imported(&sb, "tinypkg").as_deref(), Some("1.0"));
    assert_eq!(std::fs::read(state_file(&sb)).unwrap(), state);
    assert_code(&sb.run(&["sync", "--check"]), 1);
    // Nothing left behind in penv's working directory but its own files
    // (no intent record, no env aside).
    let leftovers: Vec<String> = std::fs::read_dir(sb.project.join(".penv"))
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| ![".gitignore", "stash", ".venv.lock"].contains(&n.as_str()))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

/// A moved project's env is relocatable: used at its new path, not rebuilt
/// (an env that is not relocatable is: see `e2e::relocate`).
#[test]
fn a_moved_project_keeps_its_env_at_its_new_path() {
    let python = require_python!();
    let sb = synced_sandbox(python, &["tinypkg==1.0"]);
    let moved = sb.tmp.path().canonicalize().unwrap().join("moved");
    std::fs::rename(&sb.project, &moved).unwrap();
    let out = sb
        .penv()
        .current_dir(&moved)
        .args(["sync"])
        .output()
        .unwrap();
    assert_exit_and_stderr(&out, 0, "the project was moved or copied");
    assert!(!stderr(&out).contains("Creating venv"), "{}", stderr(&out));
    let out = Command::new(moved.join(".venv/bin/python"))
        .args(["-c", "import sys, tinypkg; print(sys.prefix)"])
        .env_clear()
        .output()
        .unwrap();
    assert_code(&out, 0);
    assert_eq!(stdout(&out).trim(), moved.join(".venv").to_str().unwrap());
}

#[test]
fn penv_replaces_only_what_it_created() {
    let python = require_python!();
    let sb = sandbox_with_wheels();
    sb.write_offline_toml(python, "");
    // A venv penv did not make: refused, then replaced with --force.
    let made = Command::new(python)
        .args(["-m", "venv", "--without-pip"])
        .arg(sb.env())
        .status()
        .unwrap();
    assert!(made.success());
    let out = sb.run(&["sync"]);
    assert_exit_and_stderr(&out, 2, "--force");
    assert!(!state_file(&sb).exists());
    let out = sb.run(&["sync", "--force"]);
    assert_code(&out, 0);
    assert!(state_file(&sb).exists());
    // Other data: refused even with --force, and left as it was.
    sb.write_offline_toml(python, "[venv]\npath = \"data\"");
    sb.write("data/precious.txt", "keep me");
    for args in [&["sync"][..], &["sync", "--force"][..]] {
        let out = sb.run(args);
        assert_code(&out, 2);
        assert_eq!(
            std::fs::read_to_string(sb.project.join("data/precious.txt")).unwrap(),
            "keep me"
        );
    }
}

#[test]
fn an_env_without_pip_has_no_pip_and_refuses_requirements() {
    let python = require_python!();
    let sb = sandbox_with_wheels();
    sb.write_offline_toml(python, "[venv]\npip = false");
    sb.ok(&["sync"]);
    assert!(sb.env().join("bin/python").exists());
    assert!(!sb.env().join("bin/pip").exists());
    let (has_pip, _) = sb.env_python("import pip");
    assert!(!has_pip, "pip is importable in a pip = false env");
    sb.write_offline_toml(python, "requirements = [\"tinypkg\"]\n[venv]\npip = false");
    let out = sb.run(&["sync"]);
    assert_exit_and_stderr(&out, 2, "pip = false");
}

#[test]
fn a_closed_stderr_does_not_abort_a_rebuild() {
    let python = require_python!();
    let sb = synced_sandbox(python, &["tinypkg==1.0"]);
    write_requirements(&sb, python, &["tinypkg==2.0"]);
    // `penv sync 2>&1 | head -1`: the reader is gone before penv writes.
    let mut child = sb
        .penv()
        .arg("sync")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stderr.take());
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(0), "{status}");
    assert_eq!(imported(&sb, "tinypkg").as_deref(), Some("2.0"));
    assert_eq!(status_json(&sb)["state"], "fresh");
}

#[test]
fn pip_runs_from_the_project_root_wherever_penv_starts() {
    let python = require_python!();
    let (sb, _) = sandbox_with_project_wheels();
    // A relative wheel path in a requirement file, relative find-links.
    sb.write(
        "penv.toml",
        &format!(
            "python = \"{}\"\nrequirement-files = [\"requirements.txt\"]\n[pip]\nfind-links = [\"wheels\"]\nno-index = true\n",
            python.display()
        ),
    );
    sb.write(
        "requirements.txt",
        "./wheels/tinypkg-1.0-py3-none-any.whl\n",
    );
    std::fs::create_dir_all(sb.project.join("sub/deeper")).unwrap();
    let out = sb
        .penv()
        .current_dir(sb.project.join("sub/deeper"))
        .arg("sync")
        .output()
        .unwrap();
    assert_code(&out, 0);
    assert_eq!(imported(&sb, "tinypkg").as_deref(), Some("1.0"));
}

#[test]
fn the_hash_does_not_depend_on_where_the_project_is_checked_out() {
    let python = require_python!();
    let (sb, local) = sandbox_with_project_wheels();
    sb.write(
        "penv.toml",
        &format!(
            "python = \"{}\"\nrequirements = [\"tinypkg\"]\n[pip]\nfind-links = [\"./wheels\"]\nno-index = true\n",
            python.display()
        ),
    );
    let hash = sb.ok(&["hash"]);
    let copy = sb.tmp.path().join("elsewhere/checkout");
    std::fs::create_dir_all(copy.join("wheels")).unwrap();
    std::fs::copy(sb.project.join("penv.toml"), copy.join("penv.toml")).unwrap();
    for entry in std::fs::read_dir(&local).unwrap().flatten() {
        std::fs::copy(entry.path(), copy.join("wheels").join(entry.file_name())).unwrap();
    }
    let out = sb.penv().current_dir(&copy).arg("hash").output().unwrap();
    assert_code(&out, 0);
    assert_eq!(stdout(&out), hash);
    // A new wheel in a local find-links directory is a change, also as a file:// URL.
    sb.write(
        "penv.toml",
        &format!(
            "python = \"{}\"\nrequirements = [\"tinypkg\"]\n[pip]\nfind-links = [\"file://{}\"]\nno-index = true\n",
            python.display(),
            local.display()
        ),
    );
    let before = sb.ok(&["hash"]);
    build_wheel(&local, "tinypkg", "2.0", &[]);
    assert_ne!(sb.ok(&["hash"]), before);
}

#[test]
fn run_and_which_never_fall_back_to_another_interpreters_python_or_pip() {
    let python = require_python!();
    let sb = sandbox_with_wheels();
    sb.write_offline_toml(python, "[venv]\npip = false");
    sb.ok(&["sync"]);
    // The sandbox PATH has the base interpreter's bin (with its pip): not used.
    for name in ["pip", "pip3", "python3.99"] {
        let out = sb.run(&["run", name, "--version"]);
        assert_exit_and_stderr(&out, 2, "never runs one from PATH");
    }
    let out = sb.run(&["which", "pip"]);
    assert_code(&out, 2);
    // A path is not a name in the env.
    for path in ["/bin/sh", "../../../../bin/sh"] {
        let out = sb.run(&["which", path]);
        assert_exit_and_stderr(&out, 2, "is a path");
    }
    // A half-built env (penv's build marker) is not handed out.
    std::fs::write(sb.env().join("penv-building"), "pid 1\n").unwrap();
    let out = sb.run(&["which", "python"]);
    assert_exit_and_stderr(&out, 2, "interrupted");
    std::fs::remove_file(sb.env().join("penv-building")).unwrap();
    // Nor a venv penv did not build.
    std::fs::remove_file(state_file(&sb)).unwrap();
    let out = sb.run(&["which", "python"]);
    assert_exit_and_stderr(&out, 2, "no penv state file");
}

#[test]
fn a_project_path_with_spaces_gets_a_working_pip() {
    let python = require_python!();
    let sb = sandbox_with_wheels();
    let spaced = sb.tmp.path().join("my projects/the app");
    std::fs::create_dir_all(&spaced).unwrap();
    std::fs::write(
        spaced.join("penv.toml"),
        sb.offline_toml(python, "requirements = [\"tinypkg==1.0\"]"),
    )
    .unwrap();
    let out = sb.penv().current_dir(&spaced).arg("sync").output().unwrap();
    assert_code(&out, 0);
    let env = spaced.join(".venv");
    let pip = Command::new(env.join("bin/pip"))
        .arg("--version")
        .env_clear()
        .output()
        .unwrap();
    assert!(pip.status.success(), "{}", stderr(&pip));
    assert!(
        stdout(&pip).contains(&*env.to_string_lossy()),
        "{}",
        stdout(&pip)
    );
}

#[test]
fn the_stash_keeps_the_newest_even_within_one_second_and_zero_keeps_none() {
    let python = require_python!();
    let sb = sandbox_with_wheels();
    let keep = |n: usize, req: &str| {
        sb.write_offline_toml(
            python,
            &format!("requirements = [\"{req}\"]\n[venv]\nkeep-stashed = {n}"),
        );
    };
    keep(1, "tinypkg==1.0");
    sb.ok(&["sync"]);
    keep(1, "tinypkg==2.0");
    sb.ok(&["sync"]);
    keep(1, "otherpkg");
    sb.ok(&["sync"]);
    // Back to 2.0, the most recently replaced: restored, not rebuilt.
    keep(1, "tinypkg==2.0");
    let out = sb.run(&["sync"]);
    assert_exit_and_stderr(&out, 0, "Restored");
    assert_eq!(status_json(&sb)["stashed"].as_array().unwrap().len(), 1);
    // keep-stashed = 0: the stash is emptied, and nothing is restored from it.
    keep(0, "otherpkg");
    let out = sb.run(&["sync"]);
    assert_code(&out, 0);
    assert!(!stderr(&out).contains("Restored"), "{}", stderr(&out));
    assert_eq!(status_json(&sb)["stashed"].as_array().unwrap().len(), 0);
}
