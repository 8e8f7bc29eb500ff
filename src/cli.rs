//! The command line. Doc comments here are the `--help` text.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::printer::ColorChoice;

mod envs;
mod hidden;
mod inspect;

pub(crate) use envs::{EnvsArgs, EnvsCommand, PruneArgs};
pub(crate) use hidden::{EmptyTrashArgs, GenerateManArgs, StoreKeepArgs};
pub(crate) use inspect::{ExportArgs, ExportFormat, OutdatedArgs, TreeArgs};

/// Declarative per-project Python environments: penv.toml → base interpreter → .venv → pip.
#[derive(Debug, Parser)]
#[command(
    name = "penv",
    version,
    about,
    propagate_version = true,
    max_term_width = 100
)]
pub struct Cli {
    /// Run as if started in DIR (the project is found by walking up from there)
    #[arg(
        short = 'C',
        long = "project",
        visible_alias = "directory",
        global = true,
        value_name = "DIR"
    )]
    pub(crate) project: Option<PathBuf>,

    /// Print only errors and warnings
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub(crate) quiet: bool,

    /// Print more about what penv does
    #[arg(short, long, global = true)]
    pub(crate) verbose: bool,

    /// When to use colour (`NO_COLOR` is respected)
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto)]
    pub(crate) color: ColorChoice,

    /// The command
    #[command(subcommand)]
    pub(crate) command: Command,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Make the env match penv.toml: a no-op when it does, else (re)build it and say why
    Sync(SyncArgs),
    /// Run a task of the project, or a command or script, in the env (syncing first)
    Run(RunArgs),
    /// Start your shell (`$SHELL`) with the env activated, syncing first; `exit` leaves it
    ///
    /// The shell gets `VIRTUAL_ENV`, the env's `bin/` first on `PATH` (as
    /// `penv run` sets them), `PENV_SHELL` and a prompt starting with
    /// `(NAME)` (`[venv] prompt`, else the project directory's name). bash,
    /// zsh, fish and sh are known. The env is held in use while the shell
    /// runs (`penv envs prune` skips it). Inside it, `penv shell` refuses
    /// to nest.
    Shell(ShellArgs),
    /// Print shell code that activates the env, syncing first: `eval "$(penv activate)"`
    ///
    /// For a shell or direnv (`.envrc`: `eval "$(penv activate)"`): sets
    /// `VIRTUAL_ENV`, `VIRTUAL_ENV_PROMPT` and `PATH` as `penv run` does and
    /// unsets `PYTHONHOME`. The shell's syntax is `--shell`, else that of
    /// `$SHELL`, else sh's.
    Activate(ActivateArgs),
    /// Print the absolute path of `python`, `pip` or another executable in the env
    Which(WhichArgs),
    /// Show the env's interpreter, path, spec hash and state (fresh, stale, missing, broken)
    Status(StatusArgs),
    /// Show the env's dependency tree, from its installed metadata (no Python started)
    ///
    /// Roots: what the project asked for (pip's `REQUESTED`), then what
    /// nothing requires. A line is `name vVERSION (specifiers required)`:
    /// `(*)` shown above, `(cycle)`, `(missing)` (required, not installed),
    /// `(…)` cut by `--depth`. Markers hold for the env's Python and extras.
    Tree(TreeArgs),
    /// List the env's distributions with a newer version on the project's index
    ///
    /// The env's pip asks the project's index, extra indexes and
    /// find-links: `latest` is the newest there (`pip list --outdated`),
    /// `allowed` the newest penv.toml's requirements allow (a dry-run
    /// resolution, never the lock's pins). Nothing is installed.
    Outdated(OutdatedArgs),
    /// Write the env's or the lock's pins as a requirements file (with hashes) or `pylock.toml`
    ///
    /// From `pylock.toml` when there is one (its selection for this Python,
    /// groups and extras: `name @ url --hash=…`), else from the env as built
    /// (`name==version --hash=sha256:…`): `pip install --require-hashes -r`
    /// installs the same set. What has no known hash is left out, named.
    Export(ExportArgs),
    /// Print the spec hash (a CI cache key)
    Hash(HashArgs),
    /// Resolve the project with pip and write `pylock.toml` (PEP 751) beside penv.toml
    Lock(LockArgs),
    /// Write a penv.toml from what the directory holds (.python-version, requirements*.txt, pyproject.toml)
    Init,
    /// Add requirements to the project file, keeping its comments and layout, then sync
    Add(EditArgs),
    /// Remove requirements from the project file, keeping its comments and layout, then sync
    Remove(EditArgs),
    /// List and find base interpreters
    #[command(subcommand)]
    Python(PythonCommand),
    /// Check the project and this shell for the classic venv mistakes (exit 1 if any)
    Doctor(DoctorArgs),
    /// List the envs on disk (penv's, and venvs under `--scan` dirs): kind, Python, size, use, state
    Envs(EnvsArgs),
    /// Show where penv keeps its cache and data; clean the cache
    #[command(subcommand)]
    Cache(CacheCommand),
    /// Install git hooks that sync the env after a checkout, merge or rebase
    #[command(subcommand)]
    Hook(HookCommand),
    /// Print shell completions for penv on stdout
    Completions(CompletionsArgs),
    /// Write penv's man pages (`penv.1`, `penv-sync.1`, …) into DIR
    #[command(hide = true)]
    GenerateMan(GenerateManArgs),
    /// Delete the envs penv moved into a `.penv/trash` (started by penv itself, detached)
    #[command(hide = true)]
    EmptyTrash(EmptyTrashArgs),
    /// Clone a project's env into the store (started by penv itself, detached)
    #[command(hide = true)]
    StoreKeep(StoreKeepArgs),
}

