//! What `penv tree`, `outdated` and `export` refuse, each with its hint.

use std::path::PathBuf;

use crate::diagnostics::display_path;

/// Why `tree`, `outdated` or `export` cannot answer.
#[derive(Debug, thiserror::Error)]
pub enum InspectError {
    /// `penv tree PKG` named a distribution the env does not have.
    #[error("`{name}` is not installed in the env (`{}`)", display_path(env))]
    NotInstalled {
        /// The name asked for.
        name: String,
        /// The env.
        env: PathBuf,
    },
    /// The interpreter's probe gave no marker environment.
    #[error("penv does not know the marker environment of the env's Python: {why}")]
    NoMarkers { why: String },
    /// pip's answer could not be read.
    #[error("could not read what pip answered (`{command}`): {why}")]
    PipAnswer { command: String, why: String },
    /// `--format pylock` with no lock to export.
    #[error(
        "`--format pylock` exports `{}`, and there is none",
        display_path(path)
    )]
    NoLockToExport { path: PathBuf },
    /// `outdated` asks the env's pip, and the env has none.
    #[error("the env (`{}`) has no pip to ask the index", display_path(env))]
    NoPip {
        /// The env.
        env: PathBuf,
    },
    /// A value of the state or the lock that does not render.
    #[error("cannot export `{name}`: {why}")]
    Unexportable { name: String, why: String },
    /// A requirements file with hashes of an env uv filled from
    /// requirements: uv records no file, so no line would have a hash.
    #[error(
        "cannot export the env (`{}`) with hashes: uv installed it from requirements, and uv records no file hashes",
        display_path(env)
    )]
    NoHashesFromUv {
        /// The env.
        env: PathBuf,
    },
}

impl InspectError {
    /// What to do.
    pub(crate) fn hint(&self) -> String {
        match self {
            Self::NotInstalled { .. } => {
                "`penv tree` with no name shows every installed distribution".to_owned()
            }
            Self::NoMarkers { .. } => {
                "run `penv cache clean` so the interpreter is probed again, then retry".to_owned()
            }
            Self::PipAnswer { .. } => {
                "run it again with `-v` to see pip's output; pip 22.2 or later is needed".to_owned()
            }
            Self::NoLockToExport { .. } => {
                "run `penv lock` to write it, or export a requirements file (the default format)"
                    .to_owned()
            }
            Self::NoPip { .. } => {
                "remove `pip = false` from `[venv]` in the project file and run `penv sync`"
                    .to_owned()
            }
            Self::NoHashesFromUv { .. } => {
                "run `penv lock` (the export then comes from `pylock.toml`, hashes included), or `penv export --no-hashes` for `name==version` lines"
                    .to_owned()
            }
            Self::Unexportable { .. } => {
                "`penv sync --reinstall` rebuilds the env, recording each distribution again"
                    .to_owned()
            }
        }
    }
}
