//! Policy documents as AWS reads them: statements with `Action`/`NotAction`,
//! `Resource`/`NotResource`, `Principal`/`NotPrincipal` and `Condition`.

use std::fmt;

use serde_json::Value;

/// A policy document that cannot be read.
#[derive(Debug, thiserror::Error)]
#[error("invalid policy document: {0}")]
pub struct PolicyError(pub String);

/// Whether a statement grants or refuses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Effect {
    /// Grants what it matches.
    Allow,
    /// Refuses what it matches, whatever any Allow says.
    Deny,
}

/// A list of patterns that either names what matches (`Action`, `Resource`,
/// `Principal`) or what does not (`NotAction`, ...).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PatternList {
    /// Matches what any pattern matches.
    Only(Vec<String>),
    /// Matches what no pattern matches.
    AllBut(Vec<String>),
}

impl PatternList {
    /// The patterns, whichever way they are used.
    pub fn patterns(&self) -> &[String] {
        match self {
            PatternList::Only(patterns) | PatternList::AllBut(patterns) => patterns,
        }
    }
}

/// Who a trust (resource) policy statement admits.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Principals {
    /// `"Principal": "*"` or `{"AWS": "*"}`: anyone.
    pub anyone: bool,
    /// AWS principals: account ids, account roots, user and role ARNs.
    pub aws: Vec<String>,
    /// AWS services (`lambda.amazonaws.com`).
    pub services: Vec<String>,
    /// Identity providers (OIDC provider ARNs, SAML provider ARNs, `cognito-identity.amazonaws.com`).
    pub federated: Vec<String>,
    /// Canonical user ids (S3).
    pub canonical_users: Vec<String>,
    /// Whether this came from `NotPrincipal` (everyone except these).
    pub negated: bool,
}

/// One condition test: `"StringLike": {"token.actions.githubusercontent.com:sub": "repo:acme/*"}`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Condition {
    /// The operator as written (`ForAnyValue:StringLikeIfExists`).
    pub operator: String,
    /// The condition key as written (`aws:SourceIp`).
    pub key: String,
    /// The values it is compared with.
    pub values: Vec<String>,
}

impl Condition {
    /// The operator without set qualifier and `IfExists` suffix (`StringLike`).
    pub fn base_operator(&self) -> &str {
        let operator = self
            .operator
            .split_once(':')
            .map_or(self.operator.as_str(), |(_, rest)| rest);
        operator.strip_suffix("IfExists").unwrap_or(operator)
    }

    /// `ForAnyValue` or `ForAllValues`, when given.
    pub fn set_qualifier(&self) -> Option<&str> {
        self.operator
            .split_once(':')
            .map(|(qualifier, _)| qualifier)
    }

    /// Whether the operator ends in `IfExists`.
    pub fn if_exists(&self) -> bool {
        self.operator.ends_with("IfExists")
    }
}

impl fmt::Display for Condition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {} {:?}", self.operator, self.key, self.values)
    }
}

/// One statement of a policy.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Statement {
    /// The statement id, when given.
    pub sid: Option<String>,
    /// Allow or Deny.
    pub effect: Effect,
    /// The actions it covers.
    pub actions: PatternList,
    /// The resources it covers; `None` in trust policies, which have none.
    pub resources: Option<PatternList>,
    /// Who it admits; only in resource (trust) policies.
    pub principals: Option<Principals>,
    /// Every condition; all must hold for the statement to apply.
    pub conditions: Vec<Condition>,
}

impl Statement {
    /// How a reviewer would point at this statement: its Sid or its position.
    pub fn label(&self, index: usize) -> String {
        match &self.sid {
            Some(sid) if !sid.is_empty() => format!("statement `{sid}`"),
            _ => format!("statement #{}", index + 1),
        }
    }
}

/// A parsed policy document.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PolicyDocument {
    /// The statements in document order.
    pub statements: Vec<Statement>,
}

impl PolicyDocument {
    /// Reads a document as the IAM API or the AWS CLI give it: a JSON object,
    /// or a string holding JSON (URL-encoded, as the raw API returns it).
    pub fn from_value(value: &Value) -> Result<Self, PolicyError> {
        match value {
            Value::String(text) => Self::from_text(text),
            Value::Object(_) => Self::from_object(value),
            other => Err(PolicyError(format!(
                "expected an object or a string, found {}",
                type_name(other)
            ))),
        }
    }

    /// Reads a document from its text, URL-encoded or not.
    pub fn from_text(text: &str) -> Result<Self, PolicyError> {
        let trimmed = text.trim_start();
        let decoded;
        let json = if trimmed.starts_with('{') {
            text
        } else {
            decoded = percent_decode(text)?;
            &decoded
        };
        let value: Value =
            serde_json::from_str(json).map_err(|error| PolicyError(error.to_string()))?;
        Self::from_object(&value)
    }

