//! Whose directory is it? penv replaces or deletes only what it owns.
//!
//! Ownership takes evidence penv wrote, never a file name alone: a real
//! directory (not a symlink) holding a `pyvenv.cfg` and either a valid
//! state file recording the env's path, or penv's build marker with penv's
//! own content naming the directory ([`evidence`]). An env path is
//! acceptable when it does not exist, is an empty directory, or is owned so;
//! `.`, `/`, the project root, any parent of it, `$HOME` or a parent of it
//! (compared as canonical paths, so no symlinked spelling gets past), a
//! symlink, a venv penv did not make (unless `--force`) and any other data
//! are refused.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::diagnostics::display_path;
use crate::fs::{self, FsError};
use crate::state::{STATE_FILE, State};

/// The marker written into an env while penv builds it (removed after the
/// state is written), and into a directory penv is about to delete.
pub const BUILD_MARKER: &str = "penv-building";

/// The files that identify an env, removed last when it is deleted: the
/// build marker (written first) goes last, so what a kill leaves behind is
/// still provably penv's.
pub const MARKERS: &[&str] = &["pyvenv.cfg", STATE_FILE, BUILD_MARKER];

/// What the build marker says: penv's signature and the directory it was
/// written into — the evidence that penv made (or is deleting) it.
#[derive(Debug, Serialize, Deserialize)]
struct MarkerRecord {
    /// [`MARKER_SIGNATURE`].
    penv: String,
    /// The directory the marker was written into.
    path: PathBuf,
    /// `building` or `deleting`.
    doing: String,
    /// The process that wrote it.
    pid: u32,
}

const MARKER_SIGNATURE: &str = "build-marker";

/// Writes penv's build marker into `dir` (never through a link); fails if
/// there is one already.
pub fn write_marker(dir: &Path, doing: &str) -> Result<(), FsError> {
    let record = MarkerRecord {
        penv: MARKER_SIGNATURE.to_owned(),
        path: dir.to_owned(),
        doing: doing.to_owned(),
        pid: std::process::id(),
    };
    let mut bytes = serde_json::to_vec_pretty(&record).expect("a marker serializes");
    bytes.push(b'\n');
    fs::write_new_in(dir, BUILD_MARKER, &bytes)
}

/// Whether `dir` holds penv's own build marker, written for `dir` or for
/// `env` (an env moved aside or into the stash keeps the marker it was
/// built with).
fn has_own_marker(dir: &Path, env: &Path) -> bool {
    let path = dir.join(BUILD_MARKER);
    if !is_regular_file(&path) {
        return false;
    }
    let Ok(bytes) = fs::read(&path) else {
        return false;
    };
    serde_json::from_slice::<MarkerRecord>(&bytes).is_ok_and(|m| {
        m.penv == MARKER_SIGNATURE && (same_location(&m.path, dir) || same_location(&m.path, env))
    })
}

/// Whether `dir` holds nothing but an empty `penv-building` file: what a
/// penv killed between creating its marker in a new build directory and
/// writing it (two system calls) leaves. Removing it loses nothing.
fn only_an_empty_marker(dir: &Path) -> bool {
    fs::list_dir(dir).is_ok_and(|entries| {
        matches!(entries.as_slice(), [(name, kind)] if name == BUILD_MARKER && kind.is_file())
    }) && std::fs::symlink_metadata(dir.join(BUILD_MARKER)).is_ok_and(|m| m.len() == 0)
}

/// A regular file at `path` itself (a symlink there is not).
fn is_regular_file(path: &Path) -> bool {
    std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_file())
}

/// `path` with its parent directory resolved (symlinks and all), the last
/// component kept as it is: the same directory has one spelling, whichever
/// symlinked route names it, and a symlink at the path itself stays visible.
pub fn canonical_location(path: &Path) -> Option<PathBuf> {
    match (path.parent(), path.file_name()) {
        (Some(parent), Some(name)) => {
            let parent = if parent.as_os_str().is_empty() {
                Path::new(".")
            } else {
                parent
            };
            Some(parent.canonicalize().ok()?.join(name))
        }
        _ => path.canonicalize().ok(),
    }
}

/// Whether `a` and `b` name the same place (as written, or canonically).
fn same_location(a: &Path, b: &Path) -> bool {
    a == b
        || canonical_location(a)
            .zip(canonical_location(b))
            .is_some_and(|(a, b)| a == b)
}

