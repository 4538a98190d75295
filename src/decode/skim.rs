//! A structural JSON walker: finds where values begin and end without building them.
//!
//! Most CloudTrail records are not about multipart uploads. Fully parsing them would cost as much as
//! decompressing them, so `frame` walks each file with these functions: it looks at the top-level
//! keys of every object, reads a handful of short strings, and skips everything else at memchr
//! speed. Only the records that matter are handed to serde.
//!
//! The walker checks the structure (brackets, commas, colons, string ends, literals, nesting depth)
//! but not the content of skipped strings and numbers; serde checks those for the records it parses.

use std::borrow::Cow;

use super::brackets;

/// How deeply values may nest. serde_json stops at 128 too.
pub const MAX_DEPTH: usize = 128;

/// Why the walker stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SkimError {
    /// The input ended inside a value.
    Truncated,
    /// A byte that cannot appear here.
    Unexpected {
        /// Offset of the byte.
        at: usize,
    },
    /// Values nested deeper than [`MAX_DEPTH`].
    TooDeep {
        /// Offset of the opening bracket that went too deep.
        at: usize,
    },
}

impl std::fmt::Display for SkimError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SkimError::Truncated => f.write_str("the JSON ends in the middle of a value"),
            SkimError::Unexpected { at } => write!(f, "invalid JSON at byte {at}"),
            SkimError::TooDeep { at } => {
                write!(f, "JSON nested deeper than {MAX_DEPTH} levels at byte {at}")
            }
        }
    }
}

type Result<T, E = SkimError> = std::result::Result<T, E>;

/// A JSON string as it appears in the input, without its quotes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RawStr<'a> {
    /// The bytes between the quotes, escapes still escaped.
    pub raw: &'a [u8],
    escaped: bool,
}

impl<'a> RawStr<'a> {
    /// The string whose bytes between the quotes are `raw`, which holds no escape.
    pub fn plain(raw: &'a [u8]) -> RawStr<'a> {
        RawStr {
            raw,
            escaped: false,
        }
    }

    /// The bytes between the quotes, if they hold no escape (they are then the string's bytes).
    pub fn unescaped(&self) -> Option<&'a [u8]> {
        (!self.escaped).then_some(self.raw)
    }

    /// Whether the string equals `s` once unescaped.
    pub fn is(&self, s: &str) -> bool {
        if !self.escaped {
            return self.raw == s.as_bytes();
        }
        self.decode().is_some_and(|d| d == s)
    }

    /// The unescaped bytes (for comparing with known names without checking UTF-8).
    pub fn bytes(&self) -> Cow<'a, [u8]> {
        if !self.escaped {
            return Cow::Borrowed(self.raw);
        }
        Cow::Owned(
            unescape(self.raw)
                .map(String::into_bytes)
                .unwrap_or_default(),
        )
    }

    /// The unescaped text; `None` if it is not valid UTF-8 or holds a bad escape.
    pub fn decode(&self) -> Option<Cow<'a, str>> {
        if !self.escaped {
            return std::str::from_utf8(self.raw).ok().map(Cow::Borrowed);
        }
        unescape(self.raw).map(Cow::Owned)
    }
}

/// Decodes the body of a JSON string (the bytes between its quotes).
fn unescape(raw: &[u8]) -> Option<String> {
    let mut quoted = Vec::with_capacity(raw.len() + 2);
    quoted.push(b'"');
    quoted.extend_from_slice(raw);
    quoted.push(b'"');
    serde_json::from_slice(&quoted).ok()
}

#[inline]
fn byte(b: &[u8], i: usize) -> Result<u8> {
    b.get(i).copied().ok_or(SkimError::Truncated)
}

/// The offset of the first byte at or after `i` that is not JSON whitespace.
#[inline]
pub fn skip_ws(b: &[u8], mut i: usize) -> usize {
    while let Some(c) = b.get(i) {
        if !matches!(c, b' ' | b'\n' | b'\r' | b'\t') {
            break;
        }
        i += 1;
    }
    i
}

