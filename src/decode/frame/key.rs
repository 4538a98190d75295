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

impl Key {
    /// Which key `name` is. A record has about twenty keys and most are none of these, so the
    /// length and first byte pick the one candidate to compare with (usually none).
    pub fn of(name: &[u8]) -> Key {
        let candidate = match (name.len(), name.first().copied().unwrap_or(0)) {
            (7, b'R') => Key::Records,
            (9, b'l') => Key::LogEvents,
            (6, b'E') => Key::Events,
            (15, b'C') => Key::CloudTrailEvent,
            (4, b'_') => Key::Raw,
            (6, b'd') => Key::Detail,
            (11, b'd') => Key::DetailType,
            (12, b'e') => Key::Version,
            (9, b'e') => {
                return match name {
                    b"eventTime" => Key::Time,
                    b"eventName" => Key::Name,
                    b"eventType" => Key::Type,
                    b"errorCode" => Key::Error,
                    _ => Key::other(name),
                };
            }
            (11, b'e') => Key::Source,
            (13, b'e') => Key::Category,
            (7, b'e') => Key::Id,
            (15, b'm') => Key::Management,
            (17, b'r') => Key::Request,
            (9, b'a') => {
                return match name {
                    b"acsRegion" => Key::Alibaba,
                    b"awsRegion" => Key::Region,
                    _ => Key::other(name),
                };
            }
            (12, b'u') => Key::Identity,
            (5, b'e') => Key::Event,
            (8, b'c') => Key::Contents,
            (9, b'r') => Key::RequestId,
            (18, b'r') => Key::Account,
            (8, b'l') | (13..=15, b'd') => Key::Digest,
            _ => return Key::other(name),
        };
        if candidate.is(name) {
            candidate
        } else {
            Key::other(name)
        }
    }

    /// A key that is none of the named ones: a flattened `event.…` member, or any other.
    fn other(name: &[u8]) -> Key {
        if name.len() > 6 && name[0] == b'e' && name[5] == b'.' && name.starts_with(b"event.") {
            Key::Flattened
        } else {
            Key::Other
        }
    }

    fn is(self, name: &[u8]) -> bool {
        match self {
            Key::Records => name == b"Records",
            Key::LogEvents => name == b"logEvents",
            Key::Events => name == b"Events",
            Key::CloudTrailEvent => name == b"CloudTrailEvent",
            Key::Raw => name == b"_raw",
            Key::Detail => name == b"detail",
            Key::DetailType => name == b"detail-type",
            Key::Version => name == b"eventVersion",
            Key::Source => name == b"eventSource",
            Key::Category => name == b"eventCategory",
            Key::Id => name == b"eventID",
            Key::Management => name == b"managementEvent",
            Key::Request => name == b"requestParameters",
            Key::Identity => name == b"userIdentity",
            Key::RequestId => name == b"requestID",
            Key::Account => name == b"recipientAccountId",
            Key::Event => name == b"event",
            Key::Contents => name == b"contents",
            Key::Digest => matches!(
                name,
                b"digestStartTime" | b"digestEndTime" | b"digestS3Bucket" | b"logFiles"
            ),
            Key::Time
            | Key::Name
            | Key::Type
            | Key::Error
            | Key::Alibaba
            | Key::Region
            | Key::Flattened
            | Key::Other => false,
        }
    }
}
