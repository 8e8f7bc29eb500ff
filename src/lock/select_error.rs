//! Why a lock's selection for an interpreter, its groups and extras
//! cannot be made, or an entry cannot be handed to pip.

/// Why a lock cannot be installed here.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SelectError {
    /// No `environments` marker matches.
    #[error(
        "the lock is for {}, and this interpreter ({current}) matches none of them",
        environments.iter().map(|e| format!("`{e}`")).collect::<Vec<_>>().join(" or ")
    )]
    NoEnvironment {
        /// The lock's `environments`.
        environments: Vec<String>,
        /// The interpreter's values of the usual markers.
        current: String,
    },
    /// `requires-python` excludes the interpreter.
    #[error(
        "the lock has `requires-python = \"{specifier}\"`, and this interpreter is Python {version}"
    )]
    RequiresPython {
        /// The specifier.
        specifier: String,
        /// The interpreter's full version.
        version: String,
    },
    /// A group the lock does not have.
    #[error("the lock has no dependency group `{name}` (it has: {})", if known.is_empty() { "none".to_owned() } else { known.join(", ") })]
    UnknownGroup {
        /// The group asked for.
        name: String,
        /// The lock's `dependency-groups`.
        known: Vec<String>,
    },
    /// An extra the lock does not have.
    #[error("the lock has no extra `{name}` (it has: {})", if known.is_empty() { "none".to_owned() } else { known.join(", ") })]
    UnknownExtra {
        /// The extra asked for.
        name: String,
        /// The lock's `extras`.
        known: Vec<String>,
    },
    /// A marker penv cannot evaluate.
    #[error("the marker `{marker}`{} cannot be evaluated: {reason}", package.as_ref().map(|p| format!(" of package `{p}`")).unwrap_or_default())]
    BadMarker {
        /// The package it belongs to (`None`: an `environments` marker).
        package: Option<String>,
        /// The marker.
        marker: String,
        /// Why.
        reason: String,
    },
    /// Two entries of one package both apply.
    #[error("the lock has more than one entry for `{name}` that applies to this interpreter")]
    Duplicate {
        /// The package.
        name: String,
    },
    /// A value penv does not hand to pip, found after the lock was read:
    /// as it is selected or rendered for pip.
    #[error("{entry}: `{field}` {why}")]
    Refused {
        /// The entry, for messages: ``package `six` ``.
        entry: String,
        /// The field.
        field: String,
        /// What is wrong.
        why: String,
    },
    /// `sync --locked`, and archives the lock gives no hash for.
    #[error(
        "the lock gives no hash for the archive of {}, and `--locked` installs only what pip can check",
        archives.join(", ")
    )]
    UnhashedArchives {
        /// Each archive: `` `name` (`url`) ``.
        archives: Vec<String>,
    },
    /// Nothing of a package can be installed here.
    #[error("nothing of package `{name}` in the lock can be installed here: {reason}")]
    NothingInstallable {
        /// The package.
        name: String,
        /// Why.
        reason: String,
    },
}

impl SelectError {
    /// What to do about it, for the lock at `path`: another tool's is made
    /// again by that tool (`uv lock`), from the project's own file.
    pub(crate) fn hint_for(&self, path: &std::path::Path) -> String {
        let hint = self.hint();
        let relock = super::relock_command(path);
        if relock == "penv lock" {
            return hint;
        }
        let hint = hint
            .replace("every group of penv.toml", "every group of the project")
            .replace("`penv lock`", &format!("`{relock}`"));
        match self {
            // A group of `[tool.penv]` alone is not another tool's to lock.
            Self::UnknownGroup { .. } => format!(
                "{hint} (a group only `[tool.penv]` defines: `penv lock`, whose `pylock.toml` then comes first)"
            ),
            _ => hint,
        }
    }

    /// What to do about it.
    pub(crate) fn hint(&self) -> String {
        match self {
            Self::NoEnvironment { .. } | Self::RequiresPython { .. } => "the lock was made for another interpreter or platform: run `penv lock` to lock for this one".to_owned(),
            Self::UnknownGroup { .. } => "ask for a group the lock has, or run `penv lock` to lock every group of penv.toml".to_owned(),
            Self::UnknownExtra { .. } => "ask for an extra the lock has, or run `penv lock` to lock every extra of the project".to_owned(),
            Self::NothingInstallable { .. } => "run `penv lock` to lock for this interpreter, or add a wheel or sdist for it to the lock".to_owned(),
            Self::BadMarker { .. } | Self::Duplicate { .. } => "fix the lock, or run `penv lock` to write it again".to_owned(),
            Self::Refused { .. } => "penv gives pip nothing of a lock but values it can read as what PEP 751 says they are: fix the entry, or run `penv lock` to write the lock again".to_owned(),
            Self::UnhashedArchives { .. } => "add the archive's hash to the lock (`hashes = { sha256 = \"…\" }`, as PEP 751 requires), or sync without `--locked` to install it unchecked".to_owned(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Another tool's lock is made again by that tool, not by `penv lock`.
    #[test]
    fn a_foreign_locks_hint_names_its_tool() {
        let err = SelectError::UnknownGroup {
            name: "g".to_owned(),
            known: vec![],
        };
        assert_eq!(
            err.hint_for(std::path::Path::new("/p/uv.lock")),
            "ask for a group the lock has, or run `uv lock` to lock every group of the project (a group only `[tool.penv]` defines: `penv lock`, whose `pylock.toml` then comes first)"
        );
        assert!(
            err.hint_for(std::path::Path::new("/p/pylock.toml"))
                .contains("`penv lock` to lock every group of penv.toml")
        );
    }
}
