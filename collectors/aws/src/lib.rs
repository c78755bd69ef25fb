//! The AWS IAM collector: reads an account live through the official SDK
//! (read-only calls, multi-account through assumed roles or AWS
//! Organizations) or offline from `aws iam get-account-authorization-details`
//! exports and credential reports, runs the IAM detectors
//! (nhiscope-aws-iam) on each account, and emits the inventory and findings.

mod collector;
mod config;
mod emit;
mod live;
mod offline;

pub use collector::AwsCollector;
pub use config::AwsConfig;
