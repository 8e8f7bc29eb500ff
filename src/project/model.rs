//! The serde types of `penv.toml` (and of `[tool.penv]` in `pyproject.toml`).
//!
//! These types are the contract: `schema/penv.schema.json` is generated from
//! them (a test keeps the committed file in step), and every field is in the
//! README. Unknown keys are errors, so a typo never silently does nothing.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::Installer;

/// A penv project file: what the project's Python environment is.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
#[schemars(title = "penv.toml")]
pub struct Config {
    /// The Python to build the env with: "3.12", "3.12.4", a PEP 440 specifier
    /// such as ">=3.10,<3.13", "pypy3.10", "cpython@3.12", or a path to an
    /// interpreter. When absent: `.python-version`, then `requires-python` of
    /// pyproject.toml, then the newest interpreter found.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub python: Option<String>,

    /// PEP 508 requirement strings installed into the env.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub requirements: Vec<String>,

    /// pip requirement files, relative to the project file. Their contents,
    /// and those of the files they include with `-r`/`-c`, are part of the spec.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub requirement_files: Vec<String>,

    /// The groups installed by a plain `penv sync` (default: none; in a
    /// `pyproject.toml`, `["dev"]` when `[dependency-groups]` has a `dev`
    /// group, as uv does).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_groups: Option<Vec<String>>,

    /// Named groups of extra requirements, chosen with `--group`,
    /// `--all-groups` or `default-groups`: an array of PEP 508 requirements,
    /// or a table with `requirements` and `requirement-files`. In a
    /// `pyproject.toml` they share one namespace with `[dependency-groups]`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub groups: BTreeMap<String, GroupConfig>,

    /// Install the project itself, editable (`-e .`, with the extras chosen
    /// by `--extra`), as uv's `package = true`. Default: true for a
    /// `pyproject.toml` with a `[build-system]` table, else false. In
    /// `penv.toml`, `true` installs the directory holding it (it must be a
    /// Python project pip can build).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub package: Option<bool>,

    /// How the virtual environment is made.
    #[serde(default, skip_serializing_if = "VenvConfig::is_default")]
    pub venv: VenvConfig,

    /// Options for `pip install`.
    #[serde(default, skip_serializing_if = "PipConfig::is_default")]
    pub pip: PipConfig,

    /// Named commands, run in the env by `penv run NAME [ARGS…]`: a command
    /// line (split as a shell would, but run without one), an array of
    /// arguments, or a table with `cmd`, `env`, `cwd`, `help` and
    /// `depends`. Not part of the spec: editing a task rebuilds nothing.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub tasks: BTreeMap<String, TaskConfig>,
}

/// A task: what `penv run NAME` runs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(untagged)]
pub enum TaskConfig {
    /// `test = "pytest -x tests"`: split into words as a POSIX shell
    /// would (quotes, backslashes), then run without a shell.
    Line(String),
    /// `fmt = ["ruff", "format", "."]`: the arguments as they are.
    Args(Vec<String>),
    /// `check = { cmd = "pytest", depends = ["lint"], help = "…" }`.
    Table(TaskTable),
}

/// A task written as a table.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct TaskTable {
    /// The command: a line or an array of arguments. Optional when
    /// `depends` names tasks (a task made of others).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cmd: Option<TaskCommand>,

    /// More environment variables for the command (over the env's
    /// activation).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub env: BTreeMap<String, String>,

    /// The directory to run in, relative to the project file (default:
    /// the project file's directory).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cwd: Option<String>,

    /// One line for `penv run --list`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub help: Option<String>,

    /// Tasks run first, in order, each once (a cycle is an error).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub depends: Vec<String>,
}

/// A task's command: a line or an array of arguments.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(
    untagged,
    expecting = "a command line (a string) or an array of arguments"
)]
pub enum TaskCommand {
    /// Split into words as a POSIX shell would.
    Line(String),
    /// The arguments as they are.
    Args(Vec<String>),
}

/// By hand rather than `untagged`: a table's own errors (an unknown key,
/// with serde's list of the known ones for the "did you mean" hint) are
/// kept, where `untagged` would give only a generic message.
impl<'de> Deserialize<'de> for TaskConfig {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = TaskConfig;

            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a task: a command line (a string), an array of arguments, or a table with `cmd`")
            }

            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<TaskConfig, E> {
                Ok(TaskConfig::Line(v.to_owned()))
            }

            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                seq: A,
            ) -> Result<TaskConfig, A::Error> {
                Vec::deserialize(serde::de::value::SeqAccessDeserializer::new(seq))
                    .map(TaskConfig::Args)
            }

            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                map: A,
            ) -> Result<TaskConfig, A::Error> {
                TaskTable::deserialize(serde::de::value::MapAccessDeserializer::new(map))
                    .map(TaskConfig::Table)
            }
        }
        deserializer.deserialize_any(Visitor)
    }
}

