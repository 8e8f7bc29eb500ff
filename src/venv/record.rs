//! Which files each distribution in an env owns, from its `RECORD` (the
//! wheel spec's list of installed files, one CSV row per file, paths
//! relative to site-packages): what a derive reads so that an uninstall
//! never takes a file a kept distribution also owns, and so that two
//! distributions writing one path are noticed.
//!
//! Invariant: read without Python; a path is the file's location relative
//! to the env, normalized lexically (`../../../bin/x` from site-packages is
//! `bin/x`), so two distributions' rows name one file the same way.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::str::FromStr;

use crate::fs::FsError;

/// Each file owned by a distribution, by path relative to the env → the
/// normalized names of the distributions whose `RECORD` lists it.
pub(crate) type Owners = BTreeMap<PathBuf, BTreeSet<String>>;

/// The owners of every file the env's distributions record.
pub(crate) fn owners(env: &Path) -> Result<Owners, FsError> {
    let mut out = Owners::new();
    for site in super::drift::site_dirs(env) {
        let dir = env.join(&site);
        for (entry, kind) in crate::fs::list_dir(&dir)? {
            let entry = entry.to_string_lossy();
            let Some(stem) = entry.strip_suffix(".dist-info") else {
                continue;
            };
            if !kind.is_dir() {
                continue;
            }
            let raw = stem.split_once('-').map_or(stem, |(name, _)| name);
            let name = pep508_rs::PackageName::from_str(raw)
                .map_or_else(|_| raw.to_ascii_lowercase(), |n| n.to_string());
            let Some(bytes) = crate::fs::read_optional(&dir.join(&*entry).join("RECORD"))? else {
                continue;
            };
            for line in String::from_utf8_lossy(&bytes).lines() {
                let Some(path) = first_field(line).filter(|p| !p.is_empty()) else {
                    continue;
                };
                let path = crate::fs::normalize_lexically(&site.join(path));
                out.entry(path).or_default().insert(name.clone());
            }
        }
    }
    Ok(out)
}

/// The paths owned by more than one distribution, with their owners.
pub(crate) fn shared(owners: &Owners) -> impl Iterator<Item = (&PathBuf, &BTreeSet<String>)> {
    owners.iter().filter(|(_, names)| names.len() > 1)
}

/// The first field of a CSV row as Python's `csv` writes it: up to the
/// first comma, or a quoted field with `""` for a quote.
fn first_field(line: &str) -> Option<String> {
    let Some(rest) = line.strip_prefix('"') else {
        return Some(line.split(',').next().unwrap_or(line).to_owned());
    };
    let mut out = String::new();
    let mut chars = rest.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '"' {
            if chars.peek() == Some(&'"') {
                chars.next();
                out.push('"');
            } else {
                return Some(out);
            }
        } else {
            out.push(c);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_fields_are_read_as_python_writes_them() {
        assert_eq!(first_field("a/b.py,sha256=x,1").as_deref(), Some("a/b.py"));
        assert_eq!(
            first_field("\"a,b.py\",sha256=x,1").as_deref(),
            Some("a,b.py")
        );
        assert_eq!(
            first_field("\"say \"\"hi\"\".py\",,").as_deref(),
            Some("say \"hi\".py")
        );
        assert_eq!(first_field("\"unclosed"), None);
    }

    #[test]
    fn two_distributions_recording_one_file_are_found() {
        let tmp = tempfile::tempdir().unwrap();
        let site = tmp.path().join("lib/python3.12/site-packages");
        for (dist, files) in [
            (
                "PyJWT-2.0.dist-info",
                "jwt/__init__.py,sha256=a,1\n../../../bin/jwt,,\n",
            ),
            (
                "jwt-1.0.dist-info",
                "jwt/__init__.py,sha256=b,1\njwt/extra.py,,\n",
            ),
        ] {
            std::fs::create_dir_all(site.join(dist)).unwrap();
            std::fs::write(site.join(dist).join("RECORD"), files).unwrap();
        }
        let owners = owners(tmp.path()).unwrap();
        let shared: Vec<_> = shared(&owners).collect();
        assert_eq!(shared.len(), 1);
        assert_eq!(
            shared[0].0,
            Path::new("lib/python3.12/site-packages/jwt/__init__.py")
        );
        assert_eq!(shared[0].1.iter().collect::<Vec<_>>(), ["jwt", "pyjwt"]);
        assert!(owners.contains_key(Path::new("bin/jwt")));
    }
}