/// Options shared by commands that compute the spec.
#[derive(Debug, Args, Clone, Default)]
pub struct SpecArgs {
    /// The Python to use instead of the project's (same forms as `python` in penv.toml)
    #[arg(long, value_name = "REQUEST")]
    pub(crate) python: Option<String>,

    /// Also install this group from `[groups]` or `[dependency-groups]` (repeatable)
    #[arg(long = "group", value_name = "GROUP")]
    pub(crate) groups: Vec<String>,

    /// Do not install the groups of `default-groups`
    #[arg(long)]
    pub(crate) no_default_groups: bool,

    /// Install every group of the project
    #[arg(long, conflicts_with_all = ["groups", "no_default_groups"])]
    pub(crate) all_groups: bool,

    /// Also install this extra of `[project.optional-dependencies]` (repeatable)
    #[arg(long = "extra", value_name = "EXTRA")]
    pub(crate) extras: Vec<String>,

    /// Install every extra of `[project.optional-dependencies]`
    #[arg(long, conflicts_with = "extras")]
    pub(crate) all_extras: bool,

    /// The project's default groups and no extras, instead of those the env was last synced with
    #[arg(long, conflicts_with_all = ["groups", "no_default_groups", "all_groups", "extras", "all_extras"])]
    pub(crate) default_groups: bool,
}

/// `penv sync`.
#[derive(Debug, Args)]
pub(crate) struct SyncArgs {
    #[command(flatten)]
    pub(crate) spec: SpecArgs,

    /// Change nothing: exit 1 and say why if the env is not up to date
    #[arg(long)]
    pub(crate) check: bool,

    /// Install `pylock.toml`, failing (exit 2) when it is missing or out of date against penv.toml
    #[arg(long, conflicts_with = "frozen")]
    pub(crate) locked: bool,

    /// Install `pylock.toml` as it is, without looking at penv.toml's requirements
    #[arg(long)]
    pub(crate) frozen: bool,

    /// Replace a virtual environment that penv did not create (never other data)
    #[arg(long)]
    pub(crate) force: bool,

    /// Build the env of a script's `# /// script` block (PEP 723), in penv's store
    #[arg(long, value_name = "FILE", conflicts_with_all = ["locked", "frozen", "force", "groups", "no_default_groups"])]
    pub(crate) script: Option<PathBuf>,

