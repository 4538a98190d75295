//! S3 server access logs: one request per line, in space-separated fields.
//!
//! The format (https://docs.aws.amazon.com/AmazonS3/latest/userguide/LogFormat.html, and
//! `reference/cloudtrail-formats.md` §2.3): owner, bucket, `[time]`, remote IP, requester,
//! request ID, operation, key, `"request URI"`, HTTP status, error code, bytes sent, object size,
//! total time, turn-around time, `"referer"`, `"user agent"`, then version ID, host ID and newer
//! fields that AWS appends over the years (lines have 18 to 26 fields and more; unknown trailing
//! fields are ignored). `-` means empty. Some tools write every quote as `\"`; that is read too.
//!
//! Access logs fill two holes of CloudTrail: they show multipart requests when the trail does not
//! log data events, and they show lifecycle aborts (`S3.DELETE.UPLOAD`, requester `AmazonS3`),
//! which CloudTrail never does. The key in a line is URL-encoded and the upload ID sits in the
//! request URI (`uploadId=`); both are decoded to the form S3 compares.

use chrono::NaiveDate;

use super::{BucketSeen, Category, Decoded, Options};
use crate::model::{
    ANONYMOUS_PRINCIPAL, Actor, ContextEvent, ContextKind, ErrorCode, Event, Evidence, Extra,
    IdentityKind, NO_SUCH_UPLOAD, Op, Time, key_hash,
};
use crate::strings::Interner;

/// At most this many fields are looked at; later ones are ignored.
const MAX_FIELDS: usize = 32;

/// Field positions.
const BUCKET: usize = 1;
const TIME: usize = 2;
const REMOTE_IP: usize = 3;
const REQUESTER: usize = 4;
const REQUEST_ID: usize = 5;
const OPERATION: usize = 6;
const KEY: usize = 7;
const REQUEST_URI: usize = 8;
const STATUS: usize = 9;
const ERROR_CODE: usize = 10;
const OBJECT_SIZE: usize = 12;
const REFERER: usize = 15;
const USER_AGENT: usize = 16;
/// The fields this tool reads: up to the user agent.
const USED_FIELDS: usize = USER_AGENT + 1;

/// The fields of one line, as written (quotes and brackets removed).
pub struct Fields<'a> {
    fields: [&'a [u8]; MAX_FIELDS],
    count: usize,
}

