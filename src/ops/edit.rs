//! `penv add` / `penv remove`: edit the requirements where the project
//! file holds them ([`crate::project::edit`]), then sync (locking again
//! first when there is a `pylock.toml`), as `penv sync` would.
//!
//! Invariant: all or nothing. The project file (and `pylock.toml`) change
//! only if the env could be synced with the edit: when the sync fails,
//! both are put back as they were, atomically. A requirement added
//! without a version is synced first, then written with `>=X.Y` of the
//! version the env got (read from its `METADATA`, as uv does), then synced
//! again so the env is built from what the file says.

use std::path::{Path, PathBuf};

mod foreign;

use super::Ctx;
use super::sync::{self, Outcome};
use crate::Error;
use crate::diagnostics::display_path;
use crate::plan::{self, LockUse, Plan, Selection};
use crate::project::edit::{self, Change, Edited, Layout};
use crate::project::{PYPROJECT_TOML, Project};
use crate::requirement::{self, Parsed};
use crate::{fs, text_file};

/// What `penv add` / `penv remove` were asked.
#[derive(Debug, Clone)]
pub(crate) struct Request {
    /// Requirements (`add`) or names (`remove`), as given.
    pub(crate) packages: Vec<String>,
    /// `--group`.
    pub(crate) group: Option<String>,
    /// `--no-sync`.
    pub(crate) no_sync: bool,
}

/// What an edit did, for the command to print.
pub(crate) struct Done {
    /// The sync's outcome and plan, unless `--no-sync`.
    pub(crate) synced: Option<(Outcome, Plan)>,
    /// Requirements added without a version and left so (`--no-sync`, or
    /// the env has no such distribution: a marker excluded it).
    pub(crate) unbounded: Vec<String>,
}

/// `penv add`.
pub(crate) fn add(ctx: &Ctx, request: &Request) -> Result<Done, Error> {
    let parsed = request
        .packages
        .iter()
        .map(|text| {
            requirement::parse(text).map_err(|message| Error::BadRequirement {
                text: text.clone(),
                message,
            })
        })
        .collect::<Result<Vec<Parsed>, Error>>()?;
    let project = plan::find_project()?;
    refuse_foreign(&project, "add", request)?;
    let (file, layout) = (project.file.clone(), layout(&project.file));
    let group = request.group.as_deref();
    let original = read(&file)?;
    for req in &parsed {
        if edit::find(&original, layout, group, &req.name).is_none() {
            not_in_requirement_files(&project, group, &req.name, &req.name, false)?;
        }
    }
    let edited = edit::add(&original, layout, group, &parsed).map_err(|e| edit_error(&file, e))?;
    let mut unbounded: Vec<String> = edited
        .changes
        .iter()
        .filter_map(|c| match c {
            Change::Added(text) if !parsed.iter().any(|p| &p.text == text && p.versioned) => {
                Some(text.clone())
            }
            _ => None,
        })
        .collect();
    if request.no_sync {
        write_checked(&file, &original, &edited)?;
        tell(ctx, &file, &edited);
        return Ok(Done {
            synced: None,
            unbounded,
        });
    }
    let lock = LockFile::snapshot(&project)?;
    drop(project);
    let undo_all = |err: Error| undo(&file, &original, &lock, err);
    write_checked(&file, &original, &edited)?;
    if unbounded.is_empty() {
        tell(ctx, &file, &edited);
        let synced = sync_with(ctx, group).map_err(&undo_all)?;
        return Ok(Done {
            synced: Some(synced),
            unbounded,
        });
    }
    ctx.printer.status(&format!(
        "Syncing with {} first, for the version{} to write",
        unbounded
            .iter()
            .map(|u| format!("`{u}`"))
            .collect::<Vec<_>>()
            .join(", "),
        if unbounded.len() == 1 { "" } else { "s" }
    ));
    let first = sync_with(ctx, group).map_err(&undo_all)?;
    // Bare names: the version the env got, as a lower bound.
    let mut bounded = Vec::new();
    unbounded.retain(|text| {
        let name = requirement::package_name(text).unwrap_or_default();
        match crate::venv::installed::version(&first.1.paths.env, &name)
            .and_then(|v| requirement::with_lower_bound(text, &lower_bound(&v)).ok())
            .and_then(|t| requirement::parse(&t).ok())
        {
            Some(with_bound) => {
                bounded.push(with_bound);
                false
            }
            None => true,
        }
    });
    let second =
        edit::add(&edited.text, layout, group, &bounded).map_err(|e| edit_error(&file, e))?;
    write_checked(&file, &original, &second)?;
    let changes = edited
        .changes
        .into_iter()
        .map(|change| match change {
            Change::Added(text) => {
                let name = requirement::package_name(&text);
                let now = bounded.iter().find(|b| Some(&b.name) == name.as_ref());
                Change::Added(now.map_or(text, |b| b.text.clone()))
            }
            other => other,
        })
        .collect();
    let edited = Edited { changes, ..second };
    tell(ctx, &file, &edited);
    let synced = sync_with(ctx, group).map_err(&undo_all)?;
    Ok(Done {
        synced: Some(synced),
        unbounded,
    })
}

