//! `aws iam list-access-keys` output: the ids of users' access keys, which
//! the credential report leaves out (it names keys by slot). With them, an
//! access key id found in a repository joins the key in the account.

use jiff::Timestamp;
use serde::Deserialize;

use super::{ImportError, parse_timestamp};
use crate::{AccessKey, Account};

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct KeyList {
    access_key_metadata: Vec<KeyMetadata>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct KeyMetadata {
    user_name: String,
    access_key_id: String,
    status: String,
    create_date: Option<String>,
}

/// Whether `text` is what `aws iam list-access-keys` prints.
pub fn is_access_key_list(text: &str) -> bool {
    let head: String = text.chars().take(200).collect();
    head.contains("\"AccessKeyMetadata\"")
}

/// The user names an access key list is about.
pub fn access_key_list_users(json: &str) -> Result<Vec<String>, ImportError> {
    let list: KeyList = serde_json::from_str(json).map_err(|e| ImportError::Json(e.to_string()))?;
    Ok(list
        .access_key_metadata
        .into_iter()
        .map(|key| key.user_name)
        .collect())
}

fn same_second(a: Option<Timestamp>, b: Option<Timestamp>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => (a.as_second() - b.as_second()).abs() <= 1,
        _ => false,
    }
}

/// Gives the account's users' keys their ids: a listed key is matched to
/// the credential report's slot with the same creation time (or the same
/// status when the report has no time), else added. Returns how many keys
/// were listed.
pub fn apply_access_key_list(account: &mut Account, json: &str) -> Result<usize, ImportError> {
    let list: KeyList = serde_json::from_str(json).map_err(|e| ImportError::Json(e.to_string()))?;
    let count = list.access_key_metadata.len();
    for key in list.access_key_metadata {
        let Some(user) = account.users.iter_mut().find(|u| u.name == key.user_name) else {
            return Err(ImportError::Item {
                item: format!("access key {} of {}", key.access_key_id, key.user_name),
                message: format!(
                    "account {} has no user {}; export the keys of this account's users",
                    account.id, key.user_name
                ),
            });
        };
        let created_at = key.create_date.as_deref().and_then(parse_timestamp);
        let active = key.status.eq_ignore_ascii_case("active");
        if user
            .access_keys
            .iter()
            .any(|k| k.id.as_deref() == Some(key.access_key_id.as_str()))
        {
            continue;
        }
        let slot = user
            .access_keys
            .iter_mut()
            .filter(|k| k.id.is_none())
            .find(|k| same_second(k.created_at, created_at));
        match slot {
            Some(existing) => {
                existing.id = Some(key.access_key_id);
                existing.active = active;
            }
            None => user.access_keys.push(AccessKey {
                id: Some(key.access_key_id),
                slot: None,
                active,
                created_at,
                last_used_at: None,
                last_used_service: None,
                last_used_region: None,
            }),
        }
    }
    Ok(count)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::User;

    #[test]
    fn listed_ids_land_in_the_credential_reports_slots() {
        let mut account = Account {
            id: "210987654321".into(),
            ..Account::default()
        };
        account.users.push(User {
            name: "ci".into(),
            access_keys: vec![AccessKey {
                id: None,
                slot: Some(1),
                active: true,
                created_at: parse_timestamp("2025-03-01T09:00:00+00:00"),
                last_used_at: parse_timestamp("2026-11-19T22:10:00+00:00"),
                last_used_service: None,
                last_used_region: None,
            }],
            ..User::default()
        });
        let json = r#"{"AccessKeyMetadata": [
            {"UserName": "ci", "AccessKeyId": "AKIACBSLFPR3UPXXRUBU", "Status": "Active", "CreateDate": "2025-03-01T09:00:00+00:00"},
            {"UserName": "ci", "AccessKeyId": "AKIA2OGYBAH6STMMNXNN", "Status": "Inactive", "CreateDate": "2026-06-01T09:00:00+00:00"}]}"#;
        assert!(is_access_key_list(json));
        assert_eq!(
            apply_access_key_list(&mut account, json).expect("applies"),
            2
        );
        let keys = &account.users[0].access_keys;
        assert_eq!(keys[0].id.as_deref(), Some("AKIACBSLFPR3UPXXRUBU"));
        assert!(keys[0].last_used_at.is_some(), "the slot keeps its use");
        assert_eq!(keys[1].id.as_deref(), Some("AKIA2OGYBAH6STMMNXNN"));
        assert!(!keys[1].active);
        let unknown = r#"{"AccessKeyMetadata": [{"UserName": "ghost", "AccessKeyId": "AKIA2OGYBAH6STMMNXNN", "Status": "Active"}]}"#;
        assert!(apply_access_key_list(&mut account, unknown).is_err());
    }
}
