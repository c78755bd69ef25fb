use super::*;

const AWS_KEY_ID: &str = "AKIAUJZDEGXDNCF32EPF";
const AWS_SECRET: &str = "nyVmihA/2O76UMFxFkM/R5Kjp1vRt+1fjORS/6il";

#[test]
fn builtin_rules_compile_and_pass_their_examples() {
    let rules = RuleSet::builtin();
    assert!(rules.rules().len() >= 30, "{} rules", rules.rules().len());
    let failures = rules.check_examples();
    assert!(failures.is_empty(), "{failures:#?}");
    for rule in rules.rules() {
        assert!(!rule.examples.is_empty(), "{} has no examples", rule.id);
        assert!(
            !rule.negative_examples.is_empty(),
            "{} has no negative examples",
            rule.id
        );
    }
}

#[test]
fn finds_an_aws_key_pair_with_positions() {
    let content = format!(
        "[default]\naws_access_key_id = {AWS_KEY_ID}\naws_secret_access_key = {AWS_SECRET}\n"
    );
    let rules = RuleSet::builtin();
    let matches = rules.scan(Some("home/.aws/credentials"), content.as_bytes());
    let found: Vec<(&str, u32, u32, u32)> = matches
        .iter()
        .map(|m| (rules.rule(m.rule).id(), m.line, m.column, m.end_column))
        .collect();
    assert_eq!(
        found,
        [
            ("aws-access-key-id", 2, 21, 41),
            ("aws-secret-access-key", 3, 25, 65)
        ]
    );
    assert_eq!(matches[0].secret.preview(), "AKIA…2EPF");
    assert_eq!(matches[0].snippet, "aws_access_key_id = AKIA…2EPF");
    assert_eq!(matches[1].snippet, "aws_secret_access_key = nyVm…/6il");
    for m in &matches {
        assert!(!m.snippet.contains(AWS_KEY_ID) && !m.snippet.contains(AWS_SECRET));
    }
}

#[test]
fn a_line_with_two_secrets_hides_both_in_each_snippet() {
    let content = format!("creds: {AWS_KEY_ID} aws_secret={AWS_SECRET}");
    let matches = RuleSet::builtin().scan(None, content.as_bytes());
    assert_eq!(matches.len(), 2);
    for m in &matches {
        assert_eq!(m.snippet, "creds: AKIA…2EPF aws_secret=nyVm…/6il");
    }
}

#[test]
fn generic_matches_yield_to_specific_ones() {
    let content = "client_secret = \"yzP8Q~53Ncqe28_ajY75FnCttn6kfaqDeMqG3omj\"";
    let rules = RuleSet::builtin();
    let ids: Vec<&str> = rules
        .scan(None, content.as_bytes())
        .iter()
        .map(|m| rules.rule(m.rule).id())
        .collect();
    assert_eq!(ids, ["azure-ad-client-secret"]);
}

#[test]
fn placeholders_and_references_are_not_secrets() {
    let content = "aws_secret_access_key = ${AWS_SECRET_ACCESS_KEY}\n\
                   token: {{ .Values.token }}\n\
                   password = <your-password-here>\n\
                   AKIAIOSFODNN7EXAMPLE\n";
    assert_eq!(RuleSet::builtin().scan(None, content.as_bytes()), []);
}

#[test]
fn multi_line_secrets_report_their_extent() {
    let content = "key: |\n  -----BEGIN EC PRIVATE KEY-----\n  MHcCAQEEIEvRICyKbBmpvp418advNI8IIXUiDs8xGVfAsbTNbwsAoAoGCCqGSM49\n  -----END EC PRIVATE KEY-----\nnext: 1\n";
    let matches = RuleSet::builtin().scan(None, content.as_bytes());
    assert_eq!(matches.len(), 1);
    let m = &matches[0];
    assert_eq!((m.line, m.column, m.end_line, m.end_column), (2, 3, 4, 31));
    assert!(!m.snippet.contains("MHcC"));
}

#[test]
fn parse_errors_name_file_line_and_problem() {
    let error = RuleSet::from_toml("[[rules]]\nid = \"x\"\nregx = 'a'\n", "custom.toml")
        .expect_err("unknown field");
    let text = error.to_string();
    assert!(
        text.starts_with("custom.toml:3:1: unknown field `regx`"),
        "{text}"
    );

    let error = RuleSet::from_toml("[[rules]]\nid = \"broken\"\nregex = '('\n", "custom.toml")
        .expect_err("bad regex");
    let text = error.to_string();
    assert!(
        text.starts_with("custom.toml: rule `broken`: regex:"),
        "{text}"
    );

    let error = RuleSet::from_toml(
        "[[rules]]\nid = \"x\"\nregex = 'a'\nseverity = \"severe\"\n",
        "custom.toml",
    )
    .expect_err("bad severity");
    assert!(
        error
            .to_string()
            .contains("severity: unknown severity `severe`")
    );

    let error = RuleSet::from_toml(
        "[[rules]]\nid = \"x\"\nregex = 'a(b)'\nsecretGroup = 2\n",
        "custom.toml",
    )
    .expect_err("bad group");
    assert!(
        error
            .to_string()
            .contains("secretGroup 2 but the regex has only 1")
    );
}

#[test]
fn path_rules_and_path_allowlists() {
    let file = r#"
[allowlist]
paths = ['''(?:^|/)vendor/''']

[[rules]]
id = "pkcs12-file"
path = '''\.p12$'''

[[rules]]
id = "word"
regex = '''secret-(\d{4})'''
[[rules.allowlists]]
paths = ['''^docs/''']
"#;
    let rules = RuleSet::from_toml(file, "test").expect("compiles");
    assert!(rules.is_path_allowlisted("src/vendor/lib.rs"));
    assert_eq!(rules.scan(Some("src/vendor/x.txt"), b"secret-1234"), []);
    assert_eq!(rules.scan(Some("docs/x.md"), b"secret-1234"), []);
    let matches = rules.scan(Some("src/x.txt"), b"a secret-1234");
    assert_eq!(matches.len(), 1);
    assert_eq!(matches[0].span, 9..13);
    let matches = rules.scan(Some("certs/client.p12"), b"\x30\x82binary");
    assert_eq!(matches.len(), 1);
    assert_eq!(rules.rule(matches[0].rule).id(), "pkcs12-file");
}

#[test]
fn upstream_gitleaks_config_compiles() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/testdata/gitleaks/gitleaks.toml"
    );
    let text = std::fs::read_to_string(path).expect("../shared/testdata is beside the repo");
    let rules = RuleSet::from_toml(&text, path).expect("every upstream rule compiles");
    assert_eq!(rules.rules().len(), 222);
    let ids: Vec<&str> = rules.rules().iter().map(Rule::id).collect();
    assert!(ids.contains(&"aws-access-token") && ids.contains(&"generic-api-key"));
}
