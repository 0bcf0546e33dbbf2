//! The progress bar on stderr: elapsed time, a bar, bytes done of the
//! total, rate, ETA and files done, on one line redrawn in place (at most
//! ten times a second, by whichever worker advances it). Drawn only when
//! stderr is a terminal, and only once the work has taken longer than a
//! delay, so short runs stay quiet. A message on stderr clears the line
//! first (the next advance draws it again below the message).

use std::io::{IsTerminal, Write};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::pipeline::Progress;

/// Whether a bar is on the terminal's last line now.
static ON_SCREEN: AtomicBool = AtomicBool::new(false);

/// Least time between two draws.
const REDRAW: Duration = Duration::from_millis(100);

/// Clear the bar's line, if one is drawn, so a message can take it.
pub(super) fn clear_line() {
    if ON_SCREEN.swap(false, Ordering::Relaxed) {
        let _ = std::io::stderr().write_all(b"\r\x1b[2K");
    }
}

pub struct Bar {
    started: Instant,
    delay: Duration,
    files: AtomicU64,
    bytes: AtomicU64,
    total_files: AtomicU64,
    total_bytes: AtomicU64,
    /// When the bar was last drawn (`None`: not yet).
    drawn: Mutex<Option<Instant>>,
}

impl Bar {
    /// `None` when stderr is not a terminal.
    pub fn new(delay: Duration) -> Option<Bar> {
        if !std::io::stderr().is_terminal() {
            return None;
        }
        Some(Bar {
            started: Instant::now(),
            delay,
            files: 0.into(),
            bytes: 0.into(),
            total_files: 0.into(),
            total_bytes: 0.into(),
            drawn: Mutex::new(None),
        })
    }

    fn draw(&self) {
        let width = terminal_size::terminal_size_of(std::io::stderr())
            .map_or(80, |(w, _)| usize::from(w.0))
            .max(20);
        let line = line(
            self.started.elapsed(),
            self.bytes.load(Ordering::Relaxed),
            self.total_bytes.load(Ordering::Relaxed),
            self.files.load(Ordering::Relaxed),
            self.total_files.load(Ordering::Relaxed),
            width - 1,
        );
        let mut err = std::io::stderr().lock();
        let _ = write!(err, "\r{line}\x1b[K");
        let _ = err.flush();
        ON_SCREEN.store(true, Ordering::Relaxed);
    }
}

impl Progress for Bar {
    fn start(&self, files: u64, bytes: u64) {
        self.total_files.store(files, Ordering::Relaxed);
        self.total_bytes.store(bytes, Ordering::Relaxed);
    }

    fn advance(&self, files: u64, bytes: u64) {
        self.files.fetch_add(files, Ordering::Relaxed);
        self.bytes.fetch_add(bytes, Ordering::Relaxed);
        if self.started.elapsed() < self.delay {
            return;
        }
        // one worker draws; the others go on with their work
        let Ok(mut last) = self.drawn.try_lock() else {
            return;
        };
        if last.is_none_or(|t| t.elapsed() >= REDRAW) {
            self.draw();
            *last = Some(Instant::now());
        }
    }

    fn finish(&self) {
        let _guard = self.drawn.lock();
        clear_line();
    }
}

/// One line of at most `width` columns:
/// `[00:00:03] ########-------- 12.0 MiB/40.0 MiB 4.0 MiB/s ETA 7s 3/10 files`.
fn line(
    elapsed: Duration,
    done: u64,
    total: u64,
    files: u64,
    total_files: u64,
    width: usize,
) -> String {
    let secs = elapsed.as_secs();
    let rate = done as f64 / elapsed.as_secs_f64().max(1e-3);
    let eta = if done == 0 || done >= total {
        "0s".to_string()
    } else {
        human_duration(((total - done) as f64 / rate.max(1.0)).ceil() as u64)
    };
    let head = format!(
        "[{:02}:{:02}:{:02}] ",
        secs / 3600,
        secs / 60 % 60,
        secs % 60
    );
    let tail = format!(
        " {}/{} {}/s ETA {eta} {files}/{total_files} files",
        bytes(done),
        bytes(total),
        bytes(rate as u64)
    );
    let room = width.saturating_sub(head.len() + tail.len());
    if room < 10 {
        // too narrow for a bar: the figures alone, cut to the width
        let mut s = format!("{head}{}", tail.trim_start());
        s.truncate(width);
        return s;
    }
    let full = if total == 0 {
        room
    } else {
        ((done.min(total) as u128 * room as u128) / total as u128) as usize
    };
    format!(
        "{head}{}{}{tail}",
        "#".repeat(full),
        "-".repeat(room - full)
    )
}

/// `512 B`, `1.5 KiB`, `12.0 MiB`, `3.2 GiB`.
fn bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["KiB", "MiB", "GiB", "TiB", "PiB"];
    if n < 1024 {
        return format!("{n} B");
    }
    let mut v = n as f64 / 1024.0;
    let mut unit = 0;
    while v >= 1024.0 && unit + 1 < UNITS.len() {
        v /= 1024.0;
        unit += 1;
    }
    format!("{v:.1} {}", UNITS[unit])
}

/// `7s`, `3m 05s`, `2h 10m`.
fn human_duration(secs: u64) -> String {
    match secs {
        0..60 => format!("{secs}s"),
        60..3600 => format!("{}m {:02}s", secs / 60, secs % 60),
        _ => format!("{}h {:02}m", secs / 3600, secs / 60 % 60),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_fits_its_width_and_shows_the_figures() {
        let l = line(Duration::from_secs(3), 12 << 20, 40 << 20, 3, 10, 79);
        assert_eq!(l.chars().count(), 79, "{l}");
        assert!(l.starts_with("[00:00:03] ###"), "{l}");
        assert!(
            l.ends_with(" 12.0 MiB/40.0 MiB 4.0 MiB/s ETA 7s 3/10 files"),
            "{l}"
        );
        // 12 of 40 MiB: 30 % of the bar
        let bar = l.matches('#').count();
        let room = bar + l.matches('-').count();
        assert_eq!(bar, room * 12 / 40);
        // narrow: no bar, never wider than asked
        let narrow = line(Duration::from_secs(3), 12 << 20, 40 << 20, 3, 10, 30);
        assert!(narrow.len() <= 30 && !narrow.contains('#'), "{narrow}");
        // done, and nothing to read
        assert!(line(Duration::from_secs(1), 5, 5, 1, 1, 60).contains("ETA 0s"));
        assert!(line(Duration::ZERO, 0, 0, 0, 0, 60).contains("ETA 0s"));
    }

    #[test]
    fn units() {
        assert_eq!(bytes(512), "512 B");
        assert_eq!(bytes(1536), "1.5 KiB");
        assert_eq!(bytes(3 << 30), "3.0 GiB");
        assert_eq!(human_duration(59), "59s");
        assert_eq!(human_duration(185), "3m 05s");
        assert_eq!(human_duration(7800), "2h 10m");
    }
}
