//! Wildcard matching as IAM does it: `*` matches any run of characters and `?`
//! one character; actions ignore case; ARNs are compared component by
//! component and honour policy variables such as `${aws:username}`.

use std::collections::BTreeMap;

/// Whether `text` matches the glob `pattern` (`*` and `?`), optionally ignoring ASCII case.
pub fn glob(pattern: &str, text: &str, ignore_case: bool) -> bool {
    let pattern: Vec<char> = pattern.chars().collect();
    let text: Vec<char> = text.chars().collect();
    let same = |a: char, b: char| {
        if ignore_case {
            a.eq_ignore_ascii_case(&b)
        } else {
            a == b
        }
    };
    // Iterative matching with backtracking to the last star: linear in
    // practice, never exponential.
    let (mut p, mut t) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        if p < pattern.len()
            && (pattern[p] == '?' || (pattern[p] != '*' && same(pattern[p], text[t])))
        {
            p += 1;
            t += 1;
        } else if p < pattern.len() && pattern[p] == '*' {
            star = Some((p, t));
            p += 1;
        } else if let Some((star_p, star_t)) = star {
            p = star_p + 1;
            t = star_t + 1;
            star = Some((star_p, star_t + 1));
        } else {
            return false;
        }
    }
    pattern[p..].iter().all(|c| *c == '*')
}

/// Whether an action (`iam:PutUserPolicy`) matches an action pattern
/// (`iam:Put*`, `*`): case-insensitive, as AWS compares actions.
pub fn action_matches(pattern: &str, action: &str) -> bool {
    glob(pattern, action, true)
}

/// Whether an ARN matches an ARN pattern, component by component: a `*` in
/// one component does not reach into the next, except in the last (the
/// resource part, which may itself hold colons). `*` alone matches everything.
pub fn arn_matches(pattern: &str, arn: &str) -> bool {
    if pattern == "*" {
        return true;
    }
    let pattern_parts: Vec<&str> = pattern.splitn(6, ':').collect();
    let arn_parts: Vec<&str> = arn.splitn(6, ':').collect();
    if pattern_parts.len() != 6 || arn_parts.len() != 6 {
        return glob(pattern, arn, false);
    }
    pattern_parts
        .iter()
        .zip(&arn_parts)
        .all(|(pattern, part)| glob(pattern, part, false))
}

/// Replaces policy variables (`${aws:username}`, `${aws:PrincipalTag/team}`,
/// and the escapes `${*}`, `${?}`, `${$}`) with their values. A variable with
/// no value becomes a string no ARN contains, so the pattern matches nothing,
/// as in AWS; `${key, 'default'}` uses its default.
pub fn substitute(pattern: &str, variables: &BTreeMap<String, String>) -> String {
    if !pattern.contains("${") {
        return pattern.to_string();
    }
    let mut out = String::with_capacity(pattern.len());
    let mut rest = pattern;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let Some(end) = after.find('}') else {
            out.push_str(&rest[start..]);
            return out;
        };
        let inner = after[..end].trim();
        match inner {
            "*" => out.push_str("\u{1}STAR\u{1}"),
            "?" => out.push_str("\u{1}QMARK\u{1}"),
            "$" => out.push('$'),
            _ => {
                let (key, default) = match inner.split_once(',') {
                    Some((key, default)) => (
                        key.trim(),
                        Some(default.trim().trim_matches('\'').to_string()),
                    ),
                    None => (inner, None),
                };
                match variables
                    .get(&key.to_ascii_lowercase())
                    .cloned()
                    .or(default)
                {
                    Some(value) => out.push_str(&value),
                    None => out.push_str("\u{0}unset\u{0}"),
                }
            }
        }
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    // Escaped wildcards are literal characters; `glob` has no escape, so they
    // stay as markers that only a literal `*`/`?` in the text could not match.
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards_anywhere_and_case_insensitive_actions() {
        assert!(action_matches("*", "iam:PutUserPolicy"));
        assert!(action_matches("iam:*", "IAM:putuserpolicy"));
        assert!(action_matches("iam:Put*", "iam:PutUserPolicy"));
        assert!(action_matches("iam:*Policy*", "iam:CreatePolicyVersion"));
        assert!(action_matches("iam:*User*Policy", "iam:AttachUserPolicy"));
        assert!(action_matches(
            "iam:?ttachUserPolicy",
            "iam:AttachUserPolicy"
        ));
        assert!(!action_matches("iam:Put*", "iam:AttachUserPolicy"));
        assert!(!action_matches("s3:*", "iam:PassRole"));
        assert!(!action_matches("iam:PassRol", "iam:PassRole"));
    }

    #[test]
    fn arns_match_component_by_component() {
        assert!(arn_matches("*", "arn:aws:iam::1:role/x"));
        assert!(arn_matches(
            "arn:aws:iam::*:role/*",
            "arn:aws:iam::123:role/deploy"
        ));
        assert!(arn_matches(
            "arn:aws:iam::123:role/ci-*",
            "arn:aws:iam::123:role/ci-deploy"
        ));
        assert!(!arn_matches(
            "arn:aws:iam::123:role/ci-*",
            "arn:aws:iam::123:user/ci-deploy"
        ));
        // A star in one component does not reach into the next.
        assert!(!arn_matches(
            "arn:aws:iam::*1:role/x",
            "arn:aws:iam::1:2:role/x"
        ));
        assert!(arn_matches("arn:aws:*:*:*:*", "arn:aws:iam::1:role/x"));
        // ARNs are case-sensitive.
        assert!(!arn_matches(
            "arn:aws:iam::1:role/Deploy",
            "arn:aws:iam::1:role/deploy"
        ));
        // The resource part may hold colons.
        assert!(arn_matches(
            "arn:aws:logs:*:1:log-group:/aws/*",
            "arn:aws:logs:us-east-1:1:log-group:/aws/lambda/x:*"
        ));
    }

    #[test]
    fn policy_variables_are_substituted() {
        let variables = BTreeMap::from([("aws:username".to_string(), "ci".to_string())]);
        assert_eq!(
            substitute("arn:aws:iam::1:user/${aws:username}", &variables),
            "arn:aws:iam::1:user/ci"
        );
        let unset = substitute("arn:aws:iam::1:user/${aws:PrincipalTag/team}", &variables);
        assert!(!arn_matches(&unset, "arn:aws:iam::1:user/ci"));
        assert_eq!(
            substitute(
                "arn:aws:s3:::${aws:PrincipalTag/team, 'shared'}/*",
                &variables
            ),
            "arn:aws:s3:::shared/*"
        );
        assert_eq!(substitute("a${$}b", &variables), "a$b");
    }
}
