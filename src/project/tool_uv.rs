//! What penv reads of `[tool.uv]` in a `pyproject.toml` when `[tool.penv]`
//! does not say otherwise: `default-groups` (a list, or `"all"`),
//! `dev-dependencies` (uv's older spelling of the `dev` group) and
//! `package`.
//!
//! Invariant: a value of the wrong type is an error pointing at its line,
//! never ignored; the penv table's own keys win over these (`merge`).

use super::ProjectError;

/// `[tool.uv]`'s keys that decide an env, as read.
#[derive(Debug, Clone, Default)]
pub(crate) struct ToolUv {
    /// `default-groups`: the names, or every group (`"all"`).
    pub(crate) default_groups: Option<DefaultGroups>,
    /// `dev-dependencies`.
    pub(crate) dev_dependencies: Vec<String>,
    /// `package`.
    pub(crate) package: Option<bool>,
}

/// `default-groups = [...]` or `default-groups = "all"`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum DefaultGroups {
    /// Every group the project defines.
    All,
    /// These.
    Named(Vec<String>),
}

type At<'a> = dyn Fn(Option<std::ops::Range<usize>>, String, &str) -> ProjectError + 'a;

/// Reads `[tool.uv]` of `doc`; the default when there is none.
pub(crate) fn read(doc: &toml_edit::Document<String>, at: &At<'_>) -> Result<ToolUv, ProjectError> {
    let mut out = ToolUv::default();
    let Some(uv) = doc
        .get("tool")
        .and_then(toml_edit::Item::as_table_like)
        .and_then(|t| t.get("uv"))
        .and_then(toml_edit::Item::as_table_like)
    else {
        return Ok(out);
    };
    if let Some(item) = uv.get("default-groups") {
        out.default_groups = Some(match item.as_str() {
            Some("all") => DefaultGroups::All,
            _ => DefaultGroups::Named(strings(item, "[tool.uv] default-groups", at)?),
        });
    }
    if let Some(item) = uv.get("dev-dependencies") {
        out.dev_dependencies = strings(item, "[tool.uv] dev-dependencies", at)?;
        for req in &out.dev_dependencies {
            crate::requirement::normalize_requirement(req).map_err(|why| {
                at(
                    item.span(),
                    format!("`[tool.uv] dev-dependencies`: `{req}` is not a requirement: {why}"),
                    "write each entry as a PEP 508 requirement (`pytest>=8`)",
                )
            })?;
        }
    }
    if let Some(item) = uv.get("package") {
        out.package = Some(item.as_bool().ok_or_else(|| {
            at(
                item.span(),
                "`[tool.uv] package` must be `true` or `false`".to_owned(),
                "write `package = true` or `package = false`",
            )
        })?);
    }
    Ok(out)
}

/// An array of strings.
fn strings(item: &toml_edit::Item, what: &str, at: &At<'_>) -> Result<Vec<String>, ProjectError> {
    let wrong = || {
        at(
            item.span(),
            format!("`{what}` must be an array of strings"),
            "write it as `[\"a\", \"b\"]`",
        )
    };
    let array = item.as_array().ok_or_else(wrong)?;
    array
        .iter()
        .map(|v| v.as_str().map(str::to_owned).ok_or_else(wrong))
        .collect()
}

/// `[tool.uv] dev-dependencies` added to the `dev` group, as uv does
/// (after the requirements of a `[dependency-groups] dev`, if any).
pub(super) fn merge_dev_dependencies(project: &mut super::Project, uv: &ToolUv) {
    if uv.dev_dependencies.is_empty() {
        return;
    }
    let group = project
        .groups
        .entry("dev".to_owned())
        .or_insert_with(|| super::Group {
            requirements: Vec::new(),
            requirement_files: Vec::new(),
            keys: vec!["tool".into(), "uv".into(), "dev-dependencies".into()],
        });
    group
        .requirements
        .extend(uv.dev_dependencies.iter().cloned());
}

/// The default groups `[tool.uv] default-groups` names: every group for
/// `"all"`.
pub(super) fn default_groups(
    uv: &DefaultGroups,
    groups: &std::collections::BTreeMap<String, super::Group>,
) -> Vec<String> {
    match uv {
        DefaultGroups::All => groups.keys().cloned().collect(),
        DefaultGroups::Named(names) => names.clone(),
    }
}