impl TaskConfig {
    /// Its command, when it has one.
    pub(crate) fn command(&self) -> Option<TaskCommand> {
        match self {
            Self::Line(line) => Some(TaskCommand::Line(line.clone())),
            Self::Args(args) => Some(TaskCommand::Args(args.clone())),
            Self::Table(t) => t.cmd.clone(),
        }
    }

    /// Its table, or an empty one for the short forms.
    pub(crate) fn table(&self) -> Option<&TaskTable> {
        match self {
            Self::Table(t) => Some(t),
            Self::Line(_) | Self::Args(_) => None,
        }
    }

    /// The tasks it depends on.
    pub(crate) fn depends(&self) -> &[String] {
        self.table().map_or(&[], |t| &t.depends)
    }
}

impl TaskCommand {
    /// Its words; `None` for a line a shell could not split (an open quote).
    pub(crate) fn words(&self) -> Option<Vec<String>> {
        match self {
            Self::Line(line) => shlex::split(line),
            Self::Args(args) => Some(args.clone()),
        }
    }
}

/// A group: its requirements, as an array or as a table that may also
/// name requirement files.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(
    untagged,
    expecting = "an array of requirements, or a table with `requirements` and `requirement-files`"
)]
pub enum GroupConfig {
    /// PEP 508 requirement strings: `dev = ["pytest>=8", "ruff"]`.
    Requirements(Vec<String>),
    /// `prod = { requirement-files = ["requirements/production.txt"] }`.
    Table(GroupTable),
}

/// A group written as a table.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct GroupTable {
    /// PEP 508 requirement strings.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub requirements: Vec<String>,

    /// pip requirement files, relative to the project file, read (and
    /// hashed, with their `-r`/`-c` includes) only when the group is selected.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub requirement_files: Vec<String>,
}

impl GroupConfig {
    /// Its requirement strings.
    pub fn requirements(&self) -> &[String] {
        match self {
            Self::Requirements(reqs) => reqs,
            Self::Table(t) => &t.requirements,
        }
    }

    /// Its requirement files (none for the array form).
    pub fn requirement_files(&self) -> &[String] {
        match self {
            Self::Requirements(_) => &[],
            Self::Table(t) => &t.requirement_files,
        }
    }
}

/// The `[venv]` table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct VenvConfig {
    /// Where the env lives, relative to the project file (default ".venv").
    /// penv refuses ".", the project root or a parent of it, and any
    /// directory that is not penv's own env.
    #[serde(default = "default_venv_path")]
    pub path: String,

    /// Give the env access to the base interpreter's site-packages (default
    /// false). Packages there can shadow or satisfy the project's
    /// requirements, so the env no longer says all it depends on.
    #[serde(default)]
    pub system_site_packages: bool,

    /// Seed pip into the env (default true). With `false` the env has no pip
    /// and penv cannot install requirements into it.
    #[serde(default = "default_true")]
    pub pip: bool,

    /// The pip seeded into the env: a version ("24.3.1") or PEP 440
    /// specifiers (">=24, <26"). Default: the newest pip the project's index
    /// or `find-links` offers, at least 23.3 (older pips ignore extras they
    /// spell differently, PEP 685); the interpreter's bundled pip, with a
    /// warning, when none can be had. A request nothing satisfies is an
    /// error. Part of the spec.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pip_version: Option<String>,

    /// The prompt shown by the activation scripts (default: the env directory's name).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prompt: Option<String>,

    /// How many replaced envs to keep (in `.penv/stash/` beside the env) so
    /// that switching back to a spec built before restores it instead of
    /// reinstalling (default 3; 0 keeps none). Not part of the spec.
    #[serde(default = "default_keep_stashed")]
    pub keep_stashed: usize,

    /// How a new env is cloned from the nearest one (the env it replaces, a
    /// stash entry, the store's env for the same spec) before pip brings it
    /// to the spec: "auto" (default: reflink where the file system can,
    /// else copies; never a hard link; with `installer = "uv"`, uv's own
    /// default: hard links from uv's cache, and penv's clones of the env
    /// too), "clone" (reflinks only), "hardlink" (files shared with the env
    /// cloned from; a copy where the file system refuses a link), or "copy".
    /// `PENV_LINK_MODE` overrides it. Not part of the spec.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link_mode: Option<LinkMode>,

    /// What installs the requirements: "pip" (default: the env's own
    /// `python -m pip`) or "uv" (`uv pip install --python <env>/bin/python`,
    /// uv from `PATH`, else fetched once from the index into penv's cache).
    /// `PENV_INSTALLER` overrides it. Part of the spec.
    #[serde(default, skip_serializing_if = "Installer::is_pip")]
    pub installer: Installer,
}

