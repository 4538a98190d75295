//! Finding the end of a JSON object or array 64 bytes at a time.
//!
//! Most of the bytes of a CloudTrail file sit in nested objects the analysis never reads
//! (`userIdentity`, `requestParameters`, `responseElements`, …). To skip one, only brackets
//! outside strings matter. Each 64-byte block is turned into bitmasks of its quotes and brackets
//! (with AVX-512 where the CPU has it, one comparison a mask; else with SSE2 on x86_64, where it
//! is always present; with plain integer code elsewhere); a prefix-XOR over the quote mask (one
//! carry-less multiplication with AVX-512's companion PCLMULQDQ) marks the bytes inside strings;
//! the remaining brackets are matched by depth, checking that each closes the kind it opened.
//! Blocks that hold a backslash are classified byte by byte, which handles escapes simply and is
//! rare in CloudTrail.
//!
//! Unlike [`super::skim::skip_value`], this does not check commas, colons and literals inside
//! the skipped value; serde checks them for every record that is parsed.

use super::skim::{MAX_DEPTH, SkimError};

const BLOCK: usize = 64;

/// Bitmasks of one block: bit `i` describes byte `i`.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
struct Masks {
    quote: u64,
    backslash: u64,
    /// `{` or `[`.
    open: u64,
    /// `}` or `]`.
    close: u64,
}

#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn masks(block: &[u8; BLOCK]) -> Masks {
    use std::arch::x86_64::{
        __m128i, _mm_cmpeq_epi8, _mm_loadu_si128, _mm_movemask_epi8, _mm_or_si128, _mm_set1_epi8,
    };
    let mut m = Masks::default();
    for k in 0..BLOCK / 16 {
        // SAFETY: SSE2 is part of the x86_64 baseline, and the load reads the 16 bytes
        // block[16k..16k+16], which lie inside the 64-byte array.
        let (quote, backslash, open, close) = unsafe {
            let v = _mm_loadu_si128(block.as_ptr().add(16 * k).cast::<__m128i>());
            // `{` 0x7B and `[` 0x5B, `}` 0x7D and `]` 0x5D differ only in bit 0x20.
            let folded = _mm_or_si128(v, _mm_set1_epi8(0x20));
            let bits = |x, c: u8| {
                _mm_movemask_epi8(_mm_cmpeq_epi8(x, _mm_set1_epi8(c as i8))) as u16 as u64
            };
            (
                bits(v, b'"'),
                bits(v, b'\\'),
                bits(folded, b'{'),
                bits(folded, b'}'),
            )
        };
        m.quote |= quote << (16 * k);
        m.backslash |= backslash << (16 * k);
        m.open |= open << (16 * k);
        m.close |= close << (16 * k);
    }
    m
}

#[cfg(not(target_arch = "x86_64"))]
#[inline(always)]
fn masks(block: &[u8; BLOCK]) -> Masks {
    let mut m = Masks::default();
    for (i, &c) in block.iter().enumerate() {
        let bit = 1u64 << i;
        match c {
            b'"' => m.quote |= bit,
            b'\\' => m.backslash |= bit,
            b'{' | b'[' => m.open |= bit,
            b'}' | b']' => m.close |= bit,
            _ => {}
        }
    }
    m
}

/// Bit `i` of the result is the XOR of bits `0..=i` of `x`.
fn prefix_xor(mut x: u64) -> u64 {
    x ^= x << 1;
    x ^= x << 2;
    x ^= x << 4;
    x ^= x << 8;
    x ^= x << 16;
    x ^= x << 32;
    x
}

/// [`masks`] with AVX-512: one comparison gives the 64-bit mask of a whole block.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512bw")]
fn masks_avx512(block: &[u8; BLOCK]) -> Masks {
    use std::arch::x86_64::{
        __m512i, _mm512_cmpeq_epi8_mask, _mm512_loadu_si512, _mm512_or_si512, _mm512_set1_epi8,
    };
    // SAFETY: the load reads the 64 bytes of `block`, an array of 64 bytes.
    let v = unsafe { _mm512_loadu_si512(block.as_ptr().cast::<__m512i>()) };
    let folded = _mm512_or_si512(v, _mm512_set1_epi8(0x20));
    let bits = |x, c: u8| _mm512_cmpeq_epi8_mask(x, _mm512_set1_epi8(c as i8));
    Masks {
        quote: bits(v, b'"'),
        backslash: bits(v, b'\\'),
        open: bits(folded, b'{'),
        close: bits(folded, b'}'),
    }
}

