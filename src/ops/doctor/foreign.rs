//! Other tools' files: a lock penv does not install (`poetry.lock`,
//! `pdm.lock`, `Pipfile.lock`, a `uv.lock` passed over) is a finding, for
//! the env's versions may differ from what the project tests with; the
//! other files, read or not, are listed by the command, not as problems.

use super::Finding;
use crate::ops::foreign::{Foreign, scan};
use crate::project::Project;

fn files(project: &Project) -> Vec<Foreign> {
    let is_pyproject =
        project.file.file_name() == Some(std::ffi::OsStr::new(crate::project::PYPROJECT_TOML));
    scan(&project.root, is_pyproject)
}

/// A finding for each lock of another tool that penv does not install.
pub(super) fn check(project: &Project) -> Vec<Finding> {
    files(project)
        .into_iter()
        .filter(|f| f.unread_lock)
        .map(|f| Finding {
            check: "foreign-lock",
            message: format!("`{}` is {}", f.name, f.what),
            // Passed over for penv's own lock alone (not in a penv.toml
            // project, nor for another tool's lock that comes first).
            hint: if f.what.contains("`pylock.toml` comes first") {
                format!(
                    "`{0}` is penv's lock and comes first: delete `{1}` if `{0}` replaces it, or delete `{0}` to install from `{1}`",
                    crate::lock::LOCK_FILE_NAME,
                    f.name
                )
            } else {
                "run `penv lock` to pin the env with penv (`pylock.toml`), or see docs/other-tools.md for what penv reads".to_owned()
            },
        })
        .collect()
}

/// The other tools' files and tables that are no finding (read, or not
/// read and no lock), one line each.
pub(crate) fn read_files(project: &Project) -> Vec<String> {
    files(project)
        .into_iter()
        .filter(|f| !f.unread_lock)
        .map(|f| format!("`{}`: {}", f.name, f.what))
        .collect()
}
