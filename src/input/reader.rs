//! Open a byte stream, decompress it by its magic bytes, and split it into
//! lines without ever buffering more than `max_line_bytes` of one line.

use std::io::{self, Read};

/// Compression recognised by magic bytes (SPEC §1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compression {
    Plain,
    Gzip,
    Zstd,
}

impl Compression {
    pub fn sniff(magic: &[u8]) -> Compression {
        if magic.starts_with(&[0x1f, 0x8b]) {
            Compression::Gzip
        } else if magic.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) || is_zstd_skippable(magic) {
            // a stream may start with a skippable frame (pzstd writes one
            // before every frame); the decoder skips them wherever they are
            Compression::Zstd
        } else {
            Compression::Plain
        }
    }
}

/// The magic number of a zstd skippable frame: 0x184D2A50..=0x184D2A5F,
/// little-endian.
fn is_zstd_skippable(magic: &[u8]) -> bool {
    magic.len() >= 4 && magic[0] & 0xf0 == 0x50 && magic[1..4] == [0x2a, 0x4d, 0x18]
}

/// Read up to 4 bytes (fewer only at end of stream).
fn read_magic(r: &mut impl Read) -> io::Result<Vec<u8>> {
    let mut magic = Vec::with_capacity(4);
    r.by_ref().take(4).read_to_end(&mut magic)?;
    Ok(magic)
}

/// Wrap `raw` in the decoder its first bytes call for.
pub fn decoder<'a>(mut raw: impl Read + Send + 'a) -> io::Result<Box<dyn Read + Send + 'a>> {
    let magic = read_magic(&mut raw)?;
    let kind = Compression::sniff(&magic);
    let whole = io::Cursor::new(magic).chain(raw);
    Ok(match kind {
        Compression::Plain => Box::new(whole),
        // multi-member gzip (as log rotation writes it) is one stream
        Compression::Gzip => Box::new(flate2::read::MultiGzDecoder::new(
            io::BufReader::with_capacity(256 * 1024, whole),
        )),
        Compression::Zstd => Box::new(zstd::stream::read::Decoder::new(whole)?),
    })
}

/// How long a FIFO named on the command line may go without a writer
/// before it is reported unreadable (opening one blocks until a writer comes).
pub const FIFO_WAIT: std::time::Duration = std::time::Duration::from_secs(5);

/// Open a file that is not a regular file (a FIFO named on the command line)
/// without blocking forever: wait at most `wait` for a writer to send data
/// (or to come and go), then read it as a normal blocking stream.
#[cfg(unix)]
pub fn open_stream(path: &std::path::Path, wait: std::time::Duration) -> io::Result<std::fs::File> {
    use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};
    use std::os::unix::io::AsRawFd;
    let f = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)?;
    let fd = f.as_raw_fd();
    if f.metadata()?.file_type().is_fifo() {
        let mut pfd = libc::pollfd {
            fd,
            events: libc::POLLIN,
            revents: 0,
        };
        let ms = i32::try_from(wait.as_millis()).unwrap_or(i32::MAX);
        let ready = loop {
            // SAFETY: `pfd` is one valid pollfd for the duration of the call.
            let n = unsafe { libc::poll(&mut pfd, 1, ms) };
            if n < 0 && io::Error::last_os_error().kind() == io::ErrorKind::Interrupted {
                continue;
            }
            break n;
        };
        if ready < 0 {
            return Err(io::Error::last_os_error());
        }
        if ready == 0 {
            return Err(io::Error::new(
                io::ErrorKind::TimedOut,
                format!(
                    "a FIFO with no writer for {} s (start the writer first, or pipe it to `-`)",
                    wait.as_secs()
                ),
            ));
        }
    }
    // back to blocking reads
    // SAFETY: fcntl on a descriptor this function owns, with integer flags.
    let flags = unsafe { libc::fcntl(fd, libc::F_GETFL) };
    if flags < 0 || unsafe { libc::fcntl(fd, libc::F_SETFL, flags & !libc::O_NONBLOCK) } < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(f)
}

#[cfg(not(unix))]
pub fn open_stream(
    path: &std::path::Path,
    _wait: std::time::Duration,
) -> io::Result<std::fs::File> {
    std::fs::File::open(path)
}

/// Reads a file from a position with positioned reads (`pread`) on a shared
/// handle: every byte range of a file comes from the one handle opened for
/// it, so a file renamed over while it is read cannot mix two files.
pub struct ReadAt {
    file: std::sync::Arc<std::fs::File>,
    pos: u64,
}

impl ReadAt {
    pub fn new(file: std::sync::Arc<std::fs::File>, pos: u64) -> ReadAt {
        ReadAt { file, pos }
    }
}

