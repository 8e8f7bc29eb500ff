//! What `[pip] args` (or an option line of a requirement file) hands pip
//! besides options: requirement and constraint files (`-r`, `-c`),
//! editables (`-e`), `find-links` locations (`-f`) and plain requirements
//! (`./pkg`).
//!
//! Invariant: the arguments are read as pip's option parser (optparse)
//! reads them — `-rFILE`, `--requirement=FILE`, any unambiguous abbreviation
//! of a long option (`--requirem`), short options grouped (`-Ur FILE`),
//! the value of an option never taken for a requirement (`--src ./src`),
//! and everything after `--` positional — so the spec hashes the files pip
//! will read and `has_work` knows whether pip has anything to install.

/// pip install's long options that take a value (pip 23.2, and `--group`
/// and `--resume-retries` of later versions).
const LONG_WITH_VALUE: &[&str] = &[
    "--abi",
    "--cache-dir",
    "--cert",
    "--client-cert",
    "--config-settings",
    "--constraint",
    "--default-timeout",
    "--editable",
    "--exists-action",
    "--extra-index-url",
    "--find-links",
    "--global-option",
    "--group",
    "--implementation",
    "--index-url",
    "--keyring-provider",
    "--local-log",
    "--log",
    "--log-file",
    "--no-binary",
    "--only-binary",
    "--platform",
    "--prefix",
    "--progress-bar",
    "--proxy",
    "--pypi-url",
    "--python",
    "--python-version",
    "--report",
    "--requirement",
    "--resume-retries",
    "--retries",
    "--root",
    "--root-user-action",
    "--source",
    "--source-dir",
    "--source-directory",
    "--src",
    "--target",
    "--timeout",
    "--trusted-host",
    "--upgrade-strategy",
    "--use-deprecated",
    "--use-feature",
];

/// pip install's long options that take no value: needed to tell an
/// abbreviation that is ambiguous (`--no-i`) from one that is not.
const LONG_FLAGS: &[&str] = &[
    "--break-system-packages",
    "--check-build-dependencies",
    "--compile",
    "--debug",
    "--disable-pip-version-check",
    "--dry-run",
    "--force-reinstall",
    "--help",
    "--ignore-installed",
    "--ignore-requires-python",
    "--isolated",
    "--no-build-isolation",
    "--no-cache-dir",
    "--no-clean",
    "--no-color",
    "--no-compile",
    "--no-dependencies",
    "--no-deps",
    "--no-index",
    "--no-input",
    "--no-python-version-warning",
    "--no-use-pep517",
    "--no-user",
    "--no-warn-conflicts",
    "--no-warn-script-location",
    "--pre",
    "--prefer-binary",
    "--quiet",
    "--require-hashes",
    "--require-venv",
    "--require-virtualenv",
    "--upgrade",
    "--use-pep517",
    "--user",
    "--verbose",
    "--version",
];

/// pip install's short options that take a value.
const SHORT_WITH_VALUE: &str = "Ccefirt";

/// What the arguments name, each with the index of the argument it is in.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Named {
    /// `-r`/`-c` files as written (relative to pip's working directory), and
    /// whether each is a constraint file.
    pub(crate) files: Vec<(usize, String, bool)>,
    /// `-e` values as written.
    pub(crate) editables: Vec<(usize, String)>,
    /// Positional arguments: requirements, paths, URLs.
    pub(crate) requirements: Vec<(usize, String)>,
    /// `-f`/`--find-links` values as written.
    pub(crate) find_links: Vec<(usize, String)>,
}

impl Named {
    /// Whether pip gets something to install from these arguments alone (a
    /// constraint file installs nothing by itself).
    pub(crate) fn installs_something(&self) -> bool {
        self.files.iter().any(|(_, _, constraint)| !constraint)
            || !self.editables.is_empty()
            || !self.requirements.is_empty()
    }
}

/// The long option `name` (`--xyz`, no `=`) stands for, as optparse
/// resolves it: itself, or the only option it abbreviates.
fn resolve_long(name: &str) -> Option<&'static str> {
    let all = || LONG_WITH_VALUE.iter().chain(LONG_FLAGS).copied();
    if let Some(exact) = all().find(|o| *o == name) {
        return Some(exact);
    }
    let mut matches = all().filter(|o| o.starts_with(name));
    match (matches.next(), matches.next()) {
        (Some(only), None) => Some(only),
        _ => None,
    }
}

