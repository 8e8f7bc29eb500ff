//! The env-path guard: may this path be the project's env at all, and
//! what is there now.
//!
//! Invariant: a path that is `/`, the project root or a parent of it,
//! `$HOME` or a parent of it (as written or canonically), a symlink, a file,
//! penv's file names without penv's evidence, or other data is refused
//! before anything is built, moved or deleted; a venv penv did not make is
//! handed over only with `--force`, and only when it is nothing but a venv.

use std::path::{Path, PathBuf};

use super::{BUILD_MARKER, canonical_location, evidence, is_regular_file, venv_shape};
use crate::diagnostics::{display_path, escape_path};
use crate::state::STATE_FILE;

/// Why penv will not use a path as its env.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// The path is the project root, a parent of it, `/` or `$HOME`.
    #[error("refusing to use `{}` as the env: it is {what}", display_path(path))]
    Protected {
        /// The path.
        path: PathBuf,
        /// What it is ("the project root", …).
        what: &'static str,
    },
    /// The path is a symlink.
    #[error(
        "refusing to use `{}` as the env: it is a symlink (to `{}`)",
        display_path(path),
        escape_path(target)
    )]
    Symlink {
        /// The path.
        path: PathBuf,
        /// Where it points.
        target: PathBuf,
    },
    /// A path penv cannot record (its state and intent files are JSON).
    #[error(
        "refusing to build the env at `{}`: its path is not valid UTF-8",
        escape_path(path)
    )]
    NotUtf8 {
        /// The path.
        path: PathBuf,
    },
    /// A venv made by something else.
    #[error(
        "`{}` is a virtual environment that penv did not create",
        display_path(path)
    )]
    ForeignVenv {
        /// The path.
        path: PathBuf,
    },
    /// A file, or a directory with other data.
    #[error(
        "refusing to replace `{}`: it {what}, not an env penv created",
        display_path(path)
    )]
    OtherData {
        /// The path.
        path: PathBuf,
        /// What is there.
        what: String,
    },
}

impl Refusal {
    /// What to do.
    pub(crate) fn hint(&self) -> String {
        match self {
            Self::Protected { .. } => {
                "set `[venv] path` to a directory of its own, e.g. `.venv`".to_owned()
            }
            Self::NotUtf8 { .. } => {
                "move the project to a path that is valid UTF-8, or set `[venv] path` to one"
                    .to_owned()
            }
            Self::Symlink { .. } => {
                "point `[venv] path` at a real directory, or remove the symlink".to_owned()
            }
            Self::ForeignVenv { path } => format!(
                "run `penv sync --force` to replace it (its packages are lost), or remove `{}` yourself",
                display_path(path)
            ),
            Self::OtherData { path, .. } => format!(
                "move `{}` away, or set `[venv] path` to another directory",
                display_path(path)
            ),
        }
    }
}

/// What is at an env path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Occupant {
    /// Nothing.
    Nothing,
    /// An empty directory.
    Empty,
    /// An env penv built or was building (state file or build marker).
    Penv,
    /// A venv someone else made (`pyvenv.cfg`, no penv state).
    ForeignVenv,
}

/// Checks that `env` may be used as the project's env, and says what is there.
pub(crate) fn check_env_path(
    env: &Path,
    project_root: &Path,
    home: Option<&Path>,
    force: bool,
) -> Result<Occupant, Refusal> {
    let protected = |what| Refusal::Protected {
        path: env.to_owned(),
        what,
    };
    if env.parent().is_none() {
        return Err(protected("the file-system root"));
    }
    // Compared as written and canonically: `path = "../links/h/me"`, with
    // `links/h` a symlink to the home directory's parent, is `$HOME`.
    let located = canonical_location(env);
    let spellings = |p: &Path| {
        let mut all = vec![p.to_owned()];
        all.extend(p.canonicalize().ok());
        all
    };
    let envs: Vec<PathBuf> = std::iter::once(env.to_owned()).chain(located).collect();
    let any = |others: &[PathBuf], test: &dyn Fn(&Path, &Path) -> bool| {
        envs.iter().any(|e| others.iter().any(|o| test(e, o)))
    };
    if envs.iter().any(|e| e.parent().is_none()) {
        return Err(protected("the file-system root"));
    }
    let roots = spellings(project_root);
    if any(&roots, &|e, r| e == r) {
        return Err(protected("the project root"));
    }
    if any(&roots, &|e, r| r.starts_with(e)) {
        return Err(protected("a parent of the project root"));
    }
    if let Some(home) = home {
        let homes = spellings(home);
        if any(&homes, &|e, h| e == h) {
            return Err(protected("your home directory"));
        }
        if any(&homes, &|e, h| h.starts_with(e)) {
            return Err(protected("a parent of your home directory"));
        }
    }
    if env.to_str().is_none() {
        return Err(Refusal::NotUtf8 {
            path: env.to_owned(),
        });
    }
    let Ok(meta) = std::fs::symlink_metadata(env) else {
        return Ok(Occupant::Nothing);
    };
    if meta.file_type().is_symlink() {
        let target = std::fs::read_link(env).unwrap_or_default();
        return Err(Refusal::Symlink {
            path: env.to_owned(),
            target,
        });
    }
    if !meta.is_dir() {
        return Err(Refusal::OtherData {
            path: env.to_owned(),
            what: "is a file".to_owned(),
        });
    }
    let mut entries = std::fs::read_dir(env).map_err(|_| Refusal::OtherData {
        path: env.to_owned(),
        what: "cannot be listed".to_owned(),
    })?;
    if entries.next().is_none() {
        return Ok(Occupant::Empty);
    }
    let claimed = [STATE_FILE, BUILD_MARKER]
        .iter()
        .any(|f| std::fs::symlink_metadata(env.join(f)).is_ok());
    match evidence(env, env, false) {
        Ok(_) => return Ok(Occupant::Penv),
        // penv's file names without penv's evidence: never replaced, not
        // even with `--force`.
        Err(what) if claimed => {
            return Err(Refusal::OtherData {
                path: env.to_owned(),
                what,
            });
        }
        Err(_) => {}
    }
    if is_regular_file(&env.join("pyvenv.cfg")) {
        // `--force` may replace a venv, never data that merely sits beside a
        // `pyvenv.cfg`: the directory must look like a venv and hold nothing else.
        if let Some(what) = venv_shape(env, &[], true) {
            return Err(Refusal::OtherData {
                path: env.to_owned(),
                what,
            });
        }
        return if force {
            Ok(Occupant::ForeignVenv)
        } else {
            Err(Refusal::ForeignVenv {
                path: env.to_owned(),
            })
        };
    }
    Err(Refusal::OtherData {
        path: env.to_owned(),
        what: "holds other data".to_owned(),
    })
}
