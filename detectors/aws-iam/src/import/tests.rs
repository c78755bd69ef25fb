//! The importers on real exports: cloudsplaining's authorization details
//! (../shared) and a credential report in AWS's documented format.

use super::*;

pub(crate) fn cloudsplaining() -> Account {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/testdata/aws/cloudsplaining-authz-details.json"
    );
    let text = std::fs::read_to_string(path).expect("../shared is beside the repository");
    parse_authorization_details(&text).expect("a valid export")
}

#[test]
fn reads_the_cloudsplaining_export() {
    let account = cloudsplaining();
    assert_eq!(account.id, "012345678901");
    assert_eq!(account.partition, "aws");
    let users: Vec<&str> = account.users.iter().map(|u| u.name.as_str()).collect();
    assert_eq!(users, ["obama", "userwithlotsofpermissions", "biden"]);
    let roles: Vec<&str> = account.roles.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(roles, ["MyRole", "MyOtherRole", "OverprivilegedEC2"]);
    assert_eq!(account.groups.len(), 2);
    assert_eq!(account.policies.len(), 32);
    let biden = account.user("biden").expect("biden");
    assert_eq!(biden.groups, ["biden"]);
    assert_eq!(biden.inline_policies[0].name, "InsecureUserPolicy");
    assert_eq!(
        biden.created_at,
        Some("2019-12-18T19:10:08Z".parse().expect("a timestamp"))
    );
    let ec2 = account.role("OverprivilegedEC2").expect("role");
    assert_eq!(
        ec2.instance_profiles,
        ["arn:aws:iam::012345678901:instance-profile/OverprivilegedEC2"]
    );
    assert_eq!(
        ec2.last_used_at,
        Some("2019-01-20T18:48:00Z".parse().expect("a timestamp"))
    );
    assert_eq!(account.instance_profiles.len(), 1);
    let admin = &account.policies["arn:aws:iam::aws:policy/AdministratorAccess"];
    assert!(admin.is_aws_managed());
    assert!(admin.document.is_some());
}

#[test]
fn malformed_exports_name_the_item() {
    let error = parse_authorization_details("{\"UserDetailList\": [{\"UserName\": \"ci\"}]}")
        .expect_err("no Arn");
    assert_eq!(error.to_string(), "user ci: no `Arn`");
    let error = parse_authorization_details("[1, 2]").expect_err("not an export");
    assert!(
        error
            .to_string()
            .starts_with("not an authorization-details export")
    );
    let error = parse_authorization_details("{").expect_err("not JSON");
    assert!(error.to_string().starts_with("not JSON"));
    let bad_policy = r#"{"RoleDetailList": [{"RoleName": "r", "Arn": "arn:aws:iam::111122223333:role/r",
        "AssumeRolePolicyDocument": {"Statement": [{"Effect": "Maybe", "Action": "sts:AssumeRole"}]}}]}"#;
    let error = parse_authorization_details(bad_policy).expect_err("bad trust policy");
    assert_eq!(
        error.to_string(),
        "role r, trust policy: invalid policy document: statement #1: unknown Effect `Maybe`"
    );
}

/// A credential report in the format AWS documents (every column, in order).
pub(crate) const REPORT: &str = "user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,password_next_rotation,mfa_active,access_key_1_active,access_key_1_last_rotated,access_key_1_last_used_date,access_key_1_last_used_region,access_key_1_last_used_service,access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date,access_key_2_last_used_region,access_key_2_last_used_service,cert_1_active,cert_1_last_rotated,cert_2_active,cert_2_last_rotated
<root_account>,arn:aws:iam::012345678901:root,2017-05-15T17:33:36+00:00,not_supported,2020-01-02T10:00:00+00:00,not_supported,not_supported,false,true,2018-01-01T00:00:00+00:00,2019-06-01T00:00:00+00:00,us-east-1,s3,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A
obama,arn:aws:iam::012345678901:user/obama,2019-12-18T19:10:08+00:00,true,2020-01-20T09:00:00+00:00,2019-12-18T19:12:00+00:00,N/A,true,false,N/A,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A
biden,arn:aws:iam::012345678901:user/biden,2019-12-18T19:10:08+00:00,false,N/A,N/A,N/A,false,true,2019-12-18T19:15:00+00:00,2020-01-25T00:00:00+00:00,us-east-1,lambda,true,2019-12-19T00:00:00+00:00,N/A,N/A,N/A,false,N/A,false,N/A
";

#[test]
fn a_credential_report_adds_passwords_mfa_and_keys() {
    let mut account = cloudsplaining();
    assert_eq!(
        credential_report_account(REPORT).as_deref(),
        Some("012345678901")
    );
    assert!(is_credential_report(REPORT));
    apply_credential_report(&mut account, REPORT).expect("valid");
    let root = account.root.as_ref().expect("root row");
    assert!(root.has_active_keys());
    assert_eq!(root.mfa_active, Some(false));
    let obama = account.user("obama").expect("obama");
    assert_eq!(
        (obama.password_enabled, obama.mfa_active),
        (Some(true), Some(true))
    );
    assert!(obama.access_keys.is_empty());
    let biden = account.user("biden").expect("biden");
    assert_eq!(biden.access_keys.len(), 2);
    assert_eq!(biden.access_keys[0].slot, Some(1));
    assert_eq!(
        biden.access_keys[0].last_used_service.as_deref(),
        Some("lambda")
    );
    assert_eq!(biden.access_keys[1].last_used_at, None);
    assert_eq!(biden.access_keys[1].label(), "access key 2");
}

#[test]
fn a_ragged_credential_report_names_the_line() {
    let mut account = Account::default();
    let error =
        apply_credential_report(&mut account, "user,arn\nci,arn:aws:iam::1:user/ci,extra\n")
            .expect_err("ragged");
    assert_eq!(
        error.to_string(),
        "credential report line 2: 3 fields where the header has 2"
    );
}

#[test]
fn timestamps_in_every_form_aws_tools_print() {
    let expected: Timestamp = "2019-12-18T19:10:08Z".parse().expect("a timestamp");
    for text in [
        "2019-12-18T19:10:08Z",
        "2019-12-18 19:10:08+00:00",
        "2019-12-18T19:10:08+00:00",
        "2019-12-18T19:10:08",
    ] {
        assert_eq!(parse_timestamp(text), Some(expected), "{text}");
    }
    assert_eq!(parse_timestamp("N/A"), None);
    assert_eq!(parse_timestamp("no_information"), None);
}
