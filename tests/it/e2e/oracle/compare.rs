//! What "the same env" means to the oracle: the same files, by content.
//!
//! A snapshot lists every directory, file and symlink under the env's
//! site-packages and `bin/` by relative path: a file by the sha256 of its
//! bytes (with every project root's absolute path replaced by a
//! placeholder first: `direct_url.json`, `RECORD` and the activation
//! scripts may name it) and whether it is executable, a symlink by its
//! target. Bytecode is compared only when the spec compiles it, and then
//! after its 16-byte header (pip's `.pyc` embed the source's mtime), and a
//! `RECORD` with the digests of the files it lists normalized alike; pip's
//! own bytecode is never compared (Python writes it whenever pip runs,
//! which differs between any two envs' histories). The installed
//! distributions (the `*.dist-info` names) are `pip list` without starting
//! pip. penv's own files (`penv-state.json`) are outside what is compared.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::os::unix::fs::{MetadataExt as _, PermissionsExt as _};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

/// What a path in the env is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Entry {
    Dir,
    File { sha256: String, executable: bool },
    Symlink(String),
}

/// An env's site-packages and `bin/`, by content.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Snapshot {
    /// `site-packages/…` and `bin/…` paths.
    pub(crate) entries: BTreeMap<String, Entry>,
}

impl Snapshot {
    /// The installed distributions: `name-version.dist-info` directories.
    pub(crate) fn dists(&self) -> BTreeSet<&str> {
        self.entries
            .keys()
            .filter_map(|p| p.strip_prefix("site-packages/"))
            .filter(|p| !p.contains('/') && p.ends_with(".dist-info"))
            .collect()
    }
}

/// The env's site-packages (`lib/pythonX.Y/site-packages`).
pub(crate) fn site_packages(env: &Path) -> Option<PathBuf> {
    std::fs::read_dir(env.join("lib"))
        .ok()?
        .filter_map(Result::ok)
        .map(|e| e.path().join("site-packages"))
        .find(|p| p.is_dir())
}

/// Digests already computed, by file identity (device, inode, size and
/// mtime to the nanosecond; not the ctime, which every new hard link to
/// the file changes): the envs share most files through hard links, and
/// hashing pip's 1,000 files at every step would cost more than the
/// builds. Valid for one list of roots.
#[derive(Default)]
pub(crate) struct Digests(HashMap<[i64; 6], String>);

impl Digests {
    fn sha256(&mut self, path: &Path, meta: &std::fs::Metadata, roots: &[&Path]) -> String {
        let pyc = path.extension().is_some_and(|e| e == "pyc");
        #[allow(clippy::cast_possible_wrap, reason = "a key, not a number")]
        let key = [
            meta.dev() as i64,
            meta.ino() as i64,
            meta.size() as i64,
            meta.mtime(),
            meta.mtime_nsec(),
            i64::from(pyc),
        ];
        self.0
            .entry(key)
            .or_insert_with(|| hex::encode(Sha256::digest(normalized(path, roots))))
            .clone()
    }
}

/// The bytes of `path` as the oracle compares them: a `.pyc` after its
/// header (and with the roots replaced, like any file), a `RECORD` with the digest and size of each file it lists that
/// the oracle normalizes taken from the normalized file (the raw digest of
/// a `direct_url.json` naming the project, or of a `.pyc` with its source's
/// mtime, differs from build to build), anything else with the project
/// roots replaced.
fn normalized(path: &Path, roots: &[&Path]) -> Vec<u8> {
    let bytes = std::fs::read(path).unwrap();
    if path.extension().is_some_and(|e| e == "pyc") {
        // The code objects name their source by absolute path.
        return placeholders(bytes.get(16..).unwrap_or_default(), roots);
    }
    let record = path.file_name().is_some_and(|n| n == "RECORD")
        && path
            .parent()
            .and_then(Path::extension)
            .is_some_and(|e| e == "dist-info");
    if !record {
        return placeholders(&bytes, roots);
    }
    let site = path.parent().and_then(Path::parent).unwrap();
    let mut lines = Vec::new();
    for line in String::from_utf8_lossy(&bytes).lines() {
        let mut fields = line.rsplitn(3, ',');
        let (_, digest, file) = (fields.next(), fields.next(), fields.next());
        let listed = file.map(|f| site.join(f)).filter(|f| f.is_file());
        match (file, digest, listed) {
            (Some(file), Some(digest), Some(listed)) if !digest.is_empty() => {
                let raw = std::fs::read(&listed).unwrap();
                let norm = normalized(&listed, roots);
                if raw == norm {
                    lines.push(line.to_owned());
                } else {
                    let digest = hex::encode(Sha256::digest(&norm));
                    lines.push(format!("{file},normalized-sha256={digest},{}", norm.len()));
                }
            }
            _ => lines.push(line.to_owned()),
        }
    }
    placeholders((lines.join("\n") + "\n").as_bytes(), roots)
}

