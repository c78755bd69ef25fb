#!/usr/bin/env python3
"""Compares nhiscope's AWS privilege-escalation analysis with cloudsplaining's.

Both tools read the same `aws iam get-account-authorization-details` export.
cloudsplaining matches escalation action combinations per policy; nhiscope
evaluates each principal's policies together and checks the resources and
conditions that make an escalation work. This script runs both, compares them
principal by principal, explains each disagreement from the export and from
nhiscope's own reasoning, and writes docs/aws-vs-cloudsplaining.md.

    python3 scripts/aws-vs-cloudsplaining.py [--export FILE ...]
        [--nhiscope PATH] [--output docs/aws-vs-cloudsplaining.md]

cloudsplaining runs in its own venv,
${NHISCOPE_TEST_TOOLS:-$HOME/.cache/nhiscope-test}/venv-cloudsplaining, created
(and the pinned version installed) on first use; the script re-executes itself
inside it. nhiscope defaults to $CARGO_TARGET_DIR/debug/nhiscope
(CARGO_TARGET_DIR defaulting to ~/.cache/nhiscope-target); build it first.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import logging
import os
import re
import shlex
import subprocess
import sys
import tempfile
import urllib.parse
from pathlib import Path
from typing import NoReturn

CLOUDSPLAINING_VERSION = "0.9.1"
AS_OF = "2026-11-20"
REPO = Path(__file__).resolve().parent.parent
DEFAULT_EXPORTS = [
    REPO.parent / "shared/testdata/aws/cloudsplaining-authz-details.json",
    REPO / "fixtures/demo-estate/exports/aws/authorization-details.json",
]
DEFAULT_OUTPUT = REPO / "docs/aws-vs-cloudsplaining.md"
TOOLS = Path(os.environ.get("NHISCOPE_TEST_TOOLS") or Path.home() / ".cache/nhiscope-test")
VENV = TOOLS / "venv-cloudsplaining"
REEXEC_MARK = "NHISCOPE_CLOUDSPLAINING_VENV"


def log(message: str) -> None:
    print(f"aws-vs-cloudsplaining: {message}", file=sys.stderr)


def fail(message: str) -> NoReturn:
    log(f"error: {message}")
    sys.exit(1)


# --------------------------------------------------------------------------
# The venv
# --------------------------------------------------------------------------


def ensure_venv() -> Path:
    """Creates the venv and installs the pinned cloudsplaining unless it is there."""
    python = VENV / "bin/python"
    TOOLS.mkdir(parents=True, exist_ok=True)
    with open(TOOLS / ".venv-cloudsplaining.lock", "w") as lock:
        try:
            import fcntl

            fcntl.flock(lock, fcntl.LOCK_EX)
        except ImportError:  # pragma: no cover - not on Linux
            pass
        if not python.exists():
            log(f"creating {VENV}")
            subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
        probe = subprocess.run(
            [str(python), "-c", "import importlib.metadata as m; print(m.version('cloudsplaining'))"],
            capture_output=True,
            text=True,
        )
        if probe.returncode != 0 or probe.stdout.strip() != CLOUDSPLAINING_VERSION:
            log(f"installing cloudsplaining=={CLOUDSPLAINING_VERSION} into {VENV}")
            subprocess.run(
                [str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check",
                 f"cloudsplaining=={CLOUDSPLAINING_VERSION}"],
                check=True,
            )
    return python


def enter_venv() -> None:
    """Re-executes this script with the venv's python unless already there."""
    if os.environ.get(REEXEC_MARK) == "1":
        return
    python = ensure_venv()
    os.environ[REEXEC_MARK] = "1"
    os.execv(str(python), [str(python), str(Path(__file__).resolve()), *sys.argv[1:]])


# --------------------------------------------------------------------------
# Method catalogue: cloudsplaining's names -> nhiscope's ids
# --------------------------------------------------------------------------

# nhiscope's methods (detectors/aws-iam/src/privilege.rs), with their actions
# and what they need from the account.
NHISCOPE_METHODS: dict[str, tuple[list[str], str]] = {
    "create-policy-version": (["iam:CreatePolicyVersion"], "own-policy"),
    "set-default-policy-version": (["iam:SetDefaultPolicyVersion"], "own-policy-versions"),
    "attach-user-policy": (["iam:AttachUserPolicy"], "self-user"),
    "put-user-policy": (["iam:PutUserPolicy"], "self-user"),
    "attach-group-policy": (["iam:AttachGroupPolicy"], "own-group"),
    "put-group-policy": (["iam:PutGroupPolicy"], "own-group"),
    "attach-role-policy": (["iam:AttachRolePolicy"], "self-or-assumable-role"),
    "put-role-policy": (["iam:PutRolePolicy"], "self-or-assumable-role"),
    "add-user-to-group": (["iam:AddUserToGroup"], "privileged-group"),
    "create-access-key": (["iam:CreateAccessKey"], "privileged-user"),
    "create-login-profile": (["iam:CreateLoginProfile"], "privileged-user-without-password"),
    "update-login-profile": (["iam:UpdateLoginProfile"], "privileged-user-with-password"),
    "update-assume-role-policy": (["iam:UpdateAssumeRolePolicy"], "privileged-role"),
    "delete-permissions-boundary": (["iam:Delete*PermissionsBoundary"], "own-boundary"),
    "put-permissions-boundary": (["iam:Put*PermissionsBoundary"], "own-boundary"),
    "pass-role-lambda-invoke": (
        ["iam:PassRole", "lambda:CreateFunction", "lambda:InvokeFunction"], "pass:lambda.amazonaws.com"),
    "pass-role-lambda-event-source": (
        ["iam:PassRole", "lambda:CreateFunction", "lambda:CreateEventSourceMapping"], "pass:lambda.amazonaws.com"),
    "pass-role-ec2": (["iam:PassRole", "ec2:RunInstances"], "pass:ec2.amazonaws.com"),
    "pass-role-glue": (["iam:PassRole", "glue:CreateDevEndpoint"], "pass:glue.amazonaws.com"),
    "pass-role-cloudformation": (
        ["iam:PassRole", "cloudformation:CreateStack"], "pass:cloudformation.amazonaws.com"),
    "pass-role-codebuild": (
        ["iam:PassRole", "codebuild:CreateProject", "codebuild:StartBuild"], "pass:codebuild.amazonaws.com"),
    "pass-role-sagemaker": (
        ["iam:PassRole", "sagemaker:CreateNotebookInstance", "sagemaker:CreatePresignedNotebookInstanceUrl"],
        "pass:sagemaker.amazonaws.com"),
    "pass-role-datapipeline": (
        ["iam:PassRole", "datapipeline:CreatePipeline", "datapipeline:PutPipelineDefinition"],
        "pass:datapipeline.amazonaws.com,elasticmapreduce.amazonaws.com"),
    # Not an escalation method but an nhiscope finding of its own
    # (aws-iam-privilege-escalation-chain): reaching an admin or escalating
    # role through sts:AssumeRole.
    "assume-role-chain": (["sts:AssumeRole"], "chain"),
}

