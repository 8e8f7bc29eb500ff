use super::*;
use crate::lock::model::LockFileError;
use crate::lock::parse;

const HEADER: &str = "lock-version = \"1.0\"\ncreated-by = \"x\"\n";

fn hash() -> String {
    "a".repeat(64)
}

/// A lock of a genuine `six` entry and then `body`'s.
fn lock_with(body: &str) -> String {
    format!(
        "{HEADER}\n[[packages]]\nname = \"six\"\nversion = \"1.16.0\"\nwheels = [{{ url = \"https://h/six-1.16.0-py3-none-any.whl\", hashes = {{ sha256 = \"{}\" }} }}]\n\n[[packages]]\n{body}",
        hash()
    )
}

/// The error reading `text`: its message, its line, and its field.
fn refused(text: &str) -> (String, usize, String) {
    let err = parse(text, Path::new("/proj/pylock.toml")).unwrap_err();
    let LockFileError::Entry { field, .. } = &err else {
        panic!("{err:?}")
    };
    (err.to_string(), err.location().unwrap().line, field.clone())
}

#[test]
fn a_genuine_lock_passes() {
    let text = lock_with(&format!(
        "name = \"Other_Pkg\"\nversion = \"2.0\"\nsdist = {{ url = \"https://h/other_pkg-2.0.tar.gz\", hashes = {{ sha256 = \"{}\", md5 = \"x\" }} }}\n",
        hash()
    ));
    assert_eq!(
        parse(&text, Path::new("pylock.toml"))
            .unwrap()
            .packages
            .len(),
        2
    );
}

#[test]
fn a_hostile_name_is_refused_with_its_entry_line_and_field() {
    for name in [
        r"six ; sys_platform == 'nope' #",
        r"six\n--no-index\nevil",
        r"six @ file:///tmp/evil/six-1.16.0-py3-none-any.whl --hash=sha256:00 #",
    ] {
        let (message, line, field) = refused(&lock_with(&format!(
            "name = \"{name}\"\nversion = \"1.16.0\"\nwheels = [{{ url = \"https://h/six-1.16.0-py3-none-any.whl\", hashes = {{ sha256 = \"{}\" }} }}]\n",
            hash()
        )));
        assert_eq!(field, "name");
        assert_eq!(line, 10, "{message}");
        assert!(
            message.starts_with("/proj/pylock.toml:10:8: `[[packages]]` entry 2 (`six"),
            "{message}"
        );
        assert!(
            message.contains("is not a PEP 508 package name"),
            "{message}"
        );
        assert!(!message.contains('\n'), "escaped: {message}");
    }
}

#[test]
fn every_value_pip_gets_is_checked() {
    let h = hash();
    for (body, field, says) in [
        (
            format!("name = \"six\"\nversion = \"latest\"\nsdist = {{ url = \"https://h/six-1.tar.gz\", hashes = {{ sha256 = \"{h}\" }} }}\n"),
            "version",
            "not a PEP 440 version",
        ),
        (
            format!("name = \"x\"\nrequires-python = \"garbage\"\nsdist = {{ url = \"https://h/x-1.tar.gz\", hashes = {{ sha256 = \"{h}\" }} }}\n"),
            "requires-python",
            "not PEP 440 version specifiers",
        ),
        (
            format!("name = \"x\"\nwheels = [{{ url = \"https://h/x-1-py3-none-any.whl#egg=evil\", hashes = {{ sha256 = \"{h}\" }} }}]\n"),
            "wheels[0].url",
            "fragment",
        ),
        (
            format!("name = \"x\"\nsdist = {{ url = \"ftp://h/x-1.tar.gz\", hashes = {{ sha256 = \"{h}\" }} }}\n"),
            "sdist.url",
            "the scheme `ftp`",
        ),
        (
            "name = \"x\"\nsdist = { url = \"https://h/x-1.tar.gz\", hashes = { sha256 = \"ab\\n-r /etc/passwd\" } }\n".to_owned(),
            "sdist.hashes.sha256",
            "64 hex digits",
        ),
        (
            format!("name = \"x\"\narchive = {{ url = \"https://h/x.tar.gz\", subdirectory = \"../..\", hashes = {{ sha256 = \"{h}\" }} }}\n"),
            "archive.subdirectory",
            "relative path",
        ),
        (
            "name = \"x\"\nvcs = { type = \"git\", url = \"https://g/r\", commit-id = \"main\" }\n".to_owned(),
            "vcs.commit-id",
            "not a full commit",
        ),
        (
            "name = \"x\"\nvcs = { type = \"git\", url = \"ext::sh -c touch% /tmp/pwned\", commit-id = \"0123456789abcdef0123456789abcdef01234567\" }\n".to_owned(),
            "vcs.url",
            "a space",
        ),
        (
            "name = \"x\"\nvcs = { type = \"cvs\", url = \"https://g/r\", commit-id = \"1\" }\n".to_owned(),
            "vcs.type",
            "`cvs`",
        ),
        (
            "name = \"x\"\ndirectory = { path = \"pkg;sys_platform=='nope'\" }\n".to_owned(),
            "directory.path",
            "`;`",
        ),
        (
            "name = \"x\"\ndirectory = { path = \"pkg\", subdirectory = \"a\\n-e /evil\" }\n".to_owned(),
            "directory.subdirectory",
            "relative path",
        ),
        (
            format!("name = \"x\"\nsdist = {{ path = \"dist/x-1.tar.gz\\n--no-index\", hashes = {{ sha256 = \"{h}\" }} }}\n"),
            "sdist.path",
            "a newline",
        ),
        (
            format!("name = \"x\"\nsdist = {{ hashes = {{ sha256 = \"{h}\" }} }}\n"),
            "sdist",
            "neither `url` nor `path`",
        ),
    ] {
        let (message, _, got) = refused(&lock_with(&body));
        assert_eq!(got, field, "{message}");
        assert!(message.contains(says), "{field}: {message}");
        assert!(message.contains("entry 2 (`"), "{message}");
    }
}

