//! The command line pip is given: the arguments after `python -I -m pip`
//! and the environment it runs in.
//!
//! Invariant: nothing here sends an install outside the env — the
//! arguments come from the spec (whose `[pip] args` were checked when the
//! project loaded) and pip's own variables that would are removed.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::spec::{Spec, SpecError};

/// pip's environment variables that send an install outside the env.
const PIP_OUTSIDE_ENV_VARS: &[&str] = &[
    "PIP_TARGET",
    "PIP_PREFIX",
    "PIP_ROOT",
    "PIP_USER",
    "PIP_PYTHON",
];

/// The arguments after `python -I -m pip`: the options, the project
/// itself (`-e ROOT[extras]`), the requirements, then `-r` for each of
/// `top_files` and of the selected groups' files.
pub(crate) fn pip_args(spec: &Spec, root: &Path, top_files: &[String]) -> Vec<String> {
    let mut args = index_args(spec, root);
    args.extend(spec.pip.args.iter().cloned());
    if let Some(package) = &spec.package {
        args.extend(["-e".to_owned(), package.editable(root)]);
    }
    args.extend(spec.all_requirements().into_iter().map(str::to_owned));
    for file in top_files.iter().chain(&spec.group_top_files()) {
        args.extend(["-r".to_owned(), root.join(file).display().to_string()]);
    }
    args
}

/// The arguments of `pip list --outdated --format json` asking the
/// spec's index, extra indexes and `find-links` (or none, `no-index`), as
/// an install of the spec would.
pub(crate) fn outdated_args(spec: &Spec, root: &Path) -> Vec<String> {
    let mut args: Vec<String> = ["list", "--outdated", "--format", "json"]
        .map(str::to_owned)
        .to_vec();
    args.extend(
        index_args(spec, root)
            .into_iter()
            .filter(|a| !matches!(a.as_str(), "install" | "--no-compile")),
    );
    args
}

/// The arguments that install exactly a lock's selection, written as a
/// requirement file at `requirements` ([`lock_requirements`]): pip resolves
/// nothing (`--no-deps`) and checks every file (`--require-hashes`). The
/// index options stay, for the build dependencies of a locked sdist.
pub(crate) fn lock_args(spec: &Spec, root: &Path, requirements: &Path) -> Vec<String> {
    let mut args = index_args(spec, root);
    args.extend(["--no-deps".to_owned(), "--require-hashes".to_owned()]);
    args.extend(["-r".to_owned(), requirements.display().to_string()]);
    args
}

/// The arguments that install pins (`name==version`, from
/// [`pinned_requirements`]) from the index as a fresh build would, but
/// resolving nothing (`--no-deps`): what a derived env lacks.
pub(crate) fn pinned_args(spec: &Spec, root: &Path, requirements: &Path) -> Vec<String> {
    let mut args = index_args(spec, root);
    args.push("--no-deps".to_owned());
    args.extend(["-r".to_owned(), requirements.display().to_string()]);
    args
}

/// The requirement file of pins: `name==version` per package, with
/// `--hash=` options when every one has a hash (pip checks all or none).
pub(crate) fn pinned_requirements(pins: &[crate::lock::select::Selected]) -> String {
    let hashed = pins.iter().all(|p| !p.hashes.is_empty());
    let mut text = String::from("# written by penv: what a derived env lacks\n");
    for pin in pins {
        text.push_str(&pin.name);
        if let Some(version) = &pin.version {
            text.push_str("==");
            text.push_str(version);
        }
        if hashed {
            for hash in &pin.hashes {
                text.push_str(" --hash=");
                text.push_str(hash);
            }
        }
        text.push('\n');
    }
    text
}

/// The arguments of the pass after [`lock_args`]: the lock's entries pip
/// cannot check against a hash (`-e DIR`, `DIR`, `name @ git+…@commit`),
/// with `--no-deps`, as the lock says what their dependencies are.
/// `None` when the lock has none.
/// Each entry is rendered from its values parsed again
/// (`lock::unhashed`); one that does not parse is an error naming it.
pub(crate) fn unhashed_args(spec: &Spec, root: &Path) -> Result<Option<Vec<String>>, SpecError> {
    let Some(lock) = spec.lock.as_ref().filter(|l| !l.unhashed.is_empty()) else {
        return Ok(None);
    };
    let mut args = index_args(spec, root);
    args.push("--no-deps".to_owned());
    for entry in &lock.unhashed {
        let entry_args = entry
            .pip_args(root, |url| {
                crate::lock::auth::with_credentials(url, credential_sources(&spec.pip))
            })
            .map_err(|source| SpecError::LockSelect {
                path: PathBuf::from(&lock.path),
                source,
            })?;
        args.extend(entry_args);
    }
    Ok(Some(args))
}

/// The arguments that install the project itself after a lock's selection:
/// `-e ROOT --no-deps` (its dependencies are in the lock), with the index
/// options for its build backend.
pub(crate) fn own_project_args(spec: &Spec, root: &Path) -> Option<Vec<String>> {
    let package = spec.package.as_ref()?;
    let mut args = index_args(spec, root);
    args.extend([
        "--no-deps".to_owned(),
        "-e".to_owned(),
        package.editable(root),
    ]);
    Some(args)
}

