//! Local projects: requirements that are a directory pip builds from
//! (`-e .`, `./pkg`, `file:///abs/pkg`, `pkg @ file:///…`), wherever they
//! are named, and the metadata files that decide what they install.
//!
//! Invariant: a directory is recognised as pip recognises it — paths relative
//! to pip's working directory (the project root), extras and markers
//! stripped — and its `pyproject.toml`, `setup.cfg` and `setup.py` are
//! hashed, with the files they take dependencies from, so editing a local
//! project's dependencies makes the env stale. A
//! path that is not a directory is left to pip, which reports it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::fs::FsError;

/// The files of a project directory that say what it installs.
pub(crate) const METADATA_FILES: &[&str] = &["pyproject.toml", "setup.cfg", "setup.py"];

/// A local project directory a requirement names.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct LocalProject {
    /// The requirement as written (`-e .`, `./pkg`, `pkg @ file:///…`), for messages.
    pub(crate) requirement: String,
    /// The directory, relative to the project root (absolute when outside it).
    pub(crate) path: String,
    /// sha256 of each metadata file the directory has, by file name.
    pub(crate) metadata: BTreeMap<String, String>,
}

/// The local file path of a `file:` URL (`file:///a%20b`,
/// `file://localhost/a`), without its `#fragment` or `?query`; `None` for
/// other URLs and for what does not decode to an absolute path.
pub(crate) fn file_url_path(url: &str) -> Option<PathBuf> {
    let rest = url.strip_prefix("file://")?;
    let rest = rest.strip_prefix("localhost").unwrap_or(rest);
    let rest = rest.split(['#', '?']).next().unwrap_or(rest);
    let decoded = percent_encoding::percent_decode_str(rest)
        .decode_utf8()
        .ok()?;
    let path = PathBuf::from(decoded.as_ref());
    path.is_absolute().then_some(path)
}

/// `#subdirectory=sub` of a URL: pip builds the project in that subdirectory.
fn subdirectory(url: &str) -> Option<&str> {
    let fragment = url.split_once('#')?.1;
    fragment
        .split('&')
        .find_map(|part| part.strip_prefix("subdirectory="))
}

/// A `file://` URL's directory, with its `#subdirectory=` applied, when it is one.
fn url_dir(url: &str) -> Option<PathBuf> {
    let path = file_url_path(url)?;
    let dir = match subdirectory(url) {
        Some(sub) => path.join(sub),
        None => path,
    };
    dir.is_dir().then_some(dir)
}

/// `./pkg[dev,test]` → `./pkg` (pip's `_strip_extras`).
fn strip_extras(text: &str) -> &str {
    match text.strip_suffix(']').and_then(|t| t.rfind('[')) {
        Some(open) if open > 0 => &text[..open],
        _ => text,
    }
}

/// The directory an editable (`-e VALUE`) names, as pip's `parse_editable`
/// reads it: a directory relative to `cwd`, or a `file:` URL.
pub(crate) fn editable_dir(value: &str, cwd: &Path) -> Option<PathBuf> {
    if value.contains("${") {
        return None;
    }
    let path = strip_extras(value.trim());
    if path.starts_with("file:") {
        return url_dir(path);
    }
    let dir = cwd.join(path);
    dir.is_dir().then_some(dir)
}

/// The directory a requirement (not an editable) names, as pip's
/// `parse_req_from_line` reads it: a `file:` URL, a PEP 508 `name @
/// file:…` URL, or a path (it has a `/` or starts with `.`) relative to `cwd`.
pub(crate) fn requirement_dir(text: &str, cwd: &Path) -> Option<PathBuf> {
    let text = text.trim();
    if text.contains("${") {
        return None;
    }
    if text.starts_with("file:") {
        // pip splits a URL's markers at `; ` only.
        return url_dir(text.split("; ").next().unwrap_or(text).trim());
    }
    let plain = text.split(';').next().unwrap_or(text).trim();
    let path = strip_extras(plain);
    if path.contains('/') || path.starts_with('.') {
        let dir = cwd.join(path);
        if dir.is_dir() {
            return Some(dir);
        }
    }
    url_dir(direct_url(text)?)
}

/// The URL of a PEP 508 direct reference, `name @ URL` (it ends at
/// whitespace or `;`).
fn direct_url(text: &str) -> Option<&str> {
    let (_, url) = text.split_once('@')?;
    let url = url.trim_start();
    url.split(|c: char| c.is_whitespace() || c == ';').next()
}

/// The endings pip reads as an archive to install (a wheel or an sdist).
const ARCHIVES: &[&str] = &[
    ".whl", ".zip", ".tar.gz", ".tgz", ".tar.bz2", ".tbz", ".tar.xz", ".txz", ".tar",
];