impl<'a> Fields<'a> {
    /// Splits a line into all its fields.
    #[cfg(test)]
    fn split(line: &'a [u8]) -> Fields<'a> {
        Fields::split_first(line, MAX_FIELDS)
    }

    /// Splits the first `n` fields of a line (at most [`MAX_FIELDS`]); the rest is not looked at.
    pub fn split_first(line: &'a [u8], n: usize) -> Fields<'a> {
        let mut out = Fields {
            fields: [&[]; MAX_FIELDS],
            count: 0,
        };
        let mut i = 0;
        while out.count < n.min(MAX_FIELDS) {
            while line.get(i) == Some(&b' ') {
                i += 1;
            }
            if i >= line.len() {
                break;
            }
            let (field, next) = match &line[i..] {
                [b'"', ..] => enclosed(line, i + 1, b"\""),
                [b'\\', b'"', ..] => enclosed(line, i + 2, b"\\\""),
                [b'[', ..] => enclosed(line, i + 1, b"]"),
                _ => {
                    let end = memchr::memchr(b' ', &line[i..]).map_or(line.len(), |n| i + n);
                    (&line[i..end], end)
                }
            };
            out.fields[out.count] = field;
            out.count += 1;
            i = next;
        }
        out
    }

    /// A field, `None` when absent or `-`.
    pub fn get(&self, index: usize) -> Option<&'a [u8]> {
        self.fields[..self.count]
            .get(index)
            .copied()
            .filter(|f| *f != b"-" && !f.is_empty())
    }

    /// A field as text (invalid UTF-8 replaced).
    pub fn text(&self, index: usize) -> Option<String> {
        self.get(index)
            .map(|f| String::from_utf8_lossy(f).into_owned())
    }

    /// How many fields the line has.
    #[cfg(test)]
    fn len(&self) -> usize {
        self.count
    }

    /// The request time.
    pub fn time(&self) -> Option<Time> {
        parse_time(self.get(TIME)?)
    }

    /// Whether these are the fields of an access-log line: enough of them, and a valid time in
    /// the third.
    pub fn is_access_log(&self) -> bool {
        self.count >= 8 && self.time().is_some() && self.get(BUCKET).is_some()
    }
}

/// Reads `06/Feb/2019:00:00:38 +0000` (`%d/%b/%Y:%H:%M:%S %z`), the only spelling access logs
/// use, without a format interpreter: this runs once per line.
pub fn parse_time(b: &[u8]) -> Option<Time> {
    const MONTHS: [&[u8; 3]; 12] = [
        b"Jan", b"Feb", b"Mar", b"Apr", b"May", b"Jun", b"Jul", b"Aug", b"Sep", b"Oct", b"Nov",
        b"Dec",
    ];
    let b: &[u8; 26] = b.try_into().ok()?;
    let separators = [
        (2, b'/'),
        (6, b'/'),
        (11, b':'),
        (14, b':'),
        (17, b':'),
        (20, b' '),
    ];
    if separators.iter().any(|&(at, c)| b[at] != c) {
        return None;
    }
    let num = |at: usize, len: usize| -> Option<u32> {
        b[at..at + len].iter().try_fold(0u32, |n, &c| {
            c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0'))
        })
    };
    let month = MONTHS.iter().position(|m| m[..] == b[3..6])? as u32 + 1;
    let local = NaiveDate::from_ymd_opt(num(7, 4)? as i32, month, num(0, 2)?)?.and_hms_opt(
        num(12, 2)?,
        num(15, 2)?,
        num(18, 2)?,
    )?;
    let sign = match b[21] {
        b'+' => 1,
        b'-' => -1,
        _ => return None,
    };
    let offset = sign * i64::from(num(22, 2)? * 3_600 + num(24, 2)? * 60);
    Some(local.and_utc() - chrono::Duration::seconds(offset))
}

/// The text up to `close` (from `start`), and the offset after the closing mark. An unclosed
/// field runs to the end of the line.
fn enclosed<'a>(line: &'a [u8], start: usize, close: &[u8]) -> (&'a [u8], usize) {
    let rest = line.get(start..).unwrap_or_default();
    match memchr::memmem::find(rest, close) {
        Some(n) => (&rest[..n], start + n + close.len()),
        None => (rest, line.len()),
    }
}

/// Decodes `%XX` escapes (invalid ones are kept as written).
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

/// A query parameter of the request URI (`PUT /key?partNumber=1&uploadId=… HTTP/1.1`), decoded.
fn query_param(uri: &[u8], name: &str) -> Option<String> {
    let target = uri.split(|&c| c == b' ').nth(1)?;
    let query = &target[memchr::memchr(b'?', target)? + 1..];
    query.split(|&c| c == b'&').find_map(|pair| {
        let (key, value) = match memchr::memchr(b'=', pair) {
            Some(at) => (&pair[..at], &pair[at + 1..]),
            None => (pair, &b""[..]),
        };
        (key == name.as_bytes()).then(|| percent_decode(value))
    })
}

