//! `penv shell`: the user's shell (`$SHELL`), started with the env
//! activated ([`super::activate`]) and its prompt marked, once the env is
//! synced; the caller holds the env in use through `exec`, as `run` does.
//!
//! Invariant: a shell is never started inside another `penv shell` (the
//! `PENV_SHELL` marker it sets) nor where this env is already active
//! (`VIRTUAL_ENV`): an env activated twice hides which shell you are in.
//!
//! The prompt is marked after the user's own start-up files run, since
//! those usually set it: bash reads penv's rc file (`--rcfile`), which
//! reads `~/.bashrc` first; zsh reads penv's `.zshrc` (`ZDOTDIR`), which
//! reads the user's `.zshenv`/`.zshrc` first; fish runs penv's commands
//! after `config.fish` (`--init-command`); a POSIX `sh` takes `PS1` from
//! the environment. The rc files are constant (the values come in
//! variables), written to penv's cache dir; without one the prompt is left
//! as it is.

use std::path::{Path, PathBuf};
use std::process::Command;

use super::activate::{Activation, Shell};
use crate::diagnostics::display_path;
use crate::env_vars::EnvVars;
use crate::fs;

/// Why `penv shell` does not start a shell.
#[derive(Debug, thiserror::Error)]
pub enum ShellError {
    /// Inside a `penv shell` already.
    #[error("already inside a `penv shell` for `{}`", display_path(env))]
    Nested {
        /// The env that shell activated (`PENV_SHELL`).
        env: PathBuf,
    },
    /// The env is active in this shell already.
    #[error("`{}` is already active here (`VIRTUAL_ENV`)", display_path(env))]
    AlreadyActive {
        /// The env.
        env: PathBuf,
    },
    /// `$SHELL` is a shell penv cannot activate an env in.
    #[error(
        "`penv shell` does not know the shell `{}` (`SHELL`)",
        display_path(program)
    )]
    Unsupported {
        /// `$SHELL`.
        program: PathBuf,
    },
    /// `penv activate` cannot write the env's path in the shell's syntax.
    #[error("the env's path `{}` cannot be written for {shell}", display_path(env))]
    CannotQuote {
        /// The env.
        env: PathBuf,
        /// The shell asked for.
        shell: &'static str,
    },
}

impl ShellError {
    /// What to do.
    pub(crate) fn hint(&self) -> String {
        match self {
            Self::Nested { .. } | Self::AlreadyActive { .. } => {
                "`exit` to leave it first; inside it, `python` and the env's tools are already the env's".to_owned()
            }
            Self::Unsupported { .. } => {
                "penv starts bash, zsh, fish and sh: e.g. `SHELL=/bin/bash penv shell`, or use `penv run` or `eval \"$(penv activate --shell sh)\"`".to_owned()
            }
            Self::CannotQuote { .. } => {
                "use `penv run` or the env's `bin/activate` instead".to_owned()
            }
        }
    }
}

/// Refuses to start a shell inside a `penv shell`, or where `env` is
/// already active.
pub(crate) fn check_not_nested(vars: &EnvVars, env: &Path) -> Result<(), ShellError> {
    if let Some(marker) = &vars.penv_shell {
        return Err(ShellError::Nested {
            env: marker.clone(),
        });
    }
    if let Some(active) = &vars.virtual_env {
        let same = |p: &Path| std::fs::canonicalize(p).unwrap_or_else(|_| p.to_owned());
        if same(active) == same(env) {
            return Err(ShellError::AlreadyActive {
                env: env.to_owned(),
            });
        }
    }
    Ok(())
}

/// The user's shell and which one it is: `$SHELL`, else `/bin/sh`.
pub(crate) fn users_shell(vars: &EnvVars) -> Result<(PathBuf, Shell), ShellError> {
    let program = vars
        .shell
        .clone()
        .unwrap_or_else(|| PathBuf::from("/bin/sh"));
    match Shell::of_program(&program) {
        Some(shell) => Ok((program, shell)),
        None => Err(ShellError::Unsupported { program }),
    }
}

