//! `penv hook install` / `uninstall`: git hooks (`post-checkout` for
//! branch checkouts, `post-merge`, `post-rewrite`) that run `penv sync
//! --quiet` for one project, so the env follows the branch.
//!
//! Invariant: git says where the hooks are (`git rev-parse --git-path
//! hooks`, which honours `core.hooksPath` and points every worktree at the
//! shared directory); penv only ever adds or removes its own marked block
//! ([`script`]), never edits a hook that is not a shell script nor one
//! reached through a symlink, checks all three hooks before writing any,
//! writes each atomically with its mode kept, and deletes a hook file only
//! when penv created it and nothing but penv's block was left in it.

mod script;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

pub(crate) use script::HOOKS;
use script::Script;

use crate::diagnostics::{display_path, escape_path};
use crate::fs::{self, FsError};

/// How long a `git rev-parse` may take.
const GIT_TIMEOUT: Duration = Duration::from_secs(30);

/// Why the hooks could not be installed or removed.
#[derive(Debug, thiserror::Error)]
pub enum HookError {
    /// `git` could not be started.
    #[error("could not run `git` to find the hooks of `{}`", display_path(dir))]
    NoGit {
        /// The project directory.
        dir: PathBuf,
        /// Why it did not start.
        #[source]
        source: std::io::Error,
    },
    /// The project is not in a git work tree.
    #[error("`{}` is not inside a git work tree", display_path(dir))]
    NotARepo {
        /// The project directory.
        dir: PathBuf,
        /// What git said.
        stderr: String,
    },
    /// A hook penv would have to edit is not a shell script.
    #[error(
        "`{}` is not a shell script ({what}), so penv does not edit it",
        display_path(path)
    )]
    NotShell {
        /// The hook file.
        path: PathBuf,
        /// Its `#!` line, or what it is instead.
        what: String,
    },
    /// A hook is a symlink.
    #[error("`{}` is a symlink, so penv does not edit it", display_path(path))]
    Symlink {
        /// The hook file.
        path: PathBuf,
    },
    /// A FIFO, a device, a socket or a directory where a hook would be.
    #[error("`{}` is {what}, not a hook script penv can edit", display_path(path))]
    NotAFile {
        /// The hook's path.
        path: PathBuf,
        /// What it is: "a FIFO (named pipe)", …
        what: &'static str,
    },
    /// A path penv cannot write into a hook's marker line.
    #[error("the project's path in the repository, `{rel}`, holds a line break or is not UTF-8")]
    UnwritablePath {
        /// The path, as far as it can be shown.
        rel: String,
    },
    /// A file-system operation.
    #[error(transparent)]
    Fs(#[from] FsError),
}

impl HookError {
    /// What to do about it.
    pub(crate) fn hint(&self) -> Option<String> {
        Some(match self {
            Self::NoGit { .. } => "install git, or put it on PATH".to_owned(),
            Self::NotARepo { .. } => {
                "run `git init` first, or `penv -C DIR hook install` for a project inside a repository"
                    .to_owned()
            }
            Self::NotShell { .. } => "call `penv sync --quiet` from that hook yourself (and ignore its failure), or make it a shell script that runs what it runs now; nothing was changed".to_owned(),
            Self::Symlink { .. } => "edit the file the link points to yourself (add `penv sync --quiet || true`), or replace the link with a copy; nothing was changed".to_owned(),
            Self::UnwritablePath { .. } => "move the project to a plain path".to_owned(),
            Self::NotAFile { .. } => "remove it, or replace it with a shell script, then run `penv hook install` again; nothing was changed (penv never reads a hook from a FIFO, which would wait for a writer forever)".to_owned(),
            Self::Fs(_) => return None,
        })
    }

    /// What git printed, when it refused.
    pub(crate) fn detail(&self) -> Option<String> {
        match self {
            Self::NotARepo { stderr, .. } if !stderr.trim().is_empty() => {
                Some(format!("git said:\n```\n{}\n```", stderr.trim_end()))
            }
            _ => None,
        }
    }
}

