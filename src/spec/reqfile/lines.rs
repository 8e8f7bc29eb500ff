//! The line syntax of a requirement file as pip reads it: comments,
//! continuations, `-r`/`-c` includes (quoted as a shell would, long options
//! abbreviated as optparse allows), and which lines are PEP 508 requirements.
//!
//! Invariant: a line is only called a requirement when pip would read it as
//! one, so penv never refuses a file pip accepts.

/// Lines with comments stripped, continuations joined and blanks dropped,
/// each with the number of the line it starts on.
pub fn logical_lines(text: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let mut current = String::new();
    let mut start = 0;
    for (i, raw) in text.lines().enumerate() {
        if current.is_empty() {
            start = i + 1;
        }
        // pip: a comment starts at `#` at line start or after whitespace.
        let without_comment = match raw.find(" #").or_else(|| raw.find("\t#")) {
            Some(pos) => &raw[..pos],
            None if raw.trim_start().starts_with('#') => "",
            None => raw,
        };
        if let Some(cont) = without_comment.strip_suffix('\\') {
            current.push_str(cont);
            continue;
        }
        current.push_str(without_comment);
        let line = current.trim().to_owned();
        current.clear();
        if !line.is_empty() {
            out.push((start, line));
        }
    }
    let line = current.trim().to_owned();
    if !line.is_empty() {
        out.push((start, line));
    }
    out
}

/// The target of an include line: `-r f`, `-rf`, `--requirement f`,
/// `--requirement=f`, and the same for `-c`/`--constraint`. pip splits an
/// option line as a shell would (`shlex`): quotes group words
/// (`-r "sub dir/x.txt"`), and only the first word after the option is the file.
pub fn include_target(line: &str) -> Option<(String, bool)> {
    let words = shlex::split(line)?;
    let (first, next) = (words.first()?, words.get(1));
    // pip (optparse) takes any unambiguous abbreviation of a long option:
    // `--requirem` (not `--require`: `--require-hashes`), `--cons` (not
    // `--con`: `--config-settings`).
    let (name, inline) = match first.split_once('=') {
        Some((name, value)) => (name, Some(value)),
        None => (first.as_str(), None),
    };
    for (long, shortest, short, constraint) in [
        ("--requirement", "--requirem", "-r", false),
        ("--constraint", "--cons", "-c", true),
    ] {
        let is_long = name.starts_with(shortest) && long.starts_with(name);
        let target = if is_long {
            inline.map(str::to_owned).or_else(|| next.cloned())
        } else if first == short {
            next.cloned()
        } else if !first.starts_with("--") {
            first.strip_prefix(short).map(str::to_owned)
        } else {
            None
        };
        if let Some(target) = target.filter(|t| !t.is_empty()) {
            return Some((target, constraint));
        }
    }
    None
}

/// The PEP 508 requirement a line holds, when pip would read it as one: not
/// an option, a path, a URL, an archive, a line with `${VAR}` or `===`; without the
/// per-requirement options after it (`--hash=…`). Anything pip reads some
/// other way is left to pip, so this never refuses a file pip accepts.
pub(super) fn requirement_part(line: &str) -> Option<&str> {
    const ARCHIVES: &[&str] = &[
        ".whl", ".zip", ".tar.gz", ".tgz", ".tar.bz2", ".tbz", ".tar.xz", ".txz", ".tar",
    ];
    if !line.starts_with(|c: char| c.is_ascii_alphanumeric()) {
        return None;
    }
    let text = line
        .find(" --")
        .or_else(|| line.find("\t--"))
        .map_or(line, |i| &line[..i])
        .trim();
    // `===` compares any string (PEP 440 arbitrary equality), which pip
    // accepts and `pep508_rs` does not: left to pip.
    let looks_elsewhere = text.contains("://")
        || text.contains("===")
        || text.contains('/')
        || text.contains('\\')
        || text.contains("${")
        || ARCHIVES
            .iter()
            .any(|a| text.to_ascii_lowercase().ends_with(a));
    (!looks_elsewhere).then_some(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn include_forms() {
        let target = include_target;
        let r = |t: &str| Some((t.to_owned(), false));
        assert_eq!(target("-r base.txt"), r("base.txt"));
        assert_eq!(target("-rbase.txt"), r("base.txt"));
        assert_eq!(target("--requirement base.txt"), r("base.txt"));
        assert_eq!(target("--requirement=base.txt"), r("base.txt"));
        assert_eq!(target("-c c.txt"), Some(("c.txt".to_owned(), true)));
        assert_eq!(
            target("--constraint=c.txt"),
            Some(("c.txt".to_owned(), true))
        );
        // As pip reads them: quotes group, an unquoted space ends the file name.
        assert_eq!(target("-r \"sub dir/x.txt\""), r("sub dir/x.txt"));
        assert_eq!(target("-r 'sub dir/x.txt'"), r("sub dir/x.txt"));
        assert_eq!(target("-r ./sub dir/x.txt"), r("./sub"));
        assert_eq!(target("requests"), None);
        assert_eq!(target("--require-hashes"), None);
        assert_eq!(target("--requirement"), None);
        assert_eq!(target("-r \"unbalanced"), None);
        // Abbreviations pip accepts, and those it finds ambiguous.
        assert_eq!(target("--requireme=x.txt"), r("x.txt"));
        assert_eq!(target("--requirem x.txt"), r("x.txt"));
        assert_eq!(target("--cons c.txt"), Some(("c.txt".to_owned(), true)));
        assert_eq!(target("--require x.txt"), None);
        assert_eq!(target("--con c.txt"), None);
    }

    #[test]
    fn requirement_lines_are_checked_and_everything_else_left_to_pip() {
        assert_eq!(requirement_part("rich>=13"), Some("rich>=13"));
        assert_eq!(
            requirement_part("rich==13.9 --hash=sha256:00"),
            Some("rich==13.9")
        );
        for other in [
            "-e .",
            "./pkg",
            "src/pkg",
            "pkg-1.0.tar.gz",
            "pkg-1.0-py3-none-any.whl",
            "git+https://example.org/x.git#egg=x",
            "${PKG}",
            "[extra]",
        ] {
            assert_eq!(requirement_part(other), None, "{other}");
        }
    }

    #[test]
    fn logical_lines_fold_comments_and_continuations() {
        let text = "# top\nrequests==2.32 # pinned\n\nrich \\\n  ==13.9\nurl#egg=x\n";
        assert_eq!(
            logical_lines(text),
            vec![
                (2, "requests==2.32".to_owned()),
                (4, "rich   ==13.9".to_owned()),
                (6, "url#egg=x".to_owned()),
            ]
        );
    }
}
