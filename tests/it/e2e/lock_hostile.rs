//! A lock from a pull request is data (issue 22): what a hostile one
//! found — a `name` that adds a marker, lines or another URL and hash to
//! pip's requirement file, a `version` its wheel does not have, an archive
//! `path` that is a device or a FIFO — is refused before pip runs, naming
//! the entry; an archive without a hash installs with a warning, and
//! `--locked` refuses it.

use std::time::Duration;

use sha2::{Digest, Sha256};

use super::*;
use crate::common::build_wheel_with;
use crate::common::output::wait_with_deadline;

fn sha256(path: &Path) -> String {
    hex::encode(Sha256::digest(std::fs::read(path).unwrap()))
}

const HEADER: &str = "lock-version = \"1.0\"\ncreated-by = \"reviewer-fooling\"\n";

/// A project with `tinypkg` 1.0 in its wheel dir and a penv.toml that
/// names only a package nothing has (only the lock can install anything).
fn project(python: &Path) -> (Sandbox, PathBuf) {
    let sb = Sandbox::new();
    let wheel = build_wheel(&sb.wheels, "tinypkg", "1.0", &[]);
    sb.write_offline_toml(python, "requirements = [\"not-anywhere\"]");
    (sb, wheel)
}

/// One `[[packages]]` entry: `name` written as a TOML basic string (so
/// `\n` is a newline), one wheel at `path` with `hash`.
fn entry(name: &str, version: &str, path: &Path, hash: &str) -> String {
    format!(
        "[[packages]]\nname = \"{name}\"\nversion = \"{version}\"\nwheels = [{{ path = {:?}, hashes = {{ sha256 = \"{hash}\" }} }}]\n",
        path.display().to_string()
    )
}

