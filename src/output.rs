//! Writing artifacts: every file of a set (`PREFIX.json` + `PREFIX.md`) is
//! first written in full to a temporary file in its destination folder,
//! flushed and synced; only when all of them are written are they renamed
//! over their destinations, one after the other. A reader (or a crash) sees
//! an old artifact or a complete new one, never half of one; a failure while
//! writing any of them leaves every old artifact in place. The Markdown of a
//! pair names the SHA-256 of its JSON ([`pair_trailer`]), so a reader can tell
//! a matching pair from two files of different runs (a kill between the two
//! renames, two concurrent writers).
//!
//! Missing parent folders are created. New files get `0666` minus the umask,
//! like any file a shell redirect creates. A destination that is one of the
//! command's inputs is refused before anything is written.

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::error::Error;

/// What a write did besides writing (reported with `-v`).
#[derive(Debug, Default)]
pub struct Written {
    /// Folders created for the artifacts, outermost first.
    pub created_dirs: Vec<PathBuf>,
}

/// The OS error alone: `Permission denied (os error 13)`, without the
/// temporary file's name that some errors carry.
fn clean(e: &io::Error) -> String {
    match e.raw_os_error() {
        Some(code) => io::Error::from_raw_os_error(code).to_string(),
        None => e.kind().to_string(),
    }
}

fn fail(path: &Path, e: &io::Error) -> Error {
    Error::Output {
        path: path.to_path_buf(),
        why: clean(e),
    }
}

/// The folder a destination is written in.
fn folder(path: &Path) -> PathBuf {
    match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// Identity (device, inode) of a path: `follow` reads through a symlink.
#[cfg(unix)]
fn identity(path: &Path, follow: bool) -> Option<(u64, u64)> {
    use std::os::unix::fs::MetadataExt;
    let m = if follow {
        fs::metadata(path)
    } else {
        fs::symlink_metadata(path)
    }
    .ok()?;
    Some((m.dev(), m.ino()))
}

#[cfg(not(unix))]
fn identity(path: &Path, _follow: bool) -> Option<(u64, u64)> {
    use std::hash::{Hash, Hasher};
    let c = fs::canonicalize(path).ok()?;
    let mut h = std::collections::hash_map::DefaultHasher::new();
    c.hash(&mut h);
    Some((0, h.finish()))
}

/// Refuse a destination that is (or whose name leads to) one of `inputs`:
/// renaming over it would replace the input.
fn check_not_input(dest: &Path, inputs: &[PathBuf]) -> Result<(), Error> {
    let Some(d) = identity(dest, false) else {
        return Ok(()); // nothing there yet
    };
    for input in inputs {
        if identity(input, true) == Some(d) || identity(input, false) == Some(d) {
            return Err(Error::OverwritesInput {
                output: dest.to_path_buf(),
                input: input.clone(),
            });
        }
    }
    Ok(())
}

/// Create `dir` and its missing ancestors; returns the ones created.
fn create_dirs(dir: &Path, dest: &Path) -> Result<Vec<PathBuf>, Error> {
    let mut missing = Vec::new();
    let mut d = Some(dir);
    while let Some(p) = d {
        if p.as_os_str().is_empty() || fs::symlink_metadata(p).is_ok() {
            break;
        }
        missing.push(p.to_path_buf());
        d = p.parent();
    }
    missing.reverse();
    if !missing.is_empty() {
        fs::create_dir_all(dir).map_err(|e| Error::OutputFolder {
            path: dest.to_path_buf(),
            folder: dir.to_path_buf(),
            why: clean(&e),
        })?;
    }
    Ok(missing)
}

/// Write every `(path, bytes)` of a set: all temporaries first, then all
/// renames. `inputs` are the command's input paths, which are never
/// overwritten.
pub fn write_set(files: &[(PathBuf, &[u8])], inputs: &[PathBuf]) -> Result<Written, Error> {
    for (path, _) in files {
        check_not_input(path, inputs)?;
    }
    let mut written = Written::default();
    let mut temps = Vec::with_capacity(files.len());
    for (path, bytes) in files {
        let dir = folder(path);
        written.created_dirs.extend(create_dirs(&dir, path)?);
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let prefix = format!(".{name}.");
        let mut b = tempfile::Builder::new();
        b.prefix(&prefix).suffix(".tmp");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            // the umask applies, as for any file the shell creates
            b.permissions(fs::Permissions::from_mode(0o666));
        }
        let mut tmp = b.tempfile_in(&dir).map_err(|e| fail(path, &e))?;
        tmp.write_all(bytes).map_err(|e| fail(path, &e))?;
        tmp.as_file().sync_all().map_err(|e| fail(path, &e))?;
        temps.push((path, tmp));
    }
    // every file is complete on disk: only now replace the old ones
    for (path, tmp) in temps {
        tmp.persist(path).map_err(|e| fail(path, &e.error))?;
    }
    Ok(written)
}

