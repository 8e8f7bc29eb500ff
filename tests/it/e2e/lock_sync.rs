//! `sync` from `pylock.toml`: exactly the lock's files for this interpreter
//! and these groups, hash-checked; `--frozen` and `--locked`; a lock for
//! another interpreter refused; a tampered file refused with the old env kept.

use sha2::{Digest, Sha256};

use super::*;
use crate::common::build_wheel_with;

fn sha256(path: &Path) -> String {
    hex::encode(Sha256::digest(std::fs::read(path).unwrap()))
}

/// The interpreter's `X.Y` without the dot (`311`).
fn py_nodot(python: &Path) -> String {
    let out = Command::new(python)
        .args(["-c", "import sys; print('%d%d' % sys.version_info[:2])"])
        .output()
        .unwrap();
    stdout(&out).trim().to_owned()
}

/// A `[[packages]]` entry with one wheel at `path` (its hash computed).
fn wheel_package(name: &str, version: &str, marker: Option<&str>, path: &Path) -> String {
    let marker = marker
        .map(|m| format!("marker = {m:?}\n"))
        .unwrap_or_default();
    format!(
        "[[packages]]\nname = \"{name}\"\nversion = \"{version}\"\n{marker}wheels = [{{ path = {:?}, hashes = {{ sha256 = \"{}\" }} }}]\n\n",
        path.display().to_string(),
        sha256(path)
    )
}

const HEADER: &str = "lock-version = \"1.0\"\ncreated-by = \"hand\"\n";

/// A project whose penv.toml names a package no find-links dir has (so only
/// a sync that ignores it can succeed) and whose lock pins `tinypkg` 1.0.
fn locked_sandbox(python: &Path) -> Sandbox {
    let sb = sandbox_with_wheels();
    sb.write_offline_toml(python, "requirements = [\"not-anywhere\"]");
    let wheel = sb.wheels.join("tinypkg-1.0-py3-none-any.whl");
    sb.write(
        "pylock.toml",
        &format!(
            "{HEADER}\n{}",
            wheel_package("tinypkg", "1.0", None, &wheel)
        ),
    );
    sb
}

