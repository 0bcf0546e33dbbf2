//! Writing artifacts atomically: a temporary file in the destination folder,
//! flushed and synced, then renamed over the destination. A reader (or a
//! crash) sees the old artifact or the new one, never half of one.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::error::Error;

pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), Error> {
    let fail = |source| Error::Output {
        path: path.to_path_buf(),
        source,
    };
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut tmp = tempfile::Builder::new()
        .prefix(&format!(".{name}."))
        .suffix(".tmp")
        .tempfile_in(&dir)
        .map_err(fail)?;
    tmp.write_all(bytes).map_err(fail)?;
    tmp.as_file().sync_all().map_err(fail)?;
    tmp.persist(path).map_err(|e| fail(e.error))?;
    Ok(())
}

/// `PREFIX.ext` (appended, so `out/base.v1` gives `out/base.v1.json`).
pub fn with_ext(prefix: &Path, ext: &str) -> PathBuf {
    let mut s = prefix.as_os_str().to_owned();
    s.push(".");
    s.push(ext);
    PathBuf::from(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_and_leaves_no_temp_files() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.json");
        write_atomic(&p, b"one").unwrap();
        write_atomic(&p, b"two").unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"two");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
        let missing = dir.path().join("nope").join("a.json");
        assert!(write_atomic(&missing, b"x").is_err());
        assert_eq!(
            with_ext(Path::new("out/base.v1"), "md"),
            PathBuf::from("out/base.v1.md")
        );
    }
}
