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

fn b64(text: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(text)
}

fn ids(rules: &RuleSet, content: &str) -> Vec<(String, u32, Option<&'static str>)> {
    rules
        .scan(None, content.as_bytes())
        .iter()
        .map(|m| (rules.rule(m.rule).id().to_string(), m.line, m.encoding))
        .collect()
}

#[test]
fn base64_values_are_decoded_and_reported_where_they_are() {
    let rules = RuleSet::builtin();
    let secret = format!(
        "apiVersion: v1\nkind: Secret\ndata:\n  id: {}\n  key: {}\n",
        b64(AWS_KEY_ID),
        b64(&format!("aws_secret_access_key={AWS_SECRET}"))
    );
    assert_eq!(
        ids(&rules, &secret),
        [
            ("aws-access-key-id".to_string(), 4, Some("base64")),
            ("aws-secret-access-key".to_string(), 5, Some("base64")),
        ]
    );
    let matches = rules.scan(None, secret.as_bytes());
    // The fingerprint is the decoded secret's, so it joins the same key seen
    // in plain text elsewhere.
    assert_eq!(
        matches[0].secret.fingerprint(),
        nhiscope_model::Fingerprint::of(AWS_KEY_ID.as_bytes())
    );
    assert!(!matches[0].snippet.contains(&b64(AWS_KEY_ID)));

    // A Docker config inside a Secret: base64 inside base64.
    let docker = format!(r#"{{"auths":{{"r.example.io":{{"auth":"x"}}}},"token":"{AWS_KEY_ID}"}}"#);
    let nested = format!("data:\n  .dockerconfigjson: {}\n", b64(&docker));
    assert_eq!(
        ids(&rules, &nested),
        [("aws-access-key-id".to_string(), 2, Some("base64"))]
    );

    // A kubeconfig's client-key-data carries a PEM key.
    let pem = "-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIEvRICyKbBmpvp418advNI8IIXUiDs8xGVfAsbTNbwsAoAoGCCqGSM49\nAwEHoUQDQgAEgI3hML2mup4iR7KOpjpJ/ThAXSMygJviTde3URieNfR4fB6Q4yBX\nivFPYw0smhWAj74f60lKgwL+nFL3N2dE4g==\n-----END EC PRIVATE KEY-----\n";
    let kubeconfig = format!(
        "users:\n- name: admin\n  user:\n    client-key-data: {}\n",
        b64(pem)
    );
    let found = ids(&rules, &kubeconfig);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].1, 4);

    // Binary base64 (a hash, an image) is not text and is left alone.
    let hash = "integrity: sha512-3KbDDVpZT9m8R5oFCPLzlY0dvqGaJYXLJfBrL1GT5fZ9Yt7gqdUpyGzX3dq0fcgYjBJz8DbFVKcJX2nSLk+1Og==";
    assert_eq!(ids(&rules, hash), []);
}

#[test]
fn inline_allow_comments_and_known_fakes_are_not_reported() {
    let rules = RuleSet::builtin();
    let content = format!(
        "a = \"{AWS_KEY_ID}\" # nhiscope:allow\nb = \"{AWS_KEY_ID}\" // gitleaks:allow\n\
         c = \"AKIAIOSFODNN7EXAMPLE\"\nd = \"{AWS_KEY_ID}\"\n"
    );
    assert_eq!(
        ids(&rules, &content),
        [("aws-access-key-id".to_string(), 4, None)]
    );
}