#[test]
fn frozen_installs_the_right_subset_of_a_multi_environment_lock() {
    let python = require_python!();
    let sb = Sandbox::new();
    let nodot = py_nodot(python);
    // Three wheels of one version: one for Windows only, a generic one and
    // one for this Python version, which ranks above the generic one.
    let generic = build_wheel_with(&sb.wheels, "nat", "1.0", &[], "VERSION = 'generic'\n");
    let dir = sb.project.join("specific");
    std::fs::create_dir_all(&dir).unwrap();
    let built = build_wheel_with(&dir, "nat", "1.0", &[], "VERSION = 'specific'\n");
    let specific = dir.join(format!("nat-1.0-py{nodot}-none-any.whl"));
    std::fs::rename(&built, &specific).unwrap();
    let windows = sb.wheels.join("nat-1.0-cp39-cp39-win_amd64.whl");
    std::fs::copy(&generic, &windows).unwrap();
    let winonly = build_wheel(&sb.wheels, "winonly", "1.0", &[]);
    let devtool = build_wheel(&sb.wheels, "devtool", "1.0", &[]);
    let docpkg = build_wheel(&sb.wheels, "docpkg", "1.0", &[]);
    let wheel = |path: &Path| {
        format!(
            "{{ path = {:?}, hashes = {{ sha256 = \"{}\" }} }}",
            path.display().to_string(),
            sha256(path)
        )
    };
    // Relative to the lock file.
    let specific_entry = format!(
        "{{ path = \"specific/nat-1.0-py{nodot}-none-any.whl\", hashes = {{ sha256 = \"{}\" }} }}",
        sha256(&specific)
    );
    let lock = format!(
        "{HEADER}environments = [\"sys_platform == 'win32'\", \"implementation_name == 'cpython'\"]\n\
         requires-python = \">=3.8\"\ndependency-groups = [\"dev\", \"docs\"]\ndefault-groups = [\"dev\"]\n\n\
         [[packages]]\nname = \"nat\"\nversion = \"1.0\"\nwheels = [{}, {}, {}]\n\n{}{}{}",
        wheel(&windows),
        wheel(&generic),
        specific_entry,
        wheel_package("winonly", "1.0", Some("sys_platform == 'win32'"), &winonly),
        wheel_package(
            "devtool",
            "1.0",
            Some("'dev' in dependency_groups"),
            &devtool
        ),
        wheel_package(
            "docpkg",
            "1.0",
            Some("'docs' in dependency_groups"),
            &docpkg
        ),
    );
    sb.write("pylock.toml", &lock);
    // penv.toml's requirements exist nowhere: `--frozen` does not look at them.
    sb.write_offline_toml(python, "requirements = [\"not-anywhere\"]");
    let out = sb.run(&["sync", "--frozen"]);
    assert_exit_and_stderr(&out, 0, "Built `.venv`");
    let (_, nat) = sb.env_python("import nat; print(nat.VERSION)");
    assert_eq!(nat, "specific", "the best-ranked wheel");
    assert_eq!(
        imported(&sb, "devtool").as_deref(),
        Some("1.0"),
        "default group"
    );
    assert_eq!(imported(&sb, "winonly"), None, "its marker excludes it");
    assert_eq!(imported(&sb, "docpkg"), None, "group not selected");
    // pip got exactly the selection, hash-checked.
    let reqs = std::fs::read_to_string(sb.project.join(".penv/.venv.pylock.txt")).unwrap();
    assert_eq!(
        reqs.lines()
            .filter(|l| l.contains("--hash=sha256:"))
            .count(),
        2,
        "{reqs}"
    );
    assert!(
        reqs.contains(&format!("nat-1.0-py{nodot}-none-any.whl")),
        "{reqs}"
    );
    // Another group: a rebuild with it, the default one kept.
    let out = sb.run(&["sync", "--frozen", "--group", "docs"]);
    assert_exit_and_stderr(&out, 0, "Built `.venv`");
    assert_eq!(imported(&sb, "docpkg").as_deref(), Some("1.0"));
    assert_eq!(imported(&sb, "devtool").as_deref(), Some("1.0"));
    let out = sb.run(&["sync", "--frozen", "--no-default-groups"]);
    assert_code(&out, 0);
    assert_eq!(imported(&sb, "devtool"), None);
    let out = sb.run(&["sync", "--frozen", "--group", "nope"]);
    assert_exit_and_stderr(&out, 2, "the lock has no dependency group `nope`");
}

#[test]
fn the_lock_pins_even_when_newer_files_are_offered_and_editing_it_rebuilds() {
    let python = require_python!();
    let sb = locked_sandbox(python);
    // tinypkg 2.0 sits in the find-links directory; the lock says 1.0.
    sb.ok(&["sync", "--frozen"]);
    assert_eq!(imported(&sb, "tinypkg").as_deref(), Some("1.0"));
    assert_exit_and_stderr(&sb.run(&["sync", "--frozen"]), 0, "is up to date");
    // The lock moves to 2.0: the env is stale, and says why.
    let wheel = sb.wheels.join("tinypkg-2.0-py3-none-any.whl");
    sb.write(
        "pylock.toml",
        &format!(
            "{HEADER}\n{}",
            wheel_package("tinypkg", "2.0", None, &wheel)
        ),
    );
    let out = sb.run(&["sync", "--frozen", "--check"]);
    assert_code(&out, 1);
    let said = format!("{}{}", stdout(&out), stderr(&out));
    assert!(said.contains("the lock `pylock.toml` changed"), "{said}");
    assert!(said.contains("tinypkg==2.0"), "{said}");
    assert!(
        said.contains("Run `penv sync --frozen` to update it."),
        "{said}"
    );
    sb.ok(&["sync", "--frozen"]);
    assert_eq!(imported(&sb, "tinypkg").as_deref(), Some("2.0"));
}

#[test]
fn a_tampered_file_fails_the_hash_check_and_the_old_env_stays() {
    let python = require_python!();
    let sb = locked_sandbox(python);
    sb.ok(&["sync", "--frozen"]);
    // Same name, other bytes.
    let wheel = sb.wheels.join("tinypkg-1.0-py3-none-any.whl");
    std::fs::remove_file(&wheel).unwrap();
    build_wheel_with(&sb.wheels, "tinypkg", "1.0", &[], "VERSION = 'evil'\n");
    let out = sb.run(&["sync", "--frozen", "--reinstall"]);
    assert_code(&out, 2);
    assert!(
        stderr(&out).contains("HASHES"),
        "pip's hash error: {}",
        stderr(&out)
    );
    assert_eq!(
        imported(&sb, "tinypkg").as_deref(),
        Some("1.0"),
        "the old env works"
    );
    assert_exit_and_stderr(&sb.run(&["sync", "--frozen"]), 0, "is up to date");
}