impl Read for ReadAt {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        #[cfg(unix)]
        let n = std::os::unix::fs::FileExt::read_at(&*self.file, buf, self.pos)?;
        #[cfg(windows)]
        let n = std::os::windows::fs::FileExt::seek_read(&*self.file, buf, self.pos)?;
        self.pos += n as u64;
        Ok(n)
    }
}

/// What [`LineReader::next_line`] yields.
#[derive(Debug, PartialEq, Eq)]
pub enum Line<'a> {
    /// The line without its `\n`.
    Text(&'a [u8]),
    /// A line longer than the limit; its length (without `\n`).
    Oversized(u64),
}

/// Splits a stream into lines with `memchr`, in a buffer that never grows past
/// the line-length limit. A read error ends the stream like an end of file
/// (whatever was read before it is still yielded) and is kept for
/// [`LineReader::take_error`].
pub struct LineReader<R> {
    inner: R,
    buf: Vec<u8>,
    start: usize,
    end: usize,
    eof: bool,
    max_line: usize,
    /// Offset in the stream of `buf[start]`.
    offset: u64,
    error: Option<io::Error>,
}

const READ_SIZE: usize = 256 * 1024;

impl<R: Read> LineReader<R> {
    /// `offset`: where in the whole stream `inner` starts.
    pub fn new(inner: R, max_line: usize, offset: u64) -> Self {
        LineReader {
            inner,
            buf: Vec::new(),
            start: 0,
            end: 0,
            eof: false,
            max_line: max_line.max(1),
            offset,
            error: None,
        }
    }

    /// Stream offset of the next line.
    pub fn offset(&self) -> u64 {
        self.offset
    }

    pub fn take_error(&mut self) -> Option<io::Error> {
        self.error.take()
    }

    /// Read more bytes after `end`; false at end of stream (or error).
    fn fill(&mut self) -> bool {
        if self.eof {
            return false;
        }
        if self.start > 0 && self.start == self.end {
            self.start = 0;
            self.end = 0;
        }
        if self.buf.len() - self.end < READ_SIZE / 2 {
            if self.start > 0 {
                self.buf.copy_within(self.start..self.end, 0);
                self.end -= self.start;
                self.start = 0;
            }
            let want = (self.end + READ_SIZE).min(self.max_line.saturating_add(READ_SIZE));
            if self.buf.len() < want {
                self.buf.resize(want, 0);
            }
        }
        loop {
            match self.inner.read(&mut self.buf[self.end..]) {
                Ok(0) => {
                    self.eof = true;
                    return false;
                }
                Ok(n) => {
                    self.end += n;
                    return true;
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    self.error = Some(e);
                    self.eof = true;
                    return false;
                }
            }
        }
    }

    /// The next line, its stream offset and the bytes it took (with `\n`).
    pub fn next_line(&mut self) -> Option<(u64, Line<'_>, u64)> {
        let at = self.offset;
        let mut scanned = 0;
        loop {
            if let Some(i) = memchr::memchr(b'\n', &self.buf[self.start + scanned..self.end]) {
                let nl = self.start + scanned + i;
                let len = nl - self.start;
                if len > self.max_line {
                    self.start = nl + 1;
                    self.offset += len as u64 + 1;
                    return Some((at, Line::Oversized(len as u64), len as u64 + 1));
                }
                let line = &self.buf[self.start..nl];
                self.start = nl + 1;
                self.offset += len as u64 + 1;
                return Some((at, Line::Text(line), len as u64 + 1));
            }
            scanned = self.end - self.start;
            if scanned > self.max_line {
                return self.skip_oversized(at);
            }
            if !self.fill() {
                let len = self.end - self.start;
                if len == 0 {
                    return None;
                }
                let line = &self.buf[self.start..self.end];
                self.start = self.end;
                self.offset += len as u64;
                return Some((at, Line::Text(line), len as u64));
            }
        }
    }

    /// Discard the rest of an over-long line without keeping it.
    fn skip_oversized(&mut self, at: u64) -> Option<(u64, Line<'_>, u64)> {
        let mut len = (self.end - self.start) as u64;
        self.start = self.end;
        loop {
            if !self.fill() {
                self.offset += len;
                return Some((at, Line::Oversized(len), len));
            }
            if let Some(i) = memchr::memchr(b'\n', &self.buf[self.start..self.end]) {
                len += i as u64;
                self.start += i + 1;
                self.offset += len + 1;
                return Some((at, Line::Oversized(len), len + 1));
            }
            len += (self.end - self.start) as u64;
            self.start = self.end;
        }
    }

