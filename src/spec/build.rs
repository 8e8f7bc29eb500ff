//! Gathering a spec from a loaded project and the resolved interpreter:
//! the groups selected, the requirement files read (with their includes),
//! the local projects and `find-links` directories they name, and the pip
//! request.
//!
//! Invariant: every input is read once, here, and written into the spec in
//! its canonical form (requirements normalized, sorted and deduplicated;
//! paths relative to the project root), so the hash depends on what is
//! installed and not on how or where it is written.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use super::{
    DEFAULT_PIP_REQUEST, FileSpec, InterpreterSpec, LocalArchive, LocalProject, PackageSpec,
    PipSpec, SPEC_FORMAT, Spec, SpecError, VenvSpec, find_links, local, pip_args, relative_display,
    reqfile,
};
use crate::credentials::PipUrl;
use crate::diagnostics::Location;
use crate::project::Project;
use crate::python::Resolved;
use crate::requirement::normalize_requirement;

/// Which groups and extras to install, as the command line chose them
/// (recorded so in the state: replayed, it follows the project's defaults).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub(crate) struct GroupSelection {
    /// `--group` (repeatable).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub(crate) groups: Vec<String>,
    /// `--no-default-groups`.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub(crate) no_default_groups: bool,
    /// `--all-groups`.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub(crate) all_groups: bool,
    /// `--extra` (repeatable).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub(crate) extras: Vec<String>,
    /// `--all-extras`.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub(crate) all_extras: bool,
}

impl GroupSelection {
    /// Whether the command line chose anything (else the defaults apply).
    pub(crate) fn is_default(&self) -> bool {
        *self == Self::default()
    }

    /// These choices as they are typed after `penv sync`: ` --group docs`.
    pub(crate) fn as_command_line(&self) -> String {
        let mut out = String::new();
        for group in &self.groups {
            out.push_str(" --group ");
            out.push_str(group);
        }
        if self.no_default_groups {
            out.push_str(" --no-default-groups");
        }
        if self.all_groups {
            out.push_str(" --all-groups");
        }
        for extra in &self.extras {
            out.push_str(" --extra ");
            out.push_str(extra);
        }
        if self.all_extras {
            out.push_str(" --all-extras");
        }
        out
    }
}

impl Spec {
    /// Builds the spec of `project` for interpreter `python`.
    pub(crate) fn build(
        project: &Project,
        python: &Resolved,
        selection: &GroupSelection,
    ) -> Result<Self, SpecError> {
        let config = &project.config;
        let mut groups = BTreeMap::new();
        let mut group_files: BTreeMap<String, Vec<String>> = BTreeMap::new();
        let mut group_tops = Vec::new();
        for name in selected_groups(project, selection) {
            let Some((key, group)) = project.group(&name) else {
                return Err(SpecError::UnknownGroup {
                    name,
                    file: project.file.clone(),
                    known: project.groups.keys().cloned().collect(),
                });
            };
            groups.insert(key.clone(), canonical_requirements(&group.requirements));
            if group.requirement_files.is_empty() {
                continue;
            }
            group_files.insert(key.clone(), group.requirement_files.clone());
            for (i, f) in group.requirement_files.iter().enumerate() {
                let mut keys: Vec<&str> = group.keys.iter().map(String::as_str).collect();
                let index = i.to_string();
                keys.extend(["requirement-files", &index]);
                group_tops.push((project.root.join(f), project.locate_from_top(&keys), false));
            }
        }
        let (package, extras) = selected_extras(project, selection)?;
        let named = pip_args::parse(&config.pip.args);
        let mut top: Vec<(PathBuf, Option<Location>, bool)> = config
            .requirement_files
            .iter()
            .enumerate()
            .map(|(i, f)| {
                (
                    project.root.join(f),
                    project.locate(&["requirement-files", &i.to_string()]),
                    false,
                )
            })
            .collect();
        top.extend(group_tops);
        // `-r`/`-c` in `[pip] args`: relative to pip's working directory,
        // the project root. A URL or a `${VAR}` is pip's, as in includes.
        for (i, file, constraint) in &named.files {
            if !file.contains("://") && !file.contains("${") {
                let location = project.locate(&["pip", "args", &i.to_string()]);
                top.push((project.root.join(file), location, *constraint));
            }
        }
        let read = reqfile::read_files(&top)?;
        let named_find_links = find_links::named(&project.root, &read, &named);
        let files: Vec<FileSpec> = read
            .into_iter()
            .map(|f| FileSpec {
                path: relative_display(&f.path, &project.root),
                sha256: f.sha256,
                constraint: f.constraint,
                lines: f.lines,
            })
            .collect();
        let requirements = canonical_requirements(&project.requirements);
        let (local_projects, local_archives) = local_sources(
            &project.root,
            package.is_some(),
            &requirements,
            &groups,
            &files,
            &named,
        )?;
        let (interpreter, venv, pip) = common_parts(project, python)?;
        Ok(Self {
            format: SPEC_FORMAT,
            interpreter,
            venv,
            requirements,
            groups,
            requirement_files: files,
            pip,
            local_projects,
            named_find_links,
            group_files,
            package,
            extras,
            lock: None,
            local_archives,
        })
    }
}

