//! User work inside an env penv is about to delete: kept, and told.
//!
//! pip checks editable VCS requirements (`-e git+…#egg=pkg`) out into the
//! env's `src/`, where people edit them. Before penv deletes an env (an old
//! one dropped after a rebuild, a stash entry pruned or found invalid), it
//! looks there: a git checkout with uncommitted changes, stashed changes or
//! commits on no remote — or anything it cannot inspect (no git, a timeout,
//! another VCS, a plain directory or file) — is user work, and the whole
//! `src/` is moved (a rename, same file system) to
//! `.penv/kept/<name>-src-<time>` instead of deleted. Clean git checkouts are
//! deleted with the env: pip makes them again.
//!
//! Invariant: nothing in `src/` that might be someone's work is deleted;
//! every move is reported to the caller, which prints where it went.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use super::EnvPaths;
use crate::fs::{self, FsError};

/// What pip leaves in `src/` that is nobody's work.
const PIP_LEFTOVERS: &[&str] = &["pip-delete-this-directory.txt"];

/// How long one `git` query may take before the checkout counts as work.
const GIT_TIMEOUT: Duration = Duration::from_secs(10);

/// Variables git would take over `-C DIR` with (set for hooks, where
/// `penv sync` may run): the checkout is asked about itself, never the
/// project's repository.
const GIT_REPO_VARS: &[&str] = &[
    "GIT_DIR",
    "GIT_WORK_TREE",
    "GIT_INDEX_FILE",
    "GIT_COMMON_DIR",
    "GIT_OBJECT_DIRECTORY",
    "GIT_ALTERNATE_OBJECT_DIRECTORIES",
    "GIT_NAMESPACE",
    "GIT_CEILING_DIRECTORIES",
    "GIT_DISCOVERY_ACROSS_FILESYSTEM",
];

/// An env's `src/` that was kept rather than deleted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Kept {
    /// The env directory it came from.
    pub(crate) from: PathBuf,
    /// Where it is now.
    pub(crate) to: PathBuf,
    /// Why each entry counts as work (`` `pkg` has uncommitted changes ``).
    pub(crate) reasons: Vec<String>,
}

/// The kept copies' directory, `.penv/kept`.
fn kept_dir(paths: &EnvPaths) -> PathBuf {
    paths.work.join("kept")
}

/// If `dir/src` may hold user work, moves it to `.penv/kept/` and says so;
/// `Ok(None)` when there is nothing to keep (no `src/`, a symlink — removed
/// as a link, its target untouched —, only pip's leftovers, or only clean
/// git checkouts).
pub(crate) fn rescue_src(paths: &EnvPaths, dir: &Path) -> Result<Option<Kept>, FsError> {
    let src = dir.join("src");
    let Some(meta) = fs::lstat(&src)? else {
        return Ok(None);
    };
    if meta.file_type().is_symlink() {
        return Ok(None);
    }
    let reasons = if meta.is_dir() {
        let mut reasons = Vec::new();
        let entries = std::fs::read_dir(&src).map_err(|e| FsError::new("list", &src, e))?;
        for entry in entries {
            let entry = entry.map_err(|e| FsError::new("list", &src, e))?;
            let name = entry.file_name().to_string_lossy().into_owned();
            if PIP_LEFTOVERS.contains(&name.as_str()) {
                continue;
            }
            if let Some(why) = work_in(&entry.path(), &name) {
                reasons.push(why);
            }
        }
        reasons.sort();
        reasons
    } else {
        vec!["`src` is a file, not a checkout penv can inspect".to_owned()]
    };
    if reasons.is_empty() {
        return Ok(None);
    }
    let kept = kept_dir(paths);
    fs::real_dir(&paths.work)?;
    if !fs::real_dir(&kept)? {
        fs::create_dir_all(&kept)?;
    }
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let mut to = kept.join(format!("{}-src-{nanos}", paths.name));
    let mut n = 1;
    while fs::lstat(&to)?.is_some() {
        to = kept.join(format!("{}-src-{nanos}-{n}", paths.name));
        n += 1;
    }
    fs::rename(&src, &to)?;
    Ok(Some(Kept {
        from: dir.to_owned(),
        to,
        reasons,
    }))
}

