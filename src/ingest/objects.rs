//! Writes and deletions of objects, held in bounded memory until it is known which matter.
//!
//! A trail with data events logs every PutObject, CopyObject and DeleteObject, and an access log
//! a line for each; a diagnosis needs only those of the few keys multipart requests name (the key
//! an upload writes, the object a part copies). Which keys those are is known only once
//! everything is read, so the records wait: past a limit they are appended to a temporary file
//! in a fixed binary layout, and at the end only the records of keys that a multipart request
//! names are read back. Memory stays at the limit however many objects the logs write.

use std::fs::File;
use std::io::{BufReader, BufWriter, Read, Write};

use chrono::DateTime;

use crate::model::{ContextEvent, ContextKind, Evidence, Provider};
use crate::strings::{ActorId, Id, Sym};

/// Records kept in memory before they are written out: 4 Ki of them, under 0.5 MiB.
pub const DEFAULT_LIMIT: usize = 4 << 10;

/// Object records read so far.
pub struct ObjectRecords {
    memory: Vec<ContextEvent>,
    /// The temporary file the records past the limit are appended to, with how many it holds.
    file: Option<(File, usize)>,
    /// The files of the holders merged into this one.
    merged: Vec<(File, usize)>,
    limit: usize,
}

impl Default for ObjectRecords {
    fn default() -> Self {
        ObjectRecords::with_limit(DEFAULT_LIMIT)
    }
}

impl ObjectRecords {
    /// Keeps at most `limit` records in memory.
    pub fn with_limit(limit: usize) -> ObjectRecords {
        ObjectRecords {
            memory: Vec::new(),
            file: None,
            merged: Vec::new(),
            limit: limit.max(1),
        }
    }

    /// Adds a record.
    pub fn push(&mut self, record: ContextEvent) {
        self.memory.push(record);
        if self.memory.len() >= self.limit {
            self.spill();
        }
    }

    /// Takes in the records of another holder.
    pub fn merge(mut self, other: ObjectRecords) -> ObjectRecords {
        self.merged.extend(other.file);
        self.merged.extend(other.merged);
        for record in other.memory {
            self.push(record);
        }
        self
    }

    /// Appends the records in memory to the temporary file. If it cannot be written, they stay
    /// in memory: nothing is lost, only the memory bound.
    fn spill(&mut self) {
        let open = match self.file.take() {
            Some(open) => Ok(open),
            None => tempfile::tempfile().map(|file| (file, 0)),
        };
        match open.map(|(file, count)| (append(&file, &self.memory), file, count)) {
            Ok((Ok(()), file, count)) => {
                self.file = Some((file, count + self.memory.len()));
                self.memory.clear();
            }
            Ok((Err(_), file, count)) => {
                // The file may end in part of the records now: it is read no further than
                // `count`, and the records stay in memory.
                self.merged.push((file, count));
                self.limit = self.limit.saturating_mul(2);
            }
            Err(_) => self.limit = self.limit.saturating_mul(2),
        }
    }

    /// The records that `wanted` keeps (memory first, then each file in the order it was
    /// written; the caller sorts).
    pub fn keep(
        self,
        wanted: impl Fn(&ContextEvent) -> bool,
    ) -> std::io::Result<Vec<ContextEvent>> {
        let mut kept: Vec<ContextEvent> = self.memory.into_iter().filter(&wanted).collect();
        for (mut file, count) in self.file.into_iter().chain(self.merged) {
            std::io::Seek::rewind(&mut file)?;
            let mut reader = BufReader::new(file);
            let mut bytes = [0; RECORD];
            for _ in 0..count {
                reader.read_exact(&mut bytes)?;
                let record = decode(&bytes).ok_or_else(|| {
                    std::io::Error::new(
                        std::io::ErrorKind::InvalidData,
                        "a record set aside does not read back",
                    )
                })?;
                if wanted(&record) {
                    kept.push(record);
                }
            }
        }
        Ok(kept)
    }
}

fn append(file: &File, records: &[ContextEvent]) -> std::io::Result<()> {
    let mut out = BufWriter::new(file);
    for record in records {
        out.write_all(&encode(record))?;
    }
    out.flush()
}

/// The length of a record in a file.
const RECORD: usize = 8 + 4 + 1 + 1 + 1 + 4 + 1 + 8 + 4 + 4 + 4 + 2 * Id::BYTES + 4 + 4 + 4;

/// An absent ID in a file.
const NO_ID: [u8; Id::BYTES] = [0xff; Id::BYTES];

fn encode(c: &ContextEvent) -> [u8; RECORD] {
    let sym = |s: Option<Sym>| s.map_or(0, Sym::to_bits).to_le_bytes();
    let id = |id: Option<Id>| id.map_or(NO_ID, Id::to_bytes);
    let kind = ContextKind::ALL.iter().position(|k| *k == c.kind);
    let mut out = [0; RECORD];
    let mut at = 0;
    let mut put = |bytes: &[u8]| {
        out[at..at + bytes.len()].copy_from_slice(bytes);
        at += bytes.len();
    };
    put(&c.time.timestamp().to_le_bytes());
    put(&c.time.timestamp_subsec_nanos().to_le_bytes());
    put(&[kind.map_or(u8::MAX, |k| k as u8)]);
    put(&[c.evidence as u8]);
    put(&[c.provider as u8]);
    put(&sym(c.bucket));
    put(&[u8::from(c.key_hash.is_some())]);
    put(&c.key_hash.unwrap_or_default().to_le_bytes());
    put(&sym(c.key));
    put(&sym(c.target));
    put(&c.actor.to_bits().to_le_bytes());
    put(&id(c.event_id));
    put(&id(c.request_id));
    put(&sym(c.region));
    put(&sym(c.account));
    put(&c.origin.to_le_bytes());
    out
}

