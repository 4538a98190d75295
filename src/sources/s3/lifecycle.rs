//! `--fetch-lifecycle`: the current lifecycle configuration of a bucket
//! (GetBucketLifecycleConfiguration), as the analysis reads rules.

use aws_sdk_s3::error::ProvideErrorMetadata;

use super::{Action, Settings, connect, describe, patiently};
use crate::model::Rule;

/// What GetBucketLifecycleConfiguration said of a bucket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Configuration {
    /// Its rules.
    Rules(Vec<Rule>),
    /// It has no lifecycle configuration.
    None,
    /// It could not be read: why.
    Failed(String),
}

/// The current lifecycle configuration of each bucket (`--fetch-lifecycle`).
pub fn lifecycle_configurations(
    settings: &Settings,
    buckets: &[String],
) -> Vec<(String, Configuration)> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build();
    let runtime = match runtime {
        Ok(runtime) => runtime,
        Err(e) => {
            let why = format!("cannot start the network runtime: {e}");
            return buckets
                .iter()
                .map(|b| (b.clone(), Configuration::Failed(why.clone())))
                .collect();
        }
    };
    runtime.block_on(async {
        let mut out = Vec::new();
        for bucket in buckets {
            out.push((bucket.clone(), fetch_lifecycle(settings, bucket).await));
        }
        out
    })
}

async fn fetch_lifecycle(settings: &Settings, bucket: &str) -> Configuration {
    let client = match connect(settings, bucket).await {
        Ok(client) => client,
        Err(why) => return Configuration::Failed(why),
    };
    let request = client.get_bucket_lifecycle_configuration().bucket(bucket);
    let request = patiently(|| request.clone().send()).await;
    match request {
        Ok(out) => Configuration::Rules(out.rules().iter().map(rule).collect()),
        Err(e)
            if e.as_service_error().and_then(|s| s.code())
                == Some("NoSuchLifecycleConfiguration") =>
        {
            Configuration::None
        }
        Err(e) => Configuration::Failed(describe(&e, &format!("s3://{bucket}"), Action::Lifecycle)),
    }
}

/// A rule as the analysis reads it.
fn rule(r: &aws_sdk_s3::types::LifecycleRule) -> Rule {
    let filter = r.filter();
    let and = filter.and_then(|f| f.and());
    #[allow(deprecated)] // the legacy rule-level Prefix is still returned for old rules
    let legacy = r.prefix();
    let prefix = filter
        .and_then(|f| f.prefix())
        .or(and.and_then(|a| a.prefix()))
        .or(legacy)
        .unwrap_or_default();
    let other_filters = filter.is_some_and(|f| {
        f.tag().is_some()
            || f.object_size_greater_than().is_some()
            || f.object_size_less_than().is_some()
    }) || and.is_some_and(|a| {
        !a.tags().is_empty()
            || a.object_size_greater_than().is_some()
            || a.object_size_less_than().is_some()
    });
    Rule {
        id: r.id().map(str::to_owned),
        enabled: r.status().as_str() == "Enabled",
        prefix: prefix.to_owned(),
        abort_days: r
            .abort_incomplete_multipart_upload()
            .and_then(|a| a.days_after_initiation())
            .and_then(|d| u32::try_from(d).ok()),
        created_before: None,
        excluded_prefixes: Vec::new(),
        other_filters,
    }
}