/// A local archive file pip installs from, named by a requirement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct LocalArchive {
    /// The requirement as written (`./dist/pkg-1.0-py3-none-any.whl`), for messages.
    pub(crate) requirement: String,
    /// The file, relative to the project root (absolute when outside it).
    pub(crate) path: String,
    /// sha256 of its bytes.
    pub(crate) sha256: String,
}

/// The archive file a requirement names, as pip's `parse_req_from_line`
/// reads it: a `file:` URL, a PEP 508 `name @ file:…` URL, or a path
/// ending in an archive's extension, relative to `cwd`; only when it is a
/// regular file (anything else is pip's to report).
pub(crate) fn requirement_archive(text: &str, cwd: &Path) -> Option<PathBuf> {
    let text = text.trim();
    if text.contains("${") {
        return None;
    }
    let is_archive = |p: &Path| {
        let name = p.to_string_lossy().to_ascii_lowercase();
        ARCHIVES.iter().any(|a| name.ends_with(a)) && p.is_file()
    };
    if text.starts_with("file:") {
        let url = text.split("; ").next().unwrap_or(text).trim();
        return file_url_path(url).filter(|p| is_archive(p));
    }
    let plain = text.split(';').next().unwrap_or(text).trim();
    let path = strip_extras(plain);
    if !path.contains("://") && !path.contains('@') {
        let file = cwd.join(path);
        return is_archive(&file).then_some(file);
    }
    file_url_path(direct_url(text)?).filter(|p| is_archive(p))
}

/// pip's `break_args_options`: the requirement part of a requirement-file
/// line, before the first word that is an option (`--hash=…`); empty for an
/// option line.
pub(crate) fn requirement_part(line: &str) -> String {
    line.split(' ')
        .take_while(|word| !word.starts_with('-'))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Reads the metadata files of `dir`: each that is a regular file (a
/// directory or FIFO of that name is not metadata), hashed as it streams,
/// and the files they take dependencies from (`requirements.in` of
/// setuptools' `dynamic`, a requirements file `setup.py` reads: see
/// [`super::dependency_files`]), by their path relative to `dir`.
pub(crate) fn metadata(dir: &Path) -> Result<BTreeMap<String, String>, FsError> {
    let mut out = BTreeMap::new();
    for name in METADATA_FILES {
        let path = dir.join(name);
        if !path.is_file() {
            continue;
        }
        let sha256 = match *name {
            "pyproject.toml" => pyproject_digest(&path)?,
            _ => crate::fs::sha256_file(&path)?,
        };
        out.insert((*name).to_owned(), sha256);
    }
    for name in super::dependency_files::of(dir) {
        let sha256 = crate::fs::sha256_file(&dir.join(&name))?;
        out.insert(name, sha256);
    }
    Ok(out)
}

/// The sha256 of a `pyproject.toml` as a build reads it: without its
/// `[tool.penv]` table, which no build backend reads and whose keys that
/// matter are the spec's own (a task edited rebuilds nothing); the bytes
/// as they are when it has none (or does not parse: pip reports that).
fn pyproject_digest(path: &Path) -> Result<String, FsError> {
    use sha2::Digest as _;
    let bytes = crate::fs::read(path)?;
    let without_penv = std::str::from_utf8(&bytes)
        .ok()
        .and_then(|text| text.parse::<toml_edit::DocumentMut>().ok())
        .and_then(|mut doc| {
            let tool = doc.get_mut("tool")?.as_table_like_mut()?;
            tool.remove("penv")?;
            Some(doc.to_string())
        });
    let hashed = without_penv.as_ref().map_or(&bytes[..], |t| t.as_bytes());
    Ok(hex::encode(sha2::Sha256::digest(hashed)))
}

/// The files of both records of a project, metadata and dependency files.
pub(crate) fn files<'a>(
    old: Option<&'a BTreeMap<String, String>>,
    new: &'a BTreeMap<String, String>,
) -> std::collections::BTreeSet<&'a String> {
    old.into_iter()
        .flat_map(BTreeMap::keys)
        .chain(new.keys())
        .collect()
}

