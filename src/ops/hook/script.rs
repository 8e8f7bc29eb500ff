//! The text of a git hook that penv edits: penv's block for one project,
//! where it goes in a script, and taking it out again.
//!
//! Invariant: penv's block sits between two marker lines naming the
//! project, directly after the script's `#!` line, and removing it gives
//! back the script byte for byte as it was before; a script that is not a
//! POSIX-family shell script is never edited ([`Script::classify`]). The
//! block runs in a subshell with stdin from `/dev/null`, so it neither
//! changes the rest of the script (variables, `set -e`, `exit`) nor eats
//! the stdin git gives `post-rewrite`; and it always ends with status 0.

/// The hooks penv installs.
pub(crate) const HOOKS: [&str; 3] = ["post-checkout", "post-merge", "post-rewrite"];

/// The first line of a hook file penv creates, so `uninstall` knows it may
/// delete the file once penv's last block is gone.
const CREATED_BY_PENV: &str =
    "# Created by `penv hook install`; `penv hook uninstall` deletes it with penv's last block.\n";

/// Shells whose syntax penv's block is written in (POSIX sh and supersets).
const SHELLS: [&str; 8] = ["sh", "bash", "dash", "zsh", "ksh", "ash", "mksh", "yash"];

/// What an existing hook file is, as far as editing it goes.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Script {
    /// A shell script penv can add its block to.
    Shell,
    /// A script for another interpreter (`#!/usr/bin/env python3`): the `#!` line.
    Other(String),
    /// No `#!` line (a binary, or text git would not know how to run).
    NoShebang,
}

impl Script {
    /// Classifies a hook file's contents by its `#!` line.
    pub(crate) fn classify(bytes: &[u8]) -> Self {
        let Some(rest) = bytes.strip_prefix(b"#!") else {
            return Self::NoShebang;
        };
        let line = rest.split(|&b| b == b'\n').next().unwrap_or_default();
        let Ok(line) = std::str::from_utf8(line) else {
            return Self::NoShebang;
        };
        let mut words = line.split_whitespace();
        let program = words.next().unwrap_or_default();
        let mut name = basename(program);
        if name == "env" {
            // `#!/usr/bin/env [-S] [VAR=x] bash`: the first plain word.
            name = words
                .find(|w| !w.starts_with('-') && !w.contains('='))
                .map_or("", basename);
        }
        if SHELLS.contains(&name) {
            Self::Shell
        } else {
            Self::Other(format!("#!{}", line.trim_end()))
        }
    }
}

fn basename(program: &str) -> &str {
    program.rsplit('/').next().unwrap_or(program)
}

/// The marker lines around penv's block for the project at `rel`
/// (relative to the work tree's root).
fn markers(rel: &str) -> (String, String) {
    (
        format!("# >>> penv: sync `{rel}` (added by `penv hook install`) >>>\n"),
        format!("# <<< penv: sync `{rel}` <<<\n"),
    )
}

/// penv's block for `hook`: runs `penv -C <root>/<rel> sync --quiet`,
/// with the `penv` binary at `penv` when it is still there and
/// executable, else the one on `PATH`. A failure (or no penv) is one
/// warning line on stderr; the block's status is always 0.
pub(crate) fn block(hook: &str, rel: &str, penv: &str) -> String {
    let (begin, end) = markers(rel);
    let (dir, penv) = (quote(rel), quote(penv));
    // git runs a hook from the root of the work tree it acts on, so a
    // worktree syncs its own copy of the project.
    let only_branches = if hook == "post-checkout" {
        "  [ \"$3\" = 1 ] || exit 0  # a branch checkout, not `git checkout -- FILE`\n"
    } else {
        ""
    };
    format!(
        "{begin}(\n{only_branches}  unset GIT_DIR GIT_WORK_TREE GIT_INDEX_FILE\n  \
         penv={penv}\n  \
         [ -x \"$penv\" ] || penv=$(command -v penv) || {{\n    \
         echo \"warning: penv hook: \\`penv\\` is not where it was installed from nor on PATH; the env was not synced\" >&2\n    \
         exit 0\n  }}\n  \
         dir=\"$(pwd)\"/{dir}\n  \
         out=$(\"$penv\" -C \"$dir\" sync --quiet 2>&1 </dev/null) || \
         echo \"warning: penv hook: \\`penv sync\\` failed in \\`$dir\\` ($(printf '%s\\n' \"$out\" | head -n 1)); run it there to see why\" >&2\n\
         ) </dev/null\n{end}"
    )
}

/// `text` as one POSIX shell word. The paths come from the file system
/// (the caller refused line breaks); shlex only refuses a NUL byte, which
/// no path holds.
fn quote(text: &str) -> String {
    shlex::try_quote(text).map_or_else(|_| text.to_owned(), std::borrow::Cow::into_owned)
}

/// A new hook file holding only penv's block.
pub(crate) fn new_file(block: &str) -> String {
    format!("#!/bin/sh\n{CREATED_BY_PENV}{block}")
}

