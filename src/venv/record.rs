//! Which files each distribution in an env owns, from its `RECORD` (the
//! wheel spec's list of installed files, one CSV row per file, paths
//! relative to site-packages): what a derive reads so that an uninstall
//! never takes a file a kept distribution also owns, so that two
//! distributions writing one path are noticed, and so that a distribution
//! whose files were edited in place is not taken for what it was installed
//! from.
//!
//! Invariant: read without Python; a path is the file's location relative
//! to the env, normalized lexically (`../../../bin/x` from site-packages is
//! `bin/x`), so two distributions' rows name one file the same way.

mod uv_cache;

pub(crate) use uv_cache::drop_uv_cache_info;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::str::FromStr;

use crate::fs::FsError;

/// Each file owned by a distribution, by path relative to the env → the
/// normalized names of the distributions whose `RECORD` lists it.
pub(crate) type Owners = BTreeMap<PathBuf, BTreeSet<String>>;

/// One row of a `RECORD`: a file, relative to the env, and the digest the
/// wheel recorded for it (`sha256=<urlsafe base64>`), when it has one.
#[derive(Debug, Clone)]
pub(crate) struct Row {
    pub(crate) path: PathBuf,
    /// Whether it lies in site-packages (not `../../../bin/…`, which pip
    /// writes for the env and penv rewrites when it relocates it).
    in_site: bool,
    sha256: Option<String>,
}

/// The rows of every distribution's `RECORD` in an env, by normalized name.
#[derive(Debug, Default)]
pub(crate) struct Records {
    pub(crate) dists: BTreeMap<String, Vec<Row>>,
}

/// Every `*.dist-info` directory in the env's site-packages: its
/// site-packages directory (relative to the env), its directory name, and
/// the normalized name of its distribution.
fn dist_infos(env: &Path) -> Result<Vec<(PathBuf, String, String)>, FsError> {
    let mut out = Vec::new();
    for site in super::drift::site_dirs(env) {
        for (entry, kind) in crate::fs::list_dir(&env.join(&site))? {
            let entry = entry.to_string_lossy().into_owned();
            let Some(stem) = entry.strip_suffix(".dist-info").filter(|_| kind.is_dir()) else {
                continue;
            };
            let raw = stem.split_once('-').map_or(stem, |(name, _)| name);
            let name = pep508_rs::PackageName::from_str(raw)
                .map_or_else(|_| raw.to_ascii_lowercase(), |n| n.to_string());
            out.push((site.clone(), entry, name));
        }
    }
    Ok(out)
}

/// Reads the `RECORD` of every `*.dist-info` in the env's site-packages.
pub(crate) fn read(env: &Path) -> Result<Records, FsError> {
    let mut out = Records::default();
    for (site, entry, name) in dist_infos(env)? {
        let record = env.join(&site).join(&entry).join("RECORD");
        let Some(bytes) = crate::fs::read_optional(&record)? else {
            continue;
        };
        let rows = out.dists.entry(name).or_default();
        for line in String::from_utf8_lossy(&bytes).lines() {
            let Some((path, rest)) = split_row(line).filter(|(p, _)| !p.is_empty()) else {
                continue;
            };
            let joined = crate::fs::normalize_lexically(&site.join(&path));
            rows.push(Row {
                in_site: joined.starts_with(&site),
                path: joined,
                sha256: rest
                    .split(',')
                    .next()
                    .and_then(|h| h.strip_prefix("sha256="))
                    .map(str::to_owned),
            });
        }
    }
    Ok(out)
}

impl Records {
    /// The owners of every file the distributions record.
    pub(crate) fn owners(&self) -> Owners {
        let mut out = Owners::new();
        for (name, rows) in &self.dists {
            for row in rows {
                out.entry(row.path.clone())
                    .or_default()
                    .insert(name.clone());
            }
        }
        out
    }

    /// The first file of distribution `name` in site-packages whose bytes
    /// are not those its `RECORD` names (edited in place, truncated,
    /// removed), if any: such a distribution is not what its artifact
    /// installed.
    pub(crate) fn altered(&self, env: &Path, name: &str) -> Option<PathBuf> {
        use base64::Engine as _;
        use sha2::Digest as _;
        let rows = self.dists.get(name)?;
        for row in rows.iter().filter(|r| r.in_site) {
            let Some(want) = &row.sha256 else {
                continue;
            };
            let ok = crate::fs::read(&env.join(&row.path)).is_ok_and(|bytes| {
                let digest = sha2::Sha256::digest(&bytes);
                base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(digest) == *want
            });
            if !ok {
                return Some(row.path.clone());
            }
        }
        None
    }
}

/// The owners of every file the env's distributions record.
pub(crate) fn owners(env: &Path) -> Result<Owners, FsError> {
    Ok(read(env)?.owners())
}

/// The paths owned by more than one distribution, with their owners.
pub(crate) fn shared(owners: &Owners) -> impl Iterator<Item = (&PathBuf, &BTreeSet<String>)> {
    owners.iter().filter(|(_, names)| names.len() > 1)
}

/// The `RECORD` row pip writes for an empty `REQUESTED` file.
const REQUESTED_DIGEST: &str = "sha256=47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU,0";

