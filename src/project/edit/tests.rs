//! Golden before/after texts: every byte but the edited entries survives.

use super::*;

fn req(text: &str) -> Parsed {
    requirement::parse(text).unwrap()
}

fn added(before: &str, layout: Layout, group: Option<&str>, reqs: &[&str]) -> Edited {
    let reqs: Vec<Parsed> = reqs.iter().map(|r| req(r)).collect();
    add(before, layout, group, &reqs).unwrap()
}

fn removed(before: &str, layout: Layout, group: Option<&str>, names: &[&str]) -> Edited {
    let names: Vec<String> = names.iter().map(|n| (*n).to_owned()).collect();
    remove(before, layout, group, &names).unwrap()
}

const PENV: &str = r#"# the project
python = "3.12"   # pinned for CI

requirements = [
    # http
    "requests>=2.31",
    'rich == 13.*',  # pretty output
    "typing_extensions",
]

[groups]
dev = ["pytest>=8", "ruff"]  # tools
docs = [ "sphinx" ]

[pip]
no-index = true
"#;

#[test]
fn add_appends_on_its_own_line_in_a_multiline_array() {
    let out = added(PENV, Layout::PenvToml, None, &["Flask>=3"]);
    assert_eq!(
        out.text,
        PENV.replace(
            "    \"typing_extensions\",\n]",
            "    \"typing_extensions\",\n    \"flask>=3\",\n]"
        )
    );
    assert_eq!(out.changes, [Change::Added("flask>=3".into())]);
    assert_eq!(out.place.label(), "`requirements`");
}

#[test]
fn add_replaces_an_existing_package_in_place_by_its_pep503_name() {
    let out = added(
        PENV,
        Layout::PenvToml,
        None,
        &["Rich>=14", "typing-extensions>=4.12"],
    );
    let want = PENV
        .replace("'rich == 13.*',", "'rich>=14',")
        .replace("\"typing_extensions\",", "\"typing-extensions>=4.12\",");
    assert_eq!(out.text, want);
    assert_eq!(
        out.changes,
        [
            Change::Replaced("rich == 13.*".into(), "rich>=14".into()),
            Change::Replaced("typing_extensions".into(), "typing-extensions>=4.12".into()),
        ]
    );
}

#[test]
fn add_without_a_version_keeps_the_entry_there() {
    let out = added(PENV, Layout::PenvToml, None, &["REQUESTS"]);
    assert_eq!(out.text, PENV);
    assert_eq!(out.changes, [Change::Unchanged("requests>=2.31".into())]);
}

/// Without a version, the extras and marker asked for are added to the
/// entry, which keeps its versions; asking again changes nothing.
#[test]
fn add_without_a_version_takes_new_extras_and_markers() {
    let out = added(
        "requirements = [\"requests >= 2.30\"]\n",
        Layout::PenvToml,
        None,
        &["requests[socks]"],
    );
    assert_eq!(out.text, "requirements = [\"requests[socks]>=2.30\"]\n");
    let again = added(&out.text, Layout::PenvToml, None, &["requests[socks]"]);
    assert_eq!(
        again.changes,
        [Change::Unchanged("requests[socks]>=2.30".into())]
    );
    let out = added(
        "requirements = [\"attrs ; sys_platform == 'win32'\"]\n",
        Layout::PenvToml,
        None,
        &["attrs ; sys_platform == 'linux'"],
    );
    assert!(
        out.text.contains("attrs ; sys_platform == 'linux'"),
        "{}",
        out.text
    );
    // Only spacing differs: the entry is left as written.
    let out = added(
        "requirements = [\"rich >= 13\"]\n",
        Layout::PenvToml,
        None,
        &["rich"],
    );
    assert_eq!(out.changes, [Change::Unchanged("rich >= 13".into())]);
}

