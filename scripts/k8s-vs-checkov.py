#!/usr/bin/env python3
"""Compares nhiscope's Kubernetes identity findings with checkov's.

Both tools read the same manifests and `kubectl get -o json` exports. checkov
(`--framework kubernetes`) judges each manifest on its own: it flags a Role for
what its rules allow, a binding for what the role it names allows, a pod spec
for what it mounts. nhiscope joins the objects into one cluster model and flags
the identity that ends up with the access: the ServiceAccount a risky role is
bound to, the workload that mounts the default ServiceAccount's token. This
script runs both on every input, brings both sides onto the same objects
(a checkov finding on a Role is carried through the input's bindings to the
ServiceAccounts bound to it), pairs them by object and concept, explains each
disagreement from the input itself, and writes docs/k8s-vs-checkov.md.

    scripts/k8s-vs-checkov.py [--nhiscope BIN] [--checkov CHECKOV_BIN]
        [--out docs/k8s-vs-checkov.md] [--checkov-only] [--no-probe]
        [--nhiscope-arg ARG ...] [--cache DIR] [INPUT ...]

INPUT is a manifest file, a directory of manifests, or a `kubectl get -o json`
export (a `List`, or a JSON array of Lists). A file holding a List (or a
top-level `items:`) or a JSON array is taken as an export, anything else as
manifests; prefix `export:` or `manifests:` to say which.
nhiscope runs as

    BIN scan DIR_OR_FILE --no-store --no-history --format json   (manifests)
    BIN scan --k8s-export FILE --no-store --format json           (exports)

and checkov as `CHECKOV_BIN --framework kubernetes -o json --skip-download
(-f FILE | -d DIR)`. With no INPUT, the inputs named in DEFAULT_INPUTS are
used (those that are missing are skipped and named in the report).

When checkov reads nothing from a file of an input that holds objects (it
reads none from a JSON array of Lists, nor from a file without `apiVersion`),
the script also runs it on a normalised copy (one multi-document YAML file of
the objects, written to a temporary directory, never next to the input) and
reports that comparison too, so the report shows both what checkov misses by
not reading the file and what it would say if it could. `--no-probe` skips it.

`--cache DIR` keeps checkov's JSON by a hash of the command and the input's
bytes and reuses it (checkov takes seconds to minutes per input).

`--checkov-only` runs only checkov and prints, per input, its identity
findings grouped by object and concept (and where they land after the join
through the bindings); nothing is written.

checkov runs from its own venv, ${NHISCOPE_TEST_TOOLS:-$HOME/.cache/nhiscope-test}/checkov-venv,
created (and the pinned version installed) on first use unless --checkov names
another binary; this script re-executes itself with that venv's python, whose
PyYAML it needs. nhiscope defaults to $CARGO_TARGET_DIR/debug/nhiscope
(CARGO_TARGET_DIR defaulting to ~/.cache/nhiscope-target); build it first.

Exit status: 0 when the report was written (or printed; an nhiscope run that
gave no report is named in it), 1 when checkov gave no report for an input,
2 on bad arguments or a missing tool.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import shlex
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, NoReturn

CHECKOV_VERSION = "3.3.30"
REPO = Path(__file__).resolve().parent.parent
TOOLS = Path(os.environ.get("NHISCOPE_TEST_TOOLS") or Path.home() / ".cache/nhiscope-test")
VENV = TOOLS / "checkov-venv"
DEFAULT_CHECKOV = VENV / "bin/checkov"
DEFAULT_OUT = REPO / "docs/k8s-vs-checkov.md"
SHARED_K8S = REPO.parent / "shared/testdata/k8s"
REEXEC_MARK = "NHISCOPE_K8S_CHECKOV_VENV"
# nhiscope's table of built-in ClusterRoles, used (when it exists) to say what
# a built-in role that the input only names would grant.
BUILTIN_ROLES_FILE = REPO / "detectors/kubernetes/data/builtin-cluster-roles.yaml"

# The inputs compared when none is given: (input, required). A missing
# optional input is named in the report as not present. The kubiscan role
# files are a List's `items` without the List's apiVersion/kind: export-shaped,
# and nhiscope's --k8s-export says why it reads nothing from them where a
# path scan reads nothing silently.
DEFAULT_INPUTS: list[tuple[str, bool]] = [
    (f"export:{SHARED_K8S}/kubiscan-cluster-dump.json", True),
    (f"export:{SHARED_K8S}/kubiscan-risky-roles.fixed.yaml", True),
    (f"export:{SHARED_K8S}/kubiscan-risky-roles.yaml", True),
    (f"manifests:{REPO}/fixtures/demo-estate/payments-service/k8s", True),
    (f"export:{REPO}/fixtures/demo-estate/exports/k8s/payments-prod.json", False),
]


def log(message: str) -> None:
    print(f"k8s-vs-checkov: {message}", file=sys.stderr)


def fail(message: str, code: int = 1) -> NoReturn:
    log(f"error: {message}")
    sys.exit(code)


# ==========================================================================
# The tables: nhiscope's rule ids, checkov's check ids, the concepts both map to
# ==========================================================================

# A concept is one kind of identity problem. `anchor` is the object both sides
# are brought onto before they are paired: `sa` (the ServiceAccount that holds
# the access), `workload` (the pod or controller), `object` (the object the
# finding is on, as is). `nhiscope_gap`/`checkov_gap` say why a concept has no
# counterpart in that tool (used when no rule or check maps to it).
@dataclass(frozen=True)
class Concept:
    anchor: str
    title: str
    checkov_gap: str = ""
    nhiscope_gap: str = ""


CONCEPTS: dict[str, Concept] = {
    "rbac-cluster-admin": Concept(
        "sa", "full control of the cluster (cluster-admin or `*` on `*`)",
        checkov_gap="checkov has no check for a binding to cluster-admin: it flags the ClusterRole's rules "
        "(CKV_K8S_49/155-158) when the role is in the input, and not at all when the input only names it"),
    "rbac-secret-read": Concept("sa", "read Secrets (get/list/watch)"),
    "rbac-impersonate": Concept("sa", "impersonate users, groups or service accounts"),
    "rbac-escalate": Concept("sa", "`escalate` on roles"),
    "rbac-bind": Concept("sa", "`bind` on roles"),
    "rbac-token-create": Concept(
        "sa", "mint ServiceAccount tokens (create serviceaccounts/token)",
        checkov_gap="checkov has no check for `create` on serviceaccounts/token"),
    "rbac-pod-exec": Concept("sa", "exec/attach into pods"),
    "rbac-workload-create": Concept(
        "sa", "create or change pods or pod controllers (and so run code as any SA of the namespace)",
        checkov_gap="checkov has no check for creating pods or controllers"),
    "rbac-nodes-proxy": Concept("sa", "the kubelet API through nodes/proxy"),
    "rbac-csr-approval": Concept("sa", "approve CertificateSigningRequests"),
    "rbac-webhook-write": Concept("sa", "write admission webhook configurations"),
    "rbac-wildcard": Concept("sa", "`*` in a role's resources or verbs"),
    "rbac-rbac-write": Concept("sa", "create/update/delete roles or bindings"),
    "sa-token-automount": Concept("workload", "a ServiceAccount token mounted into a pod"),
    "sa-token-secret": Concept(
        "object", "a long-lived ServiceAccount token Secret",
        checkov_gap="checkov has no check on Secrets of type kubernetes.io/service-account-token"),
    "sa-orphaned": Concept(
        "sa", "a ServiceAccount nothing runs as",
        checkov_gap="checkov judges each manifest alone and has no notion of an unused ServiceAccount"),
    "binding-dangling-subject": Concept(
        "object", "a binding to a subject that does not exist",
        checkov_gap="checkov does not check that a binding's subjects exist"),
    "static-cloud-credential": Concept(
        "object", "a static cloud credential (AWS key, GCP key file, ...) in a Secret or workload",
        checkov_gap="checkov --framework kubernetes does not look at credential values (its `secrets` framework is separate)"),
    "host-identity-exposure": Concept("workload", "host access that exposes the node's or other pods' identities"),
    "credential-in-manifest": Concept(
        "object", "a credential value written into a manifest",
        checkov_gap="checkov --framework kubernetes does not look at credential values (its `secrets` framework is separate)"),
    # Concepts only checkov has.
    "default-sa-rbac": Concept(
        "sa", "the default ServiceAccount is granted a role",
        nhiscope_gap="nhiscope has no rule for a binding to a default ServiceAccount as such; it judges what the binding grants"),
    "secret-in-env": Concept(
        "workload", "a Secret passed to a container as environment variables",
        nhiscope_gap="nhiscope does not flag how a Secret reaches a container (secretKeyRef/envFrom is the normal way); "
        "it flags literal credentials (k8s-credential-in-manifest)"),
    "control-plane-authn": Concept(
        "workload", "API server, controller-manager or kubelet flags about authentication and service-account keys",
        nhiscope_gap="nhiscope does not audit control-plane command-line flags"),
}

# nhiscope's Kubernetes rule ids (planned; adjust here when they land) ->
# (concept, the object the finding is on).
NHISCOPE_RULES: dict[str, tuple[str, str]] = {
    "k8s-rbac-cluster-admin": ("rbac-cluster-admin", "ServiceAccount"),
    "k8s-rbac-secret-read": ("rbac-secret-read", "ServiceAccount"),
    "k8s-rbac-impersonate": ("rbac-impersonate", "ServiceAccount"),
    "k8s-rbac-escalate": ("rbac-escalate", "ServiceAccount"),
    "k8s-rbac-bind": ("rbac-bind", "ServiceAccount"),
    "k8s-rbac-token-create": ("rbac-token-create", "ServiceAccount"),
    "k8s-rbac-pod-exec": ("rbac-pod-exec", "ServiceAccount"),
    "k8s-rbac-workload-create": ("rbac-workload-create", "ServiceAccount"),
    "k8s-rbac-nodes-proxy": ("rbac-nodes-proxy", "ServiceAccount"),
    "k8s-rbac-csr-approval": ("rbac-csr-approval", "ServiceAccount"),
    "k8s-rbac-webhook-write": ("rbac-webhook-write", "ServiceAccount"),
    "k8s-rbac-wildcard": ("rbac-wildcard", "ServiceAccount"),
    "k8s-rbac-rbac-write": ("rbac-rbac-write", "ServiceAccount"),
    "k8s-default-service-account-automount": ("sa-token-automount", "workload"),
    "k8s-service-account-token-secret": ("sa-token-secret", "Secret"),
    "k8s-service-account-orphaned": ("sa-orphaned", "ServiceAccount"),
    "k8s-binding-dangling-subject": ("binding-dangling-subject", "RoleBinding/ClusterRoleBinding"),
    "k8s-static-cloud-credential": ("static-cloud-credential", "Secret or workload"),
    "k8s-host-identity-exposure": ("host-identity-exposure", "workload"),
    "k8s-credential-in-manifest": ("credential-in-manifest", "Secret/ConfigMap/workload"),
}
# A secret found by nhiscope's content scanner (location type `file`) inside a
# manifest counts as this concept, on the object whose lines hold it.
NHISCOPE_FILE_FINDING_CONCEPT = "credential-in-manifest"

# nhiscope findings of a concept on the left cover the concepts on the right:
# a ServiceAccount reported as cluster-admin need not be reported again for
# reading secrets, so a checkov finding of a covered concept on that SA is
# explained by the covering one.
RBAC_CONCEPTS = [c for c in CONCEPTS if c.startswith("rbac-")]
COVERS: dict[str, set[str]] = {
    "rbac-cluster-admin": set(RBAC_CONCEPTS) - {"rbac-cluster-admin"},
    "rbac-wildcard": set(RBAC_CONCEPTS) - {"rbac-cluster-admin", "rbac-wildcard"},
}


# checkov check id -> (concepts, how the finding is carried onto the anchor,
# note). Projections: `role` (a Role/ClusterRole: onto every ServiceAccount the
# input binds it to), `binding` (a binding: onto its ServiceAccount subjects),
# `binding-default-sa` (a binding: onto its `default` ServiceAccount subjects),
# `default-sa-object` (the default ServiceAccount object: onto the workloads
# that run as it), `workload` (the workload itself; checkov's pod extracted
# from a controller's template is carried to the controller).
@dataclass(frozen=True)
class CheckovMapping:
    concepts: tuple[str, ...]
    projection: str
    note: str


CHECKOV_MAP: dict[str, CheckovMapping] = {
    # RBAC, one Role/ClusterRole manifest at a time.
    "CKV_K8S_49": CheckovMapping(
        ("rbac-wildcard",), "role",
        "fails on a `*` in apiGroups, resources or verbs, but reads only the role's first rule"),
    "CKV_K8S_155": CheckovMapping(
        ("rbac-webhook-write",), "role",
        "create/update/patch on mutating/validatingwebhookconfigurations; ClusterRoles only"),
    "CKV_K8S_156": CheckovMapping(
        ("rbac-csr-approval",), "role",
        "update/patch on certificatesigningrequests/approval and approve on signers (both); ClusterRoles only"),
    "CKV_K8S_157": CheckovMapping(
        ("rbac-bind",), "role",
        "looks for `bind` on rolebindings/clusterrolebindings (Kubernetes checks `bind` on roles), "
        "so in practice it fires on `*` verbs"),
    "CKV_K8S_158": CheckovMapping(
        ("rbac-escalate",), "role", "`escalate` on roles/clusterroles"),
    # RBAC, graph checks on a binding joined to the role it names (by name
    # only) and requiring every subject to be a ServiceAccount or Node.
    "CKV2_K8S_1": CheckovMapping(
        ("rbac-rbac-write",), "binding",
        "the bound role has `bind` or `*` on rolebindings/clusterrolebindings: write access to bindings"),
    "CKV2_K8S_2": CheckovMapping(
        ("rbac-pod-exec", "rbac-nodes-proxy"), "binding",
        "the bound role has `create` or `*` on pods/exec or nodes/proxy; the script's reading of the role "
        "decides which of the two concepts"),
    "CKV2_K8S_3": CheckovMapping(
        ("rbac-impersonate",), "binding", "`impersonate` on users/groups/serviceaccounts"),
    "CKV2_K8S_5": CheckovMapping(
        ("rbac-secret-read",), "binding", "get/list/watch on secrets without resourceNames"),
    "CKV_K8S_42": CheckovMapping(
        ("default-sa-rbac",), "binding-default-sa",
        "any binding whose subject is a ServiceAccount named `default`, whatever the role grants"),
    # ServiceAccount tokens.
    "CKV_K8S_38": CheckovMapping(
        ("sa-token-automount",), "workload",
        "any pod spec that does not set automountServiceAccountToken: false, whatever its ServiceAccount"),
    "CKV_K8S_41": CheckovMapping(
        ("sa-token-automount",), "default-sa-object",
        "the `default` ServiceAccount object without automountServiceAccountToken: false"),
    # Secrets reaching containers.
    "CKV_K8S_35": CheckovMapping(
        ("secret-in-env",), "workload", "a secretKeyRef or envFrom secretRef in a container's environment"),
    # Host access that exposes the node's credentials or other pods' tokens.
    "CKV_K8S_16": CheckovMapping(("host-identity-exposure",), "workload", "a privileged container"),
    "CKV_K8S_17": CheckovMapping(("host-identity-exposure",), "workload", "hostPID: true"),
    "CKV_K8S_19": CheckovMapping(("host-identity-exposure",), "workload", "hostNetwork: true"),
    "CKV_K8S_27": CheckovMapping(("host-identity-exposure",), "workload", "a hostPath of /var/run/docker.sock"),
    "CKV_K8S_39": CheckovMapping(("host-identity-exposure",), "workload", "CAP_SYS_ADMIN added to a container"),
    # Control-plane flags about authentication and service-account keys.
    **{
        check: CheckovMapping(("control-plane-authn",), "workload", note)
        for check, note in {
            "CKV_K8S_68": "kube-apiserver --anonymous-auth not false",
            "CKV_K8S_69": "kube-apiserver --basic-auth-file set",
            "CKV_K8S_70": "kube-apiserver --token-auth-file set",
            "CKV_K8S_74": "kube-apiserver --authorization-mode AlwaysAllow",
            "CKV_K8S_82": "kube-apiserver without the ServiceAccount admission plugin",
            "CKV_K8S_96": "kube-apiserver --service-account-lookup not true",
            "CKV_K8S_97": "kube-apiserver --service-account-key-file not set",
            "CKV_K8S_108": "kube-controller-manager --use-service-account-credentials not true",
            "CKV_K8S_110": "kube-controller-manager --service-account-private-key-file not set",
            "CKV_K8S_138": "kubelet --anonymous-auth not false",
            "CKV_K8S_139": "kubelet --authorization-mode AlwaysAllow",
        }.items()
    },
}

# Identity-adjacent checks deliberately left out of the comparison, and why.
CHECKOV_LEFT_OUT: dict[str, str] = {
    "CKV_K8S_1": "PodSecurityPolicy (removed in Kubernetes 1.25); the workload checks cover the same",
    "CKV_K8S_2": "PodSecurityPolicy",
    "CKV_K8S_5": "PodSecurityPolicy",
    "CKV_K8S_18": "hostIPC shares IPC, not credentials",
    "CKV_K8S_20": "allowPrivilegeEscalation is about setuid inside the container, not identities",
    "CKV_K8S_21": "the default namespace is not an identity problem",
    "CKV2_K8S_4": "services/status write is a traffic (CVE-2020-8554) problem, not an identity one",
}

# What the script takes checkov's graph checks (CKV2_K8S_*) to require of the
# bound role, to explain a pass: (resources, verbs, passes when the rule has
# resourceNames). Read from checkov's graph_checks/*.json.
CHECKOV_GRAPH_RBAC: dict[str, tuple[set[str], set[str], bool]] = {
    "CKV2_K8S_1": ({"clusterrolebindings", "rolebindings", "*"}, {"bind", "*"}, False),
    "CKV2_K8S_2": ({"pods/exec", "nodes/proxy", "*"}, {"create", "*"}, False),
    "CKV2_K8S_3": ({"groups", "users", "serviceaccounts", "*"}, {"impersonate", "*"}, False),
    "CKV2_K8S_5": ({"secrets", "*"}, {"get", "watch", "list", "*"}, True),
}
# The operations checkov's RBAC resource checks look for: a role fails when,
# for every operation, some rule grants it. From checkov's
# kubernetes/checks/resource/k8s/Rbac*.py.
CHECKOV_RBAC_OPS: dict[str, list[tuple[set[str], set[str], set[str]]]] = {
    "CKV_K8S_155": [({"admissionregistration.k8s.io"}, {"create", "update", "patch"},
                     {"mutatingwebhookconfigurations", "validatingwebhookconfigurations"})],
    "CKV_K8S_156": [({"certificates.k8s.io"}, {"update", "patch"}, {"certificatesigningrequests/approval"}),
                    ({"certificates.k8s.io"}, {"approve"}, {"signers"})],
    "CKV_K8S_157": [({"rbac.authorization.k8s.io"}, {"bind"}, {"rolebindings", "clusterrolebindings"})],
    "CKV_K8S_158": [({"rbac.authorization.k8s.io"}, {"escalate"}, {"roles", "clusterroles"})],
}

# The script's own reading of what a rule grants, per RBAC concept: any of
# (apiGroups, resources, verbs). Used to carry checkov's findings to the right
# concept and to explain disagreements; it is not nhiscope's evaluator.
RBAC_GRANTS: dict[str, list[tuple[set[str], set[str], set[str]]]] = {
    "rbac-secret-read": [({""}, {"secrets"}, {"get", "list", "watch"})],
    "rbac-impersonate": [({"", "authentication.k8s.io"},
                          {"users", "groups", "serviceaccounts", "uids", "userextras/*"}, {"impersonate"})],
    "rbac-escalate": [({"rbac.authorization.k8s.io"}, {"roles", "clusterroles"}, {"escalate"})],
    "rbac-bind": [({"rbac.authorization.k8s.io"}, {"roles", "clusterroles"}, {"bind"})],
    "rbac-token-create": [({""}, {"serviceaccounts/token"}, {"create"})],
    "rbac-pod-exec": [({""}, {"pods/exec", "pods/attach"}, {"create", "get"})],
    "rbac-workload-create": [
        ({""}, {"pods", "replicationcontrollers"}, {"create", "update", "patch"}),
        ({"apps"}, {"deployments", "daemonsets", "statefulsets", "replicasets"}, {"create", "update", "patch"}),
        ({"batch"}, {"jobs", "cronjobs"}, {"create", "update", "patch"}),
    ],
    "rbac-nodes-proxy": [({""}, {"nodes/proxy"}, {"get", "create"})],
    "rbac-csr-approval": [({"certificates.k8s.io"}, {"certificatesigningrequests/approval"}, {"update", "patch"}),
                          ({"certificates.k8s.io"}, {"signers"}, {"approve"})],
    "rbac-webhook-write": [({"admissionregistration.k8s.io"},
                            {"mutatingwebhookconfigurations", "validatingwebhookconfigurations"},
                            {"create", "update", "patch"})],
    "rbac-rbac-write": [({"rbac.authorization.k8s.io"},
                         {"roles", "clusterroles", "rolebindings", "clusterrolebindings"},
                         {"create", "update", "patch", "delete", "deletecollection"})],
}

# The host signals nhiscope's k8s-host-identity-exposure looks at
# (detectors/kubernetes/src/detect/host.rs: privileged containers, hostPID,
# and hostPaths that hold other identities' credentials; not hostNetwork). A
# checkov host finding for a signal outside this set is explained as out of
# nhiscope's scope.
NHISCOPE_HOST_SIGNALS = {"privileged", "hostPID", "hostPath"}
CHECKOV_HOST_SIGNAL = {
    "CKV_K8S_16": "privileged", "CKV_K8S_17": "hostPID", "CKV_K8S_19": "hostNetwork",
    "CKV_K8S_27": "hostPath", "CKV_K8S_39": "CAP_SYS_ADMIN",
}
DOCKER_SOCKET = "/var/run/docker.sock"

CLUSTER_SCOPED_KINDS = {
    "ClusterRole", "ClusterRoleBinding", "Namespace", "Node", "PersistentVolume", "StorageClass",
    "CustomResourceDefinition", "PodSecurityPolicy", "MutatingWebhookConfiguration",
    "ValidatingWebhookConfiguration", "CertificateSigningRequest", "PriorityClass", "APIService",
    "IngressClass", "RuntimeClass", "CSIDriver", "CSINode", "VolumeAttachment", "ComponentStatus",
}
WORKLOAD_KINDS = {"Pod", "Deployment", "DaemonSet", "StatefulSet", "ReplicaSet", "ReplicationController",
                  "Job", "CronJob", "PodTemplate", "DeploymentConfig"}
ROLE_KINDS = {"Role", "ClusterRole"}
BINDING_KINDS = {"RoleBinding", "ClusterRoleBinding"}
KNOWN_KINDS = CLUSTER_SCOPED_KINDS | WORKLOAD_KINDS | {
    "ServiceAccount", "Secret", "ConfigMap", "Role", "RoleBinding", "Service", "Ingress", "NetworkPolicy"}
CANONICAL_KIND = {k.lower(): k for k in KNOWN_KINDS}
# The apiVersion a normalised copy gives an object that has none.
DEFAULT_API_VERSION = {
    "Role": "rbac.authorization.k8s.io/v1", "ClusterRole": "rbac.authorization.k8s.io/v1",
    "RoleBinding": "rbac.authorization.k8s.io/v1", "ClusterRoleBinding": "rbac.authorization.k8s.io/v1",
    "Deployment": "apps/v1", "DaemonSet": "apps/v1", "StatefulSet": "apps/v1", "ReplicaSet": "apps/v1",
    "Job": "batch/v1", "CronJob": "batch/v1",
}


# ==========================================================================
# Reading the inputs
# ==========================================================================

Key = tuple[str | None, str, str]  # (namespace or None when cluster-scoped, Kind, name)


def show_key(key: Key) -> str:
    ns, kind, name = key
    return f"{kind}/{name}" if ns is None else f"{ns}/{kind}/{name}"


def canonical_kind(kind: str) -> str:
    return CANONICAL_KIND.get(kind.lower(), kind)


def make_key(kind: str, namespace: str | None, name: str) -> Key:
    kind = canonical_kind(kind)
    if kind in CLUSTER_SCOPED_KINDS:
        return (None, kind, name)
    return (namespace or "default", kind, name)


@dataclass
class Obj:
    kind: str
    namespace: str | None
    name: str
    data: dict[str, Any]
    file: Path
    start: int | None
    end: int | None
    has_api_version: bool
    inherited_kind: bool = False

    @property
    def key(self) -> Key:
        return make_key(self.kind, self.namespace, self.name)

    @property
    def rules(self) -> list[dict[str, Any]]:
        rules = self.data.get("rules")
        return [r for r in rules if isinstance(r, dict)] if isinstance(rules, list) else []


@dataclass
class FileInfo:
    path: Path
    objects: int = 0
    documents: int = 0
    other_documents: int = 0
    json_array: bool = False
    lists: int = 0
    kindless_lists: int = 0
    inherited_kinds: int = 0
    without_api_version: int = 0
    mentions_api_version: bool = True
    helm: bool = False
    duplicate_keys: list[tuple[int, str, int]] = field(default_factory=list)
    error: str | None = None

    def short_reason(self) -> str:
        """The same, in a few words, for table rows."""
        if self.error:
            return "it does not parse"
        if not self.mentions_api_version:
            return "no `apiVersion` anywhere in its text"
        if self.helm:
            return "Helm template expressions"
        if self.json_array:
            return "a JSON array of Lists, which checkov's JSON loader cannot unpack"
        if self.kindless_lists:
            return "`items` under a document without `kind: List`"
        if self.without_api_version:
            return f"{self.without_api_version} objects without `apiVersion`"
        return ""

    def why_checkov_reads_nothing(self) -> str:
        """What in this file keeps checkov's kubernetes parser from reading it."""
        if self.error:
            return f"the file does not parse ({self.error})"
        if not self.mentions_api_version:
            return ("the text never contains `apiVersion`, and checkov's kubernetes loader skips such a file "
                    "without parsing it")
        if self.helm:
            return "it holds Helm template expressions, which checkov's kubernetes loader skips"
        if self.json_array:
            return (f"it is a JSON array (of {self.lists} List{'s' if self.lists != 1 else ''}); checkov's JSON loader "
                    "wraps the text in `[...]`, so the file becomes one list inside a list, which its validator "
                    "drops as not a mapping, silently (no parsing error)")
        if self.kindless_lists:
            return ("its `items` sit in a document without `apiVersion`/`kind`, and checkov only unpacks "
                    "`kind: List`")
        if self.without_api_version:
            return (f"{self.without_api_version} of its objects have no `apiVersion`, and checkov drops any "
                    "object without both `apiVersion` and `kind`")
        return ""


