//! A script with PEP 723 inline metadata, loaded as a project: its
//! `# /// script` block's `dependencies` are the requirements, its
//! `requires-python` bounds the interpreter, and `[tool.penv]` takes the
//! keys of penv.toml that make sense for a script (`python`, `[pip]`,
//! `[venv]` but its `path` and `keep-stashed`). Paths in it (`find-links`)
//! are relative to the script's directory.
//!
//! Invariant: every error in a block names the script and the line in it
//! (the content's positions are mapped back to the script's lines), and a
//! script project is never mistaken for a project file: it has no lock and
//! no env beside it (the env is the store's, chosen by the spec's hash).

mod block;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::{Config, Project, ProjectError, RequiresPython, load::explain_serde_message};
use crate::diagnostics::Location;
use crate::text_file;

/// A script read for its block.
const SCRIPT_FILE: text_file::Kind = text_file::Kind {
    what: "a script",
    cap: 16 * 1024 * 1024,
};

/// What a `# /// script` block holds (PEP 723); other keys are refused,
/// so a typo never silently does nothing.
#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
#[serde(expecting = "a table of `dependencies`, `requires-python` and `[tool]`")]
struct Metadata {
    #[serde(default)]
    dependencies: Vec<String>,
    #[serde(default)]
    requires_python: Option<String>,
    #[serde(default)]
    tool: Option<Tool>,
}

/// `[tool]`: other tools' tables are theirs, and passed over.
#[derive(Deserialize)]
struct Tool {
    #[serde(default)]
    penv: Option<Config>,
}

/// penv.toml keys that a script's `[tool.penv]` does not take, and why.
const NOT_FOR_SCRIPTS: &[(&[&str], &str)] = &[
    (
        &["requirements"],
        "list the script's requirements in the block's `dependencies`",
    ),
    (
        &["requirement-files"],
        "list the script's requirements in the block's `dependencies`",
    ),
    (
        &["groups"],
        "a script has one set of requirements: its `dependencies`",
    ),
    (
        &["default-groups"],
        "a script has one set of requirements: its `dependencies`",
    ),
    (
        &["venv", "path"],
        "a script's env lives in penv's store, chosen by its spec's hash",
    ),
    (
        &["venv", "keep-stashed"],
        "a script's env is kept in penv's store, not stashed",
    ),
];

/// `text` with CRLF line ends read as LF: Python reads a script with
/// universal newlines, so the specification's reference reader (and uv)
/// finds a block in a CRLF script. Lines keep their numbers.
fn lf_lines(text: &str) -> std::borrow::Cow<'_, str> {
    if text.contains("\r\n") {
        text.replace("\r\n", "\n").into()
    } else {
        text.into()
    }
}

/// A script without a `# /// script` block.
#[derive(Debug, Clone)]
pub(crate) struct NoBlock {
    /// The script (absolute).
    pub(crate) path: PathBuf,
    /// The 1-based line of a `# /// script` never closed, if any.
    pub(crate) unclosed: Option<usize>,
}

impl From<NoBlock> for ProjectError {
    fn from(no: NoBlock) -> Self {
        Self::NoScriptBlock {
            path: no.path,
            unclosed: no.unclosed,
        }
    }
}

impl Project {
    /// The script at `file` as a project, when it has a `# /// script`
    /// block; else [`NoBlock`], saying whether one is opened but never
    /// closed.
    pub(crate) fn from_script(file: &Path) -> Result<Result<Self, NoBlock>, ProjectError> {
        let file = std::path::absolute(file).unwrap_or_else(|_| file.to_owned());
        let text = text_file::read(&file, SCRIPT_FILE)?;
        let text = lf_lines(&text);
        Ok(
            Self::from_script_text(&file, &text)?.ok_or_else(|| NoBlock {
                path: file,
                unclosed: block::unclosed_script(&text).map(|line| line + 1),
            }),
        )
    }

