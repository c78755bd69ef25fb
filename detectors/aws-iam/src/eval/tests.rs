//! The evaluation rules AWS documents ("Policy evaluation logic" in the IAM
//! User Guide), one test each.

use serde_json::json;

use super::*;

fn document(value: serde_json::Value) -> PolicyDocument {
    PolicyDocument::from_value(&value).expect("a valid document")
}

fn allow(action: &str, resource: &str) -> PolicyDocument {
    document(json!({"Statement": [{"Effect": "Allow", "Action": action, "Resource": resource}]}))
}

fn decide(
    policies: &[(&str, &PolicyDocument)],
    action: &str,
    resource: &str,
    context: &Context,
) -> Decision {
    let set = PolicySet {
        identity: policies
            .iter()
            .map(|(label, document)| AppliedPolicy { label, document })
            .collect(),
        boundary: None,
    };
    evaluate(
        &set,
        &Request {
            action,
            resource,
            context,
        },
    )
}

const USER: &str = "arn:aws:iam::111122223333:user/ci";

#[test]
fn nothing_is_allowed_without_an_allow() {
    let decision = decide(&[], "iam:CreateUser", "*", &Context::default());
    assert_eq!(decision.outcome, Outcome::ImplicitDeny);
    assert_eq!(decision.reasoning(), "no statement allows it");
}

#[test]
fn a_deny_in_another_policy_beats_an_allow() {
    let grant = allow("iam:*", "*");
    let refuse = document(
        json!({"Statement": [{"Sid": "NoKeys", "Effect": "Deny", "Action": "iam:CreateAccessKey", "Resource": "*"}]}),
    );
    let policies = [
        ("managed policy IAMFullAccess", &grant),
        ("inline policy guard", &refuse),
    ];
    let decision = decide(&policies, "iam:CreateAccessKey", USER, &Context::default());
    assert_eq!(decision.outcome, Outcome::ExplicitDeny);
    assert_eq!(
        decision.reasoning(),
        "explicitly denied by statement `NoKeys` of inline policy guard"
    );
    // Other IAM actions stay allowed.
    let decision = decide(&policies, "iam:CreateUser", "*", &Context::default());
    assert!(decision.is_allowed());
    assert_eq!(
        decision.reasoning(),
        "allowed by statement #1 of managed policy IAMFullAccess; not denied by any policy"
    );
}

