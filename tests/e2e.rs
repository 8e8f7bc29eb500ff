//! End-to-end: real envs built with the machine's Python and wheels the
//! tests build on the spot (no network). Each test is one user story: build,
//! no-op, edit something, see the env follow (or refuse, and say why).

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::{Sandbox, build_wheel, fake_python};

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Asserts the exit code, showing both streams when it is not the expected one.
#[track_caller]
fn assert_code(out: &Output, code: i32) {
    assert_eq!(
        out.status.code(),
        Some(code),
        "unexpected exit status {}\nstdout:\n{}\nstderr:\n{}",
        out.status,
        stdout(out),
        stderr(out)
    );
}

/// Asserts the exit code and that stderr says `needle`.
#[track_caller]
fn assert_exit_and_stderr(out: &Output, code: i32, needle: &str) {
    assert_code(out, code);
    assert!(stderr(out).contains(needle), "{}", stderr(out));
}

/// A sandbox with `tinypkg` 1.0 in a `wheels/` directory inside the project
/// (for relative paths), and that directory.
fn sandbox_with_project_wheels() -> (Sandbox, PathBuf) {
    let sb = Sandbox::new();
    let local = sb.project.join("wheels");
    std::fs::create_dir_all(&local).unwrap();
    build_wheel(&local, "tinypkg", "1.0", &[]);
    (sb, local)
}

/// A sandbox whose wheel directory holds `tinypkg` 1.0 and 2.0 and `otherpkg` 1.0.
fn sandbox_with_wheels() -> Sandbox {
    let sb = Sandbox::new();
    build_wheel(&sb.wheels, "tinypkg", "1.0", &[]);
    build_wheel(&sb.wheels, "tinypkg", "2.0", &[]);
    build_wheel(&sb.wheels, "otherpkg", "1.0", &[]);
    sb
}

/// The version of `module` the env imports, or `None` when it does not import.
fn imported(sb: &Sandbox, module: &str) -> Option<String> {
    let (ok, out) = sb.env_python(&format!("import {module}; print({module}.VERSION)"));
    ok.then_some(out)
}

/// Writes an offline `penv.toml` for `python` with these `requirements`.
fn write_requirements(sb: &Sandbox, python: &Path, requirements: &[&str]) {
    let quoted: Vec<String> = requirements.iter().map(|r| format!("{r:?}")).collect();
    let extra = format!("requirements = [{}]", quoted.join(", "));
    sb.write("penv.toml", &sb.offline_toml(python, &extra));
}

/// `penv status --json`, parsed.
fn status_json(sb: &Sandbox) -> serde_json::Value {
    serde_json::from_str(&sb.ok(&["status", "--json"])).expect("status --json is JSON")
}

fn state_file(sb: &Sandbox) -> PathBuf {
    sb.env().join("penv-state.json")
}

/// A second CPython at another canonical path: a copy of the real binary
/// (a few KB when libpython is shared) beside a symlink to the real
/// standard library, so it finds its `lib/pythonX.Y` like an install does.
/// `None` (the caller skips) when such a copy does not run on this machine.
fn copied_python(python: &Path, dir: &Path) -> Option<PathBuf> {
    let probe = Command::new(python)
        .args(["-I", "-c", "import sys, sysconfig; print(sys.version_info[0], sys.version_info[1]); print(sysconfig.get_path('stdlib'))"])
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&probe.stdout).into_owned();
    let mut lines = text.lines();
    let version = lines.next()?.replace(' ', ".");
    let stdlib = PathBuf::from(lines.next()?);
    let bin = dir.join("bin");
    std::fs::create_dir_all(&bin).ok()?;
    std::fs::create_dir_all(dir.join("lib")).ok()?;
    let copy = bin.join(format!("python{version}"));
    std::fs::copy(python, &copy).ok()?;
    std::os::unix::fs::symlink(&stdlib, dir.join("lib").join(format!("python{version}"))).ok()?;
    let runs = Command::new(&copy)
        .args(["-I", "-c", "import venv"])
        .env_clear()
        .status()
        .is_ok_and(|s| s.success());
    runs.then_some(copy)
}

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
    let sb = sandbox_with_wheels();
    write_requirements(&sb, python, &["tinypkg==1.0"]);
    sb.ok(&["sync"]);
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
    let sb = sandbox_with_wheels();
    write_requirements(&sb, python, &["tinypkg==1.0"]);
    sb.ok(&["sync"]);
    write_requirements(&sb, python, &["tinypkg==2.0", "otherpkg"]);
    let check = sb.run(&["sync", "--check"]);
    assert_code(&check, 1);
    assert!(
        stderr(&check).contains("+tinypkg==2.0"),
        "{}",
        stderr(&check)
    );
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
    sb.write(
        "penv.toml",
        &sb.offline_toml(python, "requirement-files = [\"requirements.txt\"]"),
    );
    sb.write("requirements.txt", "-r deps/base.txt\notherpkg\n");
    sb.write("deps/base.txt", "tinypkg==1.0\n");
    sb.ok(&["sync"]);
    assert_eq!(imported(&sb, "tinypkg").as_deref(), Some("1.0"));
    let hash_before = sb.ok(&["hash"]);
    sb.write("deps/base.txt", "tinypkg==2.0\n");
    assert_ne!(sb.ok(&["hash"]), hash_before);
    let out = sb.run(&["sync"]);
    assert_exit_and_stderr(&out, 0, "+tinypkg==2.0, -tinypkg==1.0");
    assert!(stderr(&out).contains("deps/base.txt"), "{}", stderr(&out));
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
    sb.write(
        "penv.toml",
        &sb.offline_toml(&copy, "requirements = [\"tinypkg==1.0\"]"),
    );
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
    sb.write("penv.toml", &sb.offline_toml(python, ""));
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
    assert!(
        stderr(&out).contains(&format!("interpreter cpython {version} → cpython 3.99.1")),
        "{}",
        stderr(&out)
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
    sb.write(
        "penv.toml",
        &sb.offline_toml(a, "requirements = [\"tinypkg\"]"),
    );
    sb.ok(&["sync"]);
    sb.write(
        "penv.toml",
        &sb.offline_toml(b, "requirements = [\"tinypkg\"]"),
    );
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

#[test]
fn run_passes_exit_codes_signals_and_the_activated_environment() {
    let python = require_python!();
    let sb = sandbox_with_wheels();
    write_requirements(&sb, python, &["tinypkg==1.0"]);
    // `run` syncs first: the env is built by the first run.
    let out = sb.run(&[
        "run",
        "python",
        "-c",
        "import tinypkg; print(tinypkg.VERSION)",
    ]);
    assert_code(&out, 0);
    assert_eq!(stdout(&out).trim(), "1.0");
    // Exit codes pass through.
    let out = sb.run(&["run", "python", "-c", "import sys; sys.exit(7)"]);
    assert_code(&out, 7);
    // So do signals: penv execs, so the command's own death is ours.
    let out = sb.run(&[
        "run",
        "python",
        "-c",
        "import os, signal; os.kill(os.getpid(), signal.SIGTERM)",
    ]);
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        assert_eq!(out.status.signal(), Some(15), "{}", out.status);
    }
    // A .py file runs with the env's python, activated as `activate` would.
    sb.write(
        "script.py",
        "import os, sys\nprint(sys.prefix)\nprint(os.environ['VIRTUAL_ENV'])\nprint(os.environ['PATH'].split(os.pathsep)[0])\nprint(os.environ.get('PYTHONHOME', '-'))\nprint(sys.argv[1:])\n",
    );
    let out = sb
        .penv()
        .env("PYTHONHOME", "/nonexistent")
        .args(["run", "script.py", "a", "--b"])
        .output()
        .unwrap();
    assert_code(&out, 0);
    let env = sb.env().display().to_string();
    let lines: Vec<String> = stdout(&out).lines().map(str::to_owned).collect();
    assert_eq!(
        lines,
        [
            env.clone(),
            env.clone(),
            format!("{env}/bin"),
            "-".to_owned(),
            "['a', '--b']".to_owned()
        ]
    );
    // The env's bin/ first (pip is the env's), then PATH (sh is the system's).
    let out = sb.run(&["run", "pip", "--version"]);
    assert_code(&out, 0);
    assert!(stdout(&out).contains(&env), "{}", stdout(&out));
    let out = sb.run(&["run", "sh", "-c", "echo \"$VIRTUAL_ENV\"; exit 3"]);
    assert_code(&out, 3);
    assert_eq!(stdout(&out).trim(), env);
    // A command found nowhere: exit 2 with where penv looked.
    let out = sb.run(&["run", "no-such-command-anywhere"]);
    assert_exit_and_stderr(&out, 2, "no-such-command-anywhere");
}

#[test]
fn run_no_sync_refuses_a_missing_or_broken_env_and_warns_on_a_stale_one() {
    let python = require_python!();
    let sb = sandbox_with_wheels();
    write_requirements(&sb, python, &["tinypkg==1.0"]);
    let out = sb.run(&["run", "--no-sync", "python", "-c", "pass"]);
    assert_exit_and_stderr(&out, 2, "penv sync");
    assert!(!sb.env().exists(), "--no-sync built the env");
    sb.ok(&["sync"]);
    write_requirements(&sb, python, &["tinypkg==2.0"]);
    let out = sb.run(&[
        "run",
        "--no-sync",
        "python",
        "-c",
        "import tinypkg; print(tinypkg.VERSION)",
    ]);
    assert_code(&out, 0);
    assert_eq!(stdout(&out).trim(), "1.0");
    assert!(stderr(&out).contains("stale"), "{}", stderr(&out));
    // Broken: the env's python link is gone.
    std::fs::remove_file(sb.env().join("bin/python")).unwrap();
    let out = sb.run(&["run", "--no-sync", "python", "-c", "pass"]);
    assert_exit_and_stderr(&out, 2, "bin/python");
    assert_eq!(status_json(&sb)["state"], "broken");
    // A plain run repairs it.
    let out = sb.run(&[
        "run",
        "python",
        "-c",
        "import tinypkg; print(tinypkg.VERSION)",
    ]);
    assert_code(&out, 0);
    assert_eq!(stdout(&out).trim(), "2.0");
}

#[test]
fn which_prints_the_env_paths_without_syncing() {
    let python = require_python!();
    let sb = sandbox_with_wheels();
    sb.write("penv.toml", &sb.offline_toml(python, ""));
    let out = sb.run(&["which"]);
    assert_code(&out, 2);
    assert!(!sb.env().exists(), "which built the env");
    sb.ok(&["sync"]);
    let env = sb.env();
    assert_eq!(
        sb.ok(&["which"]).trim(),
        env.join("bin/python").to_str().unwrap()
    );
    assert_eq!(
        sb.ok(&["which", "python"]).trim(),
        env.join("bin/python").to_str().unwrap()
    );
    assert_eq!(
        sb.ok(&["which", "pip"]).trim(),
        env.join("bin/pip").to_str().unwrap()
    );
    assert_eq!(
        sb.ok(&["which", "python3"]).trim(),
        env.join("bin/python3").to_str().unwrap()
    );
    let out = sb.run(&["which", "pytest"]);
    assert_exit_and_stderr(&out, 2, "pytest");
}

