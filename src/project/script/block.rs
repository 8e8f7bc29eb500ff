//! Finding a PEP 723 metadata block in a script ("Inline script metadata",
//! packaging.python.org), exactly as the specification's reference regex
//! finds it:
//!
//! ```text
//! (?m)^# /// (?P<type>[a-zA-Z0-9-]+)$\s(?P<content>(^#(| .*)$\s)+)^# ///$
//! ```
//!
//! applied with `re.finditer` semantics: blocks are found left to right and
//! never overlap (a block of another type can swallow a `# /// script` line
//! in its content), and the closing `# ///` is the last one reachable
//! through comment lines (the regex's `+` is greedy). Invariant: this module
//! reads lines only; what the content means is for the caller.

/// One block the reference regex matches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Block {
    /// The `TYPE` of `# /// TYPE`.
    pub(crate) kind: String,
    /// The 0-based line of `# /// TYPE`.
    pub(crate) open: usize,
    /// The 0-based line of the closing `# ///`.
    pub(crate) close: usize,
    /// The content lines with their `# ` (or lone `#`) removed, each ending
    /// in a newline, as the specification's reference reader joins them.
    pub(crate) content: String,
}

impl Block {
    /// How many characters each content line lost (`# ` or `#`), in order:
    /// the content's line `i` is the script's line `open + 1 + i`.
    pub(crate) fn prefixes<'a>(&self, script: &'a str) -> impl Iterator<Item = usize> + 'a {
        script
            .split('\n')
            .skip(self.open + 1)
            .take(self.close - self.open - 1)
            .map(|line| if line == "#" { 1 } else { 2 })
    }
}

/// Whether `line` opens a block: `# /// TYPE`, `TYPE` of ASCII letters,
/// digits and `-`.
fn opens(line: &str) -> Option<&str> {
    let kind = line.strip_prefix("# /// ")?;
    (!kind.is_empty() && kind.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'))
        .then_some(kind)
}

/// Whether `line` may be inside a block: `#` alone, or `# ` and anything.
fn is_content(line: &str) -> bool {
    line == "#" || line.starts_with("# ")
}

/// Every block in `script`, in order, as `re.finditer` returns them.
pub(crate) fn blocks(script: &str) -> Vec<Block> {
    let lines: Vec<&str> = script.split('\n').collect();
    // A line is followed by a newline unless it is the last piece.
    let has_newline = |i: usize| i + 1 < lines.len();
    let mut found = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let Some(kind) = opens(lines[i]).filter(|_| has_newline(i)) else {
            i += 1;
            continue;
        };
        // The run of content lines after the opening line, each followed
        // by a newline (the regex's `$\s`).
        let mut last = i;
        while last + 1 < lines.len() && is_content(lines[last + 1]) && has_newline(last + 1) {
            last += 1;
        }
        // The closing line: the last `# ///` with at least one content line
        // before it, inside the run or just after it.
        let close = (i + 2..=(last + 1).min(lines.len() - 1))
            .rev()
            .find(|&c| lines[c] == "# ///");
        let Some(close) = close else {
            i += 1;
            continue;
        };
        let mut content = String::new();
        for line in &lines[i + 1..close] {
            content.push_str(line.strip_prefix("# ").unwrap_or(&line[1..]));
            content.push('\n');
        }
        found.push(Block {
            kind: kind.to_owned(),
            open: i,
            close,
            content,
        });
        i = close + 1;
    }
    found
}

/// What is wrong with a script's blocks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum BlockProblem {
    /// Two `# /// script` blocks (0-based lines of their opening lines).
    Two { first: usize, second: usize },
}

/// The script's one `# /// script` block, if any; two are an error — also
/// when they touch (`# ///` then `# /// script` on the next line), which
/// the reference regex reads as one block holding both (its content then
/// holds a `/// script` line, which is no TOML), as uv reports it.
pub(crate) fn script_block(script: &str) -> Result<Option<Block>, BlockProblem> {
    let mut scripts = blocks(script).into_iter().filter(|b| b.kind == "script");
    let first = scripts.next();
    if let Some(first) = &first
        && let Some(second) = script
            .split('\n')
            .enumerate()
            .take(first.close)
            .skip(first.open + 1)
            .find_map(|(i, line)| (line == "# /// script").then_some(i))
    {
        return Err(BlockProblem::Two {
            first: first.open,
            second,
        });
    }
    if let (Some(first), Some(second)) = (&first, scripts.next()) {
        return Err(BlockProblem::Two {
            first: first.open,
            second: second.open,
        });
    }
    Ok(first)
}

