//! The parts of a spec diff that name files: requirement files (added to or
//! dropped from the list, or their lines changed) and pip's options
//! (`find-links` directories by the files added and removed in them).
//!
//! Invariant: every line names what changed in the user's terms — the
//! file, the pin, the option — never "changed" alone when the spec holds
//! the detail; a pin's `--hash=` options are never printed (a changed hash
//! is said as such).

use std::path::Path;

use super::list_diff;
use crate::spec::{FileSpec, FindLinks, PipSpec, local};

/// Requirement files added, dropped and changed, one line each.
pub(super) fn requirement_files(out: &mut Vec<String>, old: &[FileSpec], new: &[FileSpec]) {
    for file in new {
        match old.iter().find(|f| f.path == file.path) {
            None => out.push(match including(new, file) {
                Some(by) => format!("`{}` now included by `{by}`", file.path),
                None => format!("`{}` added to `requirement-files`", file.path),
            }),
            Some(o) if o.sha256 != file.sha256 => {
                let before = out.len();
                lines(out, &format!("`{}`: ", file.path), &o.lines, &file.lines);
                if out.len() == before {
                    out.push(format!("`{}` changed", file.path));
                }
            }
            Some(_) => {}
        }
    }
    for file in old {
        if !new.iter().any(|f| f.path == file.path) {
            // A listed file that no longer exists is an error, not a diff:
            // one dropped from the spec was taken off the list (or its `-r`
            // line), and may well still be on disk.
            out.push(match including(old, file) {
                Some(by) => format!("`{}` no longer included by `{by}`", file.path),
                None => format!("`{}` no longer in `requirement-files`", file.path),
            });
        }
    }
}

/// The file among `files` whose `-r`/`-c` line names `file`, if one does.
fn including<'a>(files: &'a [FileSpec], file: &FileSpec) -> Option<&'a str> {
    files.iter().find_map(|f| {
        let dir = Path::new(&f.path).parent().unwrap_or(Path::new(""));
        f.lines.iter().find_map(|line| {
            let (target, _) = crate::spec::reqfile::include_target(line)?;
            let named = crate::fs::normalize_lexically(&dir.join(target));
            (f.path != file.path && named == Path::new(&file.path)).then_some(f.path.as_str())
        })
    })
}

