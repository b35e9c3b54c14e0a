//! Replays the `user_agent` fuzz corpus (`fuzz/corpus/user_agent/`) through
//! the target's body, so CI covers it without nightly. Set
//! `WRITE_UA_SEEDS=1` to (re)write the seed files from
//! `sip_session::fuzzing::seeds()`.

use std::path::PathBuf;

fn corpus() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../fuzz/corpus/user_agent")
}

#[test]
fn user_agent_corpus() {
    let dir = corpus();
    if std::env::var_os("WRITE_UA_SEEDS").is_some() {
        std::fs::create_dir_all(&dir).unwrap();
        for (i, s) in sip_session::fuzzing::seeds().iter().enumerate() {
            std::fs::write(dir.join(format!("seed-{i}")), s).unwrap();
        }
    }
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("corpus {}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    assert!(!files.is_empty(), "corpus {} is empty", dir.display());
    for f in files {
        let data = std::fs::read(&f).unwrap();
        let _ = sip_session::fuzzing::run(&data);
    }
}
