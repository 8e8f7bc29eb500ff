//! The files a local project's metadata takes its dependencies from, so
//! they are hashed with it: editing `requirements.in` that setuptools reads
//! as `dependencies` makes the env stale, as editing `pyproject.toml` does.
//!
//! Read without a build: setuptools' `[tool.setuptools.dynamic]`
//! (`dependencies`, `optional-dependencies`: `{file = …}`), the
//! hatch-requirements-txt hook (`[tool.hatch.metadata.hooks.requirements_txt]`
//! `files`, `optional-dependencies`), `setup.cfg`'s `file:` directive
//! (`install_requires`, `[options.extras_require]`), and, since `setup.py`
//! is a program, each string literal in it that names a requirement file
//! of the project: a `*.txt` or `*.in` path with `req` in it
//! (`open("requirements.txt")`, `"reqs/base.in"`; not `README.txt`).
//!
//! Invariant: only relative paths inside the project directory that are
//! regular files there are returned (a missing one is the build's to
//! report); anything unreadable names nothing.

use std::collections::BTreeSet;
use std::path::{Component, Path};

/// The dependency files the metadata in `dir` names, relative to `dir`,
/// sorted.
pub(crate) fn of(dir: &Path) -> BTreeSet<String> {
    let mut named = Vec::new();
    if let Ok(text) = std::fs::read_to_string(dir.join("pyproject.toml")) {
        pyproject(&text, &mut named);
    }
    // Hatch's own file holds the same tables without `tool.hatch`.
    if let Ok(text) = std::fs::read_to_string(dir.join("hatch.toml"))
        && let Ok(doc) = text.parse::<toml_edit::DocumentMut>()
        && let Some(hook) = doc
            .get("metadata")
            .and_then(|m| m.get("hooks"))
            .and_then(|h| h.get("requirements_txt"))
    {
        hatch_hook(hook, &mut named);
    }
    if let Ok(text) = std::fs::read_to_string(dir.join("setup.cfg")) {
        setup_cfg(&text, &mut named);
    }
    if let Ok(text) = std::fs::read_to_string(dir.join("setup.py")) {
        named.extend(literals(&text).into_iter().filter(|l| requirement_file(l)));
    }
    named
        .into_iter()
        .map(|n| n.trim().trim_start_matches("./").to_owned())
        .filter(|n| inside(n) && dir.join(n).is_file())
        .collect()
}

/// A path that names a requirement file: `*.txt` or `*.in`, with `req` in
/// it (`requirements.txt`, `reqs/base.in`, `dev-requirements.txt`), so a
/// `README.txt` or a data file `setup.py` names is not one.
fn requirement_file(name: &str) -> bool {
    let path = Path::new(name);
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("txt") || e.eq_ignore_ascii_case("in"))
        && name.to_ascii_lowercase().contains("req")
}

/// A relative path that stays inside the directory.
fn inside(name: &str) -> bool {
    let path = Path::new(name);
    !name.is_empty() && path.components().all(|c| matches!(c, Component::Normal(_)))
}

/// The files `pyproject.toml` names as dependency sources.
fn pyproject(text: &str, out: &mut Vec<String>) {
    let Ok(doc) = text.parse::<toml_edit::DocumentMut>() else {
        return;
    };
    let tool = doc.get("tool");
    if let Some(dynamic) = tool
        .and_then(|t| t.get("setuptools"))
        .and_then(|s| s.get("dynamic"))
    {
        strings(dynamic.get("dependencies").and_then(|d| d.get("file")), out);
        for (_, extra) in dynamic
            .get("optional-dependencies")
            .and_then(toml_edit::Item::as_table_like)
            .into_iter()
            .flat_map(|t| t.iter())
        {
            strings(extra.get("file"), out);
        }
    }
    if let Some(hook) = tool
        .and_then(|t| t.get("hatch"))
        .and_then(|h| h.get("metadata"))
        .and_then(|m| m.get("hooks"))
        .and_then(|h| h.get("requirements_txt"))
    {
        hatch_hook(hook, out);
    }
}

