//! The command line (`just bench --help`): where the wheels, the requirement
//! sets and the interpreter are, how many runs, which scenarios. Relative
//! paths are taken from the repository root, wherever cargo starts the bench.

use std::path::{Path, PathBuf};

/// A scenario, as `--only` names it.
#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum Scenario {
    Empty,
    Cold,
    Noop,
    Run,
    Switch,
    Locked,
    Scan,
    Derive,
    Lock,
    Package,
    Real,
}

impl Scenario {
    pub(crate) const ALL: [Self; 11] = [
        Self::Empty,
        Self::Cold,
        Self::Locked,
        Self::Noop,
        Self::Run,
        Self::Switch,
        Self::Scan,
        Self::Derive,
        Self::Lock,
        Self::Package,
        Self::Real,
    ];

    pub(crate) fn name(self) -> &'static str {
        match self {
            Self::Empty => "empty",
            Self::Cold => "cold",
            Self::Noop => "noop",
            Self::Run => "run",
            Self::Switch => "switch",
            Self::Locked => "locked",
            Self::Scan => "scan",
            Self::Derive => "derive",
            Self::Lock => "lock",
            Self::Package => "package",
            Self::Real => "real",
        }
    }

    pub(crate) fn title(self) -> &'static str {
        match self {
            Self::Empty => "empty env with pip",
            Self::Cold => "cold build of medium.txt",
            Self::Noop => "no-op sync",
            Self::Run => "`run python -c pass` overhead",
            Self::Switch => "switch medium -> medium-b -> medium",
            Self::Locked => "cold sync of medium.txt from pylock.toml",
            Self::Scan => "`envs --scan` of 100,000 dirs against `killpy list`",
            Self::Derive => "derived envs and the store (medium-b <-> medium, a new checkout)",
            Self::Lock => "`penv lock` and `sync --frozen`, flask-like and bakerydemo-like",
            Self::Package => "a package project (an edit of its dependencies, a new worktree)",
            Self::Real => {
                "real projects' requirement sets from the index (bakerydemo, treeherder, lifelines)"
            }
        }
    }
}

/// The command line.
#[derive(clap::Parser)]
#[command(
    name = "compare",
    bin_name = "just bench",
    about = "penv against `python -m venv` + pip and uv: medians, ratios, targets",
    after_help = "Relative paths are relative to the repository root."
)]
pub(crate) struct Args {
    /// Wheels to install from, offline [default: `../shared/wheelhouse`
    /// when it is there, else `target/bench-wheelhouse`, downloaded once
    /// from the index (`pip download` of `medium-pinned.txt`)]
    #[arg(long, value_name = "DIR", value_parser = from_repo)]
    pub(crate) wheelhouse: Option<PathBuf>,
    /// Holds medium.txt, medium-b.txt and medium-pinned.txt
    #[arg(long, value_name = "DIR", default_value = "tests/benches/sets", value_parser = from_repo)]
    pub(crate) bench_dir: PathBuf,
    /// Base interpreter [default: python3 on PATH, resolved]; a bare name
    /// (`python3.12`) is looked up on `PATH`
    #[arg(long, value_name = "PATH", value_parser = python_path)]
    pub(crate) python: Option<PathBuf>,
    /// Runs per tool; the cold build and the switch take ceil(N/2), the
    /// millisecond scenarios 6N after 3 warm-ups
    #[arg(long, value_name = "N", default_value_t = 5, value_parser = positive)]
    pub(crate) runs: usize,
    /// `KillPy`, for the scan scenario [default: `killpy` on PATH; without
    /// it, its column is not measured]
    #[arg(long, value_name = "PATH", value_parser = python_path)]
    pub(crate) killpy: Option<PathBuf>,
    /// penv's installer: pip, uv (`PENV_INSTALLER=uv`), or both, each
    /// scenario that installs run once per installer [default: both when
    /// uv is on PATH]
    #[arg(long, value_name = "INSTALLER", value_enum, default_value = "both")]
    pub(crate) installer: crate::installers::Installers,
    /// The penv binary measured [default: this build's]: another build's,
    /// to compare before and after a change
    #[arg(long, value_name = "PATH", value_parser = from_repo)]
    pub(crate) penv: Option<PathBuf>,
    /// The `real` scenario's requirement sets [default: `../shared/realworld`]
    #[arg(long, value_name = "DIR", value_parser = from_repo)]
    pub(crate) realworld: Option<PathBuf>,
    /// How penv and uv put files into envs, the same for both
    /// (`PENV_LINK_MODE` and `UV_LINK_MODE`) [default: each tool's own:
    /// penv with pip copies (or reflinks); penv with uv, and uv, hard-link
    /// from uv's cache]
    #[arg(long, value_name = "MODE", value_parser = ["copy", "hardlink", "clone"])]
    pub(crate) link_mode: Option<String>,
    /// Only this scenario (repeatable)
    #[arg(long, value_name = "SCENARIO", value_enum)]
    pub(crate) only: Vec<Scenario>,
    /// Passed by `cargo bench` (without it, `cargo test --benches` skips the bench)
    #[arg(long, hide = true)]
    bench: bool,
}

pub(crate) fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

#[allow(clippy::unnecessary_wraps, reason = "clap's value_parser signature")]
fn from_repo(value: &str) -> Result<PathBuf, String> {
    Ok(repo().join(value))
}

#[allow(clippy::unnecessary_wraps, reason = "clap's value_parser signature")]
fn python_path(value: &str) -> Result<PathBuf, String> {
    Ok(if value.contains('/') {
        repo().join(value)
    } else {
        value.into()
    })
}

fn positive(value: &str) -> Result<usize, String> {
    match value.parse() {
        Ok(runs) if runs > 0 => Ok(runs),
        _ => Err(format!("`--runs` takes a positive integer, not `{value}`")),
    }
}
