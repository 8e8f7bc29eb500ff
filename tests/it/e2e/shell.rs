//! `penv python pin`, `penv shell` and `penv activate` on a real env.

use std::io::Write as _;
use std::process::Stdio;

use super::*;

/// A project without `python` in penv.toml (so `.python-version` counts),
/// requiring `tinypkg`, offline.
fn unpinned_project(sb: &Sandbox) {
    sb.write(
        "penv.toml",
        &format!(
            "requirements = [\"tinypkg==1.0\"]\n[pip]\nfind-links = [\"{}\"]\nno-index = true\n",
            sb.wheels.display()
        ),
    );
}

/// The full version of `python` (`3.12.1`).
fn full_version(python: &Path) -> String {
    let out = Command::new(python)
        .args([
            "-I",
            "-c",
            "import platform; print(platform.python_version())",
        ])
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

#[test]
fn python_pin_writes_python_version_checked_and_says_what_the_next_sync_does() {
    let python = require_python!();
    let version = full_version(python);
    let sb = sandbox_with_wheels();
    unpinned_project(&sb);
    let pin_file = sb.project.join(".python-version");

    let out = sb.run(&["python", "pin", &version]);
    assert_code(&out, 0);
    assert_eq!(
        std::fs::read_to_string(&pin_file).unwrap(),
        format!("{version}\n")
    );
    assert_stderr_says(&out, &format!("Pinned `{version}` in `.python-version`"));
    assert_stderr_says(&out, "the next `penv sync` builds `.venv` with cpython");

    sb.ok(&["sync"]);
    let out = sb.run(&["python", "pin", &version]);
    assert_code(&out, 0);
    assert_stderr_says(&out, "(unchanged)");
    assert_stderr_says(&out, "the next `penv sync` has nothing to do");

    // Nothing here is 3.99: an error naming what was found; the file stays.
    let out = sb.run(&["python", "pin", "3.99"]);
    assert_exit_and_stderr(
        &out,
        2,
        "no interpreter found for Python `3.99` (from the argument of `penv python pin`)",
    );
    assert_stderr_says(&out, "Found:");
    assert_stderr_says(&out, &format!("cpython {version}"));
    // A range is penv's, not pyenv's: refused.
    let out = sb.run(&["python", "pin", ">=3.8"]);
    assert_exit_and_stderr(&out, 2, "it is a range");
    assert_eq!(
        std::fs::read_to_string(&pin_file).unwrap(),
        format!("{version}\n")
    );

    // `requires-python` that the pinned version does not satisfy: refused.
    sb.write(
        "pyproject.toml",
        "[project]\nname = \"app\"\nversion = \"0\"\nrequires-python = \">=3.99\"\n",
    );
    let out = sb.run(&["python", "pin", &version]);
    assert_exit_and_stderr(&out, 2, "does not satisfy `requires-python = \">=3.99\"`");
    std::fs::remove_file(sb.project.join("pyproject.toml")).unwrap();

    // `python` in penv.toml comes first: the pin is written, with a warning.
    sb.write_offline_toml(python, "requirements = [\"tinypkg==1.0\"]");
    let out = sb.run(&["python", "pin", &version]);
    assert_code(&out, 0);
    assert_stderr_says(
        &out,
        "comes before `.python-version`: penv does not use the pin",
    );
}

/// `penv` with the test binary's directory on PATH (for a nested `penv`).
fn penv_in_shell(sb: &Sandbox, shell: &str, input: &str) -> Output {
    let penv_dir = penv_bin().parent().unwrap().display().to_string();
    let mut child = sb
        .penv()
        .env("PATH", format!("{penv_dir}:{}", Sandbox::path_var()))
        .env("SHELL", shell)
        .arg("shell")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

#[test]
fn shell_starts_the_users_shell_synced_activated_and_refuses_to_nest() {
    let python = require_python!();
    let sb = sandbox_with_wheels();
    write_requirements(&sb, python, &["tinypkg==1.0"]);
    let env = sb.env().display().to_string();
    // The env is built by `penv shell` itself; the shell's exit code is penv's.
    let out = penv_in_shell(
        &sb,
        "/bin/sh",
        "echo \"VE=$VIRTUAL_ENV\"\necho \"MARK=$PENV_SHELL\"\necho \"PS1=$PS1\"\ncommand -v python\npython -c 'import tinypkg; print(tinypkg.VERSION)'\npenv shell\necho \"nested=$?\"\nexit 5\n",
    );
    assert_code(&out, 5);
    let lines: Vec<String> = stdout(&out).lines().map(str::to_owned).collect();
    assert_eq!(
        lines,
        [
            format!("VE={env}"),
            format!("MARK={env}"),
            "PS1=(project) $ ".to_owned(),
            format!("{env}/bin/python"),
            "1.0".to_owned(),
            "nested=2".to_owned(),
        ],
        "{}",
        stderr(&out)
    );
    assert_stderr_says(&out, "Starting sh with `");
    assert_stderr_says(&out, "error: already inside a `penv shell` for `");

    // This env active already (an `activate` done by hand): refused.
    let out = sb
        .penv()
        .env("SHELL", "/bin/sh")
        .env("VIRTUAL_ENV", &env)
        .arg("shell")
        .output()
        .unwrap();
    assert_exit_and_stderr(&out, 2, "is already active here (`VIRTUAL_ENV`)");
    // A shell penv does not know: refused, saying which.
    let out = sb
        .penv()
        .env("SHELL", "/bin/tcsh")
        .arg("shell")
        .output()
        .unwrap();
    assert_exit_and_stderr(&out, 2, "`penv shell` does not know the shell `/bin/tcsh`");
}

#[test]
fn shell_marks_the_bash_prompt_after_the_users_bashrc() {
    let python = require_python!();
    if !Path::new("/usr/bin/script").exists() || !Path::new("/bin/bash").exists() {
        skip!("no script(1) or bash to run an interactive shell");
    }
    let sb = sandbox_with_wheels();
    write_requirements(&sb, python, &["tinypkg==1.0"]);
    // A .bashrc that sets the prompt and puts something else first on PATH.
    std::fs::write(sb.home.join(".bashrc"), "PS1='me$ '\nPATH=/usr/bin:$PATH\n").unwrap();
    let mut child = Command::new("/usr/bin/script")
        .args([
            "-qec",
            &format!("{} shell -q", penv_bin().display()),
            "/dev/null",
        ])
        .current_dir(&sb.project)
        .env_clear()
        .env("PATH", Sandbox::path_var())
        .env("HOME", &sb.home)
        .env("PENV_CACHE_DIR", sb.tmp.path().join("cache"))
        .env("PENV_NO_PROGRESS", "1")
        .env("SHELL", "/bin/bash")
        .env("TERM", "dumb")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"echo \"first=${PATH%%:*}\"\nexit 4\n")
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(4), "{text}");
    assert!(text.contains("(project) me$ "), "{text}");
    assert!(
        text.contains(&format!("first={}/bin", sb.env().display())),
        "{text}"
    );
}

