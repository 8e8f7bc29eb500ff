//! Activation: what an activated env is for the processes penv starts
//! (`run`, `shell`) and for the shell that evaluates `penv activate`.
//!
//! Invariant: one set of variables, computed here — `VIRTUAL_ENV`, the
//! env's `bin/` first on `PATH` (once: an activation inside an activated
//! shell does not add it twice), `PYTHONHOME` unset, and for shells
//! `VIRTUAL_ENV_PROMPT` — so `run`, `shell` and `activate` never disagree.
//! Every value reaches a shell only as penv quotes it: a path with a quote,
//! a `$` or a line break in it is data, never code.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::platform;

/// The shells penv activates an env for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Shell {
    /// bash.
    Bash,
    /// zsh.
    Zsh,
    /// fish.
    Fish,
    /// A POSIX shell: sh, dash, ash, ksh.
    Sh,
}

impl Shell {
    /// The shell a program is, by its file name (`/usr/bin/bash`, `zsh-5.9`).
    pub(crate) fn of_program(program: &Path) -> Option<Self> {
        let name = program.file_name()?.to_str()?;
        let name = name.split(['-', '.']).next().unwrap_or(name);
        match name {
            "bash" => Some(Self::Bash),
            "zsh" => Some(Self::Zsh),
            "fish" => Some(Self::Fish),
            "sh" | "dash" | "ash" | "ksh" | "mksh" => Some(Self::Sh),
            _ => None,
        }
    }

    /// Its name, as `--shell` takes it.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Self::Bash => "bash",
            Self::Zsh => "zsh",
            Self::Fish => "fish",
            Self::Sh => "sh",
        }
    }
}

/// The variables of an activated env.
#[derive(Debug, Clone)]
pub(crate) struct Activation {
    /// `VIRTUAL_ENV`.
    pub(crate) env: PathBuf,
    /// `PATH`: the env's `bin/`, then the entries of the `PATH` penv was
    /// given (without the env's `bin/` again).
    pub(crate) path: Vec<PathBuf>,
    /// `VIRTUAL_ENV_PROMPT`: `[venv] prompt`, else the project directory's
    /// name.
    pub(crate) prompt: String,
}

impl Activation {
    /// The activation of `env` for a process started with `path` (its
    /// `PATH`'s entries: [`crate::env_vars::EnvVars::path_dirs_outside_active`],
    /// another env activated in the calling shell left out).
    pub(crate) fn new(env: &Path, path: Vec<PathBuf>, prompt: String) -> Self {
        let bin = env.join(platform::BIN_DIR);
        let mut dirs = vec![bin.clone()];
        dirs.extend(path.into_iter().filter(|d| *d != bin));
        Self {
            env: env.to_owned(),
            path: dirs,
            prompt,
        }
    }

    /// The env's `bin/`.
    pub(crate) fn bin(&self) -> &Path {
        &self.path[0]
    }

    /// Sets the variables on a command penv starts (`run`, `shell`).
    pub(crate) fn apply(&self, cmd: &mut Command) {
        if let Ok(joined) = std::env::join_paths(&self.path) {
            cmd.env("PATH", joined);
        }
        cmd.env("VIRTUAL_ENV", &self.env).env_remove("PYTHONHOME");
    }

    /// What `eval "$(penv activate)"` runs in `shell`; `None` when a path
    /// cannot be written in that shell's syntax (not valid UTF-8, or a NUL).
    pub(crate) fn script(&self, shell: Shell) -> Option<String> {
        let env = quote(shell, self.env.as_os_str())?;
        let prompt = quote(shell, OsStr::new(&self.prompt))?;
        let bin = quote(shell, self.bin().as_os_str())?;
        // The whole PATH when every entry can be written; else the env's
        // bin/ before the shell's own `$PATH`, which needs no writing.
        let entries: Option<Vec<String>> = self
            .path
            .iter()
            .map(|d| quote(shell, d.as_os_str()))
            .collect();
        let lines = match shell {
            Shell::Fish => {
                let path = entries.map_or_else(|| format!("{bin} $PATH"), |e| e.join(" "));
                vec![
                    format!("set -gx VIRTUAL_ENV {env}"),
                    format!("set -gx VIRTUAL_ENV_PROMPT {prompt}"),
                    format!("set -gx PATH {path}"),
                    "set -e PYTHONHOME".to_owned(),
                ]
            }
            Shell::Bash | Shell::Zsh | Shell::Sh => {
                let joined = std::env::join_paths(&self.path)
                    .ok()
                    .and_then(|p| quote(shell, &p));
                let path = joined.unwrap_or_else(|| format!("{bin}\":$PATH\""));
                vec![
                    format!("export VIRTUAL_ENV={env}"),
                    format!("export VIRTUAL_ENV_PROMPT={prompt}"),
                    format!("export PATH={path}"),
                    "unset PYTHONHOME".to_owned(),
                    // Forget where commands were found before (`python`).
                    "hash -r 2>/dev/null || true".to_owned(),
                ]
            }
        };
        let mut text = lines.join("\n");
        text.push('\n');
        Some(text)
    }
}

