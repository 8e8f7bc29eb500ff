//! `penv envs`' arguments (beside `cli.rs`, which re-exports them).

use std::path::PathBuf;

use clap::{Args, Subcommand};

/// `penv envs`.
#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub(crate) struct EnvsArgs {
    /// Delete envs the filters select
    #[command(subcommand)]
    pub(crate) command: Option<EnvsCommand>,

    /// Also list the venvs found under DIR (repeatable; symlinks are not followed)
    #[arg(long, value_name = "DIR", num_args = 1..)]
    pub(crate) scan: Vec<PathBuf>,

    /// List each stash entry and store entry on its own line (else folded under their env, and into one store line)
    #[arg(long)]
    pub(crate) all: bool,

    /// Print JSON on stdout (every env, stash and store entries included)
    #[arg(long)]
    pub(crate) json: bool,
}

/// `penv envs …`.
#[derive(Debug, Subcommand)]
pub(crate) enum EnvsCommand {
    /// Delete the envs the filters select, after listing each with its size and why
    Prune(PruneArgs),
}

/// `penv envs prune`.
#[derive(Debug, Args)]
pub(crate) struct PruneArgs {
    /// Envs not used for this long: `30d`, `12h`, `2w`, `1y` (with a state filter: only those)
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub(crate) older_than: Option<u64>,

    /// Envs whose base interpreter is gone or changed
    #[arg(long)]
    pub(crate) broken: bool,

    /// penv envs whose project file is gone
    #[arg(long)]
    pub(crate) orphaned: bool,

    /// penv's stash entries (envs kept for branch switches)
    #[arg(long)]
    pub(crate) stashes: bool,

    /// Entries of penv's store (the envs of PEP 723 scripts, rebuilt on their next run)
    #[arg(long)]
    pub(crate) store: bool,

    /// Consider only the envs under DIR (repeatable): nothing elsewhere is deleted
    #[arg(long, value_name = "DIR", num_args = 1..)]
    pub(crate) scan: Vec<PathBuf>,

    /// With `--scan`: also penv's own envs outside the scanned directories (the envs it
    /// synced, their stash entries, the store)
    #[arg(long, requires = "scan")]
    pub(crate) registered: bool,

    /// Show what would be deleted; delete nothing
    #[arg(long)]
    pub(crate) dry_run: bool,

    /// Delete without asking (needed when not on a terminal)
    #[arg(long, short = 'y')]
    pub(crate) yes: bool,
}

fn parse_duration(text: &str) -> Result<u64, String> {
    crate::ops::envs::parse_duration(text)
}
