//! Identifiers (`eventID`, `requestID`), kept inline when their form allows.

use std::fmt;

use xxhash_rust::xxh3::xxh3_64;

use super::{Interner, Strings, Sym};

/// An identifier (`eventID`, `requestID`) kept without a heap allocation when it can be: a
/// lower-case UUID as its 16 bytes, a short ID inline, anything else interned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Id {
    /// `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx` in lower-case hex.
    Uuid([u8; 16]),
    /// At most 22 bytes, kept as they are.
    Short(u8, [u8; 22]),
    /// Anything longer, interned, with a hash of its text that is the same in every run (the
    /// symbol's number is not).
    Long(Sym, [u8; 8]),
}

impl Id {
    /// The length of [`Id::to_bytes`].
    pub const BYTES: usize = 24;

    /// Its bytes, to be written to a temporary file and read back in the same run: a tag, then
    /// the UUID, the length and bytes of a short ID, or the number of a long one.
    pub fn to_bytes(self) -> [u8; Id::BYTES] {
        let mut out = [0; Id::BYTES];
        match self {
            Id::Uuid(uuid) => out[1..17].copy_from_slice(&uuid),
            Id::Short(len, bytes) => {
                out[0] = 1;
                out[1] = len;
                out[2..].copy_from_slice(&bytes);
            }
            Id::Long(sym, hash) => {
                out[0] = 2;
                out[1..5].copy_from_slice(&sym.to_bits().to_le_bytes());
                out[5..13].copy_from_slice(&hash);
            }
        }
        out
    }

    /// The ID that [`Id::to_bytes`] wrote; `None` for any other bytes.
    pub fn from_bytes(b: &[u8; Id::BYTES]) -> Option<Id> {
        match b[0] {
            0 => b[1..17].try_into().ok().map(Id::Uuid),
            1 if usize::from(b[1]) <= 22 => b[2..].try_into().ok().map(|s| Id::Short(b[1], s)),
            2 => {
                let bits = u32::from_le_bytes(b[1..5].try_into().ok()?);
                let hash = b[5..13].try_into().ok()?;
                Sym::from_bits(bits).map(|sym| Id::Long(sym, hash))
            }
            _ => None,
        }
    }
}

impl Interner {
    /// An identifier, inline when possible.
    pub fn id(&self, s: &str) -> Id {
        if let Some(uuid) = parse_uuid(s) {
            return Id::Uuid(uuid);
        }
        if s.len() <= 22 {
            let mut bytes = [0; 22];
            bytes[..s.len()].copy_from_slice(s.as_bytes());
            return Id::Short(s.len() as u8, bytes);
        }
        Id::Long(self.sym(s), xxh3_64(s.as_bytes()).to_le_bytes())
    }
}

/// Parses a canonical lower-case UUID.
pub(super) fn parse_uuid(s: &str) -> Option<[u8; 16]> {
    /// Where each byte's two hex digits start in `8-4-4-4-12`.
    const AT: [usize; 16] = [0, 2, 4, 6, 9, 11, 14, 16, 19, 21, 24, 26, 28, 30, 32, 34];
    let b: &[u8; 36] = s.as_bytes().try_into().ok()?;
    if b[8] != b'-' || b[13] != b'-' || b[18] != b'-' || b[23] != b'-' {
        return None;
    }
    let digit = |c: u8| match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        _ => None,
    };
    let mut out = [0u8; 16];
    for (byte, &at) in out.iter_mut().zip(&AT) {
        *byte = digit(b[at])? << 4 | digit(b[at + 1])?;
    }
    Some(out)
}

/// An identifier ready to print.
pub struct IdText<'s> {
    pub(super) id: Id,
    pub(super) strings: &'s Strings,
}

impl fmt::Display for IdText<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.id {
            Id::Uuid(b) => {
                for (i, byte) in b.iter().enumerate() {
                    if matches!(i, 4 | 6 | 8 | 10) {
                        f.write_str("-")?;
                    }
                    write!(f, "{byte:02x}")?;
                }
                Ok(())
            }
            Id::Short(len, bytes) => {
                f.write_str(std::str::from_utf8(&bytes[..len as usize]).unwrap_or_default())
            }
            Id::Long(sym, _) => f.write_str(&self.strings[sym]),
        }
    }
}
