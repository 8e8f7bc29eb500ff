//! pip options refused in `[pip] args`: those that make pip install, or
//! write files, outside the env, in every spelling pip's option parser
//! (optparse) accepts.
//!
//! Invariant: penv runs pip to install into the project's env and write
//! nothing elsewhere; an option that could break that, whatever its value,
//! never reaches pip.

/// A pip option refused in `[pip] args`: it makes pip install, or write
/// files, outside the env, whatever the value.
struct ForbiddenPipOption {
    /// Its long name; pip also accepts any abbreviation of it.
    name: &'static str,
    /// What it would make pip do, after "would make pip".
    effect: &'static str,
}

const INSTALL_OUTSIDE: &str = "install outside the env";
const LOG_OUTSIDE: &str = "append its log to a file outside the env";
const SRC_OUTSIDE: &str = "check out editable projects outside the env";

/// pip's options (`pip install` and the general ones, pip 22 to 25) that
/// install or write outside the env. `--cache-dir` is not among them: pip
/// keeps only its own cache there. Options pip has dropped are not either:
/// their abbreviations now stand for other options.
const FORBIDDEN_PIP_OPTIONS: &[ForbiddenPipOption] = &[
    ForbiddenPipOption {
        name: "--target",
        effect: INSTALL_OUTSIDE,
    },
    ForbiddenPipOption {
        name: "--prefix",
        effect: INSTALL_OUTSIDE,
    },
    ForbiddenPipOption {
        name: "--root",
        effect: INSTALL_OUTSIDE,
    },
    ForbiddenPipOption {
        name: "--user",
        effect: INSTALL_OUTSIDE,
    },
    ForbiddenPipOption {
        name: "--python",
        effect: INSTALL_OUTSIDE,
    },
    // Until pip 23.1: options for `setup.py install` (`--prefix`, `--root`,
    // `--install-lib`…). The pips bundled with Python 3.7 to 3.10 have it.
    ForbiddenPipOption {
        name: "--install-option",
        effect: INSTALL_OUTSIDE,
    },
    ForbiddenPipOption {
        name: "--report",
        effect: "write its installation report to a file outside the env",
    },
    ForbiddenPipOption {
        name: "--log",
        effect: LOG_OUTSIDE,
    },
    ForbiddenPipOption {
        name: "--log-file",
        effect: LOG_OUTSIDE,
    },
    ForbiddenPipOption {
        name: "--local-log",
        effect: LOG_OUTSIDE,
    },
    ForbiddenPipOption {
        name: "--src",
        effect: SRC_OUTSIDE,
    },
    ForbiddenPipOption {
        name: "--source",
        effect: SRC_OUTSIDE,
    },
    ForbiddenPipOption {
        name: "--source-dir",
        effect: SRC_OUTSIDE,
    },
    ForbiddenPipOption {
        name: "--source-directory",
        effect: SRC_OUTSIDE,
    },
];

/// pip's `install` short options that take a value: in a cluster such as
/// `-Ur`, what follows one of these is its value, not more options.
const PIP_SHORT_WITH_VALUE: &str = "rceifC";

/// The forbidden option `arg` spells, if any, and what it would do, in each
/// form pip's option parser (optparse) accepts: `--target=DIR`, an
/// abbreviation (`--tar`, `--rep`), `-tDIR`, and `-t` inside a cluster of
/// short options (`-Ut`). An abbreviation pip would find ambiguous is
/// refused too: which options are there to make it ambiguous depends on the
/// pip version, and pip refuses it anyway.
pub(super) fn forbidden_pip_flag(arg: &str) -> Option<(&'static str, &'static str)> {
    if let Some(long) = arg.strip_prefix("--") {
        let name = long.split('=').next().unwrap_or(long);
        // `--pre` is an option of its own (pre-releases), not `--prefix` cut
        // short; an exact name is never an abbreviation (`--log` is `--log`,
        // not `--log-file`).
        if name.is_empty() || name == "pre" {
            return None;
        }
        let matching = || {
            FORBIDDEN_PIP_OPTIONS
                .iter()
                .filter(move |f| f.name[2..].starts_with(name))
        };
        let option = matching()
            .find(|f| f.name[2..] == *name)
            .or_else(|| matching().next())?;
        return Some((option.name, option.effect));
    }
    let cluster = arg.strip_prefix('-')?;
    for c in cluster.chars() {
        if c == 't' {
            return Some(("-t", INSTALL_OUTSIDE));
        }
        if PIP_SHORT_WITH_VALUE.contains(c) {
            break;
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forbidden_pip_flags_in_every_spelling() {
        for (arg, flag) in [
            ("--target", "--target"),
            ("--target=/x", "--target"),
            ("--tar=/x", "--target"),
            ("-t", "-t"),
            ("-t/x", "-t"),
            ("-Ut", "-t"),
            ("-qqt/x", "-t"),
            ("--user", "--user"),
            ("--pref=/usr", "--prefix"),
            ("--root", "--root"),
            ("--python=/usr/bin/python3", "--python"),
            ("--install-option=--prefix=/x", "--install-option"),
            ("--install-opt", "--install-option"),
            ("--report", "--report"),
            ("--report=/tmp/r.json", "--report"),
            ("--rep", "--report"),
            ("--log", "--log"),
            ("--log=/home/me/.bashrc", "--log"),
            ("--log-file", "--log-file"),
            ("--log-f=/x", "--log-file"),
            ("--local-log=/x", "--local-log"),
            ("--loc", "--local-log"),
            ("--src", "--src"),
            ("--src=/x", "--src"),
            ("--source", "--source"),
            ("--source-dir=/x", "--source-dir"),
            ("--source-directory", "--source-directory"),
            ("--sou", "--source"),
            // Ambiguous to pip (which refuses them too), refused here.
            ("--lo", "--log"),
            ("--re", "--report"),
        ] {
            assert_eq!(forbidden_pip_flag(arg).map(|(f, _)| f), Some(flag), "{arg}");
        }
        for arg in [
            "--pre",
            "--upgrade",
            "-U",
            "--no-deps",
            "-r",
            "-rtarget.txt",
            "-ctests.txt",
            "--root-user-action=ignore",
            "--python-version=3.12",
            "--requirement=r.txt",
            "--require-hashes",
            "--cache-dir=/tmp/pip-cache",
            "--no-cache-dir",
            "--exists-action=w",
            "--",
            "/tmp/x",
        ] {
            assert_eq!(forbidden_pip_flag(arg), None, "{arg}");
        }
    }

    #[test]
    fn each_refusal_says_what_pip_would_write_outside_the_env() {
        let effect = |arg| forbidden_pip_flag(arg).unwrap().1;
        assert_eq!(effect("--prefix=/x"), "install outside the env");
        assert_eq!(
            effect("--report=r.json"),
            "write its installation report to a file outside the env"
        );
        assert_eq!(
            effect("--log-file=/x"),
            "append its log to a file outside the env"
        );
        assert_eq!(
            effect("--src=/x"),
            "check out editable projects outside the env"
        );
    }
}