fn decode(b: &[u8; RECORD]) -> Option<ContextEvent> {
    let mut at = 0;
    let mut take = |n: usize| {
        let bytes = &b[at..at + n];
        at += n;
        bytes
    };
    let le32 = |bytes: &[u8]| bytes.try_into().ok().map(u32::from_le_bytes);
    let secs = i64::from_le_bytes(take(8).try_into().ok()?);
    let nanos = le32(take(4))?;
    let kind = *ContextKind::ALL.get(usize::from(take(1)[0]))?;
    let evidence = match take(1)[0] {
        0 => Evidence::Cloudtrail,
        1 => Evidence::AccessLog,
        _ => return None,
    };
    let provider = match take(1)[0] {
        0 => Provider::Aws,
        1 => Provider::Alibaba,
        _ => return None,
    };
    let bucket = Sym::from_bits(le32(take(4))?);
    let has_hash = take(1)[0] == 1;
    let hash = u64::from_le_bytes(take(8).try_into().ok()?);
    let key = Sym::from_bits(le32(take(4))?);
    let target = Sym::from_bits(le32(take(4))?);
    let actor = ActorId::from_bits(le32(take(4))?);
    let id = |bytes: &[u8]| -> Option<Option<Id>> {
        let bytes: &[u8; Id::BYTES] = bytes.try_into().ok()?;
        Some(if *bytes == NO_ID {
            None
        } else {
            Some(Id::from_bytes(bytes)?)
        })
    };
    let event_id = id(take(Id::BYTES))?;
    let request_id = id(take(Id::BYTES))?;
    Some(ContextEvent {
        time: DateTime::from_timestamp(secs, nanos)?,
        kind,
        bucket,
        key_hash: has_hash.then_some(hash),
        key,
        target,
        actor,
        event_id,
        request_id,
        region: Sym::from_bits(le32(take(4))?),
        account: Sym::from_bits(le32(take(4))?),
        origin: le32(take(4))?,
        evidence,
        provider,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::strings::Interner;

    fn record(interner: &Interner, n: u32, key: &str) -> ContextEvent {
        ContextEvent {
            time: DateTime::from_timestamp(1_700_000_000 + i64::from(n), 5).unwrap(),
            kind: ContextKind::ALL[n as usize % ContextKind::ALL.len()],
            bucket: Some(interner.sym("b")),
            key_hash: Some(crate::model::key_hash(key)),
            key: n.is_multiple_of(2).then(|| interner.sym(key)),
            target: None,
            actor: interner.actor(b"x", Default::default),
            event_id: n
                .is_multiple_of(3)
                .then(|| interner.id("0f8f6c0e-9d4f-4a8a-9a49-6b2d4c1e0d11")),
            request_id: Some(interner.id(&format!("REQ{n}"))),
            region: n.is_multiple_of(5).then(|| interner.sym("us-east-1")),
            account: None,
            origin: n,
            evidence: if n.is_multiple_of(2) {
                Evidence::Cloudtrail
            } else {
                Evidence::AccessLog
            },
            provider: if n.is_multiple_of(3) {
                Provider::Alibaba
            } else {
                Provider::Aws
            },
        }
    }

    #[test]
    fn records_read_back_as_they_were_written() {
        let interner = Interner::default();
        for n in 0..40 {
            let r = record(&interner, n, &format!("k{n}"));
            assert_eq!(decode(&encode(&r)), Some(r));
        }
        let long = ContextEvent {
            request_id: Some(interner.id(&"L".repeat(40))),
            ..record(&interner, 1, "k")
        };
        assert_eq!(decode(&encode(&long)), Some(long));
    }

    #[test]
    fn only_wanted_objects_are_kept_from_memory_and_files() {
        let interner = Interner::default();
        let mut held = ObjectRecords::with_limit(7);
        let mut other = ObjectRecords::with_limit(5);
        for n in 0..50 {
            let key = format!("k{}", n % 10);
            let r = record(&interner, n, &key);
            if n.is_multiple_of(2) {
                held.push(r);
            } else {
                other.push(r);
            }
        }
        assert!(held.file.is_some() && other.file.is_some());
        let held = held.merge(other);
        let wanted = ["k3", "k4"].map(crate::model::key_hash);
        let mut kept = held
            .keep(|c| c.key_hash.is_some_and(|h| wanted.contains(&h)))
            .unwrap();
        kept.sort_by_key(|c| c.origin);
        let origins: Vec<u32> = kept.iter().map(|c| c.origin).collect();
        assert_eq!(origins, [3, 4, 13, 14, 23, 24, 33, 34, 43, 44]);
    }
}
