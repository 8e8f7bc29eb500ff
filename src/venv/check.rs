//! Is an env's base interpreter still the one it was built with? Answered
//! without running the env's python (VENV-FACTS.md, "When the base
//! interpreter changes").
//!
//! Checks: `pyvenv.cfg` is readable and its `home` exists; `bin/python`
//! exists; every `bin/python*` resolves (no dangling link) to a binary named for the
//! expected `X.Y`; the stdlib landmark `lib/pythonX.Y/os.py` is found above
//! `home` (or, as Python itself falls back to its compiled-in prefix, in the
//! standard library recorded at build time); the base binary's fingerprint
//! matches the one recorded.

use std::path::{Path, PathBuf};

use crate::platform;
use crate::python::interpreter::Fingerprint;
use crate::state::State;

/// `key = value` pairs of a `pyvenv.cfg`.
pub fn read_pyvenv_cfg(env: &Path) -> Option<Vec<(String, String)>> {
    let text = std::fs::read_to_string(env.join("pyvenv.cfg")).ok()?;
    Some(
        text.lines()
            .filter_map(|l| l.split_once('='))
            .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
            .collect(),
    )
}

/// What is wrong with an env's link to its base interpreter, if anything.
/// `changed_base` is set when only the fingerprint differs (the binary is
/// there but was replaced or touched): the caller re-probes it to learn
/// whether that matters.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct BaseCheck {
    /// Problems that make the env unusable.
    pub broken: Vec<String>,
    /// The base binary exists but its fingerprint changed.
    pub changed_base: bool,
}