#[test]
fn validators_reject_what_the_shape_alone_accepts() {
    let file = r#"
[[rules]]
id = "gh"
regex = '''\b(ghp_[A-Za-z0-9]{36})\b'''
validators = ["github-checksum"]

[[rules]]
id = "key"
regex = '''-----BEGIN PRIVATE KEY-----[\s\S]{16,}?-----END PRIVATE KEY-----'''
validators = ["pem"]
"#;
    let rules = RuleSet::from_toml(file, "test").expect("compiles");
    let valid = "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";
    let invalid = "ghp_QoaF1LlqsajAIxNKu8iS2G8NPRVdD527xFxK";
    assert_eq!(rules.scan(None, valid.as_bytes()).len(), 1);
    assert_eq!(rules.scan(None, invalid.as_bytes()), []);
    let prose = "-----BEGIN PRIVATE KEY-----\nsee the wiki page for the real key\n-----END PRIVATE KEY-----";
    assert_eq!(rules.scan(None, prose.as_bytes()), []);
    let error = RuleSet::from_toml(
        "[[rules]]\nid = \"x\"\nregex = 'a'\nvalidators = [\"luhn\"]\n",
        "t",
    )
    .expect_err("unknown validator");
    assert!(
        error.to_string().contains("unknown validator `luhn`"),
        "{error}"
    );
}

#[test]
fn later_files_extend_disable_and_add_rules() {
    let base = "[[rules]]\nid = \"word\"\nregex = '''secret-(\\d{4})'''\n\n[[rules]]\nid = \"other\"\nregex = '''other-(\\d{4})'''\n";
    let extension = r#"
[extend]
useDefault = true
disabledRules = ["other"]

[[rules]]
id = "word"
[[rules.allowlists]]
regexes = ['''^0000$''']

[[rules]]
id = "new"
regex = '''new-(\d{4})'''
"#;
    let rules = RuleSet::from_sources(&[("base", base), ("ext", extension)]).expect("compiles");
    let ids: Vec<&str> = rules.rules().iter().map(Rule::id).collect();
    assert_eq!(ids, ["word", "new"]);
    assert_eq!(
        rules
            .scan(None, b"secret-0000 secret-1234 other-1234 new-1234")
            .len(),
        2
    );
    assert_eq!(crate::extends_default(extension), Some(true));
    assert_eq!(crate::extends_default(base), None);
    let error = RuleSet::from_sources(&[
        ("base", base),
        (
            "dup",
            "[[rules]]\nid='a'\nregex='a'\n[[rules]]\nid='a'\nregex='b'\n",
        ),
    ])
    .expect_err("duplicate in one file");
    assert!(
        error
            .to_string()
            .contains("rule `a`: the id is used by an earlier rule"),
        "{error}"
    );
}

