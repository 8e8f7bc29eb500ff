//! The core story: build, no-op, edit, and the env follows.

use super::*;

#[test]
fn a_built_env_is_a_complete_venv_with_pip_and_its_state() {
    let python = require_python!();
    let sb = sandbox_with_wheels();
    write_requirements(&sb, python, &["tinypkg==1.0"]);
    let out = sb.run(&["sync"]);
    assert_exit_and_stderr(&out, 0, "Built `.venv`");
    let env = sb.env();
    assert_eq!(imported(&sb, "tinypkg").as_deref(), Some("1.0"));
    // A normal venv: pyvenv.cfg, activation scripts, python links, lib64.
    let cfg = std::fs::read_to_string(env.join("pyvenv.cfg")).unwrap();
    assert!(cfg.contains("home = "), "{cfg}");
    assert!(
        cfg.contains("include-system-site-packages = false"),
        "{cfg}"
    );
    for file in [
        "activate",
        "activate.fish",
        "activate.csh",
        "python",
        "python3",
    ] {
        assert!(env.join("bin").join(file).exists(), "bin/{file} missing");
    }
    let (_, mm) = sb.env_python("import sys; print('%d.%d' % sys.version_info[:2])");
    assert!(env.join("bin").join(format!("python{mm}")).exists());
    if cfg!(target_pointer_width = "64") && cfg!(target_os = "linux") {
        assert!(env.join("lib64").exists(), "lib64 missing");
    }
    // A working pip of its own, installing into the env, not the base.
    let pip = Command::new(env.join("bin/pip"))
        .arg("--version")
        .env_clear()
        .output()
        .unwrap();
    assert!(pip.status.success(), "{}", stderr(&pip));
    assert!(
        stdout(&pip).contains(&*env.to_string_lossy()),
        "pip is not the env's: {}",
        stdout(&pip)
    );
    let (_, prefix) = sb.env_python("import sys; print(sys.prefix != sys.base_prefix)");
    assert_eq!(prefix, "True");
    // The state: the hash `penv hash` prints, the env's path, the interpreter.
    let state: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(state_file(&sb)).unwrap()).unwrap();
    assert_eq!(state["hash"].as_str().unwrap(), sb.ok(&["hash"]).trim());
    assert_eq!(state["venv-path"].as_str().unwrap(), env.to_str().unwrap());
    for key in ["spec", "base", "penv-version", "created", "last-used"] {
        assert!(state.get(key).is_some(), "state lacks {key}: {state}");
    }
}

#[test]
fn a_no_op_sync_changes_nothing_and_starts_no_python() {
    let python = require_python!();
    let sb = synced_sandbox(python, &["tinypkg==1.0"]);
    let before = std::fs::read(state_file(&sb)).unwrap();
    let modified = std::fs::metadata(state_file(&sb))
        .unwrap()
        .modified()
        .unwrap();
    // With no python on PATH and the base interpreter made unreadable to a
    // probe, a no-op sync must still succeed: it never runs Python.
    let out = sb
        .penv()
        .env("PATH", "/nonexistent")
        .arg("sync")
        .output()
        .unwrap();
    assert_exit_and_stderr(&out, 0, "is up to date");
    assert_eq!(std::fs::read(state_file(&sb)).unwrap(), before);
    assert_eq!(
        std::fs::metadata(state_file(&sb))
            .unwrap()
            .modified()
            .unwrap(),
        modified
    );
    assert_eq!(status_json(&sb)["state"], "fresh");
}

#[test]
fn editing_a_requirement_recreates_the_env_and_says_what_changed() {
    let python = require_python!();
    let sb = synced_sandbox(python, &["tinypkg==1.0"]);
    write_requirements(&sb, python, &["tinypkg==2.0", "otherpkg"]);
    let check = sb.run(&["sync", "--check"]);
    assert_code(&check, 1);
    assert_stderr_says(&check, "+tinypkg==2.0");
    assert_eq!(
        imported(&sb, "tinypkg").as_deref(),
        Some("1.0"),
        "--check changed the env"
    );
    let out = sb.run(&["sync"]);
    assert_code(&out, 0);
    let err = stderr(&out);
    assert!(err.contains("Recreating `.venv` (stale):"), "{err}");
    assert!(
        err.contains("+otherpkg, +tinypkg==2.0, -tinypkg==1.0"),
        "{err}"
    );
    assert_eq!(imported(&sb, "tinypkg").as_deref(), Some("2.0"));
    assert_eq!(imported(&sb, "otherpkg").as_deref(), Some("1.0"));
    assert_code(&sb.run(&["sync", "--check"]), 0);
}