/// The actor an access log's requester field names: an ARN, a canonical user ID, an AWS service
/// (`svc:…`, or `AmazonS3` for lifecycle actions), or `-` for an anonymous request.
pub fn requester(field: Option<&[u8]>) -> Actor {
    let Some(field) = field else {
        return Actor {
            kind: IdentityKind::AwsAccount,
            account_id: Some(ANONYMOUS_PRINCIPAL.to_owned()),
            ..Actor::default()
        };
    };
    let text = String::from_utf8_lossy(field).into_owned();
    if let Some(service) = text.strip_prefix("svc:") {
        return Actor {
            kind: IdentityKind::AwsService,
            invoked_by: Some(service.to_owned()),
            ..Actor::default()
        };
    }
    if text == "AmazonS3" {
        return Actor {
            kind: IdentityKind::AwsService,
            invoked_by: Some(text),
            ..Actor::default()
        };
    }
    if !text.starts_with("arn:") {
        return Actor {
            kind: IdentityKind::Other("CanonicalUser".to_owned()),
            principal_id: Some(text),
            ..Actor::default()
        };
    }
    // arn:PARTITION:sts::ACCOUNT:assumed-role/ROLE/SESSION, arn:PARTITION:iam::ACCOUNT:user/NAME
    let parts: Vec<&str> = text.splitn(6, ':').collect();
    let (partition, account, resource) = (
        parts.get(1).copied(),
        parts.get(4).copied(),
        parts.get(5).copied().unwrap_or(""),
    );
    let (kind, issuer) = match resource.split('/').collect::<Vec<_>>().as_slice() {
        ["assumed-role", role, ..] => (
            IdentityKind::AssumedRole,
            partition
                .zip(account)
                .map(|(p, a)| format!("arn:{p}:iam::{a}:role/{role}")),
        ),
        ["user", ..] => (IdentityKind::IamUser, None),
        ["root"] => (IdentityKind::Root, None),
        _ => (IdentityKind::Missing, None),
    };
    Actor {
        kind,
        account_id: account.filter(|a| !a.is_empty()).map(str::to_owned),
        issuer_arn: issuer,
        arn: Some(text),
        ..Actor::default()
    }
}

/// Builds the event of a multipart line.
pub fn event(f: &Fields<'_>, op: Op, origin: u32, interner: &Interner) -> Result<Event, String> {
    let time = f.time().ok_or("the line has no valid time")?;
    let bucket = f.text(BUCKET).ok_or("the line names no bucket")?;
    let key = f.get(KEY).map(percent_decode);
    super::check_names(&bucket, key.as_deref())?;
    let uri = f.get(REQUEST_URI).unwrap_or_default();
    let status: Option<u16> = f.text(STATUS).and_then(|s| s.parse().ok());
    let error = match f.text(ERROR_CODE) {
        Some(code) if code == NO_SUCH_UPLOAD => Some(ErrorCode::NoSuchUpload),
        Some(code) => Some(ErrorCode::Other(interner.sym(&code))),
        // A failure without an error code is named by its status (`503`).
        None => status
            .filter(|s| *s >= 400)
            .map(|s| ErrorCode::Other(interner.sym(&s.to_string()))),
    };
    let requester_field = f.get(REQUESTER);
    let mut identity = b"access-log:".to_vec();
    identity.extend_from_slice(requester_field.unwrap_or(b"-"));
    let sym = |text: Option<String>| text.map(|t| interner.sym(&t));
    Ok(Event {
        time,
        op,
        bucket: interner.sym(&bucket),
        key: key.map(|k| interner.sym(&k)),
        upload_id: query_param(uri, "uploadId")
            .filter(|id| !id.is_empty())
            .map(|id| interner.sym(&id)),
        part_number: query_param(uri, "partNumber").and_then(|n| n.parse().ok()),
        bytes: matches!(op, Op::UploadPart | Op::UploadPartCopy)
            .then(|| f.text(OBJECT_SIZE).and_then(|s| s.parse().ok()))
            .flatten(),
        actor: interner.actor(&identity, || requester(requester_field)),
        source_ip: sym(f.text(REMOTE_IP)),
        user_agent: sym(f.text(USER_AGENT)),
        error,
        request_id: f.text(REQUEST_ID).map(|id| interner.id(&id)),
        event_id: None,
        region: None,
        account: None,
        extra: Extra {
            referer: sym(f.text(REFERER)),
            ..Extra::NONE
        }
        .boxed(),
        origin,
        evidence: Evidence::AccessLog,
        also_in: None,
    })
}