/// The offset of the first `"` or `\\` at or after `j`.
///
/// Most JSON strings are short, where a SIMD search costs more to set up than it saves, so this
/// looks at 8 bytes at a time with integer arithmetic (SWAR).
#[inline]
fn find_quote_or_backslash(b: &[u8], mut j: usize) -> Option<usize> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    while let Some(chunk) = b.get(j..).and_then(|rest| rest.first_chunk::<8>()) {
        let x = u64::from_le_bytes(*chunk);
        let (q, s) = (x ^ (ONES * u64::from(b'"')), x ^ (ONES * u64::from(b'\\')));
        // A byte of `q` or `s` is zero where `x` holds a quote or a backslash; the lowest flagged
        // byte is always a true match.
        let hits = (q.wrapping_sub(ONES) & !q | s.wrapping_sub(ONES) & !s) & HIGH;
        if hits != 0 {
            return Some(j + (hits.trailing_zeros() / 8) as usize);
        }
        j += 8;
    }
    b.get(j..)?
        .iter()
        .position(|&c| c == b'"' || c == b'\\')
        .map(|k| j + k)
}

/// Given `b[i] == '"'`, returns the offset just past the closing quote and whether the string
/// holds escapes.
#[inline]
fn skip_string(b: &[u8], i: usize) -> Result<(usize, bool)> {
    let mut j = i + 1;
    let mut escaped = false;
    loop {
        let at = find_quote_or_backslash(b, j).ok_or(SkimError::Truncated)?;
        if b[at] == b'"' {
            return Ok((at + 1, escaped));
        }
        escaped = true;
        // A backslash escapes the next byte; `\uXXXX` needs no special care because hex digits
        // are never quotes or backslashes.
        j = at + 2;
    }
}

/// Reads the string that starts at `i` (which must hold `"`): returns it and the offset past it.
#[inline]
pub fn read_string(b: &[u8], i: usize) -> Result<(RawStr<'_>, usize)> {
    if byte(b, i)? != b'"' {
        return Err(SkimError::Unexpected { at: i });
    }
    let (end, escaped) = skip_string(b, i)?;
    Ok((
        RawStr {
            raw: &b[i + 1..end - 1],
            escaped,
        },
        end,
    ))
}

/// The string value at `i`, if the value there is a string.
#[inline]
pub fn string_at(b: &[u8], i: usize) -> Option<RawStr<'_>> {
    read_string(b, i).ok().map(|(s, _)| s)
}

fn skip_literal(b: &[u8], i: usize, word: &[u8]) -> Result<usize> {
    match b.get(i..i + word.len()) {
        Some(s) if s == word => Ok(i + word.len()),
        Some(_) => Err(SkimError::Unexpected { at: i }),
        None if word.starts_with(&b[i..]) => Err(SkimError::Truncated),
        None => Err(SkimError::Unexpected { at: i }),
    }
}

fn skip_number(b: &[u8], mut i: usize) -> usize {
    while let Some(c) = b.get(i) {
        if !matches!(c, b'0'..=b'9' | b'-' | b'+' | b'.' | b'e' | b'E') {
            break;
        }
        i += 1;
    }
    i
}

/// Which container each open bracket belongs to, as a bit stack (1 = object).
struct Nesting {
    bits: [u64; MAX_DEPTH / 64],
    depth: usize,
}

impl Nesting {
    fn push(&mut self, object: bool, at: usize) -> Result<()> {
        if self.depth == MAX_DEPTH {
            return Err(SkimError::TooDeep { at });
        }
        let (word, bit) = (self.depth / 64, self.depth % 64);
        if object {
            self.bits[word] |= 1 << bit;
        } else {
            self.bits[word] &= !(1 << bit);
        }
        self.depth += 1;
        Ok(())
    }

    fn top_is_object(&self) -> bool {
        let d = self.depth - 1;
        self.bits[d / 64] & (1 << (d % 64)) != 0
    }
}