/// `penv sync --frozen`, killed (SIGTERM first, so pip stops with it)
/// when it takes longer than `deadline`: a pip reading for ever fails the
/// test instead of hanging it.
fn sync_within(sb: &Sandbox, deadline: Duration) -> Output {
    let child = sb
        .penv()
        .args(["sync", "--frozen"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let pid = nix::unistd::Pid::from_raw(i32::try_from(child.id()).unwrap());
    let stopper = std::thread::spawn(move || {
        std::thread::sleep(deadline);
        // penv passes SIGTERM on to pip and waits for it.
        let _ = nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGTERM);
    });
    let out = wait_with_deadline(child, deadline + Duration::from_secs(30))
        .unwrap_or_else(|e| panic!("penv sync: {e}"));
    drop(stopper);
    out
}

fn refused_before_pip(out: &Output, sb: &Sandbox, says: &[&str]) {
    assert_code(out, 2);
    for needle in says {
        assert_stderr_says(out, needle);
    }
    assert_stderr_says(
        out,
        "penv gives pip nothing of a lock but values it can read",
    );
    assert!(!sb.env().exists(), "nothing built: {}", stderr(out));
}

#[test]
fn a_name_that_adds_a_marker_is_refused_instead_of_skipping_the_package() {
    let python = require_python!();
    let (sb, wheel) = project(python);
    // pip would read `tinypkg ; sys_platform == 'nope'`, skip the package
    // and exit 0, with the env recorded as fresh.
    sb.write(
        "pylock.toml",
        &format!(
            "{HEADER}\n{}",
            entry(
                "tinypkg ; sys_platform == 'nope' #",
                "1.0",
                &wheel,
                &sha256(&wheel)
            )
        ),
    );
    let out = sb.run(&["sync", "--frozen"]);
    refused_before_pip(
        &out,
        &sb,
        &[
            "pylock.toml:5:8: `[[packages]]` entry 1 (`tinypkg ; sys_platform == 'nope' #`): `name`",
            "is not a PEP 508 package name",
        ],
    );
}

#[test]
fn a_name_holding_newlines_adds_no_lines_to_pips_file() {
    let python = require_python!();
    let (sb, wheel) = project(python);
    build_wheel(&sb.wheels, "otherpkg", "1.0", &[]);
    sb.write(
        "pylock.toml",
        &format!(
            "{HEADER}\n{}",
            entry(
                "tinypkg\\n--find-links ../wheels\\notherpkg==1.0\\n-r /etc/passwd\\nx",
                "1.0",
                &wheel,
                &sha256(&wheel)
            )
        ),
    );
    let out = sb.run(&["sync", "--frozen"]);
    refused_before_pip(
        &out,
        &sb,
        &["entry 1 (`tinypkg\\n--find-links ../wheels\\notherpkg==1.0\\n-r /etc/passwd\\nx`)"],
    );
}

#[test]
fn a_name_that_brings_its_own_url_and_hash_installs_nothing_else() {
    let python = require_python!();
    let (sb, wheel) = project(python);
    let evil_dir = sb.tmp.path().join("evil");
    std::fs::create_dir_all(&evil_dir).unwrap();
    let evil = build_wheel_with(&evil_dir, "tinypkg", "1.0", &[], "VERSION = 'evil'\n");
    // Beside the genuine URL and hash, the name carries the evil wheel's:
    // pip would read the line up to ` #` and install the evil one.
    let name = format!(
        "tinypkg @ file://{} --hash=sha256:{} #",
        evil.display(),
        sha256(&evil)
    );
    sb.write(
        "pylock.toml",
        &format!("{HEADER}\n{}", entry(&name, "1.0", &wheel, &sha256(&wheel))),
    );
    let out = sb.run(&["sync", "--frozen"]);
    refused_before_pip(&out, &sb, &["`name` `tinypkg @ file://"]);
    // The genuine lock still installs the genuine wheel.
    sb.write(
        "pylock.toml",
        &format!(
            "{HEADER}\n{}",
            entry("tinypkg", "1.0", &wheel, &sha256(&wheel))
        ),
    );
    sb.ok(&["sync", "--frozen"]);
    assert_eq!(imported(&sb, "tinypkg").as_deref(), Some("1.0"));
}

#[test]
fn a_wheel_of_another_version_or_distribution_than_its_entry_is_refused() {
    let python = require_python!();
    let (sb, _) = project(python);
    let two = build_wheel(&sb.wheels, "tinypkg", "2.0", &[]);
    sb.write(
        "pylock.toml",
        &format!("{HEADER}\n{}", entry("tinypkg", "1.0", &two, &sha256(&two))),
    );
    let out = sb.run(&["sync", "--frozen"]);
    refused_before_pip(
        &out,
        &sb,
        &[
            "`wheels[0].path` names the file `tinypkg-2.0-py3-none-any.whl`, which is version 2.0, not the entry's 1.0",
        ],
    );
    let other = build_wheel(&sb.wheels, "otherpkg", "1.0", &[]);
    sb.write(
        "pylock.toml",
        &format!(
            "{HEADER}\n{}",
            entry("tinypkg", "1.0", &other, &sha256(&other))
        ),
    );
    let out = sb.run(&["sync", "--frozen"]);
    refused_before_pip(&out, &sb, &["which is of `otherpkg` 1.0, not of `tinypkg`"]);
}

#[test]
fn an_archive_path_that_is_a_device_a_fifo_or_a_directory_is_refused() {
    let python = require_python!();
    let (sb, _) = project(python);
    let fifo = sb.project.join("tinypkg-1.0.tar.gz");
    nix::unistd::mkfifo(&fifo, nix::sys::stat::Mode::S_IRWXU).unwrap();
    let link = sb.project.join("linked-1.0.tar.gz");
    std::os::unix::fs::symlink("/dev/zero", &link).unwrap();
    for (path, says) in [
        (
            "/dev/zero",
            "is a device (pip would read it for ever), not a regular file",
        ),
        ("linked-1.0.tar.gz", "is a device"),
        (
            "tinypkg-1.0.tar.gz",
            "is a FIFO (pip would wait on it for ever)",
        ),
        ("wheels-dir", "is a directory"),
    ] {
        std::fs::create_dir_all(sb.project.join("wheels-dir")).unwrap();
        sb.write(
            "pylock.toml",
            &format!(
                "{HEADER}\n[[packages]]\nname = \"tinypkg\"\nversion = \"1.0\"\narchive = {{ path = \"{path}\", hashes = {{ sha256 = \"{}\" }} }}\n",
                "0".repeat(64)
            ),
        );
        let out = sync_within(&sb, Duration::from_mins(1));
        refused_before_pip(
            &out,
            &sb,
            &["`[[packages]]` entry 1 (`tinypkg`): `archive.path`", says],
        );
    }
}

/// A lock penv wrote (its inputs hash current), with an archive appended
/// that has no hash, as a pull request could.
fn locked_project_with_a_hashless_archive(python: &Path) -> Sandbox {
    let sb = Sandbox::new();
    build_wheel(&sb.wheels, "tinypkg", "1.0", &[]);
    write_requirements(&sb, python, &["tinypkg"]);
    sb.ok(&["lock"]);
    let extra = sb.tmp.path().join("extra");
    std::fs::create_dir_all(&extra).unwrap();
    let other = build_wheel(&extra, "otherpkg", "1.0", &[]);
    let lock = std::fs::read_to_string(sb.project.join("pylock.toml")).unwrap();
    let (before, tool) = lock.split_once("\n[tool.penv]").unwrap();
    sb.write(
        "pylock.toml",
        &format!(
            "{before}\n[[packages]]\nname = \"otherpkg\"\nversion = \"1.0\"\narchive = {{ path = {:?}, hashes = {{}} }}\n\n[tool.penv]{tool}",
            other.display().to_string()
        ),
    );
    sb
}

#[test]
fn an_archive_without_a_hash_warns_and_locked_refuses_it() {
    let python = require_python!();
    let sb = locked_project_with_a_hashless_archive(python);
    let out = sb.run(&["sync", "--locked"]);
    assert_exit_and_stderr(
        &out,
        2,
        "the lock gives no hash for the archive of `otherpkg` (`file:///",
    );
    assert_stderr_says(&out, "`--locked` installs only what pip can check");
    assert_stderr_says(&out, "add the archive's hash to the lock");
    assert!(!sb.env().exists(), "nothing built");
    for args in [&["sync"][..], &["sync", "--frozen"]] {
        let out = sb.run(args);
        assert_exit_and_stderr(
            &out,
            0,
            "warning: `pylock.toml` gives no hash for the archive of `otherpkg` (`file:///",
        );
        assert_stderr_says(&out, "pip installs it without checking its bytes");
    }
    assert_eq!(imported(&sb, "otherpkg").as_deref(), Some("1.0"));
    assert_eq!(imported(&sb, "tinypkg").as_deref(), Some("1.0"));
}
