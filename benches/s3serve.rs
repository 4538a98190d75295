//! Serves a folder over S3 on 127.0.0.1 (each sub-folder is a bucket) with the test server of
//! `tests/s3_server.rs` (s3s over the folder, in process), for the benchmark of `s3://` sources:
//!
//! ```text
//! cargo run --release --example s3serve -- DIR     # prints http://127.0.0.1:PORT, serves until killed
//! ```
//! Credentials: access key `test`, secret key `test`.

#[allow(dead_code)]
#[path = "../tests/s3_server.rs"]
mod s3_server;

use std::io::Write;

fn main() {
    let Some(root) = std::env::args().nth(1) else {
        eprintln!("usage: s3serve DIR");
        std::process::exit(2);
    };
    let server = s3_server::S3Server::start(std::path::Path::new(&root));
    println!("{}", server.url());
    let _ = std::io::stdout().flush();
    loop {
        std::thread::park();
    }
}
