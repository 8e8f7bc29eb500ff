//! What a file says it is by its name: a wheel by the binary distribution
//! format's rule (`{name}-{version}[-{build}]-{python}-{abi}-{platform}.whl`),
//! an sdist by the source distribution format's (`{name}-{version}.tar.gz`,
//! and the older archive extensions pip still reads), compared with the
//! lock entry the file is in.
//!
//! Invariant: a wheel or sdist of an entry names the entry's distribution,
//! and its version when the entry has one (PEP 440 equality, so `1.0` is
//! `1.0.0`); pip decides what a file is from the same name. An `archive`
//! may be named anything (a tag's tarball, `main.zip`), so it is held to
//! the rules only when its name reads as a wheel's or an sdist's.

use std::str::FromStr;

use pep440_rs::Version;
use pep508_rs::PackageName;

/// What kind of file an entry holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// A `[[packages.wheels]]` file.
    Wheel,
    /// A `[packages.sdist]` file.
    Sdist,
    /// A `[packages.archive]` file: a wheel, an sdist, or a source tree.
    Archive,
}

/// The archive extensions pip reads a source distribution from.
const SDIST_EXTENSIONS: &[&str] = &[
    ".tar.gz",
    ".zip",
    ".tar.bz2",
    ".tbz",
    ".tar.xz",
    ".txz",
    ".tlz",
    ".tar.lz",
    ".tar.lzma",
    ".tgz",
    ".tar",
];

/// Whether `file`, the file of an entry named `name` at `version`, is a
/// file of that distribution and version; the reason when it is not.
pub(crate) fn check(
    file: &str,
    kind: Kind,
    name: &PackageName,
    version: Option<&Version>,
) -> Result<(), String> {
    let shown = super::fields::shown(file);
    if let Some(stem) = file.strip_suffix(".whl") {
        if kind == Kind::Sdist {
            return Err(format!("names the file `{shown}`, a wheel, not an sdist"));
        }
        let (file_name, file_version) = wheel(stem).ok_or_else(|| {
            format!(
                "names the file `{shown}`, which is not a wheel's file name (`{{name}}-{{version}}[-{{build}}]-{{python}}-{{abi}}-{{platform}}.whl`)"
            )
        })?;
        return same(&shown, name, version, &file_name, &file_version);
    }
    let stem = SDIST_EXTENSIONS
        .iter()
        .find_map(|ext| strip_suffix_ignore_case(file, ext));
    let Some(stem) = stem else {
        return match kind {
            Kind::Wheel => Err(format!("names the file `{shown}`, which is not a wheel")),
            Kind::Sdist => Err(format!(
                "names the file `{shown}`, which is not an sdist (`{{name}}-{{version}}.tar.gz`)"
            )),
            Kind::Archive => Ok(()),
        };
    };
    if kind == Kind::Wheel {
        return Err(format!("names the file `{shown}`, which is not a wheel"));
    }
    let splits: Vec<(&str, &str)> = stem
        .match_indices('-')
        .map(|(at, _)| (&stem[..at], &stem[at + 1..]))
        .collect();
    // The split whose name part is the entry's: the rest is the version.
    // (Older sdists put a `-` inside the name: `python-dateutil-2.8.2`.)
    if let Some((_, rest)) = splits
        .iter()
        .find(|(n, _)| PackageName::from_str(n).is_ok_and(|n| n == *name))
    {
        return match (Version::from_str(rest), version) {
            (Ok(file_version), _) => same(&shown, name, version, name, &file_version),
            (Err(_), _) if kind == Kind::Archive => Ok(()),
            (Err(_), _) => Err(format!(
                "names the file `{shown}`, whose version `{}` is not PEP 440",
                super::fields::shown(rest)
            )),
        };
    }
    // A name and version of another distribution, read as pip-tools and pip
    // read one: up to the last `-`.
    if let Some((other, other_version)) = splits
        .iter()
        .rev()
        .find_map(|(n, v)| Some((PackageName::from_str(n).ok()?, Version::from_str(v).ok()?)))
    {
        return same(&shown, name, version, &other, &other_version);
    }
    match kind {
        Kind::Archive => Ok(()),
        _ => Err(format!(
            "names the file `{shown}`, which is not an sdist of `{name}` (`{{name}}-{{version}}.tar.gz`)"
        )),
    }
}

/// The distribution and version of a wheel's file name without `.whl`.
fn wheel(stem: &str) -> Option<(PackageName, Version)> {
    let parts: Vec<&str> = stem.split('-').collect();
    if !matches!(parts.len(), 5 | 6) {
        return None;
    }
    if parts.len() == 6 && !parts[2].starts_with(|c: char| c.is_ascii_digit()) {
        return None;
    }
    let tags_ok = parts[parts.len() - 3..].iter().all(|tag| {
        !tag.is_empty()
            && tag
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.'))
    });
    if !tags_ok {
        return None;
    }
    Some((
        PackageName::from_str(parts[0]).ok()?,
        Version::from_str(parts[1]).ok()?,
    ))
}

fn same(
    shown: &str,
    name: &PackageName,
    version: Option<&Version>,
    file_name: &PackageName,
    file_version: &Version,
) -> Result<(), String> {
    if file_name != name {
        return Err(format!(
            "names the file `{shown}`, which is of `{file_name}` {file_version}, not of `{name}`"
        ));
    }
    match version {
        Some(version) if version != file_version => Err(format!(
            "names the file `{shown}`, which is version {file_version}, not the entry's {version}"
        )),
        _ => Ok(()),
    }
}

