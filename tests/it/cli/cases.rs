//! penv's command line as trycmd cases (`tests/cmd/**/*.toml`).
//!
//! Regenerate the expected output with `TRYCMD=overwrite cargo test --test it cli`
//! and read every changed message before committing it.
//!
//! Every case runs with a cleared environment (`env.inherit = false` in each
//! case file, so the developer's `VIRTUAL_ENV`, `PIP_*`, `PYTHON*` and
//! `PENV_*` never leak in) plus the variables set here. Interpreters are a
//! fake `fake-python3` in the case's project dir (a shell script answering
//! penv's probe), so no case depends on the Pythons of the machine. There is
//! one such script, `tests/it/fixtures/fake-python3`: trycmd copies a case's
//! `.in` dir symlinks and all (a relative link would dangle in the sandbox),
//! so [`place_fake_interpreters`] copies the script into every case that
//! names it before the cases run (those copies are git-ignored).

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use crate::common::interpreters::fake_cpython_3_12;

pub(super) const PENV: &str = env!("CARGO_BIN_EXE_penv");
const PATH: &str = "/usr/bin:/bin";

/// The trycmd cases' probe cache: outside every case's project dir, emptied
/// at each run (entries are keyed by the binary's path, and every sandbox's
/// fake interpreter has a new one).
fn trycmd_cache_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("penv-cli-cache")
}

/// The variables every case gets (a case's own `[env] add` cannot override
/// these: trycmd lets the runner's values win).
pub(super) fn common_env() -> Vec<(&'static str, String)> {
    vec![
        ("PATH", PATH.to_owned()),
        ("PENV_NO_PROGRESS", "1".to_owned()),
        ("NO_COLOR", "1".to_owned()),
        ("LANG", "C.UTF-8".to_owned()),
    ]
}

#[test]
fn cli_cases() {
    place_fake_interpreters();
    let cases = trycmd::TestCases::new();
    cases.register_bin("penv", Path::new(PENV));
    for (key, value) in common_env() {
        cases.env(key, value);
    }
    let cache = trycmd_cache_dir();
    let _ = std::fs::remove_dir_all(&cache);
    cases.env("PENV_CACHE_DIR", cache.display().to_string());
    cases
        .insert_var("[VERSION]", env!("CARGO_PKG_VERSION"))
        .expect("a valid substitution");
    cases
        .case("tests/cmd/*.toml")
        .case("tests/cmd/bad-input/*.toml");
}

/// Puts the shared fake interpreter into the `.in` dir of every case whose
/// case file or top-level project files name `fake-python3`, unless the case
/// commits a fake interpreter of its own (one that is not a copy of the
/// shared one). Idempotent; done once per test run.
pub(super) fn place_fake_interpreters() {
    static PLACED: OnceLock<()> = OnceLock::new();
    PLACED.get_or_init(|| {
        let fixture = std::fs::read(fake_cpython_3_12()).expect("the shared fake interpreter");
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cmd");
        let mut placed = 0;
        for dir in [root.clone(), root.join("bad-input")] {
            for entry in std::fs::read_dir(&dir).unwrap() {
                let case = entry.unwrap().path();
                let input = case.with_extension("in");
                if case.extension().is_none_or(|e| e != "toml") || !input.is_dir() {
                    continue;
                }
                if names_the_fake(&case, &input) && place(&fixture, &input.join("fake-python3")) {
                    placed += 1;
                }
            }
        }
        assert!(
            placed >= 50,
            "the shared fake interpreter is in {placed} cases"
        );
    });
}

/// Whether the case file or a top-level file of its project names `fake-python3`.
fn names_the_fake(case: &Path, input: &Path) -> bool {
    let mentions = |path: &Path| {
        std::fs::symlink_metadata(path).is_ok_and(|m| m.is_file() && m.len() < 100_000)
            && std::fs::read(path).is_ok_and(|b| b.windows(12).any(|w| w == b"fake-python3"))
    };
    mentions(case)
        || std::fs::read_dir(input).unwrap().any(|e| {
            let path = e.unwrap().path();
            path.file_name().is_some_and(|n| n != "fake-python3") && mentions(&path)
        })
}

/// Writes `fixture` (executable) at `path` unless a different, committed
/// fake interpreter is there; whether the shared one is there now.
fn place(fixture: &[u8], path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    match std::fs::read(path) {
        Ok(existing) if existing == fixture => return true,
        // Not a copy of the shared one (nor an older one): the case's own.
        Ok(existing) if !existing.starts_with(b"#!/bin/sh\n# A fake CPython 3.12.4:") => {
            return false;
        }
        _ => {}
    }
    // Through a temp file, so a case never sees a half-written script.
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, fixture).unwrap();
    std::fs::set_permissions(&tmp, std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::rename(&tmp, path).unwrap();
    true
}
