//! Privilege analysis on the cloudsplaining export and on small accounts
//! built to prove each rule: resources that make an escalation work, denies
//! across policies, conditions that block and ones that do not, chains.

use serde_json::{Value, json};

use super::*;
use crate::parse_authorization_details;

const ACCOUNT: &str = "111122223333";

fn arn(kind: &str, name: &str) -> String {
    format!("arn:aws:iam::{ACCOUNT}:{kind}/{name}")
}

fn user(name: &str, inline: Value) -> Value {
    json!({"UserName": name, "UserId": name, "Arn": arn("user", name), "Path": "/",
        "UserPolicyList": [{"PolicyName": "inline", "PolicyDocument": inline}], "GroupList": []})
}

fn role(name: &str, trust: Value, inline: Value) -> Value {
    json!({"RoleName": name, "RoleId": name, "Arn": arn("role", name), "Path": "/",
        "AssumeRolePolicyDocument": trust,
        "RolePolicyList": [{"PolicyName": "inline", "PolicyDocument": inline}]})
}

fn lambda_trust() -> Value {
    json!({"Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]})
}

fn allow(actions: Value, resource: Value) -> Value {
    json!({"Statement": [{"Effect": "Allow", "Action": actions, "Resource": resource}]})
}

fn account(users: Vec<Value>, roles: Vec<Value>) -> Account {
    parse_authorization_details(&json!({"UserDetailList": users, "RoleDetailList": roles, "GroupDetailList": [], "Policies": []}).to_string())
        .expect("a valid export")
}

fn methods_of<'a>(report: &'a PrivilegeReport, principal: &str) -> Vec<(&'a str, &'a str)> {
    let principal_arn = arn("user", principal);
    let role_arn = arn("role", principal);
    report
        .escalations
        .iter()
        .filter(|e| e.principal == principal_arn || e.principal == role_arn)
        .map(|e| (e.method.id, e.target.rsplit('/').next().unwrap_or("")))
        .collect()
}

fn admin_role() -> Value {
    role("admin-fn", lambda_trust(), allow(json!("*"), json!("*")))
}

fn harmless_role() -> Value {
    role(
        "logs-fn",
        lambda_trust(),
        allow(
            json!(["logs:CreateLogStream", "logs:PutLogEvents"]),
            json!("*"),
        ),
    )
}

#[test]
fn the_cloudsplaining_estate() {
    let account = crate::import::tests::cloudsplaining();
    let report = analyse(&account);
    let admins: Vec<&str> = report
        .admins
        .keys()
        .map(|a| a.rsplit('/').next().unwrap_or(""))
        .collect();
    assert_eq!(admins, ["obama", "userwithlotsofpermissions"]);
    assert!(report.admins.values().all(|g| g.kind == AdminKind::Full));
    // OverprivilegedEC2 may create access keys for anyone: both admins, and
    // biden, who may do what the role may not (iam:PassRole, lambda:*).
    let overprivileged: Vec<(&str, &str)> = report
        .escalations
        .iter()
        .filter(|e| e.principal.ends_with("role/OverprivilegedEC2"))
        .map(|e| (e.method.id, e.target.rsplit('/').next().unwrap_or("")))
        .collect();
    assert_eq!(
        overprivileged,
        [
            ("create-access-key", "obama"),
            ("create-access-key", "userwithlotsofpermissions"),
            ("create-access-key", "biden")
        ]
    );
    let biden = report
        .escalations
        .iter()
        .find(|e| e.target.ends_with("user/biden"))
        .expect("biden");
    assert!(
        biden
            .gain
            .as_deref()
            .is_some_and(|g| g.contains("iam:PassRole") && g.contains("lambda:CreateFunction")),
        "{:?}",
        biden.gain
    );
    // biden may pass roles to Lambda, but no role trusts Lambda: no path.
    assert!(
        report
            .escalations
            .iter()
            .all(|e| !e.principal.ends_with("user/biden"))
    );
    // MyRole may pass roles, but has no service action to pass them with.
    assert!(
        report
            .escalations
            .iter()
            .all(|e| !e.principal.ends_with("role/MyRole"))
    );
}

#[test]
fn pass_role_limited_to_a_harmless_role_is_not_an_escalation() {
    let limited = user(
        "limited",
        allow(
            json!([
                "iam:PassRole",
                "lambda:CreateFunction",
                "lambda:InvokeFunction"
            ]),
            json!([arn("role", "logs-fn"), "arn:aws:lambda:*:*:function:*"]),
        ),
    );
    let open = user(
        "open",
        allow(
            json!([
                "iam:PassRole",
                "lambda:CreateFunction",
                "lambda:InvokeFunction"
            ]),
            json!("*"),
        ),
    );
    let report = analyse(&account(
        vec![limited, open],
        vec![admin_role(), harmless_role()],
    ));
    assert!(
        methods_of(&report, "limited").is_empty(),
        "{:?}",
        methods_of(&report, "limited")
    );
    assert_eq!(
        methods_of(&report, "open"),
        [("pass-role-lambda-invoke", "admin-fn")]
    );
    let escalation = report
        .escalations
        .iter()
        .find(|e| e.principal.ends_with("user/open"))
        .expect("found");
    assert_eq!(escalation.gain.as_deref(), Some("it is admin-equivalent"));
    assert_eq!(escalation.steps[0].action, "iam:PassRole");
    assert_eq!(
        escalation.steps[0].reasoning,
        "allowed by statement #1 of inline policy inline; not denied by any policy"
    );
}

#[test]
fn create_access_key_on_itself_is_not_lateral_movement() {
    let own = user(
        "own",
        allow(
            json!("iam:CreateAccessKey"),
            json!(format!("arn:aws:iam::{ACCOUNT}:user/${{aws:username}}")),
        ),
    );
    let any = user("any", allow(json!("iam:CreateAccessKey"), json!("*")));
    let boss = user("boss", allow(json!("*"), json!("*")));
    let report = analyse(&account(vec![own, any, boss], vec![]));
    assert!(methods_of(&report, "own").is_empty());
    assert_eq!(methods_of(&report, "any"), [("create-access-key", "boss")]);
}

#[test]
fn a_deny_in_another_policy_removes_one_path_not_the_others() {
    let mut guarded = user(
        "guarded",
        allow(
            json!(["iam:AttachUserPolicy", "iam:PutUserPolicy"]),
            json!("*"),
        ),
    );
    guarded["UserPolicyList"].as_array_mut().expect("list").push(json!({"PolicyName": "guard",
        "PolicyDocument": {"Statement": [{"Effect": "Deny", "Action": "iam:Attach*", "Resource": "*"}]}}));
    let report = analyse(&account(vec![guarded], vec![]));
    assert_eq!(
        methods_of(&report, "guarded"),
        [("put-user-policy", "guarded")]
    );
}

#[test]
fn a_condition_that_blocks_and_one_that_does_not() {
    let condition = |condition: Value| json!({"Statement": [{"Effect": "Allow", "Action": "iam:AttachUserPolicy", "Resource": "*", "Condition": condition}]});
    let mfa = || condition(json!({"Bool": {"aws:MultiFactorAuthPresent": "true"}}));
    let office = user(
        "office",
        condition(json!({"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}})),
    );
    let readonly = user(
        "readonly",
        condition(
            json!({"ArnEquals": {"iam:PolicyARN": "arn:aws:iam::aws:policy/ReadOnlyAccess"}}),
        ),
    );
    let iam_full = user(
        "iam-full",
        condition(json!({"ArnEquals": {"iam:PolicyARN": "arn:aws:iam::aws:policy/IAMFullAccess"}})),
    );
    let mut estate = account(
        vec![
            user("keys-only", mfa()),
            user("has-mfa", mfa()),
            user("unknown-mfa", mfa()),
            office,
            readonly,
            iam_full,
        ],
        vec![],
    );
    // The credential report says who has an MFA device.
    for user in &mut estate.users {
        user.mfa_active = match user.name.as_str() {
            "has-mfa" => Some(true),
            "unknown-mfa" => None,
            _ => Some(false),
        };
    }
    let report = analyse(&estate);
    assert!(
        methods_of(&report, "keys-only").is_empty(),
        "long-term keys carry no MFA"
    );
    assert_eq!(
        methods_of(&report, "has-mfa"),
        [("attach-user-policy", "has-mfa")],
        "it can sign in with its MFA device"
    );
    let unknown = report
        .escalations
        .iter()
        .find(|e| e.principal.ends_with("user/unknown-mfa"))
        .expect("reported as undecided");
    assert!(
        unknown.undecided[0].contains("aws:MultiFactorAuthPresent"),
        "{:?}",
        unknown.undecided
    );
    assert!(
        methods_of(&report, "readonly").is_empty(),
        "only ReadOnlyAccess may be attached"
    );
    assert_eq!(
        methods_of(&report, "iam-full"),
        [("attach-user-policy", "iam-full")],
        "IAMFullAccess makes it IAM admin"
    );
    assert_eq!(
        methods_of(&report, "office"),
        [("attach-user-policy", "office")]
    );
    let office = report
        .escalations
        .iter()
        .find(|e| e.principal.ends_with("user/office"))
        .expect("found");
    assert!(
        office.steps[0]
            .reasoning
            .contains("condition aws:SourceIp is not a barrier"),
        "{}",
        office.steps[0].reasoning
    );
}

#[test]
fn a_user_with_two_keys_takes_no_third() {
    let any = user("any", allow(json!("iam:CreateAccessKey"), json!("*")));
    let deleter = user(
        "deleter",
        allow(
            json!(["iam:CreateAccessKey", "iam:DeleteAccessKey"]),
            json!("*"),
        ),
    );
    let mut estate = account(
        vec![any, deleter, user("boss", allow(json!("*"), json!("*")))],
        vec![],
    );
    let boss = estate
        .users
        .iter_mut()
        .find(|u| u.name == "boss")
        .expect("boss");
    boss.access_keys = vec![
        crate::AccessKey {
            active: true,
            ..Default::default()
        },
        crate::AccessKey {
            active: false,
            ..Default::default()
        },
    ];
    let report = analyse(&estate);
    assert!(
        methods_of(&report, "any").is_empty(),
        "both of boss's key slots are taken"
    );
    assert_eq!(
        methods_of(&report, "deleter"),
        [("create-access-key", "boss")]
    );
}

#[test]
fn a_tag_condition_the_principal_controls_is_no_barrier() {
    let tagged = json!({"Statement": [
        {"Effect": "Allow", "Action": "iam:AttachUserPolicy", "Resource": "*", "Condition": {"StringEquals": {"aws:PrincipalTag/team": "admins"}}},
    ]});
    let self_tagging = json!({"Statement": [
        {"Effect": "Allow", "Action": "iam:AttachUserPolicy", "Resource": "*", "Condition": {"StringEquals": {"aws:PrincipalTag/team": "admins"}}},
        {"Effect": "Allow", "Action": "iam:TagUser", "Resource": format!("arn:aws:iam::{ACCOUNT}:user/${{aws:username}}")},
    ]});
    let report = analyse(&account(
        vec![user("untagged", tagged), user("tagger", self_tagging)],
        vec![],
    ));
    assert!(methods_of(&report, "untagged").is_empty());
    assert_eq!(
        methods_of(&report, "tagger"),
        [("attach-user-policy", "tagger")]
    );
}

#[test]
fn an_unknown_condition_leaves_the_path_undecided_and_says_why() {
    let org = user(
        "org",
        json!({"Statement": [{"Effect": "Allow", "Action": "iam:PutUserPolicy", "Resource": "*",
        "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-abc"}}}]}),
    );
    let report = analyse(&account(vec![org], vec![]));
    let escalation = report
        .escalations
        .iter()
        .find(|e| e.principal.ends_with("user/org"))
        .expect("reported, not dropped");
    assert_eq!(escalation.undecided.len(), 1);
    assert!(
        escalation.undecided[0].contains("aws:PrincipalOrgID"),
        "{:?}",
        escalation.undecided
    );
}

#[test]
fn roles_that_can_be_assumed_chain_to_admin() {
    let hopper = user(
        "hopper",
        allow(json!("sts:AssumeRole"), json!(arn("role", "middle"))),
    );
    let trusts_account = json!({"Statement": [{"Effect": "Allow", "Principal": {"AWS": format!("arn:aws:iam::{ACCOUNT}:root")}, "Action": "sts:AssumeRole"}]});
    let trusts_middle = json!({"Statement": [{"Effect": "Allow", "Principal": {"AWS": arn("role", "middle")}, "Action": "sts:AssumeRole"}]});
    let middle = role(
        "middle",
        trusts_account.clone(),
        allow(json!("s3:ListBucket"), json!("*")),
    );
    let top = role("top", trusts_middle, allow(json!("*"), json!("*")));
    // Trusted through the account, but the user has no sts:AssumeRole on it.
    let unreachable = role("unreachable", trusts_account, allow(json!("*"), json!("*")));
    let report = analyse(&account(vec![hopper], vec![middle, top, unreachable]));
    let chains: Vec<(String, Vec<String>, String)> = report
        .chains
        .iter()
        .map(|c| {
            (
                c.principal.clone(),
                c.hops.iter().map(|(r, _)| r.clone()).collect(),
                c.ends_in.clone(),
            )
        })
        .collect();
    assert!(
        chains.contains(&(
            arn("user", "hopper"),
            vec![arn("role", "middle"), arn("role", "top")],
            "admin".to_string()
        )),
        "{chains:?}"
    );
    assert!(
        chains
            .iter()
            .all(|(_, hops, _)| !hops.contains(&arn("role", "unreachable")))
    );
}

#[test]
fn joining_a_more_privileged_group() {
    let joiner = user("joiner", allow(json!("iam:AddUserToGroup"), json!("*")));
    let export = json!({
        "UserDetailList": [joiner],
        "RoleDetailList": [],
        "GroupDetailList": [
            {"GroupName": "admins", "GroupId": "admins", "Arn": arn("group", "admins"),
             "GroupPolicyList": [{"PolicyName": "all", "PolicyDocument": allow(json!("*"), json!("*"))}]},
            {"GroupName": "readers", "GroupId": "readers", "Arn": arn("group", "readers"),
             "GroupPolicyList": [{"PolicyName": "read", "PolicyDocument": allow(json!("s3:ListBucket"), json!("*"))}]},
        ],
        "Policies": [],
    });
    let report = analyse(&parse_authorization_details(&export.to_string()).expect("valid"));
    assert_eq!(
        methods_of(&report, "joiner"),
        [("add-user-to-group", "admins")]
    );
}