#[test]
fn status_reports_missing_fresh_stale_and_broken() {
    let python = require_python!();
    let sb = sandbox_with_wheels();
    write_requirements(&sb, python, &["tinypkg==1.0"]);
    let status = status_json(&sb);
    assert_eq!(status["state"], "missing");
    assert_eq!(status["hash"].as_str().unwrap(), sb.ok(&["hash"]).trim());
    assert_eq!(
        status["interpreter"]["request-source"],
        "`python` in `penv.toml`"
    );
    sb.ok(&["sync"]);
    let text = sb.ok(&["status"]);
    assert!(text.contains("state:       fresh"), "{text}");
    write_requirements(&sb, python, &["tinypkg==2.0"]);
    let status = status_json(&sb);
    assert_eq!(status["state"], "stale");
    assert_ne!(status["recorded-hash"], status["hash"]);
    assert!(
        status["reasons"][0]
            .as_str()
            .unwrap()
            .contains("+tinypkg==2.0"),
        "{status}"
    );
    // A never-finished build is unfinished (penv's build marker is still there).
    std::fs::write(sb.env().join("penv-building"), "pid 1\n").unwrap();
    let status = status_json(&sb);
    assert_eq!(status["state"], "unfinished", "{status}");
    assert!(
        status["reasons"][0]
            .as_str()
            .unwrap()
            .contains("never finished"),
        "{status}"
    );
    std::fs::remove_file(sb.env().join("penv-building")).unwrap();
    // So is an env whose state file is unreadable.
    std::fs::write(state_file(&sb), "{ not json").unwrap();
    let status = status_json(&sb);
    assert_eq!(status["state"], "broken", "{status}");
    // status exits 0 whatever the state. An invalid state file is no
    // evidence that penv made the directory: sync refuses it, leaves it, and
    // builds once the user moved it away.
    let out = sb.run(&["sync"]);
    assert_exit_and_stderr(&out, 2, "not a valid penv state file");
    assert_eq!(
        std::fs::read_to_string(state_file(&sb)).unwrap(),
        "{ not json"
    );
    std::fs::remove_dir_all(sb.env()).unwrap();
    sb.ok(&["sync"]);
    assert_eq!(status_json(&sb)["state"], "fresh");
}

#[test]
fn the_hash_ignores_formatting_and_order_but_not_meaning() {
    let python = require_python!();
    let sb = sandbox_with_wheels();
    let find_links = sb.wheels.display().to_string();
    sb.write(
        "penv.toml",
        &format!(
            "python = \"{}\"\nrequirements = [\"tinypkg==1.0\", \"otherpkg\"]\n[pip]\nfind-links = [\"{find_links}\"]\nno-index = true\n",
            python.display()
        ),
    );
    let hash = sb.ok(&["hash"]);
    assert_eq!(hash.trim().len(), 64, "{hash}");
    // Reordered keys and requirements, other whitespace, comments, another env path.
    sb.write(
        "penv.toml",
        &format!(
            "# the project's env\nrequirements = [\n  \"otherpkg\",   # any\n  \"tinypkg == 1.0\",\n]\npython=\"{}\"\n\n[venv]\npath = \"env\"\n\n[pip]\nno-index=true\nfind-links=[ \"{find_links}\" ]\n",
            python.display()
        ),
    );
    assert_eq!(sb.ok(&["hash"]), hash);
    // A pip option is meaning.
    sb.write(
        "penv.toml",
        &format!(
            "python = \"{}\"\nrequirements = [\"tinypkg==1.0\", \"otherpkg\"]\n[pip]\nfind-links = [\"{find_links}\"]\nno-index = true\nargs = [\"--pre\"]\n",
            python.display()
        ),
    );
    assert_ne!(sb.ok(&["hash"]), hash);
}

#[test]
fn project_files_are_found_from_subdirectories_pyproject_and_dash_c() {
    let python = require_python!();
    let sb = sandbox_with_wheels();
    sb.write(
        "pyproject.toml",
        &format!(
            "[project]\nname = \"demo\"\nrequires-python = \">=3.7\"\n\n[tool.penv]\n{}",
            sb.offline_toml(python, "requirements = [\"tinypkg==1.0\"]")
                .replace("[pip]", "[tool.penv.pip]")
        ),
    );
    std::fs::create_dir_all(sb.project.join("src/deep")).unwrap();
    // Walk up from a subdirectory; the env lands beside pyproject.toml.
    let out = sb
        .penv()
        .current_dir(sb.project.join("src/deep"))
        .arg("sync")
        .output()
        .unwrap();
    assert_code(&out, 0);
    assert_eq!(imported(&sb, "tinypkg").as_deref(), Some("1.0"));
    // -C from elsewhere.
    let out = sb
        .penv()
        .current_dir(sb.tmp.path())
        .args(["-C", sb.project.to_str().unwrap(), "which"])
        .output()
        .unwrap();
    assert_code(&out, 0);
    assert_eq!(
        stdout(&out).trim(),
        sb.env().join("bin/python").to_str().unwrap()
    );
    // penv.toml wins over [tool.penv].
    write_requirements(&sb, python, &["tinypkg==2.0"]);
    sb.ok(&["sync"]);
    assert_eq!(imported(&sb, "tinypkg").as_deref(), Some("2.0"));
}

#[test]
fn python_version_file_and_requires_python_are_requests() {
    let python = require_python!();
    let sb = sandbox_with_wheels();
    let version = {
        let out = Command::new(python)
            .args([
                "-I",
                "-c",
                "import platform; print(platform.python_version())",
            ])
            .output()
            .unwrap();
        stdout(&out).trim().to_owned()
    };
    let find_links = format!(
        "[pip]\nfind-links = [\"{}\"]\nno-index = true\n",
        sb.wheels.display()
    );
    sb.write("penv.toml", &find_links);
    sb.write(".python-version", &format!("{version}\n"));
    let status = status_json(&sb);
    assert_eq!(status["interpreter"]["version"], version.as_str());
    assert!(
        status["interpreter"]["request-source"]
            .as_str()
            .unwrap()
            .contains(".python-version"),
        "{status}"
    );
    sb.ok(&["sync"]);
    // A .python-version no interpreter satisfies: exit 2, listing what was found.
    sb.write(".python-version", "3.1.99\n");
    let out = sb.run(&["sync"]);
    assert_exit_and_stderr(&out, 2, "3.1.99");
    // requires-python from pyproject.toml, when nothing else asks.
    std::fs::remove_file(sb.project.join(".python-version")).unwrap();
    sb.write(
        "pyproject.toml",
        "[project]\nname = \"demo\"\nrequires-python = \">=3.99\"\n",
    );
    let out = sb.run(&["sync"]);
    assert_exit_and_stderr(&out, 2, ">=3.99");
}

