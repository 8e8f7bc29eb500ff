//! `penv lock` with `installer = "uv"` (issue 25): every resolution is
//! `uv pip compile` for the plan's interpreter, and the lock is the one pip
//! makes — the same files, hashes, groups, extras and markers — but for the
//! per-package `requires-python` lines uv does not record; the current
//! lock's pins hold unless `--upgrade` frees them; a resolution uv cannot
//! make says what uv said and writes nothing.

use super::lock_parts::{lock_doc, marker_of, self_dependent_sandbox};
use super::*;
use crate::common::output::show;
use crate::common::uv::with_uv;
use crate::require_uv;

/// penv in the project with uv on `PATH` and `PENV_INSTALLER=uv`.
fn with_uv_run(sb: &Sandbox, uv: &Path, args: &[&str]) -> std::process::Output {
    let mut cmd = sb.penv();
    with_uv(&mut cmd, sb, uv)
        .env("PENV_INSTALLER", "uv")
        .args(args)
        .output()
        .unwrap()
}

/// The lock's text without the `requires-python` of each package (the
/// lock's own stays): what a lock made with uv leaves out.
pub(super) fn without_package_requires_python(text: &str) -> String {
    let mut sections = text.split("\n[[packages]]\n");
    let mut out = sections.next().unwrap_or_default().to_owned();
    for section in sections {
        out.push_str("\n[[packages]]\n");
        let kept: Vec<&str> = section
            .lines()
            .filter(|l| !l.starts_with("requires-python = "))
            .collect();
        out.push_str(&kept.join("\n"));
        if section.ends_with('\n') {
            out.push('\n');
        }
    }
    out
}

fn lock_text(sb: &Sandbox) -> String {
    std::fs::read_to_string(sb.project.join("pylock.toml")).expect("pylock.toml written")
}

/// A package project with an extra, and one whose group needs the project
/// itself (pluggy's shape): pip attributes them from its one resolution's
/// graph, uv's resolutions have none and each part is resolved apart —
/// and the locks agree, file for file and marker for marker.
#[test]
fn a_lock_made_with_uv_is_the_lock_pip_makes() {
    let python = require_python!();
    let uv = require_uv!();
    for self_dependent in [false, true] {
        let sb = self_dependent_sandbox(python, self_dependent);
        sb.ok(&["lock"]);
        let by_pip = lock_text(&sb);
        std::fs::remove_file(sb.project.join("pylock.toml")).unwrap();
        let out = with_uv_run(&sb, uv, &["lock", "-v"]);
        assert_code(&out, 0);
        assert!(
            stderr(&out).contains("Resolving with uv (`uv pip compile`"),
            "{}",
            show(&out)
        );
        let by_uv = lock_text(&sb);
        assert!(by_pip.contains("requires-python = "), "{by_pip}");
        assert_eq!(
            by_uv,
            without_package_requires_python(&by_pip),
            "self-dependent: {self_dependent}"
        );
        let doc = lock_doc(&sb);
        assert_eq!(marker_of(&doc, "tinypkg"), None);
        assert_eq!(
            marker_of(&doc, "helper").as_deref(),
            Some("'dev' in dependency_groups")
        );
        if !self_dependent {
            assert_eq!(
                marker_of(&doc, "otherpkg").as_deref(),
                Some("'async' in extras")
            );
        }
        // The same inputs: fresh for pip too, and pip installs from it.
        assert_code(&sb.run(&["lock", "--check"]), 0);
        sb.ok(&["sync", "--frozen", "--group", "dev"]);
        assert_eq!(imported(&sb, "selfpkg").as_deref(), Some("source"));
        assert_eq!(imported(&sb, "helper").as_deref(), Some("1.0"));
        // Nothing of the resolution is left behind.
        let scratch: Vec<_> = std::fs::read_dir(sb.project.join(".penv"))
            .unwrap()
            .flatten()
            .filter(|e| e.file_name().to_string_lossy().starts_with("lock-"))
            .filter(|e| e.file_type().unwrap().is_dir())
            .map(|e| e.file_name())
            .collect();
        assert!(scratch.is_empty(), "{scratch:?}");
    }
}

/// The current lock's pins reach uv as constraints, as they reach pip (and
/// uv never finds an earlier output of its own to prefer): a newer wheel
/// is taken only with `--upgrade`.
#[test]
fn a_relock_with_uv_keeps_the_pins_until_upgrade() {
    let python = require_python!();
    let uv = require_uv!();
    let sb = Sandbox::new();
    build_wheel(&sb.wheels, "tinypkg", "1.0", &[]);
    build_wheel(&sb.wheels, "otherpkg", "1.0", &[]);
    sb.write_offline_toml(python, "requirements = [\"tinypkg\"]\n");
    assert_code(&with_uv_run(&sb, uv, &["lock"]), 0);
    assert!(lock_text(&sb).contains("tinypkg-1.0-py3-none-any.whl"));
    build_wheel(&sb.wheels, "tinypkg", "2.0", &[]);
    sb.write_offline_toml(python, "requirements = [\"tinypkg\", \"otherpkg\"]\n");
    let out = with_uv_run(&sb, uv, &["lock"]);
    assert_code(&out, 0);
    let text = lock_text(&sb);
    assert!(text.contains("name = \"otherpkg\""), "{text}");
    assert!(!text.contains("tinypkg-2.0"), "{text}");
    let out = with_uv_run(&sb, uv, &["lock", "--upgrade"]);
    assert_code(&out, 0);
    assert!(
        stderr(&out).contains("Updated `tinypkg` 1.0 -> 2.0"),
        "{}",
        show(&out)
    );
    assert!(lock_text(&sb).contains("tinypkg-2.0-py3-none-any.whl"));
}

