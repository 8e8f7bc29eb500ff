//! What penv reads of a `pyproject.toml` as a project in its own right:
//! PEP 621 `[project]` (`dependencies`, `optional-dependencies`, `dynamic`),
//! PEP 735 `[dependency-groups]` (with `{include-group = "…"}` expanded),
//! and whether it has a `[build-system]` (then the project itself is
//! installed).
//!
//! Invariant: group and extra names are PEP 503-normalized here, once, and
//! every requirement is checked PEP 508; an include cycle, an unknown
//! include, two names that normalize alike or a value of the wrong type is
//! an error pointing at its line. Nothing else of the file is read.

use std::collections::BTreeMap;
use std::path::Path;

use super::ProjectError;
use crate::diagnostics::{Location, excerpt};
use crate::requirement::{normalize_name, normalize_requirement};

/// The tables of a `pyproject.toml` that say what its env holds.
#[derive(Debug, Clone, Default)]
pub(crate) struct PyprojectTables {
    /// A `[project]` table is there.
    pub(crate) has_project: bool,
    /// `[project] dependencies`.
    pub(crate) dependencies: Vec<String>,
    /// `"dependencies"` is in `[project] dynamic`: the build backend
    /// computes them, so they cannot be read from the file.
    pub(crate) dynamic_dependencies: bool,
    /// `[project.optional-dependencies]`, by normalized extra name.
    pub(crate) extras: BTreeMap<String, Vec<String>>,
    /// `[dependency-groups]`, by normalized name, includes expanded.
    pub(crate) groups: BTreeMap<String, DependencyGroup>,
    /// A `[build-system]` table is there.
    pub(crate) build_system: bool,
    /// `[tool.uv]`'s keys that decide an env.
    pub(crate) tool_uv: super::tool_uv::ToolUv,
    /// Poetry's or PDM's default groups, when their sections are read.
    pub(crate) foreign_default_groups: Option<Vec<String>>,
    /// Poetry's `python`, as a specifier, when `[project]` has none.
    pub(crate) foreign_python: Option<String>,
    /// `[tool.poetry] package-mode`.
    pub(crate) poetry_package_mode: Option<bool>,
}

/// One PEP 735 group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct DependencyGroup {
    /// The key as written (`Test_Utils`), for locations.
    pub(crate) written: String,
    /// Its requirements and those of the groups it includes, in order.
    pub(crate) requirements: Vec<String>,
}

/// Whether a parsed `pyproject.toml` is a project by itself: it has a
/// `[project]` or `[dependency-groups]` table.
pub(crate) fn is_project(doc: &toml_edit::Document<String>) -> bool {
    doc.contains_key("project")
        || doc.contains_key("dependency-groups")
        || super::poetry::is_foreign_project(doc)
}

/// One entry of a group as written: a requirement or an include.
enum Entry {
    Requirement(String),
    Include {
        name: String,
        span: Option<std::ops::Range<usize>>,
    },
}

/// Reads the tables of `doc` (the text of `path`).
pub(crate) fn read(
    path: &Path,
    source: &str,
    doc: &toml_edit::Document<String>,
) -> Result<PyprojectTables, ProjectError> {
    let at =
        |span: Option<std::ops::Range<usize>>, message: String, hint: &str| ProjectError::Invalid {
            location: Location::from_span(path, source, span.unwrap_or(0..0)),
            message,
            hint: Some(hint.to_owned()),
        };
    let mut out = PyprojectTables {
        build_system: doc.contains_key("build-system"),
        tool_uv: super::tool_uv::read(doc, &at)?,
        ..PyprojectTables::default()
    };
    if let Some(project) = doc.get("project") {
        let project = project.as_table_like().ok_or_else(|| {
            at(
                project.span(),
                "`project` must be a table".to_owned(),
                "write a `[project]` table",
            )
        })?;
        out.has_project = true;
        if let Some(item) = project.get("dependencies") {
            out.dependencies = requirements(item, "[project] dependencies", &at)?;
        }
        if let Some(item) = project.get("dynamic") {
            let dynamic = strings(item, "[project] dynamic", &at)?;
            out.dynamic_dependencies = dynamic.iter().any(|(d, _)| d == "dependencies");
        }
        if let Some(item) = project.get("optional-dependencies") {
            let table = item.as_table_like().ok_or_else(|| {
                at(
                    item.span(),
                    "`[project] optional-dependencies` must be a table".to_owned(),
                    "write `[project.optional-dependencies]` with one `extra = [\"req\", …]` line per extra",
                )
            })?;
            for (name, item) in table.iter() {
                let reqs = requirements(item, &format!("extra `{name}`"), &at)?;
                if out.extras.insert(normalize_name(name), reqs).is_some() {
                    return Err(at(
                        table.key(name).and_then(toml_edit::Key::span),
                        format!(
                            "extra `{name}` is defined twice (names are compared normalized, PEP 685)"
                        ),
                        "merge the two extras",
                    ));
                }
            }
        }
    }
    let foreign = super::poetry::read(doc, &at)?;
    out.poetry_package_mode = foreign.package_mode;
    if !out.has_project {
        out.dependencies.clone_from(&foreign.dependencies);
        out.extras.clone_from(&foreign.extras);
        out.foreign_python.clone_from(&foreign.python);
    }
    if !foreign.groups.is_empty() {
        out.foreign_default_groups = Some(foreign.default_groups());
    }
    let Some(groups) = doc.get("dependency-groups") else {
        add_foreign_groups(&mut out, foreign);
        return Ok(out);
    };
    let table = groups.as_table_like().ok_or_else(|| {
        at(
            groups.span(),
            "`dependency-groups` must be a table".to_owned(),
            "write `[dependency-groups]` with one `group = [\"req\", …]` line per group",
        )
    })?;
    // Each group as written, by normalized name.
    let mut written: Written = BTreeMap::new();
    for (name, item) in table.iter() {
        let key_span = table.key(name).and_then(toml_edit::Key::span);
        let normalized = normalize_name(name);
        if let Some((first, ..)) = written.get(&normalized) {
            return Err(at(
                key_span,
                format!(
                    "group `{name}` is group `{first}` again (PEP 735 compares names normalized, PEP 503)"
                ),
                "merge the two groups",
            ));
        }
        let entries = group_entries(name, item, &at)?;
        written.insert(normalized, (name.to_owned(), entries, key_span));
    }
    for name in written.keys() {
        let mut stack = Vec::new();
        let requirements = expand(name, &written, &mut stack, &at)?;
        out.groups.insert(
            name.clone(),
            DependencyGroup {
                written: written[name].0.clone(),
                requirements,
            },
        );
    }
    add_foreign_groups(&mut out, foreign);
    Ok(out)
}

