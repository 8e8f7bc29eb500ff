//! Where the tests write: their sandboxes and the cache they share.
//!
//! A RAM disk when the machine has one (`/dev/shm` on Linux): the suite
//! creates and deletes some hundreds of thousands of small files (envs,
//! their pip, stash and store copies), and on a disk without a journal
//! (ext4 then checks each free inode for a recent deletion) a third of the
//! system time went to finding inodes. penv does nothing different on a
//! RAM disk — hard links, copies, renames and locks behave as on a disk —
//! so nothing is tested less. `PENV_TEST_TMPDIR` picks another place.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// The directory the tests' temp dirs go in: `PENV_TEST_TMPDIR` when set,
/// else `/dev/shm` when it is a writable directory, else the system's.
#[allow(
    clippy::disallowed_methods,
    reason = "the test harness's own environment, not penv's"
)]
pub fn root() -> &'static Path {
    static ROOT: OnceLock<PathBuf> = OnceLock::new();
    ROOT.get_or_init(|| {
        if let Some(dir) = std::env::var_os("PENV_TEST_TMPDIR").filter(|d| !d.is_empty()) {
            return PathBuf::from(dir);
        }
        let shm = Path::new("/dev/shm");
        let writable = tempfile::Builder::new()
            .prefix(".penv-probe-")
            .tempdir_in(shm)
            .is_ok();
        if writable {
            shm.to_owned()
        } else {
            std::env::temp_dir()
        }
    })
}

/// A new temp dir under [`root`], removed when dropped.
pub fn tempdir() -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix("penv-test-")
        .tempdir_in(root())
        .expect("a temp dir for the test")
}

/// The cache the tests of this build share (the prepared pip seed, the
/// interpreter probes): one per target directory, kept between runs so the
/// seed is made once.
pub fn shared_cache() -> PathBuf {
    use std::hash::{Hash, Hasher};
    let target = env!("CARGO_TARGET_TMPDIR");
    if root() == std::env::temp_dir() {
        return PathBuf::from(target).join("penv-test-cache");
    }
    let mut hasher = std::hash::DefaultHasher::new();
    target.hash(&mut hasher);
    root().join(format!("penv-test-cache-{:016x}", hasher.finish()))
}