    /// [`Project::from_script`] of text read from `file`.
    pub(crate) fn from_script_text(file: &Path, text: &str) -> Result<Option<Self>, ProjectError> {
        let text = &*lf_lines(text);
        let block = match block::script_block(text) {
            Ok(Some(block)) => block,
            Ok(None) => return Ok(None),
            Err(block::BlockProblem::Two { first, second }) => {
                return Err(ProjectError::Invalid {
                    location: line_location(file, text, second),
                    message: format!(
                        "a second `# /// script` block (the first opens on line {})",
                        first + 1
                    ),
                    hint: Some("a script has one metadata block: merge the two".to_owned()),
                });
            }
        };
        let padded = padded(text, &block);
        let map = |span: std::ops::Range<usize>| {
            let start = to_script_offset(text, &padded, &block, span.start);
            let end = to_script_offset(text, &padded, &block, span.end).max(start);
            super::locate::script_line(Location::from_span(file, &padded, start..end))
        };
        let content = toml_edit::Document::parse(block.content.clone()).map_err(|e| {
            ProjectError::Invalid {
                location: map(e.span().unwrap_or(0..0)),
                message: format!("invalid TOML in the `# /// script` block: {}", e.message().trim_end()),
                hint: Some("each line of the block is `# ` and a line of TOML; strings need quotes: `dependencies = [\"rich\"]`".to_owned()),
            }
        })?;
        let metadata: Metadata = toml_edit::de::from_document(content.clone()).map_err(|e| {
            let (message, hint) = explain_serde_message(e.message());
            ProjectError::Invalid {
                location: map(e.span().unwrap_or(0..0)),
                message,
                hint,
            }
        })?;
        // The padded text parses as the content does (only whitespace
        // before each line differs), so its spans are the script's own.
        let doc = toml_edit::Document::parse(padded.clone()).unwrap_or_else(|_| {
            toml_edit::Document::parse(String::new()).expect("empty TOML parses")
        });
        let penv = metadata.tool.and_then(|t| t.penv).unwrap_or_default();
        let penv_table = content.get("tool").and_then(|t| t.get("penv"));
        for (keys, why) in NOT_FOR_SCRIPTS {
            let item = penv_table.and_then(|t| keys.iter().try_fold(t, |item, key| item.get(key)));
            if let Some(item) = item {
                return Err(ProjectError::Invalid {
                    location: map(item.span().unwrap_or(0..0)),
                    message: format!(
                        "`[tool.penv] {}` is not read in a script's block",
                        keys.join(".")
                    ),
                    hint: Some(format!("{why}; remove it")),
                });
            }
        }
        let requires_python = metadata.requires_python.map(|value| RequiresPython {
            value,
            file: file.to_owned(),
            location: content
                .get("requires-python")
                .and_then(toml_edit::Item::span)
                .map(&map),
        });
        let config = Config {
            requirements: metadata.dependencies,
            venv: crate::project::VenvConfig {
                keep_stashed: 0,
                ..penv.venv
            },
            groups: BTreeMap::new(),
            ..penv
        };
        let mut project = Project {
            root: file
                .parent()
                .map_or_else(|| PathBuf::from("."), Path::to_owned),
            file: file.to_owned(),
            config,
            requires_python,
            requirements: Vec::new(),
            declared_dependencies: Vec::new(),
            groups: BTreeMap::new(),
            default_groups: Vec::new(),
            unhonoured: Vec::new(),
            extras: BTreeMap::new(),
            package: false,
            source: padded,
            doc,
            prefix: &["tool", "penv"],
            script: true,
        };
        super::merge::merge(&mut project, None)?;
        super::validate::validate(&project)?;
        Ok(Some(project))
    }
}

