//! Huge pages for the big buffers of reading, merging and writing states.
//!
//! A merge first-touches a few hundred MB (decoded tables, the merged table,
//! payloads); at 4 KiB a page that is ~100 000 page faults, a quarter of a
//! merge's time (docs/scale.md). Transparent huge pages, where the system
//! offers them on request (`/sys/kernel/mm/transparent_hugepage/enabled`:
//! `madvise`), take 2 MiB a fault. Advice only: nothing depends on it.

/// Bytes of a huge page (x86-64, aarch64 with 4 KiB base pages).
#[cfg(target_os = "linux")]
const HUGE: usize = 2 << 20;

/// Ask for huge pages under the spare capacity of `v` (before it is
/// written): for buffers of 8 MiB and more, the 2 MiB-aligned part.
pub(super) fn advise_huge<T>(v: &mut Vec<T>) {
    #[cfg(target_os = "linux")]
    {
        let bytes = (v.capacity() - v.len()).saturating_mul(std::mem::size_of::<T>());
        if bytes < 4 * HUGE {
            return;
        }
        let start = v.as_mut_ptr().wrapping_add(v.len()) as usize;
        let lo = start.next_multiple_of(HUGE);
        let hi = (start + bytes) / HUGE * HUGE;
        if hi > lo {
            // SAFETY: [lo, hi) lies inside the vector's allocation (its
            // spare capacity), page-aligned; MADV_HUGEPAGE changes only how
            // the kernel backs those pages, never their contents or who owns
            // them. Its result is ignored: it is advice.
            unsafe {
                libc::madvise(lo as *mut libc::c_void, hi - lo, libc::MADV_HUGEPAGE);
            }
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = v;
}