/// [`prefix_xor`] as one carry-less multiplication by all ones.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "pclmulqdq")]
fn prefix_xor_clmul(x: u64) -> u64 {
    use std::arch::x86_64::{_mm_clmulepi64_si128, _mm_cvtsi128_si64, _mm_set_epi64x};
    let product = _mm_clmulepi64_si128(_mm_set_epi64x(0, x as i64), _mm_set_epi64x(0, -1), 0);
    _mm_cvtsi128_si64(product) as u64
}

/// The state carried from one block to the next.
#[derive(Default)]
struct Carry {
    /// The block ended inside a string.
    in_string: bool,
    /// The block ended with a backslash that escapes the next block's first byte.
    escape: bool,
}

/// The brackets of a block that lie outside strings, as (open, close) masks, from its masks.
#[inline(always)]
fn structural(
    block: &[u8; BLOCK],
    m: Masks,
    prefix_xor: impl Fn(u64) -> u64,
    carry: &mut Carry,
) -> (u64, u64) {
    if m.backslash == 0 && !carry.escape {
        let inside = prefix_xor(m.quote) ^ if carry.in_string { u64::MAX } else { 0 };
        carry.in_string = inside >> 63 == 1;
        return (m.open & !inside, m.close & !inside);
    }
    // Escapes: walk the block byte by byte.
    let (mut open, mut close) = (0, 0);
    for (i, &c) in block.iter().enumerate() {
        if carry.escape {
            carry.escape = false;
        } else if carry.in_string {
            match c {
                b'\\' => carry.escape = true,
                b'"' => carry.in_string = false,
                _ => {}
            }
        } else {
            match c {
                b'"' => carry.in_string = true,
                b'{' | b'[' => open |= 1 << i,
                b'}' | b']' => close |= 1 << i,
                _ => {}
            }
        }
    }
    (open, close)
}

fn pad(tail: &[u8]) -> [u8; BLOCK] {
    let mut block = [b' '; BLOCK];
    block[..tail.len()].copy_from_slice(tail);
    block
}

/// Given that `b[i]` opens an object or array `depth` levels below the top, returns the offset
/// just past the bracket that closes it.
pub fn skip_container(b: &[u8], i: usize, depth: usize) -> Result<usize, SkimError> {
    #[cfg(target_arch = "x86_64")]
    if avx512() {
        // SAFETY: the CPU has the features the function is compiled for.
        return unsafe { skip_container_avx512(b, i, depth) };
    }
    skip_with(b, i, depth, masks, prefix_xor)
}