/// The names of the groups `selection` asks for, as asked: every group
/// with `--all-groups`, else the defaults (unless `--no-default-groups`)
/// and `--group`'s.
fn selected_groups(project: &Project, selection: &GroupSelection) -> Vec<String> {
    if selection.all_groups {
        return project.groups.keys().cloned().collect();
    }
    let defaults = if selection.no_default_groups {
        &[][..]
    } else {
        &project.default_groups[..]
    };
    defaults.iter().chain(&selection.groups).cloned().collect()
}

/// Extras by name, with their requirements.
type Extras = BTreeMap<String, Vec<String>>;

/// The extras `selection` asks for: for a project installed itself, the
/// names pip gets (`-e .[a,b]`); else each one's requirements.
fn selected_extras(
    project: &Project,
    selection: &GroupSelection,
) -> Result<(Option<PackageSpec>, Extras), SpecError> {
    let mut chosen: BTreeMap<String, Vec<String>> = BTreeMap::new();
    if selection.all_extras {
        chosen.extend(project.extras.iter().map(|(k, v)| (k.clone(), v.clone())));
    }
    for name in &selection.extras {
        let Some((key, reqs)) = project.extra(name) else {
            return Err(SpecError::UnknownExtra {
                name: name.clone(),
                file: project.file.clone(),
                known: project.extras.keys().cloned().collect(),
            });
        };
        chosen.insert(key.clone(), reqs.clone());
    }
    if project.package {
        let extras = chosen.into_keys().collect();
        return Ok((Some(PackageSpec { extras }), BTreeMap::new()));
    }
    Ok((
        None,
        chosen
            .into_iter()
            .map(|(k, v)| (k, canonical_requirements(&v)))
            .collect(),
    ))
}

/// The parts of a spec that do not depend on what is installed: the
/// interpreter, the venv options and the pip options (a lock is installed
/// with them too: an sdist is built with the index's build dependencies).
pub(super) fn common_parts(
    project: &Project,
    python: &Resolved,
) -> Result<(InterpreterSpec, VenvSpec, PipSpec), SpecError> {
    let config = &project.config;
    let find_links = find_links::configured(project)?;
    let pip_version = if config.venv.pip {
        let request = config.venv.pip_version.as_deref();
        Some(
            canonical_pip_request(request).ok_or_else(|| SpecError::BadPipVersion {
                value: request.unwrap_or_default().to_owned(),
                location: project.locate(&["venv", "pip-version"]),
            })?,
        )
    } else {
        None
    };
    let interpreter = InterpreterSpec {
        path: python.fingerprint.path.clone(),
        implementation: python.info.implementation.clone(),
        version: python.info.version.clone(),
    };
    let venv = VenvSpec {
        system_site_packages: config.venv.system_site_packages,
        pip: config.venv.pip,
        prompt: config.venv.prompt.clone(),
        pip_version,
        installer: config.venv.installer,
    };
    let pip = PipSpec {
        index_url: config.pip.index_url.clone().map(PipUrl::new),
        extra_index_urls: config
            .pip
            .extra_index_urls
            .iter()
            .cloned()
            .map(PipUrl::new)
            .collect(),
        find_links,
        no_index: config.pip.no_index,
        compile_bytecode: config.pip.compile_bytecode,
        args: config.pip.args.clone(),
    };
    Ok((interpreter, venv, pip))
}

/// The canonical form of a `[venv] pip-version` request: a version
/// (`24.3.1`) means exactly it (`==24.3.1`); specifiers are normalized
/// (`>= 24,<26` → `>=24, <26`); none is [`DEFAULT_PIP_REQUEST`].
pub(crate) fn canonical_pip_request(request: Option<&str>) -> Option<String> {
    let Some(text) = request.map(str::trim) else {
        return Some(DEFAULT_PIP_REQUEST.to_owned());
    };
    if let Ok(version) = pep440_rs::Version::from_str(text) {
        return Some(format!("=={version}"));
    }
    let specifiers = pep440_rs::VersionSpecifiers::from_str(text).ok()?;
    (!specifiers.is_empty()).then(|| specifiers.to_string())
}

