//! A derive that only takes requirements away: the target is read from the
//! clone's installed metadata instead of pip's resolver. What stays is the
//! closure of the remaining requirements over each kept distribution's
//! `Requires-Dist` (markers evaluated for the env's interpreter, extras
//! spread along the edges); everything else is uninstalled.
//!
//! Invariant: the target is the one pip's resolver gives a fresh build, or
//! this path is not taken. The spec differs from the donor's only by
//! requirement lines removed; every requirement of the closure is met by
//! the installed version; and each kept distribution's version is forced —
//! pinned `==` by a remaining requirement, a constraint or a kept
//! distribution's `Requires-Dist` — or, with no index but local
//! `find-links` (whose listings are in the spec), a final release no older
//! than any file offered for it. Then pip's resolver, trying the newest
//! candidates first, finds exactly these versions with no conflict to
//! backtrack from. A removed requirement that held a kept package back
//! (`beta` at 1.0 because `alpha==1.0` excluded 2.0) fails the last check
//! (2.0 is offered): the resolver then decides, as before.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::str::FromStr;

use pep508_rs::pep440_rs::{Operator, Version};
use pep508_rs::{ExtraName, MarkerEnvironment, VersionOrUrl};

use super::donor::Donor;
use super::target::Target;
use crate::lock::select::Selected;
use crate::python::interpreter::Markers;
use crate::spec::{FileSpec, Spec};

type Requirement = pep508_rs::Requirement<pep508_rs::VerbatimUrl>;

/// The target of a derive from `donor` to `spec` when `spec` only removes
/// requirements, read from the env at `dir`; `Err` says why the resolver
/// decides instead.
pub(super) fn target(
    donor: &Donor,
    spec: &Spec,
    markers: Option<&Markers>,
    dir: &Path,
) -> Result<Target, String> {
    let old = &donor.state.spec;
    if spec.lock.is_some()
        || spec.package.is_some()
        || !spec.local_projects.is_empty()
        || !spec.local_archives.is_empty()
    {
        return Err("a lock, the project itself or a local path".to_owned());
    }
    if skeleton(old) != skeleton(spec) {
        return Err("more changed than requirement lines".to_owned());
    }
    let named = crate::spec::pip_args::parse(&spec.pip.args);
    if !named.requirements.is_empty() || !named.editables.is_empty() {
        return Err("`[pip] args` name requirements".to_owned());
    }
    let (new_lines, constraint_lines) = lines(spec)?;
    let (old_lines, _) = lines(old)?;
    // Each requirement one of the donor's, with the same or fewer extras.
    let parse = |line: &String| {
        let text = requirement_text(line)?;
        crate::requirement::parse_whole(&text).map_err(|e| format!("`{text}`: {e}"))
    };
    let without_extras = |r: &Requirement| {
        let mut r = r.clone();
        r.extras.clear();
        r.to_string()
    };
    let old_reqs = old_lines.iter().map(parse).collect::<Result<Vec<_>, _>>()?;
    for text in new_lines.iter().filter(|l| !old_lines.contains(*l)) {
        if requirement_text(text)? != *text {
            return Err(format!("`{text}` is new"));
        }
        let new = parse(text)?;
        if !old_reqs.iter().any(|o| {
            without_extras(o) == without_extras(&new)
                && new.extras.iter().all(|e| o.extras.contains(e))
        }) {
            return Err(format!("`{text}` is new"));
        }
    }
    let env = markers
        .ok_or("the interpreter's markers are unknown")
        .and_then(|m| crate::lock::select::marker_environment(m).map_err(|_| "bad markers"))
        .map_err(str::to_owned)?;
    let applying = |texts: &mut dyn Iterator<Item = &String>| -> Result<Vec<Requirement>, String> {
        let mut out = Vec::new();
        for text in texts {
            let req = parse(text)?;
            if req.marker.evaluate(&env, &[]) {
                out.push(req);
            }
        }
        Ok(out)
    };
    let roots = applying(&mut new_lines.iter())?;
    let constraints = applying(&mut constraint_lines.iter())?;
    let installed = Installed::read(dir)?;
    let (reached, edges) = closure(&installed, &roots, &env)?;
    // Every requirement met by what is installed, and which versions are forced.
    let mut pinned = BTreeSet::new();
    for req in roots.iter().chain(&edges).chain(&constraints) {
        let name = req.name.to_string();
        let Some((version, _)) = installed.0.get(&name) else {
            if reached.contains_key(&name) {
                return Err(format!("`{name}` is required but not installed"));
            }
            continue;
        };
        match &req.version_or_url {
            None => {}
            Some(VersionOrUrl::Url(_)) => return Err(format!("`{name}` is required by URL")),
            Some(VersionOrUrl::VersionSpecifier(specifiers)) => {
                if !specifiers.contains(version) {
                    return Err(format!("`{name}` {version} does not meet `{specifiers}`"));
                }
                if !version.is_local()
                    && specifiers
                        .iter()
                        .any(|s| *s.operator() == Operator::Equal && s.version() == version)
                {
                    pinned.insert(name);
                }
            }
        }
    }
    let offered = Offered::of(spec);
    let artifacts = donor
        .state
        .as_built
        .as_ref()
        .map(|b| &b.artifacts)
        .ok_or("the donor's artifacts are not recorded")?;
    let root_names: BTreeSet<String> = roots.iter().map(|r| r.name.to_string()).collect();
    let mut target = Target {
        from_index: true,
        ..Target::default()
    };
    for name in reached.keys() {
        let (version, written) = &installed.0[name];
        if name != "pip" && !pinned.contains(name) {
            offered.newest(name, version)?;
        }
        target
            .requested
            .insert(name.clone(), root_names.contains(name));
        if name == "pip" {
            continue;
        }
        let artifact = artifacts
            .get(name)
            .filter(|a| a.direct_url.is_none())
            .ok_or_else(|| format!("`{name}`: no artifact recorded"))?;
        target.selected.push(Selected {
            name: name.clone(),
            version: Some(written.clone()),
            url: String::new(),
            hashes: vec![format!("sha256:{}", artifact.sha256)],
            by_name: false,
        });
    }
    Ok(target)
}

