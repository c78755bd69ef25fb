//! The policy evaluator: whether a principal's policies allow one request,
//! following AWS's documented evaluation logic for identity-based policies
//! and permissions boundaries, and why.
//!
//! An explicit `Deny` in any policy beats every `Allow`; without an `Allow`
//! the request is implicitly denied; with a permissions boundary the request
//! must be allowed by the boundary too. Conditions are decided from what is
//! known about the request ([`Context`]): a key whose value is known is
//! compared, a key the caller controls (the network they call from, a tag they
//! can set) is decided in the caller's favour, and a key nobody knows makes
//! the decision [`Outcome::Uncertain`] and is named, never guessed.

use std::collections::{BTreeMap, BTreeSet};
use std::net::IpAddr;

use crate::document::{Condition, Effect, PatternList, PolicyDocument};
use crate::pattern::{action_matches, arn_matches, glob, substitute};

/// A policy in effect, with the name reports give it.
#[derive(Clone, Copy, Debug)]
pub struct AppliedPolicy<'a> {
    /// How reports name it: `managed policy AdministratorAccess`, `inline
    /// policy deploy of group ci`.
    pub label: &'a str,
    /// Its document.
    pub document: &'a PolicyDocument,
}

/// Every policy that decides what one principal may do.
#[derive(Clone, Debug, Default)]
pub struct PolicySet<'a> {
    /// Identity-based policies: the principal's own, and its groups'.
    pub identity: Vec<AppliedPolicy<'a>>,
    /// The permissions boundary, when set.
    pub boundary: Option<AppliedPolicy<'a>>,
}

/// What is known about a request besides its action and resource.
#[derive(Clone, Debug, Default)]
pub struct Context {
    /// Values of policy variables and condition keys, by lowercase key.
    values: BTreeMap<String, Vec<String>>,
    /// Lowercase keys (or prefixes ending in `/`) known to be absent.
    absent: BTreeSet<String>,
    /// Lowercase keys (or prefixes ending in `/`) the caller controls, and why.
    caller_chosen: BTreeMap<String, String>,
}

/// How a condition key is known for one request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KeyValue {
    /// The request carries these values.
    Known(Vec<String>),
    /// The request does not carry the key.
    Absent,
    /// The caller decides the value; the reason says how.
    CallerChooses(String),
    /// Nothing is known about the key.
    Unknown,
}

impl Context {
    /// Sets a key's values (also usable as a policy variable).
    pub fn set(
        &mut self,
        key: &str,
        values: impl IntoIterator<Item = impl Into<String>>,
    ) -> &mut Self {
        let key = key.to_ascii_lowercase();
        self.absent.remove(&key);
        self.caller_chosen.remove(&key);
        self.values
            .insert(key, values.into_iter().map(Into::into).collect());
        self
    }

    /// Marks a key, or every key under a prefix ending in `/`, as absent.
    pub fn set_absent(&mut self, key: &str) -> &mut Self {
        let key = key.to_ascii_lowercase();
        self.values.remove(&key);
        self.absent.insert(key);
        self
    }

    /// Marks a key, or every key under a prefix ending in `/`, as chosen by the caller.
    pub fn set_caller_chosen(&mut self, key: &str, reason: impl Into<String>) -> &mut Self {
        let key = key.to_ascii_lowercase();
        self.values.remove(&key);
        self.caller_chosen.insert(key, reason.into());
        self
    }

    /// How `key` is known.
    pub fn resolve(&self, key: &str) -> KeyValue {
        let key = key.to_ascii_lowercase();
        if let Some(values) = self.values.get(&key) {
            return KeyValue::Known(values.clone());
        }
        if let Some(reason) = lookup(&self.caller_chosen, &key) {
            return KeyValue::CallerChooses(reason.clone());
        }
        if self.absent.contains(&key) || prefix_of(&key).is_some_and(|p| self.absent.contains(p)) {
            return KeyValue::Absent;
        }
        KeyValue::Unknown
    }

    /// The single-valued variables, for `${...}` substitution in resources.
    fn variables(&self) -> BTreeMap<String, String> {
        self.values
            .iter()
            .filter(|(_, values)| values.len() == 1)
            .map(|(key, values)| (key.clone(), values[0].clone()))
            .collect()
    }
}

fn prefix_of(key: &str) -> Option<&str> {
    key.find('/').map(|index| &key[..=index])
}

fn lookup<'a>(map: &'a BTreeMap<String, String>, key: &str) -> Option<&'a String> {
    map.get(key)
        .or_else(|| prefix_of(key).and_then(|prefix| map.get(prefix)))
}

