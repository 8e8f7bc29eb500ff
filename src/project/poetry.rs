//! A Poetry or PDM project as it stands: `[tool.poetry.dependencies]`
//! (`python` as `requires-python`), `[tool.poetry.extras]`,
//! `[tool.poetry.group.<name>.dependencies]` (an `optional = true` group is
//! not a default one), `package-mode = false` (the project not installed) and the older `[tool.poetry.dev-dependencies]` (the
//! `dev` group); PDM's `[tool.pdm.dev-dependencies]` (each a group, all of
//! them default, as `pdm install` does). Poetry's constraints are made
//! PEP 440/508 (`constraint`): caret, tilde, wildcard, exact, and the
//! table forms (`version`, `extras`, `markers`, `python`, `platform`,
//! `git` with `rev`/`tag`/`branch`, `url`, `path`; a list of tables for
//! several constraints).
//!
//! Invariant: read only where the standard tables say nothing
//! (`[project]` wins); a form that has no PEP 508 spelling (`||`, a
//! `source` pinning one package to an index, a relative `path`) is an
//! error naming it, never dropped.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::ProjectError;
use crate::requirement::{normalize_name, normalize_requirement};

/// What a Poetry or PDM section says of the env.
#[derive(Debug, Clone, Default)]
pub(crate) struct Foreign {
    /// `[tool.poetry.dependencies]` without `python` and optional ones.
    pub(crate) dependencies: Vec<String>,
    /// `python`, as a PEP 440 specifier.
    pub(crate) python: Option<String>,
    /// `[tool.poetry.extras]`: each extra's requirements.
    pub(crate) extras: BTreeMap<String, Vec<String>>,
    /// Groups by normalized name: as written, requirements, optional.
    pub(crate) groups: BTreeMap<String, (String, Vec<String>, bool)>,
    /// `[tool.poetry] package-mode`: `false` for a project that is not a
    /// package (Poetry installs its dependencies only).
    pub(crate) package_mode: Option<bool>,
}

impl Foreign {
    /// The groups a plain sync installs: all but the optional ones.
    pub(crate) fn default_groups(&self) -> Vec<String> {
        self.groups
            .iter()
            .filter(|(_, (_, _, optional))| !optional)
            .map(|(name, _)| name.clone())
            .collect()
    }
}

type At<'a> = dyn Fn(Option<std::ops::Range<usize>>, String, &str) -> ProjectError + 'a;

/// The `[tool]` table's `name` table.
fn tool<'a>(
    doc: &'a toml_edit::Document<String>,
    name: &str,
) -> Option<&'a dyn toml_edit::TableLike> {
    doc.get("tool")?.as_table_like()?.get(name)?.as_table_like()
}

/// Whether `doc` has a Poetry or PDM section penv reads.
pub(crate) fn is_foreign_project(doc: &toml_edit::Document<String>) -> bool {
    tool(doc, "poetry").is_some_and(|p| {
        p.contains_key("dependencies")
            || p.contains_key("group")
            || p.contains_key("dev-dependencies")
    }) || tool(doc, "pdm").is_some_and(|p| p.contains_key("dev-dependencies"))
}

/// Reads the Poetry and PDM sections of `doc`.
pub(crate) fn read(
    doc: &toml_edit::Document<String>,
    at: &At<'_>,
) -> Result<Foreign, ProjectError> {
    let mut out = Foreign::default();
    if let Some(poetry) = tool(doc, "poetry") {
        out.package_mode = poetry
            .get("package-mode")
            .and_then(toml_edit::Item::as_bool);
        let mut optional = BTreeMap::new();
        if let Some(item) = poetry.get("dependencies") {
            for (name, value) in table(item, "[tool.poetry.dependencies]", at)?.iter() {
                if name == "python" {
                    let text = value.as_str().ok_or_else(|| wrong(value, "python", at))?;
                    out.python = Some(constraint(text).map_err(|why| bad(value, name, &why, at))?);
                    continue;
                }
                let reqs = requirements(name, value, at)?;
                if is_optional(value) {
                    optional.insert(normalize_name(name), reqs);
                } else {
                    out.dependencies.extend(reqs);
                }
            }
        }
        if let Some(item) = poetry.get("extras") {
            for (extra, names) in table(item, "[tool.poetry.extras]", at)?.iter() {
                let names = names.as_array().ok_or_else(|| wrong(names, extra, at))?;
                let mut reqs = Vec::new();
                for name in names.iter().filter_map(|v| v.as_str()) {
                    let found = optional.get(&normalize_name(name)).ok_or_else(|| {
                        bad(
                            item,
                            extra,
                            &format!("names `{name}`, which is no optional dependency"),
                            at,
                        )
                    })?;
                    reqs.extend(found.iter().cloned());
                }
                out.extras.insert(normalize_name(extra), reqs);
            }
        }
        if let Some(item) = poetry.get("dev-dependencies") {
            let reqs = dependency_table(item, "[tool.poetry.dev-dependencies]", at)?;
            out.groups.insert(
                "dev".to_owned(),
                ("dev-dependencies".to_owned(), reqs, false),
            );
        }
        if let Some(item) = poetry.get("group") {
            for (name, group) in table(item, "[tool.poetry.group]", at)?.iter() {
                let group = group
                    .as_table_like()
                    .ok_or_else(|| wrong(group, name, at))?;
                let reqs = match group.get("dependencies") {
                    Some(deps) => dependency_table(deps, name, at)?,
                    None => Vec::new(),
                };
                let opt = group.get("optional").and_then(toml_edit::Item::as_bool) == Some(true);
                let entry = out
                    .groups
                    .entry(normalize_name(name))
                    .or_insert_with(|| (name.to_owned(), Vec::new(), opt));
                entry.1.extend(reqs);
            }
        }
    }
    if let Some(pdm) = tool(doc, "pdm")
        && let Some(item) = pdm.get("dev-dependencies")
    {
        for (name, reqs) in table(item, "[tool.pdm.dev-dependencies]", at)?.iter() {
            let array = reqs.as_array().ok_or_else(|| wrong(reqs, name, at))?;
            let mut list = Vec::new();
            for req in array {
                let text = req.as_str().ok_or_else(|| wrong(reqs, name, at))?;
                normalize_requirement(text).map_err(|why| {
                    bad(reqs, name, &format!("`{text}` is not a PEP 508 requirement ({why}); PDM's `-e` paths are not read"), at)
                })?;
                list.push(text.to_owned());
            }
            out.groups
                .insert(normalize_name(name), (name.to_owned(), list, false));
        }
    }
    Ok(out)
}