/// Why `path` (entry `name` of an env's `src/`) may be someone's work, or
/// `None` for a clean git checkout.
fn work_in(path: &Path, name: &str) -> Option<String> {
    let Ok(meta) = std::fs::symlink_metadata(path) else {
        return Some(format!("`{name}` cannot be inspected"));
    };
    if meta.file_type().is_symlink() {
        // Removed as a link; what it points to is not touched.
        return None;
    }
    if !meta.is_dir() {
        return Some(format!("`{name}` is a file"));
    }
    if std::fs::symlink_metadata(path.join(".git")).is_err() {
        for (dir, vcs) in [
            (".hg", "Mercurial"),
            (".svn", "Subversion"),
            (".bzr", "Bazaar"),
        ] {
            if path.join(dir).exists() {
                return Some(format!("`{name}` is a {vcs} checkout penv cannot inspect"));
            }
        }
        return Some(format!("`{name}` is not a git checkout penv can inspect"));
    }
    match git_state(path) {
        Ok(None) => None,
        Ok(Some(what)) => Some(format!("`{name}` has {what}")),
        Err(why) => Some(format!(
            "`{name}` is a git checkout git could not inspect ({why})"
        )),
    }
}

/// What in the git checkout at `dir` is not on any remote: `Ok(None)` when
/// nothing is.
fn git_state(dir: &Path) -> Result<Option<&'static str>, String> {
    let status = git(
        dir,
        &["status", "--porcelain=v1", "--untracked-files=normal"],
    )?;
    if !status.trim().is_empty() {
        return Ok(Some("uncommitted changes"));
    }
    let unpushed = git(
        dir,
        &[
            "rev-list",
            "--count",
            "HEAD",
            "--branches",
            "--not",
            "--remotes",
            "--tags",
        ],
    )?;
    if unpushed.trim() != "0" {
        return Ok(Some("commits that are on no remote"));
    }
    let stashes = git(dir, &["stash", "list"])?;
    if !stashes.trim().is_empty() {
        return Ok(Some("stashed changes"));
    }
    Ok(None)
}

