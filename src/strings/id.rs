//! Identifiers (`eventID`, `requestID`, an access log's request ID), kept inline when their form
//! allows: one is read for nearly every record kept, and most are unique, so interning them would
//! fill the string table (and its sort when frozen) with strings that never repeat.

use std::fmt;

use xxhash_rust::xxh3::xxh3_64;

use super::{Interner, Strings, Sym};

/// An identifier kept without a heap allocation when it can be: a lower-case UUID as its 16 bytes,
/// a short ID as it is, a longer one of hexadecimal digits packed two a byte, anything else
/// interned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Id {
    /// `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx` in lower-case hex.
    Uuid([u8; 16]),
    /// At most 22 bytes, kept as they are.
    Short(u8, [u8; 22]),
    /// Any other, interned, with a hash of its text that is the same in every run (the symbol's
    /// number is not).
    Long(Sym, [u8; 8]),
    /// 23 to `Id::HEX_DIGITS` hexadecimal digits of one case (OSS request IDs are 24 upper-case
    /// ones), two a byte, the first in the high half; then the number of digits, with the case in
    /// the high bit (set for upper case). IDs of one case and length order as their text does.
    /// The last variant, so that the others hash as they did before it existed.
    Hex([u8; 21], u8),
}

impl Id {
    /// The length of [`Id::to_bytes`].
    pub const BYTES: usize = 24;

    /// The most digits [`Id::Hex`] holds.
    const HEX_DIGITS: usize = 42;

    /// The bit of [`Id::Hex`]'s length byte that says its letters are upper case.
    const HEX_UPPER: u8 = 0x80;

    /// Its bytes, to be written to a temporary file and read back in the same run: a tag, then
    /// the UUID, the length and bytes of a short ID, the packed digits and length of a hex one, or
    /// the number of a long one.
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
            Id::Hex(digits, shape) => {
                out[0] = 3;
                out[1..22].copy_from_slice(&digits);
                out[22] = shape;
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
            3 if (23..=Id::HEX_DIGITS).contains(&usize::from(b[22] & !Id::HEX_UPPER)) => b[1..22]
                .try_into()
                .ok()
                .map(|digits| Id::Hex(digits, b[22])),
            _ => None,
        }
    }

    /// The ID `s`, inline when its form allows (see [`Id`]); `None` when it must be interned.
    fn inline(s: &str) -> Option<Id> {
        if let Some(uuid) = parse_uuid(s) {
            return Some(Id::Uuid(uuid));
        }
        if s.len() <= 22 {
            let mut bytes = [0; 22];
            bytes[..s.len()].copy_from_slice(s.as_bytes());
            return Some(Id::Short(s.len() as u8, bytes));
        }
        pack_hex(s.as_bytes())
    }

    /// For an ID longer than 22 bytes, the hash of its text that [`Id::Long`] keeps, whichever
    /// form holds it: what identifies it across runs.
    pub fn text_hash(self) -> Option<[u8; 8]> {
        match self {
            Id::Long(_, hash) => Some(hash),
            Id::Hex(digits, shape) => {
                let (text, len) = unpack_hex(digits, shape);
                Some(xxh3_64(&text[..len]).to_le_bytes())
            }
            Id::Uuid(_) | Id::Short(..) => None,
        }
    }
}

impl Interner {
    /// An identifier, inline when possible.
    pub fn id(&self, s: &str) -> Id {
        Id::inline(s).unwrap_or_else(|| Id::Long(self.sym(s), xxh3_64(s.as_bytes()).to_le_bytes()))
    }
}

/// [`Id::Hex`] of `b`, if it is 23 to [`Id::HEX_DIGITS`] hexadecimal digits of one case. An ID
/// without letters counts as lower case, so that each text has one form.
fn pack_hex(b: &[u8]) -> Option<Id> {
    if !(23..=Id::HEX_DIGITS).contains(&b.len()) {
        return None;
    }
    let (mut digits, mut cases) = ([0u8; 21], 0);
    for (i, &c) in b.iter().enumerate() {
        let class = HEX[usize::from(c)];
        if class == NOT_HEX {
            return None;
        }
        cases |= class & (UPPER | LOWER);
        let digit = class & 0xf;
        digits[i / 2] |= if i % 2 == 0 { digit << 4 } else { digit };
    }
    let upper = match cases {
        0 | LOWER => false,
        UPPER => true,
        _ => return None,
    };
    let case = if upper { Id::HEX_UPPER } else { 0 };
    Some(Id::Hex(digits, b.len() as u8 | case))
}

/// What each byte is to [`pack_hex`]: its value as a digit, and whether it is a letter of either
/// case; [`NOT_HEX`] for any other byte. A table: this runs for every access-log line kept.
const HEX: [u8; 256] = {
    let mut table = [NOT_HEX; 256];
    let mut i = 0;
    while i < 10 {
        table[b'0' as usize + i] = i as u8;
        i += 1;
    }
    let mut i = 0;
    while i < 6 {
        table[b'A' as usize + i] = (10 + i as u8) | UPPER;
        table[b'a' as usize + i] = (10 + i as u8) | LOWER;
        i += 1;
    }
    table
};
const UPPER: u8 = 0x40;
const LOWER: u8 = 0x20;
const NOT_HEX: u8 = 0xff;

/// The text of an [`Id::Hex`], and its length.
fn unpack_hex(digits: [u8; 21], shape: u8) -> ([u8; Id::HEX_DIGITS], usize) {
    let alphabet = match shape & Id::HEX_UPPER {
        0 => b"0123456789abcdef",
        _ => b"0123456789ABCDEF",
    };
    let len = usize::from(shape & !Id::HEX_UPPER).min(Id::HEX_DIGITS);
    let mut text = [0u8; Id::HEX_DIGITS];
    for (i, c) in text[..len].iter_mut().enumerate() {
        let byte = digits[i / 2];
        *c = alphabet[usize::from(if i % 2 == 0 { byte >> 4 } else { byte & 0xf })];
    }
    (text, len)
}

/// Parses a canonical lower-case UUID.
pub(super) fn parse_uuid(s: &str) -> Option<[u8; 16]> {
    /// Where each byte's two hex digits start in `8-4-4-4-12`.
    const AT: [usize; 16] = [0, 2, 4, 6, 9, 11, 14, 16, 19, 21, 24, 26, 28, 30, 32, 34];
    let b: &[u8; 36] = s.as_bytes().try_into().ok()?;
    if b[8] != b'-' || b[13] != b'-' || b[18] != b'-' || b[23] != b'-' {
        return None;
    }
    // A digit or a lower-case letter: not upper case, and not NOT_HEX (which has that bit).
    let digit = |c: u8| {
        Some(HEX[usize::from(c)])
            .filter(|class| class & UPPER == 0)
            .map(|class| class & 0xf)
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
            Id::Hex(digits, shape) => {
                let (text, len) = unpack_hex(digits, shape);
                f.write_str(std::str::from_utf8(&text[..len]).unwrap_or_default())
            }
            Id::Long(sym, _) => f.write_str(&self.strings[sym]),
        }
    }
}
