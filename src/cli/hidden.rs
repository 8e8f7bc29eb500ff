//! The arguments of penv's hidden commands, which penv starts itself or a
//! release build runs (beside `cli.rs`, which re-exports them).

use std::path::PathBuf;

use clap::Args;

/// `penv empty-trash`.
#[derive(Debug, Args)]
pub(crate) struct EmptyTrashArgs {
    /// The trash: a `trash` directory inside a `.penv`
    #[arg(value_name = "DIR")]
    pub(crate) dir: PathBuf,
    /// Start the emptier and return at once (it is then nobody's child)
    #[arg(long)]
    pub(crate) detach: bool,
}

/// `penv store-keep`.
#[derive(Debug, Args)]
pub(crate) struct StoreKeepArgs {
    /// The project's env to clone
    #[arg(value_name = "ENV")]
    pub(crate) env: PathBuf,
    /// The store's entry to put it in
    #[arg(long, value_name = "DIR")]
    pub(crate) entry: PathBuf,
    /// The spec hash the env must still have
    #[arg(long)]
    pub(crate) hash: String,
    /// How its files are cloned
    #[arg(long)]
    pub(crate) link_mode: String,
    /// The package project left out of the clone
    #[arg(long)]
    pub(crate) project: Option<String>,
    /// The env's listing as the sync left it (a digest)
    #[arg(long)]
    pub(crate) listing: String,
    /// Start the keeper and return at once (it is then nobody's child)
    #[arg(long)]
    pub(crate) detach: bool,
}

/// `penv generate-man`.
#[derive(Debug, Args)]
pub(crate) struct GenerateManArgs {
    /// The directory to write the pages into (created when missing)
    #[arg(value_name = "DIR")]
    pub(crate) dir: PathBuf,
}