#[test]
fn a_file_names_its_entrys_distribution_and_version() {
    let h = hash();
    for (body, field, says) in [
        (
            format!(
                "name = \"six\"\nversion = \"1.16.0\"\nwheels = [{{ url = \"https://h/evil-1.16.0-py3-none-any.whl\", hashes = {{ sha256 = \"{h}\" }} }}]\n"
            ),
            "wheels[0].url",
            "of `evil` 1.16.0, not of `six`",
        ),
        (
            format!(
                "name = \"six\"\nversion = \"1.0\"\nwheels = [{{ path = \"wheels/six-2.0-py3-none-any.whl\", hashes = {{ sha256 = \"{h}\" }} }}]\n"
            ),
            "wheels[0].path",
            "version 2.0, not the entry's 1.0",
        ),
        (
            format!(
                "name = \"six\"\nversion = \"1.0\"\nsdist = {{ url = \"https://h/six-1.1.tar.gz\", hashes = {{ sha256 = \"{h}\" }} }}\n"
            ),
            "sdist.url",
            "version 1.1",
        ),
        (
            format!(
                "name = \"six\"\nversion = \"1.0\"\narchive = {{ url = \"https://h/evil-1.0-py3-none-any.whl\", hashes = {{ sha256 = \"{h}\" }} }}\n"
            ),
            "archive.url",
            "of `evil`",
        ),
        (
            format!(
                "name = \"six\"\nwheels = [{{ name = \"six-1.0-py3-none-any.whl\", url = \"https://h/evil-1.0-py3-none-any.whl\", hashes = {{ sha256 = \"{h}\" }} }}]\n"
            ),
            "wheels[0].name",
            "is not the file its `url` names (`evil-1.0-py3-none-any.whl`)",
        ),
        (
            format!(
                "name = \"six\"\nwheels = [{{ url = \"https://h/six-1.0-py3-none-any.whl%2Fevil-1.0-py3-none-any.whl\", hashes = {{ sha256 = \"{h}\" }} }}]\n"
            ),
            "wheels[0].url",
            "of `evil`",
        ),
        (
            format!(
                "name = \"six\"\nwheels = [{{ path = \"wheels/six-1.0-py3-none-any.whl/../evil-1.0-py3-none-any.whl\", hashes = {{ sha256 = \"{h}\" }} }}]\n"
            ),
            "wheels[0].path",
            "of `evil`",
        ),
    ] {
        let (message, _, got) = refused(&lock_with(&body));
        assert_eq!(got, field, "{message}");
        assert!(message.contains(says), "{field}: {message}");
    }
}

#[test]
fn an_entry_has_one_source() {
    let (message, _, field) = refused(&lock_with(&format!(
        "name = \"six\"\ndirectory = {{ path = \"evil\" }}\nwheels = [{{ url = \"https://h/six-1.16.0-py3-none-any.whl\", hashes = {{ sha256 = \"{}\" }} }}]\n",
        hash()
    )));
    assert_eq!(field, "wheels", "{message}");
    assert!(
        message.contains("second source beside `directory`"),
        "{message}"
    );
}

#[cfg(unix)]
#[test]
fn local_files_are_regular_files() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::create_dir(tmp.path().join("adir")).unwrap();
    let lock_path = tmp.path().join("pylock.toml");
    for (path, says) in [("/dev/zero", "a device"), ("adir", "a directory")] {
        let text = format!(
            "{HEADER}[[packages]]\nname = \"x\"\narchive = {{ path = \"{path}\", hashes = {{ sha256 = \"{}\" }} }}\n",
            hash()
        );
        let err = parse(&text, &lock_path).unwrap_err();
        let message = err.to_string();
        assert!(message.contains("`archive.path`"), "{message}");
        assert!(message.contains(says), "{message}");
        assert!(message.contains("entry 1 (`x`)"), "{message}");
    }
    let text = format!(
        "{HEADER}[[packages]]\nname = \"x\"\narchive = {{ url = \"file:///dev/zero\", hashes = {{}} }}\n"
    );
    assert!(
        parse(&text, &lock_path)
            .unwrap_err()
            .to_string()
            .contains("a device")
    );
}

#[test]
fn a_top_level_requires_python_is_checked_too() {
    let err = parse(
        &format!("{HEADER}requires-python = \"not a specifier\"\n"),
        Path::new("pylock.toml"),
    )
    .unwrap_err();
    assert!(
        err.to_string()
            .starts_with("pylock.toml:3:19: `requires-python` `not a specifier` is not PEP 440"),
        "{err}"
    );
}

#[test]
fn fields_are_written_as_pep_751_does() {
    assert_eq!(
        field(&[
            Key::Name("wheels".into()),
            Key::Index(2),
            Key::Name("hashes".into()),
            Key::Name("sha256".into())
        ]),
        "wheels[2].hashes.sha256"
    );
    assert_eq!(entry(0, "a\nb"), "`[[packages]]` entry 1 (`a\\nb`)");
}