/// How files are cloned from one env into another (as uv's `--link-mode`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum LinkMode {
    /// Reflink where the file system can, else copies: never a file
    /// shared with another env, so an edit in one never shows in another.
    Auto,
    /// Reflinks (copy-on-write clones: Btrfs, XFS); an error where the
    /// file system has none.
    Clone,
    /// Hard links: files shared with the env cloned from (and with every
    /// other clone of it), so an edit made in place in one shows in all.
    Hardlink,
    /// Plain copies.
    Copy,
}

impl LinkMode {
    /// The mode named `text` (`auto`, `clone`, `hardlink`, `copy`).
    pub(crate) fn parse(text: &str) -> Result<Self, String> {
        match text {
            "auto" => Ok(Self::Auto),
            "clone" => Ok(Self::Clone),
            "hardlink" => Ok(Self::Hardlink),
            "copy" => Ok(Self::Copy),
            other => Err(format!(
                "`{other}` is not a link mode: use `auto`, `clone`, `hardlink` or `copy`"
            )),
        }
    }

    /// The mode penv and `installer` use for `self`: `auto` with uv is
    /// uv's own default, hard links from uv's cache (reflinks on macOS,
    /// where penv's `auto` already makes them), and penv's clones of that
    /// env (the store's entry, a new checkout, a derive) follow it: its
    /// files are one with uv's cache already, so a link adds no new way
    /// for an edit in place to spread, and copies would cost what uv saves.
    pub(crate) fn with_installer(self, installer: Installer) -> Self {
        if self == Self::Auto && installer == Installer::Uv && !cfg!(target_os = "macos") {
            Self::Hardlink
        } else {
            self
        }
    }

    /// Its name, as `parse` takes it.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Self::Auto => "auto",
            Self::Clone => "clone",
            Self::Hardlink => "hardlink",
            Self::Copy => "copy",
        }
    }
}

/// The `[pip]` table.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct PipConfig {
    /// The package index (pip's `--index-url`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub index_url: Option<String>,

    /// More package indexes (pip's `--extra-index-url`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub extra_index_urls: Vec<String>,

    /// Directories (relative to the project file) or URLs to look for
    /// archives in (pip's `--find-links`). The names and sizes of the files in
    /// a local directory are part of the spec.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub find_links: Vec<String>,

    /// Ignore package indexes; only `find-links` (pip's `--no-index`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub no_index: bool,

    /// Byte-compile the installed packages (`.pyc`) at install time. Off by
    /// default, as in uv: pip's compile step is most of a cold install's
    /// time, and Python compiles what is imported on first use instead.
    /// Turn it on for envs that will be read-only when used.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub compile_bytecode: bool,

    /// Further arguments passed to `pip install` as they are.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub args: Vec<String>,
}

fn default_venv_path() -> String {
    ".venv".to_owned()
}

/// The default of `[venv] keep-stashed`: how many replaced envs are kept
/// per project. The project file's default, so it lives with the file's types.
pub(crate) const DEFAULT_KEEP_STASHED: usize = 3;

fn default_keep_stashed() -> usize {
    DEFAULT_KEEP_STASHED
}

fn default_true() -> bool {
    true
}

impl Default for VenvConfig {
    fn default() -> Self {
        Self {
            path: default_venv_path(),
            system_site_packages: false,
            pip: true,
            pip_version: None,
            prompt: None,
            keep_stashed: default_keep_stashed(),
            link_mode: None,
            installer: Installer::Pip,
        }
    }
}

impl VenvConfig {
    fn is_default(&self) -> bool {
        *self == Self::default()
    }
}

impl PipConfig {
    fn is_default(&self) -> bool {
        *self == Self::default()
    }
}

/// The JSON Schema of the project file, as committed in `schema/penv.schema.json`.
pub fn json_schema() -> String {
    let schema = schemars::schema_for!(Config);
    let mut text = serde_json::to_string_pretty(&schema).expect("a schema serializes");
    text.push('\n');
    text
}