    /// Rebuild the env even when it is up to date (not restored from the stash)
    ///
    /// For what penv does not check: a file edited or deleted inside an
    /// installed package. Changes to the set of installed packages, and to
    /// the env's interpreter, are noticed without it.
    #[arg(long, conflicts_with = "check")]
    pub(crate) reinstall: bool,
}

/// `penv lock`.
#[derive(Debug, Args)]
pub(crate) struct LockArgs {
    /// The Python to resolve for instead of the project's (same forms as `python` in penv.toml)
    #[arg(long, value_name = "REQUEST")]
    pub(crate) python: Option<String>,

    /// Change nothing: exit 1 and say why if `pylock.toml` is missing or out of date
    #[arg(long, conflicts_with_all = ["upgrade", "upgrade_package"])]
    pub(crate) check: bool,

    /// Re-resolve everything, keeping none of the current lock's pins
    #[arg(long)]
    pub(crate) upgrade: bool,

    /// Re-resolve this package, keeping the other pins (repeatable)
    #[arg(long, value_name = "NAME", value_parser = parse_package_name)]
    pub(crate) upgrade_package: Vec<String>,
}

/// `penv add` / `penv remove`.
#[derive(Debug, Args)]
pub(crate) struct EditArgs {
    /// PEP 508 requirements for `add` (`requests`, `rich>=13`); names for `remove`
    #[arg(required = true, value_name = "PACKAGE", num_args = 1..)]
    pub(crate) packages: Vec<String>,

    /// Edit this group instead of the main requirements (created by `add` if needed)
    #[arg(long, value_name = "GROUP")]
    pub(crate) group: Option<String>,

    /// Only edit the file; do not sync (nor lock)
    #[arg(long)]
    pub(crate) no_sync: bool,
}

/// `penv run`.
#[derive(Debug, Args)]
pub(crate) struct RunArgs {
    #[command(flatten)]
    pub(crate) spec: SpecArgs,

    /// Do not sync first; still refuses an env that is missing, half-built or whose Python is gone
    #[arg(long)]
    pub(crate) no_sync: bool,

    /// List the project's tasks (`[tasks]`) and what each does
    #[arg(long, conflicts_with_all = ["command", "executable"])]
    pub(crate) list: bool,

    /// The task or command and its arguments: a task of the project (`[tasks]`) when one has
    /// that name (the arguments are added to its command), else a `.py` file (run with the
    /// env's python, or in the env of its `# /// script` block, PEP 723), else an executable
    #[arg(
        required_unless_present_any = ["list", "executable"],
        value_name = "COMMAND",
        allow_hyphen_values = true,
        num_args = 1..
    )]
    pub(crate) command: Vec<std::ffi::OsString>,

    /// After `--`: always an executable or script and its arguments, never a task
    #[arg(last = true, value_name = "EXECUTABLE", num_args = 1..)]
    pub(crate) executable: Vec<std::ffi::OsString>,
}

impl RunArgs {
    /// The command line to run: the words before `--`, or those after it.
    pub(crate) fn argv(&self) -> &[std::ffi::OsString] {
        if self.command.is_empty() {
            &self.executable
        } else {
            &self.command
        }
    }

    /// The task the first word names, unless `--` said it is an executable.
    pub(crate) fn task_name(&self) -> Option<&str> {
        self.command.first().and_then(|w| w.to_str())
    }
}

/// `penv shell`.
#[derive(Debug, Args)]
pub(crate) struct ShellArgs {
    #[command(flatten)]
    pub(crate) spec: SpecArgs,
}

/// `penv activate`.
#[derive(Debug, Args)]
pub(crate) struct ActivateArgs {
    #[command(flatten)]
    pub(crate) spec: SpecArgs,

    /// The shell whose syntax to print (default: that of `$SHELL`, else sh)
    #[arg(long, value_enum, value_name = "SHELL")]
    pub(crate) shell: Option<ShellName>,
}

/// A shell `penv activate` writes for.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub(crate) enum ShellName {
    /// bash
    Bash,
    /// zsh
    Zsh,
    /// fish
    Fish,
    /// POSIX sh (also dash, ksh)
    Sh,
}