#[test]
fn a_lock_for_another_interpreter_is_refused_naming_the_markers() {
    let python = require_python!();
    let sb = locked_sandbox(python);
    let text = std::fs::read_to_string(sb.project.join("pylock.toml")).unwrap();
    sb.write(
        "pylock.toml",
        &text.replace(
            "created-by = \"hand\"\n",
            "created-by = \"hand\"\nenvironments = [\"python_full_version == '2.7.18'\"]\n",
        ),
    );
    let out = sb.run(&["sync", "--frozen"]);
    assert_exit_and_stderr(&out, 2, "`python_full_version == '2.7.18'`");
    assert_stderr_says(&out, "matches none of them");
    assert_stderr_says(&out, "penv lock");
    assert!(!sb.env().exists(), "nothing built");
    // The same with `requires-python`.
    sb.write(
        "pylock.toml",
        &text.replace(
            "created-by = \"hand\"\n",
            "created-by = \"hand\"\nrequires-python = \"<3\"\n",
        ),
    );
    assert_exit_and_stderr(
        &sb.run(&["sync", "--frozen"]),
        2,
        "requires-python = \"<3\"",
    );
}

#[test]
fn frozen_and_locked_need_a_lock() {
    let python = require_python!();
    let sb = sandbox_with_wheels();
    write_requirements(&sb, python, &["tinypkg"]);
    for flag in ["--frozen", "--locked"] {
        let out = sb.run(&["sync", flag]);
        assert_exit_and_stderr(
            &out,
            2,
            &format!("`{flag}` installs from `pylock.toml`, and there is none"),
        );
        assert_stderr_says(&out, "penv lock");
    }
    assert!(!sb.env().exists());
}

#[test]
fn lock_then_sync_installs_the_locked_versions_and_locked_names_what_changed() {
    let python = require_python!();
    let sb = Sandbox::new();
    build_wheel(&sb.wheels, "tinypkg", "1.0", &[]);
    build_wheel(&sb.wheels, "otherpkg", "1.0", &[]);
    write_requirements(&sb, python, &["tinypkg"]);
    sb.ok(&["lock"]);
    // A newer version appears; the lock keeps 1.0.
    build_wheel(&sb.wheels, "tinypkg", "2.0", &[]);
    let out = sb.run(&["sync", "--locked"]);
    assert_exit_and_stderr(&out, 0, "Built `.venv`");
    assert_eq!(imported(&sb, "tinypkg").as_deref(), Some("1.0"));
    assert_exit_and_stderr(&sb.run(&["sync"]), 0, "is up to date");
    // penv.toml changes: `--locked` fails naming the change, touching nothing.
    write_requirements(&sb, python, &["tinypkg", "otherpkg"]);
    let lock_before = std::fs::read(sb.project.join("pylock.toml")).unwrap();
    let out = sb.run(&["sync", "--locked"]);
    assert_exit_and_stderr(&out, 2, "is out of date against the project file");
    assert_stderr_says(&out, "`otherpkg` (requirements) is not in the lock");
    assert_stderr_says(&out, "`requirements`: added `otherpkg`");
    assert_stderr_says(&out, "penv lock");
    assert_eq!(
        std::fs::read(sb.project.join("pylock.toml")).unwrap(),
        lock_before
    );
    assert_eq!(imported(&sb, "otherpkg"), None);
    // `--frozen` installs the lock as it is.
    assert_exit_and_stderr(&sb.run(&["sync", "--frozen"]), 0, "is up to date");
    // A plain sync says so, locks again (keeping tinypkg 1.0), and installs.
    let out = sb.run(&["sync"]);
    assert_exit_and_stderr(&out, 0, "is out of date, locking again first");
    assert_eq!(imported(&sb, "otherpkg").as_deref(), Some("1.0"));
    assert_eq!(imported(&sb, "tinypkg").as_deref(), Some("1.0"));
    assert_code(&sb.run(&["sync", "--locked"]), 0);
    assert_code(&sb.run(&["lock", "--check"]), 0);
}