/// `spec` without its requirement lines: two specs with the same skeleton
/// differ only by which requirements they name.
fn skeleton(spec: &Spec) -> Spec {
    Spec {
        requirements: Vec::new(),
        groups: BTreeMap::new(),
        extras: BTreeMap::new(),
        requirement_files: spec
            .requirement_files
            .iter()
            .map(|f| FileSpec {
                sha256: if f.constraint {
                    f.sha256.clone()
                } else {
                    String::new()
                },
                lines: f
                    .lines
                    .iter()
                    .filter(|l| f.constraint || l.starts_with('-'))
                    .cloned()
                    .collect(),
                ..f.clone()
            })
            .collect(),
        ..spec.clone()
    }
}

/// The requirement lines of `spec` (its own and its files'), and the lines
/// of its constraint files. A line with options after it (`--hash`) is
/// pip's to read.
fn lines(spec: &Spec) -> Result<(BTreeSet<String>, Vec<String>), String> {
    let mut reqs: BTreeSet<String> = spec
        .all_requirements()
        .into_iter()
        .map(str::to_owned)
        .collect();
    let mut constraints = Vec::new();
    for file in &spec.requirement_files {
        for line in file.lines.iter().filter(|l| !l.starts_with('-')) {
            let line = line.trim();
            requirement_text(line)?;
            if file.constraint {
                constraints.push(line.to_owned());
            } else {
                reqs.insert(line.to_owned());
            }
        }
    }
    Ok((reqs, constraints))
}

/// The requirement of a requirement-file line: the line without its
/// `--hash` options (pip-compile's `--generate-hashes`), which name the
/// files a fresh build may install, as they did for the donor (the line is
/// the donor's, hashes and all). Any other option is pip's to read.
fn requirement_text(line: &str) -> Result<String, String> {
    let requirement = crate::spec::local::requirement_part(line);
    let rest = line[requirement.len().min(line.len())..].split_whitespace();
    if let Some(option) = rest.clone().find(|w| !w.starts_with("--hash")) {
        return Err(format!("`{line}` has the option `{option}`"));
    }
    Ok(requirement)
}

/// The clone's distributions by normalized name: version (parsed and as
/// written) and requirements.
struct Installed(
    BTreeMap<String, (Version, String)>,
    BTreeMap<String, Vec<Requirement>>,
);

impl Installed {
    fn read(dir: &Path) -> Result<Self, String> {
        let dists = crate::venv::metadata::read_all(dir).map_err(|e| e.to_string())?;
        let (mut versions, mut requires) = (BTreeMap::new(), BTreeMap::new());
        for dist in dists {
            let version = Version::from_str(&dist.version)
                .map_err(|e| format!("`{}` {}: {e}", dist.name, dist.version))?;
            let reqs = dist
                .requires
                .iter()
                .map(|r| crate::requirement::parse_whole(r).map_err(|e| format!("`{r}`: {e}")))
                .collect::<Result<Vec<_>, _>>()?;
            versions.insert(dist.name.clone(), (version, dist.version));
            requires.insert(dist.name, reqs);
        }
        Ok(Self(versions, requires))
    }
}