#[test]
fn an_allow_with_not_action_grants_everything_else() {
    let everything_but_iam = document(
        json!({"Statement": [{"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}]}),
    );
    let policies = [("p", &everything_but_iam)];
    assert!(decide(&policies, "s3:DeleteBucket", "*", &Context::default()).is_allowed());
    assert!(decide(&policies, "ec2:RunInstances", "*", &Context::default()).is_allowed());
    assert_eq!(
        decide(&policies, "iam:PassRole", "*", &Context::default()).outcome,
        Outcome::ImplicitDeny
    );
}

#[test]
fn a_deny_with_not_resource_denies_everything_but_the_listed_resources() {
    let grant = allow("iam:CreateAccessKey", "*");
    let fence = document(
        json!({"Statement": [{"Effect": "Deny", "Action": "iam:CreateAccessKey", "NotResource": "arn:aws:iam::111122223333:user/${aws:username}"}]}),
    );
    let policies = [("grant", &grant), ("fence", &fence)];
    let mut context = Context::default();
    context.set("aws:username", ["ci"]);
    assert!(decide(&policies, "iam:CreateAccessKey", USER, &context).is_allowed());
    let other = "arn:aws:iam::111122223333:user/admin";
    assert_eq!(
        decide(&policies, "iam:CreateAccessKey", other, &context).outcome,
        Outcome::ExplicitDeny
    );
}

#[test]
fn wildcards_in_actions_and_resources() {
    let policy = document(
        json!({"Statement": [{"Effect": "Allow", "Action": ["iam:*Policy*"], "Resource": "arn:aws:iam::*:user/ci-*"}]}),
    );
    let policies = [("p", &policy)];
    assert!(
        decide(
            &policies,
            "IAM:putuserpolicy",
            USER.replace("/ci", "/ci-deploy").as_str(),
            &Context::default()
        )
        .is_allowed()
    );
    assert!(
        !decide(
            &policies,
            "iam:PutUserPolicy",
            "arn:aws:iam::1:role/ci-deploy",
            &Context::default()
        )
        .is_allowed()
    );
    assert!(
        !decide(
            &policies,
            "iam:CreateAccessKey",
            "arn:aws:iam::1:user/ci-deploy",
            &Context::default()
        )
        .is_allowed()
    );
    // A grant on some resources is not a grant on every resource.
    assert!(!decide(&policies, "iam:PutUserPolicy", "*", &Context::default()).is_allowed());
}

#[test]
fn a_permissions_boundary_caps_what_identity_policies_allow() {
    let admin = allow("*", "*");
    let cap = allow("s3:*", "*");
    let set = PolicySet {
        identity: vec![AppliedPolicy {
            label: "admin",
            document: &admin,
        }],
        boundary: Some(AppliedPolicy {
            label: "cap",
            document: &cap,
        }),
    };
    let context = Context::default();
    let decision = evaluate(
        &set,
        &Request {
            action: "iam:CreateUser",
            resource: "*",
            context: &context,
        },
    );
    assert_eq!(decision.outcome, Outcome::ImplicitDeny);
    assert_eq!(
        decision.reasoning(),
        "allowed by statement #1 of admin but not by the permissions boundary"
    );
    let decision = evaluate(
        &set,
        &Request {
            action: "s3:GetObject",
            resource: "*",
            context: &context,
        },
    );
    assert!(decision.is_allowed());
    assert!(
        decision
            .reasoning()
            .ends_with("within the permissions boundary")
    );
}

#[test]
fn a_condition_that_blocks_and_one_that_does_not() {
    let mfa_only = document(
        json!({"Statement": [{"Effect": "Allow", "Action": "iam:AttachUserPolicy", "Resource": "*",
        "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}}}]}),
    );
    let office_only = document(
        json!({"Statement": [{"Effect": "Allow", "Action": "iam:AttachUserPolicy", "Resource": "*",
        "Condition": {"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}}}]}),
    );
    let mut context = Context::default();
    // Long-term access keys carry no MFA: the key is absent from their requests.
    context.set_absent("aws:MultiFactorAuthPresent");
    context.set_caller_chosen(
        "aws:SourceIp",
        "the caller can send the request from inside the allowed network",
    );
    let blocked = decide(
        &[("mfa", &mfa_only)],
        "iam:AttachUserPolicy",
        USER,
        &context,
    );
    assert_eq!(blocked.outcome, Outcome::ImplicitDeny);
    let open = decide(
        &[("office", &office_only)],
        "iam:AttachUserPolicy",
        USER,
        &context,
    );
    assert!(open.is_allowed());
    assert!(
        open.reasoning()
            .contains("condition aws:SourceIp is not a barrier"),
        "{}",
        open.reasoning()
    );
}

#[test]
fn a_deny_the_caller_can_dodge_does_not_deny() {
    let grant = allow("iam:*", "*");
    let region_fence = document(
        json!({"Statement": [{"Effect": "Deny", "Action": "*", "Resource": "*",
        "Condition": {"NotIpAddress": {"aws:SourceIp": ["10.0.0.0/8"]}}}]}),
    );
    let mut context = Context::default();
    context.set_caller_chosen("aws:SourceIp", "the caller chooses where to call from");
    let decision = decide(
        &[("grant", &grant), ("fence", &region_fence)],
        "iam:CreateUser",
        "*",
        &context,
    );
    assert!(decision.is_allowed());
    // With a known source address outside the range, the deny applies.
    let mut outside = Context::default();
    outside.set("aws:SourceIp", ["198.51.100.7"]);
    let decision = decide(
        &[("grant", &grant), ("fence", &region_fence)],
        "iam:CreateUser",
        "*",
        &outside,
    );
    assert_eq!(decision.outcome, Outcome::ExplicitDeny);
}

#[test]
fn unknown_conditions_are_named_never_guessed() {
    let grant = document(
        json!({"Statement": [{"Effect": "Allow", "Action": "iam:PassRole", "Resource": "*",
        "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-abc"}}}]}),
    );
    let decision = decide(
        &[("p", &grant)],
        "iam:PassRole",
        "arn:aws:iam::1:role/r",
        &Context::default(),
    );
    assert_eq!(decision.outcome, Outcome::Uncertain);
    assert!(
        decision
            .reasoning()
            .contains("nothing is known about `aws:PrincipalOrgID`"),
        "{}",
        decision.reasoning()
    );
    // An undecidable Deny makes an allowed request uncertain, not allowed.
    let open = allow("iam:PassRole", "*");
    let maybe = document(
        json!({"Statement": [{"Effect": "Deny", "Action": "iam:PassRole", "Resource": "*",
        "Condition": {"DateGreaterThan": {"aws:CurrentTime": "2020-01-01T00:00:00Z"}}}]}),
    );
    let decision = decide(
        &[("open", &open), ("maybe", &maybe)],
        "iam:PassRole",
        "arn:aws:iam::1:role/r",
        &Context::default(),
    );
    assert_eq!(decision.outcome, Outcome::Uncertain);
}

#[test]
fn passed_to_service_and_policy_arn_conditions() {
    let pass = document(
        json!({"Statement": [{"Effect": "Allow", "Action": "iam:PassRole", "Resource": "*",
        "Condition": {"StringEquals": {"iam:PassedToService": "ec2.amazonaws.com"}}}]}),
    );
    let mut to_lambda = Context::default();
    to_lambda.set("iam:PassedToService", ["lambda.amazonaws.com"]);
    assert!(
        !decide(
            &[("p", &pass)],
            "iam:PassRole",
            "arn:aws:iam::1:role/r",
            &to_lambda
        )
        .is_allowed()
    );
    let mut to_ec2 = Context::default();
    to_ec2.set("iam:PassedToService", ["ec2.amazonaws.com"]);
    assert!(
        decide(
            &[("p", &pass)],
            "iam:PassRole",
            "arn:aws:iam::1:role/r",
            &to_ec2
        )
        .is_allowed()
    );

    let attach = document(
        json!({"Statement": [{"Effect": "Allow", "Action": "iam:AttachUserPolicy", "Resource": "*",
        "Condition": {"ArnEquals": {"iam:PolicyARN": ["arn:aws:iam::aws:policy/ReadOnlyAccess"]}}}]}),
    );
    let mut admin = Context::default();
    admin.set(
        "iam:PolicyARN",
        ["arn:aws:iam::aws:policy/AdministratorAccess"],
    );
    assert!(!decide(&[("p", &attach)], "iam:AttachUserPolicy", USER, &admin).is_allowed());
}

#[test]
fn set_operators_and_if_exists() {
    let tagged = document(
        json!({"Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*",
        "Condition": {"ForAllValues:StringEquals": {"aws:TagKeys": ["team", "env"]}, "StringEqualsIfExists": {"aws:PrincipalTag/team": "blue"}}}]}),
    );
    let mut context = Context::default();
    context.set("aws:TagKeys", ["team"]);
    context.set_absent("aws:PrincipalTag/");
    assert!(decide(&[("p", &tagged)], "s3:GetObject", "*", &context).is_allowed());
    context.set("aws:TagKeys", ["team", "owner"]);
    assert!(!decide(&[("p", &tagged)], "s3:GetObject", "*", &context).is_allowed());
    context.set("aws:TagKeys", ["env"]);
    context.set("aws:PrincipalTag/team", ["red"]);
    assert!(!decide(&[("p", &tagged)], "s3:GetObject", "*", &context).is_allowed());
}

#[test]
fn null_and_negated_operators_on_absent_keys() {
    let needs_boundary = document(
        json!({"Statement": [{"Effect": "Allow", "Action": "iam:CreateUser", "Resource": "*",
        "Condition": {"Null": {"iam:PermissionsBoundary": "false"}}}]}),
    );
    let mut context = Context::default();
    context.set_absent("iam:PermissionsBoundary");
    assert!(!decide(&[("p", &needs_boundary)], "iam:CreateUser", "*", &context).is_allowed());
    context.set("iam:PermissionsBoundary", ["arn:aws:iam::1:policy/cap"]);
    assert!(decide(&[("p", &needs_boundary)], "iam:CreateUser", "*", &context).is_allowed());

    let not_equals = document(
        json!({"Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*",
        "Condition": {"StringNotEquals": {"aws:PrincipalTag/env": "prod"}}}]}),
    );
    let mut absent = Context::default();
    absent.set_absent("aws:PrincipalTag/");
    assert!(decide(&[("p", &not_equals)], "s3:GetObject", "*", &absent).is_allowed());
}
