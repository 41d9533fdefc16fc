//! The process's allocator (`src/main.rs`): mimalloc, with big blocks mapped directly so
//! that growing them moves pages instead of copying bytes; and what it is asked beyond
//! malloc and free.
//!
//! Why big blocks apart: a relation's rows, provenance and index chains are a few vectors
//! that double as an evaluation appends to them (at 75,000 users, up to hundreds of MiB
//! each). mimalloc reallocates a big block by allocating another, copying and freeing, so
//! each doubling copied the whole vector and, for the moment of the copy, held it twice:
//! the copy and the first touch of the new block's pages were 9% of a 75,000-user `eval`
//! (perf, session 12). Blocks of [`BIG`] bytes or more are mapped with `mmap`, and grown
//! or shrunk with `mremap`, which moves the page tables and copies nothing (glibc's malloc
//! did the same for its mapped chunks), and `munmap`ped when freed.

use std::alloc::{GlobalAlloc, Layout};

/// Blocks of this size (a huge page) or more are mapped directly. Smaller blocks are many
/// and short lived (a syscall each would cost more than mimalloc's reuse); bigger ones are
/// mostly the growing vectors, whose copies this avoids. Against 16 MiB, 2 MiB took 0.86x
/// the CPU time of a 75,000-user `eval` (median of 3 in turn, loaded machine; peak 0.95x);
/// on the 1M-fact race, the same time and memory.
pub const BIG: usize = 2 << 20;

/// mimalloc for small blocks; `mmap`/`mremap`/`munmap` for blocks of [`BIG`] bytes or
/// more (on Linux). Which one holds a block follows from its size, which Rust passes to
/// every call about it.
pub struct Allocator;

const PAGE: usize = 4096;
/// A huge page: mappings start on one and span whole ones, and are advised to use them
/// (this machine's kernel gives huge pages on advice only, as mimalloc asks for its own).
/// Without them, random probes of a relation's index chains missed the TLB: +15% CPU on
/// the 1M-fact access-control race.
const HUGE: usize = 2 << 20;

fn mapped(size: usize, align: usize) -> bool {
    cfg!(target_os = "linux") && size >= BIG && align <= PAGE
}

/// A mapping's length for a block of `size` bytes: whole huge pages, so that its last
/// part can be one too.
fn pages(size: usize) -> usize {
    size.div_ceil(HUGE) * HUGE
}

#[cfg(target_os = "linux")]
mod map {
    use super::HUGE;
    use std::ptr::null_mut;

    unsafe fn raw(len: usize) -> *mut u8 {
        // SAFETY: an anonymous private mapping touches no existing memory.
        let p = unsafe {
            libc::mmap(
                null_mut(),
                len,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
                -1,
                0,
            )
        };
        if p == libc::MAP_FAILED {
            null_mut()
        } else {
            p.cast()
        }
    }

    /// A mapping of `len` bytes (a multiple of [`HUGE`]) starting on a huge page.
    pub unsafe fn map(len: usize) -> *mut u8 {
        let p = unsafe { raw(len + HUGE) };
        if p.is_null() {
            return p;
        }
        // SAFETY: the head and tail trimmed are parts of the mapping just made.
        unsafe {
            let head = p.align_offset(HUGE);
            if head > 0 {
                libc::munmap(p.cast(), head);
            }
            let q = p.add(head);
            if HUGE - head > 0 {
                libc::munmap(q.add(len).cast(), HUGE - head);
            }
            libc::madvise(q.cast(), len, libc::MADV_HUGEPAGE);
            q
        }
    }

    pub unsafe fn unmap(p: *mut u8, len: usize) {
        // SAFETY: `p` and `len` are a mapping made by `map` or `remap`.
        unsafe { libc::munmap(p.cast(), len) };
    }

    /// Resizes mapping `p`: in place if the address space after it is free (or when
    /// shrinking), else its pages are moved, not copied, to the head of a new mapping.
    pub unsafe fn remap(p: *mut u8, old: usize, new: usize) -> *mut u8 {
        // SAFETY: `p`/`old` is a mapping of ours; without MAYMOVE it stays where it is.
        let q = unsafe { libc::mremap(p.cast(), old, new, 0) };
        if q != libc::MAP_FAILED {
            return p;
        }
        let q = unsafe { map(new) };
        if q.is_null() {
            return q;
        }
        // SAFETY: FIXED moves `p`'s pages over the head of `q`, a mapping of ours.
        let moved = unsafe {
            libc::mremap(
                p.cast(),
                old,
                old,
                libc::MREMAP_MAYMOVE | libc::MREMAP_FIXED,
                q.cast::<libc::c_void>(),
            )
        };
        if moved == libc::MAP_FAILED {
            unsafe { libc::munmap(q.cast(), new) };
            return null_mut();
        }
        q
    }
}

#[cfg(not(target_os = "linux"))]
mod map {
    pub unsafe fn map(_: usize) -> *mut u8 {
        unreachable!("blocks are mapped on Linux only")
    }
    pub unsafe fn unmap(_: *mut u8, _: usize) {}
    pub unsafe fn remap(_: *mut u8, _: usize, _: usize) -> *mut u8 {
        unreachable!("blocks are mapped on Linux only")
    }
}

