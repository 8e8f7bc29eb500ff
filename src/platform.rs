//! Every platform difference in one place: `bin/` or `Scripts\`, `python` or
//! `python.exe`, where system interpreters live, and how a command takes
//! over the process (exec on Unix, spawn-and-wait elsewhere). Windows support
//! is this module's work.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The env's directory of executables.
#[cfg(unix)]
pub(crate) const BIN_DIR: &str = "bin";
/// The env's directory of executables.
#[cfg(windows)]
pub(crate) const BIN_DIR: &str = "Scripts";

/// The suffix of executables.
#[cfg(unix)]
pub(crate) const EXE_SUFFIX: &str = "";
/// The suffix of executables.
#[cfg(windows)]
pub(crate) const EXE_SUFFIX: &str = ".exe";

/// Where system interpreters usually are, searched after PATH, pyenv and uv.
#[cfg(unix)]
pub(crate) const SYSTEM_DIRS: &[&str] = &[
    "/usr/local/bin",
    "/usr/bin",
    "/opt/homebrew/bin",
    "/opt/local/bin",
];
/// Where system interpreters usually are, searched after PATH, pyenv and uv.
#[cfg(windows)]
pub(crate) const SYSTEM_DIRS: &[&str] = &[];

/// The env's python: `bin/python` or `Scripts\python.exe`.
pub(crate) fn env_python(env: &Path) -> PathBuf {
    env.join(BIN_DIR).join(format!("python{EXE_SUFFIX}"))
}

/// An executable named `name` in the env's bin dir.
pub(crate) fn env_bin(env: &Path, name: &str) -> PathBuf {
    let bin = env.join(BIN_DIR);
    if cfg!(windows) && Path::new(name).extension().is_none() {
        bin.join(format!("{name}{EXE_SUFFIX}"))
    } else {
        bin.join(name)
    }
}

/// `lib/pythonX.Y/site-packages` (or `Lib\site-packages`).
pub(crate) fn site_packages(env: &Path, major_minor: &str, implementation: &str) -> PathBuf {
    if cfg!(windows) {
        env.join("Lib").join("site-packages")
    } else if implementation == "pypy" && !major_minor.starts_with('3') {
        env.join("site-packages")
    } else {
        env.join("lib")
            .join(format!("python{major_minor}"))
            .join("site-packages")
    }
}

/// Whether `path` is a file this user may execute.
pub(crate) fn is_executable(path: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
    }
    #[cfg(not(unix))]
    {
        path.is_file()
    }
}

/// `python`, `python3`, `python3.12`, `pip`, `pip3`, `pip3.12` (with `.exe`
/// on Windows): names that must come from the env, never from `PATH`, where
/// they would belong to another interpreter. (Which files discovery takes
/// for interpreters is a different, narrower test, in `python::discovery`.)
pub(crate) fn is_python_or_pip_name(name: &str) -> bool {
    let name = name.strip_suffix(".exe").unwrap_or(name);
    ["python", "pip"].iter().any(|stem| {
        // `python3.13t` (free-threaded), `pythonw`.
        name.strip_prefix(stem).is_some_and(|rest| {
            let rest = rest.strip_suffix(['t', 'w']).unwrap_or(rest);
            rest.chars().all(|c| c.is_ascii_digit() || c == '.')
        })
    })
}

/// Finds `name` on `PATH` (`path_dirs`, in order; executable files only,
/// with the platform's suffixes). A name with a separator is taken as a
/// path, as written, so the child's `argv[0]` is what the user typed.
pub(crate) fn which_on_path(name: &str, path_dirs: &[PathBuf]) -> Option<PathBuf> {
    if name.contains(std::path::MAIN_SEPARATOR) || name.contains('/') {
        let p = PathBuf::from(name);
        return is_executable(&p).then_some(p);
    }
    let paths = std::env::join_paths(path_dirs).ok()?;
    which::which_in_global(name, Some(paths)).ok()?.next()
}

/// Replaces this process with `cmd` (Unix `exec`); returns only on failure.
/// Elsewhere, runs it, waits, and returns its exit code.
#[cfg(unix)]
pub(crate) fn exec(mut cmd: Command) -> std::io::Error {
    use std::os::unix::process::CommandExt;
    cmd.exec()
}

/// Replaces this process with `cmd` (Unix `exec`); returns only on failure.
/// Elsewhere, runs it, waits, and exits with its exit code.
#[cfg(not(unix))]
pub(crate) fn exec(mut cmd: Command) -> std::io::Error {
    match cmd.status() {
        Ok(status) => std::process::exit(status.code().unwrap_or(1)),
        Err(e) => e,
    }
}

#[cfg(test)]
mod tests {
    use super::is_python_or_pip_name;

    #[test]
    fn interpreter_names_are_pythons_and_pips_only() {
        for name in [
            "python",
            "python3",
            "python3.12",
            "pip",
            "pip3",
            "pip3.12",
            "python.exe",
            "python3.13t",
            "pythonw",
        ] {
            assert!(is_python_or_pip_name(name), "{name}");
        }
        for name in [
            "pytest",
            "python3-config",
            "pipx",
            "pip-compile",
            "ipython",
            "sh",
        ] {
            assert!(!is_python_or_pip_name(name), "{name}");
        }
    }
}