/// The 0-based line of a `# /// script` line outside every block the regex
/// finds: a block that is opened and never closed (or broken by a line
/// that is not a comment), which the specification reads as no block.
pub(crate) fn unclosed_script(script: &str) -> Option<usize> {
    let found = blocks(script);
    script.split('\n').enumerate().find_map(|(i, line)| {
        (line == "# /// script" && !found.iter().any(|b| b.open <= i && i <= b.close)).then_some(i)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const SIMPLE: &str = "#!/usr/bin/env python\n# /// script\n# requires-python = \">=3.11\"\n# dependencies = [\n#   \"rich\",\n# ]\n# ///\nimport rich\n";

    #[test]
    fn a_block_is_read_as_the_reference_reader_joins_it() {
        let block = script_block(SIMPLE).unwrap().unwrap();
        assert_eq!(block.kind, "script");
        assert_eq!((block.open, block.close), (1, 6));
        assert_eq!(
            block.content,
            "requires-python = \">=3.11\"\ndependencies = [\n  \"rich\",\n]\n"
        );
        assert_eq!(block.prefixes(SIMPLE).collect::<Vec<_>>(), [2, 2, 2, 2]);
        // A lone `#` is an empty line of content.
        let block = script_block("# /// script\n#\n# a = 1\n# ///\n")
            .unwrap()
            .unwrap();
        assert_eq!(block.content, "\na = 1\n");
    }

    #[test]
    fn no_block_when_there_is_none_or_it_is_not_closed() {
        assert_eq!(script_block("print('hi')\n").unwrap(), None);
        assert_eq!(script_block("").unwrap(), None);
        // Never closed.
        let open = "# /// script\n# dependencies = []\nprint(1)\n";
        assert_eq!(script_block(open).unwrap(), None);
        assert_eq!(unclosed_script(open), Some(0));
        // A line that is not a comment ends the run before the `# ///`.
        let broken = "# /// script\n# dependencies = []\nx = 1\n# ///\n";
        assert_eq!(script_block(broken).unwrap(), None);
        assert_eq!(unclosed_script(broken), Some(0));
        // `#x` (no space) is not a content line either.
        assert_eq!(script_block("# /// script\n#x = 1\n# ///\n").unwrap(), None);
        // No content line at all: `(...)+` needs one.
        assert_eq!(script_block("# /// script\n# ///\n").unwrap(), None);
        // The opening line must be exact (no trailing space, no CR).
        assert_eq!(
            script_block("# /// script \n# a = 1\n# ///\n").unwrap(),
            None
        );
        assert_eq!(
            script_block("# /// script\r\n# a = 1\r\n# ///\r\n").unwrap(),
            None
        );
        assert_eq!(unclosed_script(SIMPLE), None);
    }

    #[test]
    fn the_closing_line_is_the_last_one_reachable_through_comments() {
        // A `# ///` inside the content does not close the block while
        // comment lines and another `# ///` follow.
        let text = "# /// script\n# a = 1\n# ///\n# b = 2\n# ///\nprint(1)\n";
        let block = script_block(text).unwrap().unwrap();
        assert_eq!(block.close, 4);
        assert_eq!(block.content, "a = 1\n///\nb = 2\n");
        // A closing line at the very end of the file, without a newline.
        let block = script_block("# /// script\n# a = 1\n# ///")
            .unwrap()
            .unwrap();
        assert_eq!(block.close, 2);
        // The last line of content must end in a newline before `# ///`:
        // a file ending in a content line has no block.
        assert_eq!(script_block("# /// script\n# a = 1").unwrap(), None);
    }

    #[test]
    fn two_script_blocks_are_an_error_and_other_types_are_passed_over() {
        let two = "# /// script\n# a = 1\n# ///\n\n# /// script\n# b = 1\n# ///\n";
        assert_eq!(
            script_block(two),
            Err(BlockProblem::Two {
                first: 0,
                second: 4
            })
        );
        let other = "# /// pyproject\n# x = 1\n# ///\n# /// script\n# a = 1\n# ///\n";
        let all = blocks(other);
        // Greedy: the first block runs to the last `# ///`, so it holds the
        // second opening line and there is no script block (as in Python).
        assert_eq!(all.len(), 1);
        assert_eq!(all[0].kind, "pyproject");
        assert_eq!(script_block(other).unwrap(), None);
        let apart = "# /// pyproject\n# x = 1\n# ///\n\n# /// script\n# a = 1\n# ///\n";
        let block = script_block(apart).unwrap().unwrap();
        assert_eq!((block.open, block.content.as_str()), (4, "a = 1\n"));
        // Types are letters, digits and `-` only.
        assert!(blocks("# /// my_type\n# a = 1\n# ///\n").is_empty());
        assert_eq!(blocks("# /// my-type2\n# a = 1\n# ///\n").len(), 1);
    }
}