/// Skips the value that starts at `i` (after optional whitespace), `depth` levels below the top;
/// returns the offset just past it.
#[inline]
pub fn skip_value(b: &[u8], i: usize, depth: usize) -> Result<usize> {
    let i = skip_ws(b, i);
    match byte(b, i)? {
        b'"' => Ok(skip_string(b, i)?.0),
        b'-' | b'0'..=b'9' => Ok(skip_number(b, i)),
        b'{' | b'[' => skip_container(b, i, depth),
        b't' => skip_literal(b, i, b"true"),
        b'f' => skip_literal(b, i, b"false"),
        b'n' => skip_literal(b, i, b"null"),
        _ => Err(SkimError::Unexpected { at: i }),
    }
}

/// Like [`skip_value`], but an object or array is skipped by `brackets::skip_container`: many
/// times faster, checking only its brackets. For values the decoder does not read.
#[inline]
pub fn skip_nested(b: &[u8], i: usize, depth: usize) -> Result<usize> {
    match b.get(i) {
        Some(b'{' | b'[') => brackets::skip_container(b, i, depth),
        _ => skip_value(b, i, depth),
    }
}

fn skip_container(b: &[u8], i: usize, depth: usize) -> Result<usize> {
    let mut nest = Nesting {
        bits: [0; MAX_DEPTH / 64],
        depth,
    };
    let base = depth;
    let mut i = skip_ws(b, i);
    'value: loop {
        // A value starts at `i`.
        match byte(b, i)? {
            b'{' => {
                let j = skip_ws(b, i + 1);
                if byte(b, j)? == b'}' {
                    i = j + 1;
                } else {
                    nest.push(true, i)?;
                    i = skip_key(b, j)?;
                    continue 'value;
                }
            }
            b'[' => {
                let j = skip_ws(b, i + 1);
                if byte(b, j)? == b']' {
                    i = j + 1;
                } else {
                    nest.push(false, i)?;
                    i = j;
                    continue 'value;
                }
            }
            b'"' => i = skip_string(b, i)?.0,
            b't' => i = skip_literal(b, i, b"true")?,
            b'f' => i = skip_literal(b, i, b"false")?,
            b'n' => i = skip_literal(b, i, b"null")?,
            b'-' | b'0'..=b'9' => i = skip_number(b, i),
            _ => return Err(SkimError::Unexpected { at: i }),
        }
        // A value ended just before `i`: close containers until one continues.
        loop {
            if nest.depth == base {
                return Ok(i);
            }
            i = skip_ws(b, i);
            match byte(b, i)? {
                b',' => {
                    let j = skip_ws(b, i + 1);
                    i = if nest.top_is_object() {
                        skip_key(b, j)?
                    } else {
                        j
                    };
                    continue 'value;
                }
                b'}' if nest.top_is_object() => {
                    nest.depth -= 1;
                    i += 1;
                }
                b']' if !nest.top_is_object() => {
                    nest.depth -= 1;
                    i += 1;
                }
                _ => return Err(SkimError::Unexpected { at: i }),
            }
        }
    }
}

/// Skips `"key" :` starting at `i`; returns the offset of the value.
#[inline]
fn skip_key(b: &[u8], i: usize) -> Result<usize> {
    let (_, end) = read_string(b, i)?;
    let j = skip_ws(b, end);
    if byte(b, j)? != b':' {
        return Err(SkimError::Unexpected { at: j });
    }
    Ok(skip_ws(b, j + 1))
}

/// The members of an object, one at a time: [`walk_object`] as a cursor, for a caller that reads
/// each key its own way or acts on each member with state a closure could not borrow.
pub struct Members {
    /// Where the next member's key starts; once the last member was read, the offset just past
    /// the object.
    at: usize,
    done: bool,
}

impl Members {
    /// The members of the object at `i` (which must hold `{`).
    pub fn of(b: &[u8], i: usize) -> Result<Members> {
        if byte(b, i)? != b'{' {
            return Err(SkimError::Unexpected { at: i });
        }
        let first = skip_ws(b, i + 1);
        let done = byte(b, first)? == b'}';
        Ok(Members {
            at: if done { first + 1 } else { first },
            done,
        })
    }