/// The upstream gitleaks rules find their own documented true positives and
/// not their false positives (examples extracted from gitleaks' sources into
/// fixtures/gitleaks/upstream-examples.json).
#[test]
fn upstream_gitleaks_rules_match_their_documented_examples() {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");
    let config =
        std::fs::read_to_string(format!("{root}/../shared/testdata/gitleaks/gitleaks.toml"))
            .expect("../shared/testdata is beside the repo");
    let rules = RuleSet::from_toml(&config, "gitleaks.toml").expect("compiles");
    let fixture: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(format!("{root}/fixtures/gitleaks/upstream-examples.json"))
            .expect("the fixture"),
    )
    .expect("JSON");
    let index_of = |id: &str| rules.rules().iter().position(|rule| rule.id() == id);
    let strings = |value: &serde_json::Value| -> Vec<String> {
        value
            .as_array()
            .map(|items| {
                items
                    .iter()
                    .filter_map(|v| v.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default()
    };
    let mut failures: Vec<String> = Vec::new();
    let mut checked = 0;
    for (id, examples) in fixture["rules"].as_object().expect("rules") {
        let index = index_of(id).unwrap_or_else(|| panic!("{id} is in the upstream config"));
        let found = |path: Option<&str>, content: &str| {
            rules
                .scan(path, content.as_bytes())
                .iter()
                .any(|m| m.rule == index)
        };
        // gitleaks checks each rule alone; with every rule loaded, a generic
        // rule yields to a specific one that found the same value (as gitleaks
        // itself does in a full scan).
        // A rule that knows a value only by the name beside it also yields to
        // one that recognises the value by its own shape (nhiscope reports
        // the value once, under the rule that names it best).
        let names_itself = |rule: usize, value: &str| {
            let value = value.to_ascii_lowercase();
            rules
                .rule(rule)
                .keywords()
                .iter()
                .any(|keyword| value.contains(keyword.as_str()))
        };
        let found_or_yielded = |content: &str| {
            rules.scan(None, content.as_bytes()).iter().any(|m| {
                let value = content.get(m.span.clone()).unwrap_or_default();
                m.rule == index
                    || (rules.rule(index).is_generic() && !rules.rule(m.rule).is_generic())
                    || (names_itself(m.rule, value) && !names_itself(index, value))
            })
        };
        for example in strings(&examples["true_positives"]) {
            checked += 1;
            if !found_or_yielded(&example) {
                failures.push(format!("{id} misses: {example}"));
            }
        }
        for example in strings(&examples["false_positives"]) {
            checked += 1;
            if found(None, &example) {
                failures.push(format!("{id} matches false positive: {example}"));
            }
        }
        let paths = &examples["path_examples"];
        for (key, expected) in [("true_positives", true), ("false_positives", false)] {
            for case in paths[key].as_array().into_iter().flatten() {
                checked += 1;
                let path = case["path"].as_str().expect("a path");
                let content = case["content"].as_str().expect("content");
                if found(Some(path), content) != expected {
                    failures.push(format!("{id} path example {path} expected {expected}"));
                }
            }
        }
    }
    assert!(checked > 1000, "{checked} examples checked");
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn carrier_rules_yield_to_what_decoding_reveals() {
    let carrier = r#"
[[rules]]
id = "docker-auth"
regex = '''"auth"\s*:\s*"([A-Za-z0-9+/=]{16,})"'''
keywords = ["auth"]
tags = ["base64-carrier"]

[[rules]]
id = "github-pat"
regex = '''\b(ghp_[A-Za-z0-9]{36})\b'''
keywords = ["ghp_"]
"#;
    let rules = RuleSet::from_toml(carrier, "carrier").expect("compiles");
    let hidden = format!(
        r#"{{"auths": {{"ghcr.io": {{"auth": "{}"}}}}}}"#,
        b64(&format!(
            "bot:{}",
            "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"
        ))
    );
    assert_eq!(
        ids(&rules, &hidden),
        [("github-pat".to_string(), 1, Some("base64"))]
    );
    // Nothing recognisable inside: the carrier rule reports the value itself.
    let opaque = format!(
        r#"{{"auths": {{"ghcr.io": {{"auth": "{}"}}}}}}"#,
        b64("bot:Zq8Rm3Tp7Xk2Wv9L")
    );
    assert_eq!(ids(&rules, &opaque), [("docker-auth".to_string(), 1, None)]);
}

#[test]
fn most_builtin_rules_search_only_near_their_keywords() {
    let rules = RuleSet::builtin();
    let windowed = rules
        .rules()
        .iter()
        .filter(|rule| rule.window.is_some())
        .count();
    let whole: Vec<&str> = rules
        .rules()
        .iter()
        .filter(|rule| rule.window.is_none())
        .map(|rule| rule.id())
        .collect();
    assert!(
        windowed * 10 >= rules.rules().len() * 8,
        "{windowed} windowed; whole-file: {whole:?}"
    );
}

#[test]
fn windowed_search_finds_what_a_whole_file_search_finds() {
    // A rule whose matches are unbounded in principle is searched near its
    // keyword; a match running past the window's edge is still found whole.
    let file = r#"
[[rules]]
id = "acme"
regex = '''acme_key\s*=\s*"?([a-z0-9]{16,})'''
keywords = ["acme_key"]
examples = ['acme_key = "0123456789abcdef"']
"#;
    let rules = RuleSet::from_toml(file, "t").expect("compiles");
    assert_eq!(rules.rules()[0].window, Some(1024));
    let long_secret = "a1".repeat(1500);
    let filler = "x".repeat(5000);
    let content = format!(
        "{filler}\nacme_key = \"{long_secret}\"\n{filler}\nacme_key=\"0123456789abcdef\"\n"
    );
    let matches = rules.scan(None, content.as_bytes());
    assert_eq!(matches.len(), 2);
    assert_eq!(matches[0].secret.len(), long_secret.len());
    assert_eq!(matches[1].secret.len(), 16);
}