@dataclass
class Parsed:
    objects: list[Obj]
    files: list[FileInfo]

    def __post_init__(self) -> None:
        self.by_key: dict[Key, list[Obj]] = defaultdict(list)
        for obj in self.objects:
            self.by_key[obj.key].append(obj)


def load_yaml_module():
    import yaml  # the checkov venv's PyYAML

    base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

    class DuplicateRecordingLoader(base):  # type: ignore[misc, valid-type]
        def __init__(self, stream: str) -> None:
            super().__init__(stream)
            self.duplicates: list[tuple[int, str, int]] = []

        def construct_mapping(self, node, deep=False):  # noqa: ANN001
            seen: dict[str, int] = {}
            for key_node, _ in node.value:
                if isinstance(key_node, yaml.ScalarNode):
                    line = key_node.start_mark.line + 1
                    if key_node.value in seen:
                        self.duplicates.append((line, key_node.value, seen[key_node.value]))
                    seen[key_node.value] = line
            return super().construct_mapping(node, deep=deep)

    return yaml, DuplicateRecordingLoader


def node_lines(node: Any) -> tuple[int | None, int | None]:
    if node is None:
        return None, None
    end = node.end_mark.line + (1 if node.end_mark.column > 0 else 0)
    return node.start_mark.line + 1, max(end, node.start_mark.line + 1)