/// The context record of a line that a diagnosis needs (a write or deletion of a key, a deleted
/// bucket, a changed bucket policy), when it names its bucket (and key, for an object).
fn context_event(
    f: &Fields<'_>,
    kind: ContextKind,
    origin: u32,
    opts: &Options,
    interner: &Interner,
) -> Option<ContextEvent> {
    let bucket = f.text(BUCKET)?;
    let key = f.get(KEY).map(percent_decode);
    if kind.is_object() && key.is_none() {
        return None;
    }
    let requester_field = f.get(REQUESTER);
    let mut identity = b"access-log:".to_vec();
    identity.extend_from_slice(requester_field.unwrap_or(b"-"));
    Some(ContextEvent {
        time: f.time()?,
        kind,
        bucket: Some(interner.sym(&bucket)),
        key_hash: key.as_deref().map(key_hash),
        key: key
            .as_deref()
            .filter(|_| opts.keep_parts)
            .map(|k| interner.sym(k)),
        target: None,
        actor: interner.actor(&identity, || requester(requester_field)),
        event_id: None,
        request_id: f.text(REQUEST_ID).map(|id| interner.id(&id)),
        region: None,
        account: None,
        origin,
        evidence: Evidence::AccessLog,
    })
}

/// Whether the request of a line succeeded: no error code, and an HTTP status below 400.
fn succeeded(f: &Fields<'_>) -> bool {
    f.get(ERROR_CODE).is_none() && f.get(STATUS).is_none_or(|s| s.first() < Some(&b'4'))
}

/// Whether `b` (with no leading white space) starts like an S3 server access log. Only the start
/// of the first line is looked at: a CloudTrail file is often one long line.
pub fn looks_like(b: &[u8]) -> bool {
    // Owner, bucket and `[time]` come first; 1 KiB holds them with room to spare.
    let head = &b[..b.len().min(1_024)];
    let line = memchr::memchr(b'\n', head).map_or(head, |n| &head[..n]);
    !matches!(line.first(), Some(b'{' | b'[')) && Fields::split_first(line, 8).is_access_log()
}

