//! What one access-log line becomes: the event of a multipart request, or the context record of
//! a request a diagnosis needs; and the actor its requester field names.

use std::borrow::Cow;

use super::fields::*;
use crate::decode::Options;
use crate::model::{
    ANONYMOUS_PRINCIPAL, Actor, ContextEvent, ContextKind, ErrorCode, Event, Evidence, Extra,
    IdentityKind, NO_SUCH_UPLOAD, Op, Provider, Time, key_hash,
};
use crate::strings::{ActorId, Interner, Sym};
use crate::url::percent_decoded;

/// The bucket of the last line, with its symbol: the lines of one log object name one bucket.
#[derive(Default)]
pub(in crate::decode) struct LastBucket<'a>(Option<(&'a [u8], Sym)>);

impl<'a> LastBucket<'a> {
    /// The symbol of a bucket field of `provider`'s.
    pub fn sym(&mut self, field: &'a [u8], provider: Provider, interner: &Interner) -> Sym {
        match self.0 {
            Some((last, sym)) if last == field => sym,
            _ => {
                let sym = interner.bucket(provider, &String::from_utf8_lossy(field));
                self.0 = Some((field, sym));
                sym
            }
        }
    }
}

/// The error of a line: its error code, else (a failure without one) its HTTP status as text
/// (`503`), else none.
pub(in crate::decode) fn error_code(
    code: Option<Cow<'_, str>>,
    status: Option<Cow<'_, str>>,
    interner: &Interner,
) -> Option<ErrorCode> {
    match code {
        Some(code) if code == NO_SUCH_UPLOAD => Some(ErrorCode::NoSuchUpload),
        Some(code) => Some(ErrorCode::Other(interner.sym(&code))),
        None => status
            .and_then(|s| s.parse::<u16>().ok())
            .filter(|s| *s >= 400)
            .map(|s| ErrorCode::Other(interner.sym(&s.to_string()))),
    }
}

