//! The project itself (`-e .`), read statically: when its `pyproject.toml`
//! declares its name, dependencies and optional dependencies in PEP 621
//! `[project]` (neither listed in `dynamic`), what it brings into an env is
//! known without building it — the store keeps its env without it, and a
//! derive resolves its dependencies without building it.
//!
//! Invariant: anything short of that (no `[project]`, a dynamic field, a
//! requirement that does not parse, a self-reference with a marker, a
//! marker naming `extra`) is "not static", with the reason: the project is
//! then built by pip, as before.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::str::FromStr;

use super::{PackageSpec, Spec};
use crate::requirement::normalize_name;

/// What the project declares, for the extras selected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct OwnMetadata {
    /// Its PEP 503 name.
    pub(crate) name: String,
    /// Its dependencies and those of the selected extras (self-references
    /// expanded), as written.
    pub(crate) requirements: Vec<String>,
}

/// The static metadata of the project at `root`, installed as `package`
/// says; else why it cannot be read statically.
pub(crate) fn read(root: &Path, package: &PackageSpec) -> Result<OwnMetadata, String> {
    let path = root.join("pyproject.toml");
    let text = crate::text_file::read(&path, crate::text_file::PROJECT_FILE)
        .map_err(|e| format!("its `pyproject.toml` cannot be read: {e}"))?;
    parse(&text, &package.extras)
}

/// [`read`], from the text of `pyproject.toml`.
fn parse(text: &str, extras: &[String]) -> Result<OwnMetadata, String> {
    let doc: toml_edit::DocumentMut = text
        .parse()
        .map_err(|e| format!("its `pyproject.toml` does not parse: {e}"))?;
    let project = doc
        .get("project")
        .and_then(|p| p.as_table_like())
        .ok_or("its `pyproject.toml` has no `[project]` table")?;
    let name = project
        .get("name")
        .and_then(|n| n.as_str())
        .ok_or("`[project] name` is not given in `pyproject.toml`")?;
    let name = normalize_name(name);
    let dynamic: Vec<&str> = project
        .get("dynamic")
        .and_then(|d| d.as_array())
        .map(|a| a.iter().filter_map(|v| v.as_str()).collect())
        .unwrap_or_default();
    for field in ["dependencies", "optional-dependencies"] {
        if dynamic.contains(&field) {
            return Err(format!(
                "`{field}` is dynamic: the build backend computes it"
            ));
        }
    }
    let strings = |item: Option<&toml_edit::Item>, what: &str| -> Result<Vec<String>, String> {
        let Some(item) = item else {
            return Ok(Vec::new());
        };
        let array = item
            .as_array()
            .ok_or_else(|| format!("`{what}` is not an array"))?;
        array
            .iter()
            .map(|v| v.as_str().map(str::to_owned))
            .collect::<Option<Vec<_>>>()
            .ok_or_else(|| format!("`{what}` holds something other than strings"))
    };
    let dependencies = strings(project.get("dependencies"), "[project] dependencies")?;
    let mut optional: BTreeMap<String, Vec<String>> = BTreeMap::new();
    if let Some(table) = project.get("optional-dependencies") {
        let table = table
            .as_table_like()
            .ok_or("`[project] optional-dependencies` is not a table")?;
        for (extra, item) in table.iter() {
            let reqs = strings(Some(item), "[project.optional-dependencies]")?;
            optional.insert(normalize_name(extra), reqs);
        }
    }
    let mut wanted: Vec<String> = extras.iter().map(|e| normalize_name(e)).collect();
    let mut seen: BTreeSet<String> = BTreeSet::new();
    let mut requirements: Vec<String> = Vec::new();
    let mut pending: Vec<String> = dependencies;
    loop {
        for text in std::mem::take(&mut pending) {
            let req = pep508_rs::Requirement::<pep508_rs::VerbatimUrl>::from_str(&text)
                .map_err(|e| format!("`{text}` is not a PEP 508 requirement: {e}"))?;
            let marker = req.marker.try_to_string().unwrap_or_default();
            if marker.contains("extra") {
                return Err(format!("`{text}` has a marker naming an extra"));
            }
            if normalize_name(req.name.as_ref()) == name {
                if !marker.is_empty() {
                    return Err(format!("`{text}` names the project itself with a marker"));
                }
                wanted.extend(req.extras.iter().map(|e| normalize_name(e.as_ref())));
                continue;
            }
            requirements.push(text);
        }
        let Some(extra) = wanted.pop() else {
            break;
        };
        if !seen.insert(extra.clone()) {
            continue;
        }
        // pip warns of an unknown extra and installs without it.
        pending.extend(optional.get(&extra).cloned().unwrap_or_default());
    }
    Ok(OwnMetadata { name, requirements })
}

impl Spec {
    /// Why an env of this spec may not be shared by its hash once the
    /// project itself is taken out of it (the store keeps it so, and a new
    /// checkout installs only the project, `--no-deps`), if it may not:
    /// what [`Spec::not_shareable`] says of the rest, or a project whose
    /// dependencies are not static (then they may come from files the hash
    /// does not cover). The hash covers the project's `pyproject.toml`
    /// bytes, so a static project's dependencies are in it.
    pub(crate) fn not_shareable_without_project(&self, root: &Path) -> Option<String> {
        let Some(package) = &self.package else {
            return self.not_shareable();
        };
        if !self.venv.pip && self.venv.installer.is_pip() {
            return Some(
                "it holds the project itself, and no pip to install it into a clone".to_owned(),
            );
        }
        let rest = Spec {
            package: None,
            local_projects: self
                .local_projects
                .iter()
                .filter(|p| p.path != ".")
                .cloned()
                .collect(),
            ..self.clone()
        };
        if let Some(why) = rest.not_shareable() {
            return Some(why);
        }
        read(root, package)
            .err()
            .map(|why| format!("the project's dependencies are not static: {why}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn static_dependencies_and_selected_extras_are_read() {
        let text = "[project]\nname = \"My_Pkg\"\ndependencies = [\"a>=1\"]\n\
                    [project.optional-dependencies]\nCli = [\"b\", \"my-pkg[extra2]\"]\nextra2 = [\"c; python_version > '3'\"]\nother = [\"d\"]\n";
        let got = parse(text, &["cli".to_owned()]).unwrap();
        assert_eq!(got.name, "my-pkg");
        assert_eq!(got.requirements, ["a>=1", "b", "c; python_version > '3'"]);
        assert_eq!(parse(text, &[]).unwrap().requirements, ["a>=1"]);
    }

    #[test]
    fn what_is_not_static_says_why() {
        for (text, want) in [
            ("[build-system]\n", "no `[project]`"),
            ("[project]\nversion = \"1\"\n", "name"),
            (
                "[project]\nname = \"p\"\ndynamic = [\"dependencies\"]\n",
                "`dependencies` is dynamic",
            ),
            (
                "[project]\nname = \"p\"\ndynamic = [\"optional-dependencies\"]\n",
                "`optional-dependencies` is dynamic",
            ),
            (
                "[project]\nname = \"p\"\ndependencies = [\"a b c\"]\n",
                "PEP 508",
            ),
            (
                "[project]\nname = \"p\"\ndependencies = [\"p[x]; os_name == 'nt'\"]\n",
                "itself with a marker",
            ),
            (
                "[project]\nname = \"p\"\ndependencies = [\"q; extra == 'x'\"]\n",
                "naming an extra",
            ),
        ] {
            let why = parse(text, &[]).unwrap_err();
            assert!(why.contains(want), "{text}: {why}");
        }
    }
}