/// Checks the env against the interpreter recorded in its state.
pub fn check_base(env: &Path, state: &State) -> BaseCheck {
    let mut out = BaseCheck::default();
    let major_minor: String = state
        .spec
        .interpreter
        .version
        .split('.')
        .take(2)
        .collect::<Vec<_>>()
        .join(".");
    let Some(cfg) = read_pyvenv_cfg(env) else {
        out.broken.push(format!(
            "`{}` is missing or unreadable",
            env.join("pyvenv.cfg").display()
        ));
        return out;
    };
    let home = cfg
        .iter()
        .find(|(k, _)| k == "home")
        .map(|(_, v)| PathBuf::from(v));
    match &home {
        None => out.broken.push("`pyvenv.cfg` has no `home`".to_owned()),
        Some(h) if !h.is_dir() => out.broken.push(format!(
            "base interpreter directory `{}` is gone",
            h.display()
        )),
        Some(_) => {}
    }
    match Fingerprint::of(&state.base.path) {
        None => out.broken.push(format!(
            "base interpreter `{}` ({} {}) is gone",
            state.base.path.display(),
            state.spec.interpreter.implementation,
            state.spec.interpreter.version
        )),
        Some(fp) if fp != state.base => out.changed_base = true,
        Some(_) => {}
    }
    let bin = env.join(platform::BIN_DIR);
    // Without it, `penv run python` would find the base's python on PATH.
    let python = platform::env_python(env);
    if bin.is_dir() && std::fs::symlink_metadata(&python).is_err() {
        out.broken
            .push(format!("`{}` is missing", python.display()));
    }
    if let Ok(entries) = std::fs::read_dir(&bin) {
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if !name.starts_with("python") || name.ends_with("-config") {
                continue;
            }
            let path = entry.path();
            match std::fs::canonicalize(&path) {
                Err(_) => out.broken.push(format!(
                    "`{}` points to a file that is gone",
                    path.display()
                )),
                Ok(target) => {
                    let target_name = target
                        .file_name()
                        .map(|n| n.to_string_lossy().into_owned())
                        .unwrap_or_default();
                    // `python3.12` must not resolve to a `python3.13`.
                    if let Some(v) = target_name.strip_prefix("python")
                        && v.contains('.')
                        && !v.starts_with(&major_minor)
                        && v.chars().next().is_some_and(|c| c.is_ascii_digit())
                    {
                        out.broken.push(format!(
                            "`{}` now resolves to `{}`, not Python {major_minor}",
                            path.display(),
                            target.display()
                        ));
                    }
                }
            }
        }
    } else {
        out.broken.push(format!("`{}` is missing", bin.display()));
    }
    if cfg!(unix)
        && state.spec.interpreter.implementation == "cpython"
        && let Some(h) = &home
        && h.is_dir()
    {
        let landmark = Path::new("lib")
            .join(format!("python{major_minor}"))
            .join("os.py");
        let found = h.ancestors().any(|a| a.join(&landmark).is_file())
            || state
                .base_stdlib
                .as_ref()
                .is_some_and(|dir| dir.join("os.py").is_file());
        if !found {
            out.broken.push(format!(
                "the standard library of Python {major_minor} is no longer found above `{}`",
                h.display()
            ));
        }
    }
    out.broken.dedup();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A base install at `root/base` (`bin/python3.99`, maybe
    /// `lib/python3.99/os.py`) and an env at `root/env` built from it.
    fn layout(root: &Path, stdlib_beside: bool, recorded_stdlib: Option<PathBuf>) -> State {
        let base_bin = root.join("base/bin");
        std::fs::create_dir_all(&base_bin).unwrap();
        let binary = base_bin.join("python3.99");
        std::fs::write(&binary, "#!/bin/sh\n").unwrap();
        if stdlib_beside {
            std::fs::create_dir_all(root.join("base/lib/python3.99")).unwrap();
            std::fs::write(root.join("base/lib/python3.99/os.py"), "").unwrap();
        }
        let env = root.join("env");
        std::fs::create_dir_all(env.join("bin")).unwrap();
        std::fs::write(
            env.join("pyvenv.cfg"),
            format!("home = {}\n", base_bin.display()),
        )
        .unwrap();
        std::os::unix::fs::symlink(&binary, env.join("bin/python")).unwrap();
        let mut spec = crate::spec::example();
        spec.interpreter.version = "3.99.0".into();
        State {
            format: crate::state::STATE_FORMAT,
            hash: "0".repeat(64),
            spec,
            base: Fingerprint::of(&binary).unwrap(),
            base_stdlib: recorded_stdlib,
            venv_path: env,
            penv_version: "test".into(),
            pip_version: None,
            created: 0,
            last_used: 0,
        }
    }

    #[test]
    fn an_intact_base_is_not_broken() {
        let tmp = tempfile::tempdir().unwrap();
        let state = layout(tmp.path(), true, None);
        assert_eq!(
            check_base(&tmp.path().join("env"), &state),
            BaseCheck::default()
        );
    }

    #[test]
    fn a_missing_env_python_or_stdlib_is_broken() {
        let tmp = tempfile::tempdir().unwrap();
        let env = tmp.path().join("env");
        let state = layout(tmp.path(), false, None);
        let check = check_base(&env, &state);
        assert!(
            check.broken[0].contains("standard library of Python 3.99"),
            "{check:?}"
        );
        std::fs::remove_file(env.join("bin/python")).unwrap();
        let check = check_base(&env, &state);
        assert!(
            check.broken[0].contains("bin/python` is missing"),
            "{check:?}"
        );
    }

    #[test]
    fn a_relocated_binary_finds_the_stdlib_recorded_at_build_time() {
        let tmp = tempfile::tempdir().unwrap();
        let elsewhere = tmp.path().join("prefix/lib/python3.99");
        std::fs::create_dir_all(&elsewhere).unwrap();
        std::fs::write(elsewhere.join("os.py"), "").unwrap();
        let state = layout(tmp.path(), false, Some(elsewhere.clone()));
        let env = tmp.path().join("env");
        assert_eq!(check_base(&env, &state), BaseCheck::default());
        // The recorded stdlib gone too: broken after all.
        std::fs::remove_file(elsewhere.join("os.py")).unwrap();
        assert!(!check_base(&env, &state).broken.is_empty());
    }
}