/// The normalized name and the version a wheel's or an sdist's file name
/// says (`typing_extensions-4.12.2-py3-none-any.whl`,
/// `python-dateutil-2.9.0.post0.tar.gz`), for a file no lock entry names:
/// an sdist's name runs to its last `-`. `None` for any other file.
pub(crate) fn name_and_version(file: &str) -> Option<(String, Version)> {
    let (name, version) = if let Some(stem) = file.strip_suffix(".whl") {
        let mut parts = stem.split('-');
        (parts.next()?, parts.next()?)
    } else {
        let stem = SDIST_EXTENSIONS
            .iter()
            .find_map(|ext| strip_suffix_ignore_case(file, ext))?;
        stem.rsplit_once('-')?
    };
    Some((
        crate::requirement::normalize_name(name),
        Version::from_str(version).ok()?,
    ))
}

fn strip_suffix_ignore_case<'a>(text: &'a str, suffix: &str) -> Option<&'a str> {
    let at = text.len().checked_sub(suffix.len())?;
    (text.is_char_boundary(at) && text[at..].eq_ignore_ascii_case(suffix)).then(|| &text[..at])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_give_name_and_version() {
        let v = |s: &str| Version::from_str(s).unwrap();
        assert_eq!(
            name_and_version("typing_extensions-4.12.2-py3-none-any.whl"),
            Some(("typing-extensions".to_owned(), v("4.12.2")))
        );
        assert_eq!(
            name_and_version("python-dateutil-2.9.0.post0.tar.gz"),
            Some(("python-dateutil".to_owned(), v("2.9.0.post0")))
        );
        assert_eq!(name_and_version("notes.txt"), None);
    }

    fn check_of(file: &str, kind: Kind, name: &str, version: Option<&str>) -> Result<(), String> {
        let version = version.map(|v| Version::from_str(v).unwrap());
        check(
            file,
            kind,
            &PackageName::from_str(name).unwrap(),
            version.as_ref(),
        )
    }

    #[test]
    fn wheels_name_their_distribution_and_version() {
        for (file, name, version) in [
            ("six-1.16.0-py2.py3-none-any.whl", "six", "1.16.0"),
            (
                "MarkupSafe-3.0.2-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
                "markupsafe",
                "3.0.2",
            ),
            ("foo_bar-1.0-1-py3-none-any.whl", "foo-bar", "1.0.0"),
            ("tinypkg-1.0-py3-none-any.whl", "TinyPkg", "1.0"),
        ] {
            assert_eq!(
                check_of(file, Kind::Wheel, name, Some(version)),
                Ok(()),
                "{file}"
            );
            assert_eq!(check_of(file, Kind::Archive, name, None), Ok(()), "{file}");
        }
        let err =
            check_of("evil-1.0-py3-none-any.whl", Kind::Wheel, "six", Some("1.0")).unwrap_err();
        assert!(err.contains("of `evil` 1.0, not of `six`"), "{err}");
        let err =
            check_of("six-2.0-py3-none-any.whl", Kind::Wheel, "six", Some("1.0")).unwrap_err();
        assert!(err.contains("version 2.0, not the entry's 1.0"), "{err}");
        for bad in [
            "six-1.0-py3-none.whl",
            "six-1.0-x-py3-none-any.whl",
            "six-1.0-py3-none-an y.whl",
            "six-one-py3-none-any.whl",
            ".whl",
        ] {
            let err = check_of(bad, Kind::Wheel, "six", None).unwrap_err();
            assert!(err.contains("not a wheel's file name"), "{bad}: {err}");
        }
        assert!(check_of("six-1.0.tar.gz", Kind::Wheel, "six", None).is_err());
        assert!(check_of("six-1.0-py3-none-any.whl", Kind::Sdist, "six", None).is_err());
    }

    #[test]
    fn sdists_name_their_distribution_and_version() {
        for (file, name, version) in [
            ("six-1.16.0.tar.gz", "six", "1.16.0"),
            ("python-dateutil-2.8.2.tar.gz", "python-dateutil", "2.8.2"),
            ("zope.interface-5.0.zip", "zope-interface", "5.0"),
            ("Foo-1.0-beta.TAR.GZ", "foo", "1.0b0"),
        ] {
            assert_eq!(
                check_of(file, Kind::Sdist, name, Some(version)),
                Ok(()),
                "{file}"
            );
        }
        let err = check_of("evil-6.6.tar.gz", Kind::Sdist, "six", Some("1.0")).unwrap_err();
        assert!(err.contains("of `evil` 6.6, not of `six`"), "{err}");
        let err = check_of("six-1.1.tar.gz", Kind::Sdist, "six", Some("1.0")).unwrap_err();
        assert!(err.contains("version 1.1"), "{err}");
        for bad in ["six.tar.gz", "six-main.tar.gz", "six-1.0.exe"] {
            assert!(check_of(bad, Kind::Sdist, "six", None).is_err(), "{bad}");
        }
    }

    #[test]
    fn archives_are_held_to_the_rules_only_when_named_like_a_wheel_or_an_sdist() {
        for free in ["v1.2.tar.gz", "main.zip", "six-main.zip", "download", "1.0"] {
            assert_eq!(
                check_of(free, Kind::Archive, "six", Some("1.0")),
                Ok(()),
                "{free}"
            );
        }
        assert!(check_of("evil-1.0.tar.gz", Kind::Archive, "six", Some("1.0")).is_err());
        assert!(check_of("six-2.0.tar.gz", Kind::Archive, "six", Some("1.0")).is_err());
        assert!(check_of("evil-1.0-py3-none-any.whl", Kind::Archive, "six", None).is_err());
    }
}
