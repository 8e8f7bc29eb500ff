//! The arguments of the commands that show what an env holds: `tree`,
//! `outdated`, `export` (beside `cli.rs`, which re-exports them).

use std::path::PathBuf;

use clap::Args;

use super::SpecArgs;

/// `penv tree`.
#[derive(Debug, Args)]
pub(crate) struct TreeArgs {
    /// Show only the tree of these distributions (with `--invert`: what requires them)
    #[arg(value_name = "PKG", value_parser = super::parse_package_name)]
    pub(crate) packages: Vec<String>,

    /// Show what requires each distribution instead of what it requires
    #[arg(long)]
    pub(crate) invert: bool,

    /// Show at most N levels below each root (`0`: the roots only)
    #[arg(long, value_name = "N")]
    pub(crate) depth: Option<usize>,

    /// Print JSON on stdout
    #[arg(long)]
    pub(crate) json: bool,
}

/// `penv outdated`.
#[derive(Debug, Args)]
pub(crate) struct OutdatedArgs {
    /// Print JSON on stdout
    #[arg(long)]
    pub(crate) json: bool,
}

/// `penv export`.
#[derive(Debug, Args)]
pub(crate) struct ExportArgs {
    #[command(flatten)]
    pub(crate) spec: SpecArgs,

    /// What to write: a pip requirements file, or a `pylock.toml` (PEP 751)
    #[arg(long, value_enum, default_value_t = ExportFormat::Requirements)]
    pub(crate) format: ExportFormat,

    /// Write to FILE instead of stdout (replaced atomically)
    #[arg(short, long, value_name = "FILE")]
    pub(crate) output: Option<PathBuf>,

    /// Leave out the `--hash` options (requirements format only)
    #[arg(long)]
    pub(crate) no_hashes: bool,
}

/// A format `penv export` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum ExportFormat {
    /// `name==version --hash=sha256:…` lines, for `pip install --require-hashes -r`
    Requirements,
    /// A PEP 751 lock file
    Pylock,
}
