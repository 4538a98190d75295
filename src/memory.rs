//! Handing freed memory back to the system between stages.

/// Returns to the system the pages that freed memory leaves in the allocator: jemalloc, the
/// program's (see `main.rs`; glibc's malloc serves only the C libraries' few allocations). After
/// decoding, what the decoding threads freed is kept for reuse that the stages that follow may
/// never need; without this, it stays counted in the process's memory until the end. On MSVC,
/// where the system allocator stays, nothing is done.
pub fn give_back() {
    #[cfg(not(target_env = "msvc"))]
    {
        // `arena.<MALLCTL_ARENAS_ALL>.purge`: every arena's unused pages.
        let name = c"arena.4096.purge";
        // SAFETY: the name is NUL-terminated, and this control reads and writes no value, so
        // the null pointers and zero length are what it expects.
        unsafe {
            tikv_jemalloc_sys::mallctl(
                name.as_ptr(),
                std::ptr::null_mut(),
                std::ptr::null_mut(),
                std::ptr::null_mut(),
                0,
            );
        }
    }
}