/// One line per metadata file that differs between two records of the same
/// project: "`pyproject.toml` of `-e .` changed".
pub(crate) fn diff(out: &mut Vec<String>, old: &LocalProject, new: &LocalProject) {
    for name in files(Some(&old.metadata), &new.metadata) {
        let what = match (old.metadata.get(name), new.metadata.get(name)) {
            (Some(o), Some(n)) if o != n => "changed",
            (None, Some(_)) => "added",
            (Some(_), None) => "removed",
            _ => continue,
        };
        out.push(format!("`{name}` of `{}` {what}", new.requirement));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn directories_are_found_as_pip_finds_them() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path();
        std::fs::create_dir_all(root.join("pkg")).unwrap();
        std::fs::create_dir_all(root.join("sub dir")).unwrap();
        let pkg = root.join("pkg");
        let url = format!("file://{}", pkg.display());
        assert_eq!(editable_dir(".", root), Some(root.join(".")));
        assert_eq!(editable_dir("./pkg[dev]", root), Some(root.join("./pkg")));
        assert_eq!(editable_dir(&url, root), Some(pkg.clone()));
        assert_eq!(editable_dir("git+https://x/y.git#egg=y", root), None);
        assert_eq!(editable_dir("./missing", root), None);
        assert_eq!(requirement_dir("./pkg", root), Some(root.join("./pkg")));
        assert_eq!(requirement_dir(".[test]", root), Some(root.join(".")));
        assert_eq!(
            requirement_dir("./pkg ; python_version > '3'", root),
            Some(root.join("./pkg"))
        );
        assert_eq!(requirement_dir(&url, root), Some(pkg.clone()));
        assert_eq!(
            requirement_dir(&format!("{url}#egg=pkg"), root),
            Some(pkg.clone())
        );
        assert_eq!(
            requirement_dir(&format!("file://{}#subdirectory=pkg", root.display()), root),
            Some(root.join("pkg"))
        );
        assert_eq!(
            requirement_dir(&format!("pkg @ {url} ; python_version > '3'"), root),
            Some(pkg.clone())
        );
        let spaced = format!("file://{}", root.join("sub dir").display()).replace(' ', "%20");
        assert_eq!(
            requirement_dir(&format!("x @ {spaced}"), root),
            Some(root.join("sub dir"))
        );
        // Names, archives, other URLs and `${VAR}` are not local projects.
        for text in [
            "pkg",
            "pkg>=1",
            "pkg @ https://example.org/pkg.whl",
            "./pkg-1.0.tar.gz",
            "${PKG_DIR}",
        ] {
            assert_eq!(requirement_dir(text, root), None, "{text}");
        }
    }

    #[test]
    fn the_requirement_part_stops_at_the_first_option() {
        assert_eq!(requirement_part("./pkg --config-settings=x=y"), "./pkg");
        assert_eq!(requirement_part("rich==13 --hash=sha256:00"), "rich==13");
        assert_eq!(requirement_part("-e ."), "");
    }

    /// `[tool.penv]` (tasks, penv's own keys) is not what a build reads:
    /// editing it leaves the digest; the rest of the file is hashed, and a
    /// file without it by its bytes, as before.
    #[test]
    fn a_pyproject_is_hashed_without_its_tool_penv_table() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("pyproject.toml");
        let project = "[project]\nname = \"p\"\nversion = \"1\"\n";
        std::fs::write(&path, project).unwrap();
        assert_eq!(
            pyproject_digest(&path).unwrap(),
            crate::fs::sha256_file(&path).unwrap()
        );
        let with_task = |task: &str| {
            std::fs::write(
                &path,
                format!("{project}\n[tool.penv.tasks]\nhello = \"{task}\"\n[tool.other]\nx = 1\n"),
            )
            .unwrap();
            pyproject_digest(&path).unwrap()
        };
        assert_eq!(with_task("echo 1"), with_task("echo 2"));
        let before = with_task("echo 1");
        std::fs::write(
            &path,
            format!("{project}dependencies = [\"six\"]\n\n[tool.penv.tasks]\nhello = \"echo 1\"\n[tool.other]\nx = 1\n"),
        )
        .unwrap();
        assert_ne!(pyproject_digest(&path).unwrap(), before);
    }

    #[test]
    fn metadata_files_are_hashed_and_diffed() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        std::fs::write(dir.join("pyproject.toml"), "[project]\n").unwrap();
        std::fs::create_dir(dir.join("setup.py")).unwrap();
        let before = metadata(dir).unwrap();
        assert_eq!(before.keys().collect::<Vec<_>>(), ["pyproject.toml"]);
        std::fs::write(dir.join("pyproject.toml"), "[project]\ndependencies = []\n").unwrap();
        std::fs::write(dir.join("setup.cfg"), "").unwrap();
        let after = metadata(dir).unwrap();
        let project = |metadata| LocalProject {
            requirement: "-e .".to_owned(),
            path: ".".to_owned(),
            metadata,
        };
        let mut out = Vec::new();
        diff(&mut out, &project(before), &project(after));
        assert_eq!(
            out,
            [
                "`pyproject.toml` of `-e .` changed",
                "`setup.cfg` of `-e .` added"
            ]
        );
    }
}