    fn from_object(value: &Value) -> Result<Self, PolicyError> {
        let statements = match value.get("Statement") {
            None => return Err(PolicyError("no `Statement`".into())),
            Some(Value::Array(items)) => items.iter().collect(),
            Some(item @ Value::Object(_)) => vec![item],
            Some(other) => {
                return Err(PolicyError(format!(
                    "`Statement` must be an object or a list, found {}",
                    type_name(other)
                )));
            }
        };
        let statements = statements
            .into_iter()
            .enumerate()
            .map(|(index, item)| {
                parse_statement(item).map_err(|PolicyError(message)| {
                    PolicyError(format!("statement #{}: {message}", index + 1))
                })
            })
            .collect::<Result<_, _>>()?;
        Ok(Self { statements })
    }
}

fn parse_statement(value: &Value) -> Result<Statement, PolicyError> {
    let object = value
        .as_object()
        .ok_or_else(|| PolicyError(format!("expected an object, found {}", type_name(value))))?;
    let effect = match object.get("Effect").and_then(Value::as_str) {
        Some("Allow") => Effect::Allow,
        Some("Deny") => Effect::Deny,
        Some(other) => return Err(PolicyError(format!("unknown Effect `{other}`"))),
        None => return Err(PolicyError("no `Effect`".into())),
    };
    let actions = pattern_list(object.get("Action"), object.get("NotAction"), "Action")?
        .ok_or_else(|| PolicyError("no `Action` or `NotAction`".into()))?;
    let resources = pattern_list(
        object.get("Resource"),
        object.get("NotResource"),
        "Resource",
    )?;
    let principals = match (object.get("Principal"), object.get("NotPrincipal")) {
        (Some(principal), None) => Some(parse_principals(principal, false)?),
        (None, Some(principal)) => Some(parse_principals(principal, true)?),
        (None, None) => None,
        (Some(_), Some(_)) => {
            return Err(PolicyError("both `Principal` and `NotPrincipal`".into()));
        }
    };
    let conditions = match object.get("Condition") {
        None => Vec::new(),
        Some(condition) => parse_conditions(condition)?,
    };
    Ok(Statement {
        sid: object
            .get("Sid")
            .and_then(Value::as_str)
            .map(str::to_string),
        effect,
        actions,
        resources,
        principals,
        conditions,
    })
}

fn pattern_list(
    only: Option<&Value>,
    all_but: Option<&Value>,
    field: &str,
) -> Result<Option<PatternList>, PolicyError> {
    match (only, all_but) {
        (Some(value), None) => Ok(Some(PatternList::Only(strings(value, field)?))),
        (None, Some(value)) => Ok(Some(PatternList::AllBut(strings(value, field)?))),
        (None, None) => Ok(None),
        (Some(_), Some(_)) => Err(PolicyError(format!("both `{field}` and `Not{field}`"))),
    }
}

/// A string or a list of strings (booleans and numbers are read as their text,
/// as AWS does in conditions).
fn strings(value: &Value, field: &str) -> Result<Vec<String>, PolicyError> {
    let one = |value: &Value| match value {
        Value::String(text) => Ok(text.clone()),
        Value::Bool(flag) => Ok(flag.to_string()),
        Value::Number(number) => Ok(number.to_string()),
        other => Err(PolicyError(format!(
            "`{field}` must hold strings, found {}",
            type_name(other)
        ))),
    };
    match value {
        Value::Array(items) => items.iter().map(one).collect(),
        other => Ok(vec![one(other)?]),
    }
}

fn parse_principals(value: &Value, negated: bool) -> Result<Principals, PolicyError> {
    let mut principals = Principals {
        negated,
        ..Principals::default()
    };
    match value {
        Value::String(text) if text == "*" => principals.anyone = true,
        Value::Object(map) => {
            for (kind, value) in map {
                let values = strings(value, "Principal")?;
                match kind.as_str() {
                    "AWS" => {
                        if values.iter().any(|v| v == "*") {
                            principals.anyone = true;
                        }
                        principals
                            .aws
                            .extend(values.into_iter().filter(|v| v != "*"));
                    }
                    "Service" => principals.services.extend(values),
                    "Federated" => principals.federated.extend(values),
                    "CanonicalUser" => principals.canonical_users.extend(values),
                    other => return Err(PolicyError(format!("unknown principal type `{other}`"))),
                }
            }
        }
        other => {
            return Err(PolicyError(format!(
                "`Principal` must be \"*\" or an object, found {}",
                type_name(other)
            )));
        }
    }
    Ok(principals)
}