/// `value` as one word of `shell`'s syntax, in single quotes.
fn quote(shell: Shell, value: &OsStr) -> Option<String> {
    let text = value.to_str()?;
    if text.contains('\0') {
        return None;
    }
    Some(match shell {
        // fish: within single quotes only `\` and `'` are special.
        Shell::Fish => format!("'{}'", text.replace('\\', "\\\\").replace('\'', "\\'")),
        // POSIX: nothing is special within single quotes; a quote ends
        // them, so it is written as `'\''`.
        Shell::Bash | Shell::Zsh | Shell::Sh => format!("'{}'", text.replace('\'', "'\\''")),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn activation(env: &str, path: &str) -> Activation {
        Activation::new(
            Path::new(env),
            std::env::split_paths(path).collect(),
            "app".into(),
        )
    }

    #[test]
    fn shells_are_known_by_their_program_name() {
        for (program, shell) in [
            ("/bin/bash", Some(Shell::Bash)),
            ("/usr/local/bin/zsh", Some(Shell::Zsh)),
            ("/opt/homebrew/bin/fish", Some(Shell::Fish)),
            ("/bin/sh", Some(Shell::Sh)),
            ("/usr/bin/dash", Some(Shell::Sh)),
            ("bash-5.2", Some(Shell::Bash)),
            ("/bin/tcsh", None),
            ("/usr/bin/nu", None),
        ] {
            assert_eq!(Shell::of_program(Path::new(program)), shell, "{program}");
        }
    }

    #[test]
    fn the_env_comes_first_on_path_once() {
        let a = activation("/p/.venv", "/p/.venv/bin:/usr/bin:/bin");
        assert_eq!(
            a.path,
            [
                PathBuf::from("/p/.venv/bin"),
                "/usr/bin".into(),
                "/bin".into()
            ]
        );
    }

    #[test]
    fn posix_script_sets_the_variables() {
        let a = activation("/p/.venv", "/usr/bin:/bin");
        assert_eq!(
            a.script(Shell::Bash).unwrap(),
            "export VIRTUAL_ENV='/p/.venv'\nexport VIRTUAL_ENV_PROMPT='app'\nexport PATH='/p/.venv/bin:/usr/bin:/bin'\nunset PYTHONHOME\nhash -r 2>/dev/null || true\n"
        );
    }

    #[test]
    fn fish_script_sets_path_as_a_list() {
        let a = activation("/p/.venv", "/usr/bin:/bin");
        assert_eq!(
            a.script(Shell::Fish).unwrap(),
            "set -gx VIRTUAL_ENV '/p/.venv'\nset -gx VIRTUAL_ENV_PROMPT 'app'\nset -gx PATH '/p/.venv/bin' '/usr/bin' '/bin'\nset -e PYTHONHOME\n"
        );
    }

    #[test]
    fn quotes_dollars_and_line_breaks_in_paths_stay_data() {
        let a = activation("/p/it's $(rm -rf ~)\n`x`/.venv", "/bin");
        let sh = a.script(Shell::Sh).unwrap();
        assert!(
            sh.starts_with("export VIRTUAL_ENV='/p/it'\\''s $(rm -rf ~)\n`x`/.venv'\n"),
            "{sh}"
        );
        let fish = a.script(Shell::Fish).unwrap();
        assert!(
            fish.starts_with("set -gx VIRTUAL_ENV '/p/it\\'s $(rm -rf ~)\n`x`/.venv'\n"),
            "{fish}"
        );
        assert_eq!(quote(Shell::Fish, OsStr::new("a\\b")).unwrap(), "'a\\\\b'");
    }

    /// Another env activated in the calling shell: its `bin/` leaves
    /// `PATH` (a command this env lacks is not run from it); the rest stays.
    #[test]
    fn another_activated_envs_bin_leaves_path() {
        let outside = |path: &str, active: &str| {
            let vars = crate::env_vars::EnvVars {
                path: Some(path.into()),
                virtual_env: Some(PathBuf::from(active)),
                ..Default::default()
            };
            Activation::new(
                Path::new("/p/.venv"),
                vars.path_dirs_outside_active(),
                "app".into(),
            )
        };
        let a = outside("/q/.venv/bin:/usr/bin", "/q/.venv");
        assert_eq!(
            a.path,
            [PathBuf::from("/p/.venv/bin"), PathBuf::from("/usr/bin")]
        );
        let same = outside("/p/.venv/bin:/usr/bin", "/p/.venv");
        assert_eq!(
            same.path,
            [PathBuf::from("/p/.venv/bin"), PathBuf::from("/usr/bin")]
        );
    }

    #[cfg(unix)]
    #[test]
    fn a_path_entry_that_is_not_utf8_leaves_path_to_the_shell() {
        use std::os::unix::ffi::OsStringExt;
        let path = std::ffi::OsString::from_vec(b"/usr/bin:/caf\xe9".to_vec());
        let a = Activation::new(
            Path::new("/p/.venv"),
            std::env::split_paths(&path).collect(),
            "app".into(),
        );
        assert!(
            a.script(Shell::Sh)
                .unwrap()
                .contains("export PATH='/p/.venv/bin'\":$PATH\"\n")
        );
        assert!(
            a.script(Shell::Fish)
                .unwrap()
                .contains("set -gx PATH '/p/.venv/bin' $PATH\n")
        );
    }
}
