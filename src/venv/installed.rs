//! Which version of a distribution an env has installed, read from its
//! `*.dist-info/METADATA` (`Name:` and `Version:`), as pip's and uv's
//! metadata readers do — never by running the env's Python or pip.
//!
//! Invariant: a version is only reported for a `METADATA` whose `Name`
//! is the distribution asked for under PEP 503 normalization; directory
//! names are only a first filter (pip writes `typing_extensions-4.12.2`).

use std::path::Path;

use crate::requirement::normalize_name as normalize;
use crate::{fs, text_file};

/// A `METADATA` file is a few kilobytes (its long description aside).
pub(super) const METADATA: text_file::Kind = text_file::Kind {
    what: "a `METADATA` file",
    cap: 16 * 1024 * 1024,
};

/// The version of distribution `name` (PEP 503 normalized) installed in
/// `env`, when one is.
pub(crate) fn version(env: &Path, name: &str) -> Option<String> {
    for dir in super::drift::site_dirs(env) {
        let dir = env.join(dir);
        let Ok(entries) = fs::list_dir(&dir) else {
            continue;
        };
        for (entry, kind) in entries {
            let entry = entry.to_string_lossy();
            let Some(stem) = entry.strip_suffix(".dist-info") else {
                continue;
            };
            let dist = stem.split_once('-').map_or(stem, |(n, _)| n);
            if !kind.is_dir() || normalize(dist) != name {
                continue;
            }
            let Ok(text) = text_file::read(&dir.join(&*entry).join("METADATA"), METADATA) else {
                continue;
            };
            if let Some(version) = name_and_version(&text)
                .filter(|(n, _)| normalize(n) == name)
                .map(|(_, v)| v)
            {
                return Some(version);
            }
        }
    }
    None
}

/// `Name` and `Version` of the header of a core metadata file.
fn name_and_version(text: &str) -> Option<(String, String)> {
    let header = header(text);
    Some((
        header.first("name")?.to_owned(),
        header.first("version")?.to_owned(),
    ))
}

/// The fields of a core metadata header, key lowercased, in order.
pub(crate) struct Header(Vec<(String, String)>);

impl Header {
    /// The value of the first field `key` (lowercase).
    pub(crate) fn first(&self, key: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// The value of every field `key` (lowercase), in order.
    pub(crate) fn all<'a>(&'a self, key: &'a str) -> impl Iterator<Item = &'a str> {
        self.0
            .iter()
            .filter(move |(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
}

/// The fields of a core metadata header (`METADATA`, `PKG-INFO`), as
/// Python's `email` parser reads them: each `Key: value` (the key
/// lowercased), a line starting with white space continuing the one before
/// — a line of spaces too, as in a multi-paragraph `License:` — and the
/// header ending at the first empty line.
pub(crate) fn header(text: &str) -> Header {
    let mut fields: Vec<(String, String)> = Vec::new();
    for line in text.lines().take_while(|l| !l.is_empty()) {
        if line.starts_with([' ', '\t']) {
            if let Some((_, value)) = fields.last_mut() {
                value.push(' ');
                value.push_str(line.trim());
            }
        } else if let Some((key, value)) = line.split_once(':') {
            fields.push((key.trim().to_ascii_lowercase(), value.trim().to_owned()));
        }
    }
    Header(fields)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_version_of_the_distribution_named_in_metadata() {
        let tmp = tempfile::tempdir().unwrap();
        let site = tmp.path().join("lib/python3.99/site-packages");
        std::fs::create_dir_all(site.join("typing_extensions-4.12.2.dist-info")).unwrap();
        std::fs::write(
            site.join("typing_extensions-4.12.2.dist-info/METADATA"),
            "Metadata-Version: 2.1\nName: typing_extensions\nVersion: 4.12.2\n\nName: not-this\n",
        )
        .unwrap();
        // A directory whose METADATA names another distribution is not it.
        std::fs::create_dir_all(site.join("rich-1.0.dist-info")).unwrap();
        std::fs::write(
            site.join("rich-1.0.dist-info/METADATA"),
            "Name: other\nVersion: 1.0\n",
        )
        .unwrap();
        assert_eq!(
            version(tmp.path(), "typing-extensions").as_deref(),
            Some("4.12.2")
        );
        assert_eq!(version(tmp.path(), "rich"), None);
        assert_eq!(version(tmp.path(), "absent"), None);
    }
}