# cloudsplaining's method -> the nhiscope ids that cover it (the first is the
# closest), and a note on how they differ. Methods not listed have no
# counterpart in nhiscope.
CS_TO_NHISCOPE: dict[str, tuple[list[str], str]] = {
    "CreateAccessKey": (["create-access-key"], "nhiscope: only on a user more privileged than the principal"),
    "CreateLoginProfile": (["create-login-profile"], "nhiscope: only on a more privileged user without a console password"),
    "UpdateLoginProfile": (["update-login-profile"], "nhiscope: only on a more privileged user with a console password"),
    "AddUserToGroup": (["add-user-to-group"], "nhiscope: users only, into a more privileged group"),
    "CreateNewPolicyVersion": (["create-policy-version"], "nhiscope: only on a customer-managed policy the principal holds"),
    "SetExistingDefaultPolicyVersion": (["set-default-policy-version"], "nhiscope: only on a policy the principal holds that has other versions"),
    "AttachUserPolicy": (["attach-user-policy"], "nhiscope: a user on itself"),
    "AttachGroupPolicy": (["attach-group-policy"], "nhiscope: a user on a group it is in"),
    "AttachRolePolicy": (["attach-role-policy"], "nhiscope: on itself (a role) or a role it can assume"),
    "PutUserPolicy": (["put-user-policy"], "nhiscope: a user on itself"),
    "PutGroupPolicy": (["put-group-policy"], "nhiscope: a user on a group it is in"),
    "PutRolePolicy": (["put-role-policy"], "nhiscope: on itself (a role) or a role it can assume"),
    "UpdateRolePolicyToAssumeIt": (["update-assume-role-policy"], "nhiscope: only on a more privileged role"),
    "CreateEC2WithExistingIP": (["pass-role-ec2"], "nhiscope: needs a more privileged role that trusts ec2 and has an instance profile"),
    "PassExistingRoleToNewLambdaThenInvoke": (["pass-role-lambda-invoke"], "nhiscope: needs a more privileged role that trusts lambda"),
    "PassExistingRoleToNewLambdaThenTriggerWithExistingDynamo": (["pass-role-lambda-event-source"], "same actions"),
    "PassExistingRoleToNewLambdaThenTriggerWithNewDynamo": (
        ["pass-role-lambda-event-source"], "cloudsplaining also needs dynamodb:CreateTable and dynamodb:PutItem"),
    "PassExistingRoleToNewLambdaThenAddPermission": (
        ["pass-role-lambda-invoke", "pass-role-lambda-event-source"],
        "nhiscope has no AddPermission variant; counted as covered when it reports either Lambda method"),
    "PassExistingRoleToNewGlueDevEndpoint": (["pass-role-glue"], "nhiscope: needs a more privileged role that trusts glue"),
    "PassExistingRoleToCloudFormation": (["pass-role-cloudformation"], "nhiscope: needs a more privileged role that trusts cloudformation"),
    "PassExistingRoleToNewDataPipeline": (
        ["pass-role-datapipeline"], "nhiscope also needs datapipeline:PutPipelineDefinition"),
    "PassExistingRoleToNewCodeBuildProjectThenBuild": (["pass-role-codebuild"], "same actions"),
    "PassExistingRoleToNewSageMakerNotebookInstance": (
        ["pass-role-sagemaker"], "nhiscope also needs sagemaker:CreatePresignedNotebookInstanceUrl"),
    "CreateAndRotateAccessKey": (["create-access-key"], "cloudsplaining also needs iam:DeleteAccessKey"),
    "AttachUserPolicyThenCreateAccessKey": (
        ["attach-user-policy", "create-access-key"],
        "nhiscope has no combined check; covered when it reports either part"),
    "PutUserPolicyThenCreateAccessKey": (
        ["put-user-policy", "create-access-key"],
        "nhiscope has no combined check; covered when it reports either part"),
    "CreatePolicyVersionThenAssumeRole": (
        ["create-policy-version", "assume-role-chain"],
        "covered when nhiscope reports either part"),
    "AttachRolePolicyThenUpdateAssumeRolePolicy": (
        ["attach-role-policy", "update-assume-role-policy"],
        "nhiscope has no combined check; covered when it reports either part"),
    "CreatePolicyVersionThenUpdateAssumeRolePolicy": (
        ["create-policy-version", "update-assume-role-policy"],
        "nhiscope has no combined check; covered when it reports either part"),
    "PutRolePolicyThenUpdateAssumeRolePolicy": (
        ["put-role-policy", "update-assume-role-policy"],
        "nhiscope has no combined check; covered when it reports either part"),
}


def reverse_mapping() -> dict[str, list[str]]:
    """nhiscope id -> cloudsplaining names whose closest counterpart it is."""
    reverse: dict[str, list[str]] = {}
    for name, (ids, _) in CS_TO_NHISCOPE.items():
        reverse.setdefault(ids[0], []).append(name)
    return reverse


# --------------------------------------------------------------------------
# The export, and a small statement matcher to explain the differences
# --------------------------------------------------------------------------


def as_list(value) -> list:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def document(value) -> dict:
    """A policy document; the CLI sometimes leaves it URL-encoded."""
    if isinstance(value, str):
        return json.loads(urllib.parse.unquote(value))
    return value or {}


def pattern_matches(pattern: str, value: str) -> bool:
    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.fullmatch(regex, value, re.IGNORECASE) is not None


def canonical(action: str) -> str:
    """An action as AWS spells it, where nhiscope's catalogue knows it (cloudsplaining lowercases)."""
    for actions, _ in NHISCOPE_METHODS.values():
        for known in actions:
            if known.lower() == action.lower():
                return known
    return action


def short(arn: str) -> str:
    return arn.rsplit("/", 1)[-1]


class Statement:
    def __init__(self, policy: str, index: int, raw: dict) -> None:
        self.policy = policy
        self.raw = raw
        self.sid = raw.get("Sid") or f"#{index + 1}"
        self.effect = raw.get("Effect", "Allow")
        self.actions = as_list(raw.get("Action"))
        self.not_actions = as_list(raw.get("NotAction"))
        self.resources = as_list(raw.get("Resource"))
        self.not_resources = as_list(raw.get("NotResource"))
        self.condition = raw.get("Condition") or {}

    def matches(self, action: str) -> bool:
        if self.actions:
            return any(pattern_matches(p, action) for p in self.actions)
        if self.not_actions:
            return not any(pattern_matches(p, action) for p in self.not_actions)
        return False

    @property
    def any_resource(self) -> bool:
        return "*" in self.resources and not self.not_resources

    @property
    def unrestricted(self) -> bool:
        return self.any_resource and not self.condition

    def applies_to(self, resource: str) -> bool:
        if self.not_resources:
            return not any(pattern_matches(p, resource) for p in self.not_resources)
        return any(pattern_matches(p, resource) for p in self.resources)

    def where(self) -> str:
        return f"statement {self.sid} of {self.policy}"

    def condition_keys(self) -> str:
        keys = sorted({key for block in self.condition.values() if isinstance(block, dict) for key in block})
        return ", ".join(keys)


