//! The keys of a file's objects, in the order they came, to tell each key quickly.
//!
//! In a file, records are written by one program, so a record's next key is nearly always the one
//! that followed its current key in the record before. [`Order`] remembers that; checking its guess
//! is one comparison of at most 32 bytes, where reading a key means searching for its closing quote
//! and then telling which key it is. A wrong guess costs only the comparison, and the key is read
//! as usual.

use super::Key;
use crate::decode::skim::{self, RawStr, SkimError};

/// How many distinct keys are remembered; a record has about twenty.
const SLOTS: usize = 48;

/// The longest key remembered (with its closing quote, it fills 32 bytes).
const LONGEST: usize = 31;

/// No slot: a key that is not remembered (too long, escaped, or one too many).
const NONE: u8 = u8::MAX;

/// Where the previous key would be, before the first key of an object.
const START: u8 = u8::MAX - 1;
const _: () = assert!(SLOTS < START as usize);

/// A remembered key: its bytes followed by the closing quote, zero-padded.
#[derive(Clone, Copy)]
struct Slot {
    quoted: [u8; LONGEST + 1],
    /// 0xff over the key and its quote, 0 past them, as two 16-byte words.
    mask: [u128; 2],
    len: u8,
    key: Key,
    /// The slot of the key that followed this one last time.
    next: u8,
}

/// The remembered keys of one file.
pub(super) struct Order {
    slots: Vec<Slot>,
    /// The slot of the first key of the last object.
    first: u8,
}

impl Default for Order {
    fn default() -> Order {
        Order {
            slots: Vec::new(),
            first: NONE,
        }
    }
}

/// Where a walk is in the order of keys: the slot of the key it read last.
#[derive(Clone, Copy)]
pub(super) struct Place(u8);

impl Place {
    /// Before the first key of an object.
    pub const START: Place = Place(START);
}

/// A key found where a member starts.
struct Found {
    /// The key's slot.
    slot: u8,
    key: Key,
    /// The key's length (it holds no escape).
    len: usize,
}

impl Order {
    /// The key that came after `previous` last time (the first key of the last object when
    /// `previous` is [`START`]), if the member at `at` has that key.
    #[inline]
    fn guess(&self, b: &[u8], at: usize, previous: u8) -> Option<Found> {
        let slot = match previous {
            START => self.first,
            s => self.slots.get(usize::from(s))?.next,
        };
        let s = self.slots.get(usize::from(slot))?;
        let len = usize::from(s.len);
        if b.get(at) != Some(&b'"') {
            return None;
        }
        let same = match b.get(at + 1..at + 1 + LONGEST + 1) {
            // The key and its closing quote, compared 16 bytes at a time, the bytes past them
            // masked off.
            Some(window) => (0..2).all(|half| {
                let word = |bytes: &[u8]| {
                    let bytes = &bytes[16 * half..16 * half + 16];
                    u128::from_le_bytes(bytes.try_into().unwrap_or_default())
                };
                (word(window) ^ word(&s.quoted)) & s.mask[half] == 0
            }),
            None => b.get(at + 1..at + len + 2) == Some(&s.quoted[..len + 1]),
        };
        same.then_some(Found {
            slot,
            key: s.key,
            len,
        })
    }

