//! Who made a request: the identity of a CloudTrail record or the requester of an access-log
//! line, normalised.

use super::Provider;

/// The `userIdentity.type` of a CloudTrail record.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub enum IdentityKind {
    /// An IAM user.
    IamUser,
    /// A role session (`arn:aws:sts::…:assumed-role/ROLE/SESSION`).
    AssumedRole,
    /// An AWS service acting on its own (`invokedBy`).
    AwsService,
    /// Another account, or `ANONYMOUS_PRINCIPAL`.
    AwsAccount,
    /// The account root user.
    Root,
    /// A `GetFederationToken` session.
    FederatedUser,
    /// A SAML-federated user.
    SamlUser,
    /// A web-identity-federated user.
    WebIdentityUser,
    /// An IAM Identity Center user.
    IdentityCenterUser,
    /// A type this tool does not know, kept as written.
    Other(String),
    /// The record has no `userIdentity.type`.
    #[default]
    Missing,
}

impl IdentityKind {
    /// Reads a `userIdentity.type` value.
    pub fn parse(s: &str) -> IdentityKind {
        match s {
            "IAMUser" => IdentityKind::IamUser,
            "AssumedRole" => IdentityKind::AssumedRole,
            "AWSService" => IdentityKind::AwsService,
            "AWSAccount" => IdentityKind::AwsAccount,
            "Root" => IdentityKind::Root,
            "FederatedUser" => IdentityKind::FederatedUser,
            "SAMLUser" => IdentityKind::SamlUser,
            "WebIdentityUser" => IdentityKind::WebIdentityUser,
            "IdentityCenterUser" => IdentityKind::IdentityCenterUser,
            other => IdentityKind::Other(other.to_owned()),
        }
    }

    /// The value as CloudTrail writes it (`None` when the record had none).
    pub fn as_str(&self) -> Option<&str> {
        Some(match self {
            IdentityKind::IamUser => "IAMUser",
            IdentityKind::AssumedRole => "AssumedRole",
            IdentityKind::AwsService => "AWSService",
            IdentityKind::AwsAccount => "AWSAccount",
            IdentityKind::Root => "Root",
            IdentityKind::FederatedUser => "FederatedUser",
            IdentityKind::SamlUser => "SAMLUser",
            IdentityKind::WebIdentityUser => "WebIdentityUser",
            IdentityKind::IdentityCenterUser => "IdentityCenterUser",
            IdentityKind::Other(s) => s,
            IdentityKind::Missing => return None,
        })
    }
}

/// Who made a request, as far as the log says.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Actor {
    /// `userIdentity.type`.
    pub kind: IdentityKind,
    /// `userIdentity.arn`: for an assumed role, the session ARN.
    pub arn: Option<String>,
    /// `userIdentity.accountId`.
    pub account_id: Option<String>,
    /// `userIdentity.principalId`.
    pub principal_id: Option<String>,
    /// `sessionContext.sessionIssuer.arn`: the role behind an assumed-role session.
    pub issuer_arn: Option<String>,
    /// `userIdentity.invokedBy`: the AWS service that made the call.
    pub invoked_by: Option<String>,
    /// `userIdentity.userName` (SAML, web identity and IAM users).
    pub user_name: Option<String>,
    /// `onBehalfOf.userId` (or `userId`) of an IAM Identity Center user.
    pub on_behalf_of: Option<String>,
    /// The cloud whose log named it.
    pub provider: Provider,
    /// The name OSS logs give an identity without an ARN: `acs:ram::ACCOUNT:root` for a root
    /// account, else the user name or principal ID (ActionTrail), or the requester's Aliyun ID
    /// (access logs).
    pub name: Option<String>,
    /// The access key ID of the request (OSS; an `STS.` key is a temporary session).
    pub access_key_id: Option<String>,
}

/// The account ID CloudTrail writes for unauthenticated S3 requests.
pub const ANONYMOUS_PRINCIPAL: &str = "ANONYMOUS_PRINCIPAL";