    /// Where the next member's key starts (a string, if the object is whole); `None` after the
    /// last member.
    pub fn key(&self) -> Option<usize> {
        (!self.done).then_some(self.at)
    }

    /// Where the value starts, given the offset just past its key's closing quote.
    pub fn value(&self, b: &[u8], key_end: usize) -> Result<usize> {
        let colon = skip_ws(b, key_end);
        if byte(b, colon)? != b':' {
            return Err(SkimError::Unexpected { at: colon });
        }
        Ok(skip_ws(b, colon + 1))
    }

    /// Reads what follows a value that ended just before `end`: a comma before the next member,
    /// or the end of the object.
    pub fn value_ends(&mut self, b: &[u8], end: usize) -> Result<()> {
        let after = skip_ws(b, end);
        match byte(b, after)? {
            b',' => self.at = skip_ws(b, after + 1),
            b'}' => (self.at, self.done) = (after + 1, true),
            _ => return Err(SkimError::Unexpected { at: after }),
        }
        Ok(())
    }

    /// The offset just past the object, once its last member was read.
    pub fn end(&self) -> usize {
        self.at
    }
}

/// Walks the members of the object at `i` (which must hold `{`). For each member, `visit` gets the
/// key and the offset of the value and must return the offset just past the value, for example by
/// calling [`skip_value`]. Returns the offset just past the object.
pub fn walk_object<'a, E: From<SkimError>>(
    b: &'a [u8],
    i: usize,
    mut visit: impl FnMut(RawStr<'a>, usize) -> Result<usize, E>,
) -> Result<usize, E> {
    let mut members = Members::of(b, i)?;
    while let Some(at) = members.key() {
        let (key, end) = read_string(b, at)?;
        let value = members.value(b, end)?;
        members.value_ends(b, visit(key, value)?)?;
    }
    Ok(members.end())
}