/// Whether the CPU has what [`skip_container_avx512`] is compiled for (the answer is cached).
#[cfg(target_arch = "x86_64")]
fn avx512() -> bool {
    std::arch::is_x86_feature_detected!("avx512bw")
        && std::arch::is_x86_feature_detected!("pclmulqdq")
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512bw,pclmulqdq")]
fn skip_container_avx512(b: &[u8], i: usize, depth: usize) -> Result<usize, SkimError> {
    skip_with(
        b,
        i,
        depth,
        |block| masks_avx512(block),
        |x| prefix_xor_clmul(x),
    )
}

/// [`skip_container`] with the given ways of making a block's masks and its prefix-XOR.
#[inline(always)]
fn skip_with(
    b: &[u8],
    i: usize,
    depth: usize,
    masks: impl Fn(&[u8; BLOCK]) -> Masks,
    prefix_xor: impl Fn(u64) -> u64 + Copy,
) -> Result<usize, SkimError> {
    // Which kind each open bracket is (1 = object), as a bit stack.
    let mut kinds = [0u64; MAX_DEPTH / 64];
    let mut level = depth;
    let mut carry = Carry::default();
    let mut base = i;
    let mut padded = None;
    while base < b.len() {
        let end = (base + BLOCK).min(b.len());
        let block = match b[base..].first_chunk::<BLOCK>() {
            Some(full) => full,
            // The last, short block: spaces after the end change nothing.
            None => &*padded.insert(pad(&b[base..end])),
        };
        let (open, close) = structural(block, masks(block), prefix_xor, &mut carry);
        let mut events = open | close;
        while events != 0 {
            let bit = events.trailing_zeros() as usize;
            events &= events - 1;
            let at = base + bit;
            let object = block[bit] & 0x20 != 0; // `{`/`}` have bit 0x20 set, `[`/`]` do not
            if open >> bit & 1 == 1 {
                if level == MAX_DEPTH {
                    return Err(SkimError::TooDeep { at });
                }
                let (word, shift) = (level / 64, level % 64);
                kinds[word] = kinds[word] & !(1 << shift) | u64::from(object) << shift;
                level += 1;
            } else {
                if level == depth {
                    return Err(SkimError::Unexpected { at });
                }
                level -= 1;
                if (kinds[level / 64] >> (level % 64) & 1 == 1) != object {
                    return Err(SkimError::Unexpected { at });
                }
                if level == depth {
                    return Ok(at + 1);
                }
            }
        }
        base = end;
    }
    Err(SkimError::Truncated)
}

#[cfg(test)]
mod tests {
    use super::super::skim;
    use super::*;

    type Skipper = fn(&[u8], usize, usize) -> Result<usize, SkimError>;

    /// Every way of skipping this machine has: the baseline one, and AVX-512 where it runs.
    fn skippers() -> Vec<Skipper> {
        let mut all: Vec<Skipper> = vec![|b, i, depth| skip_with(b, i, depth, masks, prefix_xor)];
        #[cfg(target_arch = "x86_64")]
        if avx512() {
            // SAFETY: the CPU has the features the function is compiled for.
            all.push(|b, i, depth| unsafe { skip_container_avx512(b, i, depth) });
        }
        all
    }

    /// The scalar skipper is the reference: each fast one must agree on where a container ends.
    fn agree(s: &str) {
        let b = s.as_bytes();
        let start = skim::skip_ws(b, 0);
        let slow = skim::skip_value(b, start, 0);
        for skip in skippers() {
            let fast = skip(b, start, 0);
            match slow {
                Ok(end) => assert_eq!(fast, Ok(end), "{s:?}"),
                Err(SkimError::Truncated) => assert_eq!(fast, Err(SkimError::Truncated), "{s:?}"),
                Err(_) => {} // the scalar skipper also rejects commas and literals these skip
            }
        }
    }

    #[cfg(target_arch = "x86_64")]
    #[test]
    fn avx512_masks_and_clmul_agree_with_the_baseline() {
        if !avx512() {
            return;
        }
        // Blocks of the bytes that matter, in a sequence that covers every pair many times.
        let alphabet = b"\"\\{}[]a ";
        let mut state = 0x9E37_79B9_7F4A_7C15_u64;
        for _ in 0..10_000 {
            let mut block = [0u8; BLOCK];
            for byte in &mut block {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                *byte = alphabet[(state % alphabet.len() as u64) as usize];
            }
            // SAFETY: the CPU has the features the functions are compiled for (checked above).
            let (fast, clmul) = unsafe { (masks_avx512(&block), prefix_xor_clmul(state)) };
            assert_eq!(fast, masks(&block), "{:?}", String::from_utf8_lossy(&block));
            assert_eq!(clmul, prefix_xor(state));
        }
    }

    #[test]
    fn agrees_with_the_scalar_skipper() {
        for s in [
            "{}",
            "[]",
            r#"{"a":{"b":[1,2,{"c":"}]"}]}} tail"#,
            r#"{"a":"x\"}\\"}"#,
            r#"{"a":"\\\\\\\\"}"#,
            r#"["\\", "\"", "]"]"#,
            r#"{"deep":[[[[[[[[]]]]]]]]}"#,
            r#"{"a": "unterminated"#,
            r#"{"a": ["#,
        ] {
            agree(s);
        }
    }

    #[test]
    fn agrees_across_block_boundaries() {
        // Strings, escapes and brackets placed on every offset around the 64-byte boundaries.
        for pad in 0..140 {
            for tail in [r#""x\"y""#, r#""\\""#, r#""a\\\"b""#, "[1,{}]", r#""{[}]""#] {
                let s = format!(
                    r#"{{"p":"{}","v":[{tail},{{"k":{tail}}}]}}"#,
                    "z".repeat(pad)
                );
                agree(&s);
                agree(&s[..s.len() - 1]);
            }
        }
    }

    #[test]
    fn rejects_mismatched_brackets_and_limits_depth() {
        assert_eq!(
            skip_container(b"{]", 0, 0),
            Err(SkimError::Unexpected { at: 1 })
        );
        assert_eq!(
            skip_container(b"[}", 0, 0),
            Err(SkimError::Unexpected { at: 1 })
        );
        let deep = "[".repeat(MAX_DEPTH + 1);
        assert_eq!(
            skip_container(deep.as_bytes(), 0, 0),
            Err(SkimError::TooDeep { at: MAX_DEPTH })
        );
    }

    #[test]
    fn prefix_xor_marks_strings() {
        // Quotes at 1 and 4: bytes 1..4 are inside.
        assert_eq!(prefix_xor(0b10010), 0b01110);
    }
}