/// Why penv may delete or replace a directory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Evidence {
    /// `pyvenv.cfg` and a valid state file recording the env's path.
    State,
    /// penv's own build marker naming the directory (or the env it was built
    /// as), beside `pyvenv.cfg` or nothing but what a venv holds: a build or
    /// a deletion penv did not finish.
    Marker,
    /// `pyvenv.cfg` and a valid state file recording another path: the env
    /// of a project moved or copied since, in a directory that holds nothing
    /// but a venv (and the state file, and `src/`).
    Moved,
    /// A venv penv did not create, which `sync --force` replaces: nothing but
    /// a venv (the same shape as for [`Occupant::ForeignVenv`]).
    Forced,
}

/// Whether penv owns `dir`, an env built as `env` (itself, or the same env
/// moved aside or into the stash). `forced`: the directory is a venv that
/// `--force` handed over. Err: what is there instead, for the refusal.
pub fn evidence(dir: &Path, env: &Path, forced: bool) -> Result<Evidence, String> {
    let meta = std::fs::symlink_metadata(dir).map_err(|e| format!("cannot be inspected ({e})"))?;
    if meta.file_type().is_symlink() {
        return Err("is a symlink".to_owned());
    }
    if !meta.is_dir() {
        return Err("is not a directory".to_owned());
    }
    let has_cfg = is_regular_file(&dir.join("pyvenv.cfg"));
    if only_an_empty_marker(dir) {
        return Ok(Evidence::Marker);
    }
    if has_own_marker(dir, env)
        && (has_cfg || venv_shape(dir, &[BUILD_MARKER, STATE_FILE, "src"], false).is_none())
    {
        return Ok(Evidence::Marker);
    }
    let state_path = dir.join(STATE_FILE);
    let marker_there = std::fs::symlink_metadata(dir.join(BUILD_MARKER)).is_ok();
    if std::fs::symlink_metadata(&state_path).is_ok() {
        if !is_regular_file(&state_path) {
            return Err(format!("holds a `{STATE_FILE}` that is not a regular file"));
        }
        let state = match State::read(dir) {
            Ok(Some(state)) => state,
            Ok(None) => return Err(format!("holds no readable `{STATE_FILE}`")),
            Err(e) => {
                return Err(format!(
                    "holds a `{STATE_FILE}` that is not a valid penv state file ({})",
                    match e {
                        crate::state::StateError::Invalid { reason, .. } => reason,
                        crate::state::StateError::Io(e) => e.to_string(),
                    }
                ));
            }
        };
        if !has_cfg {
            return Err(format!("holds a `{STATE_FILE}` but no `pyvenv.cfg`"));
        }
        if same_location(&state.venv_path, env) {
            return Ok(Evidence::State);
        }
        return match venv_shape(dir, &[STATE_FILE, BUILD_MARKER, "src"], false) {
            None => Ok(Evidence::Moved),
            Some(what) => Err(format!(
                "{what}, and its `{STATE_FILE}` records another env (`{}`)",
                state.venv_path.display()
            )),
        };
    }
    if marker_there {
        return Err(format!("holds a `{BUILD_MARKER}` file penv did not write"));
    }
    if forced && has_cfg {
        return match venv_shape(dir, &[], true) {
            None => Ok(Evidence::Forced),
            Some(what) => Err(what),
        };
    }
    Err(if has_cfg {
        "is a venv penv did not create".to_owned()
    } else {
        "holds other data".to_owned()
    })
}

/// Why penv will not use a path as its env.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// The path is the project root, a parent of it, `/` or `$HOME`.
    #[error("refusing to use `{}` as the env: it is {what}", display_path(path))]
    Protected {
        /// The path.
        path: PathBuf,
        /// What it is ("the project root", …).
        what: &'static str,
    },
    /// The path is a symlink.
    #[error("refusing to use `{}` as the env: it is a symlink (to `{}`)", display_path(path), target.display())]
    Symlink {
        /// The path.
        path: PathBuf,
        /// Where it points.
        target: PathBuf,
    },
    /// A path penv cannot record (its state and intent files are JSON).
    #[error("refusing to build the env at `{}`: its path is not valid UTF-8", path.display())]
    NotUtf8 {
        /// The path.
        path: PathBuf,
    },
    /// A venv made by something else.
    #[error(
        "`{}` is a virtual environment that penv did not create",
        display_path(path)
    )]
    ForeignVenv {
        /// The path.
        path: PathBuf,
    },
    /// A file, or a directory with other data.
    #[error(
        "refusing to replace `{}`: it {what}, not an env penv created",
        display_path(path)
    )]
    OtherData {
        /// The path.
        path: PathBuf,
        /// What is there.
        what: String,
    },
}