/// Walks the elements of the array at `i` (which must hold `[`). `visit` gets the offset of each
/// element and returns the offset just past it. Returns the offset just past the array.
pub fn walk_array<E: From<SkimError>>(
    b: &[u8],
    i: usize,
    mut visit: impl FnMut(usize) -> Result<usize, E>,
) -> Result<usize, E> {
    if byte(b, i)? != b'[' {
        return Err(SkimError::Unexpected { at: i }.into());
    }
    let mut j = skip_ws(b, i + 1);
    if byte(b, j)? == b']' {
        return Ok(j + 1);
    }
    loop {
        j = skip_ws(b, visit(j)?);
        match byte(b, j)? {
            b',' => j = skip_ws(b, j + 1),
            b']' => return Ok(j + 1),
            _ => return Err(SkimError::Unexpected { at: j }.into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn skip(s: &str) -> Result<usize> {
        skip_value(s.as_bytes(), 0, 0)
    }

    #[test]
    fn skips_every_kind_of_value() {
        for (input, end) in [
            ("{}", 2),
            ("[]", 2),
            (r#"{"a":1}"#, 7),
            (r#"{"a":[1,2,{"b":"}"}]} tail"#, 21),
            (r#""str\"ing""#, 10),
            ("true,", 4),
            ("null", 4),
            ("-1.5e+3]", 7),
            (r#"[ { "x" : [ ] } , "y" ]"#, 23),
        ] {
            assert_eq!(skip(input), Ok(end), "{input}");
        }
    }

    #[test]
    fn reports_truncation_and_garbage() {
        assert_eq!(skip(r#"{"a":"#), Err(SkimError::Truncated));
        assert_eq!(skip(r#"{"a":"unterminated"#), Err(SkimError::Truncated));
        assert_eq!(skip("tr"), Err(SkimError::Truncated));
        assert_eq!(skip(r#"{"a" 1}"#), Err(SkimError::Unexpected { at: 5 }));
        assert_eq!(skip(r#"{"a":1]"#), Err(SkimError::Unexpected { at: 6 }));
        assert_eq!(skip("[1 2]"), Err(SkimError::Unexpected { at: 3 }));
        assert_eq!(skip("{1:2}"), Err(SkimError::Unexpected { at: 1 }));
        assert_eq!(skip("xyz"), Err(SkimError::Unexpected { at: 0 }));
    }

    #[test]
    fn limits_nesting() {
        // MAX_DEPTH open containers around an empty one are fine; one more is not.
        let ok = "[".repeat(MAX_DEPTH + 1) + &"]".repeat(MAX_DEPTH + 1);
        assert_eq!(skip(&ok), Ok(2 * MAX_DEPTH + 2));
        let deep = "[".repeat(MAX_DEPTH + 2) + &"]".repeat(MAX_DEPTH + 2);
        assert_eq!(skip(&deep), Err(SkimError::TooDeep { at: MAX_DEPTH }));
    }

    #[test]
    fn walks_members_and_elements() {
        let doc = br#"{"a": [1, "two"], "b\u0021": {"c": null}}"#;
        let mut seen = Vec::new();
        let end = walk_object::<SkimError>(doc, 0, |key, at| {
            seen.push(key.decode().unwrap().into_owned());
            skip_value(doc, at, 1)
        })
        .unwrap();
        assert_eq!(end, doc.len());
        assert_eq!(seen, ["a", "b!"]);

        let mut starts = Vec::new();
        walk_array::<SkimError>(b"[1, {\"x\":2} ,3]", 0, |at| {
            starts.push(at);
            skip_value(b"[1, {\"x\":2} ,3]", at, 1)
        })
        .unwrap();
        assert_eq!(starts, [1, 4, 13]);
    }

    #[test]
    fn walks_objects_to_their_end_or_to_what_breaks_them() {
        type Walk = (Vec<(&'static str, usize)>, Result<usize>);
        let cases: [(&[u8], Walk); 13] = [
            (br#"{"a":1,"b":[2]}"#, (vec![("a", 5), ("b", 11)], Ok(15))),
            (
                br#"{ "a" : 1 , "b" : "x" }"#,
                (vec![("a", 8), ("b", 18)], Ok(23)),
            ),
            (b"{}", (vec![], Ok(2))),
            (b"{ }", (vec![], Ok(3))),
            (b"{", (vec![], Err(SkimError::Truncated))),
            (b"", (vec![], Err(SkimError::Truncated))),
            (b"[1]", (vec![], Err(SkimError::Unexpected { at: 0 }))),
            (
                br#"{"a":1,}"#,
                (vec![("a", 5)], Err(SkimError::Unexpected { at: 7 })),
            ),
            (
                br#"{"a" 1}"#,
                (vec![], Err(SkimError::Unexpected { at: 5 })),
            ),
            (br#"{"a":1"#, (vec![("a", 5)], Err(SkimError::Truncated))),
            (
                br#"{"a":1 x"#,
                (vec![("a", 5)], Err(SkimError::Unexpected { at: 7 })),
            ),
            (br#"{"a"#, (vec![], Err(SkimError::Truncated))),
            (b"{a:1}", (vec![], Err(SkimError::Unexpected { at: 1 }))),
        ];
        for (doc, (members, end)) in cases {
            let mut seen = Vec::new();
            let walked = walk_object::<SkimError>(doc, 0, |key, at| {
                seen.push((key.decode().unwrap_or_default().into_owned(), at));
                skip_value(doc, at, 1)
            });
            let members: Vec<_> = members.iter().map(|&(k, at)| (k.to_owned(), at)).collect();
            assert_eq!(
                (seen, walked),
                (members, end),
                "{}",
                String::from_utf8_lossy(doc)
            );
        }
    }

    #[test]
    fn compares_raw_strings_with_escapes() {
        let (s, _) = read_string(br#""UploadPart""#, 0).unwrap();
        assert!(s.is("UploadPart"));
        let (s, _) = read_string(br#""Upload\u0050art""#, 0).unwrap();
        assert!(s.is("UploadPart"));
        assert!(!s.is("UploadPartCopy"));
    }
}