/// The resource of a request whose resource the caller creates and names
/// (a new Lambda function, a new stack): any name a policy allows will do.
pub const CALLER_NAMED: &str = "<named by the caller>";

/// One request to decide.
#[derive(Clone, Copy, Debug)]
pub struct Request<'a> {
    /// The action, `iam:CreateAccessKey`.
    pub action: &'a str,
    /// The resource ARN the action is on (`*` for actions without one).
    pub resource: &'a str,
    /// What else is known.
    pub context: &'a Context,
}

/// A statement that took part in a decision.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Citation {
    /// The policy's label.
    pub policy: String,
    /// The statement's label (`statement `Sid`` or `statement #2`).
    pub statement: String,
    /// Allow or Deny.
    pub effect: Effect,
    /// Whether it is in the permissions boundary.
    pub boundary: bool,
}

impl std::fmt::Display for Citation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let boundary = if self.boundary {
            " (permissions boundary)"
        } else {
            ""
        };
        write!(f, "{} of {}{boundary}", self.statement, self.policy)
    }
}

/// The verdict on one request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Allowed and not denied.
    Allowed,
    /// Denied by an explicit `Deny`.
    ExplicitDeny,
    /// No `Allow` applies (or the boundary does not allow it).
    ImplicitDeny,
    /// The answer depends on a condition nhiscope cannot decide.
    Uncertain,
}

/// A decision and everything that led to it.
#[derive(Clone, Debug)]
pub struct Decision {
    /// The verdict.
    pub outcome: Outcome,
    /// The Allow statements that grant the request.
    pub grants: Vec<Citation>,
    /// The Deny statements that refuse it.
    pub denies: Vec<Citation>,
    /// Statements whose conditions could not be decided, and why.
    pub undecided: Vec<(Citation, String)>,
    /// How conditions were decided (a caller-controlled key, say).
    pub notes: Vec<String>,
    /// Whether a permissions boundary took part.
    pub bounded: bool,
}

impl Decision {
    /// Whether the request is allowed.
    pub fn is_allowed(&self) -> bool {
        self.outcome == Outcome::Allowed
    }

    /// The reasoning in one sentence a reviewer can check: "allowed by X; not
    /// denied; condition Y decided because Z".
    pub fn reasoning(&self) -> String {
        let list = |citations: &[Citation]| {
            citations
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        };
        let mut parts = Vec::new();
        match self.outcome {
            Outcome::Allowed => {
                parts.push(format!("allowed by {}", list(&self.grants)));
                parts.push("not denied by any policy".to_string());
                if self.bounded {
                    parts.push("within the permissions boundary".to_string());
                }
            }
            Outcome::ExplicitDeny => {
                parts.push(format!("explicitly denied by {}", list(&self.denies)))
            }
            Outcome::ImplicitDeny => {
                if self.grants.is_empty() {
                    parts.push("no statement allows it".to_string());
                } else {
                    parts.push(format!(
                        "allowed by {} but not by the permissions boundary",
                        list(&self.grants)
                    ));
                }
            }
            Outcome::Uncertain => {
                if !self.grants.is_empty() {
                    parts.push(format!("allowed by {}", list(&self.grants)));
                }
            }
        }
        for (citation, why) in &self.undecided {
            parts.push(format!("{citation} undecided: {why}"));
        }
        parts.extend(self.notes.iter().cloned());
        parts.join("; ")
    }
}

/// How one statement's conditions came out.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ConditionResult {
    /// Every condition holds (the notes say which ones the caller controls).
    Holds(Vec<String>),
    /// A condition fails: the statement does not apply.
    Fails,
    /// A condition cannot be decided; the text says which and why.
    Undecided(String),
}

/// Decides a statement's conditions for a request (used for trust policies,
/// whose statements name principals instead of resources).
pub fn statement_conditions(
    statement: &crate::Statement,
    request: &Request<'_>,
) -> ConditionResult {
    conditions(&statement.conditions, statement.effect, request)
}