const SMALL: mimalloc::MiMalloc = mimalloc::MiMalloc;

// SAFETY: every block is handled by the allocator that made it: `mapped` of its size
// decides, and Rust passes the size a block was made (or last resized) with.
unsafe impl GlobalAlloc for Allocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if mapped(layout.size(), layout.align()) {
            unsafe { map::map(pages(layout.size())) }
        } else {
            unsafe { SMALL.alloc(layout) }
        }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        if mapped(layout.size(), layout.align()) {
            // Fresh anonymous pages are zero.
            unsafe { map::map(pages(layout.size())) }
        } else {
            unsafe { SMALL.alloc_zeroed(layout) }
        }
    }

    unsafe fn dealloc(&self, p: *mut u8, layout: Layout) {
        if mapped(layout.size(), layout.align()) {
            unsafe { map::unmap(p, pages(layout.size())) }
        } else {
            unsafe { SMALL.dealloc(p, layout) }
        }
    }

    unsafe fn realloc(&self, p: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let align = layout.align();
        match (mapped(layout.size(), align), mapped(new_size, align)) {
            (false, false) => unsafe { SMALL.realloc(p, layout, new_size) },
            (true, true) => unsafe { map::remap(p, pages(layout.size()), pages(new_size)) },
            _ => {
                // Crossing the threshold: a new block from the other side, then a copy.
                // SAFETY: the new layout is valid (`realloc`'s contract); the copy stays
                // within both blocks.
                let new = unsafe { Layout::from_size_align_unchecked(new_size, align) };
                let q = unsafe { self.alloc(new) };
                if !q.is_null() {
                    unsafe {
                        std::ptr::copy_nonoverlapping(p, q, layout.size().min(new_size));
                        self.dealloc(p, layout);
                    }
                }
                q
            }
        }
    }
}

/// Returns the memory freed in this thread's heap, and in the pool threads' (they parse
/// the facts), to the system. After `:reload` dropped the old model, mimalloc kept its
/// pages for reuse: resident memory stayed at the sum of the old and new models (1.7 GB
/// against 0.9 GB after a fresh open, 75,000 users). Mapped blocks go back when freed.
pub fn give_back() {
    // SAFETY: `mi_collect` only walks mimalloc's own heaps and may be called at any time;
    // where mimalloc is not the global allocator (the test binaries) it finds nothing.
    let collect = || unsafe { libmimalloc_sys::mi_collect(true) };
    collect();
    crate::threads::on_every_thread(collect);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fill(p: *mut u8, len: usize, seed: u8) {
        for i in (0..len).step_by(PAGE / 2) {
            unsafe { *p.add(i) = seed.wrapping_add((i / PAGE) as u8) };
        }
    }

    fn holds(p: *const u8, len: usize, seed: u8) -> bool {
        (0..len)
            .step_by(PAGE / 2)
            .all(|i| unsafe { *p.add(i) } == seed.wrapping_add((i / PAGE) as u8))
    }

    /// Every path of `realloc` keeps the bytes: mapped to mapped (grow and shrink), small
    /// to mapped, mapped to small; a block is freed by the allocator that made it.
    #[test]
    fn a_block_keeps_its_bytes_across_every_resize() {
        let a = Allocator;
        let small = Layout::from_size_align(BIG / 4, 8).unwrap();
        unsafe {
            let p = a.alloc(small);
            assert!(!p.is_null());
            fill(p, small.size(), 3);
            let big = BIG + 12_345;
            let p = a.realloc(p, small, big); // small -> mapped
            assert!(!p.is_null());
            assert!(holds(p, small.size(), 3), "the copy across the threshold");
            fill(p, big, 7);
            let bigger = 3 * BIG + 1;
            let p = a.realloc(p, Layout::from_size_align(big, 8).unwrap(), bigger);
            assert!(!p.is_null());
            assert!(holds(p, big, 7), "mremap kept the pages");
            assert_eq!(*p.add(bigger - 1), 0, "grown pages are zero");
            let p = a.realloc(p, Layout::from_size_align(bigger, 8).unwrap(), big);
            assert!(holds(p, big, 7), "shrunk in place");
            let p = a.realloc(p, Layout::from_size_align(big, 8).unwrap(), 1000);
            assert!(holds(p, 1000, 7), "mapped -> small");
            a.dealloc(p, Layout::from_size_align(1000, 8).unwrap());
        }
    }

    #[test]
    fn a_zeroed_mapped_block_is_zero_and_a_big_alignment_is_not_mapped() {
        let a = Allocator;
        unsafe {
            let layout = Layout::from_size_align(BIG, 8).unwrap();
            let p = a.alloc_zeroed(layout);
            assert!((0..BIG).step_by(777).all(|i| *p.add(i) == 0));
            a.dealloc(p, layout);
            // Alignment above a page goes to mimalloc, which honours it.
            let layout = Layout::from_size_align(BIG, 1 << 16).unwrap();
            let p = a.alloc(layout);
            assert_eq!(p as usize % (1 << 16), 0);
            a.dealloc(p, layout);
        }
        assert!(mapped(BIG, 8) == cfg!(target_os = "linux"));
        assert!(!mapped(BIG - 1, 8));
    }
}