#[test]
fn locked_refuses_a_lock_without_an_inputs_hash_and_plain_sync_installs_it_with_a_warning() {
    let python = require_python!();
    let sb = locked_sandbox(python);
    let out = sb.run(&["sync", "--locked"]);
    assert_exit_and_stderr(
        &out,
        2,
        "records no `[tool.penv] inputs-hash` (written by `hand`)",
    );
    let out = sb.run(&["sync"]);
    assert_exit_and_stderr(&out, 0, "installing it as it is");
    assert_eq!(imported(&sb, "tinypkg").as_deref(), Some("1.0"));
}

/// A lock penv made on another machine (another Python, another platform:
/// its `environments` say so, and its inputs hash differs) is refused by a
/// plain sync, naming the markers, and never rewritten for this interpreter.
#[test]
fn a_plain_sync_refuses_a_penv_lock_made_for_another_interpreter_and_keeps_it() {
    let python = require_python!();
    let sb = Sandbox::new();
    build_wheel(&sb.wheels, "tinypkg", "1.0", &[]);
    write_requirements(&sb, python, &["tinypkg"]);
    sb.ok(&["lock"]);
    let file = sb.project.join("pylock.toml");
    let text = std::fs::read_to_string(&file).unwrap();
    let theirs: String = text
        .lines()
        .map(|l| {
            if l.starts_with("environments = ") {
                "environments = [\"python_full_version == '3.99.1' and sys_platform == 'win32'\"]"
                    .to_owned()
            } else if l.starts_with("inputs-hash = ") {
                "inputs-hash = \"0000000000000000000000000000000000000000000000000000000000000000\""
                    .to_owned()
            } else {
                l.to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
        + "\n";
    assert!(
        text.lines().any(|l| l.starts_with("inputs-hash = "))
            && text.lines().any(|l| l.starts_with("environments = ")),
        "{text}"
    );
    std::fs::write(&file, &theirs).unwrap();
    let out = sb.run(&["sync"]);
    assert_exit_and_stderr(&out, 2, "3.99.1");
    assert_stderr_says(&out, "penv lock");
    assert_eq!(std::fs::read_to_string(&file).unwrap(), theirs);
    assert!(!sb.env().exists());
}

/// The lock's pins are preferences: a requirement file that now asks for
/// another version, and a new package that needs a newer dependency, lock
/// and sync (the pin moves), instead of failing on the old pins.
#[test]
fn relocking_moves_a_pin_a_requirement_file_or_a_new_package_now_asks_to_move() {
    let python = require_python!();
    let sb = Sandbox::new();
    for v in ["1.0", "2.0"] {
        build_wheel(&sb.wheels, "tinypkg", v, &[]);
    }
    build_wheel(&sb.wheels, "needsnew", "1.0", &["tinypkg>=2"]);
    sb.write("requirements.txt", "tinypkg==1.0\n");
    sb.write_offline_toml(python, "requirement-files = [\"requirements.txt\"]");
    sb.ok(&["lock"]);
    let lock = || std::fs::read_to_string(sb.project.join("pylock.toml")).unwrap();
    assert!(lock().contains("version = \"1.0\""), "{}", lock());
    // The requirement file moves the pin.
    sb.write("requirements.txt", "tinypkg==2.0\n");
    sb.ok(&["lock"]);
    assert!(lock().contains("version = \"2.0\""), "{}", lock());
    // Back to an open requirement, pinned at 1.0 again by a fresh lock…
    sb.write("requirements.txt", "tinypkg\n");
    sb.ok(&["lock", "--upgrade"]);
    sb.write("requirements.txt", "tinypkg<2\n");
    sb.ok(&["lock"]);
    assert!(lock().contains("version = \"1.0\""), "{}", lock());
    // …then a new package that needs tinypkg>=2 while the file allows it.
    sb.write("requirements.txt", "tinypkg\nneedsnew\n");
    let out = sb.run(&["sync"]);
    assert_exit_and_stderr(&out, 0, "Built `.venv`");
    assert_eq!(imported(&sb, "tinypkg").as_deref(), Some("2.0"));
}