def mapping_value_node(node: Any, key: str) -> Any:
    found = None
    for key_node, value_node in getattr(node, "value", []) or []:
        if getattr(key_node, "value", None) == key:
            found = value_node
    return found


def parse_file(path: Path) -> tuple[list[Obj], FileInfo]:
    info = FileInfo(path)
    objects: list[Obj] = []
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError as error:
        info.error = str(error)
        return objects, info
    info.mentions_api_version = "apiVersion" in text and "kind" in text
    info.helm = bool(re.search(r"\{\{-?\s*\.(Release|Values)\.", text))
    documents: list[tuple[Any, Any]] = []
    if path.suffix == ".json":
        try:
            data = json.loads(text)
            documents = [(None, data)]
        except json.JSONDecodeError as error:
            info.error = f"JSON: {error}"
            return objects, info
    else:
        yaml, loader_class = load_yaml_module()
        loader = loader_class(text)
        try:
            while loader.check_node():
                node = loader.get_node()
                documents.append((node, loader.construct_document(node)))
        except yaml.YAMLError as error:
            info.error = " ".join(str(error).split())
        finally:
            info.duplicate_keys = loader.duplicates
            loader.dispose()
    info.json_array = path.suffix == ".json" and bool(documents) and isinstance(documents[0][1], list)

    def flatten(node: Any, value: Any, inherited: str | None) -> None:
        if isinstance(value, list):
            if isinstance(node, type(None)) or not hasattr(node, "value"):
                nodes = [None] * len(value)
            else:
                nodes = list(node.value)
            for child_node, child in zip(nodes, value):
                flatten(child_node, child, inherited)
            return
        if not isinstance(value, dict):
            if value is not None:
                info.other_documents += 1
            return
        kind = value.get("kind")
        items = value.get("items")
        if isinstance(items, list) and (kind is None or (isinstance(kind, str) and kind.endswith("List"))):
            info.lists += 1
            if kind is None or "apiVersion" not in value:
                info.kindless_lists += 1
            item_kind = kind[: -len("List")] if isinstance(kind, str) and kind != "List" else None
            items_node = mapping_value_node(node, "items")
            nodes = list(items_node.value) if items_node is not None else [None] * len(items)
            for child_node, child in zip(nodes, items):
                flatten(child_node, child, item_kind)
            return
        if not isinstance(kind, str):
            if inherited:
                value = dict(value, kind=inherited)
                info.inherited_kinds += 1
                kind = inherited
            else:
                info.other_documents += 1
                return
        meta = value.get("metadata") if isinstance(value.get("metadata"), dict) else {}
        name = meta.get("name") or (f"{meta['generateName']}*" if meta.get("generateName") else "(unnamed)")
        start, end = node_lines(node)
        if "apiVersion" not in value:
            info.without_api_version += 1
        objects.append(Obj(canonical_kind(kind), meta.get("namespace"), str(name), value, path, start, end,
                           "apiVersion" in value, inherited_kind=kind == inherited))

    for node, value in documents:
        info.documents += 1
        flatten(node, value, None)
    info.objects = len(objects)
    return objects, info


def manifest_files(root: Path) -> list[Path]:
    if root.is_file():
        return [root]
    files = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        files += [Path(dirpath) / f for f in sorted(filenames) if f.endswith((".yaml", ".yml", ".json"))]
    return files


def parse_input(path: Path) -> Parsed:
    objects: list[Obj] = []
    files: list[FileInfo] = []
    for file in manifest_files(path):
        file_objects, info = parse_file(file)
        objects += file_objects
        files.append(info)
    return Parsed(objects, files)


# ==========================================================================
# The cluster the input describes: who is bound to what
# ==========================================================================


def pod_spec(obj: Obj) -> dict[str, Any]:
    data = obj.data
    if obj.kind == "Pod":
        spec = data.get("spec")
    elif obj.kind == "CronJob":
        spec = (((data.get("spec") or {}).get("jobTemplate") or {}).get("spec") or {}).get("template", {}).get("spec")
    elif obj.kind == "PodTemplate":
        spec = (data.get("template") or {}).get("spec")
    else:
        spec = ((data.get("spec") or {}).get("template") or {}).get("spec")
    return spec if isinstance(spec, dict) else {}


def containers(spec: dict[str, Any]) -> list[dict[str, Any]]:
    found = []
    for field_name in ("containers", "initContainers", "ephemeralContainers"):
        found += [c for c in spec.get(field_name) or [] if isinstance(c, dict)]
    return found


def host_signals(obj: Obj) -> dict[str, list[str]]:
    """The host access a workload has: signal -> details."""
    spec = pod_spec(obj)
    signals: dict[str, list[str]] = defaultdict(list)
    for name in ("hostPID", "hostNetwork", "hostIPC"):
        if spec.get(name) is True:
            signals[name].append("true")
    for container in containers(spec):
        context = container.get("securityContext") or {}
        if context.get("privileged") is True:
            signals["privileged"].append(f"container {container.get('name')}")
        added = ((context.get("capabilities") or {}).get("add")) or []
        if any(str(cap).upper() in ("SYS_ADMIN", "CAP_SYS_ADMIN") for cap in added):
            signals["CAP_SYS_ADMIN"].append(f"container {container.get('name')}")
    for volume in spec.get("volumes") or []:
        if isinstance(volume, dict) and isinstance(volume.get("hostPath"), dict):
            signals["hostPath"].append(str(volume["hostPath"].get("path")))
    return dict(signals)


def is_mirror_pod(obj: Obj) -> bool:
    meta = obj.data.get("metadata") or {}
    annotations = meta.get("annotations") or {}
    owners = meta.get("ownerReferences") or []
    return obj.kind == "Pod" and ("kubernetes.io/config.mirror" in annotations
                                  or any(isinstance(o, dict) and o.get("kind") == "Node" for o in owners))


def token_volumes(obj: Obj) -> list[str]:
    """Volumes of the pod spec that carry a ServiceAccount token."""
    names = []
    for volume in pod_spec(obj).get("volumes") or []:
        if not isinstance(volume, dict):
            continue
        sources = ((volume.get("projected") or {}).get("sources")) or []
        if any(isinstance(src, dict) and "serviceAccountToken" in src for src in sources):
            names.append(str(volume.get("name")))
    return names


def verb_matches(granted: Iterable[str], wanted: set[str]) -> bool:
    return any(v == "*" or v in wanted for v in granted)


def resource_matches(granted: Iterable[str], wanted: set[str]) -> bool:
    for resource in granted:
        if resource == "*" or resource in wanted:
            return True
        if resource.startswith("*/") and any(w.endswith(resource[1:]) for w in wanted):
            return True
        if any(w.endswith("/*") and resource.startswith(w[:-1]) for w in wanted):
            return True
    return False


def group_matches(granted: Iterable[str], wanted: set[str]) -> bool:
    return any(g == "*" or g in wanted for g in granted)


def describe_rule(rule: dict[str, Any]) -> str:
    parts = []
    for name in ("apiGroups", "resources", "resourceNames", "nonResourceURLs", "verbs"):
        if name in rule:
            values = rule.get(name) or []
            parts.append(f"{name} [{', '.join(repr(v) if v == '' else str(v) for v in values)}]")
    return "; ".join(parts)


def rules_granting(role_rules: list[dict[str, Any]], concept: str) -> list[int]:
    """Indexes of the rules that grant `concept`, in the script's reading."""
    found = []
    for index, rule in enumerate(role_rules):
        groups = [str(g) for g in rule.get("apiGroups") or []]
        resources = [str(r) for r in rule.get("resources") or []]
        verbs = [str(v) for v in rule.get("verbs") or []]
        if concept == "rbac-cluster-admin":
            if "*" in groups and "*" in resources and "*" in verbs:
                found.append(index)
        elif concept == "rbac-wildcard":
            if "*" in resources or "*" in verbs:
                found.append(index)
        else:
            for want_groups, want_resources, want_verbs in RBAC_GRANTS.get(concept, []):
                if (group_matches(groups, want_groups) and resource_matches(resources, want_resources)
                        and verb_matches(verbs, want_verbs)):
                    found.append(index)
                    break
    return found


@dataclass
class Grant:
    binding: Obj
    role_key: Key
    role: Obj | None  # None: not in the input
    builtin: Obj | None  # from nhiscope's table of built-in ClusterRoles, when the input lacks the role


class Cluster:
    def __init__(self, parsed: Parsed, builtins: dict[str, Obj]) -> None:
        self.parsed = parsed
        self.builtins = builtins
        self.objects: dict[Key, Obj] = {key: objs[-1] for key, objs in parsed.by_key.items()}
        self.bindings = [o for o in self.objects.values() if o.kind in BINDING_KINDS]
        self.workloads = [o for o in self.objects.values() if o.kind in WORKLOAD_KINDS]

    def get(self, key: Key) -> Obj | None:
        return self.objects.get(key)

    @staticmethod
    def role_key(binding: Obj) -> Key | None:
        ref = binding.data.get("roleRef")
        if not isinstance(ref, dict) or not ref.get("name"):
            return None
        return make_key(str(ref.get("kind") or "ClusterRole"), binding.namespace, str(ref["name"]))

    @staticmethod
    def subjects(binding: Obj) -> list[dict[str, Any]]:
        subjects = binding.data.get("subjects")
        return [s for s in subjects if isinstance(s, dict)] if isinstance(subjects, list) else []

    def sa_subjects(self, binding: Obj) -> list[Key]:
        keys = []
        for subject in self.subjects(binding):
            if subject.get("kind") == "ServiceAccount" and subject.get("name"):
                keys.append(make_key("ServiceAccount", subject.get("namespace") or binding.namespace,
                                     str(subject["name"])))
        return keys

    @staticmethod
    def describe_subjects(binding: Obj) -> str:
        parts = []
        for subject in Cluster.subjects(binding):
            ns = f"{subject['namespace']}/" if subject.get("namespace") else ""
            parts.append(f"{subject.get('kind')} {ns}{subject.get('name')}")
        return ", ".join(parts) or "no subjects"

    def bindings_to(self, role_key: Key) -> list[Obj]:
        return [b for b in self.bindings if self.role_key(b) == role_key]

    def grants_of(self, sa: Key) -> list[Grant]:
        grants = []
        for binding in self.bindings:
            if sa in self.sa_subjects(binding):
                role_key = self.role_key(binding)
                if role_key is None:
                    continue
                role = self.get(role_key)
                builtin = self.builtins.get(role_key[2]) if role is None and role_key[1] == "ClusterRole" else None
                grants.append(Grant(binding, role_key, role, builtin))
        return grants

    def group_bindings_of(self, sa: Key) -> list[tuple[Obj, str]]:
        """Bindings that reach `sa` through a group (system:serviceaccounts, ...)."""
        ns = sa[0]
        groups = {"system:serviceaccounts", f"system:serviceaccounts:{ns}", "system:authenticated"}
        found = []
        for binding in self.bindings:
            for subject in self.subjects(binding):
                if subject.get("kind") == "Group" and subject.get("name") in groups:
                    found.append((binding, str(subject["name"])))
        return found

    def checkov_joined_roles(self, binding: Obj) -> list[Obj]:
        """The roles checkov's graph joins a binding to: same kind and name, in any namespace."""
        ref = binding.data.get("roleRef") or {}
        kind, name = canonical_kind(str(ref.get("kind") or "")), ref.get("name")
        return [o for o in self.objects.values() if o.kind == kind and o.name == name]

    def owners(self, key: Key) -> list[Key]:
        obj = self.get(key)
        refs = ((obj.data.get("metadata") or {}).get("ownerReferences") or []) if obj else []
        found = []
        for ref in refs:
            if isinstance(ref, dict) and ref.get("kind") and ref.get("name"):
                owner = make_key(str(ref["kind"]), key[0], str(ref["name"]))
                if owner in self.objects:
                    found.append(owner)
        return found

    def relatives(self, key: Key) -> list[tuple[Key, str]]:
        """The objects that own `key` (transitively) and those it owns, with the relation."""
        found: list[tuple[Key, str]] = []
        todo, seen = [key], {key}
        while todo:
            for owner in self.owners(todo.pop()):
                if owner not in seen:
                    seen.add(owner)
                    found.append((owner, "its owner"))
                    todo.append(owner)
        for other in self.objects:
            chain, todo2 = set(), [other]
            while todo2:
                for owner in self.owners(todo2.pop()):
                    if owner not in chain:
                        chain.add(owner)
                        todo2.append(owner)
            if key in chain and other != key:
                found.append((other, "owned by it"))
        return found

    def workload_sa(self, workload: Obj) -> Key:
        spec = pod_spec(workload)
        name = spec.get("serviceAccountName") or spec.get("serviceAccount") or "default"
        return make_key("ServiceAccount", workload.namespace, str(name))

    def workloads_running_as(self, sa: Key) -> list[Obj]:
        return [w for w in self.workloads if self.workload_sa(w) == sa]

    def object_at(self, file: Path, line: int | None) -> Obj | None:
        candidates = [o for o in self.parsed.objects if o.file.resolve() == file.resolve()]
        if line is not None:
            inside = [o for o in candidates if o.start is not None and o.start <= line <= (o.end or o.start)]
            if inside:
                return min(inside, key=lambda o: (o.end or 0) - (o.start or 0))
        return candidates[0] if len(candidates) == 1 else None