/// Normalized (PEP 508 form: `rich[jupyter]==13.*`), sorted and deduplicated.
pub(super) fn canonical_requirements(reqs: &[String]) -> Vec<String> {
    let mut out: Vec<String> = reqs
        .iter()
        .map(|r| normalize_requirement(r).unwrap_or_else(|_| r.trim().to_owned()))
        .collect();
    out.sort();
    out.dedup();
    out
}

/// The local project directories and archive files named by the
/// requirements, the requirement files (not constraint files: pip takes no
/// paths there) and `[pip] args`, each once, in that order, with their
/// metadata (a directory) or their bytes' sha256 (an archive). Relative
/// paths are relative to the project root, pip's working directory.
fn local_sources(
    root: &Path,
    package: bool,
    requirements: &[String],
    groups: &BTreeMap<String, Vec<String>>,
    files: &[FileSpec],
    named: &pip_args::Named,
) -> Result<(Vec<LocalProject>, Vec<LocalArchive>), SpecError> {
    let mut dirs: Vec<(String, PathBuf)> = Vec::new();
    let mut archives: Vec<(String, PathBuf)> = Vec::new();
    if package {
        dirs.push(("-e .".to_owned(), root.to_owned()));
    }
    let mut requirement = |dirs: &mut Vec<(String, PathBuf)>, text: &str| {
        if let Some(dir) = local::requirement_dir(text, root) {
            dirs.push((text.to_owned(), dir));
        } else if let Some(file) = local::requirement_archive(text, root) {
            archives.push((text.to_owned(), file));
        }
    };
    let editable = |dirs: &mut Vec<(String, PathBuf)>, value: &str| {
        dirs.extend(local::editable_dir(value, root).map(|d| (format!("-e {value}"), d)));
    };
    for req in requirements.iter().chain(groups.values().flatten()) {
        requirement(&mut dirs, req);
    }
    for file in files.iter().filter(|f| !f.constraint) {
        for line in &file.lines {
            if line.starts_with('-') {
                let Some(words) = shlex::split(line) else {
                    continue;
                };
                for (_, value) in pip_args::parse(&words).editables {
                    editable(&mut dirs, &value);
                }
            } else {
                requirement(&mut dirs, &local::requirement_part(line));
            }
        }
    }
    for (_, value) in &named.editables {
        editable(&mut dirs, value);
    }
    for (_, text) in &named.requirements {
        requirement(&mut dirs, text);
    }
    let mut projects: Vec<LocalProject> = Vec::new();
    for (requirement, dir) in dirs {
        let dir = crate::fs::normalize_lexically(&dir);
        let path = match relative_display(&dir, root) {
            p if p.is_empty() => ".".to_owned(),
            p => p,
        };
        if projects.iter().any(|p| p.path == path) {
            continue;
        }
        projects.push(LocalProject {
            requirement,
            path,
            metadata: local::metadata(&dir).map_err(SpecError::Metadata)?,
        });
    }
    let mut out_archives: Vec<LocalArchive> = Vec::new();
    for (requirement, file) in archives {
        let file = crate::fs::normalize_lexically(&file);
        let path = relative_display(&file, root);
        if out_archives.iter().any(|a| a.path == path) {
            continue;
        }
        out_archives.push(LocalArchive {
            requirement,
            path,
            sha256: crate::fs::sha256_file(&file).map_err(SpecError::Metadata)?,
        });
    }
    Ok((projects, out_archives))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pip_requests_are_canonical() {
        assert_eq!(
            canonical_pip_request(None).as_deref(),
            Some(DEFAULT_PIP_REQUEST)
        );
        assert_eq!(
            canonical_pip_request(Some("24.3.1")).as_deref(),
            Some("==24.3.1")
        );
        assert_eq!(
            canonical_pip_request(Some(" 24.3.1 ")).as_deref(),
            Some("==24.3.1")
        );
        assert_eq!(
            canonical_pip_request(Some("<26,>= 24")).as_deref(),
            Some(">=24, <26")
        );
        assert_eq!(
            canonical_pip_request(Some("==25.*")).as_deref(),
            Some("==25.*")
        );
        for bad in ["", "latest", "pip>=24", ">=", "24.x"] {
            assert!(canonical_pip_request(Some(bad)).is_none(), "{bad}");
        }
    }

    #[test]
    fn requirements_are_canonical() {
        assert_eq!(
            canonical_requirements(&[
                "rich==13.*".into(),
                "requests>=2.32".into(),
                "Rich == 13.*".into()
            ]),
            vec!["requests>=2.32", "rich==13.*"]
        );
    }
}