/// The requirement file of a lock's selection: one `name @ url
/// --hash=…` line per file, rendered from its values parsed again
/// (`Selected::requirement_line`), each URL on the host of a `[pip]` URL
/// with credentials given them (`lock::auth`; `pip` as pip gets it,
/// `${NAME}` expanded), and whether any was: such a file holds a secret.
/// A value that does not parse is an error naming its package.
pub(crate) fn lock_requirements(
    lock: &crate::spec::LockSpec,
    pip: &crate::spec::PipSpec,
) -> Result<(String, bool), SpecError> {
    // Not the lock's path as written: a newline in it would end the comment.
    let mut text = format!("# written by penv from `{}`\n", lock.path.escape_debug());
    let mut secret = false;
    for selected in &lock.selected {
        let (line, with_credentials) = selected
            .requirement_line(|url| {
                crate::lock::auth::with_credentials(url, credential_sources(pip))
            })
            .map_err(|source| SpecError::LockSelect {
                path: PathBuf::from(&lock.path),
                source,
            })?;
        secret |= with_credentials;
        text.push_str(&line);
        text.push('\n');
    }
    Ok((text, secret))
}

/// The `[pip]` URLs whose credentials a locked URL on their host gets:
/// `index-url`, `extra-index-urls`, then `find-links`, as pip gets them.
fn credential_sources(pip: &crate::spec::PipSpec) -> impl Iterator<Item = &str> {
    pip.index_url
        .iter()
        .chain(&pip.extra_index_urls)
        .chain(pip.find_links.iter().map(|l| &l.location))
        .map(crate::credentials::PipUrl::for_pip)
}

/// `install` and the index, `find-links` and compile options.
fn index_args(spec: &Spec, root: &Path) -> Vec<String> {
    let mut args: Vec<String> = ["install", "--disable-pip-version-check", "--no-input"]
        .map(str::to_owned)
        .to_vec();
    // `for_pip`: the URLs as written (or expanded), not as the spec shows them.
    if let Some(url) = &spec.pip.index_url {
        args.extend(["--index-url".to_owned(), url.for_pip().to_owned()]);
    }
    for url in &spec.pip.extra_index_urls {
        args.extend(["--extra-index-url".to_owned(), url.for_pip().to_owned()]);
    }
    for link in &spec.pip.find_links {
        // Relative directories are recorded relative to the project root.
        let location = link.location.for_pip();
        let location = if location.contains("://") {
            location.to_owned()
        } else {
            root.join(location).display().to_string()
        };
        args.extend(["--find-links".to_owned(), location]);
    }
    if spec.pip.no_index {
        args.push("--no-index".to_owned());
    }
    // Before the user's args, so `args = ["--compile"]` still wins.
    if !spec.pip.compile_bytecode {
        args.push("--no-compile".to_owned());
    }
    args
}

/// Whether pip has anything to install: requirements, a requirement file
/// (a constraint file alone installs nothing), or a requirement-bearing
/// `[pip] args` entry (`-e .`, `-r prod.txt`, `./pkg`).
pub(crate) fn has_work(spec: &Spec) -> bool {
    spec.lock
        .as_ref()
        .is_some_and(|l| !l.selected.is_empty() || !l.unhashed.is_empty())
        || spec.package.is_some()
        || !spec.all_requirements().is_empty()
        || spec.requirement_files.iter().any(|f| !f.constraint)
        || crate::spec::pip_args::parse(&spec.pip.args).installs_something()
}