def statements_of(policy: str, doc: dict) -> list[Statement]:
    return [Statement(policy, i, s) for i, s in enumerate(as_list(doc.get("Statement")))]


class Principal:
    def __init__(self, kind: str, name: str, arn: str) -> None:
        self.kind = kind  # user, role, group
        self.name = name
        self.arn = arn
        self.groups: list[str] = []
        self.members: list[str] = []
        self.statements: list[Statement] = []
        self.managed_arns: list[str] = []  # directly or through groups
        self.boundary: list[Statement] | None = None
        self.boundary_name = ""
        self.trust: list[Statement] = []
        self.instance_profiles: list[str] = []
        self.path = "/"
        self.data_inline: list = []  # a group's own policies, for its members
        self.data_managed: list = []

    @property
    def service_linked(self) -> bool:
        return self.kind == "role" and self.path.startswith("/aws-service-role/")

    def hits(self, action: str, effect: str) -> list[Statement]:
        return [s for s in self.statements if s.effect == effect and s.matches(action)]

    def boundary_allows(self, action: str) -> bool:
        if self.boundary is None:
            return True
        allowed = any(s.effect == "Allow" and s.matches(action) and s.any_resource for s in self.boundary)
        denied = any(s.effect == "Deny" and s.matches(action) and s.any_resource for s in self.boundary)
        return allowed and not denied

    def allowed_everywhere(self, action: str) -> Statement | None:
        """An unconditional Allow on every resource, with no Deny on every resource."""
        if any(s.any_resource and not s.condition for s in self.hits(action, "Deny")):
            return None
        if not self.boundary_allows(action):
            return None
        return next((s for s in self.hits(action, "Allow") if s.unrestricted), None)


FULL_ADMIN_PROBES = ["iam:CreateUser", "ec2:RunInstances", "s3:DeleteBucket", "kms:ScheduleKeyDeletion",
                     "lambda:CreateFunction", "organizations:LeaveOrganization", "cloudtrail:StopLogging",
                     "sts:AssumeRole"]
IAM_ADMIN_PROBES = ["iam:CreateUser", "iam:CreateRole", "iam:CreateAccessKey", "iam:AttachUserPolicy",
                    "iam:AttachRolePolicy", "iam:PutUserPolicy", "iam:PutRolePolicy", "iam:CreatePolicyVersion",
                    "iam:UpdateAssumeRolePolicy", "iam:PassRole"]


class Export:
    def __init__(self, path: Path) -> None:
        self.path = path
        data = json.loads(path.read_text(encoding="utf-8"))
        self.data = data
        self.policies: dict[str, dict] = {}
        for policy in data.get("Policies", []):
            versions = policy.get("PolicyVersionList", [])
            default = next((v for v in versions if v.get("IsDefaultVersion")), versions[0] if versions else None)
            self.policies[policy["Arn"]] = {
                "name": policy["PolicyName"],
                "arn": policy["Arn"],
                "aws_managed": ":iam::aws:policy/" in policy["Arn"],
                "document": document(default["Document"]) if default else {},
                "versions": len(versions),
            }
        self.users: dict[str, Principal] = {}
        self.roles: dict[str, Principal] = {}
        self.groups: dict[str, Principal] = {}  # by name
        for group in data.get("GroupDetailList", []):
            principal = Principal("group", group["GroupName"], group["Arn"])
            self._policies(principal, group.get("GroupPolicyList"), group.get("AttachedManagedPolicies"), "")
            self.groups[principal.name] = principal
        for user in data.get("UserDetailList", []):
            principal = Principal("user", user["UserName"], user["Arn"])
            principal.path = user.get("Path", "/")
            self._policies(principal, user.get("UserPolicyList"), user.get("AttachedManagedPolicies"), "")
            for name in user.get("GroupList", []):
                principal.groups.append(name)
                group = self.groups.get(name)
                if group is None:
                    continue
                group.members.append(principal.name)
                self._policies(principal, group.data_inline, group.data_managed, f" of group {name}")
            self._boundary(principal, user.get("PermissionsBoundary"))
            self.users[principal.arn] = principal
        for role in data.get("RoleDetailList", []):
            principal = Principal("role", role["RoleName"], role["Arn"])
            principal.path = role.get("Path", "/")
            self._policies(principal, role.get("RolePolicyList"), role.get("AttachedManagedPolicies"), "")
            self._boundary(principal, role.get("PermissionsBoundary"))
            principal.trust = statements_of("the trust policy", document(role.get("AssumeRolePolicyDocument")))
            principal.instance_profiles = [p["InstanceProfileName"] for p in role.get("InstanceProfileList", [])]
            self.roles[principal.arn] = principal
        arns = [p.arn for p in [*self.users.values(), *self.roles.values()]]
        self.account = next((a.split(":")[4] for a in arns if a.split(":")[4]), "")
        self.credential_report = path.parent / "credential-report.csv"
        self.passwords: dict[str, bool] = {}
        if self.credential_report.is_file():
            import csv

            with self.credential_report.open(encoding="utf-8") as handle:
                for row in csv.DictReader(handle):
                    if row.get("password_enabled") in ("true", "false"):
                        self.passwords[row["arn"]] = row["password_enabled"] == "true"
        else:
            self.credential_report = None

    def _policies(self, principal: Principal, inline, managed, suffix: str) -> None:
        if principal.kind == "group":
            principal.data_inline = inline or []
            principal.data_managed = managed or []
        for policy in inline or []:
            label = f"inline policy {policy['PolicyName']}{suffix}"
            principal.statements.extend(statements_of(label, document(policy.get("PolicyDocument"))))
        for attached in managed or []:
            arn = attached["PolicyArn"]
            principal.managed_arns.append(arn)
            policy = self.policies.get(arn)
            label = f"managed policy {attached['PolicyName']}{suffix}"
            if policy is not None:
                principal.statements.extend(statements_of(label, policy["document"]))

    def _boundary(self, principal: Principal, boundary) -> None:
        if not boundary:
            return
        arn = boundary.get("PermissionsBoundaryArn", "")
        policy = self.policies.get(arn)
        principal.boundary_name = short(arn)
        principal.boundary = statements_of(f"boundary {short(arn)}", policy["document"]) if policy else []

    def principal(self, arn: str) -> Principal | None:
        return self.users.get(arn) or self.roles.get(arn) or next(
            (g for g in self.groups.values() if g.arn == arn), None)

    def admin_reason(self, principal: Principal) -> str | None:
        """Why the principal is admin-equivalent (the probes nhiscope uses), or None."""
        for probes, what in ((FULL_ADMIN_PROBES, "every action on every resource"),
                             (IAM_ADMIN_PROBES, "every IAM action on every resource")):
            grants = [principal.allowed_everywhere(action) for action in probes]
            if all(grants):
                return f"{what}: {grants[0].where()}"
        return None

    def trusting_roles(self, services: list[str], exclude: str) -> list[Principal]:
        found = []
        for role in self.roles.values():
            if role.arn == exclude or role.service_linked:
                continue
            for statement in role.trust:
                principals = statement.raw.get("Principal") or {}
                named = as_list(principals.get("Service")) if isinstance(principals, dict) else []
                if statement.effect == "Allow" and statement.matches("sts:AssumeRole") and any(
                        s in named for s in services):
                    found.append(role)
                    break
        return found

    def admitting_roles(self, principal: Principal) -> list[Principal]:
        """Roles whose trust policy names the principal, its account or anyone."""
        accepted = {principal.arn, f"arn:aws:iam::{self.account}:root", self.account, "*"}
        found = []
        for role in self.roles.values():
            if role.arn == principal.arn:
                continue
            for statement in role.trust:
                principals = statement.raw.get("Principal") or {}
                named = principals if principals == "*" else as_list(
                    principals.get("AWS") if isinstance(principals, dict) else None)
                if statement.effect == "Allow" and statement.matches("sts:AssumeRole") and any(
                        n in accepted for n in as_list(named)):
                    found.append(role)
                    break
        return found


