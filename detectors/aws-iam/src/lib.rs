//! AWS IAM as AWS evaluates it. The [`Account`] model is what the AWS
//! collector fills, live or from exports; the policy evaluator ([`evaluate`])
//! decides requests the way AWS documents it, with its reasoning; and the
//! detectors turn an account into findings about credentials (age, use,
//! orphans), privileges (admin, escalation paths, chains) and trust policies.

mod account;
mod classify;
mod detect;
mod document;
mod eval;
pub mod ids;
mod import;
mod pattern;
mod principal;
mod privilege;
mod trust;

pub use account::{
    AccessKey, Account, Group, InlinePolicy, InstanceProfile, ManagedPolicy, OidcProvider, Role,
    RootUser, SamlProvider, ServerCertificate, ServiceCredential, SigningCertificate, SshPublicKey,
    User,
};
pub use classify::{Classification, Nature, classify_role, classify_user};
pub use detect::{Assessment, DETECTORS, Settings, assess};
pub use document::{
    Condition, Effect, PatternList, PolicyDocument, PolicyError, Principals, Statement,
};
pub use eval::{
    AppliedPolicy, CALLER_NAMED, Citation, ConditionResult, Context, Decision, KeyValue, Outcome,
    PolicySet, Request, evaluate, statement_conditions,
};
pub use import::{
    ImportError, access_key_list_users, apply_access_key_list, apply_credential_report,
    arn_account, credential_report_account, is_access_key_list, is_credential_report,
    parse_authorization_details, parse_authorization_details_of, parse_timestamp,
};
pub use pattern::{action_matches, arn_matches, glob};
pub use principal::{Principal, PrincipalKind, principals};
pub use privilege::{
    AdminGrant, AdminKind, Assumption, Chain, Escalation, METHODS, Method, PrivilegeReport, Step,
    Target, analyse,
};
pub use trust::{Admission, TrustIssue, admits_principal, trust_issues, trusts_service};