def load_builtins() -> dict[str, Obj]:
    if not BUILTIN_ROLES_FILE.is_file():
        return {}
    objects, _ = parse_file(BUILTIN_ROLES_FILE)
    return {o.name: o for o in objects if o.kind == "ClusterRole"}


# ==========================================================================
# Running the tools
# ==========================================================================


@dataclass
class Input:
    spec: str
    path: Path
    mode: str  # "manifests" or "export"
    present: bool = True


def classify(spec: str) -> Input:
    mode = None
    for prefix in ("export:", "manifests:"):
        if spec.startswith(prefix):
            mode, spec_path = prefix[:-1], spec[len(prefix):]
            break
    else:
        spec_path = spec
    path = Path(spec_path)
    if not path.exists():
        return Input(spec, path, mode or "manifests", present=False)
    if mode is None:
        mode = "manifests"
        if path.is_file() and path.suffix == ".json":
            try:
                data = json.loads(path.read_text(encoding="utf-8", errors="replace"))
                if isinstance(data, list) or (isinstance(data, dict) and isinstance(data.get("items"), list)):
                    mode = "export"
            except json.JSONDecodeError:
                pass
        elif path.is_file() and re.search(r"^(kind:\s*\w*List\s*$|items:)", path.read_text(errors="replace"), re.M):
            mode = "export"
    return Input(spec, path, mode)


def display_path(path: Path) -> str:
    path = path.resolve() if path.exists() else path.absolute()
    for base in (REPO, REPO.parent):
        try:
            relative = path.relative_to(base)
            return str(relative) if base == REPO else f"../{relative}"
        except ValueError:
            continue
    return str(path)


@dataclass
class CheckovResult:
    check_id: str
    status: str  # FAILED, PASSED, SKIPPED
    resource: str
    key: Key | None  # the object in the input, None when it matched none
    nested: bool  # a pod checkov extracted from a controller's template, carried to the controller
    file: str


@dataclass
class CheckovRun:
    command: list[str]
    ok: bool
    error: str = ""
    resource_count: int = 0
    version: str = ""
    seconds: float = 0.0
    results: list[CheckovResult] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.status: dict[tuple[Key, str], str] = {}

    def index(self) -> None:
        order = {"FAILED": 2, "SKIPPED": 1, "PASSED": 0}
        for result in self.results:
            if result.key is None:
                continue
            slot = (result.key, result.check_id)
            if slot not in self.status or order[result.status] > order[self.status[slot]]:
                self.status[slot] = result.status

    @property
    def objects_read(self) -> set[Key]:
        return {r.key for r in self.results if r.key is not None and not r.nested}

    @property
    def nested_read(self) -> set[str]:
        return {r.resource for r in self.results if r.nested}

    @property
    def unmatched(self) -> set[str]:
        return {r.resource for r in self.results if r.key is None}


def checkov_key(resource: str, cluster: Cluster) -> tuple[Key | None, bool]:
    """Maps checkov's `Kind.namespace.name` to an object of the input."""
    parts = resource.split(".", 2)
    if len(parts) != 3:
        return None, False
    kind, namespace, name = parts
    key = make_key(kind, namespace, name)
    if key in cluster.objects:
        return key, False
    if kind == "Pod":
        for workload in cluster.workloads:
            if workload.kind != "Pod" and workload.key[0] == namespace and name.startswith(workload.name + "."):
                return workload.key, True
    return None, False


CACHE: Path | None = None  # --cache: checkov's output kept by a hash of its inputs


def checkov_process(command: list[str], target: Path) -> subprocess.CompletedProcess:
    if CACHE is None:
        return subprocess.run(command, capture_output=True, text=True)
    digest = hashlib.sha256("\0".join(command[:-1]).encode())
    for file in manifest_files(target):
        digest.update(str(file.relative_to(target) if target.is_dir() else file.name).encode() + b"\0")
        digest.update(file.read_bytes())
    entry = CACHE / f"{digest.hexdigest()}.json"
    if entry.is_file():
        cached = json.loads(entry.read_text())
        return subprocess.CompletedProcess(command, cached["rc"], cached["stdout"], cached["stderr"])
    proc = subprocess.run(command, capture_output=True, text=True)
    CACHE.mkdir(parents=True, exist_ok=True)
    entry.write_text(json.dumps({"rc": proc.returncode, "stdout": proc.stdout, "stderr": proc.stderr}))
    return proc


def run_checkov(checkov: Path, target: Path, cluster: Cluster) -> CheckovRun:
    # An absolute path: with a relative -d, checkov 3.3.30 writes file_abs_path
    # with the directory twice, and the script could not tell which file it read.
    target = target.resolve()
    command = [str(checkov), "--framework", "kubernetes", "-o", "json", "--skip-download",
               "-d" if target.is_dir() else "-f", str(target)]
    started = time.monotonic()
    proc = checkov_process(command, target)
    run = CheckovRun(command, ok=False, seconds=time.monotonic() - started)
    if proc.returncode not in (0, 1):
        run.error = f"exit {proc.returncode}: {last_line(proc.stderr)}"
        return run
    try:
        output = json.loads(proc.stdout)
    except json.JSONDecodeError:
        run.error = f"not JSON on stdout: {last_line(proc.stderr) or proc.stdout[:200]}"
        return run
    reports = output if isinstance(output, list) else [output]
    run.ok = True
    for report in reports:
        if report.get("check_type", "kubernetes") != "kubernetes":
            continue
        summary = report.get("summary", report)
        run.resource_count += int(summary.get("resource_count") or 0)
        run.version = summary.get("checkov_version") or run.version
        results = report.get("results") or {}
        for status_field, status in (("failed_checks", "FAILED"), ("passed_checks", "PASSED"),
                                     ("skipped_checks", "SKIPPED")):
            for check in results.get(status_field) or []:
                key, nested = checkov_key(str(check.get("resource")), cluster)
                run.results.append(CheckovResult(str(check.get("check_id")), status, str(check.get("resource")),
                                                 key, nested, str(check.get("file_abs_path") or "")))
    run.index()
    return run


def last_line(text: str) -> str:
    lines = [line.strip() for line in (text or "").splitlines() if line.strip()]
    return lines[-1][:300] if lines else ""


def checkov_catalogue(checkov: Path) -> dict[str, tuple[str, set[str]]]:
    """checkov --list --framework kubernetes: id -> (title, kinds it runs on)."""
    proc = subprocess.run([str(checkov), "--list", "--framework", "kubernetes", "--skip-download"],
                          capture_output=True, text=True)
    catalogue: dict[str, tuple[str, set[str]]] = {}
    for line in proc.stdout.splitlines():
        cells = [c.strip() for c in line.split("|")]
        if len(cells) >= 8 and cells[2].startswith("CKV"):
            title, kinds = catalogue.get(cells[2], (cells[5], set()))
            kinds.add(cells[4])
            catalogue[cells[2]] = (title, kinds)
    return catalogue


@dataclass
class NhiscopeRun:
    command: list[str]
    ok: bool
    error: str = ""
    seconds: float = 0.0
    report: dict[str, Any] = field(default_factory=dict)

    @property
    def findings(self) -> list[dict[str, Any]]:
        return list(self.report.get("findings") or [])

    @property
    def source_errors(self) -> list[dict[str, Any]]:
        return list(self.report.get("source_errors") or [])

    @property
    def version(self) -> str:
        return str((self.report.get("tool") or {}).get("version") or "")

    def kubernetes_read(self) -> int | None:
        """Objects nhiscope's Kubernetes collector read, or None when no such collector ran."""
        sources = (self.report.get("scan") or {}).get("sources") or []
        counts = [int(s.get("items_scanned") or 0) for s in sources
                  if re.search(r"k8s|kube", str(s.get("collector") or ""), re.I)]
        return sum(counts) if counts else None


def run_nhiscope(nhiscope: Path, item: Input, extra: list[str]) -> NhiscopeRun:
    if item.mode == "export":
        command = [str(nhiscope), "scan", "--k8s-export", str(item.path), "--no-store", "--format", "json"]
    else:
        command = [str(nhiscope), "scan", str(item.path), "--no-store", "--no-history", "--format", "json"]
    command += extra
    started = time.monotonic()
    try:
        proc = subprocess.run(command, capture_output=True, text=True, timeout=1800)
    except (OSError, subprocess.TimeoutExpired) as error:
        return NhiscopeRun(command, False, str(error), time.monotonic() - started)
    run = NhiscopeRun(command, False, seconds=time.monotonic() - started)
    if proc.returncode not in (0, 1, 3):
        run.error = f"exit {proc.returncode}: {last_line(proc.stderr)}"
        return run
    try:
        run.report = json.loads(proc.stdout)
        run.ok = True
    except json.JSONDecodeError:
        run.error = f"exit {proc.returncode}, not JSON on stdout: {last_line(proc.stderr)}"
    return run


# ==========================================================================
# Both sides onto the same objects
# ==========================================================================

Unit = tuple[Key, str]  # (anchor object, concept)


@dataclass
class Evidence:
    rule: str  # rule or check id
    on: Key | None  # the object the tool flagged
    via: str = ""  # how it was carried onto the anchor
    detail: str = ""
    severity: str = ""

    def render(self) -> str:
        text = self.rule + (f" ({self.severity})" if self.severity else "")
        if self.on is not None:
            text += f" on {show_key(self.on)}"
        if self.via:
            text += f" ({self.via})"
        return text