# --------------------------------------------------------------------------
# cloudsplaining
# --------------------------------------------------------------------------


def run_cloudsplaining(export: Export, default_exclusions: bool) -> dict[str, dict[str, list[str]]]:
    """Per principal ARN (users, groups, roles): method -> the policies that allow it.

    cloudsplaining reports per policy; a user gets the findings of its own
    policies and of its groups' policies, as in cloudsplaining's principal
    view of the HTML report.
    """
    from cloudsplaining.scan.authorization_details import AuthorizationDetails
    from cloudsplaining.shared.exclusions import DEFAULT_EXCLUSIONS, Exclusions

    logging.disable(logging.CRITICAL)
    with contextlib.redirect_stdout(io.StringIO()):
        details = AuthorizationDetails(
            export.data, exclusions=DEFAULT_EXCLUSIONS if default_exclusions else Exclusions({}))
        results = details.results
    policies = {}
    for kind in ("aws_managed_policies", "customer_managed_policies", "inline_policies"):
        for key, policy in results[kind].items():
            policies[(kind, key)] = [f["type"] for f in policy.get("PrivilegeEscalation", {}).get("findings", [])]

    def from_holder(holder: dict, suffix: str, into: dict[str, list[str]]) -> None:
        for kind, label in (("inline_policies", "inline policy"), ("customer_managed_policies", "managed policy"),
                            ("aws_managed_policies", "managed policy")):
            for key, name in holder.get(kind, {}).items():
                for method in policies.get((kind, key), []):
                    into.setdefault(method, []).append(f"{label} {name}{suffix}")

    out: dict[str, dict[str, list[str]]] = {}
    for kind in ("users", "groups", "roles"):
        for holder in results[kind].values():
            found: dict[str, list[str]] = {}
            if not holder.get("is_excluded"):
                from_holder(holder, "", found)
                for group_name, group in holder.get("groups", {}).items():
                    if not group.get("is_excluded"):
                        from_holder(group, f" of group {group_name}", found)
            out[holder["arn"]] = found
    return out


def cloudsplaining_methods() -> dict[str, list[str]]:
    from cloudsplaining.shared.constants import PRIVILEGE_ESCALATION_METHODS

    return dict(PRIVILEGE_ESCALATION_METHODS)


def default_exclusion_patterns() -> list[str]:
    from cloudsplaining.shared.constants import DEFAULT_EXCLUSIONS_CONFIG

    return [p for p in DEFAULT_EXCLUSIONS_CONFIG.get("policies", []) if p]


# --------------------------------------------------------------------------
# nhiscope
# --------------------------------------------------------------------------


def default_nhiscope() -> Path:
    target = os.environ.get("CARGO_TARGET_DIR") or str(Path.home() / ".cache/nhiscope-target")
    return Path(target) / "debug/nhiscope"


def nhiscope_command(binary: str, export: Export) -> list[str]:
    command = [binary, "scan", "--no-store", "-q", "--as-of", AS_OF, "--aws-export", str(export.path)]
    if export.credential_report:
        command += ["--aws-export", str(export.credential_report)]
    return command + ["--format", "json"]


def run_nhiscope(binary: str, export: Export) -> dict:
    command = nhiscope_command(binary, export)
    with tempfile.TemporaryDirectory(prefix="nhiscope-vs-cs-") as empty:
        # An empty working directory: the scan must see nothing but the export.
        done = subprocess.run(command, cwd=empty, capture_output=True, text=True)
    if done.returncode not in (0, 1):
        fail(f"`{shlex.join(command)}` exited {done.returncode}:\n{done.stderr.strip()}")
    try:
        report = json.loads(done.stdout)
    except json.JSONDecodeError as error:
        fail(f"nhiscope's output is not JSON ({error}); stderr:\n{done.stderr.strip()}")
    errors = report.get("source_errors") or []
    if errors:
        fail(f"nhiscope reported source errors for {export.path}: {json.dumps(errors)[:2000]}")
    return report


def parse_targets(message: str) -> list[tuple[str, str]]:
    """(target ARN, gain) pairs from an escalation finding's "Targets: ..." part."""
    match = re.search(r"Targets: (.*?)\. Reasoning: ", message)
    if not match:
        return []
    targets = []
    for item in re.split(r"; (?=arn:)", match.group(1)):
        arn, _, rest = item.partition(" (")
        targets.append((arn.strip(), rest[:-1] if rest.endswith(")") else rest))
    return targets


def nhiscope_view(report: dict) -> dict:
    """Escalations, chains and admins per principal ARN, and identity classifications."""
    view = {"escalations": {}, "chains": {}, "admins": {}, "nature": {}, "admin_kind": {}}
    for finding in report.get("findings", []):
        location = finding.get("location") or {}
        if location.get("provider") != "aws":
            continue
        principal = location.get("resource", "")
        rule = finding.get("rule_id")
        if rule == "aws-iam-privilege-escalation":
            match = re.search(r" via (\S+)$", finding["title"])
            if not match:
                fail(f"unexpected escalation title: {finding['title']!r}")
            view["escalations"].setdefault(principal, {})[match.group(1)] = {
                "severity": finding["severity"],
                "targets": parse_targets(finding["message"]),
                "undecided": " Undecided: " in finding["message"],
                "message": finding["message"],
            }
        elif rule == "aws-iam-privilege-escalation-chain":
            match = re.search(r" → (.*?) \((which [^)]*)\)\. Each hop", finding["message"])
            path = match.group(1).split(" → ") if match else []
            end = match.group(2) if match else ""
            view["chains"].setdefault(principal, []).append((path, end))
        elif rule == "aws-iam-admin-machine-identity":
            view["admins"][principal] = finding["message"]
    for node in (report.get("inventory") or {}).get("nodes", []):
        if node.get("kind") != "identity" or node.get("provider") != "aws":
            continue
        attributes = node.get("attributes") or {}
        native_id = node.get("native_id", "")
        nature = attributes.get("classification") or node.get("status")
        if nature:
            view["nature"][native_id] = nature
        if attributes.get("admin_equivalent"):
            view["admin_kind"][native_id] = attributes["admin_equivalent"]
    return view


