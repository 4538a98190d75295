//! `oss://bucket[/prefix]`: Alibaba Cloud OSS, read through its S3-compatible endpoint
//! (`https://s3.oss-REGION.aliyuncs.com`), which the AWS SDK speaks.
//!
//! OSS accepts only virtual-hosted addressing (`BUCKET.ENDPOINT`), so buckets are never put in
//! the path, whatever the endpoint. Credentials are Alibaba Cloud's environment variables
//! (`ALIBABA_CLOUD_ACCESS_KEY_ID`, `ALIBABA_CLOUD_ACCESS_KEY_SECRET`, and
//! `ALIBABA_CLOUD_SECURITY_TOKEN` for an STS session) when they are set, else the AWS credential
//! chain (an AccessKey pair can stand in `AWS_ACCESS_KEY_ID` / `AWS_SECRET_ACCESS_KEY` too).
//! Names under `localhost` resolve to the loopback address, as RFC 6761 asks, so that a test
//! server (or a tunnel) on this machine can be reached by bucket name.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::time::Duration;

use aws_config::BehaviorVersion;
use aws_config::retry::RetryConfig;
use aws_sdk_s3::Client;
use aws_sdk_s3::config::{Credentials, Region, ResponseChecksumValidation};
use aws_smithy_http_client::tls::{Provider as Tls, rustls_provider::CryptoMode};
use aws_smithy_runtime_api::client::dns::{DnsFuture, ResolveDns, ResolveDnsError};

use super::Settings;

/// The endpoint of a region: `https://s3.oss-cn-hangzhou.aliyuncs.com`.
pub fn endpoint(region: &str) -> String {
    format!("https://s3.oss-{region}.aliyuncs.com")
}

/// Resolves names with the system's resolver, except names under `localhost`: the loopback.
#[derive(Debug, Clone)]
struct Resolver;

impl ResolveDns for Resolver {
    fn resolve_dns<'a>(&'a self, name: &'a str) -> DnsFuture<'a> {
        DnsFuture::new(async move {
            let name = name.trim_end_matches('.').to_ascii_lowercase();
            if name == "localhost" || name.ends_with(".localhost") {
                return Ok(vec![
                    IpAddr::V4(Ipv4Addr::LOCALHOST),
                    IpAddr::V6(Ipv6Addr::LOCALHOST),
                ]);
            }
            let found = tokio::net::lookup_host((name.as_str(), 0))
                .await
                .map_err(ResolveDnsError::new)?;
            Ok(found.map(|a| a.ip()).collect())
        })
    }
}

/// A client for OSS: `--endpoint-url`, else the endpoint of `--region`; `Err` says what is
/// missing.
pub async fn connect(settings: &Settings) -> Result<Client, String> {
    let url = match (&settings.endpoint_url, &settings.region) {
        (Some(url), _) => url.clone(),
        (None, Some(region)) => endpoint(region),
        (None, None) => {
            return Err(
                "reading oss:// needs the bucket's region (--region cn-hangzhou) or an endpoint (--endpoint-url https://s3.oss-cn-hangzhou.aliyuncs.com)".to_owned(),
            );
        }
    };
    let retry = RetryConfig::standard()
        .with_max_attempts(5)
        .with_initial_backoff(Duration::from_millis(200));
    let http = aws_smithy_http_client::Builder::new()
        .tls_provider(Tls::Rustls(CryptoMode::AwsLc))
        .build_with_resolver(Resolver);
    let region = settings
        .region
        .clone()
        .or_else(|| region_in(&url))
        .unwrap_or_else(|| "oss".to_owned());
    let mut loader = aws_config::defaults(BehaviorVersion::latest())
        .retry_config(retry)
        .http_client(http)
        .region(Region::new(region))
        .endpoint_url(&url);
    if let Some(profile) = &settings.profile {
        loader = loader.profile_name(profile);
    }
    if let Some(credentials) = alibaba_credentials() {
        loader = loader.credentials_provider(credentials);
    }
    let shared = loader.load().await;
    let config = aws_sdk_s3::config::Builder::from(&shared)
        .force_path_style(false)
        .response_checksum_validation(ResponseChecksumValidation::WhenRequired)
        .build();
    Ok(Client::from_conf(config))
}

/// The region an OSS endpoint names (`s3.oss-cn-hangzhou.aliyuncs.com` → `cn-hangzhou`).
fn region_in(url: &str) -> Option<String> {
    let host = url.split("://").nth(1)?.split(['/', ':']).next()?;
    let label = host.split('.').find_map(|l| l.strip_prefix("oss-"))?;
    Some(label.strip_suffix("-internal").unwrap_or(label).to_owned())
}

/// Alibaba Cloud's credential variables, when both halves are set.
fn alibaba_credentials() -> Option<Credentials> {
    let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    let id = var("ALIBABA_CLOUD_ACCESS_KEY_ID")?;
    let secret = var("ALIBABA_CLOUD_ACCESS_KEY_SECRET")?;
    Some(Credentials::new(
        id,
        secret,
        var("ALIBABA_CLOUD_SECURITY_TOKEN"),
        None,
        "alibaba-cloud-environment",
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_and_their_regions() {
        assert_eq!(
            endpoint("cn-hangzhou"),
            "https://s3.oss-cn-hangzhou.aliyuncs.com"
        );
        assert_eq!(
            region_in("https://s3.oss-ap-southeast-1-internal.aliyuncs.com").as_deref(),
            Some("ap-southeast-1")
        );
        assert_eq!(region_in("http://127.0.0.1:9000"), None);
    }

    #[test]
    fn localhost_names_are_the_loopback() {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let found = runtime
            .block_on(Resolver.resolve_dns("logs.oss-test.localhost"))
            .unwrap();
        assert!(found.contains(&IpAddr::V4(Ipv4Addr::LOCALHOST)));
    }
}