/// pip's environment as penv runs it: no `PYTHONHOME`, no prompts, and
/// none of the variables that would send an install outside the env.
pub(crate) fn clean_pip_env(cmd: &mut Command) {
    cmd.env_remove("PYTHONHOME").env("PIP_NO_INPUT", "1");
    // The environment forms of the options penv refuses in `pip.args`: they
    // would install outside the env while penv records it as built.
    for var in PIP_OUTSIDE_ENV_VARS {
        cmd.env_remove(var);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args_of(spec: &Spec) -> Vec<String> {
        pip_args(spec, Path::new("/p"), &["requirements.txt".to_owned()])
    }

    #[test]
    fn no_compile_by_default_and_before_the_users_args() {
        let mut spec = crate::spec::example();
        spec.pip.args = vec!["--compile".into()];
        let args = args_of(&spec);
        let no_compile = args.iter().position(|a| a == "--no-compile").unwrap();
        let user = args.iter().position(|a| a == "--compile").unwrap();
        assert!(no_compile < user, "{args:?}");
        assert_eq!(
            &args[..3],
            ["install", "--disable-pip-version-check", "--no-input"]
        );
        assert_eq!(&args[args.len() - 2..], ["-r", "/p/requirements.txt"]);
    }

    #[test]
    fn pip_args_that_name_something_to_install_are_work() {
        let mut spec = crate::spec::example();
        spec.requirements.clear();
        spec.requirement_files.clear();
        assert!(!has_work(&spec));
        spec.pip.args = vec!["--no-deps".into(), "-c".into(), "c.txt".into()];
        assert!(!has_work(&spec));
        for args in [
            &["-e", "."][..],
            &["--editable=."],
            &["-r", "prod.txt"],
            &["./pkg"],
        ] {
            spec.pip.args = args.iter().map(|a| (*a).to_owned()).collect();
            assert!(has_work(&spec), "{args:?}");
        }
        // A constraint file alone (here from `-c` in the args) is no work either.
        spec.pip.args = vec!["-c".into(), "c.txt".into()];
        spec.requirement_files = crate::spec::example().requirement_files;
        spec.requirement_files[0].constraint = true;
        assert!(!has_work(&spec));
    }

    #[test]
    fn compile_bytecode_drops_no_compile() {
        let mut spec = crate::spec::example();
        spec.pip.compile_bytecode = true;
        assert!(!args_of(&spec).iter().any(|a| a == "--no-compile"));
    }

    #[test]
    fn urls_reach_pip_as_written_or_expanded() {
        let mut spec = crate::spec::example();
        spec.pip.index_url = Some(crate::credentials::PipUrl::new(
            "https://alice:${TOKEN}@host/simple",
        ));
        spec.pip.find_links = vec![crate::spec::FindLinks {
            location: crate::credentials::PipUrl::new("${WHEELS}"),
            files: vec![],
        }];
        let vars = crate::env_vars::UrlVars::from_pairs([("TOKEN", "t0k3n!"), ("WHEELS", "/w")]);
        let (pip, redactor) = spec.pip.expanded(&vars, |_| None).unwrap();
        spec.pip = pip;
        let args = args_of(&spec);
        let at = |flag: &str| &args[args.iter().position(|a| a == flag).unwrap() + 1];
        assert_eq!(at("--index-url"), "https://alice:t0k3n!@host/simple");
        assert_eq!(at("--find-links"), "/w");
        assert_eq!(
            redactor.redact(&args.join(" ")),
            args.join(" ").replace("t0k3n!", "${TOKEN}")
        );
    }

    #[test]
    fn locked_urls_on_an_index_host_get_its_credentials_for_pip_only() {
        let mut spec = crate::spec::example();
        spec.pip.index_url = Some(crate::credentials::PipUrl::new(
            "https://${USER}:${TOKEN}@pkgs.example/simple",
        ));
        let selected = |name: &str, url: &str| crate::lock::select::Selected {
            name: name.to_owned(),
            version: Some("1.0".to_owned()),
            url: url.to_owned(),
            hashes: vec![format!("sha256:{}", "a".repeat(64))],
            by_name: false,
        };
        let lock = crate::spec::LockSpec {
            path: "pylock.toml".to_owned(),
            sha256: "0".repeat(64),
            selected: vec![
                selected("a", "https://pkgs.example/files/a-1.0-py3-none-any.whl"),
                selected("b", "https://pypi.example/b-1.0-py3-none-any.whl"),
            ],
            unhashed: vec![crate::lock::unhashed::Unhashed {
                name: "c".to_owned(),
                version: None,
                source: crate::lock::unhashed::UnhashedSource::Archive {
                    url: "https://pkgs.example/files/c-1.0.tar.gz".to_owned(),
                },
            }],
            untagged: vec![],
            ..crate::spec::LockSpec::default()
        };
        spec.lock = Some(lock.clone());
        let vars = crate::env_vars::UrlVars::from_pairs([("USER", "alice"), ("TOKEN", "t0k3n")]);
        let (pip, redactor) = spec.pip.expanded(&vars, |_| None).unwrap();
        let (text, secret) = lock_requirements(&lock, &pip).unwrap();
        assert!(secret);
        let lines: Vec<&str> = text.lines().skip(1).collect();
        assert!(
            lines[0].starts_with(
                "a @ https://alice:t0k3n@pkgs.example/files/a-1.0-py3-none-any.whl --hash=sha256:"
            ),
            "{text}"
        );
        assert!(
            lines[1].starts_with("b @ https://pypi.example/b-1.0"),
            "{text}"
        );
        assert_eq!(
            redactor.redact(&text),
            text.replace("alice:t0k3n", "${USER}:${TOKEN}"),
            "what penv shows of it is redacted"
        );
        // The spec's own copy (hashed, stored in the state) has none.
        assert!(
            !lock_requirements(&lock, &spec.pip)
                .unwrap()
                .0
                .contains("t0k3n")
        );
        assert!(!serde_json::to_string(&spec).unwrap().contains("t0k3n"));
        let expanded = Spec {
            pip,
            ..spec.clone()
        };
        let args = unhashed_args(&expanded, Path::new("/p")).unwrap().unwrap();
        assert_eq!(
            args.last().unwrap(),
            "c @ https://alice:t0k3n@pkgs.example/files/c-1.0.tar.gz"
        );
        // Without credentials in `[pip]`, nothing is added and nothing is secret.
        let (plain, secret) = lock_requirements(&lock, &crate::spec::example().pip).unwrap();
        assert!(!secret);
        assert!(plain.contains("a @ https://pkgs.example/files/"), "{plain}");
    }
}