/// The files of the hatch-requirements-txt hook's table: `files`, else the
/// older `filename`, else `requirements.txt` (its default), and those of
/// `optional-dependencies`.
fn hatch_hook(hook: &toml_edit::Item, out: &mut Vec<String>) {
    match (hook.get("files"), hook.get("filename")) {
        (Some(files), _) => strings(Some(files), out),
        (None, Some(file)) => strings(Some(file), out),
        (None, None) => out.push("requirements.txt".to_owned()),
    }
    for (_, extra) in hook
        .get("optional-dependencies")
        .and_then(toml_edit::Item::as_table_like)
        .into_iter()
        .flat_map(|t| t.iter())
    {
        strings(Some(extra), out);
    }
}

/// A string, or each string of an array.
fn strings(item: Option<&toml_edit::Item>, out: &mut Vec<String>) {
    let Some(item) = item else {
        return;
    };
    if let Some(s) = item.as_str() {
        out.push(s.to_owned());
    } else if let Some(array) = item.as_array() {
        out.extend(array.iter().filter_map(|v| v.as_str()).map(str::to_owned));
    }
}

/// `setup.cfg`'s `file:` directives for dependencies: `install_requires =
/// file: a.txt, b.txt` in `[options]`, and every key of
/// `[options.extras_require]` (read as configparser reads them: `#` and
/// `;` comments, `=` or `:` between a key and its value).
fn setup_cfg(text: &str, out: &mut Vec<String>) {
    let mut section = "";
    for line in text.lines() {
        let line = line.trim();
        if line.starts_with(['#', ';']) {
            continue;
        }
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            section = name.trim();
            continue;
        }
        let Some(at) = line.find(['=', ':']) else {
            continue;
        };
        let (key, value) = (&line[..at], &line[at + 1..]);
        let wanted = match section {
            "options" => key.trim() == "install_requires",
            "options.extras_require" => true,
            _ => false,
        };
        if let Some(files) = value.trim().strip_prefix("file:").filter(|_| wanted) {
            out.extend(files.split(',').map(|f| f.trim().to_owned()));
        }
    }
}