/// Reads every line of an access log into `out`.
pub fn read(b: &[u8], out: &mut Decoded, origin: u32, opts: &Options, interner: &Interner) {
    let mut foreign = 0;
    // Lines of one file are usually all of one bucket: record it once, with what was recorded.
    let mut last_bucket: (&[u8], u8) = (&[], 0);
    let mut start = 0;
    while start < b.len() {
        let end = memchr::memchr(b'\n', &b[start..]).map_or(b.len(), |n| start + n);
        let line = b[start..end].trim_ascii();
        start = end + 1;
        if line.is_empty() {
            continue;
        }
        let f = Fields::split_first(line, USED_FIELDS);
        if !f.is_access_log() {
            foreign += 1;
            continue;
        }
        out.records += 1;
        let index = out.records;
        // `is_access_log` checked the time and the bucket.
        let time = f.time().unwrap_or(Time::UNIX_EPOCH);
        out.saw_time(time);
        let in_window = opts.contains(time);
        let bucket = f.get(BUCKET).unwrap_or_default();
        if bucket != last_bucket.0 {
            last_bucket = (bucket, 0);
        }
        let mut seen = BucketSeen::ACCESS_LOG.0;
        if in_window && succeeded(&f) {
            seen |= BucketSeen::DATA.0;
        }
        if seen & !last_bucket.1 != 0 {
            out.saw_bucket(&String::from_utf8_lossy(bucket), BucketSeen(seen));
            last_bucket.1 |= seen;
        }
        let operation = f.get(OPERATION).unwrap_or_default();
        let op = std::str::from_utf8(operation)
            .ok()
            .and_then(Op::from_access_log);
        let context = std::str::from_utf8(operation)
            .ok()
            .and_then(ContextKind::from_access_log);
        let category = match op {
            None if in_window && succeeded(&f) && context.is_some() => {
                if let Some(c) =
                    context.and_then(|kind| context_event(&f, kind, origin, opts, interner))
                {
                    // Identified by its request ID, as the CloudTrail record of the request is.
                    match c.request_id {
                        Some(id) => out.tally_request(id, Category::Context),
                        None => out.tally(Category::Context, Some(line)),
                    }
                    out.context.push(c);
                    continue;
                }
                Category::Other
            }
            None => Category::Other,
            Some(_) if !in_window => Category::OutsideWindow,
            Some(op) => match event(&f, op, origin, interner) {
                Ok(e) => {
                    // A multipart request is identified by its request ID, so that a line and
                    // the CloudTrail record of the same request count once.
                    match e.request_id {
                        Some(id) => out.tally_request(id, Category::Multipart),
                        None => out.tally(Category::Multipart, Some(line)),
                    }
                    out.events.push(e);
                    continue;
                }
                Err(why) => {
                    let operation = String::from_utf8_lossy(operation);
                    out.problem(format!("line {index} ({operation}): {why}"));
                    Category::Invalid
                }
            },
        };
        // Other lines are identified by request ID, operation and key: one request can log
        // several lines with one ID (a batch delete logs one per key).
        match f.get(REQUEST_ID) {
            Some(id) => {
                out.tally_fields(category, &[id, operation, f.get(KEY).unwrap_or_default()])
            }
            None => out.tally(category, Some(line)),
        }
    }
    for _ in 0..foreign {
        out.foreign("a line that is not an S3 server access-log line".to_owned());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Real lines from ../shared/corpus (see its INDEX.md).
    const PUT_PART: &str = r#"922194806485875312b252374a3644f1feecd16802a50d4729885c1d11e1fd37 sra-pub-src-14 [09/May/2020:22:07:21 +0000] 18.207.254.142 arn:aws:sts::783971887864:assumed-role/sra-developer-instance-profile-role/i-0d76b79326eb0165a B6301F55C2486C74 REST.PUT.PART SRR9612637/DRGHT.TC.307_interleaved.fq.1 "PUT /SRR9612637/DRGHT.TC.307_interleaved.fq.1?partNumber=1&uploadId=rl6yL37lb4xUuIa9RvC0ON4KgDqJNvtwLoquo_cALj95v4njBOTUHpISyEjOaMG30lVYAo5eR_UEXo4dVJjUJA3SfjJtKjg30rvVEpg._Z9DZZo8S6oUjXHGDCW15EVzLZcJMgRG6N7J8d.42.lMAw-- HTTP/1.1" 200 - - 8388608 557 12 "-" "aws-cli/1.16.102 Python/2.7.16 Linux/4.14.171-105.231.amzn1.x86_64 botocore/1.12.92" - fV92QmqOf5ZNYPIj7KZeQWiqAOFqdFtMlOn82aRYjwQHt8QfsWfS3TTOft1Be+bY01d9TObk5Qg= SigV4 ECDHE-RSA-AES128-GCM-SHA256 AuthHeader sra-pub-src-14.s3.amazonaws.com TLSv1.2"#;
    const EXPIRE: &str = r#"b854390a51155554b82ce2759564a1135bce83133d004f4d2001f157e13985d7 flow-log-test [25/Mar/2025:19:28:02 +0000] - AmazonS3 366DB3C4B325AB11 S3.EXPIRE.OBJECT 0/chum/_vars/logtests/PlannerModule/5f6ea3b7da96ab304a77225d5b2b2a55e54b74e4ddfdf14b9b1d853d77515b88_9febba22f08b11ef8cf6020058a9efab/2024/12/30/164700/kitt_189/_spcu_sride__state_svx__feature__flags.sst "-" - - - 317 - - "-" "-" qsEq9bDa2VyxyZ4cz0c7oBnF67VYTTij DMlPb9al4CvVBck150CgpEIIYgtSI3HC/atetNVYwPtHZffW6jfpg+BrffhbT9/B - - - - - - -"#;
    const ESCAPED: &str = r#"7dd4dcfe9b004fb7433c61af3e87972f2e9477fa7f0760a02827f771b41b3455 sra-pub-src-2 [25/May/2020:22:17:41 +0000] 52.54.203.43 arn:aws:sts::783971887864:assumed-role/sra-developer-instance-profile-role/i-04b64e15519efb678 A3EE3F7C5D6EFE4F REST.GET.OBJECT_TAGGING SRR9670674/ALAL1_siRNA_rep1.fastq.gz.1 \"GET /SRR9670674/ALAL1_siRNA_rep1.fastq.gz.1?tagging HTTP/1.1\" 200 - 195 - 41 39 \"-\" \"aws-cli/1.16.249 Python/2.7.16\" -"#;

    fn one(line: &str) -> (Event, crate::strings::Strings) {
        let interner = Interner::default();
        let f = Fields::split(line.as_bytes());
        let op = Op::from_access_log(&f.text(OPERATION).unwrap()).unwrap();
        let mut e = event(&f, op, 0, &interner).unwrap();
        let (strings, renumber) = interner.freeze();
        e.renumber(&renumber);
        (e, strings)
    }

    #[test]
    fn reads_a_real_part_upload_field_by_field() {
        let f = Fields::split(PUT_PART.as_bytes());
        assert_eq!(f.len(), 24);
        assert!(f.is_access_log());
        assert_eq!(f.text(OPERATION).as_deref(), Some("REST.PUT.PART"));
        assert_eq!(
            f.text(USER_AGENT).as_deref(),
            Some(
                "aws-cli/1.16.102 Python/2.7.16 Linux/4.14.171-105.231.amzn1.x86_64 botocore/1.12.92"
            )
        );
        assert_eq!(f.text(ERROR_CODE), None);
        let (e, strings) = one(PUT_PART);
        assert_eq!(e.op, Op::UploadPart);
        assert_eq!(&strings[e.bucket], "sra-pub-src-14");
        assert_eq!(
            strings.opt(e.key),
            Some("SRR9612637/DRGHT.TC.307_interleaved.fq.1")
        );
        assert!(
            strings
                .opt(e.upload_id)
                .unwrap()
                .starts_with("rl6yL37lb4xUuIa9RvC0ON4KgDqJ")
        );
        assert!(strings.opt(e.upload_id).unwrap().ends_with(".lMAw--"));
        assert_eq!((e.part_number, e.bytes), (Some(1), Some(8_388_608)));
        assert_eq!(e.time.to_rfc3339(), "2020-05-09T22:07:21+00:00");
        assert_eq!(strings.opt(e.source_ip), Some("18.207.254.142"));
        assert_eq!(
            strings.id(e.request_id.unwrap()).to_string(),
            "B6301F55C2486C74"
        );
        let actor = strings.actor(e.actor);
        assert_eq!(actor.kind, IdentityKind::AssumedRole);
        assert_eq!(
            actor.issuer_arn.as_deref(),
            Some("arn:aws:iam::783971887864:role/sra-developer-instance-profile-role")
        );
        assert_eq!(actor.account_id.as_deref(), Some("783971887864"));
        assert!(e.succeeded());
    }

    #[test]
    fn reads_a_real_lifecycle_line() {
        let f = Fields::split(EXPIRE.as_bytes());
        assert_eq!(f.len(), 26);
        assert_eq!(f.text(REQUESTER).as_deref(), Some("AmazonS3"));
        assert_eq!(f.get(REQUEST_URI), None);
        assert_eq!(f.get(REMOTE_IP), None);
        assert_eq!(f.text(OBJECT_SIZE).as_deref(), Some("317"));
        assert_eq!(requester(f.get(REQUESTER)).display_name(), "AmazonS3");
    }

    #[test]
    fn reads_lines_whose_quotes_are_escaped() {
        let f = Fields::split(ESCAPED.as_bytes());
        assert!(f.is_access_log());
        assert_eq!(
            f.text(REQUEST_URI).as_deref(),
            Some("GET /SRR9670674/ALAL1_siRNA_rep1.fastq.gz.1?tagging HTTP/1.1")
        );
        assert_eq!(
            f.text(USER_AGENT).as_deref(),
            Some("aws-cli/1.16.249 Python/2.7.16")
        );
    }

    #[test]
    fn reads_times_with_any_offset_and_rejects_the_rest() {
        let utc = |s: &str| parse_time(s.as_bytes()).map(|t| t.to_rfc3339());
        assert_eq!(
            utc("09/May/2020:22:07:21 +0000").as_deref(),
            Some("2020-05-09T22:07:21+00:00")
        );
        // Alibaba OSS writes local time with its offset.
        assert_eq!(
            utc("01/Mar/2024:07:30:00 +0800").as_deref(),
            Some("2024-02-29T23:30:00+00:00")
        );
        assert_eq!(
            utc("31/Dec/2025:23:30:00 -0130").as_deref(),
            Some("2026-01-01T01:00:00+00:00")
        );
        for bad in [
            "32/May/2020:22:07:21 +0000",
            "09/Mai/2020:22:07:21 +0000",
            "09/May/2020:22:07:21",
            "09/May/2020 22:07:21 +0000",
            "09/May/2020:22:07:2x +0000",
            "09/May/2020:22:07:21 *0000",
            "",
        ] {
            assert_eq!(utc(bad), None, "{bad}");
        }
    }

    #[test]
    fn decodes_keys_and_queries() {
        assert_eq!(percent_decode(b"a%20b%2Fc%zz%4"), "a b/c%zz%4");
        let uri = b"POST /k?uploadId=abc%2Bd&x HTTP/1.1";
        assert_eq!(query_param(uri, "uploadId").as_deref(), Some("abc+d"));
        assert_eq!(query_param(uri, "x").as_deref(), Some(""));
        assert_eq!(query_param(b"-", "uploadId"), None);
    }

    #[test]
    fn names_every_kind_of_requester() {
        assert_eq!(requester(None).display_name(), "anonymous");
        assert_eq!(
            requester(Some(b"svc:backup.amazonaws.com")).display_name(),
            "backup.amazonaws.com"
        );
        assert_eq!(
            requester(Some(b"arn:aws:iam::1:user/alice")).kind,
            IdentityKind::IamUser
        );
        assert_eq!(
            requester(Some(b"79a59df900b949e55d96a1e6"))
                .principal_id
                .as_deref(),
            Some("79a59df900b949e55d96a1e6")
        );
    }

    #[test]
    fn a_short_old_line_is_still_a_line() {
        // 2015: the line ends after the version ID (18 fields).
        let old = r#"3aac fortiquestestbucket [30/Jun/2015:09:26:55 +0000] 10.0.0.1 - B4B8E2A7E0B3E6C1 REST.POST.UPLOADS scalingdata-0.7.0.tar.gz "POST /releases.rocana.com/scalingdata-0.7.0.tar.gz?uploads HTTP/1.1" 200 - 370 - 8 7 "-" "S3Console/0.4" -"#;
        let f = Fields::split(old.as_bytes());
        assert_eq!(f.len(), 18);
        let (e, strings) = one(old);
        assert_eq!((e.op, e.upload_id), (Op::CreateMultipartUpload, None));
        assert_eq!(strings.actor(e.actor).display_name(), "anonymous");
    }
}
