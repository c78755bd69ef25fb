//! Offline imports: authorization-details JSON and credential report CSV,
//! files or directories of them, grouped by account.

use std::{
    collections::BTreeMap,
    path::{Path, PathBuf},
};

use nhiscope_aws_iam::{
    Account, ImportError, access_key_list_users, apply_access_key_list, apply_credential_report,
    credential_report_account, is_access_key_list, is_credential_report,
    parse_authorization_details,
};
use nhiscope_collect::NodeSink;

/// The accounts read from the exports, with the file each came from.
#[derive(Debug, Default)]
pub struct Imported {
    /// By account id.
    pub accounts: BTreeMap<String, (Account, String)>,
}

/// Exports larger than this are refused (an authorization-details export of
/// a very large account is tens of MB).
const MAX_EXPORT_BYTES: u64 = 512 * 1024 * 1024;

/// Reads every export under `paths`. A file that cannot be read is reported
/// on `out` and skipped; so is a directory entry that is not an export.
pub fn import(paths: &[PathBuf], out: &dyn NodeSink) -> Imported {
    let mut files: Vec<(PathBuf, bool)> = Vec::new();
    for path in paths {
        collect_files(path, true, &mut files, out);
    }
    let mut imported = Imported::default();
    let mut reports: Vec<(PathBuf, String)> = Vec::new();
    let mut key_lists: Vec<(PathBuf, String)> = Vec::new();
    for (file, explicit) in files {
        let shown = file.display().to_string();
        let size = std::fs::metadata(&file).map(|m| m.len()).unwrap_or(0);
        if size > MAX_EXPORT_BYTES {
            out.skipped(shown, "too_large", Some(size));
            continue;
        }
        let text = match std::fs::read(&file) {
            Ok(bytes) => match String::from_utf8(bytes) {
                Ok(text) => text,
                Err(_) if explicit => {
                    out.error(Some(shown.clone()), format!("{shown}: not UTF-8 text; expected an authorization-details JSON export or a credential report CSV"));
                    continue;
                }
                Err(_) => {
                    out.skipped(shown, "binary", Some(size));
                    continue;
                }
            },
            Err(error) => {
                out.error(
                    Some(shown.clone()),
                    format!("{shown}: cannot read ({error}); check the path and its permissions"),
                );
                continue;
            }
        };
        out.scanned(1);
        if is_credential_report(&text) {
            reports.push((file, text));
            continue;
        }
        if is_access_key_list(&text) {
            key_lists.push((file, text));
            continue;
        }
        match parse_authorization_details(&text) {
            Ok(account) => {
                tracing::info!(file = %shown, account = %account.id, "imported authorization details");
                let id = account.id.clone();
                match imported.accounts.entry(id) {
                    std::collections::btree_map::Entry::Occupied(entry) => out.error(
                        Some(shown.clone()),
                        format!(
                            "{shown}: a second authorization-details export of account {}; only the first is used — pass one export per account",
                            entry.key()
                        ),
                    ),
                    std::collections::btree_map::Entry::Vacant(entry) => {
                        entry.insert((account, shown));
                    }
                }
            }
            Err(ImportError::Json(_) | ImportError::Shape(_)) if !explicit => {
                out.skipped(shown, "not_an_aws_export", Some(size));
            }
            Err(error) => out.error(
                Some(shown.clone()),
                format!("{shown}: {error}; export it again with `aws iam get-account-authorization-details --output json`"),
            ),
        }
    }
    for (file, text) in reports {
        let shown = file.display().to_string();
        let Some(id) = credential_report_account(&text) else {
            out.error(
                Some(shown.clone()),
                format!("{shown}: the credential report names no account (no ARN in its rows)"),
            );
            continue;
        };
        let (account, _) = imported.accounts.entry(id.clone()).or_insert_with(|| {
            (
                Account {
                    id: id.clone(),
                    partition: "aws".into(),
                    ..Account::default()
                },
                shown.clone(),
            )
        });
        account.sources.push(shown.clone());
        if let Err(error) = apply_credential_report(account, &text) {
            out.error(Some(shown.clone()), format!("{shown}: {error}; fetch it again with `aws iam get-credential-report --query Content --output text | base64 -d`"));
        }
    }
    for (file, text) in key_lists {
        apply_key_list(&mut imported, &file, &text, out);
    }
    for (account, file) in imported.accounts.values_mut() {
        if !account.sources.contains(file) {
            account.sources.insert(0, file.clone());
        }
    }
    imported
}

/// A `list-access-keys` output names no account: it belongs to the account
/// whose users it lists (the one account imported from the same directory,
/// or the only account that has all its users).
fn apply_key_list(imported: &mut Imported, file: &Path, text: &str, out: &dyn NodeSink) {
    let shown = file.display().to_string();
    let users = match access_key_list_users(text) {
        Ok(users) => users,
        Err(error) => {
            out.error(Some(shown.clone()), format!("{shown}: {error}; expected the output of `aws iam list-access-keys --user-name NAME`"));
            return;
        }
    };
    let directory = file.parent().map(Path::to_path_buf);
    let candidates: Vec<String> = imported
        .accounts
        .iter()
        .filter(|(_, (account, _))| {
            users
                .iter()
                .all(|name| account.users.iter().any(|u| &u.name == name))
        })
        .filter(|(_, (_, source))| {
            imported.accounts.len() == 1
                || Path::new(source).parent().map(Path::to_path_buf) == directory
        })
        .map(|(id, _)| id.clone())
        .collect();
    let [id] = candidates.as_slice() else {
        out.error(
            Some(shown.clone()),
            format!(
                "{shown}: cannot tell which account's keys these are ({} candidate accounts); put the file beside that account's authorization-details export",
                candidates.len()
            ),
        );
        return;
    };
    let (account, _) = imported.accounts.get_mut(id).expect("a candidate exists");
    account.sources.push(shown.clone());
    match apply_access_key_list(account, text) {
        Ok(count) => {
            tracing::info!(file = %shown, account = %id, keys = count, "imported access key ids")
        }
        Err(error) => out.error(Some(shown.clone()), format!("{shown}: {error}")),
    }
}

fn collect_files(
    path: &Path,
    explicit: bool,
    files: &mut Vec<(PathBuf, bool)>,
    out: &dyn NodeSink,
) {
    let shown = path.display().to_string();
    match std::fs::metadata(path) {
        Err(error) => out.error(
            Some(shown.clone()),
            format!("{shown}: cannot open ({error}); check the path in [aws] exports"),
        ),
        Ok(meta) if meta.is_dir() => {
            let mut entries: Vec<PathBuf> = match std::fs::read_dir(path) {
                Ok(entries) => entries.filter_map(|e| e.ok().map(|e| e.path())).collect(),
                Err(error) => {
                    out.error(
                        Some(shown.clone()),
                        format!("{shown}: cannot list ({error})"),
                    );
                    return;
                }
            };
            entries.sort();
            for entry in entries {
                let is_export = entry.extension().and_then(|e| e.to_str()).is_some_and(|e| {
                    e.eq_ignore_ascii_case("json") || e.eq_ignore_ascii_case("csv")
                });
                if entry.is_dir() {
                    collect_files(&entry, false, files, out);
                } else if is_export {
                    files.push((entry, false));
                } else {
                    out.skipped(
                        entry.display().to_string(),
                        "not_an_aws_export",
                        std::fs::metadata(&entry).ok().map(|m| m.len()),
                    );
                }
            }
        }
        Ok(_) => files.push((path.to_path_buf(), explicit)),
    }
}