#[test]
fn editing_an_included_requirements_file_recreates_the_env() {
    let python = require_python!();
    let sb = sandbox_with_wheels();
    sb.write_offline_toml(python, "requirement-files = [\"requirements.txt\"]");
    sb.write("requirements.txt", "-r deps/base.txt\notherpkg\n");
    sb.write("deps/base.txt", "tinypkg==1.0\n");
    sb.ok(&["sync"]);
    assert_eq!(imported(&sb, "tinypkg").as_deref(), Some("1.0"));
    let hash_before = sb.ok(&["hash"]);
    sb.write("deps/base.txt", "tinypkg==2.0\n");
    assert_ne!(sb.ok(&["hash"]), hash_before);
    let out = sb.run(&["sync"]);
    assert_exit_and_stderr(&out, 0, "+tinypkg==2.0, -tinypkg==1.0");
    assert_stderr_says(&out, "deps/base.txt");
    assert_eq!(imported(&sb, "tinypkg").as_deref(), Some("2.0"));
    // A comment is a change too: its bytes are hashed.
    sb.write("deps/base.txt", "tinypkg==2.0  # pinned\n");
    assert_code(&sb.run(&["sync", "--check"]), 1);
}

#[test]
fn changing_the_interpreter_recreates_the_env() {
    let python = require_python!();
    let sb = sandbox_with_wheels();
    let Some(copy) = copied_python(python, &sb.tmp.path().join("other-python")) else {
        skip!("a copy of {} does not run here", python.display());
    };
    write_requirements(&sb, python, &["tinypkg==1.0"]);
    sb.ok(&["sync"]);
    // Another interpreter of the same version, at another path.
    sb.write_offline_toml(&copy, "requirements = [\"tinypkg==1.0\"]");
    let out = sb.run(&["sync"]);
    assert_code(&out, 0);
    let err = stderr(&out);
    assert!(err.contains("Recreating"), "{err}");
    assert!(err.contains(&format!("→ `{}`", copy.display())), "{err}");
    let (_, home) = sb.env_python("import sys; print(sys._base_executable)");
    assert_eq!(Path::new(&home).parent(), copy.parent());
    assert_eq!(imported(&sb, "tinypkg").as_deref(), Some("1.0"));
    // `--python` on the command line wins over the file, and is a change too.
    let out = sb.run(&["sync", "--python", python.to_str().unwrap()]);
    assert_exit_and_stderr(&out, 0, "Recreating");
}

#[test]
fn a_request_for_another_version_is_reported_stale_with_the_version_change() {
    let python = require_python!();
    let sb = sandbox_with_wheels();
    sb.write_offline_toml(python, "");
    sb.ok(&["sync"]);
    let fakes = sb.tmp.path().join("fakes/bin");
    fake_python(&fakes, "python3.99", "cpython", "3.99.1");
    sb.write(
        "penv.toml",
        &format!(
            "python = \"3.99\"\n[pip]\nfind-links = [\"{}\"]\nno-index = true\n",
            sb.wheels.display()
        ),
    );
    let path = format!("{}:{}", fakes.display(), Sandbox::path_var());
    let out = sb
        .penv()
        .env("PATH", &path)
        .args(["sync", "--check"])
        .output()
        .unwrap();
    assert_code(&out, 1);
    let (_, version) = sb.env_python("import platform; print(platform.python_version())");
    assert_stderr_says(
        &out,
        &format!("interpreter cpython {version} → cpython 3.99.1"),
    );
}