# --------------------------------------------------------------------------
# The comparison
# --------------------------------------------------------------------------


class Row:
    def __init__(self, principal: Principal) -> None:
        self.principal = principal
        self.cs: dict[str, list[str]] = {}
        self.ns: dict[str, dict] = {}
        self.verdict = ""
        self.why: list[str] = []
        self.classes: set[str] = set()
        self.cs_skipped = False
        self.members: list[str] = []  # for a group: its member users


def concrete(action: str, principal: Principal) -> str:
    return action.replace("*", "User" if principal.kind == "user" else "Role")


def join_names(items) -> str:
    items = list(items)
    return ", ".join(items) if items else "none"


class Explainer:
    def __init__(self, export: Export, ns: dict, cs_methods: dict[str, list[str]]) -> None:
        self.export = export
        self.ns = ns
        self.cs_methods = cs_methods

    def admin(self, principal: Principal) -> str | None:
        arn = principal.arn
        kind = self.ns["admin_kind"].get(arn)
        reason = self.export.admin_reason(principal)
        if not kind and arn not in self.ns["admins"]:
            # nhiscope does not think so: say so rather than excuse it.
            return f"it holds {reason}, yet nhiscope does not mark it admin-equivalent" if reason else None
        text = f"nhiscope marks it admin-equivalent ({kind or 'see its finding'})"
        if reason:
            text += f": {reason}"
        if arn in self.ns["admins"]:
            text += "; reported as aws-iam-admin-machine-identity"
        else:
            nature = self.ns["nature"].get(arn, "not classified")
            text += (f"; it is classified {nature}, and nhiscope reports admin rights only for machine "
                     f"identities")
        return text

    # Why nhiscope did not report method `mid`, which cloudsplaining's combination maps to.
    def missing_in_nhiscope(self, principal: Principal, mid: str) -> tuple[str, str]:
        actions, target = NHISCOPE_METHODS[mid]
        for action in actions:
            action = concrete(action, principal)
            denies = principal.hits(action, "Deny")
            if denies:
                where = "; ".join(f"{d.where()} (Resource {join_names(d.resources or d.not_resources)})"
                                  for d in denies)
                return "deny", (f"{action} is explicitly denied by {where}; an explicit Deny in any policy beats "
                                f"the Allow, while cloudsplaining applies a Deny only within the policy that holds it")
            if not principal.boundary_allows(action):
                allowed = sorted({a for st in principal.boundary or [] if st.effect == "Allow" for a in st.actions})
                return "boundary", (f"the permissions boundary {principal.boundary_name} caps its permissions "
                                    f"(it allows only {join_names(allowed)}); cloudsplaining ignores boundaries")
            if not principal.hits(action, "Allow"):
                return "needs-more", f"nhiscope's {mid} also needs {action}, which {principal.name} is not allowed"
        name = principal.name
        if target == "chain":
            return "no-target", "nhiscope found no role it can assume that is admin or can escalate"
        if target in ("own-policy", "own-policy-versions"):
            own = [self.export.policies[a] for a in dict.fromkeys(principal.managed_arns)
                   if a in self.export.policies and not self.export.policies[a]["aws_managed"]]
            if not own:
                return "no-target", (f"no customer-managed policy is attached to {name} (directly or through a "
                                     f"group), so a new or older policy version cannot widen its own permissions "
                                     f"(AWS-managed policies cannot be changed)")
            if target == "own-policy-versions" and all(p["versions"] < 2 for p in own):
                return "no-target", (f"the customer-managed policies attached to {name} "
                                     f"({join_names(p['name'] for p in own)}) have no other version to switch to")
        if target == "self-user" and principal.kind == "role":
            return "kind", (f"{name} is a role: {actions[0]} changes a user's permissions, not its own; nhiscope "
                            f"counts it only for a user acting on itself")
        if target == "own-group":
            if principal.kind == "role":
                return "kind", f"{name} is a role and roles cannot be in groups, so {actions[0]} has no own group to change"
            if not principal.groups:
                return "no-target", f"{name} is in no group, so {actions[0]} has no own group to change"
        if target == "privileged-group":
            if principal.kind == "role":
                return "kind", f"{name} is a role and roles cannot be added to groups"
            others = [g for g in self.export.groups.values() if g.name not in principal.groups]
            if not others:
                return "no-target", f"there is no group {name} is not already in"
            return "no-target", (f"nhiscope found no group more privileged than {name} among those it is not in "
                                 f"({join_names(g.name for g in others)})")
        if target == "self-or-assumable-role" and principal.kind == "user":
            admitting = self.export.admitting_roles(principal)
            if not admitting:
                return "no-target", (f"{name} is a user and no role's trust policy admits it or its account, so "
                                     f"there is no role it could change and then use")
            return "no-target", (f"{name} is a user; the roles whose trust admits its account "
                                 f"({join_names(r.name for r in admitting)}) are not ones its own policies let it "
                                 f"assume, so changing them gives it nothing")
        if target.startswith("privileged-user"):
            others = [u for u in self.export.users.values() if u.arn != principal.arn]
            if not others:
                return "no-target", f"there is no other user to act as"
            if target != "privileged-user" and self.export.passwords:
                wanted = target.endswith("with-password")
                fitting = [u for u in others if self.export.passwords.get(u.arn, wanted) == wanted]
                if not fitting:
                    state = "has no console password" if wanted else "already has a console password"
                    return "no-target", (f"every other user {state} (credential report), so {actions[0]} has no "
                                         f"user to act on")
                others = fitting
            admins = [u.name for u in others if self.export.admin_reason(u)]
            if admins:
                return "unexplained", (f"nhiscope reported no target although {join_names(admins)} "
                                       f"look admin-equivalent: check nhiscope")
            return "no-target", (f"no other user is more privileged than {name} (nhiscope compares admin rights and "
                                 f"sensitive actions; the others: {join_names(u.name for u in others)}); "
                                 f"cloudsplaining flags {actions[0]} on any user, whoever it is")
        if target == "privileged-role":
            others = [r for r in self.export.roles.values() if r.arn != principal.arn and not r.service_linked]
            if not others:
                return "no-target", "there is no other role (service-linked roles aside) to take over"
            return "no-target", (f"no other role is more privileged than {name} "
                                 f"(the others: {join_names(r.name for r in others)})")
        if target.startswith("pass:"):
            services = target[5:].split(",")
            label = " or ".join(services)
            trusting = self.export.trusting_roles(services, principal.arn)
            if not trusting:
                return "no-target", (f"no role trusts {label}, so {' + '.join(actions[:2])} leads nowhere")
            if mid == "pass-role-ec2":
                with_profile = [r for r in trusting if r.instance_profiles]
                if not with_profile:
                    return "no-target", (f"the roles that trust ec2.amazonaws.com ({join_names(r.name for r in trusting)}) "
                                         f"have no instance profile to launch an instance with")
                trusting = with_profile
            return "no-target", (f"the roles that trust {label} ({join_names(r.name for r in trusting)}) are not "
                                 f"more privileged than {name}, so passing them gains nothing")
        return "unexplained", f"nhiscope reported no {mid}"

    def cs_only(self, principal: Principal, name: str) -> tuple[str, str]:
        ids = CS_TO_NHISCOPE.get(name, ([], ""))[0]
        if not ids:
            return "not-modelled", "nhiscope has no counterpart (see the method mapping)"
        reasons = [self.missing_in_nhiscope(principal, mid) for mid in ids]
        return reasons[0][0], "; ".join(dict.fromkeys(r[1] for r in reasons))

    def ns_only(self, principal: Principal, mid: str) -> tuple[str, str]:
        if mid == "assume-role-chain":
            return "not-modelled", ("cloudsplaining does not follow sts:AssumeRole from a principal to the roles "
                                    "it can assume")
        equivalents = reverse_mapping().get(mid, [])
        if not equivalents:
            return "not-modelled", f"cloudsplaining has no check for {mid} ({' + '.join(NHISCOPE_METHODS[mid][0])})"
        name = equivalents[0]
        actions = [canonical(a) for a in self.cs_methods.get(name, [])]
        sources: dict[str, set[str]] = {}
        for action in actions:
            allows = principal.hits(action, "Allow")
            free = [s for s in allows if s.unrestricted]
            if free:
                sources[action] = {s.policy for s in free}
                continue
            if any(s.any_resource and s.condition for s in allows):
                cond = next(s for s in allows if s.any_resource and s.condition)
                return "condition", (f"{action} is allowed only under a condition ({cond.condition_keys()}, "
                                     f"{cond.where()}), and cloudsplaining skips conditional statements unless run "
                                     f"with --flag-all-risky-actions; nhiscope decided the condition")
            if allows:
                restricted = "; ".join(f"{join_names(s.resources or ['NotResource ' + ', '.join(s.not_resources)])}"
                                       f" ({s.where()})" for s in allows)
                return "resource", (f"{action} is allowed only on {restricted}; cloudsplaining counts only "
                                    f"statements with Resource \"*\" unless run with --flag-all-risky-actions")
            return "needs-more", (f"cloudsplaining's {name} also needs {action}, which {principal.name} is not "
                                  f"allowed; nhiscope does not need it")
        for action in actions:
            denies = [d for d in principal.hits(action, "Deny") if d.policy in sources[action]]
            if denies:
                return "deny", f"{action} is denied within {denies[0].policy}"
        common = set.intersection(*sources.values()) if sources else set()
        if not common:
            parts = "; ".join(f"{a} from {join_names(sorted(p))}" for a, p in sources.items())
            return "cross-policy", (f"cloudsplaining matches a combination within one policy, and here the actions "
                                    f"come from different policies: {parts}")
        return "unexplained", f"cloudsplaining did not report {name} although one policy ({sorted(common)[0]}) grants it"