/// Decides `request` against `policies`.
pub fn evaluate(policies: &PolicySet<'_>, request: &Request<'_>) -> Decision {
    let variables = request.context.variables();
    let mut decision = Decision {
        outcome: Outcome::ImplicitDeny,
        grants: Vec::new(),
        denies: Vec::new(),
        undecided: Vec::new(),
        notes: Vec::new(),
        bounded: policies.boundary.is_some(),
    };
    let mut possible_grant = false;
    let mut possible_deny = false;
    let mut boundary_grants = Vec::new();
    let mut boundary_possible = false;

    let all = policies
        .identity
        .iter()
        .map(|policy| (policy, false))
        .chain(policies.boundary.iter().map(|policy| (policy, true)));
    for (policy, in_boundary) in all {
        for (index, statement) in policy.document.statements.iter().enumerate() {
            if !statement_matches(
                statement.effect,
                &statement.actions,
                statement.resources.as_ref(),
                request,
                &variables,
            ) {
                continue;
            }
            let citation = Citation {
                policy: policy.label.to_string(),
                statement: statement.label(index),
                effect: statement.effect,
                boundary: in_boundary,
            };
            match conditions(&statement.conditions, statement.effect, request) {
                ConditionResult::Fails => {}
                ConditionResult::Holds(notes) => {
                    for note in notes {
                        if !decision.notes.contains(&note) {
                            decision.notes.push(note);
                        }
                    }
                    match (statement.effect, in_boundary) {
                        (Effect::Deny, _) => decision.denies.push(citation),
                        (Effect::Allow, false) => decision.grants.push(citation),
                        (Effect::Allow, true) => boundary_grants.push(citation),
                    }
                }
                ConditionResult::Undecided(why) => {
                    match (statement.effect, in_boundary) {
                        (Effect::Deny, _) => possible_deny = true,
                        (Effect::Allow, false) => possible_grant = true,
                        (Effect::Allow, true) => boundary_possible = true,
                    }
                    decision.undecided.push((citation, why));
                }
            }
        }
    }

    decision.outcome = if !decision.denies.is_empty() {
        Outcome::ExplicitDeny
    } else if decision.grants.is_empty() {
        if possible_grant {
            Outcome::Uncertain
        } else {
            Outcome::ImplicitDeny
        }
    } else if policies.boundary.is_some() && boundary_grants.is_empty() {
        if boundary_possible {
            Outcome::Uncertain
        } else {
            Outcome::ImplicitDeny
        }
    } else if possible_deny {
        Outcome::Uncertain
    } else {
        Outcome::Allowed
    };
    decision.grants.extend(boundary_grants);
    decision
}

fn statement_matches(
    effect: Effect,
    actions: &PatternList,
    resources: Option<&PatternList>,
    request: &Request<'_>,
    variables: &BTreeMap<String, String>,
) -> bool {
    let action_hit = match actions {
        PatternList::Only(patterns) => patterns.iter().any(|p| action_matches(p, request.action)),
        PatternList::AllBut(patterns) => {
            !patterns.iter().any(|p| action_matches(p, request.action))
        }
    };
    if !action_hit {
        return false;
    }
    if request.resource == CALLER_NAMED {
        // The caller names the resource (a new function, stack or instance):
        // any Allow that covers the action serves, and only a Deny of every
        // resource refuses.
        return match (effect, resources) {
            (_, None) => false,
            (Effect::Allow, Some(_)) => true,
            (Effect::Deny, Some(PatternList::Only(patterns))) => patterns.iter().any(|p| p == "*"),
            (Effect::Deny, Some(PatternList::AllBut(_))) => true,
        };
    }
    let resource_hit = |pattern: &String| {
        let pattern = substitute(pattern, variables);
        // A request for "every resource" (`*`) is covered only by `*` patterns.
        if request.resource == "*" {
            return pattern == "*";
        }
        arn_matches(&pattern, request.resource)
    };
    match resources {
        None => false,
        Some(PatternList::Only(patterns)) => patterns.iter().any(resource_hit),
        Some(PatternList::AllBut(patterns)) => {
            request.resource != "*" && !patterns.iter().any(resource_hit)
        }
    }
}

fn conditions(conditions: &[Condition], effect: Effect, request: &Request<'_>) -> ConditionResult {
    let mut notes = Vec::new();
    let mut undecided = Vec::new();
    for condition in conditions {
        match test(condition, request) {
            Test::True => {}
            Test::False => return ConditionResult::Fails,
            Test::CallerChooses(reason) => {
                // The caller picks the value that suits them: an Allow's
                // condition is met, a Deny's is dodged.
                notes.push(format!(
                    "condition {} is not a barrier: {reason}",
                    condition.key
                ));
                if effect == Effect::Deny {
                    return ConditionResult::Fails;
                }
            }
            Test::Unknown(why) => undecided.push(format!("{} ({why})", condition)),
        }
    }
    if undecided.is_empty() {
        ConditionResult::Holds(notes)
    } else {
        ConditionResult::Undecided(undecided.join("; "))
    }
}

enum Test {
    True,
    False,
    CallerChooses(String),
    Unknown(String),
}

