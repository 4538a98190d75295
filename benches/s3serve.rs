//! Serves a folder over S3 on 127.0.0.1 (each sub-folder is a bucket) with the test server of
//! `tests/s3_server.rs` (s3s over the folder, in process), for the benchmark of `s3://` sources:
//!
//! ```text
//! cargo run --release --example s3serve -- DIR     # prints http://127.0.0.1:PORT, serves until killed
//! cargo run --release --example s3serve -- DIR --latency 40 100   # ms per object GET, per listing page
//! ```
//! With `--latency`, every GET of an object waits 40 ms and every listing page 100 ms (or the
//! figures given) before it is answered, as real S3 answers from across a network.
//! Credentials: access key `test`, secret key `test`.

#[allow(dead_code)]
#[path = "../tests/s3_server.rs"]
mod s3_server;

use std::io::Write;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (root, latency) = match args.as_slice() {
        [root] => (root, None),
        [root, flag, object, listing] if flag == "--latency" => {
            match (object.parse::<u64>(), listing.parse::<u64>()) {
                (Ok(o), Ok(l)) => (root, Some((o, l))),
                _ => usage(),
            }
        }
        _ => usage(),
    };
    let server = s3_server::S3Server::start(std::path::Path::new(root));
    if let Some((object, listing)) = latency {
        let ms = std::time::Duration::from_millis;
        server.set_latency(ms(object), ms(listing));
    }
    println!("{}", server.url());
    let _ = std::io::stdout().flush();
    loop {
        std::thread::park();
    }
}

fn usage() -> ! {
    eprintln!("usage: s3serve DIR [--latency OBJECT_MS LISTING_MS]");
    std::process::exit(2);
}
