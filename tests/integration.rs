//! The integration tests, built as one binary.

mod util; // TestEnv: temporary folders, running the binary, reading its JSON

#[path = "synth/mod.rs"]
mod synth; // synthetic CloudTrail data with known answers (also `cargo run --example synth`)

mod access_logs; // access logs give CloudTrail's answers, count once, prove lifecycle aborts
mod adversarial; // hostile and broken input: each kind named, counted, reconciled
mod cli; // exit codes, errors, --strict, --output
mod corpus; // every file of ../shared/corpus decodes, with the record counts of its index
mod determinism; // the answer does not depend on threads or file order
mod export; // Parquet export reads back; the answer from exported events is the answer
mod fixtures; // fixtures/ is what the generator makes, and its answers are right
mod formats; // table, json, ndjson, csv; hostile strings are escaped
mod house_rules; // conventions the compiler cannot check
mod oss; // Alibaba Cloud OSS: ActionTrail and OSS access logs give the answers of their AWS twins
mod oss_own; // what only OSS tells: its own stories, its XML rules, mixed and hostile logs, oss://
mod other_failures; // every diagnosis of a failed request that is not NoSuchUpload, in every view and output
mod problems; // each kind of damaged input is named, counted, and never stops the run
mod report_views; // focus, timelines, colour, completions and the man page
mod s3; // s3:// sources against a real S3-compatible server: same answers, pruning, faults
mod s3_refusals; // what a user is told when the store or the credentials refuse
mod s3_server; // that server: s3s over a folder, in process, with a request log and injected faults
mod shapes; // every input shape yields the same records
mod state; // --state on folders: only what is new is read, and the answer is a full run's
mod state_buckets; // --state on s3:// and oss://: only new objects are fetched
