//! What the tests of `venv` build envs with: a valid state, a venv's shape.

use std::path::{Path, PathBuf};

use crate::state::State;

/// A valid state for an env built as `env` for spec hash `hash`.
pub(crate) fn state(env: &Path, hash: &str) -> State {
    State {
        format: crate::state::STATE_FORMAT,
        hash: hash.to_owned(),
        spec: crate::spec::example(),
        base: crate::python::interpreter::Fingerprint {
            path: "/usr/bin/python3".into(),
            size: 1,
            mtime_ns: 1,
            inode: 1,
        },
        base_stdlib: None,
        venv_path: env.to_owned(),
        penv_version: "test".to_owned(),
        created: 0,
        last_used: 0,
        as_built: None,
        origin: None,
        selection: None,
        pip_version: None,
        relocatable: None,
    }
}

/// A venv's shape at `dir` (`pyvenv.cfg`, `bin/python`, `lib/`), with a
/// state recording `env` and `hash` when `hash` is given.
pub(crate) fn venv(dir: &Path, env: &Path, hash: Option<&str>) {
    std::fs::create_dir_all(dir.join("bin")).unwrap();
    std::fs::create_dir_all(dir.join("lib")).unwrap();
    std::fs::write(dir.join("pyvenv.cfg"), "home = /usr/bin\n").unwrap();
    std::fs::write(dir.join("bin/python"), "").unwrap();
    if let Some(hash) = hash {
        state(env, hash).write(dir).unwrap();
    }
}

/// Another project's env (complete, penv's, with a user's file in it).
#[cfg(unix)]
pub(crate) fn other_env(tmp: &Path) -> PathBuf {
    let other = tmp.join("other-project/.venv");
    venv(&other, &other, Some("theirs"));
    std::fs::write(other.join("lib/user-file"), "precious").unwrap();
    other
}

/// What [`other_env`] holds is as it was: not marked, nothing deleted.
#[cfg(unix)]
pub(crate) fn untouched(other: &Path) {
    assert!(
        !other.join(crate::venv::owned::BUILD_MARKER).exists(),
        "marked through a link"
    );
    assert_eq!(
        std::fs::read_to_string(other.join("lib/user-file")).unwrap(),
        "precious"
    );
    assert!(other.join(crate::state::STATE_FILE).is_file());
}