/// Where a project's hooks go.
#[derive(Debug)]
pub(crate) struct Target {
    /// The hooks directory git runs hooks from.
    pub(crate) hooks_dir: PathBuf,
    /// The project directory relative to the work tree's root (`.` at the root).
    pub(crate) rel: String,
}

impl Target {
    /// Asks git where the hooks of the repository holding `project_root` are.
    pub(crate) fn find(project_root: &Path) -> Result<Self, HookError> {
        let root = git(project_root, &["rev-parse", "--show-toplevel"])?;
        let hooks = git(project_root, &["rev-parse", "--git-path", "hooks"])?;
        // `--git-path` answers relative to the directory git ran in.
        let hooks_dir = fs::normalize_lexically(&project_root.join(hooks));
        let real = |p: &Path| p.canonicalize().unwrap_or_else(|_| p.to_owned());
        let rel = match real(project_root).strip_prefix(real(&root)) {
            Ok(rel) if rel.as_os_str().is_empty() => ".".to_owned(),
            Ok(rel) => rel
                .to_str()
                .filter(|s| !s.contains(['\n', '\r']))
                .ok_or_else(|| HookError::UnwritablePath {
                    rel: escape_path(rel),
                })?
                .to_owned(),
            Err(_) => {
                return Err(HookError::NotARepo {
                    dir: project_root.to_owned(),
                    stderr: format!(
                        "the work tree's root is `{}`, and the project is not below it",
                        escape_path(&root)
                    ),
                });
            }
        };
        Ok(Self { hooks_dir, rel })
    }
}

/// Runs `git -C dir ARGS` and returns the path it prints: its stdout as
/// bytes, without the one line break that ends it (a path may hold
/// others, and bytes that are not UTF-8).
fn git(dir: &Path, args: &[&str]) -> Result<PathBuf, HookError> {
    let mut cmd = Command::new("git");
    cmd.arg("-C").arg(dir).args(args);
    let out = crate::process::output_within(&mut cmd, GIT_TIMEOUT).map_err(|source| {
        HookError::NoGit {
            dir: dir.to_owned(),
            source,
        }
    })?;
    if !out.status.success() {
        return Err(HookError::NotARepo {
            dir: dir.to_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        });
    }
    let mut bytes = out.stdout;
    if bytes.last() == Some(&b'\n') {
        bytes.pop();
    }
    Ok(path_from_bytes(bytes))
}

#[cfg(unix)]
fn path_from_bytes(bytes: Vec<u8>) -> PathBuf {
    use std::os::unix::ffi::OsStringExt as _;
    PathBuf::from(std::ffi::OsString::from_vec(bytes))
}

#[cfg(not(unix))]
fn path_from_bytes(bytes: Vec<u8>) -> PathBuf {
    // git for Windows prints UTF-8 (and a CR before the line break).
    let text = String::from_utf8_lossy(&bytes);
    PathBuf::from(text.trim_end_matches('\r'))
}

/// What happened to one hook file.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// penv created the file.
    Created,
    /// penv's block was added to a script that was there.
    Chained,
    /// penv's block was already there, as it would be written now.
    Unchanged,
    /// penv's block was there and was rewritten (another penv binary).
    Updated,
    /// penv's block was removed; the script is as it was before.
    Removed,
    /// penv's block was removed and, the file being penv's alone, the file too.
    Deleted,
    /// There was no penv block for the project.
    Absent,
}

/// One hook file and what happened to it; `executable` is false when git
/// will not run it (a user's disabled hook stays disabled).
#[derive(Debug)]
pub(crate) struct Done {
    pub(crate) path: PathBuf,
    pub(crate) outcome: Outcome,
    pub(crate) executable: bool,
}

/// A hook file as it is: its text (when there is one) and mode.
struct Existing {
    text: String,
    mode: u32,
}

