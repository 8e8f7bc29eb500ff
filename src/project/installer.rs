//! `[venv] installer`: which program fills an env, `python -m pip` (the
//! default) or uv's `uv pip`. Part of the spec: the same requirements
//! installed by another installer are another env.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The program that installs an env's requirements.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Installer {
    /// The env's own `python -m pip` (the default).
    #[default]
    Pip,
    /// `uv pip install --python <env>/bin/python`: uv found on `PATH`, else
    /// fetched once from the project's index into penv's cache.
    Uv,
}

impl Installer {
    /// The installer named `text` (`pip`, `uv`): `PENV_INSTALLER`.
    pub(crate) fn parse(text: &str) -> Result<Self, String> {
        match text {
            "pip" => Ok(Self::Pip),
            "uv" => Ok(Self::Uv),
            other => Err(format!("`{other}` is not an installer: use `pip` or `uv`")),
        }
    }

    /// Its name, as `parse` takes it.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Self::Pip => "pip",
            Self::Uv => "uv",
        }
    }

    /// pip, the default (left out of the spec's serialization, so the hash
    /// of every env built before there was a choice is unchanged).
    #[expect(
        clippy::trivially_copy_pass_by_ref,
        reason = "serde's skip_serializing_if takes a reference"
    )]
    pub(crate) fn is_pip(&self) -> bool {
        *self == Self::Pip
    }
}

impl super::Project {
    /// The project with `PENV_INSTALLER` (`over`) applied over its
    /// `[venv] installer`, so every spec built from it has the override.
    pub(crate) fn with_installer(
        &mut self,
        over: Option<&str>,
    ) -> Result<&Self, super::ProjectError> {
        if let Some(text) = over {
            self.config.venv.installer =
                Installer::parse(text).map_err(|_| super::ProjectError::BadInstallerVar {
                    value: text.to_owned(),
                })?;
        }
        Ok(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_others_are_refused() {
        for installer in [Installer::Pip, Installer::Uv] {
            assert_eq!(Installer::parse(installer.name()), Ok(installer));
        }
        assert!(
            Installer::parse("poetry")
                .unwrap_err()
                .contains("`pip` or `uv`")
        );
        assert!(Installer::default().is_pip());
    }
}
