//! The top-level keys the framer acts on, told from a key's bytes.

/// The top-level keys the framer acts on; every other key is skipped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Key {
    Records,
    LogEvents,
    Events,
    CloudTrailEvent,
    Raw,
    Detail,
    DetailType,
    Version,
    Time,
    Name,
    Source,
    Type,
    Category,
    Id,
    Management,
    Request,
    Error,
    Identity,
    RequestId,
    Region,
    Account,
    Alibaba,
    /// A Log Service row's `event` (an ActionTrail event as a JSON string).
    Event,
    /// A Log Service export row's `contents`.
    Contents,
    /// A member `event.…` of a Log Service row whose event was flattened.
    Flattened,
    Digest,
    Other,
}

/// The keys with a name, and which each is.
const NAMED: [(&[u8], Key); 28] = [
    (b"Records", Key::Records),
    (b"logEvents", Key::LogEvents),
    (b"Events", Key::Events),
    (b"CloudTrailEvent", Key::CloudTrailEvent),
    (b"_raw", Key::Raw),
    (b"detail", Key::Detail),
    (b"detail-type", Key::DetailType),
    (b"eventVersion", Key::Version),
    (b"eventTime", Key::Time),
    (b"eventName", Key::Name),
    (b"eventSource", Key::Source),
    (b"eventType", Key::Type),
    (b"eventCategory", Key::Category),
    (b"eventID", Key::Id),
    (b"managementEvent", Key::Management),
    (b"requestParameters", Key::Request),
    (b"errorCode", Key::Error),
    (b"userIdentity", Key::Identity),
    (b"requestID", Key::RequestId),
    (b"awsRegion", Key::Region),
    (b"recipientAccountId", Key::Account),
    (b"acsRegion", Key::Alibaba),
    (b"event", Key::Event),
    (b"contents", Key::Contents),
    (b"digestStartTime", Key::Digest),
    (b"digestEndTime", Key::Digest),
    (b"digestS3Bucket", Key::Digest),
    (b"logFiles", Key::Digest),
];

impl Key {
    /// Which key `name` is. The framer asks only when its guess from the records before was
    /// wrong ([`super::order`]), so a look through the names is enough.
    pub fn of(name: &[u8]) -> Key {
        match NAMED.iter().find(|(named, _)| *named == name) {
            Some(&(_, key)) => key,
            None if name.len() > 6 && name.starts_with(b"event.") => Key::Flattened,
            None => Key::Other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tells_keys_by_their_exact_names() {
        for (name, key) in [
            (&b"eventTime"[..], Key::Time),
            (b"digestEndTime", Key::Digest),
            (b"event", Key::Event),
            (b"event.userIdentity", Key::Flattened),
            (b"event.", Key::Other),
            (b"eventtime", Key::Other),
            (b"Records ", Key::Other),
            (b"", Key::Other),
        ] {
            assert_eq!(Key::of(name), key, "{}", String::from_utf8_lossy(name));
        }
    }
}
