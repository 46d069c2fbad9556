//! The one atomic file write of the workspace: generated code, contracts, the lock,
//! Integration Briefs, fixtures, sentinel reports and metrics files all go through it, so
//! a crash or a full disk never leaves half a file where a whole one was.

use std::path::{Path, PathBuf};

/// A write that did not happen; the file at `path` is as it was.
#[derive(Debug, thiserror::Error)]
#[error("cannot {action} {}: {source}", path.display())]
pub struct AtomicWriteError {
    /// The file (or folder) the step failed on.
    pub path: PathBuf,
    /// `create the folder of`, `write` or `replace`.
    pub action: &'static str,
    /// The cause.
    #[source]
    pub source: std::io::Error,
}

/// Write `bytes` to `path` through a temporary file in the same folder (created if
/// missing), then rename it over `path`: readers see the old file or the new one, never
/// a partial one. The temporary name carries the process id, so two processes writing
/// the same file (two build scripts) do not share it.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), AtomicWriteError> {
    let fail = |action, path: &Path| {
        let path = path.to_owned();
        move |source| AtomicWriteError {
            path,
            action,
            source,
        }
    };
    let dir = path.parent().unwrap_or(Path::new("."));
    if !dir.as_os_str().is_empty() {
        std::fs::create_dir_all(dir).map_err(fail("create the folder of", path))?;
    }
    let name = path
        .file_name()
        .map(|f| f.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.tmp{}", std::process::id()));
    if let Err(e) = std::fs::write(&tmp, bytes) {
        let _ = std::fs::remove_file(&tmp);
        return Err(fail("write", &tmp)(e));
    }
    std::fs::rename(&tmp, path).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        fail("replace", path)(e)
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn a_write_replaces_the_file_whole_and_leaves_no_temporary_behind() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("nested/report.json");
        write_atomic(&file, b"first").unwrap();
        write_atomic(&file, b"second").unwrap();
        assert_eq!(std::fs::read(&file).unwrap(), b"second");
        let names: Vec<_> = std::fs::read_dir(file.parent().unwrap())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, ["report.json"]);
    }

    #[test]
    fn a_write_that_cannot_replace_keeps_the_old_content_and_names_the_file() {
        let dir = tempfile::tempdir().unwrap();
        // A folder where the file should go: the rename fails.
        let target = dir.path().join("lock");
        std::fs::create_dir_all(target.join("inside")).unwrap();
        let err = write_atomic(&target, b"new").unwrap_err();
        assert_eq!(err.action, "replace");
        assert!(err.to_string().contains("lock"), "{err}");
        assert!(target.join("inside").is_dir());
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, ["lock"], "the temporary file is removed");
    }
}