def covered(name: str, ns_methods: set[str]) -> bool:
    ids = CS_TO_NHISCOPE.get(name, ([], ""))[0]
    return any(i in ns_methods for i in ids)


def compare(export: Export, cs: dict, ns: dict,
            cs_methods: dict[str, list[str]]) -> tuple[list[Row], list[Row], list[str]]:
    explainer = Explainer(export, ns, cs_methods)
    rows = []
    for principal in [*export.users.values(), *export.roles.values()]:
        row = Row(principal)
        row.cs = cs.get(principal.arn, {})
        row.cs_skipped = principal.arn not in cs
        row.ns = dict(ns["escalations"].get(principal.arn, {}))
        if principal.arn in ns["chains"]:
            row.ns["assume-role-chain"] = {"chains": ns["chains"][principal.arn], "undecided": False}
        ns_ids = set(row.ns)
        cs_names = set(row.cs)
        if row.cs_skipped:
            row.verdict = "only nhiscope" if ns_ids else "agree: none"
            row.why.append(f"cloudsplaining skips {principal.name}: it is a service-linked role (path "
                           f"{principal.path}), which it never analyses")
            row.classes.add("cs-skips")
        cs_unmatched = sorted(n for n in cs_names if not covered(n, ns_ids))
        ns_unmatched = sorted(i for i in ns_ids if not any(
            i in CS_TO_NHISCOPE.get(n, ([], ""))[0] for n in cs_names))
        if not cs_names and not ns_ids:
            row.verdict = row.verdict or "agree: none"
            if not row.why:
                row.why.append("neither reports an escalation")
        elif cs_names and not ns_ids:
            row.verdict = "only cloudsplaining"
        elif ns_ids and not cs_names:
            row.verdict = row.verdict if row.cs_skipped else "only nhiscope"
        elif not cs_unmatched and not ns_unmatched:
            row.verdict = "agree"
        else:
            row.verdict = "agree, methods differ"
        matched = sorted(i for i in ns_ids if i not in ns_unmatched)
        if matched:
            row.why.append(f"both: {', '.join(matched)}")
        if cs_unmatched:
            admin = explainer.admin(principal)
            if admin:
                row.why.append(f"cloudsplaining's {len(cs_unmatched)} method(s): {principal.name} is already "
                               f"admin-equivalent ({admin}); nhiscope reports escalation only for principals "
                               f"that are not")
                row.classes.add("admin")
            else:
                grouped: dict[str, list[str]] = {}
                for name in cs_unmatched:
                    cls, text = explainer.cs_only(principal, name)
                    grouped.setdefault(text, []).append(name)
                    row.classes.add(cls)
                for text, names in grouped.items():
                    row.why.append(f"cloudsplaining only, {', '.join(names)}: {text}")
        for mid in ns_unmatched:
            cls, text = explainer.ns_only(principal, mid)
            row.why.append(f"nhiscope only, {mid}: {text}")
            row.classes.add(cls)
        for mid in sorted(row.ns):
            if row.ns[mid].get("undecided"):
                undecided = row.ns[mid]["message"].partition(" Undecided: ")[2].rstrip(".")
                row.why.append(f"nhiscope could not decide {mid}: {undecided}")
        rows.append(row)
    groups = []
    for group in export.groups.values():
        row = Row(group)
        row.cs = cs.get(group.arn, {})
        member_rows = [r for r in rows if r.principal.kind == "user" and group.name in r.principal.groups]
        if not row.cs:
            row.verdict = "agree: none"
            row.why.append("cloudsplaining reports nothing for the group's own policies")
        elif not member_rows:
            row.verdict = "only cloudsplaining"
            row.why.append("the group has no members, so nhiscope, which analyses group policies through the "
                           "users that hold them, has no one to report")
            row.classes.add("group-no-members")
        else:
            reflected = sorted(n for n in row.cs if any(covered(n, set(m.ns)) for m in member_rows))
            missing = sorted(n for n in row.cs if n not in reflected)
            row.verdict = "agree (in members)" if not missing else (
                "partly in members" if reflected else "not in members")
            for name in reflected:
                ids = [i for i in CS_TO_NHISCOPE[name][0]]
                holders = [m.principal.name for m in member_rows if any(i in m.ns for i in ids)]
                row.why.append(f"{name}: nhiscope reports {' or '.join(ids)} on member(s) "
                               f"{join_names(holders)}, who hold the group's policies")
            if missing:
                what = (f"{len(missing)} {'other ' if reflected else ''}methods" if len(missing) > 8
                        else ", ".join(missing))
                if all("admin" in m.classes for m in member_rows):
                    row.why.append(f"not on any member ({what}): its members "
                                   f"({join_names(m.principal.name for m in member_rows)}) are already "
                                   f"admin-equivalent, and nhiscope reports no escalation for them")
                else:
                    row.why.append(f"not on any member: {what}; see the member rows for why")
        row.members = [m.principal.name for m in member_rows]
        groups.append(row)
    known = {r.principal.arn for r in rows}
    stray = sorted(set(ns["escalations"]) - known)
    return rows, groups, stray