    /// Skip to just after the next `\n` without keeping anything, but give up
    /// once the stream offset reaches `limit`. Returns the new offset.
    pub fn skip_partial_line(&mut self, limit: u64) -> u64 {
        loop {
            if let Some(i) = memchr::memchr(b'\n', &self.buf[self.start..self.end]) {
                self.start += i + 1;
                self.offset += i as u64 + 1;
                return self.offset;
            }
            self.offset += (self.end - self.start) as u64;
            self.start = self.end;
            if self.offset >= limit || !self.fill() {
                return self.offset;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(data: &[u8], max: usize) -> Vec<(u64, String, u64)> {
        let mut r = LineReader::new(data, max, 0);
        let mut out = vec![];
        while let Some((at, l, n)) = r.next_line() {
            let s = match l {
                Line::Text(t) => String::from_utf8_lossy(t).into_owned(),
                Line::Oversized(n) => format!("<oversized {n}>"),
            };
            out.push((at, s, n));
        }
        out
    }

    #[test]
    fn splits_lines() {
        assert_eq!(
            lines(b"a\nbb\n\nccc", 10),
            vec![
                (0, "a".into(), 2),
                (2, "bb".into(), 3),
                (5, "".into(), 1),
                (6, "ccc".into(), 3)
            ]
        );
        assert!(lines(b"", 10).is_empty());
    }

    #[test]
    fn oversized_lines_are_skipped_not_kept() {
        let mut data = vec![b'x'; 3 * READ_SIZE];
        data.extend_from_slice(b"\nok\n");
        data.extend(vec![b'y'; 2 * READ_SIZE]);
        let got = lines(&data, 100);
        assert_eq!(
            got[0],
            (
                0,
                format!("<oversized {}>", 3 * READ_SIZE),
                3 * READ_SIZE as u64 + 1
            )
        );
        assert_eq!(got[1].1, "ok");
        assert_eq!(got[2].1, format!("<oversized {}>", 2 * READ_SIZE));
        // exactly at the limit is fine
        assert_eq!(lines(b"12345\n", 5)[0].1, "12345");
        assert_eq!(lines(b"123456\n", 5)[0].1, "<oversized 6>");
    }

    #[test]
    fn long_lines_within_limit_cross_buffers() {
        let long = "z".repeat(READ_SIZE * 2 + 17);
        let data = format!("{long}\nend");
        let got = lines(data.as_bytes(), READ_SIZE * 4);
        assert_eq!(got[0].1.len(), long.len());
        assert_eq!(got[1].1, "end");
    }

    #[test]
    fn skip_partial_line_stops_at_newline_or_limit() {
        let mut r = LineReader::new(&b"tail\nnext\n"[..], 100, 10);
        assert_eq!(r.skip_partial_line(1000), 15);
        assert_eq!(r.next_line().map(|(a, _, _)| a), Some(15));
        let mut r = LineReader::new(&b"aaaaaaaaaaaaaaaaaaaa"[..], 100, 0);
        assert_eq!(r.skip_partial_line(5), 20);
    }

    #[test]
    fn decodes_by_magic() {
        use std::io::Write;
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        gz.write_all(b"one\n").unwrap();
        let mut data = gz.finish().unwrap();
        let mut gz2 = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        gz2.write_all(b"two\n").unwrap();
        data.extend(gz2.finish().unwrap());
        let mut out = String::new();
        decoder(&data[..])
            .unwrap()
            .read_to_string(&mut out)
            .unwrap();
        assert_eq!(out, "one\ntwo\n");
        let z = zstd::encode_all(&b"three\n"[..], 3).unwrap();
        let mut out = String::new();
        decoder(&z[..]).unwrap().read_to_string(&mut out).unwrap();
        assert_eq!(out, "three\n");
        // skippable frames first, between frames and last (as pzstd writes)
        let skippable = |n: u8, len: u32| {
            let mut f = vec![0x50 + n, 0x2a, 0x4d, 0x18];
            f.extend(len.to_le_bytes());
            f.extend(vec![0xAB; len as usize]);
            f
        };
        let mut z = skippable(0, 4);
        z.extend(zstd::encode_all(&b"one\n"[..], 3).unwrap());
        z.extend(skippable(15, 100));
        z.extend(zstd::encode_all(&b"two\n"[..], 3).unwrap());
        z.extend(skippable(7, 0));
        let mut out = String::new();
        decoder(&z[..]).unwrap().read_to_string(&mut out).unwrap();
        assert_eq!(out, "one\ntwo\n");
        let mut out = String::new();
        decoder(&b"ab"[..])
            .unwrap()
            .read_to_string(&mut out)
            .unwrap();
        assert_eq!(out, "ab");
    }
}