/// The script with `block` for `rel` in it: replaced where penv's block
/// for `rel` already is, else inserted after the `#!` line. The script
/// must be [`Script::Shell`].
pub(crate) fn insert(script: &str, rel: &str, block: &str) -> String {
    if let Some((start, end)) = find(script, rel) {
        return [&script[..start], block, &script[end..]].concat();
    }
    let at = script.find('\n').map_or(script.len(), |i| i + 1);
    let (head, tail) = script.split_at(at);
    let sep = if head.ends_with('\n') { "" } else { "\n" };
    [head, sep, block, tail].concat()
}

/// The script without penv's block for `rel` (`None` when there is none),
/// and whether penv created the file and nothing else is left in it.
pub(crate) fn remove(script: &str, rel: &str) -> Option<(String, bool)> {
    let (start, end) = find(script, rel)?;
    let left = [&script[..start], &script[end..]].concat();
    let only_penvs = left
        .strip_prefix("#!/bin/sh\n")
        .and_then(|rest| rest.strip_prefix(CREATED_BY_PENV))
        .is_some_and(|rest| rest.trim().is_empty());
    Some((left, only_penvs))
}

/// The byte range of penv's block for `rel`, markers included.
fn find(script: &str, rel: &str) -> Option<(usize, usize)> {
    let (begin, end) = markers(rel);
    let start = line_start(script, &begin)?;
    let end_at = start + script[start..].find(&end)? + end.len();
    Some((start, end_at))
}

/// Where `line` (ending in `\n`) starts as a whole line of `text`.
fn line_start(text: &str, line: &str) -> Option<usize> {
    let mut from = 0;
    while let Some(i) = text[from..].find(line) {
        let at = from + i;
        if at == 0 || text.as_bytes()[at - 1] == b'\n' {
            return Some(at);
        }
        from = at + 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shells_are_told_from_other_interpreters() {
        for shell in [
            "#!/bin/sh\n",
            "#!/usr/bin/env bash\nset -e\n",
            "#!/usr/bin/env -S VAR=1 zsh -e\n",
            "#! /bin/dash",
        ] {
            assert_eq!(Script::classify(shell.as_bytes()), Script::Shell, "{shell}");
        }
        assert_eq!(
            Script::classify(b"#!/usr/bin/env python3\nimport sys\n"),
            Script::Other("#!/usr/bin/env python3".into())
        );
        assert_eq!(
            Script::classify(b"#!/usr/bin/fish\n"),
            Script::Other("#!/usr/bin/fish".into())
        );
        assert_eq!(Script::classify(b"\x7fELF\x02\x01"), Script::NoShebang);
        assert_eq!(Script::classify(b"echo hi\n"), Script::NoShebang);
    }

    #[test]
    fn a_block_goes_after_the_shebang_and_comes_out_byte_for_byte() {
        let original = "#!/usr/bin/env bash\n# pre-commit\nexec pre-commit hook-impl \"$@\"\n";
        let block = block("post-checkout", "sub dir", "/opt/penv");
        let with = insert(original, "sub dir", &block);
        assert!(with.starts_with(&format!("#!/usr/bin/env bash\n{block}# pre-commit\n")));
        // Idempotent: inserting again replaces the block in place.
        assert_eq!(insert(&with, "sub dir", &block), with);
        let newer = super::block("post-checkout", "sub dir", "/usr/bin/penv");
        assert_eq!(
            remove(&insert(&with, "sub dir", &newer), "sub dir")
                .unwrap()
                .0,
            original
        );
        assert_eq!(remove(&with, "sub dir"), Some((original.to_owned(), false)));
        assert_eq!(remove(original, "sub dir"), None);
        // Another project's block is left alone.
        assert_eq!(remove(&with, "other"), None);
    }

    #[test]
    fn a_file_penv_created_is_penvs_alone_until_someone_adds_to_it() {
        let a = block("post-merge", ".", "/opt/penv");
        let b = block("post-merge", "api", "/opt/penv");
        let file = insert(&new_file(&a), "api", &b);
        let (left, alone) = remove(&file, ".").unwrap();
        assert!(!alone);
        assert_eq!(remove(&left, "api").map(|(_, alone)| alone), Some(true));
        let edited = format!("{}echo mine\n", new_file(&a));
        assert_eq!(remove(&edited, ".").map(|(_, alone)| alone), Some(false));
    }

    #[test]
    fn the_block_quotes_paths_and_filters_file_checkouts_only_in_post_checkout() {
        let checkout = block("post-checkout", "it's", "/o p/penv");
        assert!(checkout.contains(r"penv='/o p/penv'"), "{checkout}");
        assert!(checkout.contains(r#"dir="$(pwd)"/"it's""#), "{checkout}");
        assert!(checkout.contains(r#"[ "$3" = 1 ] || exit 0"#));
        assert!(!block("post-rewrite", ".", "/p").contains("$3"));
    }

    #[cfg(unix)]
    #[test]
    fn quoted_paths_read_back_as_they_are_in_sh() {
        for path in ["plain", "a b", "it's", "$HOME`x`\\\"q\"", "-dash", "ü/ñ"] {
            let out = std::process::Command::new("sh")
                .args(["-c", &format!("printf %s {}", quote(path))])
                .output()
                .unwrap();
            assert_eq!(String::from_utf8_lossy(&out.stdout), path);
        }
    }
}