/// What uv cannot resolve fails the lock with uv's words, names uv, and
/// writes nothing.
#[test]
fn a_resolution_uv_cannot_make_says_what_uv_said() {
    let python = require_python!();
    let uv = require_uv!();
    let sb = sandbox_with_wheels();
    sb.write_offline_toml(python, "requirements = [\"nosuchpkg\"]\n");
    let out = with_uv_run(&sb, uv, &["lock"]);
    assert_exit_and_stderr(&out, 2, "uv could not resolve the project for the lock");
    assert_stderr_says(&out, "nosuchpkg");
    assert_stderr_says(&out, "uv said");
    assert_stderr_says(&out, "then run `penv lock` again");
    assert!(!sb.project.join("pylock.toml").exists());
}

/// A requirement file that pins hashes is locked with pip, which checks
/// them (`uv pip compile` checks none): a wrong hash fails the lock.
#[test]
fn hash_pinned_requirements_are_locked_with_pip_which_checks_them() {
    let python = require_python!();
    let uv = require_uv!();
    let sb = sandbox_with_wheels();
    sb.write(
        "requirements.txt",
        &format!("tinypkg==1.0 --hash=sha256:{}\n", "0".repeat(64)),
    );
    sb.write_offline_toml(python, "requirement-files = [\"requirements.txt\"]\n");
    let out = with_uv_run(&sb, uv, &["lock"]);
    assert_exit_and_stderr(&out, 2, "pip could not resolve the project for the lock");
    assert_stderr_says(
        &out,
        "Resolving with pip, not uv: the requirements pin hashes",
    );
    assert_stderr_says(&out, "HASHES");
    assert!(!sb.project.join("pylock.toml").exists());
}

/// Options that shape an install, not a resolution (`-v`,
/// `--force-reinstall`), which `uv pip compile` refuses, are left out; a
/// group whose package needs a direct reference of the requirements by
/// name finds it (uv resolves each part alone, the reference pinned by URL).
#[test]
fn install_only_options_and_a_groups_need_of_a_direct_reference_lock_with_uv() {
    let python = require_python!();
    let uv = require_uv!();
    let sb = sandbox_with_wheels();
    build_wheel(&sb.wheels, "needsl", "1.0", &["localpkg"]);
    let local = sb.project.join("localpkg");
    std::fs::create_dir_all(local.join("localpkg")).unwrap();
    sb.write("localpkg/localpkg/__init__.py", "");
    sb.write(
        "localpkg/pyproject.toml",
        "[project]\nname = \"localpkg\"\nversion = \"1.0\"\n\
         [build-system]\nrequires = []\nbuild-backend = \"backend\"\nbackend-path = [\".\"]\n",
    );
    sb.write(
        "localpkg/backend.py",
        "import os, zipfile\n\
         def _meta():\n    return 'Metadata-Version: 2.1\\nName: localpkg\\nVersion: 1.0\\n'\n\
         def build_wheel(d, config_settings=None, metadata_directory=None):\n\
         \x20   n = 'localpkg-1.0-py3-none-any.whl'\n\
         \x20   with zipfile.ZipFile(os.path.join(d, n), 'w') as z:\n\
         \x20       z.writestr('localpkg/__init__.py', '')\n\
         \x20       z.writestr('localpkg-1.0.dist-info/METADATA', _meta())\n\
         \x20       z.writestr('localpkg-1.0.dist-info/WHEEL', 'Wheel-Version: 1.0\\nRoot-Is-Purelib: true\\nTag: py3-none-any\\n')\n\
         \x20       z.writestr('localpkg-1.0.dist-info/RECORD', '')\n\
         \x20   return n\n",
    );
    sb.write_offline_toml(
        python,
        &format!(
            "requirements = [\"localpkg @ file://{}\", \"tinypkg\"]\n\
             [groups]\ndev = [\"needsl\"]\n",
            local.display()
        ),
    );
    let mut toml = std::fs::read_to_string(sb.project.join("penv.toml")).unwrap();
    toml.push_str("args = [\"-v\", \"--force-reinstall\"]\n");
    sb.write("penv.toml", &toml);
    let out = with_uv_run(&sb, uv, &["lock"]);
    assert_code(&out, 0);
    let doc = lock_doc(&sb);
    assert_eq!(marker_of(&doc, "localpkg"), None);
    assert_eq!(
        marker_of(&doc, "needsl").as_deref(),
        Some("'dev' in dependency_groups")
    );
}
