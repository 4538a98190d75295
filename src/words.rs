//! How numbers read in the tool's sentences, in every view: `1,234,567`, and `1 duplicate` but
//! `2 duplicates`.

/// `n` with its thousands separated by commas: `1,234,567`.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// `one` for 1, else `many`.
pub fn plural(n: u64, one: &'static str, many: &'static str) -> &'static str {
    if n == 1 { one } else { many }
}

/// `n` and its noun: `1 duplicate`, `2,345 duplicates`.
pub fn count(n: u64, one: &'static str, many: &'static str) -> String {
    format!("{} {}", thousands(n), plural(n, one, many))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn separates_thousands_and_counts_in_words() {
        assert_eq!(thousands(1_234_567), "1,234,567");
        assert_eq!(thousands(123_456), "123,456");
        assert_eq!(thousands(12), "12");
        assert_eq!(thousands(0), "0");
        assert_eq!(count(1, "file", "files"), "1 file");
        assert_eq!(count(0, "file", "files"), "0 files");
        assert_eq!(count(2_345, "duplicate", "duplicates"), "2,345 duplicates");
        assert_eq!(plural(1, "was", "were"), "was");
    }
}