/// Reads `args` as `pip install` would.
pub(crate) fn parse(args: &[String]) -> Named {
    let mut named = Named::default();
    let mut record = |index: usize, option: &str, value: String| match option {
        "-r" | "--requirement" => named.files.push((index, value, false)),
        "-c" | "--constraint" => named.files.push((index, value, true)),
        "-e" | "--editable" => named.editables.push((index, value)),
        "-f" | "--find-links" => named.find_links.push((index, value)),
        _ => {}
    };
    let mut i = 0;
    let mut positional_only = false;
    let mut requirements = Vec::new();
    while i < args.len() {
        let arg = &args[i];
        i += 1;
        if positional_only || arg == "-" || !arg.starts_with('-') {
            requirements.push((i - 1, arg.clone()));
            continue;
        }
        if arg == "--" {
            positional_only = true;
            continue;
        }
        if arg.starts_with("--") {
            let (name, inline) = match arg.split_once('=') {
                Some((name, value)) => (name, Some(value.to_owned())),
                None => (arg.as_str(), None),
            };
            // Unknown or ambiguous: pip refuses it; nothing of ours to read.
            let Some(option) = resolve_long(name) else {
                continue;
            };
            if LONG_WITH_VALUE.contains(&option) {
                let index = if inline.is_some() { i - 1 } else { i };
                let value = inline.or_else(|| {
                    i += 1;
                    args.get(i - 1).cloned()
                });
                if let Some(value) = value {
                    record(index, option, value);
                }
            }
            continue;
        }
        // A group of short options: `-qU`, `-rFILE`, `-Ur FILE`.
        for (pos, c) in arg.char_indices().skip(1) {
            if SHORT_WITH_VALUE.contains(c) {
                let rest = &arg[pos + c.len_utf8()..];
                let (index, value) = if rest.is_empty() {
                    i += 1;
                    (i - 1, args.get(i - 1).cloned())
                } else {
                    (i - 1, Some(rest.to_owned()))
                };
                if let Some(value) = value {
                    record(index, &format!("-{c}"), value);
                }
                break;
            }
        }
    }
    named.requirements = requirements;
    named
}

#[cfg(test)]
mod tests {
    use super::*;

    fn of(args: &[&str]) -> Named {
        parse(&args.iter().map(|a| (*a).to_owned()).collect::<Vec<_>>())
    }

    fn files(args: &[&str]) -> Vec<(String, bool)> {
        of(args).files.into_iter().map(|(_, f, c)| (f, c)).collect()
    }

    #[test]
    fn requirement_and_constraint_files_in_every_form_pip_accepts() {
        let r = |f: &str| vec![(f.to_owned(), false)];
        assert_eq!(files(&["-r", "prod.txt"]), r("prod.txt"));
        assert_eq!(files(&["-rprod.txt"]), r("prod.txt"));
        assert_eq!(files(&["--requirement", "prod.txt"]), r("prod.txt"));
        assert_eq!(files(&["--requirement=prod.txt"]), r("prod.txt"));
        assert_eq!(files(&["--requirem", "prod.txt"]), r("prod.txt"));
        assert_eq!(files(&["--requireme=prod.txt"]), r("prod.txt"));
        assert_eq!(files(&["-Ur", "prod.txt"]), r("prod.txt"));
        assert_eq!(files(&["-qqrprod.txt"]), r("prod.txt"));
        assert_eq!(files(&["-c", "c.txt"]), vec![("c.txt".to_owned(), true)]);
        assert_eq!(files(&["--cons=c.txt"]), vec![("c.txt".to_owned(), true)]);
        // Not a file: ambiguous or other options, and the values of other options.
        assert!(files(&["--require", "x.txt"]).is_empty());
        assert!(files(&["--require-hashes"]).is_empty());
        assert!(files(&["-i", "-r"]).is_empty());
        assert!(files(&["--index-url", "-rx"]).is_empty());
        assert!(files(&["-fr", "x"]).is_empty());
        assert!(files(&["--", "-r", "x.txt"]).is_empty());
        assert!(files(&["-r"]).is_empty());
        // The index of the argument holding the name, for error locations.
        assert_eq!(
            of(&["-U", "-r", "a.txt", "-rb.txt"]).files,
            vec![
                (2, "a.txt".to_owned(), false),
                (3, "b.txt".to_owned(), false)
            ]
        );
    }

    #[test]
    fn editables_and_requirements_but_never_an_options_value() {
        let named = of(&[
            "-e",
            ".",
            "--editable=./sub",
            "-e./other",
            "--src",
            "./src",
            "--cache-dir=./cache",
            "-C",
            "key=value",
            "./pkg",
            "rich>=13",
            "--no-deps",
            "--",
            "-odd-name",
        ]);
        assert_eq!(
            named.editables,
            vec![
                (1, ".".to_owned()),
                (2, "./sub".to_owned()),
                (3, "./other".to_owned())
            ]
        );
        assert_eq!(
            named.requirements,
            vec![
                (9, "./pkg".to_owned()),
                (10, "rich>=13".to_owned()),
                (13, "-odd-name".to_owned())
            ]
        );
        assert!(named.installs_something());
        assert_eq!(
            of(&["-fw", "--find-l=./x", "-f", "y"]).find_links,
            vec![
                (0, "w".to_owned()),
                (1, "./x".to_owned()),
                (3, "y".to_owned())
            ]
        );
    }

    #[test]
    fn only_options_or_constraints_install_nothing() {
        for args in [
            &["--no-deps", "--pre"][..],
            &["-c", "c.txt"],
            &["--index-url", "https://x/simple", "-U"],
            &[],
        ] {
            assert!(!of(args).installs_something(), "{args:?}");
        }
        for args in [&["-e", "."][..], &["-r", "x.txt"], &["."], &["-Ue."]] {
            assert!(of(args).installs_something(), "{args:?}");
        }
    }
}
