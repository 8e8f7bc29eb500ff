//! The default wheelhouse: `../shared/wheelhouse` beside the repository when
//! it is there, else the wheels of `medium-pinned.txt` downloaded once from
//! the index into the target directory, so a clone with nothing beside it
//! benches too (the bench itself then runs offline, as always).

use crate::Result;
use crate::args::repo;
use crate::measure::capture;
use crate::support::{canonical, io_error};
use crate::tools::ChildEnv;
use std::path::{Path, PathBuf};

pub(crate) fn default(env: &ChildEnv, python: &Path, sets: &Path, root: &Path) -> Result<PathBuf> {
    let shared = repo().join("../shared/wheelhouse");
    if shared.is_dir() {
        return canonical(&shared);
    }
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("bench-wheelhouse");
    if dir.is_dir() {
        return canonical(&dir);
    }
    let pinned = sets.join("medium-pinned.txt");
    let partial = Path::new(env!("CARGO_TARGET_TMPDIR")).join(".bench-wheelhouse-partial");
    let _ = std::fs::remove_dir_all(&partial);
    eprintln!(
        "no wheelhouse given and no `../shared/wheelhouse`: downloading the wheels of `{}` \
         from the index into `{}` (once)",
        pinned.display(),
        dir.display()
    );
    capture(
        env.command(python, root)
            .args([
                "-m",
                "pip",
                "download",
                "--quiet",
                "--no-deps",
                "--only-binary=:all:",
            ])
            .arg("--dest")
            .arg(&partial)
            .arg("-r")
            .arg(&pinned),
    )
    .map_err(|err| {
        format!(
            "{err}\nthe bench needs its wheels: give `--wheelhouse DIR` (a directory of the \
             wheels `{}` pins), or let it download them once with the index reachable",
            pinned.display()
        )
    })?;
    std::fs::rename(&partial, &dir).map_err(|err| io_error("rename", &partial, &err))?;
    canonical(&dir)
}
