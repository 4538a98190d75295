//! Handing freed memory back to the system between stages.

/// Returns to the system the pages that freed memory leaves in the allocator. After decoding,
/// what the decoding threads freed sits in their own allocator arenas (glibc's) or in pages kept
/// for reuse (jemalloc's, the program's allocator), where the stages that follow may never need
/// it; without this, it stays counted in the process's memory until the end.
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
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        unsafe extern "C" {
            fn malloc_trim(pad: usize) -> std::ffi::c_int;
        }
        // SAFETY: glibc's malloc_trim takes no pointer and may be called at any time from any
        // thread; it only releases pages that hold no allocation.
        unsafe {
            malloc_trim(0);
        }
    }
}
