//! Handing freed memory back to the system between stages.

/// Returns to the system the pages that freed memory leaves in the allocator. After decoding,
/// what the decoding threads freed sits in their own allocator arenas, where the stages that
/// follow (on another thread) cannot reuse it; without this, it stays counted in the process's
/// memory until the end.
pub fn give_back() {
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