/// The command that starts `program` (a `shell`) with `activation`;
/// penv's rc files for it are written into `cache_dir` first.
pub(crate) fn command(
    program: &Path,
    shell: Shell,
    activation: &Activation,
    vars: &EnvVars,
    cache_dir: Option<&Path>,
) -> Command {
    let mut cmd = Command::new(program);
    activation.apply(&mut cmd);
    cmd.env("VIRTUAL_ENV_PROMPT", &activation.prompt)
        .env("PENV_SHELL", &activation.env);
    let rc_dir = cache_dir.map(|d| d.join("shell"));
    match shell {
        Shell::Bash => {
            if let Some(rc) = rc_dir.and_then(|d| written(&d.join("bashrc"), BASHRC)) {
                cmd.arg("--rcfile").arg(rc);
            }
        }
        Shell::Zsh => {
            let dir = rc_dir.map(|d| d.join("zsh"));
            let ready = dir.as_ref().is_some_and(|d| {
                written(&d.join(".zshenv"), ZSHENV).is_some()
                    && written(&d.join(".zshrc"), ZSHRC).is_some()
            });
            if let (true, Some(dir)) = (ready, dir) {
                // Where the user's own files are: their `ZDOTDIR`, else `~`.
                let user = vars
                    .zdotdir
                    .clone()
                    .or_else(|| vars.home.clone().map(PathBuf::into_os_string));
                if let Some(user) = user {
                    cmd.env("PENV_USER_ZDOTDIR", user).env("ZDOTDIR", dir);
                }
            }
        }
        Shell::Fish => {
            cmd.arg("--init-command").arg(FISH_INIT);
        }
        Shell::Sh => {
            cmd.env("PS1", format!("({}) $ ", activation.prompt));
        }
    }
    cmd
}

/// Writes `text` to `path` unless it holds it already; the path, or
/// `None` when it cannot be written (the prompt is then left unmarked).
fn written(path: &Path, text: &str) -> Option<PathBuf> {
    if fs::read_optional(path).ok().flatten().as_deref() == Some(text.as_bytes()) {
        return Some(path.to_owned());
    }
    let dir = path.parent()?;
    fs::create_dir_all(dir).ok()?;
    fs::write_atomic(path, text.as_bytes()).ok()?;
    Some(path.to_owned())
}

/// bash's rc file: the user's `~/.bashrc`, then the env's `bin/` first on
/// `PATH` again (a `.bashrc` often puts pyenv's shims first) and the prompt.
const BASHRC: &str = r#"# Written by penv for `penv shell`: the user's ~/.bashrc, then the env.
if [ -f "$HOME/.bashrc" ]; then . "$HOME/.bashrc"; fi
case "$PATH" in
  "$VIRTUAL_ENV/bin:"*) ;;
  *) PATH="$VIRTUAL_ENV/bin:$PATH" ;;
esac
PS1="($VIRTUAL_ENV_PROMPT) ${PS1-}"
hash -r
"#;

/// zsh's `.zshenv` in penv's `ZDOTDIR`: the user's, with their `ZDOTDIR`.
const ZSHENV: &str = r#"# Written by penv for `penv shell`: the user's .zshenv.
_penv_zdotdir="$ZDOTDIR"
ZDOTDIR="$PENV_USER_ZDOTDIR"
[[ -f "$ZDOTDIR/.zshenv" ]] && source "$ZDOTDIR/.zshenv"
ZDOTDIR="$_penv_zdotdir"
"#;

/// zsh's `.zshrc` in penv's `ZDOTDIR`: the user's, then the env.
const ZSHRC: &str = r#"# Written by penv for `penv shell`: the user's .zshrc, then the env.
ZDOTDIR="$PENV_USER_ZDOTDIR"
unset _penv_zdotdir PENV_USER_ZDOTDIR
[[ -f "$ZDOTDIR/.zshrc" ]] && source "$ZDOTDIR/.zshrc"
[[ "$PATH" == "$VIRTUAL_ENV/bin:"* ]] || PATH="$VIRTUAL_ENV/bin:$PATH"
PROMPT="($VIRTUAL_ENV_PROMPT) $PROMPT"
rehash
"#;

/// fish's commands after `config.fish`: the env first on `PATH` and the
/// prompt marked.
const FISH_INIT: &str = r#"if test "$PATH[1]" != "$VIRTUAL_ENV/bin"; set -gx PATH "$VIRTUAL_ENV/bin" $PATH; end
functions -q fish_prompt; and functions -c fish_prompt _penv_fish_prompt
function fish_prompt; printf '(%s) ' "$VIRTUAL_ENV_PROMPT"; functions -q _penv_fish_prompt; and _penv_fish_prompt; end"#;