#[test]
fn add_to_one_line_arrays_keeps_them_on_one_line() {
    let out = added(PENV, Layout::PenvToml, Some("dev"), &["mypy"]);
    assert_eq!(
        out.text,
        PENV.replace(
            r#"dev = ["pytest>=8", "ruff"]  # tools"#,
            r#"dev = ["pytest>=8", "ruff", "mypy"]  # tools"#
        )
    );
    let out = added(PENV, Layout::PenvToml, Some("docs"), &["furo"]);
    assert_eq!(
        out.text,
        PENV.replace(r#"docs = [ "sphinx" ]"#, r#"docs = [ "sphinx", "furo" ]"#)
    );
    assert_eq!(out.place.label(), "`[groups] docs`");
}

#[test]
fn add_after_a_trailing_comment_and_without_a_trailing_comma() {
    let before = "requirements = [\n  \"a\",\n  \"b\"  # last\n]\n";
    let out = added(before, Layout::PenvToml, None, &["c"]);
    assert_eq!(
        out.text,
        "requirements = [\n  \"a\",\n  \"b\",  # last\n  \"c\"\n]\n"
    );
    let before = "requirements = [\n  \"a\",\n  \"b\",  # last\n]\n";
    let out = added(before, Layout::PenvToml, None, &["c"]);
    assert_eq!(
        out.text,
        "requirements = [\n  \"a\",\n  \"b\",  # last\n  \"c\",\n]\n"
    );
}

#[test]
fn add_creates_what_is_missing() {
    let before = "python = \"3.12\"  # keep\n\n[pip]\nno-index = true\n";
    let out = added(before, Layout::PenvToml, None, &["a"]);
    assert_eq!(
        out.text,
        "python = \"3.12\"  # keep\nrequirements = [\"a\"]\n\n[pip]\nno-index = true\n"
    );
    let out = added(before, Layout::PenvToml, Some("dev"), &["pytest"]);
    assert_eq!(
        out.text,
        format!("{before}\n[groups]\ndev = [\"pytest\"]\n")
    );
    let out = added("requirements = []\n", Layout::PenvToml, None, &["a"]);
    assert_eq!(out.text, "requirements = [\"a\"]\n");
    let out = added("requirements = [\n]\n", Layout::PenvToml, None, &["a"]);
    assert_eq!(out.text, "requirements = [\"a\"]\n");
}

const PYPROJECT: &str = r#"[build-system]
requires = ["hatchling"]
build-backend = "hatchling.build"

[project]
name = "demo"
version = "0.1.0"
dependencies = [
  "httpx >= 0.27",   # client
  "anyio",
]

[dependency-groups]
test = ["pytest", {include-group = "lint"}]
lint = ["ruff"]

[tool.ruff]
line-length = 100
"#;

#[test]
fn pyproject_edits_project_dependencies_and_dependency_groups() {
    let out = added(PYPROJECT, Layout::Pyproject, None, &["click>=8"]);
    assert_eq!(
        out.text,
        PYPROJECT.replace("  \"anyio\",\n]", "  \"anyio\",\n  \"click>=8\",\n]")
    );
    assert_eq!(out.place.label(), "`[project] dependencies`");
    let out = added(PYPROJECT, Layout::Pyproject, Some("test"), &["coverage"]);
    assert_eq!(
        out.text,
        PYPROJECT.replace(
            r#"test = ["pytest", {include-group = "lint"}]"#,
            r#"test = ["pytest", {include-group = "lint"}, "coverage"]"#
        )
    );
    let out = added(PYPROJECT, Layout::Pyproject, Some("docs"), &["sphinx"]);
    assert_eq!(
        out.text,
        PYPROJECT.replace(
            "lint = [\"ruff\"]\n",
            "lint = [\"ruff\"]\ndocs = [\"sphinx\"]\n"
        )
    );
    let out = removed(PYPROJECT, Layout::Pyproject, None, &["HTTPX"]);
    assert_eq!(
        out.text,
        PYPROJECT.replace("  \"httpx >= 0.27\",   # client\n", "")
    );
}

#[test]
fn pyproject_prefers_tool_penv_when_it_has_the_key() {
    let before =
        "[project]\nname = \"x\"\ndependencies = [\"a\"]\n\n[tool.penv]\nrequirements = [\"b\"]\n";
    let out = added(before, Layout::Pyproject, None, &["c"]);
    assert_eq!(out.text, before.replace("[\"b\"]", "[\"b\", \"c\"]"));
    // No `[project]`: `[tool.penv]`, created with an implicit `[tool]`.
    let out = added("[tool.black]\nx = 1\n", Layout::Pyproject, None, &["c"]);
    assert_eq!(
        out.text,
        "[tool.black]\nx = 1\n\n[tool.penv]\nrequirements = [\"c\"]\n"
    );
    let dynamic = "[project]\nname = \"x\"\ndynamic = [\"dependencies\"]\n";
    let err = add(dynamic, Layout::Pyproject, None, &[req("c")]).unwrap_err();
    assert_eq!(err, EditError::Dynamic);
}

#[test]
fn group_tables_edit_their_requirements_key() {
    let before = "[groups]\nprod = { requirement-files = [\"requirements/prod.txt\"] }\n";
    let out = added(before, Layout::PenvToml, Some("prod"), &["gunicorn"]);
    assert_eq!(
        out.text,
        "[groups]\nprod = { requirement-files = [\"requirements/prod.txt\"], requirements = [\"gunicorn\"] }\n"
    );
    assert_eq!(out.place.label(), "`[groups.prod] requirements`");
}

#[test]
fn remove_takes_the_lines_of_the_entry_with_its_comments() {
    let out = removed(PENV, Layout::PenvToml, None, &["requests"]);
    assert_eq!(
        out.text,
        PENV.replace("    # http\n    \"requests>=2.31\",\n", "")
    );
    let out = removed(PENV, Layout::PenvToml, None, &["RICH"]);
    assert_eq!(
        out.text,
        PENV.replace("    'rich == 13.*',  # pretty output\n", "")
    );
    let out = removed(PENV, Layout::PenvToml, None, &["typing.extensions"]);
    assert_eq!(out.text, PENV.replace("    \"typing_extensions\",\n", ""));
    assert_eq!(out.changes, [Change::Removed("typing_extensions".into())]);
}

#[test]
fn remove_from_one_line_arrays() {
    let out = removed(PENV, Layout::PenvToml, Some("dev"), &["pytest"]);
    assert!(
        out.text.contains("dev = [\"ruff\"]  # tools\n"),
        "{}",
        out.text
    );
    let out = removed(PENV, Layout::PenvToml, Some("dev"), &["ruff"]);
    assert!(
        out.text.contains("dev = [\"pytest>=8\"]  # tools\n"),
        "{}",
        out.text
    );
    let out = removed(PENV, Layout::PenvToml, Some("docs"), &["sphinx"]);
    assert!(out.text.contains("docs = []\n"), "{}", out.text);
    let out = removed(
        "r = 1\nrequirements = [\n  \"a\",\n]\n",
        Layout::PenvToml,
        None,
        &["a"],
    );
    assert_eq!(out.text, "r = 1\nrequirements = []\n");
    let out = removed(
        "requirements = [\"a\", \"b\", \"c\"]\n",
        Layout::PenvToml,
        None,
        &["b"],
    );
    assert_eq!(out.text, "requirements = [\"a\", \"c\"]\n");
}

#[test]
fn remove_of_an_absent_package_says_what_is_there() {
    let err = remove(PENV, Layout::PenvToml, Some("dev"), &["flask".to_owned()]).unwrap_err();
    assert_eq!(err.to_string(), "`flask` is not in `[groups] dev`");
    assert_eq!(err.hint(), "it holds `pytest>=8`, `ruff`");
    let err = remove(
        "python = \"3\"\n",
        Layout::PenvToml,
        Some("dev"),
        &["x".to_owned()],
    )
    .unwrap_err();
    assert_eq!(err.to_string(), "`x` is not in `[groups] dev`");
}

/// A package that is in another place than the one asked: the hint names
/// the command that removes it there.
#[test]
fn remove_of_a_package_held_elsewhere_names_where() {
    let pyproject = "[project]\nname = \"p\"\ndependencies = [\"idna>=3\"]\n\n\
                     [dependency-groups]\ntesting = [\"pytest\", \"Six>=1.16\"]\n";
    let err = remove(pyproject, Layout::Pyproject, None, &["six".to_owned()]).unwrap_err();
    assert_eq!(err.to_string(), "`six` is not in `[project] dependencies`");
    assert_eq!(
        err.hint(),
        "it is in group `testing`: `penv remove --group testing six`"
    );
    let err = remove(
        pyproject,
        Layout::Pyproject,
        Some("testing"),
        &["idna".to_owned()],
    )
    .unwrap_err();
    assert_eq!(
        err.hint(),
        "it is in the main requirements: `penv remove idna`"
    );
}

#[test]
fn ambiguous_and_wrong_types_are_errors() {
    let before = "requirements = [\"a; os_name == 'nt'\", \"A; os_name != 'nt'\"]\n";
    let err = add(before, Layout::PenvToml, None, &[req("a>=1")]).unwrap_err();
    assert!(matches!(err, EditError::Ambiguous { .. }), "{err}");
    // Remove takes both.
    let out = removed(before, Layout::PenvToml, None, &["a"]);
    assert_eq!(out.text, "requirements = []\n");
    let err = add(
        "requirements = \"a\"\n",
        Layout::PenvToml,
        None,
        &[req("b")],
    )
    .unwrap_err();
    assert_eq!(err.to_string(), "`requirements` is not an array of strings");
    let err = add("groups = 3\n", Layout::PenvToml, Some("dev"), &[req("b")]).unwrap_err();
    assert_eq!(err.to_string(), "`groups` is not a table");
}

#[test]
fn names_normalize_as_pep_503_says() {
    assert_eq!(normalize_name("Typing__Extensions"), "typing-extensions");
    assert_eq!(normalize_name("zope.interface"), "zope-interface");
    assert_eq!(normalize_name("A-_.b"), "a-b");
    assert_eq!(
        find(PENV, Layout::PenvToml, None, "Typing-Extensions").as_deref(),
        Some("typing_extensions")
    );
}

#[test]
fn remove_the_last_entry_without_a_trailing_comma() {
    let before = "requirements = [\n  \"a\",  # keep me\n  \"b\"  # gone\n]\n";
    let out = removed(before, Layout::PenvToml, None, &["b"]);
    assert_eq!(out.text, "requirements = [\n  \"a\"  # keep me\n]\n");
    assert!(out.text.parse::<DocumentMut>().is_ok());
}

/// `add X` then `remove X` gives the file back byte for byte, over
/// generated layouts: LF, CRLF and mixed line ends, with and without a
/// UTF-8 byte order mark, one-line and multi-line arrays, trailing commas
/// or not, comments on the last entry's line, above entries and on lines
/// of their own before `]` (issue 23: CRLF became LF, the mark was
/// dropped, and a new entry went after a trailing comment, which a later
/// `remove` then deleted).
#[test]
fn add_then_remove_gives_the_original_bytes_for_every_layout() {
    let arrays = [
        r#"["six"]"#,
        r#"[ "six", 'rich' ]"#,
        r#"["six",]"#,
        "[]",
        "[\n    \"six\",\n    \"rich\",\n]",
        "[\n    \"six\",\n    \"rich\"\n]",
        "[\n    \"six\",  # pinned\n]",
        "[\n    \"six\"  # pinned\n]",
        "[\n  \"six\",\n  # note\n]",
        "[\"six\",\n  # note\n]",
        "[\n    # http\n    \"requests\",\n\n    # cli\n    \"six\",  # pinned\n    # later: more\n\n]",
        "[ # why\n    \"six\"\n    , \"rich\"\n]",
    ];
    let mut cases = 0;
    for array in arrays {
        for group in [None, Some("dev")] {
            let lf = format!(
                "# the project\npython = \"3.12\"  # pinned\n\nrequirements = {array}\n\n[groups]\ndev = {array}  # tools\n\n[pip]\nno-index = true\n"
            );
            let crlf = lf.replace('\n', "\r\n");
            // Mostly CRLF, one LF line: the new lines take the majority's.
            let mixed = crlf.replacen("\r\n", "\n", 1);
            for (ends, text) in [("lf", lf.clone()), ("crlf", crlf), ("mixed", mixed)] {
                for bom in ["", "\u{feff}"] {
                    let before = format!("{bom}{text}");
                    let what = format!("{ends}, bom {}, {group:?}: {array:?}", !bom.is_empty());
                    let added = added(&before, Layout::PenvToml, group, &["attrs>=1"]);
                    assert_eq!(added.changes, [Change::Added("attrs>=1".into())], "{what}");
                    assert!(added.text.starts_with(bom), "{what}: mark lost");
                    if ends == "crlf" {
                        assert!(
                            !added.text.replace("\r\n", "").contains('\n'),
                            "{what}: an LF line end in\n{:?}",
                            added.text
                        );
                    }
                    // The new entry is after the last one, before comments
                    // that end the array: the others are where they were.
                    let body = added.text.split("attrs>=1").next().unwrap();
                    for kept in ["# note", "# later: more"] {
                        if array.contains(kept) && group.is_none() {
                            assert!(!body.contains(kept), "{what}:\n{}", added.text);
                        }
                    }
                    let back = removed(&added.text, Layout::PenvToml, group, &["attrs"]);
                    assert_eq!(back.text, before, "{what}: after add:\n{}", added.text);
                    cases += 1;
                }
            }
        }
    }
    assert_eq!(cases, 12 * 2 * 3 * 2);
}