#[test]
fn activate_prints_code_a_shell_evaluates_to_the_env_run_uses() {
    let python = require_python!();
    let sb = sandbox_with_wheels();
    write_requirements(&sb, python, &["tinypkg==1.0"]);
    let env = sb.env().display().to_string();
    // The direnv recipe: `eval "$(penv activate)"` (synced first).
    let penv = penv_bin().display().to_string();
    let out = Command::new("/bin/sh")
        .args([
            "-c",
            "eval \"$(\"$PENV\" activate)\" && echo \"$VIRTUAL_ENV\" && command -v python && echo \"${PYTHONHOME-unset}\" && echo \"$VIRTUAL_ENV_PROMPT\"",
        ])
        .current_dir(&sb.project)
        .env_clear()
        .env("PATH", Sandbox::path_var())
        .env("HOME", &sb.home)
        .env("PENV_CACHE_DIR", &sb.cache)
        .env("PENV_STORE_MAX", "0")
        .env("PENV", &penv)
        .env("PYTHONHOME", "/nonexistent")
        .output()
        .unwrap();
    assert_code(&out, 0);
    assert_eq!(
        stdout(&out).lines().collect::<Vec<_>>(),
        [
            env.as_str(),
            &format!("{env}/bin/python"),
            "unset",
            "project"
        ],
        "{}",
        stderr(&out)
    );
    // Each shell's syntax on request; an unknown one is a usage error.
    let fish = sb.ok(&["activate", "--shell", "fish"]);
    assert!(
        fish.starts_with(&format!("set -gx VIRTUAL_ENV '{env}'\n")),
        "{fish}"
    );
    let out = sb.run(&["activate", "--shell", "tcsh"]);
    assert_code(&out, 2);
}

/// Another env activated in the calling shell: `penv run` of a command the
/// project's env lacks does not run that env's (its `bin/` is taken off
/// `PATH`, as `deactivate` would), and the command's own `PATH` has it
/// no more either.
#[test]
fn run_never_takes_a_command_from_another_activated_env() {
    let python = require_python!();
    let sb = Sandbox::new();
    sb.write(
        "penv.toml",
        &format!("python = \"{}\"\n[venv]\npip = false\n", python.display()),
    );
    sb.ok(&["sync"]);
    let other = sb.tmp.path().join("other-env");
    std::fs::create_dir_all(other.join("bin")).unwrap();
    std::fs::write(other.join("pyvenv.cfg"), "home = /usr/bin\n").unwrap();
    let tool = other.join("bin/only-there");
    std::fs::write(&tool, "#!/bin/sh\necho other-env\n").unwrap();
    let mut perms = std::fs::metadata(&tool).unwrap().permissions();
    std::os::unix::fs::PermissionsExt::set_mode(&mut perms, 0o755);
    std::fs::set_permissions(&tool, perms).unwrap();
    let path = std::env::join_paths([
        other.join("bin"),
        PathBuf::from("/usr/bin"),
        PathBuf::from("/bin"),
    ])
    .unwrap();
    let out = sb
        .penv()
        .env("VIRTUAL_ENV", &other)
        .env("PATH", &path)
        .args(["run", "only-there"])
        .output()
        .unwrap();
    assert_code(&out, 2);
    assert!(!stdout(&out).contains("other-env"), "{}", stdout(&out));
    let out = sb
        .penv()
        .env("VIRTUAL_ENV", &other)
        .env("PATH", &path)
        .args(["run", "sh", "-c", "echo $PATH"])
        .output()
        .unwrap();
    assert_code(&out, 0);
    assert!(
        !stdout(&out).contains(&other.join("bin").display().to_string()),
        "{}",
        stdout(&out)
    );
}
