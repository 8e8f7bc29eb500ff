//! What penv reads of `[tool.uv]` in a `pyproject.toml` when `[tool.penv]`
//! does not say otherwise: `default-groups` (a list, or `"all"`),
//! `dev-dependencies` (uv's older spelling of the `dev` group), `package`,
//! and the index settings pip has too (`index-url`, `extra-index-url`,
//! `[[tool.uv.index]]`, `find-links`, `no-index`); and which of its keys
//! would change an env resolved without `uv.lock` and cannot be honoured
//! by pip (`UNHONOURED`), with where they are.
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
    /// `index-url`, or the `[[tool.uv.index]]` with `default = true`.
    pub(crate) index_url: Option<String>,
    /// `extra-index-url` and the other `[[tool.uv.index]]` entries.
    pub(crate) extra_index_urls: Vec<String>,
    /// `find-links`.
    pub(crate) find_links: Vec<String>,
    /// `no-index`.
    pub(crate) no_index: bool,
    /// Keys penv cannot honour when it resolves itself: the key and where.
    pub(crate) unhonoured: Vec<(String, Option<std::ops::Range<usize>>)>,
}

/// `[tool.uv]` keys that change what a resolution picks and that pip has
/// no equivalent of (or penv does not pass on): honoured through a
/// `uv.lock`, which has them baked in, and an error without one.
pub(crate) const UNHONOURED: &[&str] = &[
    "sources",
    "override-dependencies",
    "constraint-dependencies",
    "exclude-dependencies",
    "exclude-newer",
    "exclude-newer-package",
    "prerelease",
    "resolution",
    "index-strategy",
    "conflicts",
    "workspace",
    "environments",
    "dependency-metadata",
    "no-binary",
    "no-build",
    "no-binary-package",
    "no-build-package",
    "no-sources",
    "extra-build-dependencies",
];

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
    for (key, item) in uv.iter() {
        if UNHONOURED.contains(&key) {
            let span = uv
                .key(key)
                .and_then(toml_edit::Key::span)
                .or_else(|| item.span());
            out.unhonoured.push((key.to_owned(), span));
        }
    }
    if let Some(item) = uv.get("index-url") {
        out.index_url = Some(string(item, "[tool.uv] index-url", at)?);
    }
    if let Some(item) = uv.get("extra-index-url") {
        out.extra_index_urls = strings(item, "[tool.uv] extra-index-url", at)?;
    }
    if let Some(item) = uv.get("find-links") {
        out.find_links = strings(item, "[tool.uv] find-links", at)?;
    }
    if let Some(item) = uv.get("no-index") {
        out.no_index = item.as_bool().ok_or_else(|| {
            at(
                item.span(),
                "`[tool.uv] no-index` must be `true` or `false`".to_owned(),
                "write `no-index = true` or `no-index = false`",
            )
        })?;
    }
    if let Some(item) = uv.get("index") {
        indexes(item, &mut out, at)?;
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

/// `[[tool.uv.index]]`: the one with `default = true` is pip's
/// `--index-url`, the others `--extra-index-url`; an `explicit` one (used
/// only by packages that `sources` pin to it) is one penv cannot honour.
fn indexes(item: &toml_edit::Item, out: &mut ToolUv, at: &At<'_>) -> Result<(), ProjectError> {
    let wrong = || {
        at(
            item.span(),
            "`[[tool.uv.index]]` must be an array of tables with a `url`".to_owned(),
            "write each index as `[[tool.uv.index]]` with `url = \"https://…\"`",
        )
    };
    let tables: Vec<&dyn toml_edit::TableLike> = match item {
        toml_edit::Item::ArrayOfTables(a) => {
            a.iter().map(|t| t as &dyn toml_edit::TableLike).collect()
        }
        toml_edit::Item::Value(toml_edit::Value::Array(a)) => a
            .iter()
            .map(|v| {
                v.as_inline_table()
                    .map(|t| t as &dyn toml_edit::TableLike)
                    .ok_or_else(wrong)
            })
            .collect::<Result<_, _>>()?,
        _ => return Err(wrong()),
    };
    for table in tables {
        let url = table
            .get("url")
            .and_then(toml_edit::Item::as_str)
            .ok_or_else(wrong)?
            .to_owned();
        let flag = |key: &str| table.get(key).and_then(toml_edit::Item::as_bool) == Some(true);
        if flag("explicit") {
            out.unhonoured
                .push(("index (explicit)".to_owned(), item.span()));
        } else if flag("default") {
            out.index_url = Some(url);
        } else {
            out.extra_index_urls.push(url);
        }
    }
    Ok(())
}

/// A string.
fn string(item: &toml_edit::Item, what: &str, at: &At<'_>) -> Result<String, ProjectError> {
    item.as_str().map(str::to_owned).ok_or_else(|| {
        at(
            item.span(),
            format!("`{what}` must be a string"),
            "write it as `\"https://…\"`",
        )
    })
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

/// `[tool.uv]`'s index settings as `[tool.penv.pip]`'s, where that sets none.
pub(super) fn merge_index_settings(config: &mut super::Config, uv: &ToolUv) {
    let pip = &mut config.pip;
    if pip.index_url.is_none() {
        pip.index_url.clone_from(&uv.index_url);
    }
    if pip.extra_index_urls.is_empty() {
        pip.extra_index_urls.clone_from(&uv.extra_index_urls);
    }
    if pip.find_links.is_empty() {
        pip.find_links.clone_from(&uv.find_links);
    }
    pip.no_index |= uv.no_index;
}

/// An error naming every `[tool.uv]` key of `project` that penv cannot
/// honour when it resolves the project itself (no `uv.lock` installed).
pub(crate) fn check_honoured(project: &super::Project) -> Result<(), ProjectError> {
    let Some((first, location)) = project.unhonoured.first() else {
        return Ok(());
    };
    let keys: Vec<String> = project
        .unhonoured
        .iter()
        .map(|(k, _)| format!("`{k}`"))
        .collect();
    let message = format!(
        "`[tool.uv]` sets {}, which would change the env uv resolves, and pip (which penv resolves with) has no such setting",
        keys.join(", ")
    );
    let hint = Some(format!(
        "keep the `uv.lock` uv writes beside `pyproject.toml` (penv installs it, `{first}` included as uv resolved it), or remove the key{}",
        if keys.len() == 1 { "" } else { "s" }
    ));
    Err(match location {
        Some(location) => ProjectError::Invalid {
            location: location.clone(),
            message,
            hint,
        },
        None => ProjectError::InvalidFile {
            path: project.file.clone(),
            message,
        },
    })
}

#[cfg(test)]
#[path = "tool_uv_tests.rs"]
mod tests;