/// Poetry's and PDM's groups, where `[dependency-groups]` has none of the name.
fn add_foreign_groups(out: &mut PyprojectTables, foreign: super::poetry::Foreign) {
    for (name, (written, requirements, _)) in foreign.groups {
        out.groups.entry(name).or_insert(DependencyGroup {
            written,
            requirements,
        });
    }
}

/// A byte range in the file.
type Span = Option<std::ops::Range<usize>>;

/// Each group as written, by normalized name: its key, entries and key span.
type Written = BTreeMap<String, (String, Vec<Entry>, Span)>;

type At<'a> = dyn Fn(Option<std::ops::Range<usize>>, String, &str) -> ProjectError + 'a;

/// The entries of one group: requirement strings and `{include-group = "…"}` tables.
fn group_entries(
    name: &str,
    item: &toml_edit::Item,
    at: &At<'_>,
) -> Result<Vec<Entry>, ProjectError> {
    let Some(array) = item.as_array() else {
        return Err(at(
            item.span(),
            format!("group `{name}` must be an array of requirements"),
            "write `name = [\"pytest>=8\", {include-group = \"other\"}]`",
        ));
    };
    let mut out = Vec::new();
    for value in array {
        match value {
            toml_edit::Value::String(s) => {
                check(s.value(), value.span(), at)?;
                out.push(Entry::Requirement(s.value().clone()));
            }
            toml_edit::Value::InlineTable(t) => {
                let include = t.get("include-group").and_then(toml_edit::Value::as_str);
                match include {
                    Some(group) if t.len() == 1 => out.push(Entry::Include {
                        name: group.to_owned(),
                        span: value.span(),
                    }),
                    _ => {
                        return Err(at(
                            value.span(),
                            format!(
                                "group `{name}`: a table entry must be `{{include-group = \"NAME\"}}` and nothing else"
                            ),
                            "write a requirement string, or `{include-group = \"other\"}` to include another group",
                        ));
                    }
                }
            }
            _ => {
                return Err(at(
                    value.span(),
                    format!(
                        "group `{name}`: expected a requirement string or `{{include-group = \"NAME\"}}`"
                    ),
                    "write a PEP 508 requirement in double quotes, e.g. `\"pytest>=8\"`",
                ));
            }
        }
    }
    Ok(out)
}

/// The requirements of group `name`, its includes expanded depth first,
/// each requirement once (PEP 735: an include cycle is an error).
fn expand(
    name: &str,
    groups: &Written,
    stack: &mut Vec<String>,
    at: &At<'_>,
) -> Result<Vec<String>, ProjectError> {
    stack.push(name.to_owned());
    let mut out: Vec<String> = Vec::new();
    for entry in &groups[name].1 {
        match entry {
            Entry::Requirement(r) => {
                if !out.contains(r) {
                    out.push(r.clone());
                }
            }
            Entry::Include {
                name: included,
                span,
            } => {
                let key = normalize_name(included);
                if !groups.contains_key(&key) {
                    let known: Vec<String> =
                        groups.values().map(|(w, ..)| format!("`{w}`")).collect();
                    return Err(at(
                        span.clone(),
                        format!(
                            "group `{}` includes `{included}`, which is not in `[dependency-groups]`",
                            groups[name].0
                        ),
                        &format!("the groups are {}", known.join(", ")),
                    ));
                }
                if stack.contains(&key) {
                    let mut cycle: Vec<String> = stack
                        .iter()
                        .skip_while(|g| **g != key)
                        .map(|g| format!("`{}`", groups[g].0))
                        .collect();
                    cycle.push(format!("`{}`", groups[&key].0));
                    return Err(at(
                        span.clone(),
                        format!("`[dependency-groups]` include cycle: {}", cycle.join(" → ")),
                        "a group may not include itself, directly or through others; remove one of these includes",
                    ));
                }
                for r in expand(&key, groups, stack, at)? {
                    if !out.contains(&r) {
                        out.push(r);
                    }
                }
            }
        }
    }
    stack.pop();
    Ok(out)
}