#[test]
fn a_pip_failure_shows_pips_words_and_keeps_the_old_env() {
    let python = require_python!();
    let sb = sandbox_with_wheels();
    write_requirements(&sb, python, &["tinypkg==1.0"]);
    sb.ok(&["sync"]);
    let state = std::fs::read(state_file(&sb)).unwrap();
    sb.write(
        "penv.toml",
        &sb.offline_toml(
            python,
            "requirements = [\"tinypkg==1.0\", \"nosuchpkg==9\"]",
        ),
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

#[test]
fn a_moved_project_is_rebuilt_at_its_new_path() {
    let python = require_python!();
    let sb = sandbox_with_wheels();
    write_requirements(&sb, python, &["tinypkg==1.0"]);
    sb.ok(&["sync"]);
    let moved = sb.tmp.path().canonicalize().unwrap().join("moved");
    std::fs::rename(&sb.project, &moved).unwrap();
    let out = sb
        .penv()
        .current_dir(&moved)
        .args(["sync"])
        .output()
        .unwrap();
    assert_exit_and_stderr(&out, 0, "the project was moved or copied to");
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
    sb.write("penv.toml", &sb.offline_toml(python, ""));
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
    sb.write(
        "penv.toml",
        &sb.offline_toml(python, "[venv]\npath = \"data\""),
    );
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
    sb.write("penv.toml", &sb.offline_toml(python, "[venv]\npip = false"));
    sb.ok(&["sync"]);
    assert!(sb.env().join("bin/python").exists());
    assert!(!sb.env().join("bin/pip").exists());
    let (has_pip, _) = sb.env_python("import pip");
    assert!(!has_pip, "pip is importable in a pip = false env");
    sb.write(
        "penv.toml",
        &sb.offline_toml(python, "requirements = [\"tinypkg\"]\n[venv]\npip = false"),
    );
    let out = sb.run(&["sync"]);
    assert_exit_and_stderr(&out, 2, "pip = false");
}

#[test]
fn a_closed_stderr_does_not_abort_a_rebuild() {
    let python = require_python!();
    let sb = sandbox_with_wheels();
    write_requirements(&sb, python, &["tinypkg==1.0"]);
    sb.ok(&["sync"]);
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
    sb.write("penv.toml", &sb.offline_toml(python, "[venv]\npip = false"));
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
        sb.write(
            "penv.toml",
            &sb.offline_toml(
                python,
                &format!("requirements = [\"{req}\"]\n[venv]\nkeep-stashed = {n}"),
            ),
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

#[test]
fn while_another_penv_holds_the_writer_lock_nobody_calls_the_env_interrupted() {
    let python = require_python!();
    let sb = sandbox_with_wheels();
    let cache = sb.tmp.path().join("private-cache");
    let penv = |args: &[&str]| {
        sb.penv()
            .env("PENV_CACHE_DIR", &cache)
            .env("PENV_LOCK_TIMEOUT", "0.3")
            .args(args)
            .output()
            .unwrap()
    };
    write_requirements(&sb, python, &["tinypkg==1.0"]);
    assert_code(&penv(&["sync"]), 0);
    // Be the other penv (with another cache dir, even): hold the env's
    // writer lock, beside the env.
    let lock = std::fs::OpenOptions::new()
        .write(true)
        .open(sb.project.join(".penv/.venv.lock"))
        .unwrap();
    lock.lock().unwrap();
    let status: serde_json::Value =
        serde_json::from_slice(&penv(&["status", "--json"]).stdout).unwrap();
    assert!(
        status["reasons"][0]
            .as_str()
            .unwrap()
            .contains("rebuilding it right now"),
        "{status}"
    );
    let out = penv(&["run", "--no-sync", "python", "-c", "pass"]);
    assert_exit_and_stderr(&out, 2, "being rebuilt");
    // A sync waits for the writer, then gives up clearly.
    let out = penv(&["sync"]);
    assert_exit_and_stderr(&out, 2, "Waiting for another penv");
    assert!(stderr(&out).contains("at most 0.3s"), "{}", stderr(&out));
    lock.unlock().unwrap();
    assert_code(&penv(&["run", "--no-sync", "python", "-c", "pass"]), 0);
}

#[test]
fn sync_check_says_what_to_run() {
    let python = require_python!();
    let sb = sandbox_with_wheels();
    sb.write(
        "penv.toml",
        &sb.offline_toml(python, "[groups]\ndocs = [\"otherpkg\"]"),
    );
    sb.ok(&["sync"]);
    let out = sb.run(&["sync", "--check", "--group", "docs"]);
    assert_exit_and_stderr(&out, 1, "Run `penv sync --group docs` to update it.");
    // An env penv would refuse to replace: the refusal, not "run penv sync".
    std::fs::remove_dir_all(sb.env()).unwrap();
    std::fs::write(sb.env(), "not a directory").unwrap();
    let out = sb.run(&["sync", "--check"]);
    assert_exit_and_stderr(&out, 1, "`penv sync` would refuse");
}

#[test]
fn file_url_find_links_are_decoded_and_installed_from() {
    let python = require_python!();
    let sb = Sandbox::new();
    let spaced = sb.tmp.path().join("wheel house");
    std::fs::create_dir_all(&spaced).unwrap();
    build_wheel(&spaced, "tinypkg", "1.0", &[]);
    let url = format!("file://{}", spaced.display()).replace(' ', "%20");
    let toml = |extra: &str| {
        format!(
            "python = \"{}\"\nrequirements = [\"tinypkg\"]\n[pip]\nfind-links = [\"{url}\"]\nno-index = true\n{extra}",
            python.display()
        )
    };
    sb.write("penv.toml", &toml(""));
    let before = sb.ok(&["hash"]);
    sb.ok(&["sync"]);
    assert_eq!(imported(&sb, "tinypkg").as_deref(), Some("1.0"));
    // The decoded directory's listing is in the hash.
    build_wheel(&spaced, "tinypkg", "2.0", &[]);
    assert_ne!(sb.ok(&["hash"]), before);
    // A `file://` directory that is not there is pip's to report, not penv's.
    sb.write("penv.toml", &toml("").replace("wheel%20house", "no%20such"));
    let out = sb.run(&["hash"]);
    assert_code(&out, 0);
}

#[test]
fn a_symlinked_penv_work_dir_is_refused_not_followed() {
    let python = require_python!();
    let sb = sandbox_with_wheels();
    write_requirements(&sb, python, &["tinypkg==1.0"]);
    sb.ok(&["sync"]);
    // `.penv` made a link to a directory another project might share.
    let shared = sb.tmp.path().join("shared-penv");
    std::fs::rename(sb.project.join(".penv"), &shared).unwrap();
    std::os::unix::fs::symlink(&shared, sb.project.join(".penv")).unwrap();
    write_requirements(&sb, python, &["tinypkg==2.0"]);
    let out = sb.run(&["sync"]);
    assert_exit_and_stderr(&out, 2, "is a symlink");
    assert_eq!(imported(&sb, "tinypkg").as_deref(), Some("1.0"));
}

// ---- input hardening: interpreter base loops ----

/// Runs penv in the sandbox, killed (and failing the test) after a minute, so
/// an endless walk fails instead of hanging.
fn run_with_deadline(sb: &Sandbox, args: &[&str]) -> Output {
    let child = sb
        .penv()
        .args(args)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("penv runs");
    penv::process::wait_with_timeout(child, std::time::Duration::from_mins(1))
        .unwrap_or_else(|e| panic!("penv {args:?} did not finish: {e}"))
}

/// `python -m venv --copies --without-pip dir`, returning its `bin/python3`.
fn copies_venv(python: &Path, dir: &Path) -> PathBuf {
    let status = Command::new(python)
        .args(["-I", "-m", "venv", "--copies", "--without-pip"])
        .arg(dir)
        .env_clear()
        .status()
        .expect("python runs");
    assert!(status.success(), "python -m venv --copies failed");
    dir.join("bin/python3")
}

#[test]
fn a_copies_venvs_python_leads_to_its_base_and_one_that_is_its_own_base_is_an_error() {
    let python = require_python!();
    let sb = Sandbox::new();
    // A healthy `--copies` venv: its python names the real one as its base.
    let healthy = copies_venv(python, &sb.tmp.path().join("copies"));
    sb.write(
        "penv.toml",
        &format!("python = \"{}\"\n[venv]\npip = false\n", healthy.display()),
    );
    let out = run_with_deadline(&sb, &["sync"]);
    assert_code(&out, 0);
    let status = status_json(&sb);
    assert_eq!(
        status["interpreter"]["path"].as_str().map(PathBuf::from),
        Some(python.canonicalize().unwrap()),
        "{status}"
    );

    // Another whose `pyvenv.cfg` `home` is its own `bin/`: its python
    // reports itself as its base (`sys._base_executable`). This overflowed
    // penv's stack (exit 134).
    let looped_dir = sb.tmp.path().join("looped");
    let looped = copies_venv(python, &looped_dir);
    let cfg = looped_dir.join("pyvenv.cfg");
    let text = std::fs::read_to_string(&cfg).unwrap();
    let text: String = text
        .lines()
        .map(|l| {
            if l.starts_with("home") {
                format!("home = {}\n", looped_dir.join("bin").display())
            } else {
                format!("{l}\n")
            }
        })
        .collect();
    std::fs::write(&cfg, text).unwrap();
    sb.write(
        "penv.toml",
        &format!("python = \"{}\"\n[venv]\npip = false\n", looped.display()),
    );
    for args in [&["hash"][..], &["sync"], &["status"]] {
        let out = run_with_deadline(&sb, args);
        assert_exit_and_stderr(
            &out,
            2,
            "is not a usable Python interpreter: it is a virtual environment's python whose base interpreter is itself",
        );
        assert!(
            stderr(&out).contains("hint: point `python` at a base Python 3 executable"),
            "{}",
            stderr(&out)
        );
    }
    // The env built before is still there, untouched.
    assert!(sb.env().join("penv-state.json").is_file());
}

// ---- data safety: nothing deleted that penv did not make (issue 9) ----

/// A project file for a pip-less env (quick to build); `prompt` is part of
/// the spec, so changing it makes a sync rebuild.
fn bare_toml(python: &Path, prompt: &str, venv_extra: &str) -> String {
    format!(
        "python = \"{}\"\n[venv]\npip = false\nprompt = \"{prompt}\"\n{venv_extra}\n",
        python.display()
    )
}

/// Another project beside the sandbox's (`<tmp>/other-project`) whose env
/// penv built, with a user's file in it; returns that env.
fn other_project(sb: &Sandbox, python: &Path) -> PathBuf {
    let dir = sb.tmp.path().canonicalize().unwrap().join("other-project");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("penv.toml"), bare_toml(python, "other", "")).unwrap();
    assert_code(
        &sb.penv().current_dir(&dir).arg("sync").output().unwrap(),
        0,
    );
    std::fs::write(dir.join(".venv/lib/user-notes.txt"), "precious").unwrap();
    dir.join(".venv")
}

/// Every entry under `dir` (links not followed): its kind, and its bytes
/// or link target.
fn tree(dir: &Path) -> std::collections::BTreeMap<PathBuf, String> {
    walkdir::WalkDir::new(dir)
        .follow_links(false)
        .into_iter()
        .map(|e| {
            let e = e.unwrap();
            let what = if e.path_is_symlink() {
                format!("link {}", std::fs::read_link(e.path()).unwrap().display())
            } else if e.file_type().is_dir() {
                "dir".to_owned()
            } else {
                format!("file {:?}", std::fs::read(e.path()).unwrap())
            };
            (e.path().to_owned(), what)
        })
        .collect()
}

/// `env` (another project's) is exactly as it was and still fresh.
#[track_caller]
fn assert_untouched(
    sb: &Sandbox,
    env: &Path,
    before: &std::collections::BTreeMap<PathBuf, String>,
) {
    assert!(tree(env) == *before, "the other project's env changed");
    let out = sb
        .penv()
        .current_dir(env.parent().unwrap())
        .args(["status", "--json"])
        .output()
        .unwrap();
    let status: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(status["state"], "fresh", "{status}");
}

/// The hash prefix a stash entry of the sandbox's current spec is named by.
fn short_hash(sb: &Sandbox) -> String {
    sb.ok(&["hash"]).trim()[..16].to_owned()
}

#[test]
fn a_symlinked_stash_entry_is_refused_never_marked_or_pruned_through() {
    let python = require_python!();
    let sb = Sandbox::new();
    let other = other_project(&sb, python);
    let before = tree(&other);
    let stash = sb.project.join(".penv/stash");
    // Named for a spec this project has had (pruned) and for the one it
    // wants next (restored): neither may act through the link.
    for (next, keep) in [("b", 0), ("a", 3)] {
        sb.write(
            "penv.toml",
            &bare_toml(python, next, &format!("keep-stashed = {keep}")),
        );
        let hash = short_hash(&sb);
        sb.write("penv.toml", &bare_toml(python, "z", "keep-stashed = 0"));
        sb.ok(&["sync"]);
        let built = std::fs::read(state_file(&sb)).unwrap();
        std::fs::create_dir_all(&stash).unwrap();
        let entry = stash.join(format!(".venv-{hash}-1"));
        std::os::unix::fs::symlink("../../../other-project/.venv", &entry).unwrap();
        sb.write(
            "penv.toml",
            &bare_toml(python, next, &format!("keep-stashed = {keep}")),
        );
        let out = sb.run(&["sync"]);
        assert_exit_and_stderr(&out, 2, &format!(".venv-{hash}-1"));
        assert!(stderr(&out).contains("symlink"), "{}", stderr(&out));
        assert_untouched(&sb, &other, &before);
        // Refused before anything moved: the env is the one built before.
        assert_eq!(std::fs::read(state_file(&sb)).unwrap(), built);
        assert!(!sb.project.join(".penv/old-.venv").exists());
        std::fs::remove_file(&entry).unwrap();
    }
}

#[test]
fn a_symlinked_stash_dir_is_refused_not_followed() {
    let python = require_python!();
    let sb = Sandbox::new();
    let other = other_project(&sb, python);
    // Give the other project a stash entry, then link this project's stash to it.
    let other_dir = other.parent().unwrap();
    std::fs::write(other_dir.join("penv.toml"), bare_toml(python, "other2", "")).unwrap();
    assert_code(
        &sb.penv()
            .current_dir(other_dir)
            .arg("sync")
            .output()
            .unwrap(),
        0,
    );
    let their_stash = other_dir.join(".penv/stash");
    let before = tree(&their_stash);
    assert!(before.len() > 1, "the other project has a stash entry");
    sb.write("penv.toml", &bare_toml(python, "a", "keep-stashed = 0"));
    sb.ok(&["sync"]);
    std::os::unix::fs::symlink(&their_stash, sb.project.join(".penv/stash")).unwrap();
    for keep in ["keep-stashed = 0", "keep-stashed = 3"] {
        sb.write("penv.toml", &bare_toml(python, "b", keep));
        let out = sb.run(&["sync"]);
        assert_exit_and_stderr(&out, 2, ".penv/stash");
        assert!(stderr(&out).contains("symlink"), "{}", stderr(&out));
        assert!(
            tree(&their_stash) == before,
            "the other project's stash changed"
        );
    }
}

/// A record of a rebuild under way, as a killed penv leaves it.
fn write_intent(sb: &Sandbox, aside: bool) {
    let env = sb.env();
    let intent = serde_json::json!({
        "pid": 1,
        "started": 0,
        "env": env,
        "aside": aside.then(|| sb.project.join(".penv/old-.venv")),
        "new-hash": "0".repeat(64),
    });
    std::fs::write(sb.project.join(".penv/txn-.venv.json"), intent.to_string()).unwrap();
}

#[test]
fn a_symlinked_old_env_with_an_intent_record_is_refused() {
    let python = require_python!();
    let sb = Sandbox::new();
    let other = other_project(&sb, python);
    let before = tree(&other);
    sb.write("penv.toml", &bare_toml(python, "a", ""));
    sb.ok(&["sync"]);
    write_intent(&sb, true);
    let aside = sb.project.join(".penv/old-.venv");
    std::os::unix::fs::symlink("../../other-project/.venv", &aside).unwrap();
    for args in [&["sync"][..], &["run", "python", "-c", "pass"][..]] {
        let out = sb.run(args);
        assert_exit_and_stderr(&out, 2, ".penv/old-.venv");
        assert!(stderr(&out).contains("symlink"), "{}", stderr(&out));
        assert_untouched(&sb, &other, &before);
        assert!(aside.is_symlink());
    }
}

#[test]
fn a_symlinked_env_path_to_another_penv_env_is_refused() {
    let python = require_python!();
    let sb = Sandbox::new();
    let other = other_project(&sb, python);
    let before = tree(&other);
    sb.write("penv.toml", &bare_toml(python, "other", ""));
    std::os::unix::fs::symlink("../other-project/.venv", sb.env()).unwrap();
    let out = sb.run(&["sync"]);
    assert_exit_and_stderr(&out, 2, "is a symlink");
    assert_untouched(&sb, &other, &before);
    // Even with a killed rebuild's record and an old env waiting aside:
    // the link is never taken for the partial build.
    std::fs::create_dir_all(sb.project.join(".penv/old-.venv")).unwrap();
    std::fs::write(sb.project.join(".penv/old-.venv/pyvenv.cfg"), "").unwrap();
    write_intent(&sb, true);
    let out = sb.run(&["sync"]);
    assert_exit_and_stderr(&out, 2, "symlink");
    assert_untouched(&sb, &other, &before);
    assert!(sb.project.join(".penv/old-.venv/pyvenv.cfg").is_file());
}

/// The issue's repro: a home directory with `thesis.tex` and an empty
/// `penv-state.json`, named through a symlinked parent.
#[test]
fn home_reached_through_a_symlinked_parent_is_refused() {
    let python = require_python!();
    let sb = Sandbox::new();
    std::fs::write(sb.home.join("thesis.tex"), "chapter 1").unwrap();
    std::fs::write(sb.home.join("penv-state.json"), "").unwrap();
    let links = sb.tmp.path().join("links");
    std::fs::create_dir_all(&links).unwrap();
    std::os::unix::fs::symlink(sb.home.parent().unwrap(), links.join("h")).unwrap();
    let home_name = sb.home.file_name().unwrap().to_str().unwrap();
    for path in [
        format!("../links/h/{home_name}"),
        format!("../links/h/{home_name}/../{home_name}"),
    ] {
        sb.write(
            "penv.toml",
            &bare_toml(python, "a", &format!("path = \"{path}\"")),
        );
        for args in [&["sync"][..], &["sync", "--force"][..]] {
            let out = sb.run(args);
            assert_exit_and_stderr(&out, 2, "your home directory");
            assert_eq!(
                std::fs::read_to_string(sb.home.join("thesis.tex")).unwrap(),
                "chapter 1"
            );
        }
    }
    // A parent of the home directory, through the same link.
    sb.write(
        "penv.toml",
        &bare_toml(python, "a", "path = \"../links/h\""),
    );
    assert_code(&sb.run(&["sync"]), 2);
    assert!(sb.home.join("thesis.tex").is_file());
}

/// A case: what it plants, and how.
type Plant<'a> = (&'static str, Box<dyn Fn() + 'a>);

/// penv's file names without penv's evidence: refused, with and without
/// `--force`, and the directory left exactly as it was.
#[test]
fn a_state_file_or_marker_penv_did_not_write_is_no_ownership() {
    let python = require_python!();
    let sb = Sandbox::new();
    let other = other_project(&sb, python);
    sb.write("penv.toml", &bare_toml(python, "a", ""));
    let env = sb.env();
    let venv = || {
        let _ = std::fs::remove_dir_all(&env);
        let made = Command::new(python)
            .args(["-m", "venv", "--without-pip"])
            .arg(&env)
            .status()
            .unwrap();
        assert!(made.success());
    };
    let cases: Vec<Plant> = vec![
        (
            "an empty state file beside data",
            Box::new(|| {
                let _ = std::fs::remove_dir_all(&env);
                std::fs::create_dir_all(&env).unwrap();
                std::fs::write(env.join("thesis.tex"), "chapter 1").unwrap();
                std::fs::write(env.join("penv-state.json"), "").unwrap();
            }),
        ),
        (
            "an empty state file in a venv",
            Box::new(|| {
                venv();
                std::fs::write(env.join("penv-state.json"), "").unwrap();
            }),
        ),
        (
            "an invalid state file in a venv",
            Box::new(|| {
                venv();
                std::fs::write(env.join("penv-state.json"), "{}").unwrap();
            }),
        ),
        (
            "another env's state file beside data",
            Box::new(|| {
                venv();
                std::fs::copy(other.join("penv-state.json"), env.join("penv-state.json")).unwrap();
                std::fs::write(env.join("thesis.tex"), "chapter 1").unwrap();
            }),
        ),
        (
            "a marker penv did not write",
            Box::new(|| {
                venv();
                std::fs::write(env.join("penv-building"), "pid 1\n").unwrap();
            }),
        ),
    ];
    for (what, plant) in &cases {
        plant();
        let before = tree(&env);
        for args in [&["sync"][..], &["sync", "--force"][..]] {
            let out = sb.run(args);
            assert_code(&out, 2);
            assert!(
                stderr(&out).contains("refusing to replace `.venv`"),
                "{what}: {}",
                stderr(&out)
            );
            assert!(tree(&env) == before, "{what}: `.venv` changed");
        }
    }
}

#[test]
fn a_lock_file_linked_to_a_user_file_is_refused_untouched() {
    let python = require_python!();
    let sb = Sandbox::new();
    sb.write("penv.toml", &bare_toml(python, "a", ""));
    sb.ok(&["sync"]);
    let victim = sb.tmp.path().join("victim.txt");
    std::fs::write(&victim, "the user's file").unwrap();
    let lock = sb.project.join(".penv/.venv.lock");
    sb.write("penv.toml", &bare_toml(python, "b", ""));
    for (how, needle) in [("hard link", "hard links"), ("symlink", "symlink")] {
        std::fs::remove_file(&lock).unwrap();
        if how == "hard link" {
            std::fs::hard_link(&victim, &lock).unwrap();
        } else {
            std::os::unix::fs::symlink(&victim, &lock).unwrap();
        }
        let out = sb.run(&["sync"]);
        assert_exit_and_stderr(&out, 2, ".venv.lock");
        assert!(stderr(&out).contains(needle), "{how}: {}", stderr(&out));
        assert_eq!(std::fs::read_to_string(&victim).unwrap(), "the user's file");
    }
    // A lock file of penv's own, holding other bytes: used, never truncated.
    std::fs::remove_file(&lock).unwrap();
    std::fs::write(&lock, "bytes penv did not write, longer than its record\n").unwrap();
    sb.ok(&["sync"]);
    assert_eq!(
        std::fs::read_to_string(&lock).unwrap(),
        "bytes penv did not write, longer than its record\n"
    );
}

#[test]
fn refusing_a_symlinked_penv_dir_creates_nothing_in_its_target() {
    let python = require_python!();
    let sb = Sandbox::new();
    sb.write("penv.toml", &bare_toml(python, "a", ""));
    sb.ok(&["sync"]);
    let elsewhere = sb.tmp.path().join("elsewhere");
    std::fs::create_dir(&elsewhere).unwrap();
    std::fs::remove_dir_all(sb.project.join(".penv")).unwrap();
    std::os::unix::fs::symlink(&elsewhere, sb.project.join(".penv")).unwrap();
    // Fresh (the fast path), then stale (a rebuild, refused): every command
    // leaves the link's target empty.
    for prompt in ["a", "b"] {
        sb.write("penv.toml", &bare_toml(python, prompt, ""));
        for args in [
            &["sync"][..],
            &["sync", "--check"][..],
            &["status"][..],
            &["which"][..],
            &["run", "python", "-c", "pass"][..],
            &["run", "--no-sync", "python", "-c", "pass"][..],
        ] {
            let _ = sb.run(args);
            let made: Vec<_> = std::fs::read_dir(&elsewhere).unwrap().collect();
            assert!(
                made.is_empty(),
                "penv {args:?} created {made:?} through the link"
            );
        }
    }
    let out = sb.run(&["sync"]);
    assert_exit_and_stderr(&out, 2, "symlink");
}

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
    assert!(
        stderr(&out).contains("`mypkg` has uncommitted changes"),
        "{}",
        stderr(&out)
    );
    assert!(
        stderr(&out).contains(".penv/kept/.venv-src-"),
        "{}",
        stderr(&out)
    );
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
    assert!(
        stderr(&out).contains(".penv/stash/.venv-"),
        "{}",
        stderr(&out)
    );
    assert_eq!(kept_edits(&sb), ["x = 2  # my fix\n"]);
}

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
    assert!(stderr(&check).contains("is stale"), "{}", stderr(&check));
    let status = status_json(sb);
    assert_eq!(status["state"], "stale", "{status}");
    assert!(
        status["reasons"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r.as_str().unwrap().contains(reason)),
        "{status}"
    );
    let out = sb.run(&["sync"]);
    assert_exit_and_stderr(&out, 0, "Recreating `.venv` (stale):");
    assert!(stderr(&out).contains(reason), "{}", stderr(&out));
    assert_exit_and_stderr(&sb.run(&["sync", "--check"]), 0, "is up to date");
}

#[test]
fn a_package_uninstalled_by_hand_is_stale_and_sync_puts_it_back() {
    let python = require_python!();
    let sb = sandbox_with_wheels();
    write_requirements(&sb, python, &["tinypkg==1.0"]);
    sb.ok(&["sync"]);
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
    let sb = sandbox_with_wheels();
    write_requirements(&sb, python, &["tinypkg==1.0"]);
    sb.ok(&["sync"]);
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
    let sb = sandbox_with_wheels();
    write_requirements(&sb, python, &["tinypkg==1.0"]);
    sb.ok(&["sync"]);
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
    let sb = sandbox_with_wheels();
    write_requirements(&sb, python, &["tinypkg==1.0"]);
    sb.ok(&["sync"]);
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
    let sb = sandbox_with_wheels();
    write_requirements(&sb, python, &["tinypkg==1.0"]);
    sb.ok(&["sync"]);
    // A file edited inside a package: not checked (the README says so) …
    let (_, module) = sb.env_python("import tinypkg; print(tinypkg.__file__)");
    std::fs::write(&module, "VERSION = 'edited'\n").unwrap();
    assert_code(&sb.run(&["sync", "--check"]), 0);
    // … which is what `--reinstall` is for.
    let out = sb.run(&["sync", "--reinstall"]);
    assert_exit_and_stderr(&out, 0, "Reinstalling `.venv` (--reinstall)");
    assert!(stderr(&out).contains("Built `.venv`"), "{}", stderr(&out));
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
    let sb = sandbox_with_wheels();
    write_requirements(&sb, python, &["tinypkg==1.0"]);
    sb.ok(&["sync"]);
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

#[test]
fn run_no_sync_in_a_copied_project_refuses_and_leaves_the_original_alone() {
    let python = require_python!();
    let sb = sandbox_with_wheels();
    write_requirements(&sb, python, &["tinypkg==1.0"]);
    sb.ok(&["sync"]);
    let copy = sb.tmp.path().canonicalize().unwrap().join("copy");
    let copied = Command::new("cp")
        .arg("-a")
        .arg(&sb.project)
        .arg(&copy)
        .status()
        .unwrap();
    assert!(copied.success());
    let in_copy = |args: &[&str]| sb.penv().current_dir(&copy).args(args).output().unwrap();
    let built_at = format!("it was built at `{}`", sb.env().display());
    assert_exit_and_stderr(&in_copy(&["which", "python"]), 2, &built_at);
    // Its pip's shebang names the original env: it must not run.
    for command in [
        &["pip", "uninstall", "-y", "tinypkg"][..],
        &["python", "-c", "pass"],
    ] {
        let args: Vec<&str> = ["run", "--no-sync"]
            .iter()
            .chain(command)
            .copied()
            .collect();
        let out = in_copy(&args);
        assert_exit_and_stderr(&out, 2, &built_at);
        assert!(stderr(&out).contains("is broken"), "{}", stderr(&out));
    }
    assert_eq!(imported(&sb, "tinypkg").as_deref(), Some("1.0"));
    assert_eq!(status_json(&sb)["state"], "fresh");
    // A plain run in the copy builds the copy its own env.
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
    assert!(status.to_string().contains(reason), "{status}");
    assert_exit_and_stderr(&sb.run(&["which", "python"]), 2, reason);
    assert_exit_and_stderr(
        &sb.run(&["run", "--no-sync", "python", "-c", "pass"]),
        2,
        reason,
    );
    assert_exit_and_stderr(&sb.run(&["sync", "--check"]), 1, reason);
    let out = sb.run(&["sync"]);
    assert_exit_and_stderr(&out, 0, "Recreating `.venv` (broken):");
    assert!(stderr(&out).contains(reason), "{}", stderr(&out));
    assert_eq!(env_python_link(sb), real);
    assert_eq!(status_json(sb)["state"], "fresh");
}

#[test]
fn an_env_python_replaced_in_place_is_broken() {
    let python = require_python!();
    let sb = sandbox_with_wheels();
    write_requirements(&sb, python, &["tinypkg==1.0"]);
    sb.ok(&["sync"]);
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
    let sb = sandbox_with_wheels();
    write_requirements(&sb, python, &["tinypkg==1.0"]);
    sb.ok(&["sync"]);
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
    let sb = sandbox_with_wheels();
    write_requirements(&sb, python, &["tinypkg==1.0"]);
    sb.ok(&["sync"]);
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

// ---- what is hashed is what pip installs (issue 10: 1, 2, 4) ----

/// A PEP 517 backend small enough to write into a test project: it reads
/// `name`, `version` and `dependencies` from `pyproject.toml` and builds an
/// editable wheel (a `.pth` naming the directory) or a plain one (the
/// module). With `requires = []` pip builds it offline. When a file `gate`
/// is in the directory, each build first creates `building` and waits (at
/// most a minute) for `go`: the tests edit files at that moment, while pip
/// is surely running and has read its requirement files.
const LOCAL_BACKEND: &str = r#"
import ast, base64, hashlib, os, re, time, zipfile

HERE = os.path.dirname(os.path.abspath(__file__))

def _meta():
    text = open(os.path.join(HERE, "pyproject.toml")).read()
    name = re.search(r'^name = "(.*)"', text, re.M).group(1)
    version = re.search(r'^version = "(.*)"', text, re.M).group(1)
    deps = ast.literal_eval(re.search(r'^dependencies = (.*)$', text, re.M).group(1))
    return name, version, deps

def _gate():
    if os.path.exists(os.path.join(HERE, "gate")):
        open(os.path.join(HERE, "building"), "w").close()
        for _ in range(1200):
            if os.path.exists(os.path.join(HERE, "go")):
                return
            time.sleep(0.05)

def _wheel(directory, files):
    _gate()
    name, version, deps = _meta()
    module = name.replace("-", "_")
    dist = "%s-%s.dist-info" % (module, version)
    files = dict(files(module))
    files[dist + "/METADATA"] = "Metadata-Version: 2.1\nName: %s\nVersion: %s\n" % (name, version) + "".join("Requires-Dist: %s\n" % d for d in deps)
    files[dist + "/WHEEL"] = "Wheel-Version: 1.0\nGenerator: penv-tests\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
    wheel = "%s-%s-py3-none-any.whl" % (module, version)
    record = []
    with zipfile.ZipFile(os.path.join(directory, wheel), "w") as z:
        for path, text in files.items():
            data = text.encode()
            z.writestr(path, data)
            digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
            record.append("%s,sha256=%s,%d" % (path, digest, len(data)))
        record.append(dist + "/RECORD,,")
        z.writestr(dist + "/RECORD", "\n".join(record) + "\n")
    return wheel

def build_editable(directory, config_settings=None, metadata_directory=None):
    return _wheel(directory, lambda m: {m + ".pth": HERE + "\n"})

def build_wheel(directory, config_settings=None, metadata_directory=None):
    return _wheel(directory, lambda m: {m + ".py": open(os.path.join(HERE, m + ".py")).read()})
"#;

/// Writes a local project `name` 1.0 into `dir`: `pyproject.toml` with these
/// `dependencies`, the in-tree backend, and module `name` (`VERSION = "1.0"`).
fn write_local_project(dir: &Path, name: &str, dependencies: &[&str]) {
    std::fs::create_dir_all(dir).unwrap();
    std::fs::write(
        dir.join("pyproject.toml"),
        local_pyproject(name, dependencies),
    )
    .unwrap();
    std::fs::write(dir.join("backend.py"), LOCAL_BACKEND).unwrap();
    std::fs::write(dir.join(format!("{name}.py")), "VERSION = \"1.0\"\n").unwrap();
}

fn local_pyproject(name: &str, dependencies: &[&str]) -> String {
    let deps: Vec<String> = dependencies.iter().map(|d| format!("{d:?}")).collect();
    format!(
        "[build-system]\nrequires = []\nbuild-backend = \"backend\"\nbackend-path = [\".\"]\n\n\
         [project]\nname = \"{name}\"\nversion = \"1.0\"\ndependencies = [{}]\n",
        deps.join(", ")
    )
}

/// Waits (at most a minute) for `path` to exist; false if it never does.
fn wait_for_file(path: &Path) -> bool {
    let start = std::time::Instant::now();
    while start.elapsed() < std::time::Duration::from_mins(1) {
        if path.exists() {
            return true;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    false
}

#[test]
fn files_named_by_pip_args_are_hashed_like_requirement_files() {
    let python = require_python!();
    let sb = sandbox_with_wheels();
    sb.write(
        "penv.toml",
        &sb.offline_toml(python, "").replace(
            "no-index = true",
            "no-index = true\nargs = [\"-r\", \"prod.txt\", \"--constraint=pins.txt\"]",
        ),
    );
    sb.write("prod.txt", "-r base.txt\n");
    sb.write("base.txt", "tinypkg\n");
    sb.write("pins.txt", "tinypkg==1.0\n");
    sb.ok(&["sync"]);
    assert_eq!(imported(&sb, "tinypkg").as_deref(), Some("1.0"));
    // The include of a `-r` file, and the `-c` file, are hashed too.
    sb.write("base.txt", "tinypkg\notherpkg\n");
    let out = sb.run(&["sync", "--check"]);
    assert_exit_and_stderr(&out, 1, "`base.txt`: +otherpkg");
    sb.ok(&["sync"]);
    assert_eq!(imported(&sb, "otherpkg").as_deref(), Some("1.0"));
    sb.write("pins.txt", "tinypkg==2.0\n");
    let out = sb.run(&["sync"]);
    assert_exit_and_stderr(&out, 0, "`pins.txt`: +tinypkg==2.0, -tinypkg==1.0");
    assert_eq!(imported(&sb, "tinypkg").as_deref(), Some("2.0"));
    assert_code(&sb.run(&["sync", "--check"]), 0);
    // A missing one is an error pointing at `[pip] args`.
    sb.write(
        "penv.toml",
        &sb.offline_toml(python, "").replace(
            "no-index = true",
            "no-index = true\nargs = [\"-rmissing.txt\"]",
        ),
    );
    let out = sb.run(&["sync", "--check"]);
    assert_exit_and_stderr(&out, 2, "requirement file `missing.txt` does not exist");
    assert!(stderr(&out).contains("penv.toml:"), "{}", stderr(&out));
}

#[test]
fn pip_args_alone_install_an_editable_project_and_track_its_metadata() {
    let python = require_python!();
    let sb = sandbox_with_wheels();
    sb.write(
        "penv.toml",
        &sb.offline_toml(python, "")
            .replace("no-index = true", "no-index = true\nargs = [\"-e\", \".\"]"),
    );
    write_local_project(&sb.project, "localpkg", &["tinypkg==1.0"]);
    let out = sb.run(&["sync"]);
    assert_exit_and_stderr(&out, 0, "Built `.venv`");
    assert_eq!(imported(&sb, "localpkg").as_deref(), Some("1.0"));
    assert_eq!(imported(&sb, "tinypkg").as_deref(), Some("1.0"));
    assert_code(&sb.run(&["sync", "--check"]), 0);
    // A new dependency in the project's own metadata: stale, and sync installs it.
    sb.write(
        "pyproject.toml",
        &local_pyproject("localpkg", &["tinypkg==1.0", "otherpkg"]),
    );
    let out = sb.run(&["sync", "--check"]);
    assert_exit_and_stderr(&out, 1, "`pyproject.toml` of `-e .` changed");
    let out = sb.run(&["sync"]);
    assert_exit_and_stderr(&out, 0, "`pyproject.toml` of `-e .` changed");
    assert_eq!(imported(&sb, "otherpkg").as_deref(), Some("1.0"));
    // `setup.cfg` and `setup.py` count too (pip reads them when they are there).
    sb.write("setup.cfg", "[metadata]\n");
    let out = sb.run(&["sync", "--check"]);
    assert_exit_and_stderr(&out, 1, "`setup.cfg` of `-e .` added");
}

#[test]
fn local_projects_are_tracked_wherever_they_are_named() {
    let python = require_python!();
    let sb = sandbox_with_wheels();
    let outside = sb.tmp.path().join("outside pkg");
    write_local_project(&sb.project.join("sub"), "subpkg", &[]);
    write_local_project(&sb.project.join("plain"), "plainpkg", &[]);
    write_local_project(&outside, "outpkg", &[]);
    write_local_project(&sb.project.join("grouped"), "grouppkg", &[]);
    let url = format!("file://{}", outside.display()).replace(' ', "%20");
    let grouped = format!("file://{}", sb.project.join("grouped").display());
    sb.write(
        "penv.toml",
        &sb.offline_toml(
            python,
            &format!(
                "requirements = [\"outpkg @ {url}\"]\nrequirement-files = [\"requirements.txt\"]\n\
                 default-groups = [\"dev\"]\n[groups]\ndev = [\"grouppkg @ {grouped}\"]"
            ),
        ),
    );
    sb.write("requirements.txt", "-e ./sub\n./plain  # not editable\n");
    sb.ok(&["sync"]);
    for module in ["subpkg", "plainpkg", "outpkg", "grouppkg"] {
        assert_eq!(imported(&sb, module).as_deref(), Some("1.0"), "{module}");
    }
    assert_code(&sb.run(&["sync", "--check"]), 0);
    for (dir, module, named) in [
        (sb.project.join("sub"), "subpkg", "-e ./sub".to_owned()),
        (sb.project.join("plain"), "plainpkg", "./plain".to_owned()),
        (outside.clone(), "outpkg", format!("outpkg @ {url}")),
        (
            sb.project.join("grouped"),
            "grouppkg",
            format!("grouppkg @ {grouped}"),
        ),
    ] {
        std::fs::write(
            dir.join("pyproject.toml"),
            local_pyproject(module, &["otherpkg"]),
        )
        .unwrap();
        let out = sb.run(&["sync", "--check"]);
        assert_exit_and_stderr(&out, 1, &format!("`pyproject.toml` of `{named}` changed"));
        std::fs::write(dir.join("pyproject.toml"), local_pyproject(module, &[])).unwrap();
        assert_code(&sb.run(&["sync", "--check"]), 0);
    }
    // A path that is not there is pip's to report, as it would be without penv.
    sb.write("requirements.txt", "-e ./sub\n./nowhere\n");
    assert_code(&sb.run(&["hash"]), 0);
}

/// Holds the env's writer lock (as another penv would), starts `penv sync`
/// and returns once that sync says it waits: the lock, the child, and a
/// reader of the rest of its stderr. Dropping the lock lets the sync go on.
fn start_a_waiting_sync(
    sb: &Sandbox,
) -> (
    std::fs::File,
    std::process::Child,
    std::io::Lines<std::io::BufReader<std::process::ChildStderr>>,
) {
    use std::io::BufRead as _;
    let lock = std::fs::OpenOptions::new()
        .write(true)
        .open(sb.project.join(".penv/.venv.lock"))
        .unwrap();
    lock.lock().unwrap();
    let mut waiting = sb
        .penv()
        .arg("sync")
        .stdin(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = std::io::BufReader::new(waiting.stderr.take().unwrap()).lines();
    let mut seen = Vec::new();
    for line in lines.by_ref() {
        let line = line.unwrap();
        if line.contains("Waiting for another penv") {
            return (lock, waiting, lines);
        }
        seen.push(line);
    }
    let status = waiting.wait().unwrap();
    panic!("the sync did not wait ({status}): {seen:?}");
}

#[test]
fn a_sync_that_waited_for_the_lock_builds_what_the_files_say_after_the_wait() {
    let python = require_python!();
    let sb = sandbox_with_wheels();
    sb.write(
        "penv.toml",
        &sb.offline_toml(python, "requirement-files = [\"requirements.txt\"]"),
    );
    sb.write("requirements.txt", "tinypkg==1.0\n");
    sb.ok(&["sync"]);
    sb.write("requirements.txt", "tinypkg==2.0\n");
    let (lock, mut waiting, lines) = start_a_waiting_sync(&sb);
    // Edited while the sync waits, after it first read the file.
    sb.write("requirements.txt", "tinypkg==1.0\notherpkg\n");
    drop(lock);
    let rest: Vec<String> = lines.map_while(Result::ok).collect();
    assert!(waiting.wait().unwrap().success(), "{rest:?}");
    // Built and recorded from the file as it is: fresh, and it is what runs.
    assert_eq!(imported(&sb, "tinypkg").as_deref(), Some("1.0"));
    assert_eq!(imported(&sb, "otherpkg").as_deref(), Some("1.0"));
    assert_code(&sb.run(&["sync", "--check"]), 0);
    assert_eq!(
        status_json(&sb)["recorded-hash"].as_str(),
        Some(sb.ok(&["hash"]).trim())
    );
}

#[test]
fn a_sync_that_waited_while_the_env_path_changed_starts_over_instead() {
    let python = require_python!();
    let sb = sandbox_with_wheels();
    write_requirements(&sb, python, &["tinypkg==1.0"]);
    sb.ok(&["sync"]);
    write_requirements(&sb, python, &["tinypkg==2.0"]);
    let (lock, mut waiting, lines) = start_a_waiting_sync(&sb);
    // The lock it waited for is `.venv`'s; the project now wants `env2`.
    let toml = std::fs::read_to_string(sb.project.join("penv.toml")).unwrap();
    sb.write("penv.toml", &format!("{toml}\n[venv]\npath = \"env2\"\n"));
    drop(lock);
    let rest = lines.map_while(Result::ok).collect::<Vec<_>>().join("\n");
    assert_eq!(waiting.wait().unwrap().code(), Some(2), "{rest}");
    assert!(
        rest.contains("`penv.toml` changed during the sync"),
        "{rest}"
    );
    assert!(
        rest.contains("the env is now `env2`, not `.venv`"),
        "{rest}"
    );
    assert!(!sb.project.join("env2").exists());
    assert_eq!(imported(&sb, "tinypkg").as_deref(), Some("1.0"));
    // Run again, it builds the env where the project says.
    sb.ok(&["sync"]);
    assert!(sb.project.join("env2/penv-state.json").is_file());
}

#[test]
fn files_edited_while_pip_installs_are_not_recorded_as_built() {
    let python = require_python!();
    let sb = sandbox_with_wheels();
    sb.write(
        "penv.toml",
        &sb.offline_toml(python, "requirement-files = [\"requirements.txt\"]"),
    );
    write_local_project(&sb.project.join("slow"), "slowpkg", &[]);
    sb.write("requirements.txt", "-e ./slow\ntinypkg==1.0\n");
    sb.ok(&["sync"]);
    let before = sb.ok(&["hash"]);
    // The next build stops inside pip (the backend waits), after pip read
    // the requirement files; both kinds of input are edited then.
    sb.write("requirements.txt", "-e ./slow\ntinypkg==1.0\notherpkg\n");
    sb.write("slow/gate", "");
    let building = sb
        .penv()
        .arg("sync")
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let started = wait_for_file(&sb.project.join("slow/building"));
    sb.write("requirements.txt", "-e ./slow\ntinypkg==2.0\n");
    sb.write(
        "slow/pyproject.toml",
        &local_pyproject("slowpkg", &["otherpkg"]),
    );
    sb.write("slow/go", "");
    let out = building.wait_with_output().unwrap();
    assert!(
        started,
        "pip never built the local project: {}",
        stderr(&out)
    );
    // Refused, saying which files changed; the env it replaced is back.
    assert_exit_and_stderr(
        &out,
        2,
        "`requirements.txt`, `slow/pyproject.toml` changed during the sync",
    );
    assert!(
        stderr(&out).contains("run `penv sync` again"),
        "{}",
        stderr(&out)
    );
    assert!(
        stderr(&out).contains("The previous env is back"),
        "{}",
        stderr(&out)
    );
    assert_eq!(
        status_json(&sb)["recorded-hash"].as_str(),
        Some(before.trim())
    );
    assert_eq!(imported(&sb, "tinypkg").as_deref(), Some("1.0"));
    assert_eq!(imported(&sb, "otherpkg"), None);
    // The next sync builds what the files say now, and records that.
    std::fs::remove_file(sb.project.join("slow/gate")).unwrap();
    sb.ok(&["sync"]);
    assert_eq!(imported(&sb, "tinypkg").as_deref(), Some("2.0"));
    assert_eq!(imported(&sb, "otherpkg").as_deref(), Some("1.0"));
    assert_code(&sb.run(&["sync", "--check"]), 0);
}

#[test]
fn find_links_named_in_requirement_files_and_pip_args_are_listed_in_the_hash() {
    let python = require_python!();
    let sb = Sandbox::new();
    sb.write(
        "penv.toml",
        &format!(
            "python = \"{}\"\nrequirement-files = [\"req/requirements.txt\"]\n[pip]\nargs = [\"-f\", \"top\"]\n",
            python.display()
        ),
    );
    // pip reads `./wheels` of a requirement file beside the file when it is there.
    sb.write("req/requirements.txt", "--find-links ./wheels\ntinypkg\n");
    for dir in ["req/wheels", "top"] {
        std::fs::create_dir_all(sb.project.join(dir)).unwrap();
    }
    let mut hash = sb.ok(&["hash"]);
    for dir in ["req/wheels", "top"] {
        build_wheel(&sb.project.join(dir), "tinypkg", "1.0", &[]);
        let now = sb.ok(&["hash"]);
        assert_ne!(now, hash, "a wheel added to `{dir}` is not in the hash");
        hash = now;
    }
    // A `wheels` only beside the project file: pip falls back to it, so does penv.
    std::fs::remove_dir_all(sb.project.join("req/wheels")).unwrap();
    std::fs::create_dir_all(sb.project.join("wheels")).unwrap();
    let before = sb.ok(&["hash"]);
    build_wheel(&sb.project.join("wheels"), "tinypkg", "1.0", &[]);
    assert_ne!(sb.ok(&["hash"]), before);
}

#[test]
fn a_file_changed_and_changed_back_while_pip_installs_is_refused_too() {
    let python = require_python!();
    let sb = sandbox_with_wheels();
    sb.write(
        "penv.toml",
        &sb.offline_toml(python, "requirement-files = [\"requirements.txt\"]"),
    );
    write_local_project(&sb.project.join("slow"), "slowpkg", &[]);
    sb.write("slow/gate", "");
    sb.write("requirements.txt", "-e ./slow\ntinypkg==1.0\n");
    let building = sb
        .penv()
        .arg("sync")
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let started = wait_for_file(&sb.project.join("slow/building"));
    // Edited and put back: the bytes penv hashed, but pip might have read
    // the other version in between.
    sb.write("requirements.txt", "-e ./slow\ntinypkg==2.0\n");
    sb.write("requirements.txt", "-e ./slow\ntinypkg==1.0\n");
    sb.write("slow/go", "");
    let out = building.wait_with_output().unwrap();
    assert!(
        started,
        "pip never built the local project: {}",
        stderr(&out)
    );
    assert_exit_and_stderr(&out, 2, "`requirements.txt` changed during the sync");
    assert!(
        stderr(&out).contains("written again while pip ran"),
        "{}",
        stderr(&out)
    );
    assert!(
        !sb.env().exists(),
        "a first build that was refused leaves no env"
    );
    sb.ok(&["sync"]);
    assert_eq!(imported(&sb, "tinypkg").as_deref(), Some("1.0"));
}

// ---- pip seed, pip's output, index credentials (issue 10, items 3 and 8) ----

/// Runs a small Python script with the real Python, returning its stdout.
fn python_script(python: &Path, script: &str, args: &[&str]) -> String {
    let out = Command::new(python)
        .args(["-I", "-c", script])
        .args(args)
        .output()
        .expect("python runs");
    assert!(out.status.success(), "{}", stderr(&out));
    stdout(&out).trim().to_owned()
}

/// The pip wheel `python` bundles (as penv finds it: ensurepip's, else Debian's).
fn bundled_pip(python: &Path) -> Option<PathBuf> {
    let found = python_script(
        python,
        "import ensurepip, glob, os\n\
         for d in (os.path.join(os.path.dirname(ensurepip.__file__), '_bundled'), '/usr/share/python-wheels'):\n\
         \x20   w = sorted(glob.glob(os.path.join(d, 'pip-*.whl')), key=lambda p: [int(x) for x in os.path.basename(p).split('-')[1].split('.')])\n\
         \x20   if w:\n\
         \x20       print(w[-1]); break",
        &[],
    );
    (!found.is_empty()).then(|| PathBuf::from(found))
}

/// The version in a `pip-X-….whl` file name.
fn pip_wheel_version(wheel: &Path) -> String {
    let name = wheel.file_name().unwrap().to_string_lossy().into_owned();
    name.split('-').nth(1).unwrap().to_owned()
}

fn version_below(version: &str, bound: &[u64]) -> bool {
    let parts: Vec<u64> = version.split('.').map(|p| p.parse().unwrap_or(0)).collect();
    parts.as_slice() < bound
}

/// `wheel` repackaged as pip `version` into `dir` (dist-info renamed,
/// `Version:` and `pip.__version__` changed, RECORD rewritten): the same
/// code claiming a newer version, as a find-links or index would offer it.
fn repackaged_pip(python: &Path, wheel: &Path, dir: &Path, version: &str) -> PathBuf {
    let script = r#"
import base64, hashlib, re, sys, zipfile
src, dest, version = sys.argv[1:4]
zin = zipfile.ZipFile(src)
old = next(n for n in zin.namelist() if n.endswith(".dist-info/METADATA")).split("/")[0]
new = "pip-%s.dist-info" % version
out = "%s/pip-%s-py3-none-any.whl" % (dest, version)
record = []
with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
    for info in zin.infolist():
        name = info.filename
        if name.startswith(old + "/"):
            name = new + name[len(old):]
        if name == new + "/RECORD":
            continue
        data = zin.read(info.filename)
        if name == new + "/METADATA":
            data = re.sub(rb"(?m)^Version: .*$", ("Version: " + version).encode(), data)
        if name == "pip/__init__.py":
            data = re.sub(rb'__version__ = "[^"]*"', ('__version__ = "%s"' % version).encode(), data)
        z.writestr(name, data)
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        record.append("%s,sha256=%s,%d" % (name, digest, len(data)))
    record.append(new + "/RECORD,,")
    z.writestr(new + "/RECORD", "\n".join(record) + "\n")
print(out)
"#;
    PathBuf::from(python_script(
        python,
        script,
        &[
            &wheel.display().to_string(),
            &dir.display().to_string(),
            version,
        ],
    ))
}

/// A real pip wheel of 23.3 or later on this machine (another
/// interpreter's bundled one), the oldest such, so that it runs on `python`.
#[expect(
    clippy::disallowed_methods,
    reason = "where this machine keeps its Pythons, not an environment variable penv reads"
)]
fn real_pep_685_pip(python: &Path) -> Option<PathBuf> {
    let mut dirs: Vec<PathBuf> = vec![PathBuf::from("/usr/share/python-wheels")];
    let pyenv = std::env::var_os("PYENV_ROOT")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".pyenv")));
    let mut prefixes: Vec<PathBuf> = ["/usr/lib", "/usr/local/lib"].map(PathBuf::from).to_vec();
    if let Some(root) = pyenv {
        for v in std::fs::read_dir(root.join("versions"))
            .into_iter()
            .flatten()
            .flatten()
        {
            prefixes.push(v.path().join("lib"));
        }
    }
    for prefix in prefixes {
        for lib in std::fs::read_dir(prefix).into_iter().flatten().flatten() {
            if lib.file_name().to_string_lossy().starts_with("python3") {
                dirs.push(lib.path().join("ensurepip/_bundled"));
            }
        }
    }
    let mut found: Vec<PathBuf> = dirs
        .iter()
        .flat_map(|d| std::fs::read_dir(d).into_iter().flatten().flatten())
        .map(|e| e.path())
        .filter(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            name.starts_with("pip-")
                && name.ends_with("-py3-none-any.whl")
                && !version_below(&pip_wheel_version(p), &[23, 3])
        })
        .collect();
    found.sort_by_key(|p| {
        pip_wheel_version(p)
            .split('.')
            .map(|x| x.parse::<u64>().unwrap_or(0))
            .collect::<Vec<_>>()
    });
    // It must run on `python` (its Requires-Python).
    found.into_iter().find(|w| {
        Command::new(python)
            .arg("-I")
            .arg(w.join("pip"))
            .arg("--version")
            .env_clear()
            .output()
            .is_ok_and(|o| o.status.success())
    })
}

