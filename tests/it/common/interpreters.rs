//! Interpreters for the tests: fake ones (shell scripts answering penv's
//! probe, deterministic, unable to build a venv) and copies of the machine's
//! real one at another path (to replace, remove or swap a base interpreter
//! without touching the original). The one place that copies trees.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The shared fake CPython 3.12.4 of the trycmd cases (`tests/it/fixtures/`),
/// for tests that build a case's project directory themselves.
pub fn fake_cpython_3_12() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/it/fixtures/fake-python3")
}

/// `sys.base_prefix` and `X.Y` of an interpreter.
pub fn prefix_and_version(python: &Path) -> Option<(PathBuf, String)> {
    let out = Command::new(python)
        .args([
            "-I",
            "-c",
            "import sys; print(sys.base_prefix); print('%d.%d' % sys.version_info[:2])",
        ])
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let mut lines = text.lines();
    let prefix = PathBuf::from(lines.next()?);
    let version = lines.next()?.to_owned();
    (out.status.success() && prefix.join(format!("lib/python{version}/os.py")).is_file())
        .then_some((prefix, version))
}

/// A copy of the interpreter installed at `prefix` (Python `version`) at
/// `to`: `bin/pythonX.Y` (plus `python3` and `python` links to it), the
/// standard library without its tests and site-packages, and `libpython*`.
/// Files are hard-linked where possible (it is the same file system), so it
/// costs milliseconds; deleting the copy leaves the original alone.
pub fn copy_python(prefix: &Path, version: &str, to: &Path) {
    let exe = format!("python{version}");
    std::fs::create_dir_all(to.join("bin")).unwrap();
    copy_tree(
        &prefix.join("bin").join(&exe),
        &to.join("bin").join(&exe),
        Files::Link,
        &[],
    );
    for alias in ["python3", "python"] {
        std::os::unix::fs::symlink(&exe, to.join("bin").join(alias)).unwrap();
    }
    let lib = format!("lib/python{version}");
    copy_tree(
        &prefix.join(&lib),
        &to.join(&lib),
        Files::Link,
        &["test", "site-packages"],
    );
    std::fs::create_dir_all(to.join(&lib).join("site-packages")).unwrap();
    for entry in std::fs::read_dir(prefix.join("lib")).unwrap().flatten() {
        if entry.file_name().to_string_lossy().starts_with("libpython") {
            copy_tree(
                &entry.path(),
                &to.join("lib").join(entry.file_name()),
                Files::Link,
                &[],
            );
        }
    }
}

/// How [`copy_tree`] makes regular files.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Files {
    /// Real copies: the copy may be changed without touching the original
    /// (trycmd case directories, whose source is the repository).
    Copy,
    /// Hard links where possible (it is the same file system), so copying an
    /// interpreter costs milliseconds; deleting the copy leaves the original.
    Link,
}

/// Copies `from` to `to` as trycmd does: symlinks as symlinks, permissions
/// kept, entries named in `skip` (at any depth) left out.
pub fn copy_tree(from: &Path, to: &Path, files: Files, skip: &[&str]) {
    let meta = std::fs::symlink_metadata(from).unwrap();
    if meta.file_type().is_symlink() {
        std::os::unix::fs::symlink(std::fs::read_link(from).unwrap(), to).unwrap();
    } else if meta.is_dir() {
        std::fs::create_dir_all(to).unwrap();
        for entry in std::fs::read_dir(from).unwrap().flatten() {
            let name = entry.file_name();
            if !skip.iter().any(|s| name == *s) {
                copy_tree(&entry.path(), &to.join(&name), files, skip);
            }
        }
    } else if files == Files::Copy || std::fs::hard_link(from, to).is_err() {
        std::fs::copy(from, to).unwrap();
    }
}

/// Another CPython 3.X than `version` among pyenv's versions, for replacing
/// an interpreter by another version at the same path.
#[allow(
    clippy::disallowed_methods,
    reason = "where this machine keeps its Pythons, not an environment variable penv reads"
)]
pub fn other_python(version: &str) -> Option<(PathBuf, String)> {
    let root = std::env::var_os("PYENV_ROOT")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".pyenv")))?;
    // The newest other 3.X (>= 3.8): an upgrade, the usual way this happens.
    std::fs::read_dir(root.join("versions"))
        .ok()?
        .flatten()
        .filter_map(|dir| {
            let (prefix, v) = prefix_and_version(&dir.path().join("bin/python3"))?;
            let minor: u32 = v.strip_prefix("3.")?.parse().ok()?;
            (v != version && minor >= 8).then_some((minor, prefix, v))
        })
        .max_by_key(|(minor, ..)| *minor)
        .map(|(_, prefix, v)| (prefix, v))
}

/// A second CPython at another canonical path: a copy of `python`'s install
/// (see [`copy_python`]) under `dir`, returning its `bin/pythonX.Y`. `None`
/// (the caller skips) when such a copy does not run on this machine.
pub fn copied_python(python: &Path, dir: &Path) -> Option<PathBuf> {
    let (prefix, version) = prefix_and_version(python)?;
    copy_python(&prefix, &version, dir);
    let copy = dir.join("bin").join(format!("python{version}"));
    let runs = Command::new(&copy)
        .args(["-I", "-c", "import venv"])
        .env_clear()
        .status()
        .is_ok_and(|s| s.success());
    runs.then_some(copy)
}

/// A fake interpreter: a shell script that answers penv's probe as
/// `implementation` `version` would (and fails anything else). For
/// discovery tests; it cannot build a venv.
#[cfg(unix)]
pub fn fake_python(dir: &Path, file_name: &str, implementation: &str, version: &str) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    std::fs::create_dir_all(dir).unwrap();
    let path = dir.join(file_name);
    let prefix = dir.parent().unwrap_or(dir).display().to_string();
    let mm: String = version.split('.').take(2).collect::<Vec<_>>().join(".");
    let json = format!(
        r#"{{"implementation": "{implementation}", "version": "{version}", "executable": "{exe}", "base_executable": "{exe}", "prefix": "{prefix}", "base_prefix": "{prefix}", "stdlib": "{prefix}/lib/python{mm}", "platform": "linux", "pointer_bits": 64, "has_venv": true, "has_ensurepip": true}}"#,
        exe = path.display()
    );
    std::fs::write(
        &path,
        format!("#!/bin/sh\ncat <<'PENV_PROBE'\n{json}\nPENV_PROBE\n"),
    )
    .unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    path
}