fn table<'a>(
    item: &'a toml_edit::Item,
    what: &str,
    at: &At<'_>,
) -> Result<&'a dyn toml_edit::TableLike, ProjectError> {
    item.as_table_like().ok_or_else(|| wrong(item, what, at))
}

fn wrong(item: &toml_edit::Item, what: &str, at: &At<'_>) -> ProjectError {
    at(
        item.span(),
        format!("`{what}` is not of the type Poetry or PDM gives it"),
        "fix the value as the tool's documentation writes it",
    )
}

fn bad(item: &toml_edit::Item, what: &str, why: &str, at: &At<'_>) -> ProjectError {
    at(
        item.span(),
        format!("`{what}`: {why}"),
        "write it in a form that has a PEP 508 spelling, or list the requirement in `[project] dependencies` / `[tool.penv]`",
    )
}

/// Every requirement of a `{name = constraint}` table.
fn dependency_table(
    item: &toml_edit::Item,
    what: &str,
    at: &At<'_>,
) -> Result<Vec<String>, ProjectError> {
    let mut out = Vec::new();
    for (name, value) in table(item, what, at)?.iter() {
        if name == "python" {
            continue;
        }
        out.extend(requirements(name, value, at)?);
    }
    Ok(out)
}

fn is_optional(value: &toml_edit::Item) -> bool {
    value
        .as_table_like()
        .and_then(|t| t.get("optional"))
        .and_then(toml_edit::Item::as_bool)
        == Some(true)
}

/// The PEP 508 requirements of one dependency `name = value`.
fn requirements(
    name: &str,
    value: &toml_edit::Item,
    at: &At<'_>,
) -> Result<Vec<String>, ProjectError> {
    let fail = |why: String| bad(value, name, &why, at);
    let one = |v: &dyn toml_edit::TableLike| requirement(name, v).map_err(fail);
    let reqs = if let Some(text) = value.as_str() {
        vec![simple(name, text).map_err(fail)?]
    } else if let Some(t) = value.as_table_like() {
        vec![one(t)?]
    } else if let Some(array) = value.as_array() {
        array
            .iter()
            .map(|v| {
                v.as_inline_table()
                    .ok_or_else(|| wrong(value, name, at))
                    .and_then(|t| one(t))
            })
            .collect::<Result<_, _>>()?
    } else {
        return Err(wrong(value, name, at));
    };
    for req in &reqs {
        normalize_requirement(req)
            .map_err(|why| bad(value, name, &format!("`{req}`: {why}"), at))?;
    }
    Ok(reqs)
}

fn simple(name: &str, text: &str) -> Result<String, String> {
    Ok(format!("{name}{}", constraint(text)?))
}