/// penv in `sb` with a cache of its own (pip wheels seen by one test do
/// not leak into another's choice).
fn private_penv(sb: &Sandbox) -> Command {
    let mut cmd = sb.penv();
    cmd.env("PENV_CACHE_DIR", sb.tmp.path().join("private-cache"));
    cmd
}

fn private_run(sb: &Sandbox, args: &[&str]) -> Output {
    private_penv(sb).args(args).output().expect("penv runs")
}

/// The env's pip version, from `pip --version`.
fn env_pip_version(sb: &Sandbox) -> String {
    let out = Command::new(sb.env().join("bin/pip"))
        .arg("--version")
        .env_clear()
        .output()
        .expect("the env's pip runs");
    assert!(out.status.success(), "{}", stderr(&out));
    stdout(&out).split_whitespace().nth(1).unwrap().to_owned()
}

fn recorded(sb: &Sandbox) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(state_file(sb)).unwrap()).unwrap()
}

#[test]
fn a_newer_pip_in_find_links_is_seeded_recorded_and_shown() {
    let python = require_python!();
    let Some(bundled) = bundled_pip(python) else {
        skip!("the interpreter bundles no pip");
    };
    let sb = sandbox_with_wheels();
    repackaged_pip(python, &bundled, &sb.wheels, "99.0.0");
    write_requirements(&sb, python, &["tinypkg==1.0"]);
    let out = private_run(&sb, &["sync"]);
    assert_code(&out, 0);
    assert!(
        !stderr(&out).contains("bundled pip"),
        "no fallback warning: {}",
        stderr(&out)
    );
    assert_eq!(env_pip_version(&sb), "99.0.0");
    assert_eq!(recorded(&sb)["pip-version"], "99.0.0");
    assert_eq!(recorded(&sb)["spec"]["venv"]["pip-version"], ">=23.3");
    let status = serde_json::from_slice::<serde_json::Value>(
        &private_run(&sb, &["status", "--json"]).stdout,
    )
    .unwrap();
    assert_eq!(status["pip-version"], "99.0.0");
    let text = stdout(&private_run(&sb, &["status"]));
    assert!(
        text.contains("pip:         99.0.0 (asked for >=23.3)"),
        "{text}"
    );
    // The env's pip works and installs.
    assert_eq!(imported(&sb, "tinypkg").as_deref(), Some("1.0"));
}

