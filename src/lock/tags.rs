//! Wheel file names against an interpreter's supported tags.
//!
//! Invariant: a wheel ranks only when one of the tags its file name
//! expands to (`py2.py3-none-any` is two) is among the interpreter's, and
//! ranks by the best of them: the order `packaging.tags.sys_tags()` gives,
//! which is pip's own preference.

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