fn test(condition: &Condition, request: &Request<'_>) -> Test {
    let key = condition.key.to_ascii_lowercase();
    let mut value = request.context.resolve(&key);
    // IAM and STS are global: their requests are made in us-east-1.
    if key == "aws:requestedregion"
        && value == KeyValue::Unknown
        && (request.action.to_ascii_lowercase().starts_with("iam:"))
    {
        value = KeyValue::Known(vec!["us-east-1".into()]);
    }
    let operator = condition.base_operator();
    let values = match value {
        KeyValue::CallerChooses(reason) => return Test::CallerChooses(reason),
        KeyValue::Unknown => {
            return Test::Unknown(format!("nothing is known about `{}`", condition.key));
        }
        KeyValue::Absent => None,
        KeyValue::Known(values) => Some(values),
    };
    if operator == "Null" {
        let wants_absent = condition
            .values
            .iter()
            .any(|v| v.eq_ignore_ascii_case("true"));
        return bool_test(values.is_none() == wants_absent);
    }
    let Some(values) = values else {
        // An absent key: IfExists and negated operators hold, ForAllValues
        // holds vacuously, everything else fails.
        let negated = operator.contains("Not");
        return bool_test(
            condition.if_exists()
                || condition.set_qualifier() == Some("ForAllValues")
                || (negated && condition.set_qualifier().is_none()),
        );
    };
    let negated = operator.contains("Not");
    let positive = operator.replace("Not", "");
    let mut matches_one = Vec::with_capacity(values.len());
    for value in &values {
        let mut any = false;
        for expected in &condition.values {
            match compare(&positive, expected, value) {
                Some(true) => any = true,
                Some(false) => {}
                None => {
                    return Test::Unknown(format!(
                        "the operator `{}` is not evaluated",
                        condition.operator
                    ));
                }
            }
        }
        matches_one.push(any);
    }
    let per_value = |hit: &bool| if negated { !*hit } else { *hit };
    let result = match condition.set_qualifier() {
        Some("ForAllValues") => matches_one.iter().all(per_value),
        Some("ForAnyValue") => matches_one.iter().any(per_value),
        _ if negated => matches_one.iter().all(per_value),
        _ => matches_one.iter().any(per_value),
    };
    bool_test(result)
}

fn bool_test(result: bool) -> Test {
    if result { Test::True } else { Test::False }
}

/// Compares one request value with one policy value under a positive operator.
fn compare(operator: &str, expected: &str, actual: &str) -> Option<bool> {
    Some(match operator {
        "StringEquals" => expected == actual,
        "StringEqualsIgnoreCase" => expected.eq_ignore_ascii_case(actual),
        "StringLike" => glob(expected, actual, false),
        "ArnEquals" | "ArnLike" => arn_matches(expected, actual),
        "Bool" => expected.eq_ignore_ascii_case(actual),
        "IpAddress" => ip_in_cidr(actual, expected)?,
        "NumericEquals" => expected.parse::<f64>().ok()? == actual.parse::<f64>().ok()?,
        "NumericLessThan" => actual.parse::<f64>().ok()? < expected.parse::<f64>().ok()?,
        "NumericLessThanEquals" => actual.parse::<f64>().ok()? <= expected.parse::<f64>().ok()?,
        "NumericGreaterThan" => actual.parse::<f64>().ok()? > expected.parse::<f64>().ok()?,
        "NumericGreaterThanEquals" => {
            actual.parse::<f64>().ok()? >= expected.parse::<f64>().ok()?
        }
        _ => return None,
    })
}

fn ip_in_cidr(address: &str, cidr: &str) -> Option<bool> {
    let address: IpAddr = address.parse().ok()?;
    let (network, bits) = cidr.split_once('/').unwrap_or((cidr, ""));
    let network: IpAddr = network.parse().ok()?;
    Some(match (address, network) {
        (IpAddr::V4(a), IpAddr::V4(n)) => {
            let bits: u32 = if bits.is_empty() {
                32
            } else {
                bits.parse().ok()?
            };
            let mask = if bits == 0 {
                0
            } else {
                u32::MAX << (32 - bits.min(32))
            };
            u32::from(a) & mask == u32::from(n) & mask
        }
        (IpAddr::V6(a), IpAddr::V6(n)) => {
            let bits: u32 = if bits.is_empty() {
                128
            } else {
                bits.parse().ok()?
            };
            let mask = if bits == 0 {
                0
            } else {
                u128::MAX << (128 - bits.min(128))
            };
            u128::from(a) & mask == u128::from(n) & mask
        }
        _ => false,
    })
}

#[cfg(test)]
mod tests;
