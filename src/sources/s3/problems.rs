//! What went wrong with the store, in the words a person needs: a failed request (which permission
//! is missing, which bucket is elsewhere, what stood in the way, one line, without the SDK's debug
//! dump), or a `--profile` that the AWS config files do not define.

use std::error::Error;

use aws_sdk_s3::error::{ProvideErrorMetadata, SdkError};
use aws_types::os_shim_internal::{Env, Fs};

/// What a request was for, to name the permission it needs.
#[derive(Clone, Copy)]
pub(super) enum Action {
    List,
    Read,
    Lifecycle,
}

/// A failed request in plain words, naming the permission when access was denied.
pub(super) fn describe<E, R>(e: &SdkError<E, R>, what: &str, action: Action) -> String
where
    E: ProvideErrorMetadata + Error + 'static,
    R: std::fmt::Debug,
{
    let oss = what.starts_with("oss://");
    let bucket = what
        .trim_start_matches("s3://")
        .trim_start_matches("oss://")
        .split('/')
        .next()
        .unwrap_or_default();
    match e {
        SdkError::ServiceError(service) => {
            let err = service.err();
            match err.code() {
                Some("AccessDenied") if oss => match action {
                    Action::List => format!(
                        "access denied listing {what}: the RAM policy of the credentials needs oss:ListObjects on acs:oss:*:*:{bucket}"
                    ),
                    _ => format!(
                        "access denied reading {what}: the RAM policy of the credentials needs oss:GetObject on it"
                    ),
                },
                Some("AccessDenied") | Some("AllAccessDisabled") => match action {
                    Action::List => format!(
                        "access denied listing {what}: the credentials need s3:ListBucket on arn:aws:s3:::{bucket}"
                    ),
                    Action::Read => format!(
                        "access denied reading {what}: the credentials need s3:GetObject on it (and kms:Decrypt on the trail's KMS key if its logs are encrypted with one)"
                    ),
                    Action::Lifecycle => format!(
                        "access denied reading the lifecycle configuration of bucket {bucket:?}: the credentials need s3:GetLifecycleConfiguration on arn:aws:s3:::{bucket}"
                    ),
                },
                Some("NoSuchBucket") => format!("bucket {bucket:?} does not exist"),
                Some("PermanentRedirect" | "AuthorizationHeaderMalformed") => format!(
                    "bucket {bucket:?} is in another region than the client's: give its region with --region"
                ),
                Some("NoSuchKey") => format!("{what} no longer exists"),
                Some(code) => format!("{code}: {}", err.message().unwrap_or("S3 gave no message")),
                None => format!("S3 refused the request ({})", causes(e)),
            }
        }
        SdkError::TimeoutError(_) => "the request timed out".to_owned(),
        _ => {
            let chain = causes(e);
            if chain.contains("credentials") {
                format!(
                    "no usable AWS credentials ({}); set them up as for the AWS CLI: environment variables, --profile, `aws sso login`, or an instance or container role",
                    root_cause(e)
                )
            } else {
                format!("cannot reach S3: {chain}")
            }
        }
    }
}

/// Whether the AWS config files define `profile`, asked for with `--profile`. Asked for a profile
/// they do not define, the SDK only says that its credentials could not be loaded ("initialization
/// error already taken"), and with credentials in the environment it uses those instead; the AWS
/// CLI stops and names the profile, and so does this. Files that cannot be read are left to the
/// SDK to report.
pub(super) async fn profile_exists(profile: &str) -> Result<(), String> {
    let (fs, env, files) = (Fs::real(), Env::real(), Default::default());
    let Ok(profiles) = aws_config::profile::load(&fs, &env, &files, None).await else {
        return Ok(());
    };
    if profiles.get_profile(profile).is_some() {
        return Ok(());
    }
    let mut known: Vec<&str> = profiles.profiles().collect();
    known.sort_unstable();
    const NAMED: usize = 12;
    let more = match known.len().saturating_sub(NAMED) {
        0 => String::new(),
        n => format!(" and {n} more"),
    };
    known.truncate(NAMED);
    Err(match known.as_slice() {
        [] => format!(
            "--profile {profile:?}: the AWS config files define no profile at all (see `aws configure`)"
        ),
        _ => format!(
            "--profile {profile:?}: the AWS config files define no such profile; they define {}{more}",
            known.join(", ")
        ),
    })
}

/// An error and the errors that caused it, one line: `dispatch failure: io error: … Connection
/// refused`. Each keeps its first line (see [`headline`]); one that only repeats the one before is
/// left out.
fn causes(e: &dyn Error) -> String {
    let mut parts: Vec<String> = Vec::new();
    for err in layers(e) {
        let line = headline(err);
        if !line.is_empty() && !parts.last().is_some_and(|last| last.contains(&line)) {
            parts.push(line);
        }
    }
    parts.join(": ")
}

/// The first line of the deepest cause: for credentials, the reason (`no credentials found in
/// chain`, an expired SSO session) rather than the layers that passed it on.
fn root_cause(e: &dyn Error) -> String {
    layers(e).last().map(headline).unwrap_or_default()
}

/// An error, then the error that caused it, and so on.
fn layers(e: &dyn Error) -> impl Iterator<Item = &dyn Error> {
    std::iter::successors(Some(e), |&err| err.source().map(|s| s as &dyn Error))
}

/// The first line of an error's message. A first line that ends with a colon introduces a list on
/// the lines below (the credential providers tried, for example): its last sentence, the
/// introduction, goes with the list.
fn headline(e: &dyn Error) -> String {
    let text = e.to_string();
    let first = text.lines().next().unwrap_or_default().trim();
    match first.strip_suffix(':') {
        Some(intro) => intro
            .rsplit_once(". ")
            .map_or(intro, |(before, _)| before)
            .to_owned(),
        None => first.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An error with a message and an optional cause.
    #[derive(Debug)]
    struct Layer(&'static str, Option<Box<Layer>>);

    impl std::fmt::Display for Layer {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str(self.0)
        }
    }

    impl Error for Layer {
        fn source(&self) -> Option<&(dyn Error + 'static)> {
            self.1.as_deref().map(|e| e as &(dyn Error + 'static))
        }
    }

    fn chain(messages: &[&'static str]) -> Layer {
        let mut messages = messages.iter().rev();
        let mut e = Layer(messages.next().copied().unwrap_or_default(), None);
        for m in messages {
            e = Layer(m, Some(Box::new(e)));
        }
        e
    }

    #[test]
    fn a_chain_of_causes_is_one_line_without_repeats() {
        let e = chain(&[
            "dispatch failure",
            "io error",
            "client error (Connect)",
            "tcp connect error",
            "tcp connect error",
            "Connection refused (os error 111)",
        ]);
        assert_eq!(
            causes(&e),
            "dispatch failure: io error: client error (Connect): tcp connect error: Connection refused (os error 111)"
        );
        assert_eq!(root_cause(&e), "Connection refused (os error 111)");
    }

    #[test]
    fn a_list_below_a_message_is_left_out_with_its_introduction() {
        let e = chain(&[
            "dispatch failure",
            "the credential provider was not enabled",
            "no credentials found in chain. Attempted:\n  Environment: environment variable not set\n  Profile: not enabled",
        ]);
        assert_eq!(root_cause(&e), "no credentials found in chain");
        assert_eq!(
            causes(&e),
            "dispatch failure: the credential provider was not enabled: no credentials found in chain"
        );
        // A message that is all introduction keeps it.
        assert_eq!(root_cause(&chain(&["tried:\n a\n b"])), "tried");
    }
}