impl Refusal {
    /// What to do.
    pub fn hint(&self) -> String {
        match self {
            Self::Protected { .. } => {
                "set `[venv] path` to a directory of its own, e.g. `.venv`".to_owned()
            }
            Self::NotUtf8 { .. } => {
                "move the project to a path that is valid UTF-8, or set `[venv] path` to one"
                    .to_owned()
            }
            Self::Symlink { .. } => {
                "point `[venv] path` at a real directory, or remove the symlink".to_owned()
            }
            Self::ForeignVenv { path } => format!(
                "run `penv sync --force` to replace it (its packages are lost), or remove `{}` yourself",
                display_path(path)
            ),
            Self::OtherData { path, .. } => format!(
                "move `{}` away, or set `[venv] path` to another directory",
                display_path(path)
            ),
        }
    }
}

/// What is at an env path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Occupant {
    /// Nothing.
    Nothing,
    /// An empty directory.
    Empty,
    /// An env penv built or was building (state file or build marker).
    Penv,
    /// A venv someone else made (`pyvenv.cfg`, no penv state).
    ForeignVenv,
}

/// Checks that `env` may be used as the project's env, and says what is there.
pub fn check_env_path(
    env: &Path,
    project_root: &Path,
    home: Option<&Path>,
    force: bool,
) -> Result<Occupant, Refusal> {
    let protected = |what| Refusal::Protected {
        path: env.to_owned(),
        what,
    };
    if env.parent().is_none() {
        return Err(protected("the file-system root"));
    }
    // Compared as written and canonically: `path = "../links/h/me"`, with
    // `links/h` a symlink to the home directory's parent, is `$HOME`.
    let located = canonical_location(env);
    let spellings = |p: &Path| {
        let mut all = vec![p.to_owned()];
        all.extend(p.canonicalize().ok());
        all
    };
    let envs: Vec<PathBuf> = std::iter::once(env.to_owned()).chain(located).collect();
    let any = |others: &[PathBuf], test: &dyn Fn(&Path, &Path) -> bool| {
        envs.iter().any(|e| others.iter().any(|o| test(e, o)))
    };
    if envs.iter().any(|e| e.parent().is_none()) {
        return Err(protected("the file-system root"));
    }
    let roots = spellings(project_root);
    if any(&roots, &|e, r| e == r) {
        return Err(protected("the project root"));
    }
    if any(&roots, &|e, r| r.starts_with(e)) {
        return Err(protected("a parent of the project root"));
    }
    if let Some(home) = home {
        let homes = spellings(home);
        if any(&homes, &|e, h| e == h) {
            return Err(protected("your home directory"));
        }
        if any(&homes, &|e, h| h.starts_with(e)) {
            return Err(protected("a parent of your home directory"));
        }
    }
    if env.to_str().is_none() {
        return Err(Refusal::NotUtf8 {
            path: env.to_owned(),
        });
    }
    let Ok(meta) = std::fs::symlink_metadata(env) else {
        return Ok(Occupant::Nothing);
    };
    if meta.file_type().is_symlink() {
        let target = std::fs::read_link(env).unwrap_or_default();
        return Err(Refusal::Symlink {
            path: env.to_owned(),
            target,
        });
    }
    if !meta.is_dir() {
        return Err(Refusal::OtherData {
            path: env.to_owned(),
            what: "is a file".to_owned(),
        });
    }
    let mut entries = std::fs::read_dir(env).map_err(|_| Refusal::OtherData {
        path: env.to_owned(),
        what: "cannot be listed".to_owned(),
    })?;
    if entries.next().is_none() {
        return Ok(Occupant::Empty);
    }
    let claimed = [STATE_FILE, BUILD_MARKER]
        .iter()
        .any(|f| std::fs::symlink_metadata(env.join(f)).is_ok());
    match evidence(env, env, false) {
        Ok(_) => return Ok(Occupant::Penv),
        // penv's file names without penv's evidence: never replaced, not
        // even with `--force`.
        Err(what) if claimed => {
            return Err(Refusal::OtherData {
                path: env.to_owned(),
                what,
            });
        }
        Err(_) => {}
    }
    if is_regular_file(&env.join("pyvenv.cfg")) {
        // `--force` may replace a venv, never data that merely sits beside a
        // `pyvenv.cfg`: the directory must look like a venv and hold nothing else.
        if let Some(what) = venv_shape(env, &[], true) {
            return Err(Refusal::OtherData {
                path: env.to_owned(),
                what,
            });
        }
        return if force {
            Ok(Occupant::ForeignVenv)
        } else {
            Err(Refusal::ForeignVenv {
                path: env.to_owned(),
            })
        };
    }
    Err(Refusal::OtherData {
        path: env.to_owned(),
        what: "holds other data".to_owned(),
    })
}