/// An array of strings, each with its span.
fn strings(
    item: &toml_edit::Item,
    what: &str,
    at: &At<'_>,
) -> Result<Vec<(String, Span)>, ProjectError> {
    let not_strings = || {
        at(
            item.span(),
            format!("{what} must be an array of strings"),
            "write a list of strings: `[\"a\", \"b\"]`",
        )
    };
    let array = item.as_array().ok_or_else(not_strings)?;
    array
        .iter()
        .map(|v| match v.as_str() {
            Some(s) => Ok((s.to_owned(), v.span())),
            None => Err(at(
                v.span(),
                format!("{what} must be an array of strings"),
                "write a string, in double quotes",
            )),
        })
        .collect()
}

/// An array of PEP 508 requirements.
fn requirements(
    item: &toml_edit::Item,
    what: &str,
    at: &At<'_>,
) -> Result<Vec<String>, ProjectError> {
    let mut out = Vec::new();
    for (req, span) in strings(item, what, at)? {
        check(&req, span, at)?;
        out.push(req);
    }
    Ok(out)
}

fn check(req: &str, span: Option<std::ops::Range<usize>>, at: &At<'_>) -> Result<(), ProjectError> {
    normalize_requirement(req).map(|_| ()).map_err(|message| {
        at(
            span,
            format!("invalid requirement `{}`: {message}", excerpt(req)),
            "write a PEP 508 requirement, e.g. `requests>=2.32` or `rich[jupyter]==13.*`",
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tables(text: &str) -> Result<PyprojectTables, String> {
        let doc = toml_edit::Document::parse(text.to_owned()).unwrap();
        read(Path::new("pyproject.toml"), text, &doc).map_err(|e| e.to_string())
    }

    #[test]
    fn project_tables_are_read() {
        let t = tables(
            "[build-system]\nrequires = []\n[project]\nname = \"x\"\ndependencies = [\"six>=1\"]\n\
             dynamic = [\"version\"]\n[project.optional-dependencies]\nHTTP_2 = [\"h2\"]\n",
        )
        .unwrap();
        assert!(t.has_project && t.build_system && !t.dynamic_dependencies);
        assert_eq!(t.dependencies, ["six>=1"]);
        assert_eq!(
            t.extras.keys().collect::<Vec<_>>(),
            ["http-2"],
            "PEP 685 names"
        );
        let t = tables("[project]\ndynamic = [\"dependencies\"]\n").unwrap();
        assert!(t.dynamic_dependencies && !t.build_system);
    }

    #[test]
    fn include_group_is_expanded_and_names_normalized() {
        let t = tables(
            "[dependency-groups]\nTest_Utils = [\"pytest\", \"six\"]\n\
             dev = [\"ruff\", {include-group = \"test-utils\"}, \"six\"]\n",
        )
        .unwrap();
        assert_eq!(t.groups.keys().collect::<Vec<_>>(), ["dev", "test-utils"]);
        assert_eq!(t.groups["dev"].requirements, ["ruff", "pytest", "six"]);
        assert_eq!(t.groups["test-utils"].written, "Test_Utils");
    }

    #[test]
    fn cycles_unknown_includes_and_clashes_are_errors_with_their_line() {
        let err = tables(
            "[dependency-groups]\na = [{include-group = \"b\"}]\nb = [\"x\", {include-group = \"A\"}]\n",
        )
        .unwrap_err();
        assert!(err.starts_with("pyproject.toml:3:11"), "{err}");
        assert!(err.contains("include cycle: `a` → `b` → `a`"), "{err}");
        let err = tables("[dependency-groups]\na = [{include-group = \"nope\"}]\n").unwrap_err();
        assert!(
            err.contains("pyproject.toml:2:6") && err.contains("includes `nope`"),
            "{err}"
        );
        let err = tables("[dependency-groups]\nfoo_bar = []\nFoo-Bar = []\n").unwrap_err();
        assert!(
            err.contains("pyproject.toml:3:1") && err.contains("group `foo_bar` again"),
            "{err}"
        );
        let err = tables("[dependency-groups]\na = [{include-group = \"b\", x = 1}]\nb = []\n")
            .unwrap_err();
        assert!(err.contains("nothing else"), "{err}");
        let err = tables("[project]\ndependencies = [\"ok\", \"not a req!\"]\n").unwrap_err();
        assert!(
            err.contains("pyproject.toml:2:23") && err.contains("invalid requirement"),
            "{err}"
        );
        let err = tables("[dependency-groups]\na = \"pytest\"\n").unwrap_err();
        assert!(err.contains("must be an array"), "{err}");
    }
}