/// `penv remove`.
pub(crate) fn remove(ctx: &Ctx, request: &Request) -> Result<Done, Error> {
    let project = plan::find_project()?;
    refuse_foreign(&project, "remove", request)?;
    let (file, layout) = (project.file.clone(), layout(&project.file));
    let group = request.group.as_deref();
    let original = read(&file)?;
    for name in &request.packages {
        let normalized = requirement::normalize_name(name);
        if edit::find(&original, layout, group, &normalized).is_none() {
            not_in_requirement_files(&project, group, name, &normalized, true)?;
        }
    }
    let edited = edit::remove(&original, layout, group, &request.packages)
        .map_err(|e| edit_error(&file, e))?;
    if request.no_sync {
        write_checked(&file, &original, &edited)?;
        tell(ctx, &file, &edited);
        return Ok(Done {
            synced: None,
            unbounded: Vec::new(),
        });
    }
    let lock = LockFile::snapshot(&project)?;
    drop(project);
    write_checked(&file, &original, &edited)?;
    tell(ctx, &file, &edited);
    let synced = sync_with(ctx, group).map_err(|err| undo(&file, &original, &lock, err))?;
    Ok(Done {
        synced: Some(synced),
        unbounded: Vec::new(),
    })
}

/// `>=X.Y` of an installed version: its first two release numbers, or
/// the whole version when it is a pre-release (which `>=X.Y` would not
/// allow) or has one number only.
fn lower_bound(version: &str) -> String {
    use std::str::FromStr;
    let Ok(parsed) = pep508_rs::pep440_rs::Version::from_str(version) else {
        return version.to_owned();
    };
    if parsed.any_prerelease() || parsed.release().len() < 2 {
        return version.to_owned();
    }
    let release = parsed.release();
    let epoch = if parsed.epoch() > 0 {
        format!("{}!", parsed.epoch())
    } else {
        String::new()
    };
    format!("{epoch}{}.{}", release[0], release[1])
}

fn layout(file: &Path) -> Layout {
    if file.file_name().is_some_and(|n| n == PYPROJECT_TOML) {
        Layout::Pyproject
    } else {
        Layout::PenvToml
    }
}

fn read(file: &Path) -> Result<String, Error> {
    Ok(text_file::read(file, text_file::PROJECT_FILE)
        .map_err(crate::project::ProjectError::from)?)
}

/// The other tool's command that adds a requirement to `project`, when
/// `penv add` would be refused there (`poetry add PKG`): what `init` says
/// to run next.
pub(crate) fn foreign_add_command(project: &Project) -> Option<String> {
    match foreign::refusal(project, "add", &["PKG".to_owned()], None)? {
        edit::EditError::ForeignLock { command, .. }
        | edit::EditError::ForeignTable { command, .. } => Some(command),
        _ => None,
    }
}

/// [`foreign::refusal`], as the command's error.
fn refuse_foreign(project: &Project, verb: &str, request: &Request) -> Result<(), Error> {
    match foreign::refusal(project, verb, &request.packages, request.group.as_deref()) {
        Some(source) => Err(edit_error(&project.file, source)),
        None => Ok(()),
    }
}

fn edit_error(file: &Path, source: edit::EditError) -> Error {
    Error::Edit {
        file: file.to_owned(),
        source,
    }
}

/// Writes the edited text once it loads as a project (a group name or a
/// requirement the loader refuses is refused before the file changes);
/// nothing is written when nothing changed.
fn write_checked(file: &Path, original: &str, edited: &Edited) -> Result<(), Error> {
    if edited.text == original {
        return Ok(());
    }
    Project::from_text(file, &edited.text)?;
    fs::rewrite_atomic(file, edited.text.as_bytes())?;
    Ok(())
}