def checkov_units(run: CheckovRun, cluster: Cluster) -> dict[Unit, list[Evidence]]:
    units: dict[Unit, list[Evidence]] = defaultdict(list)
    for result in run.results:
        mapping = CHECKOV_MAP.get(result.check_id)
        if result.status != "FAILED" or mapping is None:
            continue
        if result.key is None:
            # checkov flagged something that is not an object of the input
            # as the script reads it; keep it visible under a made-up key.
            kind, _, rest = result.resource.partition(".")
            namespace, _, name = rest.partition(".")
            key = make_key(kind, namespace, name)
            for concept in mapping.concepts:
                units[(key, concept)].append(Evidence(result.check_id, key, "not an object the script read"))
            continue
        obj = cluster.get(result.key)
        projection = mapping.projection
        concepts = list(mapping.concepts)
        if projection == "role" and obj is not None:
            targets = []
            for binding in cluster.bindings_to(obj.key):
                targets += [(sa, f"bound by {show_key(binding.key)}") for sa in cluster.sa_subjects(binding)]
            for concept in concepts:
                if not targets:
                    units[(obj.key, concept)].append(Evidence(result.check_id, obj.key, "bound to no ServiceAccount"))
                for sa, via in targets:
                    units[(sa, concept)].append(Evidence(result.check_id, obj.key, via))
        elif projection in ("binding", "binding-default-sa") and obj is not None:
            roles = cluster.checkov_joined_roles(obj)
            if len(concepts) > 1:
                granted = [c for c in concepts if any(rules_granting(r.rules, c) for r in roles)]
                concepts = granted or concepts
            named = Cluster.role_key(obj)
            role_text = (", ".join(show_key(r.key) for r in roles)
                         or (f"{show_key(named)}, not in the input" if named else "none named"))
            subjects = cluster.sa_subjects(obj)
            if projection == "binding-default-sa":
                subjects = [s for s in subjects if s[2] == "default"]
            for concept in concepts:
                if not subjects:
                    units[(obj.key, concept)].append(Evidence(result.check_id, obj.key, f"role {role_text}; no ServiceAccount subject"))
                for sa in subjects:
                    units[(sa, concept)].append(Evidence(result.check_id, obj.key, f"role {role_text}"))
        elif projection == "default-sa-object" and obj is not None:
            workloads = [w for w in cluster.workloads_running_as(obj.key)
                         if pod_spec(w).get("automountServiceAccountToken") is not False]
            for concept in concepts:
                if not workloads:
                    units[(obj.key, concept)].append(Evidence(result.check_id, obj.key, "no workload in the input runs as it"))
                for workload in workloads:
                    units[(workload.key, concept)].append(Evidence(result.check_id, obj.key, "the workload runs as it"))
        else:
            via = "pod template checkov extracted from it" if result.nested else ""
            for concept in concepts:
                units[(result.key, concept)].append(Evidence(result.check_id, result.key, via))
    # The same check reaching the same anchor twice (a role bound twice) is one piece of evidence.
    return {unit: dedupe(evidence) for unit, evidence in units.items()}


def dedupe(evidence: list[Evidence]) -> list[Evidence]:
    seen, out = set(), []
    for item in evidence:
        marker = (item.rule, item.on, item.via)
        if marker not in seen:
            seen.add(marker)
            out.append(item)
    return out


def parse_resource(resource: str) -> Key | None:
    parts = resource.split("/")
    if len(parts) == 3:
        return make_key(parts[1], parts[0], parts[2])
    if len(parts) == 2:
        return make_key(parts[0], None, parts[1])
    return None


@dataclass
class NhiscopeSide:
    units: dict[Unit, list[Evidence]]
    unmapped_rules: Counter
    elsewhere: int  # findings not about a Kubernetes object of the input


def nhiscope_units(run: NhiscopeRun, cluster: Cluster) -> NhiscopeSide:
    units: dict[Unit, list[Evidence]] = defaultdict(list)
    unmapped: Counter = Counter()
    elsewhere = 0
    for finding in run.findings:
        rule = str(finding.get("rule_id"))
        location = finding.get("location") or {}
        detail = str(finding.get("message") or finding.get("title") or "")
        if location.get("type") == "resource" and location.get("provider") == "kubernetes":
            key = parse_resource(str(location.get("resource") or ""))
            if key is None:
                elsewhere += 1
                continue
            if rule in NHISCOPE_RULES:
                concept = NHISCOPE_RULES[rule][0]
            else:
                concept = rule
                unmapped[rule] += 1
            severity = str(finding.get("severity") or "")
            units[(key, concept)].append(Evidence(rule, key, detail=detail, severity=severity))
            if concept.startswith("rbac-") and key[1] == "ServiceAccount" and key[2] == "default":
                units[(key, "default-sa-rbac")].append(
                    Evidence(rule, key, "granted to a default ServiceAccount", detail, severity))
        elif location.get("type") == "file" and location.get("path"):
            path = Path(str(location["path"]))
            if not path.is_absolute():
                path = Path.cwd() / path
            line = location.get("line")
            obj = cluster.object_at(path, int(line) if isinstance(line, int) else None)
            if obj is None:
                elsewhere += 1
                continue
            units[(obj.key, NHISCOPE_FILE_FINDING_CONCEPT)].append(
                Evidence(rule, obj.key, f"secret at line {line}", detail, str(finding.get("severity") or "")))
        else:
            elsewhere += 1
    return NhiscopeSide(dict(units), unmapped, elsewhere)


# ==========================================================================
# Why they disagree
# ==========================================================================

CHECKS_BY_CONCEPT: dict[str, list[str]] = defaultdict(list)
for _check, _mapping in CHECKOV_MAP.items():
    for _concept in _mapping.concepts:
        CHECKS_BY_CONCEPT[_concept].append(_check)
NHISCOPE_CONCEPTS = {concept for concept, _ in NHISCOPE_RULES.values()} | {"default-sa-rbac"}


@dataclass
class Context:
    item: Input
    parsed: Parsed
    cluster: Cluster
    catalogue: dict[str, tuple[str, set[str]]]
    checkov: CheckovRun
    checkov_side: dict[Unit, list[Evidence]]
    nhiscope: NhiscopeRun | None
    nhiscope_side: NhiscopeSide | None
    probe: bool = False  # this checkov run is on a normalised copy


@dataclass
class Row:
    unit: Unit
    nhiscope: list[Evidence]
    checkov: list[Evidence]
    why: str = ""
    explained: bool = True

    @property
    def flagged_by(self) -> str:
        if self.nhiscope and self.checkov:
            return "both"
        return "nhiscope" if self.nhiscope else "checkov"


def checkov_reads_nothing(ctx: Context, keys: Iterable[Key]) -> str:
    """Why checkov did not read the objects `keys` come from, or ''."""
    files = set()
    for key in keys:
        obj = ctx.cluster.get(key)
        if obj is not None:
            files.add(obj.file)
    if ctx.checkov.resource_count == 0:
        files = {f.path for f in ctx.parsed.files} if not files else files
    reasons = []
    read_files = {Path(r.file).resolve() for r in ctx.checkov.results if r.file}
    for info in ctx.parsed.files:
        if info.path in files and info.path.resolve() not in read_files:
            reason = info.short_reason()
            reasons.append(f"checkov read 0 resources from {display_path(info.path)}"
                           + (f" ({reason}; see above)" if reason else ""))
    return "; ".join(reasons)


def explain_checkov_only(row: Row, ctx: Context) -> tuple[str, bool]:
    anchor, concept = row.unit
    nh, side = ctx.nhiscope, ctx.nhiscope_side
    if nh is None or side is None:
        return "nhiscope was not run", True
    if not nh.ok:
        return f"nhiscope produced no report ({nh.error})", True
    errors = [e for e in nh.source_errors if re.search(r"k8s|kube", str(e.get("collector") or ""), re.I)]
    if nh.kubernetes_read() in (None, 0):
        text = "nhiscope read no Kubernetes object from the input"
        if nh.kubernetes_read() is None:
            text += " (its report names no Kubernetes collector)"
        if errors:
            text += "; its source errors: " + "; ".join(str(e.get("message")) for e in errors[:3])
        return text, True
    if concept not in NHISCOPE_CONCEPTS:
        return f"no counterpart in nhiscope: {CONCEPTS[concept].nhiscope_gap}", True
    if CONCEPTS[concept].anchor == "sa" and anchor[1] != "ServiceAccount":
        obj = ctx.cluster.get(anchor)
        if obj is not None and obj.kind in ROLE_KINDS:
            bindings = ctx.cluster.bindings_to(obj.key)
            if not bindings:
                return (f"nhiscope requires a binding to a service account: no binding in the input names "
                        f"{show_key(anchor)}", True)
            subjects = "; ".join(f"{show_key(b.key)} → {Cluster.describe_subjects(b)}" for b in bindings)
            return (f"nhiscope requires a binding to a service account: {show_key(anchor)} is bound only to "
                    f"other subjects ({subjects})", True)
        if obj is not None and obj.kind in BINDING_KINDS:
            return (f"nhiscope requires a binding to a service account: {show_key(anchor)} binds "
                    f"{Cluster.describe_subjects(obj)}", True)
    covering = [(u, ev) for u, ev in side.units.items()
                if u[0] == anchor and concept in COVERS.get(u[1], set())]
    if covering:
        rules = sorted({e.rule for _, ev in covering for e in ev})
        return f"nhiscope reports {show_key(anchor)} as {', '.join(rules)}, which covers {concept}", True
    if concept.startswith("rbac-"):
        return explain_rbac_checkov_only(row, ctx)
    kin = [(k, relation) for k, relation in ctx.cluster.relatives(anchor) if (k, concept) in side.units]
    if kin:
        return ("nhiscope reports it on " + ", ".join(f"{show_key(k)} ({relation})" for k, relation in kin)
                + ", and checkov on each object of the chain", True)
    if concept == "sa-token-automount":
        obj = ctx.cluster.get(anchor)
        if obj is not None and is_mirror_pod(obj):
            return (f"{show_key(anchor)} is a static (mirror) pod: the kubelet runs it without a ServiceAccount "
                    "token, and checkov reads only the pod spec", True)
        if obj is not None and obj.kind in WORKLOAD_KINDS:
            sa = ctx.cluster.workload_sa(obj)
            if sa[2] != "default":
                return (f"checkov flags every pod spec that does not set automountServiceAccountToken: false; "
                        f"{show_key(anchor)} runs as {show_key(sa)}, and nhiscope flags only the default "
                        f"ServiceAccount's token", True)
            sa_obj = ctx.cluster.get(sa)
            if sa_obj is not None and sa_obj.data.get("automountServiceAccountToken") is False:
                return (f"{show_key(sa)} sets automountServiceAccountToken: false, which nhiscope honours and "
                        f"checkov (reading only the pod spec) does not", True)
        if obj is not None and obj.kind == "ServiceAccount":
            return (f"checkov flags the default ServiceAccount object itself; nhiscope flags the workloads that "
                    f"mount its token, and no workload in the input runs as {show_key(anchor)}", True)
        if obj is not None and obj.kind in WORKLOAD_KINDS:
            sa = ctx.cluster.workload_sa(obj)
            return (f"unexplained: {show_key(anchor)} runs as {show_key(sa)} without automountServiceAccountToken: "
                    f"false{' (and mounts a token volume)' if token_volumes(obj) else ''}, and nhiscope has no "
                    f"finding on it", False)
    if concept == "host-identity-exposure":
        obj = ctx.cluster.get(anchor)
        signals = host_signals(obj) if obj is not None else {}
        outside = sorted({CHECKOV_HOST_SIGNAL.get(e.rule, e.rule) for e in row.checkov}
                         - NHISCOPE_HOST_SIGNALS)
        if outside:
            return (f"checkov flags {', '.join(outside)}, which nhiscope's host-identity rule does not look at "
                    f"(workload's host access: {describe_signals(signals)})", True)
        return (f"unexplained: the workload's host access is {describe_signals(signals)} and nhiscope has no "
                f"host-identity finding on it", False)
    if concept == "default-sa-rbac":
        obj = ctx.cluster.get(anchor)
        risky = []
        for grant in ctx.cluster.grants_of(anchor):
            role = grant.role or grant.builtin
            if role is None:
                risky.append(f"{show_key(grant.role_key)} (not in the input)")
                continue
            granted = [c for c in RBAC_CONCEPTS if rules_granting(role.rules, c)]
            if granted:
                risky.append(f"{show_key(grant.role_key)} ({', '.join(granted)})")
        if not risky:
            roles = ", ".join(sorted({show_key(g.role_key) for g in ctx.cluster.grants_of(anchor)})) or "nothing"
            return (f"checkov flags any binding to a default ServiceAccount; {show_key(anchor)} is granted "
                    f"{roles}, which grants nothing nhiscope rates risky", True)
        return (f"unexplained: {show_key(anchor)} is granted {'; '.join(risky)} and nhiscope has no RBAC finding "
                f"on it", False)
    return "unexplained", False


def explain_rbac_checkov_only(row: Row, ctx: Context) -> tuple[str, bool]:
    anchor, concept = row.unit
    reasons: list[tuple[str, bool]] = []
    for evidence in row.checkov:
        obj = ctx.cluster.get(evidence.on) if evidence.on else None
        if obj is None:
            continue
        if obj.kind in BINDING_KINDS:
            reasons.append(explain_graph_join(evidence.rule, obj, concept, ctx))
            continue
        granting = rules_granting(obj.rules, concept)
        if granting:
            rules = "; ".join(f"rule {i}: {describe_rule(obj.rules[i])}" for i in granting)
            said = sorted({e.rule for u, ev in (ctx.nhiscope_side.units if ctx.nhiscope_side else {}).items()
                           if u[0] == anchor for e in ev})
            specific = [rule for rule in said if rule.startswith("k8s-rbac-") and rule != "k8s-rbac-wildcard"]
            if concept == "rbac-wildcard" and specific:
                # nhiscope names what a wildcard rule hands over (reading
                # Secrets, the kubelet API, ...) and raises k8s-rbac-wildcard
                # only for what no such finding covers: every verb on a
                # sensitive resource, or writes to every resource.
                reasons.append((f"nhiscope reports what the wildcard in {show_key(obj.key)} ({rules}) grants "
                                f"{show_key(anchor)} as the specific risks {', '.join(specific)}, and raises "
                                f"k8s-rbac-wildcard only where no specific finding covers the rule", True))
                continue
            reasons.append((f"unexplained: {show_key(obj.key)} grants {concept} ({rules}) to "
                            f"{show_key(anchor)} ({evidence.via}) and nhiscope has no {concept} finding on it"
                            + (f" (it reports {', '.join(said)})" if said else " (nor any other)"),
                            False))
        elif concept == "rbac-wildcard" and obj.rules and any("*" in str(g) for g in obj.rules[0].get("apiGroups") or []):
            reasons.append((f"the `*` in {show_key(obj.key)}'s first rule is in apiGroups only "
                            f"({describe_rule(obj.rules[0])}), which checkov's CKV_K8S_49 counts and a wildcard "
                            f"over resources or verbs does not", True))
        else:
            reasons.append((f"unexplained: the script's reading of {show_key(obj.key)} finds no rule granting "
                            f"{concept}, yet checkov's {evidence.rule} fails it", False))
    if not reasons:
        return "unexplained", False
    return merge_reasons(reasons)


