//! uv for the tests of `installer = "uv"`: `PENV_TEST_UV` (a path; `.ci/run`
//! installs uv outside the repository and sets it), else `uv` on the
//! harness's `PATH`. penv sees it through a directory holding only a link
//! to it, so nothing else beside uv (a venv's `python`) reaches its `PATH`.
//! uv's cache is inside the test's temp dir; the tests install only from
//! wheels they build (`no-index`, `find-links`).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use super::Sandbox;

/// The uv the tests use, or `None` ([`require_uv!`] then skips the test,
/// or fails it under CI).
#[allow(
    clippy::disallowed_methods,
    reason = "the test harness's own environment, not penv's"
)]
pub fn real_uv() -> Option<&'static Path> {
    static UV: OnceLock<Option<PathBuf>> = OnceLock::new();
    UV.get_or_init(|| {
        let uv = match std::env::var_os("PENV_TEST_UV").filter(|v| !v.is_empty()) {
            Some(path) => PathBuf::from(path),
            None => which::which("uv").ok()?,
        };
        let works = Command::new(&uv)
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success());
        works.then_some(uv)
    })
    .as_deref()
}

/// The machine's uv, or the end of the calling test ([`crate::skip!`]).
#[macro_export]
macro_rules! require_uv {
    () => {
        match $crate::common::uv::real_uv() {
            Some(uv) => uv,
            None => $crate::skip!(
                "no uv: set `PENV_TEST_UV` to a uv executable or put `uv` on `PATH` (`.ci/run` installs one)"
            ),
        }
    };
}

/// A directory in the sandbox holding only `uv` (a link to `uv`).
pub fn uv_dir(sb: &Sandbox, uv: &Path) -> PathBuf {
    let dir = sb.tmp.path().join("uv-bin");
    if !dir.join("uv").exists() {
        std::fs::create_dir_all(&dir).unwrap();
        std::os::unix::fs::symlink(uv, dir.join("uv")).unwrap();
    }
    dir
}

/// `cmd` (a sandbox's penv) with uv on its `PATH`, offline, and uv's
/// cache in the sandbox.
pub fn with_uv<'a>(cmd: &'a mut Command, sb: &Sandbox, uv: &Path) -> &'a mut Command {
    let path = format!("{}:{}", uv_dir(sb, uv).display(), Sandbox::path_var());
    // Offline: uv reaches no index in a test (and penv's arguments must
    // work for a user who sets it).
    cmd.env("PATH", path)
        .env("UV_CACHE_DIR", sb.tmp.path().join("uv-cache"))
        .env("UV_OFFLINE", "1")
}