/// Runs `git -C dir ARGS` (no optional locks, no fsmonitor hook, no pager),
/// returning its stdout, or why it did not answer.
fn git(dir: &Path, args: &[&str]) -> Result<String, String> {
    let mut cmd = Command::new("git");
    cmd.arg("-C")
        .arg(dir)
        .args(["-c", "core.fsmonitor=false", "--no-pager"])
        .args(args)
        .env("GIT_OPTIONAL_LOCKS", "0")
        .env("GIT_TERMINAL_PROMPT", "0");
    for var in GIT_REPO_VARS {
        cmd.env_remove(var);
    }
    let child =
        crate::process::spawn_piped(&mut cmd).map_err(|e| format!("`git` did not start: {e}"))?;
    let out = crate::process::wait_with_timeout(child, GIT_TIMEOUT)
        .map_err(|e| format!("`git {}`: {e}", args[0]))?;
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        return Err(format!(
            "`git {}` failed: {}",
            args[0],
            err.lines().next().unwrap_or("").trim()
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn has_git() -> bool {
        Command::new("git")
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success())
    }

    fn sh_git(dir: &Path, args: &[&str]) {
        let ok = Command::new("git")
            .arg("-C")
            .arg(dir)
            .args(["-c", "user.name=t", "-c", "user.email=t@example.invalid"])
            .args(args)
            .env_remove("GIT_DIR")
            .output()
            .unwrap()
            .status
            .success();
        assert!(ok, "git {args:?}");
    }

    /// Fails under CI (a scenario that cannot run is not a pass), skips
    /// with a reason otherwise.
    fn require_git() -> bool {
        if has_git() {
            return true;
        }
        #[allow(clippy::disallowed_methods, reason = "a test's own switch")]
        let ci = std::env::var_os("CI").is_some_and(|v| v == "true" || v == "1");
        assert!(!ci, "git is needed for this test under CI");
        eprintln!("skipped: no git");
        false
    }

    #[test]
    fn only_work_is_kept_and_clean_checkouts_go() {
        if !require_git() {
            return;
        }
        let tmp = tempfile::tempdir().unwrap();
        let paths = EnvPaths::new(tmp.path().join(".venv"));
        paths.ensure_work_dir().unwrap();
        let upstream = tmp.path().join("upstream");
        std::fs::create_dir(&upstream).unwrap();
        sh_git(&upstream, &["init", "-q"]);
        std::fs::write(upstream.join("mod.py"), "x = 1\n").unwrap();
        sh_git(&upstream, &["add", "."]);
        sh_git(&upstream, &["commit", "-qm", "one"]);
        let env = tmp.path().join("env");
        std::fs::create_dir_all(env.join("src")).unwrap();
        let clone = |name: &str| {
            let to = env.join("src").join(name);
            sh_git(
                tmp.path(),
                &[
                    "clone",
                    "-q",
                    upstream.to_str().unwrap(),
                    to.to_str().unwrap(),
                ],
            );
            to
        };

        // A clean clone and pip's leftover: nothing to keep.
        clone("clean");
        std::fs::write(env.join("src/pip-delete-this-directory.txt"), "").unwrap();
        assert_eq!(rescue_src(&paths, &env).unwrap(), None);

        // An edit: kept, with its reason, and nothing left in the env.
        let edited = clone("edited");
        std::fs::write(edited.join("mod.py"), "x = 2  # my fix\n").unwrap();
        let kept = rescue_src(&paths, &env).unwrap().expect("kept");
        assert_eq!(kept.reasons, ["`edited` has uncommitted changes"]);
        assert!(kept.to.starts_with(kept_dir(&paths)));
        assert_eq!(
            std::fs::read_to_string(kept.to.join("edited/mod.py")).unwrap(),
            "x = 2  # my fix\n"
        );
        assert!(!env.join("src").exists());

        // A commit on no remote, a stash, and a directory penv cannot inspect.
        std::fs::create_dir_all(env.join("src")).unwrap();
        let committed = clone("committed");
        std::fs::write(committed.join("mod.py"), "x = 3\n").unwrap();
        sh_git(&committed, &["commit", "-qam", "mine"]);
        let stashed = clone("stashed");
        std::fs::write(stashed.join("mod.py"), "x = 4\n").unwrap();
        sh_git(&stashed, &["stash", "-q"]);
        std::fs::create_dir_all(env.join("src/plain")).unwrap();
        let kept = rescue_src(&paths, &env).unwrap().expect("kept");
        assert_eq!(
            kept.reasons,
            [
                "`committed` has commits that are on no remote",
                "`plain` is not a git checkout penv can inspect",
                "`stashed` has stashed changes",
            ]
        );
    }

    #[cfg(unix)]
    #[test]
    fn a_symlinked_src_or_kept_dir_is_never_followed() {
        let tmp = tempfile::tempdir().unwrap();
        let paths = EnvPaths::new(tmp.path().join(".venv"));
        paths.ensure_work_dir().unwrap();
        let elsewhere = tmp.path().join("elsewhere");
        std::fs::create_dir_all(elsewhere.join("work")).unwrap();
        let env = tmp.path().join("env");
        std::fs::create_dir(&env).unwrap();
        std::os::unix::fs::symlink(&elsewhere, env.join("src")).unwrap();
        assert_eq!(rescue_src(&paths, &env).unwrap(), None);
        std::fs::remove_file(env.join("src")).unwrap();
        std::fs::create_dir_all(env.join("src/plain")).unwrap();
        std::os::unix::fs::symlink(&elsewhere, kept_dir(&paths)).unwrap();
        let err = rescue_src(&paths, &env).unwrap_err();
        assert!(format!("{err:?}").contains("symlink"), "{err:?}");
        assert!(env.join("src/plain").is_dir());
        assert_eq!(std::fs::read_dir(&elsewhere).unwrap().count(), 1);
    }
}