def explain_graph_join(check: str, binding: Obj, concept: str, ctx: Context) -> tuple[str, bool]:
    """A checkov graph finding on a binding that nhiscope did not share."""
    true_key = Cluster.role_key(binding)
    joined = ctx.cluster.checkov_joined_roles(binding)
    true_role = ctx.cluster.get(true_key) if true_key else None
    others = [r for r in joined if r.key != true_key and rules_granting(r.rules, concept)]
    if others and (true_role is None or not rules_granting(true_role.rules, concept)):
        return (f"checkov joins a binding to its role by name only: it read {show_key(binding.key)} as bound to "
                f"{', '.join(show_key(r.key) for r in others)}, while the binding refers to "
                f"{show_key(true_key) if true_key else '?'}"
                f"{'' if true_role is not None else ' (not in the input)'}"
                f"{', which grants no ' + concept if true_role is not None else ''}", True)
    if true_role is not None and rules_granting(true_role.rules, concept):
        return (f"unexplained: {show_key(true_role.key)} grants {concept} through {show_key(binding.key)} and "
                f"nhiscope has no {concept} finding on its subjects", False)
    return (f"unexplained: checkov's {check} fails {show_key(binding.key)}, and the script's reading of its role "
            f"finds no {concept}", False)


def merge_reasons(reasons: list[tuple[str, bool]]) -> tuple[str, bool]:
    texts = list(dict.fromkeys(text for text, _ in reasons))
    return "; ".join(texts), all(ok for _, ok in reasons)


def describe_signals(signals: dict[str, list[str]]) -> str:
    if not signals:
        return "none"
    return ", ".join(f"{name} ({', '.join(values)})" for name, values in sorted(signals.items()))


def explain_nhiscope_only(row: Row, ctx: Context) -> tuple[str, bool]:
    anchor, concept = row.unit
    if not ctx.checkov.ok:
        return f"checkov produced no report ({ctx.checkov.error})", True
    related = related_objects(row, ctx)
    unread = [k for k in related if k not in ctx.checkov.objects_read]
    if related and not [k for k in related if k in ctx.checkov.objects_read]:
        reason = checkov_reads_nothing(ctx, unread)
        if reason:
            return reason, True
    if ctx.checkov.resource_count == 0:
        reason = checkov_reads_nothing(ctx, [])
        return reason or "checkov read 0 resources from the input", True
    checks = CHECKS_BY_CONCEPT.get(concept, [])
    if concept not in CONCEPTS:
        return f"unexplained: nhiscope rule {', '.join(sorted({e.rule for e in row.nhiscope}))} is not in NHISCOPE_RULES", False
    if not checks:
        gap = CONCEPTS[concept].checkov_gap or "checkov has no check for it"
        return f"no counterpart in checkov: {gap}", True
    if concept.startswith("rbac-"):
        return explain_rbac_nhiscope_only(row, ctx, checks)
    obj = ctx.cluster.get(anchor)
    if obj is not None:
        kin = [(k, relation) for k, relation in ctx.cluster.relatives(anchor) if (k, concept) in ctx.checkov_side]
        checked = [c for c in checks if ctx.checkov.status.get((obj.key, c)) == "PASSED"]
        if kin and not checked:
            return ("checkov reports it on " + ", ".join(f"{show_key(k)} ({relation})" for k, relation in kin), True)
    if concept == "sa-token-automount" and obj is not None:
        return explain_workload_checks(obj, ["CKV_K8S_38"], ctx)
    if concept == "host-identity-exposure" and obj is not None:
        signals = host_signals(obj)
        reasons = []
        paths = signals.get("hostPath", [])
        for path in paths:
            if path != DOCKER_SOCKET and os.path.normpath(path) == DOCKER_SOCKET:
                reasons.append((f"hostPath {path} is the docker socket spelt differently, and checkov's CKV_K8S_27 "
                                f"compares the path with {DOCKER_SOCKET} character for character", True))
        others = [p for p in paths if os.path.normpath(p) != DOCKER_SOCKET]
        if others:
            reasons.append((f"checkov has no check for hostPath {', '.join(others)} (CKV_K8S_27 covers "
                            f"{DOCKER_SOCKET} only)", True))
        watched = [c for c, s in CHECKOV_HOST_SIGNAL.items() if s in signals and (s != "hostPath" or DOCKER_SOCKET in signals["hostPath"])]
        if watched:
            text, ok = explain_workload_checks(obj, watched, ctx)
            reasons.append((text, ok))
        if not reasons:
            reasons.append((f"unexplained: the script finds no host access on {show_key(anchor)}", False))
        return merge_reasons(reasons)
    if obj is not None:
        return explain_workload_checks(obj, checks, ctx)
    return "unexplained", False


def host_breakdown(obj: Obj, nhiscope: list[Evidence], ctx: Context) -> str:
    """Per host signal of `obj`: does an nhiscope message name it, and what did checkov's check for it say."""
    messages = " ".join(e.detail for e in nhiscope)
    check_of = {signal: check for check, signal in CHECKOV_HOST_SIGNAL.items()}
    parts = []
    for signal, values in sorted(host_signals(obj).items()):
        items = values if signal == "hostPath" else [", ".join(values)]
        for value in items:
            label = f"hostPath {value}" if signal == "hostPath" else signal
            named = value in messages if signal == "hostPath" else signal.lower() in messages.lower()
            check = check_of.get(signal)
            if signal == "hostPath" and os.path.normpath(value) != DOCKER_SOCKET:
                check_text = "no checkov check"
            elif check is None:
                check_text = "no checkov check"
            else:
                status = ctx.checkov.status.get((obj.key, check), "not evaluated")
                check_text = f"{check} {status.lower()}"
                if signal == "hostPath" and value != DOCKER_SOCKET and status == "PASSED":
                    check_text += f" (it compares the path with {DOCKER_SOCKET} character for character)"
            parts.append(f"{label}: {'named by nhiscope' if named else 'not named by nhiscope'}, {check_text}")
    return "; ".join(parts)


def explain_workload_checks(obj: Obj, checks: list[str], ctx: Context) -> tuple[str, bool]:
    reasons = []
    for check in checks:
        status = ctx.checkov.status.get((obj.key, check))
        kinds = ctx.catalogue.get(check, ("", set()))[1]
        if status is None:
            if kinds and obj.kind not in kinds:
                reasons.append((f"checkov's {check} does not run on {obj.kind} (only {', '.join(sorted(kinds))})", True))
            else:
                reasons.append((f"checkov did not evaluate {show_key(obj.key)} with {check}", True))
        elif status == "SKIPPED":
            reasons.append((f"checkov's {check} is suppressed on {show_key(obj.key)} by an annotation", True))
        elif status == "PASSED":
            reasons.append((f"unexplained: checkov's {check} passed {show_key(obj.key)}", False))
    return merge_reasons(reasons) if reasons else ("unexplained", False)


def related_objects(row: Row, ctx: Context) -> list[Key]:
    """The input's objects a finding on `anchor` rests on (the anchor, its bindings and roles)."""
    anchor, concept = row.unit
    keys = [anchor] if anchor in ctx.cluster.objects else []
    if anchor[1] == "ServiceAccount":
        for grant in ctx.cluster.grants_of(anchor):
            keys.append(grant.binding.key)
            if grant.role is not None:
                keys.append(grant.role_key)
    return keys


def explain_rbac_nhiscope_only(row: Row, ctx: Context, checks: list[str]) -> tuple[str, bool]:
    anchor, concept = row.unit
    grants = ctx.cluster.grants_of(anchor) if anchor[1] == "ServiceAccount" else []
    reasons: list[tuple[str, bool]] = []
    for grant in grants:
        role = grant.role
        if role is None:
            builtin = grant.builtin
            what = ""
            if builtin is not None:
                granted = [c for c in RBAC_CONCEPTS if rules_granting(builtin.rules, c)]
                if concept not in granted:
                    continue
                what = f" (nhiscope's table of built-in roles says it grants {concept})"
            reasons.append((f"{show_key(grant.role_key)}, bound by {show_key(grant.binding.key)}, is not in the "
                            f"input{what}: a built-in role of every cluster, and checkov judges each manifest on "
                            f"its own, so it cannot see what the role grants", True))
            continue
        granting = rules_granting(role.rules, concept)
        if not granting:
            continue
        for check in checks:
            reasons.append(explain_check_pass(check, grant, granting, concept, ctx, anchor))
    if not reasons:
        groups = [(b, g) for b, g in (ctx.cluster.group_bindings_of(anchor) if anchor[1] == "ServiceAccount" else [])
                  if role_grants(ctx.cluster, b, concept)]
        if groups:
            text = "; ".join(f"{show_key(b.key)} (Group {g})" for b, g in groups)
            return (f"the access reaches {show_key(anchor)} through a group ({text}); checkov's graph checks pass "
                    f"any binding with a subject other than a ServiceAccount or Node", True)
        if grants:
            roles = ", ".join(show_key(g.role_key) for g in grants)
            return (f"unexplained: the script's reading of the roles bound to {show_key(anchor)} ({roles}) finds "
                    f"no {concept}", False)
        return f"unexplained: the script finds no binding of {show_key(anchor)} in the input", False
    return merge_reasons(reasons)


def role_grants(cluster: Cluster, binding: Obj, concept: str) -> bool:
    """Whether the role `binding` names grants `concept` (in the script's reading; built-ins from nhiscope's table)."""
    key = Cluster.role_key(binding)
    if key is None:
        return False
    role = cluster.get(key) or (cluster.builtins.get(key[2]) if key[1] == "ClusterRole" else None)
    return role is not None and bool(rules_granting(role.rules, concept))


def explain_check_pass(check: str, grant: Grant, granting: list[int], concept: str,
                       ctx: Context, anchor: Key) -> tuple[str, bool]:
    role, binding = grant.role, grant.binding
    assert role is not None
    mapping = CHECKOV_MAP[check]
    on = binding if mapping.projection.startswith("binding") else role
    status = ctx.checkov.status.get((on.key, check))
    kinds = ctx.catalogue.get(check, ("", set()))[1]
    rules_text = "; ".join(f"rule {i}: {describe_rule(role.rules[i])}" for i in granting)
    if status == "FAILED":
        return (f"unexplained: checkov's {check} fails {show_key(on.key)}, but the script did not carry it to "
                f"{show_key(anchor)}", False)
    if status == "SKIPPED":
        return f"checkov's {check} is suppressed on {show_key(on.key)} by an annotation", True
    if status is None:
        if kinds and on.kind not in kinds:
            return f"checkov's {check} runs on {', '.join(sorted(kinds))} only, and {show_key(on.key)} is a {on.kind}", True
        return f"checkov did not evaluate {show_key(on.key)} with {check}", True
    # It passed: find what in checkov's check the role does not meet.
    if check in CHECKOV_GRAPH_RBAC:
        resources, verbs, names_pass = CHECKOV_GRAPH_RBAC[check]
        kinds_of_subjects = {str(s.get("kind")) for s in Cluster.subjects(binding)}
        if kinds_of_subjects - {"ServiceAccount", "Node"}:
            return (f"checkov's {check} passes a binding with any subject other than a ServiceAccount or Node, and "
                    f"{show_key(binding.key)} binds {Cluster.describe_subjects(binding)}", True)
        if len(role.rules) != 1:
            return (f"checkov's {check} reads `rules.resources`/`rules.verbs` only in a role with a single rule, "
                    f"and {show_key(role.key)} has {len(role.rules)} rules ({concept} in {rules_text})", True)
        rule = role.rules[0]
        if names_pass and rule.get("resourceNames"):
            return (f"checkov's {check} passes a rule limited by resourceNames, and {show_key(role.key)}'s is "
                    f"({describe_rule(rule)})", True)
        if not (resource_matches([str(r) for r in rule.get("resources") or []], resources - {"*"})
                and verb_matches([str(v) for v in rule.get("verbs") or []], verbs - {"*"})):
            return (f"checkov's {check} looks for verbs {sorted(verbs - {'*'})} on {sorted(resources - {'*'})}, "
                    f"and {show_key(role.key)} grants {concept} otherwise ({rules_text})", True)
    elif check == "CKV_K8S_49":
        if granting and 0 not in granting:
            return (f"checkov's CKV_K8S_49 reads only a role's first rule, and {show_key(role.key)}'s wildcard is "
                    f"in {rules_text}", True)
    elif check in CHECKOV_RBAC_OPS:
        unmet = [op for op in CHECKOV_RBAC_OPS[check]
                 if not any(group_matches([str(g) for g in r.get("apiGroups") or []], op[0])
                            and verb_matches([str(v) for v in r.get("verbs") or []], op[1])
                            and resource_matches([str(x) for x in r.get("resources") or []], op[2])
                            for r in role.rules)]
        if unmet:
            wanted = "; ".join(f"verbs {sorted(v)} on {sorted(r)} in apiGroups {sorted(g)}" for g, v, r in unmet)
            return (f"checkov's {check} looks for {wanted}, and {show_key(role.key)} grants {concept} otherwise "
                    f"({rules_text})", True)
    return f"unexplained: checkov's {check} passed {show_key(on.key)}, which grants {concept} ({rules_text})", False