/// The script with every line blanked but the block's content, whose `#`
/// becomes a space: TOML whose byte offsets, lines and columns are the
/// script's own, for locations of keys found after loading.
fn padded(text: &str, block: &block::Block) -> String {
    text.split('\n')
        .enumerate()
        .map(|(i, line)| {
            if i > block.open && i < block.close && line != "#" {
                format!(" {}", &line[1..])
            } else {
                String::new()
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The offset in the padded script (`padded`) of `offset` in the block's
/// content.
fn to_script_offset(text: &str, padded: &str, block: &block::Block, offset: usize) -> usize {
    let starts: Vec<usize> = std::iter::once(0)
        .chain(padded.match_indices('\n').map(|(i, _)| i + 1))
        .collect();
    let prefixes: Vec<usize> = block.prefixes(text).collect();
    let mut content_start = 0;
    for (i, prefix) in prefixes.iter().enumerate() {
        let rest = &block.content[content_start..];
        let len = rest.find('\n').map_or(rest.len(), |n| n + 1);
        if offset < content_start + len || i + 1 == prefixes.len() {
            // The padded line keeps the comment's width: `# x` is `  x`,
            // `#` is empty.
            let padding = if *prefix == 1 { 0 } else { 2 };
            let column = offset
                .saturating_sub(content_start)
                .min(len.saturating_sub(1));
            return starts[block.open + 1 + i] + padding + column;
        }
        content_start += len;
    }
    starts.get(block.close).copied().unwrap_or(0)
}

/// A whole line of the script (0-based `line`) as a location.
fn line_location(file: &Path, text: &str, line: usize) -> Location {
    Location::line(
        file,
        line + 1,
        text.split('\n').nth(line).unwrap_or_default(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(text: &str) -> Result<Option<Project>, ProjectError> {
        Project::from_script_text(Path::new("/s/tool.py"), text)
    }

    #[test]
    fn a_block_becomes_a_project_rooted_at_the_script() {
        let text = "import sys\n# /// script\n# requires-python = \">=3.9\"\n# dependencies = [\"rich>=13\", \"Click\"]\n# [tool.penv.pip]\n# find-links = [\"wheels\"]\n# no-index = true\n# [tool.uv]\n# whatever = 1\n# ///\n";
        let project = load(text).unwrap().unwrap();
        assert_eq!(project.root, Path::new("/s"));
        assert_eq!(project.config.requirements, ["rich>=13", "Click"]);
        assert_eq!(project.config.pip.find_links, ["wheels"]);
        assert!(project.config.pip.no_index);
        assert_eq!(project.config.venv.keep_stashed, 0);
        assert_eq!(project.requires_python.as_ref().unwrap().value, ">=3.9");
        // Keys found later point at the script's lines.
        let at = project.locate(&["pip", "find-links", "0"]).unwrap();
        assert_eq!((at.line, at.column), (6, 17));
        assert_eq!(project.locate(&["requirements", "1"]).unwrap().line, 4);
        assert!(load("print(1)\n").unwrap().is_none());
    }

    #[test]
    fn errors_in_the_block_name_the_script_line() {
        let err = load("\n\n# /// script\n# dependencies = [\"ok\", \"not a req!\"]\n# ///\n")
            .unwrap_err();
        let location = err.location().unwrap();
        assert_eq!(location.path, Path::new("/s/tool.py"));
        assert_eq!(location.line, 4);
        assert_eq!(location.text, "# dependencies = [\"ok\", \"not a req!\"]");
        assert!(err.to_string().contains("invalid requirement"), "{err}");
        let err = load("# /// script\n#\n# dependencies = [\n# ///\n").unwrap_err();
        assert!(err.to_string().contains("invalid TOML"), "{err}");
        assert!(err.location().unwrap().line >= 3);
        let err = load("# /// script\n# dependency = []\n# ///\n").unwrap_err();
        assert_eq!(err.location().unwrap().line, 2);
        assert!(
            err.to_string().contains("unknown key `dependency`"),
            "{err}"
        );
        assert_eq!(err.hint().as_deref(), Some("did you mean `dependencies`?"));
        let err = load("# /// script\n# a = 1\n# ///\nx = 1\n# /// script\n# b = 1\n# ///\n")
            .unwrap_err();
        assert!(err.to_string().contains("second `# /// script`"), "{err}");
        assert_eq!(err.location().unwrap().line, 5);
        let err = load("# /// script\n# [tool.penv.venv]\n# path = \"x\"\n# ///\n").unwrap_err();
        assert_eq!(err.location().unwrap().line, 3);
        assert!(err.to_string().contains("venv.path"), "{err}");
    }

    /// Issue 23: a CRLF script's block was silently ignored (Python reads
    /// scripts with universal newlines, and uv honours it); two blocks one
    /// after the other were "invalid TOML: key with no value".
    #[test]
    fn a_crlf_block_is_read_and_two_touching_blocks_are_named_so() {
        let lf = "import sys\n# /// script\n# dependencies = [\"rich\"]\n# ///\nprint(1)\n";
        let project = load(&lf.replace('\n', "\r\n")).unwrap().unwrap();
        assert_eq!(project.config.requirements, ["rich"]);
        let err = load("# /// script\r\n# dependencies = [\"no pe!\"]\r\n# ///\r\n").unwrap_err();
        assert_eq!(err.location().unwrap().line, 2);
        for ends in ["\n", "\r\n"] {
            let text = "# /// script\n# dependencies = []\n# ///\n# /// script\n# requires-python = \">=3.11\"\n# ///\n"
                .replace('\n', ends);
            let err = load(&text).unwrap_err();
            assert!(
                err.to_string()
                    .contains("a second `# /// script` block (the first opens on line 1)"),
                "{err}"
            );
            assert_eq!(err.location().unwrap().line, 4);
            assert_eq!(
                err.hint().as_deref(),
                Some("a script has one metadata block: merge the two")
            );
        }
    }
}