/// What a venv made by CPython's `venv`, virtualenv, uv or pip (data files in
/// `share/`, `etc/`, `man/`) has at its top. Not `src/`: pip puts editable
/// checkouts there, which may hold the user's uncommitted work.
const VENV_ENTRIES: &[&str] = &[
    "bin",
    "Scripts",
    "include",
    "Include",
    "lib",
    "Lib",
    "lib64",
    "pyvenv.cfg",
    "share",
    "etc",
    "man",
    ".gitignore",
    "CACHEDIR.TAG",
    ".lock",
    "pip-selfcheck.json",
    ".Python",
];

/// Why `dir` is not only a venv: no `bin/python*` (when `needs_python`),
/// or entries at its top other than a venv's and `extra` (a few named).
fn venv_shape(dir: &Path, extra: &[&str], needs_python: bool) -> Option<String> {
    let has_python = ["bin", "Scripts"].iter().any(|b| {
        std::fs::read_dir(dir.join(b)).is_ok_and(|mut entries| {
            entries.any(|e| e.is_ok_and(|e| e.file_name().to_string_lossy().starts_with("python")))
        })
    });
    if needs_python && !has_python {
        return Some("holds a `pyvenv.cfg` but no `bin/python`".to_owned());
    }
    let mut other: Vec<String> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| !VENV_ENTRIES.contains(&n.as_str()) && !extra.contains(&n.as_str()))
        .map(|n| format!("`{n}`"))
        .collect();
    other.sort();
    let more = other.len().saturating_sub(5);
    other.truncate(5);
    if more > 0 {
        other.push(format!("{more} more"));
    }
    (!other.is_empty()).then(|| format!("is a venv that also holds {}", other.join(", ")))
}

/// What the tests of `venv` build envs with.
#[cfg(test)]
pub(crate) mod testing {
    use std::path::Path;

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
            pip_version: None,
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
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_what_it_does_not_own() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().join("proj");
        std::fs::create_dir_all(root.join("src")).unwrap();
        std::fs::write(root.join("src/main.py"), "").unwrap();
        let check = |p: &Path, force| check_env_path(p, &root, Some(tmp.path()), force);
        assert!(matches!(
            check(&root, false),
            Err(Refusal::Protected { .. })
        ));
        assert!(matches!(
            check(tmp.path(), false),
            Err(Refusal::Protected { .. })
        ));
        assert!(matches!(
            check(Path::new("/"), false),
            Err(Refusal::Protected { .. })
        ));
        assert!(matches!(
            check(&root.join("src"), false),
            Err(Refusal::OtherData { .. })
        ));
        assert!(matches!(
            check(&root.join("src/main.py"), false),
            Err(Refusal::OtherData { .. })
        ));
        assert_eq!(check(&root.join(".venv"), false), Ok(Occupant::Nothing));