/// Reads the hook at `path` and checks penv may edit it.
fn existing(path: &Path) -> Result<Option<Existing>, HookError> {
    let Some(meta) = fs::lstat(path)? else {
        return Ok(None);
    };
    if meta.file_type().is_symlink() {
        return Err(HookError::Symlink {
            path: path.to_owned(),
        });
    }
    if !meta.is_file() {
        return Err(HookError::NotAFile {
            path: path.to_owned(),
            what: fs::file_type_name(meta.file_type()),
        });
    }
    // Read without waiting, whatever was put there since the check.
    let bytes = fs::read(path)?;
    let what = match Script::classify(&bytes) {
        Script::Shell => None,
        Script::Other(line) => Some(format!("it starts `{line}`")),
        Script::NoShebang => Some("it has no `#!/bin/sh` line".to_owned()),
    };
    let text = match (what, String::from_utf8(bytes)) {
        (None, Ok(text)) => text,
        (what, _) => {
            return Err(HookError::NotShell {
                path: path.to_owned(),
                what: what.unwrap_or_else(|| "it is not UTF-8 text".to_owned()),
            });
        }
    };
    Ok(Some(Existing {
        text,
        mode: mode(&meta),
    }))
}

#[cfg(unix)]
fn mode(meta: &std::fs::Metadata) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    meta.permissions().mode() & 0o7777
}

#[cfg(not(unix))]
fn mode(_: &std::fs::Metadata) -> u32 {
    0o755
}

/// Adds penv's block for `target.rel`, running the penv at `penv`, to
/// each of [`HOOKS`] (creating the hooks directory and files as needed).
pub(crate) fn install(target: &Target, penv: &str) -> Result<Vec<Done>, HookError> {
    let mut plans = Vec::new();
    for hook in HOOKS {
        let path = target.hooks_dir.join(hook);
        plans.push((hook, existing(&path)?, path));
    }
    fs::create_dir_all(&target.hooks_dir)?;
    let mut done = Vec::new();
    for (hook, existing, path) in plans {
        let block = script::block(hook, &target.rel, penv);
        let (text, mode, outcome) = match existing {
            None => (script::new_file(&block), 0o755, Outcome::Created),
            Some(Existing { text, mode }) => {
                let new = script::insert(&text, &target.rel, &block);
                let outcome = if new == text {
                    Outcome::Unchanged
                } else if script::remove(&text, &target.rel).is_some() {
                    Outcome::Updated
                } else {
                    Outcome::Chained
                };
                (new, mode, outcome)
            }
        };
        if outcome != Outcome::Unchanged {
            fs::write_atomic_with_mode(&path, text.as_bytes(), mode)?;
        }
        done.push(Done {
            path,
            outcome,
            executable: mode & 0o111 != 0,
        });
    }
    Ok(done)
}

/// Removes penv's block for `target.rel` from each of [`HOOKS`]; a file
/// penv created is deleted once nothing else is in it.
pub(crate) fn uninstall(target: &Target) -> Result<Vec<Done>, HookError> {
    let mut plans = Vec::new();
    for hook in HOOKS {
        let path = target.hooks_dir.join(hook);
        // A hook penv cannot have edited holds no block of penv's.
        let found = match existing(&path) {
            Err(HookError::NotShell { .. } | HookError::Symlink { .. }) => None,
            other => other?,
        };
        plans.push((found, path));
    }
    let mut done = Vec::new();
    for (found, path) in plans {
        let Some(Existing { text, mode }) = found else {
            continue;
        };
        let executable = mode & 0o111 != 0;
        let outcome = match script::remove(&text, &target.rel) {
            None => Outcome::Absent,
            Some((_, true)) => {
                fs::delete_file(&path)?;
                Outcome::Deleted
            }
            Some((left, false)) => {
                fs::write_atomic_with_mode(&path, left.as_bytes(), mode)?;
                Outcome::Removed
            }
        };
        done.push(Done {
            path,
            outcome,
            executable,
        });
    }
    Ok(done)
}