/// Write one file atomically (see [`write_set`]).
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<Written, Error> {
    write_set(&[(path.to_path_buf(), bytes)], &[])
}

/// The last line of a pair's Markdown: the SHA-256 of the JSON written with
/// it (`sha256sum PREFIX.json` shows the same), invisible when rendered.
pub fn pair_trailer(json: &[u8]) -> String {
    format!(
        "\n<!-- auditsum pair: sha256 of the JSON artifact {} -->\n",
        hex::encode(Sha256::digest(json))
    )
}

/// Whether `md` is the Markdown written together with `json`.
pub fn is_pair(json: &[u8], md: &[u8]) -> bool {
    md.ends_with(pair_trailer(json).as_bytes())
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
        assert_eq!(
            with_ext(Path::new("out/base.v1"), "md"),
            PathBuf::from("out/base.v1.md")
        );
    }

    #[test]
    fn creates_missing_folders_and_says_which() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("x").join("y").join("a.json");
        let w = write_atomic(&p, b"x").unwrap();
        assert_eq!(
            w.created_dirs,
            vec![dir.path().join("x"), dir.path().join("x").join("y")]
        );
        assert_eq!(std::fs::read(&p).unwrap(), b"x");
        // under a regular file: one clean error, no temp file name
        let f = dir.path().join("file");
        std::fs::write(&f, b"").unwrap();
        let e = write_atomic(&f.join("a.json"), b"x")
            .unwrap_err()
            .to_string();
        assert!(!e.contains(".a.json."), "{e}");
        assert_eq!(e.matches("not a directory").count(), 1, "{e}");
    }

    #[test]
    fn a_set_is_written_whole_or_not_at_all() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("a.json");
        let b = dir.path().join("a.md");
        write_set(&[(a.clone(), b"1"), (b.clone(), b"1")], &[]).unwrap();
        // the second destination cannot be written (a folder is in the way
        // of its temp file): the first is not replaced either
        let blocked = dir.path().join("f").join("a.md");
        std::fs::write(dir.path().join("f"), b"").unwrap();
        assert!(write_set(&[(a.clone(), b"2"), (blocked, b"2")], &[]).is_err());
        assert_eq!(std::fs::read(&a).unwrap(), b"1");
        assert!(is_pair(
            b"{}",
            format!("# x\n{}", pair_trailer(b"{}")).as_bytes()
        ));
        assert!(!is_pair(b"{}", pair_trailer(b"{ }").as_bytes()));
    }

    #[test]
    fn refuses_to_overwrite_an_input() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("a.json");
        std::fs::write(&a, b"in").unwrap();
        let e = write_set(&[(a.clone(), b"out")], std::slice::from_ref(&a)).unwrap_err();
        assert!(matches!(e, Error::OverwritesInput { .. }));
        assert_eq!(std::fs::read(&a).unwrap(), b"in");
        // the same file under another spelling
        let other = dir.path().join(".").join("a.json");
        assert!(write_set(&[(other, b"out")], &[a]).is_err());
    }
}