        let foreign = root.join("foreign");
        std::fs::create_dir(&foreign).unwrap();
        assert_eq!(check(&foreign, false), Ok(Occupant::Empty));
        std::fs::write(foreign.join("pyvenv.cfg"), "home = /usr/bin\n").unwrap();
        // A pyvenv.cfg alone does not make a venv: not even --force replaces it.
        assert!(matches!(
            check(&foreign, true),
            Err(Refusal::OtherData { .. })
        ));
        std::fs::create_dir_all(foreign.join("bin")).unwrap();
        std::os::unix::fs::symlink("/usr/bin/python3", foreign.join("bin/python")).unwrap();
        assert!(matches!(
            check(&foreign, false),
            Err(Refusal::ForeignVenv { .. })
        ));
        // A venv holding the user's files is other data too.
        std::fs::write(foreign.join("notes.txt"), "precious").unwrap();
        let refused = check(&foreign, true);
        assert!(
            matches!(&refused, Err(Refusal::OtherData { what, .. }) if what.contains("`notes.txt`")),
            "{refused:?}"
        );
        std::fs::remove_file(foreign.join("notes.txt")).unwrap();
        assert_eq!(check(&foreign, true), Ok(Occupant::ForeignVenv));
        // penv's file names are no evidence: an empty or invalid state file
        // is refused, even with --force.
        for bad in ["", "{}", "not json"] {
            std::fs::write(foreign.join(STATE_FILE), bad).unwrap();
            for force in [false, true] {
                let refused = check(&foreign, force);
                assert!(
                    matches!(&refused, Err(Refusal::OtherData { what, .. }) if what.contains("not a valid penv state file")),
                    "{bad:?}: {refused:?}"
                );
            }
        }
        testing::state(&foreign, "h").write(&foreign).unwrap();
        assert_eq!(check(&foreign, false), Ok(Occupant::Penv));

