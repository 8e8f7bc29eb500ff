//! Locks held by another penv, `file:` find-links, symlinked work dirs, venvs whose base loops.

use super::*;

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
    assert_exit_and_stderr(&out, 2, "the env `.venv` is rebuilding");
    // A sync waits for the writer, then gives up clearly.
    let out = penv(&["sync"]);
    assert_exit_and_stderr(&out, 2, "Waiting for another penv");
    assert_stderr_says(&out, "at most 0.3s");
    lock.unlock().unwrap();
    assert_code(&penv(&["run", "--no-sync", "python", "-c", "pass"]), 0);
}

#[test]
fn sync_check_says_what_to_run() {
    let python = require_python!();
    let sb = sandbox_with_wheels();
    sb.write_offline_toml(python, "[groups]\ndocs = [\"otherpkg\"]");
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
    let sb = synced_sandbox(python, &["tinypkg==1.0"]);
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
    crate::common::output::wait_with_deadline(child, std::time::Duration::from_mins(1))
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
        assert_stderr_says(&out, "hint: point `python` at a base Python 3 executable");
    }
    // The env built before is still there, untouched.
    assert!(sb.env().join("penv-state.json").is_file());
}