fn parse_conditions(value: &Value) -> Result<Vec<Condition>, PolicyError> {
    let blocks = value
        .as_object()
        .ok_or_else(|| PolicyError("`Condition` must be an object".into()))?;
    let mut conditions = Vec::new();
    for (operator, tests) in blocks {
        let tests = tests.as_object().ok_or_else(|| {
            PolicyError(format!(
                "condition operator `{operator}` must map keys to values"
            ))
        })?;
        for (key, values) in tests {
            conditions.push(Condition {
                operator: operator.clone(),
                key: key.clone(),
                values: strings(values, "Condition")?,
            });
        }
    }
    Ok(conditions)
}

fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

/// Decodes `%XX` escapes (and `+` as a space), as in the raw IAM API's documents.
fn percent_decode(text: &str) -> Result<String, PolicyError> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        match bytes[index] {
            b'%' => {
                let hex = bytes
                    .get(index + 1..index + 3)
                    .and_then(|pair| std::str::from_utf8(pair).ok())
                    .and_then(|pair| u8::from_str_radix(pair, 16).ok())
                    .ok_or_else(|| PolicyError("bad %-escape in a URL-encoded document".into()))?;
                out.push(hex);
                index += 3;
            }
            b'+' => {
                out.push(b' ');
                index += 1;
            }
            byte => {
                out.push(byte);
                index += 1;
            }
        }
    }
    String::from_utf8(out).map_err(|_| PolicyError("a URL-encoded document is not UTF-8".into()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_single_and_listed_forms() {
        let document = PolicyDocument::from_value(&json!({
            "Version": "2012-10-17",
            "Statement": {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}
        }))
        .expect("valid");
        assert_eq!(document.statements.len(), 1);
        assert_eq!(
            document.statements[0].actions,
            PatternList::Only(vec!["s3:GetObject".into()])
        );
    }

    #[test]
    fn reads_url_encoded_documents_as_the_raw_api_returns_them() {
        let encoded = "%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%7B%22Effect%22%3A%22Deny%22%2C%22NotAction%22%3A%5B%22iam%3A*%22%5D%2C%22NotResource%22%3A%22arn%3Aaws%3As3%3A%3A%3Ab%22%7D%5D%7D";
        let document = PolicyDocument::from_text(encoded).expect("valid");
        let statement = &document.statements[0];
        assert_eq!(statement.effect, Effect::Deny);
        assert_eq!(statement.actions, PatternList::AllBut(vec!["iam:*".into()]));
        assert_eq!(
            statement.resources,
            Some(PatternList::AllBut(vec!["arn:aws:s3:::b".into()]))
        );
    }

    #[test]
    fn reads_principals_and_conditions() {
        let document = PolicyDocument::from_value(&json!({
            "Statement": [{
                "Effect": "Allow",
                "Principal": {"Federated": "arn:aws:iam::1:oidc-provider/token.actions.githubusercontent.com", "AWS": ["*", "arn:aws:iam::2:root"]},
                "Action": "sts:AssumeRoleWithWebIdentity",
                "Condition": {"ForAnyValue:StringLikeIfExists": {"token.actions.githubusercontent.com:sub": ["repo:a/*", "repo:b/*"]}, "Bool": {"aws:SecureTransport": true}}
            }]
        }))
        .expect("valid");
        let statement = &document.statements[0];
        let principals = statement.principals.as_ref().expect("principals");
        assert!(principals.anyone);
        assert_eq!(principals.aws, vec!["arn:aws:iam::2:root"]);
        assert_eq!(principals.federated.len(), 1);
        let like = statement
            .conditions
            .iter()
            .find(|c| c.key.ends_with(":sub"))
            .expect("sub");
        assert_eq!(like.base_operator(), "StringLike");
        assert_eq!(like.set_qualifier(), Some("ForAnyValue"));
        assert!(like.if_exists());
        let secure = statement
            .conditions
            .iter()
            .find(|c| c.key == "aws:SecureTransport")
            .expect("bool");
        assert_eq!(secure.values, vec!["true"]);
    }

    #[test]
    fn malformed_documents_say_what_is_wrong() {
        let error = PolicyDocument::from_value(
            &json!({"Statement": [{"Effect": "Permit", "Action": "*"}]}),
        )
        .expect_err("invalid");
        assert_eq!(
            error.to_string(),
            "invalid policy document: statement #1: unknown Effect `Permit`"
        );
        let error = PolicyDocument::from_value(&json!({"Statement": [{"Effect": "Allow"}]}))
            .expect_err("invalid");
        assert!(error.to_string().contains("no `Action` or `NotAction`"));
    }
}