/// The snapshot of `env`, or `None` when there is no env there; `roots` are
/// the project roots whose absolute paths become `<PROJECT>` in contents;
/// `compile`, whether the spec byte-compiles.
pub(crate) fn snapshot(
    env: &Path,
    roots: &[&Path],
    compile: bool,
    digests: &mut Digests,
) -> Option<Snapshot> {
    let site = site_packages(env)?;
    let mut entries = BTreeMap::new();
    for (prefix, dir) in [("site-packages", site), ("bin", env.join("bin"))] {
        let walk = walkdir::WalkDir::new(&dir).min_depth(1).sort_by_file_name();
        for entry in walk
            .into_iter()
            .filter_entry(|e| keep(&dir, e.path(), compile))
        {
            let entry = entry.unwrap();
            let rel = entry.path().strip_prefix(&dir).unwrap().to_string_lossy();
            let what = if entry.path_is_symlink() {
                let target = std::fs::read_link(entry.path()).unwrap();
                Entry::Symlink(
                    placeholders(target.to_string_lossy().as_bytes(), roots)
                        .escape_ascii()
                        .to_string(),
                )
            } else if entry.file_type().is_dir() {
                Entry::Dir
            } else {
                let meta = entry.metadata().unwrap();
                Entry::File {
                    sha256: digests.sha256(entry.path(), &meta, roots),
                    executable: meta.permissions().mode() & 0o111 != 0,
                }
            };
            entries.insert(format!("{prefix}/{rel}"), what);
        }
    }
    Some(Snapshot { entries })
}

/// Whether a path under `dir` is compared (a directory left out is left
/// out with everything in it).
fn keep(dir: &Path, path: &Path, compile: bool) -> bool {
    let rel = path.strip_prefix(dir).unwrap();
    let bytecode = path.file_name().is_some_and(|n| n == "__pycache__")
        || path.extension().is_some_and(|e| e == "pyc");
    !bytecode || (compile && !rel.starts_with("pip"))
}

/// `bytes` with every occurrence of a root's path replaced by `<PROJECT>`.
fn placeholders(bytes: &[u8], roots: &[&Path]) -> Vec<u8> {
    let mut out = bytes.to_vec();
    for root in roots {
        if memchr::memmem::find(&out, root.as_os_str().as_encoded_bytes()).is_none() {
            continue;
        }
        let needle = root.as_os_str().as_encoded_bytes();
        let mut replaced = Vec::with_capacity(out.len());
        let mut rest = out.as_slice();
        while let Some(at) = memchr::memmem::find(rest, needle) {
            replaced.extend_from_slice(&rest[..at]);
            replaced.extend_from_slice(b"<PROJECT>");
            rest = &rest[at + needle.len()..];
        }
        replaced.extend_from_slice(rest);
        out = replaced;
    }
    out
}

/// How `got` differs from `want` (the fresh build), one line per path.
pub(crate) fn differences(got: &Snapshot, want: &Snapshot) -> Vec<String> {
    let paths: BTreeSet<&String> = got.entries.keys().chain(want.entries.keys()).collect();
    paths
        .into_iter()
        .filter_map(
            |path| match (got.entries.get(path), want.entries.get(path)) {
                (Some(_), None) => Some(format!("{path}: only here, not in the fresh build")),
                (None, Some(_)) => Some(format!("{path}: missing (the fresh build has it)")),
                (Some(a), Some(b)) if a != b => Some(format!(
                    "{path}: {} here, {} fresh",
                    describe(a),
                    describe(b)
                )),
                _ => None,
            },
        )
        .collect()
}

fn describe(entry: &Entry) -> String {
    match entry {
        Entry::Dir => "a directory".into(),
        Entry::File { sha256, executable } => {
            format!(
                "sha256 {}{}",
                &sha256[..12],
                if *executable { " (executable)" } else { "" }
            )
        }
        Entry::Symlink(target) => format!("a symlink to `{target}`"),
    }
}

/// The installed distributions in one line each way, for a report.
pub(crate) fn dist_differences(got: &Snapshot, want: &Snapshot) -> String {
    let (got, want) = (got.dists(), want.dists());
    let extra: Vec<&&str> = got.difference(&want).collect();
    let missing: Vec<&&str> = want.difference(&got).collect();
    if extra.is_empty() && missing.is_empty() {
        "the same distributions".into()
    } else {
        format!("distributions only here: {extra:?}; only in the fresh build: {missing:?}")
    }
}
