//! Percent-encoding, as S3 writes it in access logs and in `x-amz-copy-source`.

/// [`percent_decode`], borrowing the text when there is nothing to decode (most keys).
pub fn percent_decoded(s: &[u8]) -> std::borrow::Cow<'_, str> {
    match std::str::from_utf8(s) {
        Ok(text) if memchr::memchr(b'%', s).is_none() => std::borrow::Cow::Borrowed(text),
        _ => std::borrow::Cow::Owned(percent_decode(s)),
    }
}

/// Decodes `%XX` escapes (invalid ones are kept as written; `+` stays `+`).
pub fn percent_decode(s: &[u8]) -> String {
    let mut out = Vec::with_capacity(s.len());
    let mut i = 0;
    while i < s.len() {
        let hex = |c: u8| (c as char).to_digit(16);
        match (
            s[i],
            s.get(i + 1).and_then(|&c| hex(c)),
            s.get(i + 2).and_then(|&c| hex(c)),
        ) {
            (b'%', Some(hi), Some(lo)) => {
                out.push((hi * 16 + lo) as u8);
                i += 3;
            }
            (c, ..) => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The bucket and key an `x-amz-copy-source` names: cut at the first `?` (a version ID),
/// percent-decoded (`+` stays `+`), one leading `/` dropped, split at the first `/`; an
/// access-point ARN stays whole as the bucket, up to `/object/`.
pub fn copy_source(raw: &str) -> Option<(String, String)> {
    let raw = raw.split('?').next().unwrap_or_default();
    let decoded = percent_decode(raw.as_bytes());
    let path = decoded.strip_prefix('/').unwrap_or(&decoded);
    if path.starts_with("arn:") {
        let (bucket, key) = path.split_once("/object/")?;
        return Some((bucket.to_owned(), key.to_owned()));
    }
    let (bucket, key) = path.split_once('/')?;
    (!bucket.is_empty() && !key.is_empty()).then(|| (bucket.to_owned(), key.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_escapes_and_keeps_invalid_ones() {
        assert_eq!(percent_decode(b"a%20b%2Fc%zz%4"), "a b/c%zz%4");
        assert_eq!(percent_decode(b"a+b"), "a+b");
    }

    #[test]
    fn copy_sources_are_cut_decoded_and_split() {
        for (raw, bucket, key) in [
            ("src-bucket/a/b.bin", "src-bucket", "a/b.bin"),
            (
                "/src-bucket/a%20b+c.bin?versionId=3",
                "src-bucket",
                "a b+c.bin",
            ),
            (
                "arn:aws:s3:us-west-2:1:accesspoint/ap/object/reports/x.csv",
                "arn:aws:s3:us-west-2:1:accesspoint/ap",
                "reports/x.csv",
            ),
        ] {
            assert_eq!(
                copy_source(raw),
                Some((bucket.to_owned(), key.to_owned())),
                "{raw}"
            );
        }
        assert_eq!(copy_source("no-key"), None);
    }
}