/// The short form of a display name ([`Actor::display_name`]) that a person uses: the role of an
/// assumed-role session (with the session when `session` is set, to tell two sessions of one role
/// apart), the role or user of an IAM ARN, else the whole name.
pub fn short_display(name: &str, session: bool) -> String {
    // `arn:aws:sts::ACCOUNT:RESOURCE`, or OSS's `acs:ram::ACCOUNT:RESOURCE`; role and session
    // names hold no colon.
    let resource = match name.split_once(':') {
        Some(("arn" | "acs", rest)) => rest.rsplit(':').next().unwrap_or_default(),
        _ => "",
    };
    let mut parts = resource.splitn(3, '/');
    match (parts.next(), parts.next(), parts.next()) {
        (Some("assumed-role"), Some(role), Some(id)) if session => format!("{role}/{id}"),
        (Some("assumed-role" | "role" | "user"), Some(name), _) if !name.is_empty() => {
            name.to_owned()
        }
        _ => name.to_owned(),
    }
}

impl Actor {
    /// An actor the log says nothing about.
    pub const EMPTY: Actor = Actor {
        kind: IdentityKind::Missing,
        arn: None,
        account_id: None,
        principal_id: None,
        issuer_arn: None,
        invoked_by: None,
        user_name: None,
        on_behalf_of: None,
        provider: Provider::Aws,
        name: None,
        access_key_id: None,
    };

    /// Whether the request was unauthenticated.
    pub fn is_anonymous(&self) -> bool {
        self.account_id.as_deref() == Some(ANONYMOUS_PRINCIPAL)
    }

    /// The name a person recognises: the (session) ARN, the AWS service, "anonymous", or the
    /// best identifier the record offers.
    pub fn display_name(&self) -> String {
        if self.is_anonymous() {
            return "anonymous".to_owned();
        }
        if let Some(arn) = &self.arn {
            return arn.clone();
        }
        if let Some(name) = &self.name {
            return name.clone();
        }
        if self.kind == IdentityKind::AwsService
            && let Some(service) = &self.invoked_by
        {
            return service.clone();
        }
        let fallback = [
            &self.on_behalf_of,
            &self.user_name,
            &self.invoked_by,
            &self.principal_id,
        ]
        .into_iter()
        .flatten()
        .next();
        match (fallback, &self.account_id) {
            (Some(name), _) => name.clone(),
            (None, Some(account)) => format!("account {account}"),
            (None, None) => "unknown".to_owned(),
        }
    }

    /// The name a person uses for this identity ([`short_display`] of its display name).
    pub fn short_name(&self, session: bool) -> String {
        short_display(&self.display_name(), session)
    }

    /// Whether two actors are the same acting identity. For an assumed role this compares the
    /// session ARN: two sessions of one role are different actors. On OSS the name is compared,
    /// and the access key ID where both carry one (two STS sessions of one role are two actors).
    pub fn same_as(&self, other: &Actor) -> bool {
        if self.provider == Provider::Alibaba || other.provider == Provider::Alibaba {
            let keys = match (&self.access_key_id, &other.access_key_id) {
                (Some(a), Some(b)) => a == b,
                _ => true,
            };
            return self.provider == other.provider
                && self.display_name() == other.display_name()
                && keys;
        }
        match (&self.arn, &other.arn) {
            (Some(a), Some(b)) => a == b,
            _ => self == other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::short_display;

    #[test]
    fn a_short_display_name_keeps_the_role_and_session_or_the_user() {
        let session = "arn:aws:sts::111122223333:assumed-role/etl-loader/glue-job-run-42";
        assert_eq!(short_display(session, true), "etl-loader/glue-job-run-42");
        assert_eq!(short_display(session, false), "etl-loader");
        let user = "arn:aws:iam::111122223333:user/alice";
        assert_eq!(short_display(user, true), "alice");
        let oss = "acs:ram::3566998837862146:assumed-role/emr-jobs/job-b-attempt-1";
        assert_eq!(short_display(oss, true), "emr-jobs/job-b-attempt-1");
        assert_eq!(
            short_display("acs:ram::3566998837862146:user/bob", false),
            "bob"
        );
        for whole in [
            "backup.amazonaws.com",
            "anonymous",
            "arn:aws:iam::111122223333:root",
        ] {
            assert_eq!(short_display(whole, true), whole);
        }
    }
}