/// The actor an access log's requester field names: an ARN, a canonical user ID, an AWS service
/// (`svc:…`, or `AmazonS3` for lifecycle actions), or `-` for an anonymous request.
fn requester(field: Option<&[u8]>) -> Actor {
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

/// Turns the lines of one log object into records, remembering what the previous line resolved:
/// the lines of one object are mostly of one bucket and a few requesters.
pub(super) struct Lines<'a, 'i> {
    pub origin: u32,
    pub opts: &'i Options,
    pub interner: &'i Interner,
    bucket: LastBucket<'a>,
    requester: Option<(Option<&'a [u8]>, ActorId)>,
    identity: Vec<u8>,
}

impl<'a, 'i> Lines<'a, 'i> {
    pub fn new(origin: u32, opts: &'i Options, interner: &'i Interner) -> Lines<'a, 'i> {
        Lines {
            origin,
            opts,
            interner,
            bucket: LastBucket::default(),
            requester: None,
            identity: Vec::new(),
        }
    }

    /// The actor of a requester field.
    fn actor(&mut self, field: Option<&'a [u8]>) -> ActorId {
        match self.requester {
            Some((last, actor)) if last == field => actor,
            _ => {
                self.identity.clear();
                self.identity.extend_from_slice(b"access-log:");
                self.identity.extend_from_slice(field.unwrap_or(b"-"));
                let actor = self.interner.actor(&self.identity, || requester(field));
                self.requester = Some((field, actor));
                actor
            }
        }
    }

    /// The event of a multipart line made at `time`.
    pub fn event(&mut self, f: &Fields<'a>, time: Time, op: Op) -> Result<Event, String> {
        let interner = self.interner;
        let bucket_field = f.get(BUCKET).ok_or("the line names no bucket")?;
        let key = f.get(KEY).map(percent_decoded);
        crate::decode::check_names(&String::from_utf8_lossy(bucket_field), key.as_deref())?;
        let uri = f.get(REQUEST_URI).unwrap_or_default();
        let error = error_code(f.text(ERROR_CODE), f.text(STATUS), interner);
        let sym = |text: Option<Cow<str>>| text.map(|t| interner.sym(&t));
        Ok(Event {
            time,
            op,
            bucket: self.bucket.sym(bucket_field, Provider::Aws, interner),
            key: key.map(|k| interner.sym(&k)),
            upload_id: query_param(uri, "uploadId")
                .filter(|id| !id.is_empty())
                .map(|id| interner.sym(&id)),
            part_number: query_param(uri, "partNumber").and_then(|n| n.parse().ok()),
            bytes: matches!(op, Op::UploadPart | Op::UploadPartCopy)
                .then(|| f.text(OBJECT_SIZE).and_then(|s| s.parse().ok()))
                .flatten(),
            actor: self.actor(f.get(REQUESTER)),
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
            origin: self.origin,
            evidence: Evidence::AccessLog,
            also_in: None,
            provider: Provider::Aws,
        })
    }

    /// The context record of a line made at `time` that a diagnosis needs (a write or deletion
    /// of a key, a deleted bucket, a changed bucket policy), when it names its bucket (and key,
    /// for an object).
    pub fn context(
        &mut self,
        f: &Fields<'a>,
        time: Time,
        kind: ContextKind,
    ) -> Option<ContextEvent> {
        let interner = self.interner;
        let bucket = self
            .bucket
            .sym(f.get(BUCKET)?, Provider::Aws, self.interner);
        let key = f.get(KEY).map(percent_decoded);
        if kind.is_object() && key.is_none() {
            return None;
        }
        let key = key.as_deref();
        Some(ContextEvent {
            time,
            kind,
            bucket: Some(bucket),
            key_hash: key.map(key_hash),
            key: key
                .filter(|_| self.opts.keep_parts)
                .map(|k| interner.sym(k)),
            target: None,
            actor: self.actor(f.get(REQUESTER)),
            event_id: None,
            request_id: f.text(REQUEST_ID).map(|id| interner.id(&id)),
            region: None,
            account: None,
            origin: self.origin,
            evidence: Evidence::AccessLog,
            provider: Provider::Aws,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Real lines from ../shared/corpus (see its INDEX.md).
    const PUT_PART: &str = r#"922194806485875312b252374a3644f1feecd16802a50d4729885c1d11e1fd37 sra-pub-src-14 [09/May/2020:22:07:21 +0000] 18.207.254.142 arn:aws:sts::783971887864:assumed-role/sra-developer-instance-profile-role/i-0d76b79326eb0165a B6301F55C2486C74 REST.PUT.PART SRR9612637/DRGHT.TC.307_interleaved.fq.1 "PUT /SRR9612637/DRGHT.TC.307_interleaved.fq.1?partNumber=1&uploadId=rl6yL37lb4xUuIa9RvC0ON4KgDqJNvtwLoquo_cALj95v4njBOTUHpISyEjOaMG30lVYAo5eR_UEXo4dVJjUJA3SfjJtKjg30rvVEpg._Z9DZZo8S6oUjXHGDCW15EVzLZcJMgRG6N7J8d.42.lMAw-- HTTP/1.1" 200 - - 8388608 557 12 "-" "aws-cli/1.16.102 Python/2.7.16 Linux/4.14.171-105.231.amzn1.x86_64 botocore/1.12.92" - fV92QmqOf5ZNYPIj7KZeQWiqAOFqdFtMlOn82aRYjwQHt8QfsWfS3TTOft1Be+bY01d9TObk5Qg= SigV4 ECDHE-RSA-AES128-GCM-SHA256 AuthHeader sra-pub-src-14.s3.amazonaws.com TLSv1.2"#;
    const EXPIRE: &str = r#"b854390a51155554b82ce2759564a1135bce83133d004f4d2001f157e13985d7 flow-log-test [25/Mar/2025:19:28:02 +0000] - AmazonS3 366DB3C4B325AB11 S3.EXPIRE.OBJECT 0/chum/_vars/logtests/PlannerModule/5f6ea3b7da96ab304a77225d5b2b2a55e54b74e4ddfdf14b9b1d853d77515b88_9febba22f08b11ef8cf6020058a9efab/2024/12/30/164700/kitt_189/_spcu_sride__state_svx__feature__flags.sst "-" - - - 317 - - "-" "-" qsEq9bDa2VyxyZ4cz0c7oBnF67VYTTij DMlPb9al4CvVBck150CgpEIIYgtSI3HC/atetNVYwPtHZffW6jfpg+BrffhbT9/B - - - - - - -"#;

    fn one(line: &str) -> (Event, crate::strings::Strings) {
        let interner = Interner::default();
        let f = Fields::split(line.as_bytes());
        let op = Op::from_access_log(&f.text(OPERATION).unwrap()).unwrap();
        let opts = Options::default();
        let mut lines = Lines::new(0, &opts, &interner);
        let mut e = lines.event(&f, f.line_time().unwrap(), op).unwrap();
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