#[test]
fn two_real_versions_when_the_machine_has_them() {
    require_python!();
    #[expect(
        clippy::disallowed_methods,
        reason = "the machine's own pyenv, not penv's input"
    )]
    let home = std::env::var_os("HOME")
        .map(PathBuf::from)
        .unwrap_or_default();
    let versions = home.join(".pyenv/versions");
    let mut found: Vec<PathBuf> = std::fs::read_dir(&versions)
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            let mm: Vec<&str> = name.split('.').take(2).collect();
            let minor: u32 = mm.get(1)?.parse().ok()?;
            (mm.first() == Some(&"3") && minor >= 8)
                .then(|| e.path().join(format!("bin/python3.{minor}")))
        })
        .filter(|p| p.is_file())
        .collect();
    found.sort();
    if found.len() < 2 {
        skip!(
            "needs two Python 3.8+ versions under {} (found {})",
            versions.display(),
            found.len()
        );
    }
    let (a, b) = (&found[0], &found[found.len() - 1]);
    let sb = sandbox_with_wheels();
    sb.write_offline_toml(a, "requirements = [\"tinypkg\"]");
    sb.ok(&["sync"]);
    sb.write_offline_toml(b, "requirements = [\"tinypkg\"]");
    let out = sb.run(&["sync"]);
    assert_exit_and_stderr(&out, 0, "interpreter cpython 3.");
    let (_, exe) = sb.env_python("import sys; print(sys._base_executable)");
    assert_eq!(
        std::fs::canonicalize(exe).unwrap(),
        std::fs::canonicalize(b).unwrap()
    );
    assert_eq!(imported(&sb, "tinypkg").as_deref(), Some("2.0"));
}

#[test]
fn going_back_to_a_spec_built_before_restores_it_from_the_stash() {
    let python = require_python!();
    let sb = sandbox_with_wheels();
    let one = sb.offline_toml(python, "requirements = [\"tinypkg==1.0\"]");
    let two = sb.offline_toml(python, "requirements = [\"tinypkg==2.0\"]");
    sb.write("penv.toml", &one);
    sb.ok(&["sync"]);
    sb.write("penv.toml", &two);
    sb.ok(&["sync"]);
    let status = status_json(&sb);
    assert_eq!(status["stashed"].as_array().unwrap().len(), 1, "{status}");
    sb.write("penv.toml", &one);
    let out = sb.run(&["sync"]);
    assert_exit_and_stderr(&out, 0, "Restored `.venv` from the stash");
    assert_eq!(imported(&sb, "tinypkg").as_deref(), Some("1.0"));
    // The restored env is the same directory at the same path: pip works.
    let pip = Command::new(sb.env().join("bin/python"))
        .args(["-m", "pip", "list", "--format=freeze"])
        .env_clear()
        .output()
        .unwrap();
    assert!(stdout(&pip).contains("tinypkg==1.0"), "{}", stdout(&pip));
    // keep-stashed bounds the stash; 0 keeps none.
    let zero = two.replace("[pip]", "[venv]\nkeep-stashed = 0\n\n[pip]");
    sb.write("penv.toml", &zero);
    sb.ok(&["sync"]);
    assert_eq!(status_json(&sb)["stashed"].as_array().unwrap().len(), 0);
}

#[test]
fn groups_are_part_of_the_spec_only_when_selected() {
    let python = require_python!();
    let sb = sandbox_with_wheels();
    let toml = |dev: &str| {
        sb.offline_toml(
            python,
            &format!(
                "requirements = [\"tinypkg==1.0\"]\ndefault-groups = [\"dev\"]\n[groups]\ndev = [\"otherpkg\"]\nlater = [{dev}]\n"
            ),
        )
    };
    sb.write("penv.toml", &toml("\"tinypkg\""));
    sb.ok(&["sync"]);
    assert_eq!(imported(&sb, "otherpkg").as_deref(), Some("1.0"));
    let hash = sb.ok(&["hash"]);
    // Editing a group that is not selected changes nothing.
    sb.write("penv.toml", &toml(""));
    assert_eq!(sb.ok(&["hash"]), hash);
    assert_code(&sb.run(&["sync", "--check"]), 0);
    // Without the default groups: a different spec, and otherpkg is gone.
    let out = sb.run(&["sync", "--no-default-groups"]);
    assert_exit_and_stderr(&out, 0, "group `dev` no longer selected");
    assert_eq!(imported(&sb, "otherpkg"), None);
    // An unknown group is an error naming the defined ones.
    let out = sb.run(&["sync", "--group", "nope"]);
    assert_exit_and_stderr(&out, 2, "nope");
}