/// `penv which`.
#[derive(Debug, Args)]
pub(crate) struct WhichArgs {
    /// `python`, `pip`, or the name of any executable in the env
    #[arg(default_value = "python")]
    pub(crate) name: String,

    /// The env of a script's `# /// script` block (PEP 723), in penv's store
    #[arg(long, value_name = "FILE")]
    pub(crate) script: Option<PathBuf>,
}

/// `penv status`.
#[derive(Debug, Args)]
pub(crate) struct StatusArgs {
    #[command(flatten)]
    pub(crate) spec: SpecArgs,

    /// The env of a script's `# /// script` block (PEP 723), in penv's store
    #[arg(long, value_name = "FILE", conflicts_with_all = ["groups", "no_default_groups"])]
    pub(crate) script: Option<PathBuf>,

    /// Print JSON on stdout
    #[arg(long)]
    pub(crate) json: bool,
}

/// `penv hash`.
#[derive(Debug, Args)]
pub(crate) struct HashArgs {
    #[command(flatten)]
    pub(crate) spec: SpecArgs,
}

/// `penv doctor`.
#[derive(Debug, Args)]
pub(crate) struct DoctorArgs {
    #[command(flatten)]
    pub(crate) spec: SpecArgs,

    /// Print JSON on stdout
    #[arg(long)]
    pub(crate) json: bool,
}

/// `penv python …`.
#[derive(Debug, Subcommand)]
pub(crate) enum PythonCommand {
    /// List the interpreters penv finds, where each came from, and which one the project picks
    List {
        /// Print JSON on stdout
        #[arg(long)]
        json: bool,
    },
    /// Show which interpreter a request picks, and why each other one was passed over
    Find {
        /// A request: `3.12`, `>=3.10,<3.13`, `pypy3.10`, `cpython@3.12`, or a path
        request: String,
    },
    /// Write `.python-version` beside the project file (pyenv's convention), once a Python
    /// on this machine satisfies it and `requires-python`
    ///
    /// The version is written as given, for pyenv and other tools to read
    /// too. penv uses it when neither `--python`, `PENV_PYTHON` nor
    /// `python` in the project file says otherwise (it warns when one
    /// does). It then says whether the next `penv sync` rebuilds the env.
    Pin {
        /// A version (`3.12`, `3.12.4`) or an implementation and version (`pypy3.10`,
        /// `cpython@3.12`); not a range (write that as `python` in penv.toml)
        #[arg(value_name = "VERSION")]
        pin: String,
    },
}

fn parse_package_name(text: &str) -> Result<String, String> {
    crate::requirement::check_name(text)
}

/// `penv cache …`.
#[derive(Debug, Subcommand)]
pub(crate) enum CacheCommand {
    /// Print where penv keeps what (cache and data directories)
    Dir,
    /// Delete the interpreter probe cache and the pip seeds (never an env)
    Clean,
}

/// `penv hook …`.
#[derive(Debug, Subcommand)]
pub(crate) enum HookCommand {
    /// Add `penv sync --quiet` to git's `post-checkout` (branch checkouts), `post-merge` and
    /// `post-rewrite` hooks, chained with the hooks already there
    ///
    /// The hooks go where git runs them from (`git rev-parse --git-path hooks`:
    /// `core.hooksPath` when set, shared by every worktree). An existing shell
    /// hook keeps its contents: penv's block, between marker comments, is put
    /// after its `#!` line. A failing sync prints one warning and never
    /// fails the git command. Running it again changes nothing.
    Install,
    /// Remove penv's block from the hooks (and a hook file penv created, once empty)
    Uninstall,
}

/// `penv completions`.
#[derive(Debug, Args)]
pub(crate) struct CompletionsArgs {
    /// The shell
    ///
    /// e.g. `penv completions bash > ~/.local/share/bash-completion/completions/penv`,
    /// `penv completions zsh > ~/.zfunc/_penv`,
    /// `penv completions fish > ~/.config/fish/completions/penv.fish`
    #[arg(value_enum)]
    pub(crate) shell: clap_complete::Shell,
}
