//! The activation scripts of an env, relocated: bash's and zsh's
//! `activate` and fish's `activate.fish` find the env from their own path;
//! csh's `activate.csh` (csh gives a sourced file no way to find itself)
//! names the path the env is used at.
//!
//! Invariant: each rewrite is idempotent, and returns `None` (or the text
//! unchanged) for a script it does not recognise, so the scan that follows
//! in `relocate` finds the path left in it.

use std::path::{Path, PathBuf};

/// `s` quoted for a POSIX shell.
fn sh_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "'\\''"))
}

/// Every `"<p>"`, `'<p>'` or bare `<p>` (then a space, `)`, `;` or the line's
/// end) of a needle replaced with `with`.
fn replace_tokens(text: &str, needles: &[PathBuf], with: &str) -> String {
    let mut text = text.to_owned();
    for needle in needles {
        let Some(p) = needle.to_str() else { continue };
        for quoted in [format!("\"{p}\""), format!("'{p}'")] {
            text = text.replace(&quoted, with);
        }
        let mut out = String::with_capacity(text.len());
        let mut rest = text.as_str();
        while let Some(at) = rest.find(p) {
            let after = &rest[at + p.len()..];
            let bare = after.is_empty() || after.starts_with([' ', ')', ';', '\n', '\r']);
            out.push_str(&rest[..at]);
            out.push_str(if bare { with } else { p });
            rest = after;
        }
        out.push_str(rest);
        text = out;
    }
    text
}

/// Marks the fallback line of a relocated `activate`, for `point_at`.
const SH_FALLBACK: &str = "    _penv_venv=";

/// `activate` for bash and zsh with `VIRTUAL_ENV` found from the script's
/// own path; `None` when it is not the script venv writes.
pub(super) fn activate_sh(text: &str, needles: &[PathBuf], home: &Path) -> Option<String> {
    const ANCHOR: &str = "\ndeactivate nondestructive\n";
    if text.contains("_penv_venv") {
        return Some(text.to_owned());
    }
    let at = text.find(ANCHOR)? + ANCHOR.len();
    let (head, tail) = text.split_at(at);
    let home = sh_quote(home.to_str()?);
    let block = format!(
        "\n# penv: this env is the directory above the one of this file, wherever\n\
         # the env was moved (bash names the file in BASH_SOURCE, zsh in $0). A\n\
         # shell that names neither gets the path penv last synced it at.\n\
         _penv_activate=\"${{BASH_SOURCE:-$0}}\"\n\
         if [ \"${{_penv_activate##*/}}\" = activate ] && [ -f \"$_penv_activate\" ] \\\n    \
         && command -v realpath >/dev/null 2>&1; then\n    \
         _penv_venv=\"$(dirname -- \"$(dirname -- \"$(realpath -- \"$_penv_activate\")\")\")\"\n\
         else\n{SH_FALLBACK}{home}\n\
         fi\n\
         unset _penv_activate\n"
    );
    let tail = replace_tokens(tail, needles, "\"$_penv_venv\"");
    Some(format!("{head}{block}{tail}\nunset _penv_venv\n"))
}

/// A relocated `activate`'s fallback path pointed at `home`.
pub(super) fn repoint_sh_fallback(text: &str, needles: &[PathBuf], home: &Path) -> String {
    let Some(home) = home.to_str() else {
        return text.to_owned();
    };
    text.lines()
        .map(|line| match line.strip_prefix(SH_FALLBACK) {
            Some(old)
                if needles
                    .iter()
                    .any(|n| n.to_str().is_some_and(|n| sh_quote(n) == old)) =>
            {
                format!("{SH_FALLBACK}{}", sh_quote(home))
            }
            _ => line.to_owned(),
        })
        .collect::<Vec<_>>()
        .join("\n")
        + if text.ends_with('\n') { "\n" } else { "" }
}

/// `activate.fish` with `VIRTUAL_ENV` found from the file's own path.
pub(super) fn activate_fish(text: &str, needles: &[PathBuf]) -> Option<String> {
    const SET: &str = "set -gx VIRTUAL_ENV ";
    const FOUND: &str = "set -gx VIRTUAL_ENV (builtin realpath (status filename) | string replace -r '/[^/]+/[^/]+$' '')";
    let mut found = false;
    let out: Vec<String> = text
        .lines()
        .map(|line| {
            if line.trim() == FOUND {
                found = true;
                return line.to_owned();
            }
            let value = line.trim_start().strip_prefix(SET).map(str::trim);
            let ours = value.is_some_and(|v| {
                needles
                    .iter()
                    .filter_map(|n| n.to_str())
                    .any(|n| v == format!("\"{n}\"") || v == format!("'{n}'") || v == n)
            });
            if ours {
                found = true;
                format!(
                    "# penv: the env is two levels above this file, wherever it was moved\n{FOUND}"
                )
            } else {
                line.to_owned()
            }
        })
        .collect();
    found.then(|| out.join("\n") + if text.ends_with('\n') { "\n" } else { "" })
}

/// `activate.csh` naming `home` (csh cannot find the file it sources).
pub(super) fn point_csh(text: &str, needles: &[PathBuf], home: &Path) -> String {
    match home.to_str() {
        Some(h) if !h.contains(['"', '$', '!', '`', '\n']) => {
            replace_tokens(text, needles, &format!("\"{h}\""))
        }
        _ => text.to_owned(),
    }
}
