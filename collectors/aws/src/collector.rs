//! The `aws` collector: offline exports and live accounts, each assessed by
//! the IAM detectors and emitted as inventory.

use async_trait::async_trait;
use nhiscope_aws_iam::{Account, Settings, assess};
use nhiscope_collect::{CollectContext, CollectError, Collector, ConfigError, NodeSink};
use tracing::Instrument;

use crate::{AwsConfig, emit::emit, live, offline};

/// The collector id, also its config section.
const COLLECTOR_ID: &str = "aws";

/// Collects AWS IAM identities, credentials, policies and trusts.
#[derive(Debug, Default, Clone, Copy)]
pub struct AwsCollector;

fn config(section: &toml::Table) -> Result<AwsConfig, ConfigError> {
    let config =
        AwsConfig::from_section(section).map_err(|e| ConfigError::from_toml(COLLECTOR_ID, &e))?;
    config
        .validate()
        .map_err(|message| ConfigError::new(COLLECTOR_ID, message))?;
    Ok(config)
}

fn settings(config: &AwsConfig, cx: &CollectContext) -> Settings {
    let mut settings = Settings::new(cx.clock.now());
    settings.max_key_age_days = config.max_key_age_days;
    settings.unused_key_days = config.unused_key_days;
    settings.new_key_grace_days = config.new_key_grace_days;
    settings.inactive_user_days = config.inactive_user_days;
    settings.trusted_accounts = config.trusted_accounts.clone();
    settings
}

fn assess_and_emit(account: &Account, settings: &Settings, out: &dyn NodeSink) {
    let _span = tracing::info_span!("account", id = %account.id).entered();
    let assessment = assess(account, settings);
    tracing::info!(
        users = account.users.len(),
        roles = account.roles.len(),
        findings = assessment.findings.len(),
        "assessed"
    );
    emit(account, &assessment, out);
}

#[async_trait]
impl Collector for AwsCollector {
    fn id(&self) -> &'static str {
        COLLECTOR_ID
    }

    fn describe(&self) -> &'static str {
        "AWS IAM: users, roles, keys, policies and trusts, live or from exports"
    }

    fn check_config(&self, section: &toml::Table) -> Result<(), ConfigError> {
        config(section).map(|_| ())
    }

    async fn collect(&self, cx: &CollectContext, out: &dyn NodeSink) -> Result<(), CollectError> {
        let config = config(&cx.config)?;
        let base_settings = settings(&config, cx);
        let mut assessed = 0usize;
        let mut attempted = 0usize;
        if !config.exports.is_empty() {
            let imported = tokio::task::block_in_place(|| offline::import(&config.exports, out));
            for (account, file) in imported.accounts.values() {
                attempted += 1;
                let settings = Settings {
                    export_file: Some(file.clone()),
                    ..base_settings.clone()
                };
                assess_and_emit(account, &settings, out);
                assessed += 1;
            }
            if imported.accounts.is_empty() {
                attempted += 1;
            }
        }
        if config.live {
            let base = live::base_config(&config).await;
            let targets = live::targets(&config, &base, out).await;
            let concurrency = config.concurrency.unwrap_or(cx.limits.concurrency).max(1);
            for target in targets {
                if cx.cancel.is_cancelled() {
                    return Err(CollectError::Cancelled);
                }
                attempted += 1;
                let span = tracing::info_span!("target", via = %target.via);
                match live::collect_account(&target, cx, concurrency, config.page_size, out)
                    .instrument(span)
                    .await
                {
                    Ok(account) => {
                        assess_and_emit(&account, &base_settings, out);
                        assessed += 1;
                    }
                    Err(error) => out.error(Some(format!("aws:{}", target.via)), error.0),
                }
            }
        }
        if cx.cancel.is_cancelled() {
            return Err(CollectError::Cancelled);
        }
        if assessed == 0 && attempted > 0 {
            return Err(CollectError::Unavailable {
                target: "aws".into(),
                message: "no account could be collected; the errors above say why for each source"
                    .into(),
            });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests;
