//! The shell: is `VIRTUAL_ENV` the project's env, and are `python` and
//! `pip` on `PATH` the env's (when activated) and each other's?

use std::path::{Path, PathBuf};

use super::{Finding, inside, real};
use crate::diagnostics::display_path;
use crate::env_vars::EnvVars;
use crate::platform;

pub(super) fn check(vars: &EnvVars, env: &Path) -> Vec<Finding> {
    let mut out = Vec::new();
    let dirs = vars.path_dirs();
    let python = platform::which_on_path("python", &dirs)
        .or_else(|| platform::which_on_path("python3", &dirs));
    let pip =
        platform::which_on_path("pip", &dirs).or_else(|| platform::which_on_path("pip3", &dirs));
    if let Some(active) = &vars.virtual_env {
        if real(active) == real(env) {
            for (name, found) in [("python", &python), ("pip", &pip)] {
                match found {
                    Some(path) if !inside(path, env) => out.push(Finding {
                        check: "activation",
                        message: format!(
                            "`VIRTUAL_ENV` names the project's env, but `{name}` on PATH is `{}`, outside it: the activation is half-broken (PATH was changed after `activate`, or a shell hash is stale)",
                            display_path(path)
                        ),
                        hint: format!(
                            "run `deactivate` and `source {}/bin/activate` again (and `hash -r`), or use `penv run {name} …`",
                            display_path(env)
                        ),
                    }),
                    _ => {}
                }
            }
        } else {
            out.push(Finding {
                check: "activation",
                message: format!(
                    "`VIRTUAL_ENV` names `{}`, not the project's env `{}`: `python` and `pip` in this shell are another env's",
                    display_path(active),
                    display_path(env)
                ),
                hint: format!(
                    "run `deactivate`, then `source {}/bin/activate` — or skip activation: `penv run …`",
                    display_path(env)
                ),
            });
        }
    }
    if let (Some(python), Some(pip)) = (&python, &pip)
        && let Some(pips_python) = shebang_interpreter(pip)
        && !same_interpreter(&pips_python, python)
    {
        out.push(Finding {
            check: "pip-python-mismatch",
            message: format!(
                "`pip` on PATH (`{}`) installs for `{}`, but `python` on PATH is `{}`: `pip install` puts packages where this `python` does not look",
                display_path(pip),
                display_path(&pips_python),
                display_path(python)
            ),
            hint: "use `python -m pip …` (or `penv run python -m pip …`), never a bare `pip`"
                .to_owned(),
        });
    }
    out
}

/// The interpreter a script's shebang runs: `#!/path/python` (with
/// arguments), `#!/usr/bin/env python3` (looked up by the caller's rules is
/// beyond a file: taken as unknown), pip's `/bin/sh` trampoline for long
/// paths (`'''exec' "/path/python" "$0" "$@"`), or the one penv writes
/// into a relocatable env (the `python` beside the script's real path).
pub(super) fn shebang_interpreter(script: &Path) -> Option<PathBuf> {
    // A script is a few KiB; a binary (or anything larger) has no shebang
    // worth reading.
    const SCRIPT: crate::text_file::Kind = crate::text_file::Kind {
        what: "a script",
        cap: 1024 * 1024,
    };
    let text = crate::text_file::read(script, SCRIPT).ok()?;
    if let Some(name) = relocatable_python(&text) {
        return Some(script.canonicalize().ok()?.parent()?.join(name));
    }
    parse_shebang(&text)
}

/// The name of the interpreter a relocatable script runs, beside the
/// script's real path (`…/'python' "$0" "$@"`).
fn relocatable_python(text: &str) -> Option<&str> {
    let rest = text.strip_prefix(crate::venv::relocate::TRAMPOLINE_HEAD)?;
    let name = rest.strip_prefix('\'')?;
    let name = &name[..name.find('\'')?];
    (!name.is_empty() && !name.contains('/')).then_some(name)
}

fn parse_shebang(text: &str) -> Option<PathBuf> {
    let mut lines = text.lines();
    let first = lines.next()?.strip_prefix("#!")?.trim();
    if first == "/bin/sh" {
        let exec = lines.next()?.trim().strip_prefix("'''exec' ")?;
        let quoted = exec.strip_prefix('"')?;
        return Some(PathBuf::from(&quoted[..quoted.find('"')?]));
    }
    let program = first.split_whitespace().next()?;
    if program.ends_with("/env") {
        return None;
    }
    Some(PathBuf::from(program))
}

/// Whether two interpreter paths run the same Python: the same file after
/// links, or two names in one venv's `bin/` (`python` and `python3` there
/// are one interpreter; in `/usr/bin` they may not be).
fn same_interpreter(a: &Path, b: &Path) -> bool {
    if real(a) == real(b) {
        return true;
    }
    match (a.parent().map(real), b.parent().map(real)) {
        (Some(da), Some(db)) => {
            da == db
                && da
                    .parent()
                    .is_some_and(|env| env.join("pyvenv.cfg").is_file())
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shebangs_name_their_interpreter() {
        assert_eq!(
            parse_shebang("#!/p/.venv/bin/python\n# -*- coding: utf-8 -*-\n"),
            Some(PathBuf::from("/p/.venv/bin/python"))
        );
        assert_eq!(
            parse_shebang("#!/usr/bin/python3 -E\n"),
            Some(PathBuf::from("/usr/bin/python3"))
        );
        assert_eq!(
            parse_shebang(
                "#!/bin/sh\n'''exec' \"/a very/long path/bin/python\" \"$0\" \"$@\"\n' '''\n"
            ),
            Some(PathBuf::from("/a very/long path/bin/python"))
        );
        assert_eq!(parse_shebang("#!/usr/bin/env python3\n"), None);
        let relocatable = "#!/bin/sh\n'''exec' \"$(dirname -- \"$(realpath -- \"$0\")\")\"/'python3.12' \"$0\" \"$@\"\n' '''\nimport sys\n";
        assert_eq!(relocatable_python(relocatable), Some("python3.12"));
        assert_eq!(relocatable_python("#!/p/.venv/bin/python\n"), None);
        assert_eq!(parse_shebang("import sys\n"), None);
        assert_eq!(parse_shebang(""), None);
    }
}