/// The one-line string literals of a Python source (`'…'`, `"…"`), as
/// written (escapes left alone: a file name has none).
fn literals(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for line in text.lines() {
        let mut rest = line;
        while let Some(start) = rest.find(['"', '\'']) {
            let quote = rest[start..].chars().next().unwrap_or('"');
            let after = &rest[start + 1..];
            let Some(end) = after.find(quote) else {
                break;
            };
            out.push(after[..end].to_owned());
            rest = &after[end + 1..];
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn project(files: &[(&str, &str)]) -> tempfile::TempDir {
        let tmp = tempfile::tempdir().unwrap();
        for (name, text) in files {
            let path = tmp.path().join(name);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        }
        tmp
    }

    fn names(dir: &tempfile::TempDir) -> Vec<String> {
        of(dir.path()).into_iter().collect()
    }

    #[test]
    fn setuptools_dynamic_dependencies_name_their_files() {
        let dir = project(&[
            (
                "pyproject.toml",
                "[project]\nname = \"p\"\ndynamic = [\"dependencies\", \"optional-dependencies\"]\n\
                 [tool.setuptools.dynamic]\ndependencies = {file = [\"requirements.in\", \"missing.txt\"]}\n\
                 optional-dependencies.dev = {file = \"req/dev.txt\"}\n\
                 version = {file = \"VERSION\"}\n",
            ),
            ("requirements.in", "six\n"),
            ("req/dev.txt", "pytest\n"),
            ("VERSION", "1.0\n"),
        ]);
        assert_eq!(names(&dir), ["req/dev.txt", "requirements.in"]);
    }

    #[test]
    fn the_hatch_requirements_hook_names_its_files() {
        let dir = project(&[
            (
                "pyproject.toml",
                "[tool.hatch.metadata.hooks.requirements_txt]\nfiles = [\"requirements.txt\"]\n\
                 [tool.hatch.metadata.hooks.requirements_txt.optional-dependencies]\n\
                 test = [\"requirements-test.txt\"]\n",
            ),
            ("requirements.txt", "six\n"),
            ("requirements-test.txt", "pytest\n"),
        ]);
        assert_eq!(names(&dir), ["requirements-test.txt", "requirements.txt"]);
    }

    #[test]
    fn setup_cfg_file_directives_name_their_files() {
        let dir = project(&[
            (
                "setup.cfg",
                "[metadata]\nname = p\nlong_description = file: README.txt\n\
                 [options]\ninstall_requires = file: requirements.txt, more.txt\n\
                 [options.extras_require]\ndev = file: dev.txt\n",
            ),
            ("README.txt", "read me\n"),
            ("requirements.txt", "six\n"),
            ("more.txt", "idna\n"),
            ("dev.txt", "pytest\n"),
        ]);
        assert_eq!(names(&dir), ["dev.txt", "more.txt", "requirements.txt"]);
    }

    #[test]
    fn setup_py_names_the_requirement_files_it_reads() {
        let dir = project(&[
            (
                "setup.py",
                "from setuptools import setup\n\
                 reqs = open('reqs.txt').read().split()\n\
                 setup(name=\"sp\", install_requires=reqs, long_description=open(\"README.md\").read(),\n\
                 data_files=[('/etc', ['../outside.txt'])], extras_require={'x': open(\"reqs/extra.in\").read().split()})\n",
            ),
            ("reqs.txt", "six\n"),
            ("README.md", "read me\n"),
            ("reqs/extra.in", "idna\n"),
        ]);
        assert_eq!(names(&dir), ["reqs.txt", "reqs/extra.in"]);
    }

    #[test]
    fn the_hatch_hook_reads_requirements_txt_by_default_and_filename_as_files() {
        let dir = project(&[
            (
                "pyproject.toml",
                "[tool.hatch.metadata.hooks.requirements_txt]\n",
            ),
            ("requirements.txt", "six\n"),
        ]);
        assert_eq!(names(&dir), ["requirements.txt"]);
        let dir = project(&[
            (
                "hatch.toml",
                "[metadata.hooks.requirements_txt]\nfilename = \"reqs.txt\"\n",
            ),
            ("reqs.txt", "six\n"),
            ("requirements.txt", "idna\n"),
        ]);
        assert_eq!(names(&dir), ["reqs.txt"]);
    }

    #[test]
    fn setup_cfg_is_read_as_configparser_reads_it() {
        let dir = project(&[
            (
                "setup.cfg",
                "[options.extras_require]\n# dev = file: dev.txt\n; doc = file: doc.txt\n\
                 test: file: test.txt\n",
            ),
            ("dev.txt", "pytest\n"),
            ("doc.txt", "sphinx\n"),
            ("test.txt", "pytest\n"),
        ]);
        assert_eq!(names(&dir), ["test.txt"]);
    }

    /// A `setup.py` that reads its README, license and data files but no
    /// requirement file names nothing.
    #[test]
    fn a_readme_or_a_data_file_setup_py_names_is_no_dependency_file() {
        let dir = project(&[
            (
                "setup.py",
                "from setuptools import setup\n\
                 setup(name='sp', install_requires=['six'],\n\
                 long_description=open('README.txt').read(),\n\
                 license_files=['LICENSE.txt'],\n\
                 data_files=[('share/sp', ['data/words.txt'])])\n",
            ),
            ("README.txt", "read me\n"),
            ("LICENSE.txt", "MIT\n"),
            ("data/words.txt", "a b c\n"),
        ]);
        assert!(names(&dir).is_empty(), "{:?}", names(&dir));
    }

    #[test]
    fn static_metadata_names_no_file() {
        let dir = project(&[(
            "pyproject.toml",
            "[project]\nname = \"p\"\ndependencies = [\"six\"]\n",
        )]);
        assert!(names(&dir).is_empty());
        let broken = project(&[("pyproject.toml", "[project\n"), ("setup.cfg", "=\n[")]);
        assert!(names(&broken).is_empty());
    }
}