/// One table form as a requirement.
fn requirement(name: &str, t: &dyn toml_edit::TableLike) -> Result<String, String> {
    let s = |k: &str| t.get(k).and_then(toml_edit::Item::as_str);
    if t.contains_key("source") {
        return Err("`source` pins it to one index, which pip cannot do per package".to_owned());
    }
    let extras: Vec<&str> = t
        .get("extras")
        .and_then(toml_edit::Item::as_array)
        .map(|a| a.iter().filter_map(|v| v.as_str()).collect())
        .unwrap_or_default();
    let mut out = name.to_owned();
    if !extras.is_empty() {
        let _ = write!(out, "[{}]", extras.join(","));
    }
    if let Some(git) = s("git") {
        let rev = s("rev").or(s("tag")).or(s("branch"));
        let rev = rev.map(|r| format!("@{r}")).unwrap_or_default();
        let _ = write!(out, " @ git+{git}{rev}");
        if let Some(sub) = s("subdirectory") {
            let _ = write!(out, "#subdirectory={sub}");
        }
    } else if let Some(url) = s("url") {
        let _ = write!(out, " @ {url}");
    } else if let Some(path) = s("path") {
        return Err(format!(
            "the path `{path}` is relative to the project, which PEP 508 cannot say"
        ));
    } else if let Some(version) = s("version") {
        out.push_str(&constraint(version)?);
    }
    let mut markers = Vec::new();
    if let Some(m) = s("markers") {
        markers.push(format!("({m})"));
    }
    if let Some(python) = s("python") {
        markers.push(python_marker(&constraint(python)?));
    }
    if let Some(platform) = s("platform") {
        markers.push(format!("sys_platform == \"{platform}\""));
    }
    if !markers.is_empty() {
        out.push_str(" ; ");
        out.push_str(&markers.join(" and "));
    }
    Ok(out)
}

/// A specifier as a marker on `python_full_version`.
fn python_marker(specifier: &str) -> String {
    let clauses: Vec<String> = specifier
        .split(',')
        .filter(|c| !c.is_empty())
        .map(|c| {
            let op_len = c.find(|ch: char| ch.is_ascii_digit()).unwrap_or(0);
            format!("python_full_version {} \"{}\"", &c[..op_len], &c[op_len..])
        })
        .collect();
    if clauses.is_empty() {
        "python_full_version >= \"0\"".to_owned()
    } else {
        format!("({})", clauses.join(" and "))
    }
}

/// A Poetry constraint as a PEP 440 specifier (`""` for any version).
pub(crate) fn constraint(text: &str) -> Result<String, String> {
    let text = text.trim();
    if text.contains("||") || text.contains('|') {
        return Err(format!(
            "`{text}` is a union of ranges (`||`), which PEP 440 cannot say"
        ));
    }
    let mut clauses = Vec::new();
    for part in text.split(',').flat_map(split_spaces) {
        clauses.extend(clause(&part)?);
    }
    Ok(clauses.join(","))
}

/// `>= 1.2 < 2` (Poetry's space-separated AND) into its clauses.
fn split_spaces(part: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for word in part.split_whitespace() {
        match out.last_mut() {
            Some(last) if last.chars().all(|c| "<>=!~^".contains(c)) => last.push_str(word),
            _ => out.push(word.to_owned()),
        }
    }
    out
}

fn clause(part: &str) -> Result<Vec<String>, String> {
    if part == "*" || part.is_empty() {
        return Ok(vec![]);
    }
    if let Some(v) = part.strip_prefix('^') {
        let parts = numbers(v)?;
        let first = parts
            .iter()
            .position(|n| *n != 0)
            .unwrap_or(parts.len().saturating_sub(1));
        let mut upper: Vec<u64> = parts[..=first.min(parts.len() - 1)].to_vec();
        *upper.last_mut().expect("one part") += 1;
        return Ok(vec![format!(">={v}"), format!("<{}", join(&upper))]);
    }
    if let Some(v) = part.strip_prefix("~=") {
        return Ok(vec![format!("~={v}")]);
    }
    if let Some(v) = part.strip_prefix('~') {
        let parts = numbers(v)?;
        let keep = if parts.len() == 1 { 1 } else { 2 };
        let mut upper: Vec<u64> = parts[..keep].to_vec();
        *upper.last_mut().expect("one part") += 1;
        return Ok(vec![format!(">={v}"), format!("<{}", join(&upper))]);
    }
    if part.starts_with(['<', '>', '=', '!']) {
        return Ok(vec![if part.starts_with('=') && !part.starts_with("==") {
            format!("={part}")
        } else {
            part.to_owned()
        }]);
    }
    // A bare version (`1.2.3`) is exact; a wildcard (`1.2.*`) too.
    Ok(vec![format!("=={part}")])
}

fn numbers(v: &str) -> Result<Vec<u64>, String> {
    let parts: Result<Vec<u64>, _> = v.split('.').map(str::parse).collect();
    parts
        .ok()
        .filter(|p| !p.is_empty() && p.len() <= 4)
        .ok_or_else(|| format!("`{v}` is not a release version Poetry's `^`/`~` take"))
}

fn join(parts: &[u64]) -> String {
    parts
        .iter()
        .map(u64::to_string)
        .collect::<Vec<_>>()
        .join(".")
}

#[cfg(test)]
#[path = "poetry_tests.rs"]
mod tests;