/// Each distribution reached, by normalized name, with its extras.
type Reached = BTreeMap<String, BTreeSet<ExtraName>>;

/// What `roots` reach over the installed distributions' requirements, each
/// with the extras it is required with; and the requirements followed.
fn closure(
    installed: &Installed,
    roots: &[Requirement],
    env: &MarkerEnvironment,
) -> Result<(Reached, Vec<Requirement>), String> {
    let mut reached = Reached::new();
    let mut work: Vec<(String, Vec<ExtraName>)> = roots
        .iter()
        .map(|r| (r.name.to_string(), r.extras.clone()))
        .collect();
    // Each visit adds the node or one of finitely many extras, or stops.
    while let Some((name, extras)) = work.pop() {
        let known = reached.get(&name);
        if known.is_some_and(|k| extras.iter().all(|e| k.contains(e))) {
            continue;
        }
        let entry = reached.entry(name.clone()).or_default();
        entry.extend(extras);
        let extras: Vec<ExtraName> = entry.iter().cloned().collect();
        let reqs = installed
            .1
            .get(&name)
            .ok_or_else(|| format!("`{name}` is required but not installed"))?;
        for req in reqs.iter().filter(|r| r.marker.evaluate(env, &extras)) {
            work.push((req.name.to_string(), req.extras.clone()));
        }
    }
    let mut edges = Vec::new();
    for (name, extras) in &reached {
        let extras: Vec<ExtraName> = extras.iter().cloned().collect();
        edges.extend(
            installed.1[name]
                .iter()
                .filter(|r| r.marker.evaluate(env, &extras))
                .cloned(),
        );
    }
    Ok((reached, edges))
}

/// The versions of each package the spec's sources offer, when they are
/// only local `find-links` directories (whose listings are in the spec):
/// `None` when an index could offer more.
struct Offered(Option<BTreeMap<String, Vec<Version>>>);

impl Offered {
    fn of(spec: &Spec) -> Self {
        let pip = &spec.pip;
        // An option pip reads in `[pip] args` or a requirement file may
        // name another index or allow pre-releases.
        let options = !pip.args.is_empty()
            || spec.requirement_files.iter().any(|f| {
                f.lines.iter().any(|l| {
                    l.starts_with('-')
                        && !["-r ", "--requirement", "-c ", "--constraint"]
                            .iter()
                            .any(|o| l.starts_with(o))
                })
            });
        if !pip.no_index || pip.index_url.is_some() || !pip.extra_index_urls.is_empty() || options {
            return Self(None);
        }
        let mut versions: BTreeMap<String, Vec<Version>> = BTreeMap::new();
        for links in pip.find_links.iter().chain(&spec.named_find_links) {
            for entry in &links.files {
                let file = entry.rsplit_once(' ').map_or(entry.as_str(), |(f, _)| f);
                if let Some((name, version)) = crate::lock::filename::name_and_version(file) {
                    versions.entry(name).or_default().push(version);
                }
            }
        }
        Self(Some(versions))
    }

    /// Whether a fresh build takes `installed` of `name` when nothing
    /// pins it: no index, a final release, offered, and none newer offered.
    fn newest(&self, name: &str, installed: &Version) -> Result<(), String> {
        let Some(all) = &self.0 else {
            return Err(format!(
                "`{name}` is not pinned and an index may offer newer"
            ));
        };
        let offered = all.get(name).map(Vec::as_slice).unwrap_or_default();
        if installed.any_prerelease() || installed.is_local() {
            return Err(format!("`{name}` {installed} is a pre-release or local"));
        }
        if !offered.contains(installed) {
            return Err(format!("`{name}` {installed} is not offered"));
        }
        if let Some(newer) = offered.iter().find(|v| *v > installed) {
            return Err(format!(
                "`{name}` {newer} is offered, {installed} installed"
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_are_stripped_and_other_options_refused() {
        assert_eq!(
            requirement_text("six==1.16.0 --hash=sha256:ab --hash=sha256:cd").as_deref(),
            Ok("six==1.16.0")
        );
        assert_eq!(
            requirement_text("six==1.16.0").as_deref(),
            Ok("six==1.16.0")
        );
        assert!(requirement_text("six==1.16.0 --global-option=x").is_err());
    }
}