def quote_nhiscope(row: Row) -> str:
    detail = next((e.detail for e in row.nhiscope if e.detail), "")
    if not detail:
        return ""
    return " — nhiscope says: " + (detail if len(detail) <= 240 else detail[:239] + "…")


def compare(ctx: Context) -> list[Row]:
    nh_units = ctx.nhiscope_side.units if ctx.nhiscope_side else {}
    ck_units = ctx.checkov_side
    rows = []
    for unit in sorted(set(nh_units) | set(ck_units), key=lambda u: (show_key(u[0]), u[1])):
        row = Row(unit, nh_units.get(unit, []), ck_units.get(unit, []))
        if row.flagged_by == "both" and unit[1] == "host-identity-exposure":
            obj = ctx.cluster.get(unit[0])
            row.why = host_breakdown(obj, row.nhiscope, ctx) if obj is not None else ""
        elif row.flagged_by == "both" and unit[1].startswith("rbac-"):
            notes = []
            for evidence in row.checkov:
                binding = ctx.cluster.get(evidence.on) if evidence.on else None
                if binding is not None and binding.kind in BINDING_KINDS:
                    text, _ = explain_graph_join(evidence.rule, binding, unit[1], ctx)
                    if text.startswith("checkov joins"):
                        notes.append(f"{evidence.rule} on {show_key(binding.key)} is a false positive: {text}")
            row.why = "; ".join(notes)
        elif row.flagged_by == "checkov":
            row.why, row.explained = explain_checkov_only(row, ctx)
        elif row.flagged_by == "nhiscope":
            row.why, row.explained = explain_nhiscope_only(row, ctx)
            if not row.explained:
                row.why += quote_nhiscope(row)
        rows.append(row)
    return rows


# ==========================================================================
# The normalised copy checkov can read
# ==========================================================================


def write_normalised(parsed: Parsed, directory: Path, stem: str) -> tuple[Path, Path, int]:
    """One multi-document YAML file and one flat List of the input's objects."""
    import yaml

    documents, filled = [], 0
    for obj in parsed.objects:
        data = dict(obj.data)
        if "apiVersion" not in data:
            data = {"apiVersion": DEFAULT_API_VERSION.get(obj.kind, "v1"), **data}
            filled += 1
        if not isinstance(data.get("metadata"), dict):
            data["metadata"] = {"name": obj.name}
        documents.append(data)
    yaml_path = directory / f"{stem}.normalised.yaml"
    with yaml_path.open("w") as out:
        yaml.safe_dump_all(documents, out, sort_keys=False)
    list_path = directory / f"{stem}.flat-list.json"
    list_path.write_text(json.dumps({"apiVersion": "v1", "kind": "List", "items": documents}, indent=1))
    return yaml_path, list_path, filled


# ==========================================================================
# One input, start to finish
# ==========================================================================


@dataclass
class Outcome:
    item: Input
    parsed: Parsed | None = None
    checkov: CheckovRun | None = None
    nhiscope: NhiscopeRun | None = None
    nhiscope_side: NhiscopeSide | None = None
    rows: list[Row] = field(default_factory=list)
    probe_rows: list[Row] | None = None
    probe_run: CheckovRun | None = None
    probe_list_count: int | None = None
    probe_filled: int = 0
    ctx: Context | None = None
    probe_ctx: Context | None = None


def unread_files(parsed: Parsed, run: CheckovRun) -> list[FileInfo]:
    """Files with objects in them from which checkov reported nothing."""
    read = {Path(r.file).resolve() for r in run.results if r.file}
    return [f for f in parsed.files if f.objects and f.path.resolve() not in read]


def process(item: Input, args: argparse.Namespace, catalogue: dict[str, tuple[str, set[str]]],
            builtins: dict[str, Obj], scratch: Path) -> Outcome:
    outcome = Outcome(item)
    if not item.present:
        return outcome
    parsed = parse_input(item.path)
    cluster = Cluster(parsed, builtins)
    outcome.parsed = parsed
    log(f"{display_path(item.path)}: {len(parsed.objects)} objects; running checkov")
    outcome.checkov = run_checkov(args.checkov, item.path, cluster)
    if not args.checkov_only:
        log(f"{display_path(item.path)}: running nhiscope")
        outcome.nhiscope = run_nhiscope(args.nhiscope, item, args.nhiscope_arg)
        outcome.nhiscope_side = nhiscope_units(outcome.nhiscope, cluster) if outcome.nhiscope.ok else NhiscopeSide({}, Counter(), 0)
    ctx = Context(item, parsed, cluster, catalogue, outcome.checkov, checkov_units(outcome.checkov, cluster),
                  outcome.nhiscope, outcome.nhiscope_side)
    outcome.ctx = ctx
    if not args.no_probe and outcome.checkov.ok and unread_files(parsed, outcome.checkov):
        stem = re.sub(r"[^A-Za-z0-9_.-]", "_", item.path.name)
        yaml_path, list_path, filled = write_normalised(parsed, scratch, stem)
        log(f"{display_path(item.path)}: checkov read nothing from "
            f"{', '.join(display_path(f.path) for f in unread_files(parsed, outcome.checkov))}; "
            "running it on a normalised copy")
        probe = run_checkov(args.checkov, yaml_path, cluster)
        probe.command[-1] = f"<normalised copy of {display_path(item.path)}>"
        list_run = run_checkov(args.checkov, list_path, cluster)
        outcome.probe_run, outcome.probe_filled = probe, filled
        outcome.probe_list_count = list_run.resource_count if list_run.ok else None
        outcome.probe_ctx = Context(item, parsed, cluster, catalogue, probe, checkov_units(probe, cluster),
                                    outcome.nhiscope, outcome.nhiscope_side, probe=True)
        if not args.checkov_only:
            outcome.probe_rows = compare(outcome.probe_ctx)
    if not args.checkov_only:
        outcome.rows = compare(ctx)
        if outcome.probe_rows is not None:
            probe_by_unit = {r.unit: r for r in outcome.probe_rows}
            for row in outcome.rows:
                if row.flagged_by == "nhiscope" and row.why.startswith("checkov read 0"):
                    probe_row = probe_by_unit.get(row.unit)
                    if probe_row is not None and probe_row.flagged_by == "both":
                        row.why += (" — on the normalised copy checkov flags it too ("
                                    + ", ".join(e.render() for e in probe_row.checkov) + ")")
                    elif probe_row is not None:
                        row.why += f" — on the normalised copy checkov still does not flag it: {probe_row.why}"
                        row.explained = probe_row.explained
    return outcome


# ==========================================================================
# Output
# ==========================================================================


def tidy(text: str) -> str:
    """Paths in tools' messages, relative to the repository like the rest of the report."""
    return str(text).replace(f"{REPO}/", "").replace(f"{REPO.parent}/", "../")


def cell(text: Any) -> str:
    return tidy(str(text)).replace("|", "\\|").replace("\n", " ")


def table(headers: list[str], rows: list[list[Any]]) -> list[str]:
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join(" --- " for _ in headers) + "|"]
    lines += ["| " + " | ".join(cell(c) for c in row) + " |" for row in rows]
    return lines