/// A line as a diff shows it: without its `--hash=` options.
fn shown(line: &str) -> String {
    line.split_whitespace()
        .filter(|w| !w.starts_with("--hash"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// `+added, -removed` of a requirement file's lines, hashes left out; a pin
/// whose hashes alone changed is `name==version (hashes changed)`.
fn lines(out: &mut Vec<String>, prefix: &str, old: &[String], new: &[String]) {
    let added: Vec<String> = new
        .iter()
        .filter(|l| !old.contains(l))
        .map(|l| shown(l))
        .collect();
    let removed: Vec<String> = old
        .iter()
        .filter(|l| !new.contains(l))
        .map(|l| shown(l))
        .collect();
    let rehashed: Vec<String> = added
        .iter()
        .filter(|l| removed.contains(l))
        .cloned()
        .collect();
    let mut words: Vec<String> = added
        .iter()
        .filter(|l| !rehashed.contains(l))
        .map(|l| format!("+{l}"))
        .collect();
    words.extend(
        removed
            .iter()
            .filter(|l| !rehashed.contains(l))
            .map(|l| format!("-{l}")),
    );
    words.extend(rehashed.iter().map(|l| {
        let pin = local::requirement_part(l);
        format!("{} (hashes changed)", if pin.is_empty() { l } else { &pin })
    }));
    if !words.is_empty() {
        out.push(format!("{prefix}{}", words.join(", ")));
    }
}

/// pip's options, each named: index URLs, `find-links` (by the files in
/// them), `no-index`, `compile-bytecode`, `[pip] args`.
pub(super) fn pip(out: &mut Vec<String>, old: &PipSpec, new: &PipSpec) {
    if old.index_url != new.index_url {
        let url = |u: &Option<crate::credentials::PipUrl>| {
            u.as_ref()
                .map_or_else(|| "(pip's default)".to_owned(), |u| format!("`{u}`"))
        };
        out.push(format!(
            "index-url {} → {}",
            url(&old.index_url),
            url(&new.index_url)
        ));
    }
    let urls =
        |v: &[crate::credentials::PipUrl]| v.iter().map(ToString::to_string).collect::<Vec<_>>();
    list_diff(
        out,
        "extra-index-urls: ",
        &urls(&old.extra_index_urls),
        &urls(&new.extra_index_urls),
    );
    for links in &new.find_links {
        match old.find_links.iter().find(|o| o.location == links.location) {
            None => out.push(format!("`find-links` `{}` added", links.location)),
            Some(o) => find_links(out, o, links),
        }
    }
    for links in &old.find_links {
        if !new.find_links.iter().any(|n| n.location == links.location) {
            out.push(format!("`find-links` `{}` removed", links.location));
        }
    }
    if old.no_index != new.no_index {
        out.push(format!("no-index {} → {}", old.no_index, new.no_index));
    }
    if old.compile_bytecode != new.compile_bytecode {
        out.push(format!(
            "compile-bytecode {} → {}",
            old.compile_bytecode, new.compile_bytecode
        ));
    }
    list_diff(out, "`[pip] args`: ", &old.args, &new.args);
}

/// The files added to, removed from and changed in one `find-links`
/// directory, by name (its listing holds `name size`).
pub(super) fn find_links(out: &mut Vec<String>, old: &FindLinks, new: &FindLinks) {
    if old.files == new.files {
        return;
    }
    let split = |entry: &String| -> (String, String) {
        match entry.rsplit_once(' ') {
            Some((name, size)) => (name.to_owned(), size.to_owned()),
            None => (entry.clone(), String::new()),
        }
    };
    let old_files: Vec<(String, String)> = old.files.iter().map(split).collect();
    let new_files: Vec<(String, String)> = new.files.iter().map(split).collect();
    let mut words = Vec::new();
    for (name, size) in &new_files {
        match old_files.iter().find(|(n, _)| n == name) {
            None => words.push(format!("+{name}")),
            Some((_, s)) if s != size => words.push(format!("{name} changed")),
            Some(_) => {}
        }
    }
    for (name, _) in &old_files {
        if !new_files.iter().any(|(n, _)| n == name) {
            words.push(format!("-{name}"));
        }
    }
    if words.is_empty() {
        words.push("its files changed".to_owned());
    }
    out.push(format!(
        "`find-links` `{}`: {}",
        new.location,
        words.join(", ")
    ));
}

#[cfg(test)]
mod tests {
    use crate::credentials::PipUrl;
    use crate::spec::{FileSpec, FindLinks, diff, example};

    fn file(path: &str, lines: &[&str]) -> FileSpec {
        FileSpec {
            path: path.into(),
            sha256: format!("{:0>64}", lines.join("|").len()),
            constraint: false,
            lines: lines.iter().map(|l| (*l).to_owned()).collect(),
        }
    }

    #[test]
    fn a_file_dropped_from_the_list_is_no_longer_in_requirement_files() {
        let old = example();
        let mut new = example();
        new.requirement_files.clear();
        assert_eq!(
            diff(&old, &new),
            ["`requirements.txt` no longer in `requirement-files`"]
        );
        assert_eq!(
            diff(&new, &old),
            ["`requirements.txt` added to `requirement-files`"]
        );
    }

    #[test]
    fn an_include_dropped_is_no_longer_included_by_its_file() {
        let mut old = example();
        old.requirement_files = vec![
            file("requirements/base.txt", &["-r extra.txt", "six"]),
            file("requirements/extra.txt", &["attrs"]),
        ];
        let mut new = example();
        new.requirement_files = vec![file("requirements/base.txt", &["six"])];
        assert_eq!(
            diff(&old, &new),
            [
                "`requirements/base.txt`: --r extra.txt",
                "`requirements/extra.txt` no longer included by `requirements/base.txt`",
            ]
        );
    }

    #[test]
    fn a_hashed_pin_is_shown_as_the_pin() {
        let mut old = example();
        old.requirement_files = vec![file(
            "requirements.txt",
            &[
                "tinypkg==1.0 --hash=sha256:aaaa --hash=sha256:bbbb",
                "otherpkg==1.0 --hash=sha256:cccc",
            ],
        )];
        let mut new = old.clone();
        new.requirement_files = vec![file(
            "requirements.txt",
            &[
                "tinypkg==1.0 --hash=sha256:dddd",
                "otherpkg==2.0 --hash=sha256:eeee",
            ],
        )];
        assert_eq!(
            diff(&old, &new),
            ["`requirements.txt`: +otherpkg==2.0, -otherpkg==1.0, tinypkg==1.0 (hashes changed)"]
        );
    }

    #[test]
    fn find_links_changes_name_the_files() {
        let mut old = example();
        old.pip.find_links = vec![FindLinks {
            location: PipUrl::new("/w/wheels"),
            files: vec![
                "a-1.0-py3-none-any.whl 10".into(),
                "b-1.0-py3-none-any.whl 20".into(),
            ],
        }];
        let mut new = old.clone();
        new.pip.find_links[0].files = vec![
            "a-1.0-py3-none-any.whl 11".into(),
            "c-1.0-py3-none-any.whl 30".into(),
        ];
        assert_eq!(
            diff(&old, &new),
            [
                "`find-links` `/w/wheels`: a-1.0-py3-none-any.whl changed, +c-1.0-py3-none-any.whl, -b-1.0-py3-none-any.whl"
            ]
        );
        new.pip.find_links.push(FindLinks {
            location: PipUrl::new("/w/more"),
            files: vec![],
        });
        new.pip.no_index = true;
        new.pip.args = vec!["--prefer-binary".into()];
        let words = diff(&old, &new);
        assert_eq!(
            words[1..],
            [
                "`find-links` `/w/more` added",
                "no-index false → true",
                "`[pip] args`: +--prefer-binary",
            ]
        );
    }
}