        #[cfg(unix)]
        {
            std::os::unix::fs::symlink(&foreign, root.join("link")).unwrap();
            assert!(matches!(
                check(&root.join("link"), false),
                Err(Refusal::Symlink { .. })
            ));
        }
    }

    /// The repro: a home directory holding `thesis.tex` and an empty
    /// `penv-state.json`, named through a symlinked parent.
    #[cfg(unix)]
    #[test]
    fn guards_compare_canonical_paths() {
        let tmp = tempfile::tempdir().unwrap();
        let base = tmp.path().canonicalize().unwrap();
        let home = base.join("users/me");
        let root = base.join("work/proj");
        std::fs::create_dir_all(&home).unwrap();
        std::fs::create_dir_all(&root).unwrap();
        std::fs::write(home.join("thesis.tex"), "precious").unwrap();
        std::fs::write(home.join(STATE_FILE), "").unwrap();
        std::fs::create_dir_all(root.join("links")).unwrap();
        std::os::unix::fs::symlink(base.join("users"), root.join("links/h")).unwrap();
        std::os::unix::fs::symlink(&root, base.join("proj-link")).unwrap();
        let check = |p: &Path| check_env_path(p, &root, Some(&home), false);
        let protected = |p: &Path, what: &str| {
            let refused = check(p);
            assert!(
                matches!(&refused, Err(Refusal::Protected { what: w, .. }) if *w == what),
                "{}: {refused:?}",
                p.display()
            );
        };
        protected(&root.join("links/h/me"), "your home directory");
        protected(&base.join("proj-link/links/h/me"), "your home directory");
        protected(&root.join("links/h/me/../me"), "your home directory");
        // `links/h` is itself a link: refused as one, before anything else.
        assert!(matches!(
            check(&root.join("links/h")),
            Err(Refusal::Protected { .. } | Refusal::Symlink { .. })
        ));
        protected(&base.join("proj-link/links/.."), "the project root");
        protected(&base.join("users"), "a parent of your home directory");
        // Not protected, but still not penv's: refused as other data.
        std::fs::create_dir_all(root.join("links/h/other")).unwrap();
        std::fs::write(root.join("links/h/other/thesis.tex"), "x").unwrap();
        std::fs::write(root.join("links/h/other").join(STATE_FILE), "").unwrap();
        assert!(matches!(
            check(&root.join("links/h/other")),
            Err(Refusal::OtherData { .. })
        ));
        assert_eq!(
            std::fs::read_to_string(home.join("thesis.tex")).unwrap(),
            "precious"
        );
    }

    #[test]
    fn ownership_takes_evidence_penv_wrote() {
        let tmp = tempfile::tempdir().unwrap();
        let env = tmp.path().join(".venv");
        testing::venv(&env, &env, Some("h"));
        assert_eq!(evidence(&env, &env, false), Ok(Evidence::State));
        // The same env moved aside: its state still names the env path.
        let aside = tmp.path().join("old");
        std::fs::rename(&env, &aside).unwrap();
        assert_eq!(evidence(&aside, &env, false), Ok(Evidence::State));
        std::fs::rename(&aside, &env).unwrap();

        // A state naming another path: a moved project's env, only while the
        // directory is nothing but a venv.
        let other = tmp.path().join("elsewhere/.venv");
        testing::state(&other, "h").write(&env).unwrap();
        assert_eq!(evidence(&env, &env, false), Ok(Evidence::Moved));
        std::fs::write(env.join("thesis.tex"), "precious").unwrap();
        let refused = evidence(&env, &env, false).unwrap_err();
        assert!(
            refused.contains("`thesis.tex`") && refused.contains("another env"),
            "{refused}"
        );
        std::fs::remove_file(env.join("thesis.tex")).unwrap();

        // A state without pyvenv.cfg is not a venv.
        testing::state(&env, "h").write(&env).unwrap();
        std::fs::rename(env.join("pyvenv.cfg"), tmp.path().join("cfg")).unwrap();
        assert!(
            evidence(&env, &env, false)
                .unwrap_err()
                .contains("no `pyvenv.cfg`")
        );
        std::fs::rename(tmp.path().join("cfg"), env.join("pyvenv.cfg")).unwrap();
        std::fs::remove_file(env.join(STATE_FILE)).unwrap();

        // The build marker counts only with penv's own content for this path.
        std::fs::write(env.join(BUILD_MARKER), "").unwrap();
        assert!(
            evidence(&env, &env, false)
                .unwrap_err()
                .contains("did not write")
        );
        assert!(
            matches!(
                check_env_path(&env, tmp.path().join("p").as_path(), None, true),
                Err(Refusal::OtherData { .. })
            ),
            "a foreign marker is refused even with --force"
        );
        std::fs::remove_file(env.join(BUILD_MARKER)).unwrap();
        write_marker(&env, "building").unwrap();
        assert_eq!(evidence(&env, &env, false), Ok(Evidence::Marker));
        let copy = tmp.path().join("copy");
        std::fs::create_dir(&copy).unwrap();
        std::fs::copy(env.join(BUILD_MARKER), copy.join(BUILD_MARKER)).unwrap();
        std::fs::write(copy.join("notes.txt"), "").unwrap();
        assert!(
            evidence(&copy, &copy, false).is_err(),
            "a marker made for another path"
        );
        // A marker-only directory (a build killed before `python -m venv`).
        std::fs::remove_file(copy.join("notes.txt")).unwrap();
        std::fs::remove_file(copy.join(BUILD_MARKER)).unwrap();
        write_marker(&copy, "building").unwrap();
        assert_eq!(evidence(&copy, &copy, false), Ok(Evidence::Marker));

        // A venv someone else made: only what --force handed over.
        let theirs = tmp.path().join("theirs");
        testing::venv(&theirs, &theirs, None);
        assert!(evidence(&theirs, &theirs, false).is_err());
        assert_eq!(evidence(&theirs, &theirs, true), Ok(Evidence::Forced));
        std::fs::create_dir(theirs.join("src")).unwrap();
        assert!(evidence(&theirs, &theirs, true).is_err());
    }

    #[cfg(unix)]
    #[test]
    fn a_build_killed_before_its_marker_was_written_is_penvs() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join(".venv");
        std::fs::create_dir(&dir).unwrap();
        std::fs::write(dir.join(BUILD_MARKER), b"").unwrap();
        assert!(matches!(evidence(&dir, &dir, false), Ok(Evidence::Marker)));
        // Beside anything else, an empty marker is no evidence.
        std::fs::write(dir.join("thesis.tex"), b"work").unwrap();
        assert!(evidence(&dir, &dir, false).is_err());
    }

    #[test]
    fn links_are_no_evidence() {
        let tmp = tempfile::tempdir().unwrap();
        let real = tmp.path().join("real");
        testing::venv(&real, &real, Some("h"));
        let link = tmp.path().join("link");
        std::os::unix::fs::symlink(&real, &link).unwrap();
        assert!(
            evidence(&link, &real, false)
                .unwrap_err()
                .contains("symlink")
        );
        // A state file that is a link to a valid one elsewhere.
        let env = tmp.path().join(".venv");
        testing::venv(&env, &env, None);
        testing::state(&env, "h").write(tmp.path()).unwrap();
        std::os::unix::fs::symlink(tmp.path().join(STATE_FILE), env.join(STATE_FILE)).unwrap();
        assert!(
            evidence(&env, &env, false)
                .unwrap_err()
                .contains("not a regular file")
        );
    }
}