/// Marks each distribution of `requested` (by normalized name) `REQUESTED`
/// or not, as pip would have installed it: the empty `REQUESTED` file in
/// its `.dist-info` and its row in `RECORD` (rows sorted by path and ended
/// as pip ends them, so the file is byte for byte what pip writes). One
/// already marked so, or not in the env, is left as it is.
pub(crate) fn set_requested(env: &Path, requested: &BTreeMap<String, bool>) -> Result<(), FsError> {
    for (site, entry, name) in dist_infos(env)? {
        let Some(&requested) = requested.get(&name) else {
            continue;
        };
        let info = env.join(&site).join(&entry);
        let marker = info.join("REQUESTED");
        if crate::fs::lstat(&marker)?.is_some() == requested {
            continue;
        }
        let record_path = info.join("RECORD");
        let Some(bytes) = crate::fs::read_optional(&record_path)? else {
            continue;
        };
        let text = String::from_utf8_lossy(&bytes);
        let ending = if text.contains("\r\n") { "\r\n" } else { "\n" };
        let row_path = format!("{entry}/REQUESTED");
        let mut rows: Vec<(String, String)> = text
            .lines()
            .filter(|l| !l.is_empty())
            .filter_map(|l| Some((first_field(l)?, l.to_owned())))
            .filter(|(path, _)| *path != row_path)
            .collect();
        if requested {
            crate::fs::write_atomic(&marker, b"")?;
            rows.push((row_path.clone(), format!("{row_path},{REQUESTED_DIGEST}")));
        } else {
            crate::fs::delete_file(&marker)?;
        }
        rows.sort();
        let mut out = String::new();
        for (_, line) in rows {
            out.push_str(&line);
            out.push_str(ending);
        }
        crate::fs::write_atomic(&record_path, out.as_bytes())?;
    }
    Ok(())
}

/// A row's first field (the path) and the rest of the line.
fn split_row(line: &str) -> Option<(String, &str)> {
    let path = first_field(line)?;
    let rest = if line.starts_with('"') {
        // The closing quote is the first `",` after the opening one.
        line.find("\",").map_or("", |i| &line[i + 2..])
    } else {
        line.split_once(',').map_or("", |(_, r)| r)
    };
    Some((path, rest))
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

    #[test]
    fn requested_is_marked_as_pip_marks_it() {
        let tmp = tempfile::tempdir().unwrap();
        let info = tmp
            .path()
            .join("lib/python3.12/site-packages/my_lib-0.1.dist-info");
        std::fs::create_dir_all(&info).unwrap();
        let with = "my_lib-0.1.dist-info/INSTALLER,sha256=zuuue4knoyJ-UwPPXg8fezS7VCrXJQrAP7zeNuwvFQg,4\r\n\
                    my_lib-0.1.dist-info/RECORD,,\r\n\
                    my_lib-0.1.dist-info/REQUESTED,sha256=47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU,0\r\n\
                    my_lib/__init__.py,sha256=wQ_CJwiXfpqgEPeEr20xaruHTD6ecmYp3wydNimF_Kk,5\r\n";
        let without = with.replace(
            "my_lib-0.1.dist-info/REQUESTED,sha256=47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU,0\r\n",
            "",
        );
        std::fs::write(info.join("RECORD"), with).unwrap();
        std::fs::write(info.join("REQUESTED"), "").unwrap();
        let set = |requested: bool| {
            set_requested(
                tmp.path(),
                &BTreeMap::from([("my-lib".to_owned(), requested)]),
            )
        };
        set(false).unwrap();
        assert!(!info.join("REQUESTED").exists());
        assert_eq!(
            std::fs::read_to_string(info.join("RECORD")).unwrap(),
            without
        );
        set(true).unwrap();
        assert!(info.join("REQUESTED").exists());
        assert_eq!(std::fs::read_to_string(info.join("RECORD")).unwrap(), with);
        set_requested(tmp.path(), &BTreeMap::from([("other".to_owned(), false)])).unwrap();
    }

    #[test]
    fn a_file_edited_in_place_is_found() {
        use base64::Engine as _;
        use sha2::Digest as _;
        let tmp = tempfile::tempdir().unwrap();
        let site = tmp.path().join("lib/python3.12/site-packages");
        std::fs::create_dir_all(site.join("pkg-1.0.dist-info")).unwrap();
        std::fs::create_dir_all(site.join("pkg")).unwrap();
        std::fs::write(site.join("pkg/__init__.py"), "X = 1\n").unwrap();
        let digest = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .encode(sha2::Sha256::digest(b"X = 1\n"));
        std::fs::write(
            site.join("pkg-1.0.dist-info/RECORD"),
            format!(
                "pkg/__init__.py,sha256={digest},6\n\"../../../bin/a,b\",sha256=zz,1\npkg-1.0.dist-info/RECORD,,\n"
            ),
        )
        .unwrap();
        let records = read(tmp.path()).unwrap();
        // The script in `bin/` (another digest, as relocation rewrites it) is not checked.
        assert_eq!(records.altered(tmp.path(), "pkg"), None);
        std::fs::write(site.join("pkg/__init__.py"), "X = 2\n").unwrap();
        assert_eq!(
            records.altered(tmp.path(), "pkg"),
            Some(PathBuf::from(
                "lib/python3.12/site-packages/pkg/__init__.py"
            ))
        );
    }
}