def kinds_summary(parsed: Parsed) -> str:
    counts = Counter(o.kind for o in parsed.objects)
    return ", ".join(f"{n} {k}" for k, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


def parse_notes(parsed: Parsed) -> list[str]:
    notes = []
    for info in parsed.files:
        where = display_path(info.path)
        if info.error:
            notes.append(f"{where}: does not parse: {info.error}")
        if info.duplicate_keys:
            lines = ", ".join(f"`{k}` at line {line} (first at {first})" for line, k, first in info.duplicate_keys[:8])
            more = f" and {len(info.duplicate_keys) - 8} more" if len(info.duplicate_keys) > 8 else ""
            lost = sum(1 for _, k, _ in info.duplicate_keys if k == "metadata")
            notes.append(f"{where}: {len(info.duplicate_keys)} duplicate mapping keys: {lines}{more}. YAML "
                         "forbids them; PyYAML (the script's parser, and checkov's once it parses the file) keeps "
                         "the last value, so each object whose `- kind:` line is indented into the previous "
                         "object's `rules` overwrites that object's `metadata` and `rules`"
                         + (f": {lost} objects vanish into the ones before them" if lost else ""))
        if info.json_array:
            notes.append(f"{where}: a JSON array of {info.lists} Lists")
        if info.kindless_lists:
            notes.append(f"{where}: {info.kindless_lists} document(s) hold `items` with no `apiVersion`/`kind` at the top")
        if info.without_api_version:
            notes.append(f"{where}: {info.without_api_version} objects have no `apiVersion`")
        if info.inherited_kinds:
            notes.append(f"{where}: {info.inherited_kinds} list items take their kind from the list's (`RoleList` → Role)")
        if not info.mentions_api_version:
            notes.append(f"{where}: the text never contains the word `apiVersion`")
    duplicates = {k: objs for k, objs in parsed.by_key.items() if len(objs) > 1}
    for key, objs in sorted(duplicates.items(), key=lambda kv: show_key(kv[0])):
        lines = ", ".join(str(o.start) for o in objs if o.start)
        notes.append(f"{len(objs)} objects share the key {show_key(key)}"
                     + (f" (lines {lines})" if lines else "") + "; the script and the API server keep the last")
    return notes


def counts_rows(outcome: Outcome) -> list[list[Any]]:
    parsed, ck = outcome.parsed, outcome.checkov
    assert parsed is not None and ck is not None
    rows = [["the script's parse", f"{len(parsed.objects)} objects ({kinds_summary(parsed) or 'none'})"]]
    if ck.ok:
        extra = []
        if ck.nested_read:
            extra.append(f"{len(ck.nested_read)} pod template{'s' if len(ck.nested_read) != 1 else ''} it "
                         "extracts from controllers")
        if ck.unmatched:
            extra.append(f"{len(ck.unmatched)} resources the script cannot place")
        text = (f"{ck.resource_count} resources; {len(ck.objects_read)} of the input's objects"
                + (f" plus {', '.join(extra)}" if extra else ""))
        if ck.resource_count == 0:
            reasons = [f"{display_path(i.path)}: {i.why_checkov_reads_nothing()}" for i in parsed.files
                       if i.why_checkov_reads_nothing()]
            if reasons:
                text += " — " + "; ".join(reasons)
        rows.append([f"checkov {ck.version}", text])
    else:
        rows.append(["checkov", f"no report: {ck.error}"])
    if outcome.probe_run is not None:
        probe = outcome.probe_run
        text = (f"{probe.resource_count} resources from one multi-document YAML file of the objects"
                + (f" ({outcome.probe_filled} given an apiVersion)" if outcome.probe_filled else "")
                + (f"; {outcome.probe_list_count} from one flat `kind: List` JSON file" if outcome.probe_list_count is not None else ""))
        rows.append(["checkov on a normalised copy", text])
    nh = outcome.nhiscope
    if nh is not None:
        if nh.ok:
            read = nh.kubernetes_read()
            text = (f"{read} Kubernetes objects" if read is not None else "no Kubernetes collector in the report")
            text += f"; {len(nh.findings)} findings"
            if nh.source_errors:
                text += "; source errors: " + "; ".join(str(e.get("message")) for e in nh.source_errors[:3])
            rows.append([f"nhiscope {nh.version}".strip(), text])
        else:
            rows.append(["nhiscope", f"no report: {nh.error}"])
    return rows


def render_evidence(evidence: list[Evidence]) -> str:
    counts = Counter(e.render() for e in evidence)
    return "; ".join(text + (f" ×{n}" if n > 1 else "") for text, n in counts.items())


def render_rows(rows: list[Row]) -> list[str]:
    lines = []
    agree = [r for r in rows if r.flagged_by == "both"]
    differ = [r for r in rows if r.flagged_by != "both"]
    lines += ["", f"Agreements ({len(agree)}):", ""]
    if agree:
        lines += table(["object", "concept", "nhiscope", "checkov", "notes"],
                       [[show_key(r.unit[0]), r.unit[1], render_evidence(r.nhiscope),
                         render_evidence(r.checkov), r.why] for r in agree])
    else:
        lines.append("None.")
    lines += ["", f"Disagreements ({len(differ)}, {sum(not r.explained for r in differ)} unexplained):", ""]
    if differ:
        lines += table(["object", "concept", "flagged by", "finding", "why"],
                       [[show_key(r.unit[0]), r.unit[1], r.flagged_by,
                         render_evidence(r.nhiscope or r.checkov), r.why] for r in differ])
    else:
        lines.append("None.")
    return lines


def render_report(outcomes: list[Outcome], args: argparse.Namespace,
                  catalogue: dict[str, tuple[str, set[str]]]) -> str:
    checkov_version = next((o.checkov.version for o in outcomes if o.checkov and o.checkov.version), CHECKOV_VERSION)
    nhiscope_version = next((o.nhiscope.version for o in outcomes if o.nhiscope and o.nhiscope.version), "")
    lines = [
        "# nhiscope and checkov on Kubernetes identities",
        "",
        f"Generated by `scripts/k8s-vs-checkov.py` with checkov {checkov_version}"
        + (f" and nhiscope {nhiscope_version}" if nhiscope_version else "") + "; regenerate with",
        "",
        "```sh",
        "python3 scripts/k8s-vs-checkov.py --out docs/k8s-vs-checkov.md",
        "```",
        "",
        "checkov (`--framework kubernetes`) judges one manifest at a time: a Role for its rules, a binding for "
        "the role it names, a pod spec for what it mounts. nhiscope joins the objects and flags the identity "
        "that ends up with the access. To compare them, each finding is brought onto one object per concept "
        "(below): a checkov finding on a Role or binding is carried through the input's own bindings to the "
        "ServiceAccounts bound to it, a finding on a pod that checkov extracted from a Deployment's template to "
        "the Deployment. Each disagreement's *why* is derived from the input and from what each check looks at; "
        "\"unexplained\" marks those that need a human.",
        "",
        "## Summary",
        "",
    ]
    summary_rows = []
    for outcome in outcomes:
        name = display_path(outcome.item.path)
        if not outcome.item.present:
            summary_rows.append([name, "not present", "", "", "", "", ""])
            continue

        def tally(rows: list[Row]) -> str:
            return (f"{sum(r.flagged_by == 'both' for r in rows)} / {sum(r.flagged_by == 'nhiscope' for r in rows)}"
                    f" / {sum(r.flagged_by == 'checkov' for r in rows)}"
                    f" / {sum(not r.explained for r in rows if r.flagged_by != 'both')}")

        summary_rows.append([
            name, outcome.item.mode, len(outcome.parsed.objects) if outcome.parsed else "",
            outcome.checkov.resource_count if outcome.checkov and outcome.checkov.ok else "error",
            (outcome.nhiscope.kubernetes_read() if outcome.nhiscope and outcome.nhiscope.ok else "error"),
            tally(outcome.rows),
            tally(outcome.probe_rows) if outcome.probe_rows is not None else "",
        ])
    lines += table(["input", "read as", "objects", "checkov read", "nhiscope read",
                    "agree / nhiscope only / checkov only / unexplained",
                    "the same, checkov on a normalised copy"], summary_rows)
    for outcome in outcomes:
        lines += ["", f"## {display_path(outcome.item.path)}", ""]
        if not outcome.item.present:
            lines.append(f"Not present when this report was generated ({outcome.item.spec}).")
            continue
        commands = []
        for run, name in ((outcome.nhiscope, "nhiscope"), (outcome.checkov, "checkov")):
            if run is not None:
                commands.append(" ".join([name, *(shlex.quote(display_arg(a)) for a in run.command[1:])]))
        lines += ["```sh", *commands, "```", ""]
        lines += table(["what read it", "objects"], counts_rows(outcome))
        notes = parse_notes(outcome.parsed) if outcome.parsed else []
        if notes:
            lines += ["", "About the input:", ""] + [f"- {n}" for n in notes]
        if outcome.nhiscope_side and outcome.nhiscope_side.unmapped_rules:
            lines += ["", "nhiscope rules not in the script's NHISCOPE_RULES table (compared under their own "
                      "id): " + ", ".join(f"`{r}` ({n})" for r, n in sorted(outcome.nhiscope_side.unmapped_rules.items()))]
        lines += render_rows(outcome.rows)
        if outcome.probe_rows is not None:
            lines += ["", f"### {display_path(outcome.item.path)}, checkov on a normalised copy", "",
                      "What checkov would say if it read the objects: the same objects written as one "
                      "multi-document YAML file (in a temporary directory), compared with the same nhiscope run."]
            lines += render_rows(outcome.probe_rows)
    lines += ["", "## The concepts", ""]
    lines += table(["concept", "what", "nhiscope rules", "checkov checks"],
                   [[c, spec.title, ", ".join(r for r, (cc, _) in NHISCOPE_RULES.items() if cc == c) or "—",
                     ", ".join(CHECKS_BY_CONCEPT.get(c, [])) or "—"] for c, spec in CONCEPTS.items()])
    lines += ["", "## checkov's identity checks", "",
              "From `checkov --list --framework kubernetes`; *kinds* are the kinds each check runs on.", ""]
    rows = []
    for check, mapping in CHECKOV_MAP.items():
        title, kinds = catalogue.get(check, ("(not in this checkov's catalogue)", set()))
        kinds_text = ", ".join(sorted(kinds)) if len(kinds) <= 4 else f"{len(kinds)} workload kinds"
        rows.append([check, title, kinds_text, ", ".join(mapping.concepts), mapping.note])
    lines += table(["check", "title", "kinds", "concept", "what it looks at"], rows)
    lines += ["", "Left out:", ""]
    lines += [f"- {check} ({catalogue.get(check, ('?',))[0]}): {why}" for check, why in CHECKOV_LEFT_OUT.items()]
    lines.append("")
    return "\n".join(lines)


def display_arg(arg: str) -> str:
    if arg.startswith("/") and Path(arg).exists():
        return display_path(Path(arg))
    return arg


def print_checkov_only(outcomes: list[Outcome], catalogue: dict[str, tuple[str, set[str]]]) -> None:
    out = sys.stdout
    for outcome in outcomes:
        print(f"== {display_path(outcome.item.path)} ({outcome.item.mode})", file=out)
        if not outcome.item.present:
            print("   not present", file=out)
            continue
        for label, value in counts_rows(outcome):
            print(f"   {label}: {value}", file=out)
        for note in parse_notes(outcome.parsed):
            print(f"   note: {note}", file=out)
        runs = [("checkov", outcome.checkov, outcome.ctx)]
        if outcome.probe_run is not None:
            runs.append(("checkov on a normalised copy", outcome.probe_run, outcome.probe_ctx))
        for label, run, ctx in runs:
            if run is None or not run.ok or ctx is None:
                continue
            print(f"   -- {label}: identity findings by object", file=out)
            by_object: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
            for result in run.results:
                mapping = CHECKOV_MAP.get(result.check_id)
                if result.status != "FAILED" or mapping is None:
                    continue
                name = show_key(result.key) if result.key else result.resource
                if result.nested:
                    name += " (pod template)"
                for concept in mapping.concepts:
                    by_object[name][concept].append(result.check_id)
            landed: dict[tuple[str, str], list[str]] = defaultdict(list)
            for (anchor, concept), evidence in ctx.checkov_side.items():
                for item in evidence:
                    if item.on is not None and item.on != anchor:
                        landed[(show_key(item.on), concept)].append(show_key(anchor))
            if not by_object:
                print("      none", file=out)
            for name in sorted(by_object):
                print(f"      {name}", file=out)
                for concept in sorted(by_object[name]):
                    checks = sorted(set(by_object[name][concept]))
                    titles = "; ".join(f"{c} {catalogue.get(c, ('',))[0]}".strip() for c in checks)
                    print(f"         {concept}: {titles}", file=out)
                    targets = sorted(set(landed.get((name, concept), [])))
                    if targets:
                        print(f"            -> {', '.join(targets)}", file=out)
            other = Counter(r.check_id for r in run.results if r.status == "FAILED" and r.check_id not in CHECKOV_MAP)
            print(f"      ({sum(other.values())} other failed checks, not about identities)", file=out)
        print(file=out)


# ==========================================================================
# The venv and the command line
# ==========================================================================


def ensure_venv() -> Path:
    """Creates the checkov venv and installs the pinned version unless it is there."""
    python = VENV / "bin/python"
    TOOLS.mkdir(parents=True, exist_ok=True)
    with open(TOOLS / ".checkov-venv.lock", "w") as lock:
        try:
            import fcntl

            fcntl.flock(lock, fcntl.LOCK_EX)
        except ImportError:  # pragma: no cover - not on Linux
            pass
        if not python.exists():
            log(f"creating {VENV}")
            subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
        probe = subprocess.run(
            [str(python), "-c", "import importlib.metadata as m; print(m.version('checkov'))"],
            capture_output=True, text=True)
        if probe.returncode != 0 or probe.stdout.strip() != CHECKOV_VERSION:
            log(f"installing checkov=={CHECKOV_VERSION} into {VENV} (about 300 MB, under a minute)")
            subprocess.run([str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check",
                            f"checkov=={CHECKOV_VERSION}"], check=True)
    return python


def enter_venv(checkov: Path | None) -> None:
    """Re-executes this script with the python beside checkov (it needs its PyYAML)."""
    if os.environ.get(REEXEC_MARK) == "1":
        return
    if checkov is None:
        python = ensure_venv()
        if Path(sys.prefix).resolve() == VENV.resolve():
            return
    else:
        python = checkov.absolute().parent / "python"
        if not python.exists():
            try:
                import yaml  # noqa: F401
                return
            except ImportError:
                fail(f"no python beside {checkov}, and this python has no PyYAML", 2)
    os.environ[REEXEC_MARK] = "1"
    os.execv(str(python), [str(python), str(Path(__file__).resolve()), *sys.argv[1:]])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("inputs", nargs="*", metavar="INPUT",
                        help="manifest file or directory, or export file (prefix export: or manifests: to say which)")
    target_dir = Path(os.environ.get("CARGO_TARGET_DIR") or Path.home() / ".cache/nhiscope-target")
    parser.add_argument("--nhiscope", type=Path, default=target_dir / "debug/nhiscope", metavar="BIN")
    parser.add_argument("--checkov", type=Path, default=None, metavar="CHECKOV_BIN",
                        help=f"default: {DEFAULT_CHECKOV}, installed (checkov=={CHECKOV_VERSION}) on first use")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="the Markdown report (default: %(default)s)")
    parser.add_argument("--checkov-only", action="store_true",
                        help="run only checkov; print its identity findings per input, by object and concept")
    parser.add_argument("--no-probe", action="store_true",
                        help="do not run checkov on a normalised copy of an input it reads incompletely")
    parser.add_argument("--nhiscope-arg", action="append", default=[], metavar="ARG",
                        help="an extra argument for every nhiscope scan (repeatable), e.g. --nhiscope-arg=--as-of=2026-11-20")
    parser.add_argument("--cache", type=Path, metavar="DIR",
                        help="keep checkov's output in DIR, keyed by the command and the input's bytes, and reuse it")
    args = parser.parse_args()
    enter_venv(args.checkov)
    global CACHE
    CACHE = args.cache
    args.checkov = args.checkov or DEFAULT_CHECKOV
    if not args.checkov.exists():
        fail(f"{args.checkov} does not exist", 2)
    if not args.checkov_only and not args.nhiscope.exists():
        fail(f"{args.nhiscope} does not exist; build nhiscope (cargo build) or pass --nhiscope, "
             "or use --checkov-only", 2)

    if args.inputs:
        items = [classify(spec) for spec in args.inputs]
        missing = [i.spec for i in items if not i.present]
        if missing:
            fail(f"no such input: {', '.join(missing)}", 2)
    else:
        items = []
        for spec, required in DEFAULT_INPUTS:
            item = classify(spec)
            if not item.present and required:
                fail(f"default input {item.path} is missing", 2)
            items.append(item)

    catalogue = checkov_catalogue(args.checkov)
    if not catalogue:
        log("warning: `checkov --list` printed no catalogue; titles and kinds will be missing")
    missing_checks = sorted(c for c in CHECKOV_MAP if catalogue and c not in catalogue)
    if missing_checks:
        log(f"warning: mapped checks not in this checkov's catalogue: {', '.join(missing_checks)}")
    builtins = load_builtins()
    with tempfile.TemporaryDirectory(prefix="k8s-vs-checkov-") as scratch:
        outcomes = [process(item, args, catalogue, builtins, Path(scratch)) for item in items]

    if args.checkov_only:
        print_checkov_only(outcomes, catalogue)
        sys.exit(1 if any(o.checkov and not o.checkov.ok for o in outcomes) else 0)
    report = render_report(outcomes, args, catalogue)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(report)
    log(f"wrote {args.out}")
    for outcome in outcomes:
        if outcome.nhiscope is not None and not outcome.nhiscope.ok:
            log(f"warning: nhiscope gave no report for {display_path(outcome.item.path)}: {outcome.nhiscope.error}")
    sys.exit(1 if any(o.checkov and not o.checkov.ok for o in outcomes) else 0)


if __name__ == "__main__":
    main()
