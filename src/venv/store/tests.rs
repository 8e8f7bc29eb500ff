use super::*;

#[test]
fn sizes_read_as_people_write_them() {
    assert_eq!(parse_size("10G"), Ok(10 << 30));
    assert_eq!(parse_size("500M"), Ok(500 << 20));
    assert_eq!(parse_size("1.5 GiB"), Ok(3 << 29));
    assert_eq!(parse_size("2GB"), Ok(2_000_000_000));
    assert_eq!(parse_size("0"), Ok(0));
    assert_eq!(parse_size("123b"), Ok(123));
    assert!(parse_size("G").is_err());
    assert!(parse_size("10 parsecs").is_err());
    assert!(parse_size("99999999999T").is_err());
    assert_eq!(max(None).unwrap(), DEFAULT_MAX);
    assert!(max(Some("lots")).is_err());
}

/// A stand-in for a built entry: what `owned::remove` takes as penv's.
fn fake_entry(store: &Store, hash: &str, used: u64) -> EnvPaths {
    let paths = store.entry(hash);
    std::fs::create_dir_all(paths.env.join("lib")).unwrap();
    std::fs::write(paths.env.join("pyvenv.cfg"), "home = /usr/bin\n").unwrap();
    // penv's own mark on it, as a build leaves it.
    super::super::owned::write_marker(&paths.env, "building").unwrap();
    std::fs::write(paths.env.join("lib/payload"), vec![7u8; 64 * 1024]).unwrap();
    paths.ensure_work_dir().unwrap();
    Store::touch(&paths);
    let when = UNIX_EPOCH + Duration::from_secs(used);
    fs::set_modified(&used_marker(&paths), when).unwrap();
    paths
}

#[test]
fn eviction_goes_least_recently_used_first_and_skips_entries_in_use() {
    let tmp = tempfile::tempdir().unwrap();
    let store = Store::new(tmp.path());
    store.ensure().unwrap();
    let oldest = fake_entry(&store, &"a".repeat(64), 1_000);
    let in_use = fake_entry(&store, &"b".repeat(64), 2_000);
    let newer = fake_entry(&store, &"c".repeat(64), 3_000);
    let newest = fake_entry(&store, &"d".repeat(64), 4_000);
    let order: Vec<PathBuf> = store.entries().into_iter().map(|e| e.paths.env).collect();
    assert_eq!(
        order,
        [&oldest, &in_use, &newer, &newest].map(|p| p.env.clone())
    );
    let one = super::super::found::size_and_mtime(&newest.env).0;
    // A reader holds `in_use` (a script running in it).
    let reader = fs::try_lock_shared(&in_use.lock_file()).unwrap().unwrap();
    // Room for two entries: the oldest goes, the one in use stays, so
    // the next oldest goes too; the newest is the one just built.
    let evicted = store.evict(2 * one, &newest.env);
    let gone: Vec<&PathBuf> = evicted.iter().map(|(p, _)| p).collect();
    assert_eq!(gone, [&oldest.env, &newer.env]);
    assert!(!oldest.env.exists() && !newer.env.exists());
    assert!(in_use.env.exists() && newest.env.exists());
    // Nothing fits under 0 bytes, but the entry kept and the one in
    // use are never taken.
    assert!(store.evict(0, &newest.env).is_empty());
    drop(reader);
    assert_eq!(store.evict(0, &newest.env).len(), 1);
    assert!(newest.env.exists());
    // A directory that is not penv's is never taken for an entry.
    std::fs::create_dir_all(tmp.path().join("envs/notes")).unwrap();
    assert_eq!(store.entries().len(), 1);
}

#[test]
fn an_entrys_size_is_measured_once_then_read() {
    let tmp = tempfile::tempdir().unwrap();
    let store = Store::new(tmp.path());
    store.ensure().unwrap();
    let entry = fake_entry(&store, &"a".repeat(64), 1_000);
    Store::record_size(&entry);
    let measured = super::super::found::size_and_mtime(&entry.env).0;
    assert!(measured >= 64 * 1024);
    // Eviction reads the recorded size, not the tree (an entry never
    // changes once in place: this one is made to, to tell them apart).
    std::fs::write(entry.env.join("lib/more"), vec![7u8; 256 * 1024]).unwrap();
    assert_eq!(Store::size_of(&entry), measured);
    // No record (an entry older than the record): measured, then kept.
    fs::delete_file(&size_marker(&entry)).unwrap();
    let now = Store::size_of(&entry);
    assert!(now > measured);
    assert_eq!(
        std::fs::read_to_string(size_marker(&entry)).unwrap(),
        format!("{now} 0")
    );
    // Rebuilt in place (a script's env: its state file written again):
    // measured again.
    std::fs::write(entry.env.join("lib/more"), vec![7u8; 512 * 1024]).unwrap();
    std::fs::write(entry.env.join(crate::state::STATE_FILE), "{}").unwrap();
    let rebuilt = Store::size_of(&entry);
    assert!(rebuilt > now, "{rebuilt} > {now}");
    // Evicted: its records go with it.
    assert_eq!(store.evict(0, Path::new("/elsewhere")).len(), 1);
    assert!(!size_marker(&entry).exists() && !used_marker(&entry).exists());
}

#[test]
fn two_uses_within_one_second_are_told_apart() {
    let tmp = tempfile::tempdir().unwrap();
    let store = Store::new(tmp.path());
    store.ensure().unwrap();
    let later = fake_entry(&store, &"a".repeat(64), 1_000);
    let earlier = fake_entry(&store, &"b".repeat(64), 1_000);
    let at = |ms| UNIX_EPOCH + Duration::from_secs(1_000) + Duration::from_millis(ms);
    fs::set_modified(&used_marker(&later), at(700)).unwrap();
    fs::set_modified(&used_marker(&earlier), at(200)).unwrap();
    let order: Vec<PathBuf> = store.entries().into_iter().map(|e| e.paths.env).collect();
    assert_eq!(order, [earlier.env.clone(), later.env.clone()]);
    assert!(store.entries().iter().all(|e| e.last_used == 1_000));
}