# --------------------------------------------------------------------------
# The document
# --------------------------------------------------------------------------


def cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def cs_cell(row: Row, total: int) -> str:
    if row.cs_skipped:
        return "(not analysed)"
    if not row.cs:
        return "—"
    names = sorted(row.cs)
    sources = sorted({s for v in row.cs.values() for s in v})
    if len(names) == total:
        return f"all {total} methods (from {join_names(sources)})"
    return "<br>".join(f"{n} ({join_names(sorted(set(row.cs[n])))})" for n in names)


def ns_cell(row: Row) -> str:
    if not row.ns:
        return "—"
    lines = []
    for mid in sorted(row.ns):
        entry = row.ns[mid]
        if mid == "assume-role-chain":
            for path, end in entry["chains"]:
                lines.append(f"chain: {' → '.join(short(p) for p in path)} ({end})")
            continue
        targets = ", ".join(
            f"{short(arn)}" + (f" ({gain})" if gain and not gain.startswith("it can assume") else "")
            for arn, gain in entry["targets"])
        undecided = ", undecided" if entry["undecided"] else ""
        lines.append(f"{mid} → {targets}{undecided}" if targets else f"{mid}{undecided}")
    return "<br>".join(cell(line) for line in lines)


def relative(path: Path) -> str:
    try:
        return os.path.relpath(path.resolve(), REPO)
    except ValueError:
        return str(path)


def render(results: list[dict], versions: dict, command: str, cs_methods: dict[str, list[str]]) -> str:
    out = []
    w = out.append
    w("# nhiscope vs cloudsplaining: AWS privilege escalation")
    w("")
    w("<!-- Generated by scripts/aws-vs-cloudsplaining.py. Do not edit by hand: rerun the script. -->")
    w("")
    w("This document is generated by `scripts/aws-vs-cloudsplaining.py` and is not edited by hand. It runs "
      "[cloudsplaining](https://github.com/salesforce/cloudsplaining) and nhiscope on the same "
      "`aws iam get-account-authorization-details` exports and compares, principal by principal, the "
      "privilege escalations each reports. Every reason below is derived by the script from the export "
      "(policies, trust policies, groups, instance profiles, the credential report beside it) and from "
      "nhiscope's own findings; none is written per principal.")
    w("")
    w("## Summary")
    w("")
    classes_all: dict[str, int] = {}
    for result in results:
        rows = result["rows"]
        agree = [r for r in rows if r.verdict.startswith("agree")]
        both = sum(1 for r in agree if r.verdict != "agree: none")
        only_cs = sum(1 for r in rows if r.verdict == "only cloudsplaining")
        only_ns = sum(1 for r in rows if r.verdict == "only nhiscope")
        w(f"- `{relative(result['export'].path)}`: {len(rows)} users and roles; **{len(agree)} agree** "
          f"({both} both report an escalation, {len(agree) - both} neither), **{len(rows) - len(agree)} "
          f"disagree** ({only_cs} only cloudsplaining, {only_ns} only nhiscope).")
        for row in rows:
            if differs(row):
                for cls in row.classes:
                    classes_all[cls] = classes_all.get(cls, 0) + 1
    if classes_all:
        w("- Why they differ, over all exports (principals per kind of reason; a principal can have several): "
          + ", ".join(f"{CLASS_TEXT.get(k, k)} {v}"
                      for k, v in sorted(classes_all.items(), key=lambda i: (-i[1], i[0])))
          + ".")
    w("")
    w("## How it was produced")
    w("")
    w("```sh")
    w(command)
    w("```")
    w("")
    w(f"- cloudsplaining {versions['cloudsplaining']} (policy_sentry {versions['policy_sentry']}), through its "
      "Python API (`cloudsplaining.scan.authorization_details.AuthorizationDetails`, the code behind "
      "`cloudsplaining scan`), in the venv `${NHISCOPE_TEST_TOOLS:-~/.cache/nhiscope-test}/venv-cloudsplaining` "
      "that the script creates.")
    w("- cloudsplaining's **default exclusions are disabled** (an empty exclusions config), so that both tools "
      "see every policy: the defaults skip policies named "
      f"{', '.join('`' + p + '`' for p in default_exclusion_patterns())}. "
      "Each export's section says what the defaults would have changed. Its other defaults are kept: "
      "statements with a Condition, or with a Resource other than `*`, are not counted "
      "(`--flag-all-risky-actions` would count them). Service-linked roles (path `/aws-service-role/`) are "
      "always skipped by cloudsplaining.")
    w("- cloudsplaining reports per policy. A user is credited with the findings of its own policies and of "
      "its groups' policies (cloudsplaining's principal view); a role with its own. Groups get their own table.")
    w(f"- {versions['nhiscope']}: `nhiscope scan --no-store -q --as-of {AS_OF} --aws-export EXPORT "
      "[--aws-export credential-report.csv] --format json`, run in an empty directory; the credential report "
      "is passed when one sits beside the export (cloudsplaining does not read it). Findings used: "
      "`aws-iam-privilege-escalation` (one per principal and method, with targets and reasoning), "
      "`aws-iam-privilege-escalation-chain` (shown as `assume-role-chain`), and "
      "`aws-iam-admin-machine-identity`. nhiscope reports no escalation for principals that are already "
      "admin-equivalent, reports admin rights only for machine identities, and analyses groups only through "
      "their member users.")
    w("")
    w("Verdicts: **agree** (both report escalation, every method has its counterpart), **agree, methods "
      "differ** (both report escalation, not by the same methods), **agree: none**, **only cloudsplaining**, "
      "**only nhiscope**.")
    w("")
    w("## Method mapping")
    w("")
    w("| cloudsplaining | actions | nhiscope | note |")
    w("| --- | --- | --- | --- |")
    for name, actions in cs_methods.items():
        ids, note = CS_TO_NHISCOPE.get(name, ([], ""))
        w(f"| {name} | {' + '.join(actions)} | {', '.join(ids) if ids else '— (no counterpart)'} | {cell(note)} |")
    mapped = {i for ids, _ in CS_TO_NHISCOPE.values() for i in ids}
    for mid, (actions, _) in NHISCOPE_METHODS.items():
        if mid not in mapped:
            w(f"| — (no counterpart) | {' + '.join(actions)} | {mid} | cloudsplaining has no such check |")
    unknown = sorted(set(CS_TO_NHISCOPE) - set(cs_methods))
    if unknown:
        w("")
        w(f"Mapped but absent from this cloudsplaining version: {', '.join(unknown)}.")
    w("")
    w("nhiscope's `assume-role-chain` stands for its `aws-iam-privilege-escalation-chain` findings: a principal "
      "that can assume (through one or more roles) a role that is admin-equivalent or can escalate.")
    w("")
    total = len(cs_methods)
    for result in results:
        export = result["export"]
        rows, groups = result["rows"], result["groups"]
        w(f"## `{relative(export.path)}`")
        w("")
        w(f"Account {export.account or '(unknown)'}: {len(export.users)} users, {len(export.roles)} roles, "
          f"{len(export.groups)} groups, {len(export.policies)} managed policies in the export"
          + (f"; credential report `{relative(export.credential_report)}` passed to nhiscope."
             if export.credential_report else "; no credential report."))
        w("")
        counts: dict[str, int] = {}
        for row in rows:
            counts[row.verdict] = counts.get(row.verdict, 0) + 1
        agree = sum(v for k, v in counts.items() if k.startswith("agree"))
        w(f"**Summary:** {len(rows)} users and roles: {agree} agree, {len(rows) - agree} disagree; by verdict: "
          + "; ".join(f"{k} {counts[k]}" for k in VERDICTS if k in counts) + ".")
        w("")
        classes: dict[str, int] = {}
        for row in rows:
            for cls in row.classes if differs(row) else ():
                classes[cls] = classes.get(cls, 0) + 1
        if classes:
            w("Reasons for the differences (principals per kind of reason): "
              + ", ".join(f"{CLASS_TEXT.get(k, k)}: {v}"
                          for k, v in sorted(classes.items(), key=lambda i: (-i[1], i[0])))
              + ".")
            w("")
        w("| principal | cloudsplaining | nhiscope | verdict | why |")
        w("| --- | --- | --- | --- | --- |")
        for row in rows:
            p = row.principal
            w(f"| {p.kind} `{cell(p.name)}` | {cell(cs_cell(row, total))} | {ns_cell(row)} | {row.verdict} | "
              f"{'<br>'.join(cell(x) for x in row.why)} |")
        w("")
        if groups:
            w("Groups (cloudsplaining reports a group's policies; nhiscope reports them on its members):")
            w("")
            w("| group | members | cloudsplaining | verdict | why |")
            w("| --- | --- | --- | --- | --- |")
            for row in groups:
                w(f"| `{cell(row.principal.name)}` | {cell(join_names(row.members))} | "
                  f"{cell(cs_cell(row, total))} | {row.verdict} | {'<br>'.join(cell(x) for x in row.why)} |")
            w("")
        if result["stray"]:
            w(f"nhiscope also reported escalations on resources that are not users or roles of the export: "
              f"{', '.join('`' + a + '`' for a in result['stray'])}.")
            w("")
        w(f"With cloudsplaining's default exclusions: {result['exclusions_note']}")
        w("")
    return "\n".join(out)