/// A plain `penv sync`, keeping the groups the env was synced with (and
/// adding `G` when the edit was to group `G`): locking again first when
/// `pylock.toml` is there and out of date.
fn sync_with(ctx: &Ctx, group: Option<&str>) -> Result<(Outcome, Plan), Error> {
    sync::lock_first(ctx, None, LockUse::Auto)?;
    let project = plan::find_project()?;
    let mut groups = plan::recorded_selection(&plan::env_paths(&project)).unwrap_or_default();
    let chosen = match group {
        Some(group) => {
            if !groups.all_groups && !groups.groups.iter().any(|g| g == group) {
                groups.groups.push(group.to_owned());
            }
            plan::Chosen::Given
        }
        None => plan::Chosen::Nothing,
    };
    let selection = Selection {
        python: None,
        groups,
        lock: LockUse::Auto,
    };
    let for_env = Plan::for_env(project, selection, chosen, &ctx.vars, &ctx.prober)?;
    if let Some(warning) = &for_env.gave_way {
        ctx.printer.warn(warning);
    }
    let plan = for_env.plan;
    let (outcome, _in_use) = sync::sync(ctx, &plan, sync::Options::default())?;
    Ok((outcome, plan))
}

/// `pylock.toml` as it was before the edit, to put back if the sync fails.
struct LockFile {
    path: PathBuf,
    bytes: Option<Vec<u8>>,
}

impl LockFile {
    fn snapshot(project: &Project) -> Result<Self, Error> {
        let path = plan::lock_path(project);
        let bytes = fs::read_optional(&path)?;
        Ok(Self { path, bytes })
    }
}

/// Puts the project file and the lock back, and says so with the error.
fn undo(file: &Path, original: &str, lock: &LockFile, err: Error) -> Error {
    let mut files = Vec::new();
    let current = fs::read_optional(file).ok().flatten();
    if current.as_deref() != Some(original.as_bytes()) {
        if let Err(e) = fs::rewrite_atomic(file, original.as_bytes()) {
            return e.into();
        }
        files.push(file.to_owned());
    }
    if let Some(bytes) = &lock.bytes
        && fs::read_optional(&lock.path).ok().flatten().as_ref() != Some(bytes)
    {
        if let Err(e) = fs::rewrite_atomic(&lock.path, bytes) {
            return e.into();
        }
        files.push(lock.path.clone());
    }
    Error::EditUndone {
        source: Box::new(err),
        files,
    }
}

/// Refuses to edit in TOML a package that a requirement file of the place
/// edited names — the project's top-level `requirement-files`, or the
/// group's own (`dev = { requirement-files = [...] }`): penv does not edit
/// those. `removing`: for `penv remove` (its hint differs). A requirement
/// file that cannot be read (a FIFO, too large, not UTF-8) is an error,
/// not passed over; one that does not exist is the sync's to report.
fn not_in_requirement_files(
    project: &Project,
    group: Option<&str>,
    given: &str,
    name: &str,
    removing: bool,
) -> Result<(), Error> {
    let files = match group {
        None => &project.config.requirement_files,
        Some(group) => match project.group(group) {
            Some((_, group)) => &group.requirement_files,
            None => return Ok(()),
        },
    };
    for rel in files {
        let path = project.root.join(rel);
        let Some(text) = text_file::read_optional(&path, text_file::REQUIREMENT_FILE)
            .map_err(crate::project::ProjectError::from)?
        else {
            continue;
        };
        for (line, content) in crate::spec::reqfile::logical_lines(&text) {
            if content.starts_with('-') {
                continue;
            }
            if requirement::package_name(&content).as_deref() == Some(name) {
                return Err(Error::InRequirementFile {
                    name: given.to_owned(),
                    reqfile: path,
                    line,
                    file: project.file.clone(),
                    removing,
                });
            }
        }
    }
    Ok(())
}

/// Says what the edit changed (before the sync, whose output follows).
fn tell(ctx: &Ctx, file: &Path, edited: &Edited) {
    for change in &edited.changes {
        ctx.printer
            .status(&describe(change, &edited.place.label(), file));
    }
}

/// How a change is told.
fn describe(change: &Change, place: &str, file: &Path) -> String {
    let file = display_path(file);
    match change {
        Change::Added(text) => format!("Added `{text}` to {place} of `{file}`"),
        Change::Replaced(old, new) => {
            format!("Replaced `{old}` with `{new}` in {place} of `{file}`")
        }
        Change::Unchanged(text) => format!("`{text}` is already in {place} of `{file}`"),
        Change::Removed(text) => format!("Removed `{text}` from {place} of `{file}`"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lower_bounds_are_major_minor_unless_that_would_exclude_the_version() {
        assert_eq!(lower_bound("2.32.3"), "2.32");
        assert_eq!(lower_bound("1.0"), "1.0");
        assert_eq!(lower_bound("7"), "7");
        assert_eq!(lower_bound("2.0rc1"), "2.0rc1");
        assert_eq!(lower_bound("1!2.3.4"), "1!2.3");
        assert_eq!(lower_bound("1.2.post1"), "1.2");
    }
}
