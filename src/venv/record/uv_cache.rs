//! uv's `uv_cache.json` in a `*.dist-info`: uv's own note of when the local
//! file it installed from was last modified (and from which commit or
//! tags), written for a wheel from a path or a `find-links` directory so a
//! later `uv pip install` can tell whether that file changed. It names the
//! file's mtime, not what was installed: two builds from the same bytes
//! differ in it, so an env uv filled would never equal a build from nothing
//! by content (DESIGN.md, promise 9). penv decides what is installed by
//! content itself, so it drops the note, and its `RECORD` row, after every
//! uv install; uv, without it, takes such a distribution as not known to be
//! fresh, which is the safe side.

use std::path::Path;

use crate::fs::FsError;

/// The file uv writes.
const UV_CACHE_INFO: &str = "uv_cache.json";

/// Removes every `*.dist-info/uv_cache.json` of the env and its row in the
/// distribution's `RECORD`; returns how many it removed.
pub(crate) fn drop_uv_cache_info(env: &Path) -> Result<usize, FsError> {
    let mut dropped = 0;
    for (site, entry, _) in super::dist_infos(env)? {
        let dir = env.join(&site).join(&entry);
        let info = dir.join(UV_CACHE_INFO);
        if crate::fs::lstat(&info)?.is_none() {
            continue;
        }
        let record = dir.join("RECORD");
        if let Some(bytes) = crate::fs::read_optional(&record)? {
            let text = String::from_utf8_lossy(&bytes);
            let kept = without_row(&text, &format!("{entry}/{UV_CACHE_INFO}"));
            if kept.len() != text.len() {
                let permissions = std::fs::metadata(&record)
                    .map_err(|e| FsError::new("inspect", &record, e))?
                    .permissions();
                crate::fs::replace_unsynced(&record, kept.as_bytes(), permissions)?;
            }
        }
        crate::fs::delete_file(&info)?;
        dropped += 1;
    }
    Ok(dropped)
}

/// `record` without the row of `path` (quoted or not, as CSV allows).
fn without_row(record: &str, path: &str) -> String {
    let plain = format!("{path},");
    let quoted = format!("\"{path}\",");
    record
        .split_inclusive('\n')
        .filter(|row| !row.starts_with(&plain) && !row.starts_with(&quoted))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_row_of_uv_cache_json_goes() {
        let record = "six.py,sha256=a,1\nsix-1.0.dist-info/uv_cache.json,sha256=b,126\nsix-1.0.dist-info/RECORD,,\n";
        assert_eq!(
            without_row(record, "six-1.0.dist-info/uv_cache.json"),
            "six.py,sha256=a,1\nsix-1.0.dist-info/RECORD,,\n"
        );
        let quoted = "\"six-1.0.dist-info/uv_cache.json\",sha256=b,126\nsix.py,,\n";
        assert_eq!(
            without_row(quoted, "six-1.0.dist-info/uv_cache.json"),
            "six.py,,\n"
        );
    }

    #[test]
    fn the_note_and_its_row_leave_the_env() {
        let env = tempfile::tempdir().unwrap();
        let info = env
            .path()
            .join("lib/python3.12/site-packages/six-1.0.dist-info");
        std::fs::create_dir_all(&info).unwrap();
        std::fs::write(info.join("uv_cache.json"), "{}").unwrap();
        std::fs::write(
            info.join("RECORD"),
            "six-1.0.dist-info/uv_cache.json,sha256=b,2\nsix-1.0.dist-info/RECORD,,\n",
        )
        .unwrap();
        assert_eq!(drop_uv_cache_info(env.path()).unwrap(), 1);
        assert!(!info.join("uv_cache.json").exists());
        assert_eq!(
            std::fs::read_to_string(info.join("RECORD")).unwrap(),
            "six-1.0.dist-info/RECORD,,\n"
        );
        assert_eq!(drop_uv_cache_info(env.path()).unwrap(), 0);
    }
}
