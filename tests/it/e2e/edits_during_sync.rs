//! Files edited while a sync waits or while pip installs are never recorded as built.

use super::hashed_inputs::{local_pyproject, wait_for_file, write_local_project};
use super::*;

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
    sb.write_offline_toml(python, "requirement-files = [\"requirements.txt\"]");
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
    let sb = synced_sandbox(python, &["tinypkg==1.0"]);
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
    sb.write_offline_toml(python, "requirement-files = [\"requirements.txt\"]");
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
    assert_stderr_says(&out, "run `penv sync` again");
    assert_stderr_says(&out, "The previous env is back");
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
    sb.write_offline_toml(python, "requirement-files = [\"requirements.txt\"]");
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
    assert_stderr_says(&out, "written again while pip ran");
    assert!(
        !sb.env().exists(),
        "a first build that was refused leaves no env"
    );
    sb.ok(&["sync"]);
    assert_eq!(imported(&sb, "tinypkg").as_deref(), Some("1.0"));
}