VERDICTS = ["agree", "agree, methods differ", "agree: none", "only cloudsplaining", "only nhiscope"]


def differs(row: Row) -> bool:
    """Whether the row has differences worth a reason (in verdict or in methods)."""
    return not row.verdict.startswith("agree") or row.verdict == "agree, methods differ"


CLASS_TEXT = {
    "admin": "already admin-equivalent",
    "not-modelled": "the other tool has no such check",
    "no-target": "no target that makes the combination work",
    "resource": "Resource-restricted grant (cloudsplaining skips)",
    "condition": "conditional grant (cloudsplaining skips)",
    "cross-policy": "actions split across policies",
    "deny": "explicit Deny elsewhere",
    "boundary": "permissions boundary",
    "kind": "method does not apply to this kind of principal",
    "needs-more": "one side's combination needs more actions",
    "cs-skips": "service-linked role skipped by cloudsplaining",
    "unexplained": "not explained by the script (look closer)",
}


def exclusions_note(export: Export, full: dict, default: dict) -> str:
    changed = []
    for arn in sorted(set(full) | set(default)):
        before, after = set(full.get(arn, {})), set(default.get(arn, {}))
        if before != after:
            principal = export.principal(arn)
            name = principal.name if principal else short(arn)
            lost = len(before - after)
            changed.append(f"{name} would lose {lost} of {len(before)} method(s)" if lost else
                           f"{name} would change")
    if not changed:
        return "no principal's result would change."
    return "; ".join(changed) + " (the excluded policies are not scanned)."


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--export", action="append", type=Path,
                        help="an authorization-details JSON export (repeatable; default: the two test exports)")
    parser.add_argument("--nhiscope", default=str(default_nhiscope()), help="the nhiscope binary")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help="the Markdown document to write")
    args = parser.parse_args()
    exports = args.export or DEFAULT_EXPORTS
    for path in exports:
        if not path.is_file():
            fail(f"export {path} not found")
    binary = args.nhiscope
    if not Path(binary).is_file():
        fail(f"nhiscope binary {binary} not found; build it (cargo build) or pass --nhiscope")
    help_text = subprocess.run([binary, "scan", "--help"], capture_output=True, text=True).stdout
    if "--aws-export" not in help_text:
        fail(f"{binary} has no `scan --aws-export`: rebuild it")

    enter_venv()

    import importlib.metadata as metadata

    versions = {
        "cloudsplaining": metadata.version("cloudsplaining"),
        "policy_sentry": metadata.version("policy_sentry"),
        "nhiscope": subprocess.run([binary, "--version"], capture_output=True, text=True).stdout.strip()
        or "nhiscope",
    }
    cs_methods = cloudsplaining_methods()
    results = []
    for path in exports:
        log(f"comparing on {path}")
        export = Export(path)
        cs_full = run_cloudsplaining(export, default_exclusions=False)
        cs_default = run_cloudsplaining(export, default_exclusions=True)
        ns = nhiscope_view(run_nhiscope(binary, export))
        rows, groups, stray = compare(export, cs_full, ns, cs_methods)
        results.append({"export": export, "rows": rows, "groups": groups, "stray": stray,
                        "exclusions_note": exclusions_note(export, cs_full, cs_default)})
        for row in rows:
            log(f"  {row.principal.kind} {row.principal.name}: {row.verdict}")
    parts = ["python3 scripts/aws-vs-cloudsplaining.py"]
    if args.export:
        parts += [f"--export {shlex.quote(relative(p))}" for p in args.export]
    if args.output.resolve() != DEFAULT_OUTPUT.resolve():
        parts.append(f"--output {shlex.quote(relative(args.output))}")
    text = render(results, versions, " ".join(parts), cs_methods)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(text, encoding="utf-8")
    log(f"wrote {args.output}")


if __name__ == "__main__":
    main()
