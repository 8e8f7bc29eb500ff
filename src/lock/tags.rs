//! Wheel file names against an interpreter's supported tags.
//!
//! Invariant: a wheel ranks only when one of the tags its file name
//! expands to (`py2.py3-none-any` is two) is among the interpreter's, and
//! ranks by the best of them: the order `packaging.tags.sys_tags()` gives,
//! which is pip's own preference.

use std::cmp::Reverse;

use super::model::Artifact;

/// The rank of the best of a wheel file's tags in `tags` (lower is better),
/// or `None` when the interpreter supports none of them.
pub(super) fn wheel_rank(file_name: &str, tags: &[String]) -> Option<usize> {
    let stem = file_name.strip_suffix(".whl")?;
    let parts: Vec<&str> = stem.split('-').collect();
    // name-version(-build)?-python-abi-platform
    if parts.len() < 5 || parts.len() > 6 {
        return None;
    }
    let [python, abi, platform] = [
        parts[parts.len() - 3],
        parts[parts.len() - 2],
        parts[parts.len() - 1],
    ];
    let mut best = None;
    for p in python.split('.') {
        for a in abi.split('.') {
            for pl in platform.split('.') {
                let tag = format!("{p}-{a}-{pl}");
                if let Some(rank) = tags.iter().position(|t| *t == tag) {
                    best = Some(best.map_or(rank, |b: usize| b.min(rank)));
                }
            }
        }
    }
    best
}

/// The wheel of `wheels` an install takes for an interpreter with these
/// `tags` (best first): the best-ranked one, the highest build tag among
/// equals (pip's order); `None` when the interpreter supports none.
pub(super) fn best_wheel<'a>(wheels: &'a [Artifact], tags: &[String]) -> Option<&'a Artifact> {
    wheels
        .iter()
        .filter_map(|w| {
            let name = w.file_name()?;
            Some(((wheel_rank(name, tags)?, Reverse(build_tag(name))), w))
        })
        .min_by(|(a, _), (b, _)| a.cmp(b))
        .map(|(_, w)| w)
}

/// A wheel file name's build tag (`pkg-1.0-2b-py3-none-any.whl` → `(2,
/// "b")`), as pip orders them: its number, then the rest.
pub(super) fn build_tag(file_name: &str) -> Option<(u64, String)> {
    let parts: Vec<&str> = file_name.strip_suffix(".whl")?.split('-').collect();
    let [_, _, build, _, _, _] = parts.as_slice() else {
        return None;
    };
    let digits = build.len() - build.trim_start_matches(|c: char| c.is_ascii_digit()).len();
    Some((build[..digits].parse().ok()?, build[digits..].to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranks_by_the_best_tag_a_file_name_expands_to() {
        let tags: Vec<String> = ["cp312-cp312-linux_x86_64", "py3-none-any", "py2-none-any"]
            .map(String::from)
            .to_vec();
        assert_eq!(wheel_rank("a-1-py2.py3-none-any.whl", &tags), Some(1));
        assert_eq!(
            wheel_rank("a-1-1build-cp312-cp312-linux_x86_64.whl", &tags),
            Some(0)
        );
        assert_eq!(wheel_rank("a-1-cp311-cp311-linux_x86_64.whl", &tags), None);
        assert_eq!(wheel_rank("a-1.tar.gz", &tags), None);
        assert_eq!(wheel_rank("a-py3-none-any.whl", &tags), None, "no version");
    }
}
