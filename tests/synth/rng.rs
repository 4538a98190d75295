//! A small deterministic random number generator (SplitMix64): the same seed gives the same
//! data on every machine, so generated fixtures can be committed and checked.

pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n`.
    pub fn below(&mut self, n: u64) -> u64 {
        if n == 0 { 0 } else { self.next() % n }
    }

    /// A number in `lo..=hi`.
    pub fn range(&mut self, lo: i64, hi: i64) -> i64 {
        lo + self.below((hi - lo + 1) as u64) as i64
    }

    /// True with probability `p`.
    pub fn chance(&mut self, p: f64) -> bool {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64 <= p
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }

    fn chars(&mut self, alphabet: &[u8], n: usize) -> String {
        (0..n)
            .map(|_| alphabet[self.below(alphabet.len() as u64) as usize] as char)
            .collect()
    }

    /// An `eventID`: a version-4 UUID.
    pub fn uuid(&mut self) -> String {
        let h = self.chars(b"0123456789abcdef", 32);
        format!(
            "{}-{}-4{}-a{}-{}",
            &h[..8],
            &h[8..12],
            &h[13..16],
            &h[17..20],
            &h[20..32]
        )
    }

    /// A `requestID`: 16 upper-case letters and digits.
    pub fn request_id(&mut self) -> String {
        self.chars(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", 16)
    }

    /// An S3 upload ID: opaque, case-sensitive, from `[A-Za-z0-9._-]`, often ending in `--`.
    pub fn upload_id(&mut self) -> String {
        let body = self.chars(
            b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._",
            78,
        );
        format!("{body}--")
    }

    /// An `x-amz-id-2` host ID.
    pub fn host_id(&mut self) -> String {
        self.chars(
            b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/",
            76,
        )
    }

    /// The random part of a CloudTrail log file name.
    pub fn file_suffix(&mut self) -> String {
        self.chars(
            b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
            16,
        )
    }

    /// Upper-case hex digits: an OSS request ID is 24 of them, an OSS upload ID 32.
    pub fn hex(&mut self, n: usize) -> String {
        self.chars(b"0123456789ABCDEF", n)
    }
}
