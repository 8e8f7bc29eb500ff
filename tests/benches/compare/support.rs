//! Environment and file system: every error names its path.

use crate::Result;
use crate::tools::RequirementSet;
use std::ffi::OsStr;
use std::fmt::Display;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

/// The first executable file `name` in the directories of `path_var`.
pub(crate) fn find_on_path(name: &str, path_var: &OsStr) -> Option<PathBuf> {
    std::env::split_paths(path_var)
        .map(|dir| dir.join(name))
        .find(|candidate| {
            candidate
                .metadata()
                .is_ok_and(|meta| meta.is_file() && meta.permissions().mode() & 0o111 != 0)
        })
}

/// Makes the penv project's `requirements.txt` hold `set`, as a
/// `git checkout` of another branch would.
pub(crate) fn penv_requirements(project: &Path, set: &RequirementSet) -> Result<()> {
    write(&project.join("requirements.txt"), &set.text)
}

/// `dir` made canonical, or an error naming the option that sets it.
pub(crate) fn existing_dir(dir: &Path, what: &str, option: &str) -> Result<PathBuf> {
    if dir.is_dir() {
        canonical(dir)
    } else {
        Err(format!(
            "the {what} `{}` does not exist; pass `{option} DIR`",
            dir.display()
        ))
    }
}

pub(crate) fn canonical(path: &Path) -> Result<PathBuf> {
    path.canonicalize()
        .map_err(|err| io_error("resolve", path, &err))
}

pub(crate) fn create_dir(dir: &Path) -> Result<()> {
    std::fs::create_dir_all(dir).map_err(|err| io_error("create", dir, &err))
}

pub(crate) fn write(path: &Path, text: &str) -> Result<()> {
    std::fs::write(path, text).map_err(|err| io_error("write", path, &err))
}

/// Removes a directory this bench made under its temp dir.
pub(crate) fn copy(from: &Path, to: &Path) -> Result<()> {
    std::fs::copy(from, to)
        .map(drop)
        .map_err(|err| io_error("copy", from, &err))
}

///
/// A detached `penv empty-trash` may still be deleting an env penv let go
/// of in `.penv/trash` (it is done in moments): the removal is tried again
/// for a while when the two meet.
pub(crate) fn remove_dir(dir: &Path) -> Result<()> {
    let mut tries = 0;
    loop {
        match std::fs::remove_dir_all(dir) {
            Ok(()) => return Ok(()),
            Err(err) if err.kind() == std::io::ErrorKind::NotFound && !dir.exists() => {
                return Ok(());
            }
            Err(_) if tries < 100 => {
                tries += 1;
                std::thread::sleep(std::time::Duration::from_millis(50));
            }
            Err(err) => return Err(io_error("remove", dir, &err)),
        }
    }
}

pub(crate) fn io_error(verb: &str, path: &Path, err: &std::io::Error) -> String {
    format!("cannot {verb} `{}`: {err}", path.display())
}

/// A TOML basic string (JSON's escapes are TOML's).
pub(crate) fn toml_string(text: &impl Display) -> String {
    serde_json::to_string(&text.to_string()).expect("a string serializes")
}