    /// The key of the member at `at`, which key it is, and the offset just past it: the key that
    /// came after `place`'s last time when the bytes say so, else read. `place` moves to it.
    pub fn key<'b>(
        &mut self,
        b: &'b [u8],
        at: usize,
        place: &mut Place,
    ) -> Result<(RawStr<'b>, Key, usize), SkimError> {
        if let Some(found) = self.guess(b, at, place.0) {
            place.0 = found.slot;
            let raw = &b[at + 1..at + 1 + found.len];
            return Ok((RawStr::plain(raw), found.key, at + found.len + 2));
        }
        let (key, end) = skim::read_string(b, at)?;
        let kind = Key::of(&key.bytes());
        place.0 = self.learn(place.0, key.unescaped(), kind);
        Ok((key, kind, end))
    }

    /// Remembers that `key` (the raw bytes of a key without escapes, or `None`) followed
    /// `previous`; returns its slot.
    fn learn(&mut self, previous: u8, raw: Option<&[u8]>, key: Key) -> u8 {
        let slot = match raw.filter(|r| r.len() <= LONGEST) {
            Some(raw) => self.slot_of(raw, key),
            None => NONE,
        };
        match previous {
            START => self.first = slot,
            p => {
                if let Some(p) = self.slots.get_mut(usize::from(p)) {
                    p.next = slot;
                }
            }
        }
        slot
    }

    fn slot_of(&mut self, raw: &[u8], key: Key) -> u8 {
        let found = self
            .slots
            .iter()
            .position(|s| usize::from(s.len) == raw.len() && &s.quoted[..raw.len()] == raw);
        if let Some(i) = found {
            return i as u8;
        }
        if self.slots.len() == SLOTS {
            return NONE;
        }
        let mut quoted = [0; LONGEST + 1];
        quoted[..raw.len()].copy_from_slice(raw);
        quoted[raw.len()] = b'"';
        let mut mask = [0; LONGEST + 1];
        mask[..=raw.len()].fill(0xff);
        let half = |i: usize| u128::from_le_bytes(mask[i..i + 16].try_into().unwrap_or_default());
        self.slots.push(Slot {
            quoted,
            mask: [half(0), half(16)],
            len: raw.len() as u8,
            key,
            next: NONE,
        });
        (self.slots.len() - 1) as u8
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guesses_the_key_that_came_next_last_time() {
        let mut order = Order::default();
        let a = order.learn(START, Some(b"eventTime"), Key::Time);
        let b = order.learn(a, Some(b"eventName"), Key::Name);
        assert_ne!(a, b);
        let doc = br#"{"eventTime":"x","eventName":"y"}"#;
        let first = order.guess(doc, 1, START).expect("the first key");
        assert_eq!((first.slot, first.key, first.len), (a, Key::Time, 9));
        let second = order.guess(doc, 17, a).expect("the second key");
        assert_eq!((second.slot, second.key), (b, Key::Name));
        // A longer key that starts the same, a key with an escape, and the end of the input are
        // not the key guessed.
        assert!(order.guess(br#"{"eventTimes":1}"#, 1, START).is_none());
        assert!(order.guess(br#"{"eventTim\u0065":1}"#, 1, START).is_none());
        assert!(order.guess(br#"{"eventTime"#, 1, START).is_none());
        assert!(order.guess(br#"{"eventTime""#, 1, START).is_some());
        assert!(order.guess(br#"{'eventTime":1}"#, 1, START).is_none());
        // Nothing was learnt after the second key.
        assert!(order.guess(doc, 17, b).is_none());
    }

    /// The members and the end of the object at the start of `doc`, or where it is broken.
    fn walk(doc: &[u8], order: &mut Order) -> (Vec<(String, usize)>, Result<usize, SkimError>) {
        let mut seen = Vec::new();
        let mut read = || {
            let mut members = skim::Members::of(doc, 0)?;
            let mut place = Place::START;
            while let Some(at) = members.key() {
                let (key, _, end) = order.key(doc, at, &mut place)?;
                let value = members.value(doc, end)?;
                seen.push((key.decode().unwrap_or_default().into_owned(), value));
                members.value_ends(doc, skim::skip_value(doc, value, 1)?)?;
            }
            Ok(members.end())
        };
        let end = read();
        (seen, end)
    }

    #[test]
    fn reads_what_walk_object_reads_whatever_it_guessed() {
        let docs: [&[u8]; 12] = [
            br#"{"eventTime":"t","eventName":"n","awsRegion":"r"}"#,
            br#"{"eventTime":"t","errorCode":"e","eventName":"n","awsRegion":"r"}"#,
            br#"{ "eventTime" : "t" , "eventName":"n" }"#,
            br#"{"eventTime":"t","eventName":"n","awsRegion":"r"}"#,
            br#"{"event\u0054ime":"t","eventName":"n"}"#,
            br#"{}"#,
            br#"{"eventTime":"t","eventName":"n","awsRegion":"r",}"#,
            br#"{"eventTime":"t","eventName" "n"}"#,
            br#"{"eventTime":"t","eventName":"n""#,
            br#"{"eventTime":"t"x"#,
            br#"{"eventTime":"t","eventName"#,
            br#"{'eventTime":"t"}"#,
        ];
        let mut order = Order::default();
        // Each document twice: once with the guesses the ones before taught, once with its own.
        for doc in docs.iter().flat_map(|d| [d, d]) {
            let mut expected = Vec::new();
            let end = skim::walk_object::<SkimError>(doc, 0, |key, at| {
                expected.push((key.decode().unwrap_or_default().into_owned(), at));
                skim::skip_value(doc, at, 1)
            });
            let doc_text = String::from_utf8_lossy(doc);
            assert_eq!(walk(doc, &mut order), (expected, end), "{doc_text}");
        }
    }

    #[test]
    fn remembers_each_key_once_and_only_so_many() {
        let mut order = Order::default();
        let again = order.learn(START, Some(b"requestID"), Key::RequestId);
        assert_eq!(
            order.learn(again, Some(b"requestID"), Key::RequestId),
            again
        );
        let long = [b'k'; LONGEST + 1];
        assert_eq!(order.learn(again, Some(&long), Key::Other), NONE);
        // After a key not remembered, nothing is guessed, and the first key stays the first.
        assert!(order.guess(br#"{"requestID":1}"#, 1, NONE).is_none());
        order.learn(NONE, Some(b"eventID"), Key::Id);
        let first = order.guess(br#"{"requestID":1}"#, 1, START).map(|f| f.slot);
        assert_eq!(first, Some(again));
        for i in 0..2 * SLOTS {
            order.learn(START, Some(format!("key{i}").as_bytes()), Key::Other);
        }
        assert_eq!(order.slots.len(), SLOTS);
    }
}