#[test]
fn without_a_newer_pip_the_bundled_one_is_seeded_with_a_warning_saying_what_it_gets_wrong() {
    let python = require_python!();
    let Some(bundled) = bundled_pip(python) else {
        skip!("the interpreter bundles no pip");
    };
    let version = pip_wheel_version(&bundled);
    let sb = sandbox_with_wheels();
    write_requirements(&sb, python, &["tinypkg==1.0"]);
    let out = private_run(&sb, &["sync"]);
    assert_code(&out, 0);
    assert_eq!(env_pip_version(&sb), version);
    assert_eq!(recorded(&sb)["pip-version"], version.as_str());
    let err = stderr(&out);
    if version_below(&version, &[23, 3]) {
        assert!(
            err.contains(&format!(
                "warning: seeding the interpreter's bundled pip {version}"
            )) && err.contains("PEP 685")
                && err.contains(&sb.wheels.display().to_string()),
            "{err}"
        );
    } else {
        // A bundled pip that satisfies the default request is simply used.
        assert!(!err.contains("warning: seeding"), "{err}");
    }
}

#[test]
fn extras_spelled_otherwise_need_a_pep_685_pip_and_the_old_pips_warning_is_shown() {
    let python = require_python!();
    let Some(bundled) =
        bundled_pip(python).filter(|w| version_below(&pip_wheel_version(w), &[23, 3]))
    else {
        skip!("the interpreter's bundled pip is not older than 23.3");
    };
    let Some(new_pip) = real_pep_685_pip(python) else {
        skip!("no pip 23.3 or later on this machine to seed");
    };
    let sb = Sandbox::new();
    build_wheel(&sb.wheels, "extdep", "1.0", &[]);
    // Declares the extra normalized (`with-pyroma`), as PEP 685 builds write it.
    let script = r#"
import base64, hashlib, sys, zipfile
dest = sys.argv[1]
dist = "extpkg-1.0.dist-info"
files = {
    "extpkg/__init__.py": "VERSION = '1.0'\n",
    dist + "/METADATA": "Metadata-Version: 2.1\nName: extpkg\nVersion: 1.0\nProvides-Extra: with-pyroma\nRequires-Dist: extdep; extra == \"with-pyroma\"\n",
    dist + "/WHEEL": "Wheel-Version: 1.0\nGenerator: penv-tests\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
}
record = []
with zipfile.ZipFile(dest + "/extpkg-1.0-py3-none-any.whl", "w") as z:
    for path, text in files.items():
        data = text.encode()
        z.writestr(path, data)
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        record.append("%s,sha256=%s,%d" % (path, digest, len(data)))
    record.append(dist + "/RECORD,,")
    z.writestr(dist + "/RECORD", "\n".join(record) + "\n")
"#;
    python_script(python, script, &[&sb.wheels.display().to_string()]);
    // In a requirement file, which penv passes to pip as written.
    sb.write("requirements.txt", "extpkg[with_pyroma]\n");
    sb.write(
        "penv.toml",
        &sb.offline_toml(python, "requirement-files = [\"requirements.txt\"]"),
    );
    let out = private_run(&sb, &["sync"]);
    assert_code(&out, 0);
    assert_eq!(env_pip_version(&sb), pip_wheel_version(&bundled));
    assert!(
        stderr(&out).contains("warning: pip: extpkg 1.0 does not provide the extra 'with_pyroma'"),
        "pip's warning is shown: {}",
        stderr(&out)
    );
    assert_eq!(imported(&sb, "extdep"), None, "the old pip drops the extra");

    // A pip that normalizes extras, offered by find-links: seeded, and the
    // extra's dependency installed.
    std::fs::copy(&new_pip, sb.wheels.join(new_pip.file_name().unwrap())).unwrap();
    let out = private_run(&sb, &["sync"]);
    assert_code(&out, 0);
    assert_eq!(env_pip_version(&sb), pip_wheel_version(&new_pip));
    assert_eq!(imported(&sb, "extdep").as_deref(), Some("1.0"));
    assert!(
        !stderr(&out).contains("does not provide the extra"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_pip_version_pin_is_seeded_exactly_or_is_an_error_naming_the_key() {
    let python = require_python!();
    let Some(bundled) = bundled_pip(python) else {
        skip!("the interpreter bundles no pip");
    };
    let sb = sandbox_with_wheels();
    repackaged_pip(python, &bundled, &sb.wheels, "99.0.0");
    repackaged_pip(python, &bundled, &sb.wheels, "98.0");
    let with_pin = |pin: &str| {
        sb.offline_toml(
            python,
            &format!("requirements = [\"tinypkg\"]\n[venv]\npip-version = \"{pin}\""),
        )
    };
    // Not the newest: the pinned one.
    sb.write("penv.toml", &with_pin("98.0"));
    let out = private_run(&sb, &["sync"]);
    assert_code(&out, 0);
    assert_eq!(env_pip_version(&sb), "98.0");
    // The pin is part of the spec.
    let before = stdout(&private_run(&sb, &["hash"]));
    sb.write("penv.toml", &with_pin(">=99"));
    assert_ne!(stdout(&private_run(&sb, &["hash"])), before);
    let out = private_run(&sb, &["sync"]);
    assert_exit_and_stderr(&out, 0, "pip-version ==98.0 → >=99");
    assert_eq!(env_pip_version(&sb), "99.0.0");
    // The bundled version itself, pinned: no fallback warning, as asked.
    let version = pip_wheel_version(&bundled);
    sb.write("penv.toml", &with_pin(&version));
    let out = private_run(&sb, &["sync"]);
    assert_code(&out, 0);
    assert!(
        !stderr(&out).contains("warning: seeding the interpreter's"),
        "{}",
        stderr(&out)
    );
    assert_eq!(env_pip_version(&sb), version);
    // A pin nobody offers: an error at the key; the env is left as it was.
    sb.write("penv.toml", &with_pin("99.1"));
    let out = private_run(&sb, &["sync"]);
    assert_exit_and_stderr(
        &out,
        2,
        "error: found no pip `==99.1` (`[venv] pip-version`)",
    );
    let err = stderr(&out);
    assert!(
        err.contains("penv.toml:") && err.contains("pip-version = \"99.1\""),
        "{err}"
    );
    assert!(err.contains("hint:"), "{err}");
    assert_eq!(env_pip_version(&sb), version);
}

#[test]
fn pips_whole_output_is_shown_with_v_and_only_its_warnings_without() {
    let python = require_python!();
    let sb = sandbox_with_wheels();
    // A dependency on a package nobody offers, behind an extra that does
    // not exist: pip warns and exits 0.
    write_requirements(&sb, python, &["tinypkg[nosuchextra]==1.0"]);
    let out = sb.run(&["sync"]);
    assert_code(&out, 0);
    let err = stderr(&out);
    assert!(
        err.contains("warning: pip: tinypkg 1.0 does not provide the extra 'nosuchextra'"),
        "{err}"
    );
    assert!(!err.contains("Looking in links"), "{err}");
    write_requirements(&sb, python, &["tinypkg[nosuchextra]==2.0"]);
    let out = sb.run(&["-v", "sync"]);
    assert_code(&out, 0);
    let err = stderr(&out);
    assert!(err.contains("  Looking in links: "), "{err}");
    assert!(
        err.contains("  Successfully installed tinypkg-2.0"),
        "{err}"
    );
    assert_eq!(
        err.matches("does not provide the extra 'nosuchextra'")
            .count(),
        1,
        "shown once: {err}"
    );
}

#[test]
fn index_credentials_never_reach_the_state_the_output_or_the_hash() {
    let python = require_python!();
    let sb = sandbox_with_wheels();
    let toml = |password: &str| {
        format!(
            "{}index-url = \"https://alice:{password}@127.0.0.1:9/simple\"\nextra-index-urls = [\"https://{password}@127.0.0.1:9/extra\", \"https://bob:${{PENV_TEST_TOKEN}}@127.0.0.1:9/env\"]\n",
            sb.offline_toml(python, "requirements = [\"tinypkg\"]")
        )
    };
    let with_token = |args: &[&str], token: &str| {
        sb.penv()
            .env("PENV_TEST_TOKEN", token)
            .args(args)
            .output()
            .expect("penv runs")
    };
    sb.write("penv.toml", &toml("s3cret-one"));
    let hash = stdout(&with_token(&["hash"], "env-secret-1"));
    let out = with_token(&["-v", "sync"], "env-secret-1");
    assert_code(&out, 0);
    let all = format!("{}{}", stdout(&out), stderr(&out));
    let state = std::fs::read_to_string(state_file(&sb)).unwrap();
    let status = stdout(&with_token(&["status", "--json"], "env-secret-1"));
    for text in [&all, &state, &status] {
        assert!(!text.contains("s3cret-one"), "{text}");
        assert!(!text.contains("env-secret-1"), "{text}");
    }
    assert!(
        all.contains("https://alice:***@127.0.0.1:9/simple"),
        "{all}"
    );
    assert!(all.contains("https://***@127.0.0.1:9/extra"), "{all}");
    assert!(
        all.contains("https://bob:${PENV_TEST_TOKEN}@127.0.0.1:9/env"),
        "{all}"
    );
    assert!(
        state.contains("https://alice:***@127.0.0.1:9/simple"),
        "{state}"
    );
    // A rotated token, in the file or in the environment: same hash, no rebuild.
    sb.write("penv.toml", &toml("s3cret-two"));
    assert_eq!(stdout(&with_token(&["hash"], "env-secret-2")), hash);
    let out = with_token(&["sync"], "env-secret-2");
    assert_exit_and_stderr(&out, 0, "is up to date");
}

#[test]
fn variables_in_find_links_are_expanded_for_pip_only() {
    let python = require_python!();
    let sb = sandbox_with_wheels();
    sb.write(
        "penv.toml",
        &format!(
            "python = \"{}\"\nrequirements = [\"tinypkg==2.0\"]\n[pip]\nfind-links = [\"${{PENV_TEST_WHEELS}}\"]\nno-index = true\n",
            python.display()
        ),
    );
    let with_wheels = |dir: &Path, args: &[&str]| {
        sb.penv()
            .env("PENV_TEST_WHEELS", dir)
            .args(args)
            .output()
            .expect("penv runs")
    };
    let hash = stdout(&with_wheels(&sb.wheels, &["hash"]));
    let out = with_wheels(&sb.wheels, &["sync"]);
    assert_code(&out, 0);
    assert_eq!(imported(&sb, "tinypkg").as_deref(), Some("2.0"));
    let state = std::fs::read_to_string(state_file(&sb)).unwrap();
    assert!(state.contains("${PENV_TEST_WHEELS}"), "{state}");
    assert!(!state.contains(&sb.wheels.display().to_string()), "{state}");
    // The hash is of the text as written.
    let elsewhere = sb.tmp.path().join("other-wheels");
    std::fs::create_dir_all(&elsewhere).unwrap();
    assert_eq!(stdout(&with_wheels(&elsewhere, &["hash"])), hash);
    // Unset: refused, naming the key, before anything is touched.
    std::fs::remove_dir_all(sb.env()).unwrap();
    let out = sb.run(&["sync"]);
    assert_exit_and_stderr(
        &out,
        2,
        "`${PENV_TEST_WHEELS}` in `[pip] find-links` is not set in the environment",
    );
    assert!(stderr(&out).contains("penv.toml:4:"), "{}", stderr(&out));
    assert!(!sb.env().exists());
}

/// A loopback HTTP server (Python's) serving `dir`, stopped on drop.
struct FileServer {
    child: std::process::Child,
    url: String,
}

impl FileServer {
    fn start(python: &Path, dir: &Path) -> Self {
        use std::io::BufRead;
        let mut child = Command::new(python)
            .args([
                "-I",
                "-u",
                "-m",
                "http.server",
                "0",
                "--bind",
                "127.0.0.1",
                "--directory",
            ])
            .arg(dir)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("python runs");
        let mut line = String::new();
        std::io::BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        // "Serving HTTP on 127.0.0.1 port 40123 (http://127.0.0.1:40123/) ..."
        let port = line
            .split_whitespace()
            .skip_while(|w| *w != "port")
            .nth(1)
            .unwrap_or_else(|| panic!("no port in {line:?}"))
            .to_owned();
        Self {
            child,
            url: format!("http://127.0.0.1:{port}/"),
        }
    }
}

impl Drop for FileServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn a_pip_offered_by_a_find_links_url_is_downloaded_once_and_reused() {
    let python = require_python!();
    let Some(bundled) = bundled_pip(python) else {
        skip!("the interpreter bundles no pip");
    };
    let sb = Sandbox::new();
    let served = sb.tmp.path().join("served");
    std::fs::create_dir_all(&served).unwrap();
    repackaged_pip(python, &bundled, &served, "99.0.0");
    let server = FileServer::start(python, &served);
    let toml = |prompt: &str| {
        format!(
            "python = \"{}\"\n[venv]\nprompt = \"{prompt}\"\n[pip]\nfind-links = [\"{}\"]\nno-index = true\n",
            python.display(),
            server.url
        )
    };
    sb.write("penv.toml", &toml("one"));
    let out = private_run(&sb, &["sync"]);
    assert_code(&out, 0);
    assert!(
        stderr(&out).contains("Looking for pip >=23.3"),
        "{}",
        stderr(&out)
    );
    assert_eq!(env_pip_version(&sb), "99.0.0");
    assert!(
        sb.tmp
            .path()
            .join("private-cache/pip/pip-99.0.0-py3-none-any.whl")
            .is_file()
    );
    // A rebuild the same day: the cached wheel, without asking again.
    sb.write("penv.toml", &toml("two"));
    let out = private_run(&sb, &["sync"]);
    assert_code(&out, 0);
    assert!(
        !stderr(&out).contains("Looking for pip"),
        "{}",
        stderr(&out)
    );
    assert_eq!(env_pip_version(&sb), "99.0.0");
    drop(server);
}

#[test]
fn an_unreachable_index_falls_back_to_the_bundled_pip_and_is_not_asked_again_that_day() {
    let python = require_python!();
    let Some(bundled) =
        bundled_pip(python).filter(|w| version_below(&pip_wheel_version(w), &[23, 3]))
    else {
        skip!("the interpreter's bundled pip is not older than 23.3");
    };
    let sb = Sandbox::new();
    // Nothing listens on port 1 of the loopback: refused at once.
    let toml = |prompt: &str| {
        format!(
            "python = \"{}\"\n[venv]\nprompt = \"{prompt}\"\n[pip]\nfind-links = [\"http://127.0.0.1:1/\"]\nno-index = true\n",
            python.display()
        )
    };
    sb.write("penv.toml", &toml("one"));
    let out = private_run(&sb, &["sync"]);
    assert_code(&out, 0);
    let err = stderr(&out);
    assert!(err.contains("Looking for pip >=23.3"), "{err}");
    assert!(
        err.contains("warning: seeding the interpreter's bundled pip"),
        "{err}"
    );
    assert_eq!(env_pip_version(&sb), pip_wheel_version(&bundled));
    sb.write("penv.toml", &toml("two"));
    let out = private_run(&sb, &["sync"]);
    assert_code(&out, 0);
    let err = stderr(&out);
    assert!(!err.contains("Looking for pip"), "{err}");
    assert!(
        err.contains("warning: seeding the interpreter's bundled pip"),
        "{err}"
    );
}
