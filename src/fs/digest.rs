//! The sha256 of a file's bytes: what identifies a local archive, a
//! `find-links` file or a project's metadata by content.

use std::fs::{self, File};
use std::io;
use std::path::Path;

use super::{FsError, Result};

/// The sha256 of a regular file's bytes, hex, read as it streams. Anything
/// else (a FIFO, a device, a directory) is refused before it is opened, so
/// hashing never blocks on a pipe.
pub(crate) fn sha256_file(path: &Path) -> Result<String> {
    use sha2::{Digest, Sha256};
    use std::io::Read;
    let meta = fs::metadata(path).map_err(|e| FsError::new("inspect", path, e))?;
    if !meta.is_file() {
        return Err(FsError::new(
            "hash",
            path,
            io::Error::new(io::ErrorKind::InvalidInput, "not a regular file"),
        ));
    }
    let mut file = File::open(path).map_err(|e| FsError::new("read", path, e))?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 256 * 1024];
    loop {
        let n = file
            .read(&mut buf)
            .map_err(|e| FsError::new("read", path, e))?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Ok(hex::encode(hasher.finalize()))
}
