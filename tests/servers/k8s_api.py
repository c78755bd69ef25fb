#!/usr/bin/env python3
"""A read-only Kubernetes API server that replays `kubectl get -o json` exports.

    python3 tests/servers/k8s_api.py --export FILE [--export FILE ...] [--port 0]
        [--page-size-cap N] [--forbid RESOURCE ...] [--request-log FILE]
        [--port-file FILE] [--user NAME] [--server-version vX.Y.Z]
        [--no-aggregated-discovery] [--synthesize-namespaces]
        [--exit-on-stdin-eof] [--verbose]

Standard library only. Plain HTTP on 127.0.0.1, no authentication. Once the
socket listens it writes the port to --port-file (if given, atomically) and
prints exactly one line on stdout:

    listening on http://127.0.0.1:PORT

then serves until SIGTERM/SIGINT (or, with --exit-on-stdin-eof, until stdin
closes). Load errors go to stderr with exit status 2.

Exports: each --export FILE is what `kubectl get ... -o json` writes, a `List`
({"apiVersion": "v1", "kind": "List", "items": [...]}), a typed list as the API
serves it (`PodList`, items without kind/apiVersion), a single object, or a
JSON array of any of these. Objects are served by their apiVersion and kind,
exactly as exported (nothing is added or dropped), under the built-in
resources of a Kubernetes 1.3x API server (discovery data below, taken from
real servers) and, for any other kind, a resource synthesized from the kind.

What it answers, shaped like kube-apiserver's answers:
  * discovery: /version, /api, /api/v1, /apis, /apis/GROUP,
    /apis/GROUP/VERSION (legacy APIVersions/APIGroupList/APIGroup/
    APIResourceList), and aggregated discovery (apidiscovery.k8s.io/v2
    APIGroupDiscoveryList) on /api and /apis when the Accept header asks for
    it, unless --no-aggregated-discovery; also /, /healthz, /livez, /readyz;
  * lists: cluster-wide (/api/v1/pods, /apis/rbac.authorization.k8s.io/v1/
    clusterroles) and namespaced (/api/v1/namespaces/NS/pods), as
    {"kind": "PodList", "apiVersion": "v1", "metadata": {"resourceVersion",
    "continue"?, "remainingItemCount"?}, "items": [...]}; items of built-in
    kinds carry no kind/apiVersion (as the API server's typed lists), items of
    other kinds keep them (as for custom resources); items are ordered by
    their etcd key (namespace/name, bytewise);
  * pagination as etcd3 storage does it: ?limit=N gives at most N items, and
    when more remain an opaque `continue` token (base64url JSON
    {"v": "meta.k8s.io/v1", "rv": RV, "start": "<last key>\\u0000"}) and
    `remainingItemCount` (only without selectors); ?continue=TOKEN resumes.
    --page-size-cap N returns at most N items per page even when the client
    asked for more or set no limit. A malformed token answers 400 BadRequest
    ("invalid continue token: ..."); a token for an older resourceVersion
    answers 410 Expired with a fresh token (as after etcd compaction), one
    for a newer resourceVersion answers 500;
  * single objects: .../pods/NAME (and .../NAME/status), with kind/apiVersion;
    404 NotFound Status ("pods \\"x\\" not found") when absent;
  * labelSelector (=, ==, !=, in, notin, exists, !key, >, <) and
    fieldSelector (metadata.name, metadata.namespace and the fields the API
    server supports per kind, e.g. status.phase for pods, type for secrets;
    others answer 400 "field label not supported");
  * PartialObjectMetadata(List) and, for `kubectl get` without -o, a Table
    with the default Name / Created At columns when the Accept header asks;
  * --forbid RESOURCE (plural, or plural.group): every list, get and watch of
    it answers 403 Forbidden, worded like the RBAC authorizer, e.g.
    `secrets is forbidden: User "system:serviceaccount:nhiscope:collector"
    cannot list resource "secrets" in API group "" at the cluster scope`;
  * unknown paths answer 404 with a Status; any method but GET answers 405
    MethodNotAllowed; watch requests answer 400 (not replayed).

Every request, whatever its answer, is appended to --request-log as one line
`METHOD PATH?QUERY` (as sent), flushed per line.
"""

from __future__ import annotations

import argparse
import base64
import bisect
import hashlib
import json
import os
import posixpath
import re
import signal
import socket
import sys
import threading
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlsplit

# --------------------------------------------------------------------------
# Discovery data of the built-in resources.
#
# Names, kinds, scopes, verbs, short names, categories, subresources and
# storageVersionHash values are copied from the discovery documents of real
# 1.28-1.33 API servers (kubectl -v=8 logs of EKS and k3s clusters); hashes
# left out where no real value was at hand (the field is optional).
# --------------------------------------------------------------------------

RW = ("create", "delete", "deletecollection", "get", "list", "patch", "update", "watch")
GPU = ("get", "patch", "update")


@dataclass(frozen=True)
class Sub:
    name: str
    kind: str | None  # None: the parent's kind
    verbs: tuple[str, ...]
    group_version: str | None = None  # e.g. "autoscaling/v1" for scale


STATUS = Sub("status", None, GPU)
SCALE = Sub("scale", "Scale", GPU, "autoscaling/v1")


@dataclass
class Resource:
    group: str
    version: str
    plural: str
    kind: str
    namespaced: bool
    verbs: tuple[str, ...] = RW
    short_names: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    hash: str | None = None
    subs: tuple[Sub, ...] = ()
    singular: str = ""
    builtin: bool = True
    # objects by etcd-like key ("ns/name" or "name"), and the keys sorted bytewise
    objects: dict[str, dict] = field(default_factory=dict)
    keys: list[str] = field(default_factory=list)
    key_bytes: list[bytes] = field(default_factory=list)

    def __post_init__(self):
        if not self.singular:
            self.singular = self.kind.lower()

    @property
    def group_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def qualified(self) -> str:
        """`pods`, `deployments.apps`: how error messages name the resource."""
        return f"{self.plural}.{self.group}" if self.group else self.plural

    def finish(self):
        self.keys = sorted(self.objects, key=lambda k: k.encode("utf-8"))
        self.key_bytes = [k.encode("utf-8") for k in self.keys]


def R(group, version, plural, kind, ns, *, verbs=RW, short=(), cat=(), h=None, subs=(), singular=""):
    return Resource(group, version, plural, kind, ns, tuple(verbs), tuple(short), tuple(cat), h, tuple(subs), singular)


def builtin_resources() -> list[Resource]:
    """The built-in resources, in the order a real server lists them."""
    create = ("create",)
    return [
        # core/v1 (order and content of a real 1.31 /api/v1, plus pods/resize of 1.33)
        R("", "v1", "bindings", "Binding", True, verbs=create),
        R("", "v1", "componentstatuses", "ComponentStatus", False, verbs=("get", "list"), short=("cs",)),
        R("", "v1", "configmaps", "ConfigMap", True, short=("cm",), h="qFsyl6wFWjQ="),
        R("", "v1", "endpoints", "Endpoints", True, short=("ep",), h="fWeeMqaN/OA=", singular="endpoints"),
        R("", "v1", "events", "Event", True, short=("ev",), h="r2yiGXH7wu8="),
        R("", "v1", "limitranges", "LimitRange", True, short=("limits",), h="EBKMFVe6cwo="),
        R("", "v1", "namespaces", "Namespace", False, verbs=("create", "delete", "get", "list", "patch", "update", "watch"),
          short=("ns",), h="Q3oi5N2YM8M=", subs=(Sub("finalize", None, ("update",)), STATUS)),
        R("", "v1", "nodes", "Node", False, short=("no",), h="XwShjMxG9Fs=",
          subs=(Sub("proxy", "NodeProxyOptions", ("create", "delete", "get", "patch", "update")), STATUS)),
        R("", "v1", "persistentvolumeclaims", "PersistentVolumeClaim", True, short=("pvc",), h="QWTyNDq0dC4=", subs=(STATUS,)),
        R("", "v1", "persistentvolumes", "PersistentVolume", False, short=("pv",), h="HN/zwEC+JgM=", subs=(STATUS,)),
        R("", "v1", "pods", "Pod", True, short=("po",), cat=("all",), h="xPOwRZ+Yhw8=", subs=(
            Sub("attach", "PodAttachOptions", ("create", "get")),
            Sub("binding", "Binding", create),
            Sub("ephemeralcontainers", None, GPU),
            Sub("eviction", "Eviction", create, "policy/v1"),
            Sub("exec", "PodExecOptions", ("create", "get")),
            Sub("log", None, ("get",)),
            Sub("portforward", "PodPortForwardOptions", ("create", "get")),
            Sub("proxy", "PodProxyOptions", ("create", "delete", "get", "patch", "update")),
            Sub("resize", None, GPU),
            STATUS)),
        R("", "v1", "podtemplates", "PodTemplate", True, h="LIXB2x4IFpk="),
        R("", "v1", "replicationcontrollers", "ReplicationController", True, short=("rc",), cat=("all",), h="Jond2If31h0=",
          subs=(SCALE, STATUS)),
        R("", "v1", "resourcequotas", "ResourceQuota", True, short=("quota",), h="8uhSgffRX6w=", subs=(STATUS,)),
        R("", "v1", "secrets", "Secret", True, h="S6u1pOWzb84="),
        R("", "v1", "serviceaccounts", "ServiceAccount", True, short=("sa",), h="pbx9ZvyFpBE=",
          subs=(Sub("token", "TokenRequest", create, "authentication.k8s.io/v1"),)),
        R("", "v1", "services", "Service", True, short=("svc",), cat=("all",), h="0/CO1lhkEBI=",
          subs=(Sub("proxy", "ServiceProxyOptions", ("create", "delete", "get", "patch", "update")), STATUS)),
        # groups, in the order of a real /apis
        R("apiregistration.k8s.io", "v1", "apiservices", "APIService", False, cat=("api-extensions",), subs=(STATUS,)),
        R("apps", "v1", "controllerrevisions", "ControllerRevision", True, h="85nkx63pcBU="),
        R("apps", "v1", "daemonsets", "DaemonSet", True, short=("ds",), cat=("all",), h="dd7pWHUlMKQ=", subs=(STATUS,)),
        R("apps", "v1", "deployments", "Deployment", True, short=("deploy",), cat=("all",), h="8aSe+NMegvE=",
          subs=(SCALE, STATUS)),
        R("apps", "v1", "replicasets", "ReplicaSet", True, short=("rs",), cat=("all",), h="P1RzHs8/mWQ=", subs=(SCALE, STATUS)),
        R("apps", "v1", "statefulsets", "StatefulSet", True, short=("sts",), cat=("all",), h="H+vl74LkKdo=",
          subs=(SCALE, STATUS)),
        R("events.k8s.io", "v1", "events", "Event", True, short=("ev",), h="r2yiGXH7wu8="),
        R("authentication.k8s.io", "v1", "selfsubjectreviews", "SelfSubjectReview", False, verbs=create),
        R("authentication.k8s.io", "v1", "tokenreviews", "TokenReview", False, verbs=create),
        R("authorization.k8s.io", "v1", "localsubjectaccessreviews", "LocalSubjectAccessReview", True, verbs=create),
        R("authorization.k8s.io", "v1", "selfsubjectaccessreviews", "SelfSubjectAccessReview", False, verbs=create),
        R("authorization.k8s.io", "v1", "selfsubjectrulesreviews", "SelfSubjectRulesReview", False, verbs=create),
        R("authorization.k8s.io", "v1", "subjectaccessreviews", "SubjectAccessReview", False, verbs=create),
        R("autoscaling", "v2", "horizontalpodautoscalers", "HorizontalPodAutoscaler", True, short=("hpa",), cat=("all",),
          h="qwQve8ut294=", subs=(STATUS,)),
        R("autoscaling", "v1", "horizontalpodautoscalers", "HorizontalPodAutoscaler", True, short=("hpa",), cat=("all",),
          h="qwQve8ut294=", subs=(STATUS,)),
        R("batch", "v1", "cronjobs", "CronJob", True, short=("cj",), cat=("all",), h="sd5LIXh4Fjs=", subs=(STATUS,)),
        R("batch", "v1", "jobs", "Job", True, cat=("all",), h="mudhfqk/qZY=", subs=(STATUS,)),
        R("certificates.k8s.io", "v1", "certificatesigningrequests", "CertificateSigningRequest", False, short=("csr",),
          h="95fRKMXA+00=", subs=(Sub("approval", None, GPU), STATUS)),
        R("networking.k8s.io", "v1", "ingressclasses", "IngressClass", False, h="l/iqIbDgFyQ="),
        R("networking.k8s.io", "v1", "ingresses", "Ingress", True, short=("ing",), h="39NQlfNR+bo=", subs=(STATUS,)),
        R("networking.k8s.io", "v1", "ipaddresses", "IPAddress", False, short=("ip",), h="3f/plJFChNE="),
        R("networking.k8s.io", "v1", "networkpolicies", "NetworkPolicy", True, short=("netpol",), singular="networkpolicy"),
        R("networking.k8s.io", "v1", "servicecidrs", "ServiceCIDR", False, subs=(STATUS,)),
        R("policy", "v1", "poddisruptionbudgets", "PodDisruptionBudget", True, short=("pdb",), h="EVWiDmWqyJw=", subs=(STATUS,)),
        R("rbac.authorization.k8s.io", "v1", "clusterrolebindings", "ClusterRoleBinding", False, h="48tpQ8gZHFc="),
        R("rbac.authorization.k8s.io", "v1", "clusterroles", "ClusterRole", False, h="bYE5ZWDrJ44="),
        R("rbac.authorization.k8s.io", "v1", "rolebindings", "RoleBinding", True, h="eGsCzGH6b1g="),
        R("rbac.authorization.k8s.io", "v1", "roles", "Role", True, h="7FuwZcIIItM="),
        R("storage.k8s.io", "v1", "csidrivers", "CSIDriver", False, h="hL6j/rwBV5w="),
        R("storage.k8s.io", "v1", "csinodes", "CSINode", False, h="Pe62DkZtjuo="),
        R("storage.k8s.io", "v1", "csistoragecapacities", "CSIStorageCapacity", True, h="xeVl+2Ly1kE="),
        R("storage.k8s.io", "v1", "storageclasses", "StorageClass", False, short=("sc",), h="K+m6uJwbjGY="),
        R("storage.k8s.io", "v1", "volumeattachments", "VolumeAttachment", False, subs=(STATUS,)),
        R("admissionregistration.k8s.io", "v1", "mutatingwebhookconfigurations", "MutatingWebhookConfiguration", False,
          cat=("api-extensions",), h="Sqi0GUgDaX0="),
        R("admissionregistration.k8s.io", "v1", "validatingadmissionpolicies", "ValidatingAdmissionPolicy", False,
          cat=("api-extensions",), subs=(STATUS,), singular="validatingadmissionpolicy"),
        R("admissionregistration.k8s.io", "v1", "validatingadmissionpolicybindings", "ValidatingAdmissionPolicyBinding", False,
          cat=("api-extensions",)),
        R("admissionregistration.k8s.io", "v1", "validatingwebhookconfigurations", "ValidatingWebhookConfiguration", False,
          cat=("api-extensions",)),
        R("apiextensions.k8s.io", "v1", "customresourcedefinitions", "CustomResourceDefinition", False, short=("crd", "crds"),
          cat=("api-extensions",), h="jfWCUB31mvA=", subs=(STATUS,)),
        R("scheduling.k8s.io", "v1", "priorityclasses", "PriorityClass", False, short=("pc",), h="1QwjyaZjj3Y=",
          singular="priorityclass"),
        R("coordination.k8s.io", "v1", "leases", "Lease", True),
        R("node.k8s.io", "v1", "runtimeclasses", "RuntimeClass", False, h="WQTu1GL3T2Q=", singular="runtimeclass"),
        R("discovery.k8s.io", "v1", "endpointslices", "EndpointSlice", True, h="qgS0xkrxYAI="),
        R("flowcontrol.apiserver.k8s.io", "v1", "flowschemas", "FlowSchema", False, h="GJVAJZSZBIw=", subs=(STATUS,)),
        R("flowcontrol.apiserver.k8s.io", "v1", "prioritylevelconfigurations", "PriorityLevelConfiguration", False,
          h="Kir5PVfvNeI=", subs=(STATUS,)),
    ]


# Field selectors each built-in kind supports besides metadata.name and
# metadata.namespace (the API server's field label conversion functions).
FIELD_LABELS = {
    ("", "Pod"): {"spec.nodeName", "spec.restartPolicy", "spec.schedulerName", "spec.serviceAccountName",
                  "spec.hostNetwork", "status.phase", "status.podIP", "status.nominatedNodeName"},
    ("", "Secret"): {"type"},
    ("", "Namespace"): {"status.phase"},
    ("", "Node"): {"spec.unschedulable"},
    ("", "Service"): {"spec.clusterIP", "spec.type"},
    ("", "ReplicationController"): {"status.replicas"},
    ("", "Event"): {"involvedObject.kind", "involvedObject.namespace", "involvedObject.name", "involvedObject.uid",
                    "involvedObject.apiVersion", "involvedObject.resourceVersion", "involvedObject.fieldPath",
                    "reason", "reportingComponent", "source", "type"},
    ("apps", "ReplicaSet"): {"status.replicas"},
    ("batch", "Job"): {"status.successful"},
    ("certificates.k8s.io", "CertificateSigningRequest"): {"spec.signerName"},
}
FIELD_DEFAULTS = {"spec.hostNetwork": "false", "spec.unschedulable": "false", "status.successful": "0", "status.replicas": "0"}

# Messages of the etcd3 storage layer (k8s.io/apiserver/pkg/storage).
INCONSISTENT_CONTINUE = (
    "The provided continue parameter is too old to display a consistent list result. You can start a new list "
    "without the continue parameter, or use the continue token in this response to retrieve the remainder of the "
    "results. Continuing with the provided token results in an inconsistent list - objects that were created, "
    "modified, or deleted between the time the first chunk was returned and now may show up in the list."
)
NAME_DESCRIPTION = (
    "Name must be unique within a namespace. Is required when creating resources, although some resources may allow "
    "a client to request the generation of an appropriate name automatically. Name is primarily intended for creation "
    "idempotence and configuration definition. Cannot be updated. More info: "
    "https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names"
)
CREATED_DESCRIPTION = (
    "CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed "
    "to be set in happens-before order across separate operations. Clients may not set this value. It is represented "
    "in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: "
    "https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata"
)
DISCOVERY_V2 = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"
# gitCommit, buildDate, goVersion of releases (as `kubectl version -o json` of the same release reports)
KNOWN_BUILDS = {"v1.37.1": ("f78e722310e50bcaca9276be22276d9e91d91308", "2026-09-23T17:10:04Z", "go1.26.8")}


class LoadError(Exception):
    pass


class ApiError(Exception):
    """An answer other than 200: carries the Status object the client gets."""

    def __init__(self, code: int, reason: str, message: str, details: dict | None = None, meta: dict | None = None):
        super().__init__(message)
        self.code = code
        self.status = {"kind": "Status", "apiVersion": "v1", "metadata": meta or {}, "status": "Failure", "message": message}
        if reason:  # StatusReasonUnknown is "" and omitted
            self.status["reason"] = reason
        if details is not None:
            self.status["details"] = details
        self.status["code"] = code


def details(name: str = "", group: str = "", kind: str = "") -> dict:
    """metav1.StatusDetails, in its field order, empty fields omitted."""
    return {k: v for k, v in (("name", name), ("group", group), ("kind", kind)) if v}


def not_found_path() -> ApiError:
    return ApiError(404, "NotFound", "the server could not find the requested resource", {})


def bad_request(message: str) -> ApiError:
    return ApiError(400, "BadRequest", message)


# --------------------------------------------------------------------------
# The replayed cluster
# --------------------------------------------------------------------------


def guess_plural(kind: str) -> str:
    low = kind.lower()
    if low.endswith(("s", "x", "z", "ch", "sh")):
        return low + "es"
    if low.endswith("y") and low[-2:-1] not in ("a", "e", "i", "o", "u"):
        return low[:-1] + "ies"
    return low + "s"


def version_priority(version: str):
    """Kubernetes' version order: GA > beta > alpha, higher numbers first."""
    m = re.fullmatch(r"v(\d+)(?:(alpha|beta)(\d+))?", version)
    if not m:
        return (3, 0, 0, version)
    level = {None: 0, "beta": 1, "alpha": 2}[m.group(2)]
    return (level, -int(m.group(1)), -int(m.group(3) or 0), version)


class Cluster:
    """The exported objects, indexed the way the API serves them."""

    def __init__(self):
        self.resources: list[Resource] = builtin_resources()
        self.by_gvk: dict[tuple[str, str, str], Resource] = {}
        self.by_path: dict[tuple[str, str, str], Resource] = {}
        for res in self.resources:
            self._index(res)
        self.revision = 1

    def _index(self, res: Resource):
        self.by_path[(res.group, res.version, res.plural)] = res
        self.by_gvk.setdefault((res.group, res.version, res.kind), res)

    def load(self, path: str) -> int:
        try:
            with open(path, encoding="utf-8") as f:
                doc = json.load(f)
        except OSError as err:
            raise LoadError(f"{path}: {err.strerror}") from err
        except json.JSONDecodeError as err:
            raise LoadError(f"{path}: not JSON: {err}") from err
        docs = doc if isinstance(doc, list) else [doc]
        count = 0
        for i, part in enumerate(docs):
            where = f"{path}[{i}]" if isinstance(doc, list) else path
            for j, obj in self._objects_of(part, where):
                self.add(obj, f"{where}: item {j}")
                count += 1
        return count

    @staticmethod
    def _objects_of(part, where):
        if not isinstance(part, dict):
            raise LoadError(f"{where}: expected a List or an object, found {type(part).__name__}")
        kind = part.get("kind", "")
        if "items" in part and kind.endswith("List"):
            items = part["items"] or []
            if not isinstance(items, list):
                raise LoadError(f"{where}: items is not an array")
            item_kind = kind[: -len("List")]
            for j, item in enumerate(items):
                if isinstance(item, dict) and kind != "List":
                    # a typed list as the API serves it: items lack kind/apiVersion
                    item = {"apiVersion": part.get("apiVersion", ""), "kind": item_kind, **item}
                yield j, item
        else:
            yield 0, part

    def add(self, obj, where: str):
        if not isinstance(obj, dict):
            raise LoadError(f"{where}: not an object")
        api_version, kind, meta = obj.get("apiVersion"), obj.get("kind"), obj.get("metadata")
        if not api_version or not kind or not isinstance(meta, dict) or not meta.get("name"):
            raise LoadError(f"{where}: needs apiVersion, kind and metadata.name")
        group, _, version = api_version.rpartition("/")
        namespace = meta.get("namespace") or ""
        res = self.by_gvk.get((group, version, kind))
        if res is None:
            res = Resource(group, version, guess_plural(kind), kind, bool(namespace), builtin=False)
            if (group, version, res.plural) in self.by_path:
                raise LoadError(f"{where}: {kind} would be served as {res.plural}, which {api_version} already has")
            self.resources.append(res)
            self._index(res)
        if res.namespaced and not namespace:
            raise LoadError(f"{where}: {kind} {meta['name']!r} has no metadata.namespace ({res.plural} are namespaced)")
        if namespace and not res.namespaced:
            raise LoadError(f"{where}: {kind} {meta['name']!r} has metadata.namespace {namespace!r} "
                            f"({res.plural} are cluster-scoped)")
        key = f"{namespace}/{meta['name']}" if res.namespaced else meta["name"]
        if key in res.objects:
            print(f"k8s_api: {where}: replaces an earlier {kind} {key}", file=sys.stderr)
        res.objects[key] = obj
        rv = meta.get("resourceVersion", "")
        if isinstance(rv, str) and rv.isdigit():
            self.revision = max(self.revision, int(rv))

    def synthesize_namespaces(self) -> int:
        """A Namespace object for every namespace the exported objects use."""
        ns_res = self.by_gvk[("", "v1", "Namespace")]
        used: dict[str, list[dict]] = {}
        for res in self.resources:
            if res.namespaced:
                for obj in res.objects.values():
                    used.setdefault(obj["metadata"]["namespace"], []).append(obj)
        added = 0
        for name, objs in sorted(used.items()):
            if name in ns_res.objects:
                continue
            stamps = sorted(o["metadata"]["creationTimestamp"] for o in objs if o["metadata"].get("creationTimestamp"))
            rvs = sorted(int(o["metadata"]["resourceVersion"]) for o in objs
                         if str(o["metadata"].get("resourceVersion", "")).isdigit())
            meta = {"name": name, "uid": str(uuid.uuid5(uuid.NAMESPACE_URL, f"nhiscope-replay/namespaces/{name}"))}
            if rvs:
                meta["resourceVersion"] = str(rvs[0])
            if stamps:
                meta["creationTimestamp"] = stamps[0]
            meta["labels"] = {"kubernetes.io/metadata.name": name}
            ns_res.objects[name] = {"apiVersion": "v1", "kind": "Namespace", "metadata": meta,
                                    "spec": {"finalizers": ["kubernetes"]}, "status": {"phase": "Active"}}
            added += 1
        return added

    def finish(self):
        for res in self.resources:
            res.finish()

    # ---- discovery -------------------------------------------------------

    def groups(self) -> list[tuple[str, list[str]]]:
        """(group, versions with the preferred first) of /apis, in server order."""
        order: list[str] = []
        versions: dict[str, list[str]] = {}
        for res in self.resources:
            if not res.group:
                continue
            if res.group not in versions:
                order.append(res.group)
                versions[res.group] = []
            if res.version not in versions[res.group]:
                versions[res.group].append(res.version)
        return [(g, sorted(versions[g], key=version_priority)) for g in order]

    def in_group_version(self, group: str, version: str) -> list[Resource]:
        return [r for r in self.resources if r.group == group and r.version == version]


# --------------------------------------------------------------------------
# Selectors
# --------------------------------------------------------------------------

LABEL_KEY = re.compile(r"([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?"  # optional DNS prefix/
                       r"[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?")
LABEL_VALUE = re.compile(r"(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?")


def split_top_level(text: str) -> list[str]:
    parts, depth, cur = [], 0, []
    for ch in text:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        if ch == "," and depth == 0:
            parts.append("".join(cur))
            cur = []
        else:
            cur.append(ch)
    parts.append("".join(cur))
    return parts


def parse_label_selector(text: str):
    """[(key, op, values)] for k8s label selector syntax; ApiError 400 if invalid."""
    if not text.strip():
        return []
    reqs = []
    for raw in split_top_level(text):
        part = raw.strip()
        m = (re.fullmatch(r"(\S+)\s+(in|notin)\s*\(([^()]*)\)", part)
             or re.fullmatch(r"(!)\s*(\S+)", part)
             or re.fullmatch(r"([^=!<>\s]+)\s*(==|=|!=|<|>)\s*(\S*)", part)
             or re.fullmatch(r"([^=!<>\s()]+)", part))
        if not m:
            raise bad_request(f"unable to parse requirement: {part!r} is not a valid label selector requirement")
        g = m.groups()
        if g[0] == "!":
            key, op, values = g[1], "!", []
        elif len(g) == 1:
            key, op, values = g[0], "exists", []
        elif g[1] in ("in", "notin"):
            key, op, values = g[0], g[1], [v.strip() for v in g[2].split(",")]
        else:
            key, op, values = g[0], g[1], [g[2]]
        if not LABEL_KEY.fullmatch(key):
            raise bad_request(f"unable to parse requirement: invalid label key {key!r}")
        for v in values:
            if op in ("<", ">"):
                if not re.fullmatch(r"-?\d+", v):
                    raise bad_request("unable to parse requirement: for 'Gt', 'Lt' operators, the value must be an integer")
            elif not LABEL_VALUE.fullmatch(v) or len(v) > 63:
                raise bad_request(f"unable to parse requirement: invalid label value: {v!r}")
        reqs.append((key, op, values))
    return reqs


def labels_match(reqs, labels: dict) -> bool:
    for key, op, values in reqs:
        present = key in labels
        value = labels.get(key)
        if op in ("=", "==", "in"):
            ok = present and value in values
        elif op in ("!=", "notin"):
            ok = not present or value not in values
        elif op == "exists":
            ok = present
        elif op == "!":
            ok = not present
        else:
            try:
                ok = present and (int(value) > int(values[0]) if op == ">" else int(value) < int(values[0]))
            except ValueError:
                ok = False
        if not ok:
            return False
    return True


def parse_field_selector(text: str, res: Resource):
    if not text.strip():
        return []
    allowed = {"metadata.name", "metadata.namespace"} | FIELD_LABELS.get((res.group, res.kind), set())
    reqs = []
    for raw in text.split(","):
        m = re.fullmatch(r"\s*([^=!\s]+)\s*(==|=|!=)\s*(.*?)\s*", raw)
        if not m:
            raise bad_request(f"invalid selector: '{text}'; can't understand '{raw}'")
        name, op, value = m.groups()
        if name not in allowed:
            raise bad_request(f"field label not supported: {name}")
        reqs.append((name, op != "!=", value))
    return reqs


def field_value(obj: dict, path: str) -> str:
    cur = obj
    for part in path.split("."):
        cur = cur.get(part) if isinstance(cur, dict) else None
    if cur is None:
        return FIELD_DEFAULTS.get(path, "")
    if isinstance(cur, bool):
        return "true" if cur else "false"
    return str(cur)


def fields_match(reqs, obj: dict) -> bool:
    return all((field_value(obj, name) == value) == equal for name, equal, value in reqs)


# --------------------------------------------------------------------------
# Continue tokens (k8s.io/apiserver/pkg/storage/continue.go)
# --------------------------------------------------------------------------


def encode_continue(start_key: str, revision: int) -> str:
    body = json.dumps({"v": "meta.k8s.io/v1", "rv": revision, "start": start_key}, separators=(",", ":"))
    return base64.urlsafe_b64encode(body.encode("utf-8")).rstrip(b"=").decode("ascii")


def go_path_clean(p: str) -> str:
    cleaned = posixpath.normpath(p)
    return "/" + cleaned.lstrip("/") if cleaned.startswith("/") else cleaned


def decode_continue(token: str) -> tuple[str, int]:
    """(start key relative to the list's key prefix, resourceVersion); ApiError 400 if malformed."""
    def invalid(why: str) -> ApiError:
        return bad_request(f"invalid continue token: {why}")

    bad = next((i for i, ch in enumerate(token) if not (ch.isascii() and (ch.isalnum() or ch in "-_"))), None)
    if bad is None and len(token) % 4 == 1:
        bad = len(token) - 1
    if bad is not None:
        raise invalid(f"continue key is not valid: illegal base64 data at input byte {bad}")
    data = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    try:
        parsed = json.loads(data)
    except (ValueError, UnicodeDecodeError) as err:
        raise invalid(f"continue key is not valid: {err}") from err
    if not isinstance(parsed, dict):
        raise invalid("continue key is not valid: json: cannot unmarshal into Go value of type storage.continueToken")
    version = parsed.get("v", "")
    if version != "meta.k8s.io/v1":
        raise invalid(f"continue key is not valid: server does not recognize this encoded version {version}")
    rv, start = parsed.get("rv", 0), parsed.get("start", "")
    if not isinstance(rv, int) or isinstance(rv, bool) or rv == 0:
        raise invalid("continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)")
    if not isinstance(start, str) or not start:
        raise invalid("continue key is not valid: encoded start key empty (version meta.k8s.io/v1)")
    key = start if start.startswith("/") else "/" + start
    if go_path_clean(key) != key:
        raise invalid(f"continue key is not valid: {start}")
    return key[1:], rv


# --------------------------------------------------------------------------
# HTTP
# --------------------------------------------------------------------------


def encode_json(obj) -> bytes:
    """JSON as Go's encoding/json writes it (HTML-safe escapes, trailing newline)."""
    text = json.dumps(obj, separators=(",", ":"), ensure_ascii=False)
    for ch, esc in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"), ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):
        text = text.replace(ch, esc)
    return (text + "\n").encode("utf-8")


def parse_accept(header: str) -> list[tuple[str, dict]]:
    clauses = []
    for clause in (header or "").split(","):
        parts = [p.strip() for p in clause.split(";")]
        if not parts[0]:
            continue
        params = {}
        for p in parts[1:]:
            k, _, v = p.partition("=")
            params[k.strip().lower()] = v.strip()
        clauses.append((parts[0].lower(), params))
    return clauses or [("*/*", {})]


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address, cluster: Cluster, args):
        super().__init__(address, Handler)
        self.cluster = cluster
        self.page_size_cap = args.page_size_cap
        self.forbid = set(args.forbid)
        self.user = args.user
        self.server_version = args.server_version
        self.aggregated = not args.no_aggregated_discovery
        self.verbose = args.verbose
        self.log_lock = threading.Lock()
        self.log_file = open(args.request_log, "a", encoding="utf-8") if args.request_log else None
        self.flow_schema_uid = str(uuid.uuid4())
        self.priority_level_uid = str(uuid.uuid4())

    def log_request_line(self, line: str):
        if self.log_file:
            with self.log_lock:
                self.log_file.write(line + "\n")
                self.log_file.flush()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: Server

    # -- plumbing ----------------------------------------------------------

    def setup(self):
        super().setup()
        # headers and body are two writes: without this, Nagle's algorithm and
        # the client's delayed ACK stall every keep-alive response by ~40 ms
        self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, format, *args):  # noqa: A002 (BaseHTTPRequestHandler's signature)
        if self.server.verbose:
            super().log_message(format, *args)

    def send_response(self, code, message=None):
        # kube-apiserver sends no Server header
        self.log_request(code)
        self.send_response_only(code, message)
        self.send_header("Date", self.date_time_string())

    def _send(self, code: int, body: bytes, content_type: str, extra: dict | None = None):
        self.send_response(code)
        self.send_header("Audit-Id", str(uuid.uuid4()))
        self.send_header("Cache-Control", "no-cache, private")
        self.send_header("Content-Type", content_type)
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.send_header("X-Kubernetes-Pf-Flowschema-Uid", self.server.flow_schema_uid)
        self.send_header("X-Kubernetes-Pf-Prioritylevel-Uid", self.server.priority_level_uid)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _send_json(self, obj, code: int = 200, content_type: str = "application/json", extra: dict | None = None):
        self._send(code, encode_json(obj), content_type, extra)

    def _send_error(self, err: ApiError):
        extra = {"X-Content-Type-Options": "nosniff"} if err.code == 403 else None
        self._send_json(err.status, err.code, extra=extra)

    def _log(self):
        self.server.log_request_line(f"{self.command} {self.path}")

    def do_GET(self):
        self._log()
        try:
            self._route()
        except ApiError as err:
            self._send_error(err)

    def _refuse(self):
        self._log()
        length = int(self.headers.get("Content-Length") or 0)
        if 0 < length <= 16 << 20:
            self.rfile.read(length)
        elif length or self.headers.get("Transfer-Encoding"):
            self.close_connection = True
        err = ApiError(405, "MethodNotAllowed", "the server does not allow this method on the requested resource", {})
        self._send_json(err.status, 405, extra={"Allow": "GET"})

    def __getattr__(self, name):
        # every method but GET (POST, PUT, PATCH, DELETE, HEAD, OPTIONS, ...)
        if name.startswith("do_"):
            return self._refuse
        raise AttributeError(name)

    # -- routing -----------------------------------------------------------

    def _route(self):
        url = urlsplit(self.path)
        query = {k: v[-1] for k, v in parse_qs(url.query, keep_blank_values=True).items()}
        parts = [unquote(p) for p in url.path.split("/")[1:]]
        if url.path == "/":
            return self._send_json({"paths": self._paths()})
        if url.path in ("/version", "/version/"):
            return self._send_json(self._version())
        if url.path in ("/healthz", "/livez", "/readyz"):
            return self._send(200, b"ok", "text/plain; charset=utf-8", {"X-Content-Type-Options": "nosniff"})
        if parts[0] == "api":
            if len(parts) == 1:
                return self._api_root()
            if parts[1] != "v1":
                raise not_found_path()
            group, version, rest = "", "v1", parts[2:]
        elif parts[0] == "apis":
            if len(parts) == 1:
                return self._apis_root()
            if len(parts) == 2:
                return self._group(parts[1])
            group, version, rest = parts[1], parts[2], parts[3:]
        else:
            raise not_found_path()
        resources = self.cluster.in_group_version(group, version)
        if not resources:
            raise not_found_path()
        if not rest:
            return self._resource_list(group, version, resources)
        watch = query.get("watch") in ("true", "1")
        if rest[0] == "watch":  # the deprecated /watch/ paths
            watch, rest = True, rest[1:]
        self._resource_request(group, version, rest, query, watch)

    @property
    def cluster(self) -> Cluster:
        return self.server.cluster

    def _resource_request(self, group, version, rest, query, watch: bool):
        namespace = None
        if rest[0] == "namespaces" and len(rest) >= 3 and not (len(rest) == 3 and rest[2] in ("status", "finalize")):
            namespace, rest = rest[1], rest[2:]
        if not rest or "" in rest or len(rest) > 3:
            raise not_found_path()
        plural, name, sub = rest[0], (rest[1] if len(rest) > 1 else None), (rest[2] if len(rest) > 2 else None)
        res = self.cluster.by_path.get((group, version, plural))
        if res is None or (namespace is not None and not res.namespaced):
            raise not_found_path()
        if namespace is None and res.namespaced and name is not None:
            raise not_found_path()
        verb = "watch" if watch else "get" if name else "list"
        self._authorize(res, verb, namespace, name)
        if watch:
            raise bad_request("watch is not replayed by this server (nhiscope k8s_api.py); list instead")
        if verb not in res.verbs:
            raise ApiError(405, "MethodNotAllowed", "the server does not allow this method on the requested resource", {})
        if name is None:
            return self._list(res, namespace, query)
        if sub is not None and sub != "status" or (sub == "status" and STATUS not in res.subs):
            raise not_found_path()
        key = f"{namespace}/{name}" if res.namespaced else name
        obj = res.objects.get(key)
        if obj is None:
            raise ApiError(404, "NotFound", f"{res.qualified} \"{name}\" not found", details(name, res.group, res.plural))
        self._send_object(obj)

    def _authorize(self, res: Resource, verb: str, namespace, name):
        if res.plural not in self.server.forbid and res.qualified not in self.server.forbid:
            return
        user = self.server.user
        scope = f'in the namespace "{namespace}"' if namespace else "at the cluster scope"
        reason = f'User "{user}" cannot {verb} resource "{res.plural}" in API group "{res.group}" {scope}'
        what = f'{res.qualified} "{name}"' if name else res.qualified
        raise ApiError(403, "Forbidden", f"{what} is forbidden: {reason}", details(name or "", res.group, res.plural))

    # -- objects and lists -------------------------------------------------

    def _wanted(self) -> str | None:
        """The conversion the Accept header asks for: None, "Table", "PartialObjectMetadata[List]"."""
        for media, params in parse_accept(self.headers.get("Accept", "")):
            if media not in ("application/json", "application/*", "*/*"):
                continue
            target = params.get("as")
            if not target:
                return None
            if params.get("g") == "meta.k8s.io" and params.get("v") in ("v1", "v1beta1") and target in (
                "Table", "PartialObjectMetadata", "PartialObjectMetadataList"):
                return f"{target}@{params['v']}"
        if any(media.startswith("application/vnd.kubernetes.protobuf") or media == "application/cbor"
               for media, _ in parse_accept(self.headers.get("Accept", ""))):
            raise ApiError(406, "NotAcceptable", "only the following media types are accepted: application/json")
        return None

    def _send_object(self, obj):
        wanted = self._wanted()
        if wanted is None:
            return self._send_json(obj)
        target, _, version = wanted.partition("@")
        if target == "PartialObjectMetadata":
            return self._send_json(partial_metadata(obj, version))
        if target == "Table":
            return self._send_json(table_of([obj], version, {}))
        raise ApiError(406, "NotAcceptable", "you requested PartialObjectMetadataList, but the requested object is not a list")

    def _list(self, res: Resource, namespace, query):
        wanted = self._wanted()
        labels = parse_label_selector(query.get("labelSelector", ""))
        fields = parse_field_selector(query.get("fieldSelector", ""), res)
        limit_text = query.get("limit", "")
        try:
            limit = int(limit_text) if limit_text else 0
        except ValueError:
            raise bad_request(f'strconv.ParseInt: parsing "{limit_text}": invalid syntax') from None
        cap = self.server.page_size_cap
        if cap and (limit <= 0 or limit > cap):
            limit = cap
        revision = self.cluster.revision
        prefix = f"{namespace}/" if namespace else ""
        start = prefix
        token = query.get("continue", "")
        if token:
            rel, rv = decode_continue(token)
            if query.get("resourceVersion", "") not in ("", "0"):
                raise bad_request("specifying resource version is not allowed when using continue")
            start = prefix + rel
            if rv > revision:
                raise ApiError(500, "", "etcdserver: mvcc: required revision is a future revision")
            if 0 < rv < revision:
                raise ApiError(410, "Expired", INCONSISTENT_CONTINUE, meta={"continue": encode_continue(rel, -1)})
        # the keys under the prefix, from the start key on
        lo = bisect.bisect_left(res.key_bytes, start.encode("utf-8"))
        end = bisect.bisect_left(res.key_bytes, prefix.encode("utf-8") + b"\xff") if prefix else len(res.keys)
        items, last, i = [], None, lo
        while i < end:
            if limit and len(items) >= limit:
                break
            key = res.keys[i]
            obj = res.objects[key]
            last = key
            i += 1
            if labels and not labels_match(labels, obj["metadata"].get("labels") or {}):
                continue
            if fields and not fields_match(fields, obj):
                continue
            items.append(obj)
        meta = {"resourceVersion": str(revision)}
        if i < end and limit:
            meta["continue"] = encode_continue(last[len(prefix):] + "\x00", revision)
            if not labels and not fields:
                meta["remainingItemCount"] = end - i
        self._send_list(res, items, meta, wanted)

    def _send_list(self, res: Resource, items, meta, wanted):
        if wanted is None:
            body = {"kind": f"{res.kind}List", "apiVersion": res.group_version, "metadata": meta,
                    "items": [item_of(res, obj) for obj in items]}
            return self._send_json(body)
        target, _, version = wanted.partition("@")
        if target == "PartialObjectMetadataList":
            body = {"kind": "PartialObjectMetadataList", "apiVersion": f"meta.k8s.io/{version}", "metadata": meta,
                    "items": [partial_metadata(obj, version) for obj in items]}
            return self._send_json(body)
        if target == "Table":
            return self._send_json(table_of(items, version, meta))
        raise ApiError(406, "NotAcceptable", "you requested PartialObjectMetadata, but the requested object is a list")

    # -- discovery ---------------------------------------------------------

    def _paths(self) -> list[str]:
        paths = {"/api", "/api/v1", "/apis", "/healthz", "/livez", "/readyz", "/version"}
        for group, versions in self.cluster.groups():
            paths.add(f"/apis/{group}")
            paths.update(f"/apis/{group}/{v}" for v in versions)
        return sorted(paths)

    def _version(self) -> dict:
        version = self.server.server_version
        m = re.fullmatch(r"v(\d+)\.(\d+)\..*", version)
        major, minor = (m.group(1), m.group(2)) if m else ("1", "0")
        commit, built, go = KNOWN_BUILDS.get(version, ("0" * 40, "1970-01-01T00:00:00Z", "go"))
        return {"major": major, "minor": minor, "gitVersion": version, "gitCommit": commit, "gitTreeState": "clean",
                "buildDate": built, "goVersion": go, "compiler": "gc", "platform": "linux/amd64"}

    def _aggregated_wanted(self) -> str | None:
        if not self.server.aggregated:
            return None
        for media, params in parse_accept(self.headers.get("Accept", "")):
            # v2 only: v2beta1 is gone from 1.33 on, and a client asking for it falls back to legacy
            if media == "application/json" and params.get("g") == "apidiscovery.k8s.io" \
                    and params.get("as") == "APIGroupDiscoveryList" and params.get("v") == "v2":
                return "v2"
            if media in ("application/json", "*/*", "application/*") and not params:
                return None
        return None

    def _send_aggregated(self, version: str, items: list[dict]):
        body = {"kind": "APIGroupDiscoveryList", "apiVersion": f"apidiscovery.k8s.io/{version}", "metadata": {},
                "items": items}
        data = encode_json(body)
        etag = '"' + hashlib.sha512(data).hexdigest()[:64].upper() + '"'
        self._send(200, data, DISCOVERY_V2, {"Etag": etag, "Vary": "Accept"})

    def _api_root(self):
        agg = self._aggregated_wanted()
        if agg:
            return self._send_aggregated(agg, [aggregated_group(self.cluster, "", ["v1"])])
        host = f"127.0.0.1:{self.server.server_address[1]}"
        self._send_json({"kind": "APIVersions", "versions": ["v1"],
                         "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": host}]})

    def _apis_root(self):
        groups = self.cluster.groups()
        agg = self._aggregated_wanted()
        if agg:
            return self._send_aggregated(agg, [aggregated_group(self.cluster, g, vs) for g, vs in groups])
        self._send_json({"kind": "APIGroupList", "apiVersion": "v1", "groups": [api_group(g, vs) for g, vs in groups]})

    def _group(self, name: str):
        for group, versions in self.cluster.groups():
            if group == name:
                return self._send_json({"kind": "APIGroup", "apiVersion": "v1", **api_group(group, versions)})
        raise not_found_path()

    def _resource_list(self, group, version, resources):
        body = {"kind": "APIResourceList"}
        if group:  # the core group's list has no apiVersion on real servers
            body["apiVersion"] = "v1"
        body["groupVersion"] = f"{group}/{version}" if group else version
        body["resources"] = [entry for res in resources for entry in legacy_entries(res)]
        self._send_json(body)


def item_of(res: Resource, obj: dict) -> dict:
    """A list item: built-in kinds lose kind/apiVersion, as in the API server's typed lists."""
    if not res.builtin:
        return obj
    return {k: v for k, v in obj.items() if k not in ("kind", "apiVersion")}


def partial_metadata(obj: dict, version: str) -> dict:
    return {"kind": "PartialObjectMetadata", "apiVersion": f"meta.k8s.io/{version}", "metadata": obj["metadata"]}


def table_of(objs: list[dict], version: str, meta: dict) -> dict:
    """The default table convertor's Table (Name, Created At), rows with PartialObjectMetadata."""
    return {
        "kind": "Table", "apiVersion": f"meta.k8s.io/{version}", "metadata": meta,
        "columnDefinitions": [
            {"name": "Name", "type": "string", "format": "name", "description": NAME_DESCRIPTION, "priority": 0},
            {"name": "Created At", "type": "date", "format": "", "description": CREATED_DESCRIPTION, "priority": 0},
        ],
        "rows": [{"cells": [o["metadata"]["name"], o["metadata"].get("creationTimestamp")],
                  "object": partial_metadata(o, version)} for o in objs],
    }


def api_group(group: str, versions: list[str]) -> dict:
    gvs = [{"groupVersion": f"{group}/{v}", "version": v} for v in versions]
    return {"name": group, "versions": gvs, "preferredVersion": gvs[0]}


def legacy_entries(res: Resource) -> list[dict]:
    entry = {"name": res.plural, "singularName": res.singular, "namespaced": res.namespaced, "kind": res.kind,
             "verbs": list(res.verbs)}
    if res.short_names:
        entry["shortNames"] = list(res.short_names)
    if res.categories:
        entry["categories"] = list(res.categories)
    if res.hash:
        entry["storageVersionHash"] = res.hash
    entries = [entry]
    for sub in res.subs:
        e = {"name": f"{res.plural}/{sub.name}", "singularName": "", "namespaced": res.namespaced}
        if sub.group_version:
            g, _, v = sub.group_version.rpartition("/")
            e["group"], e["version"] = g, v
        e["kind"] = sub.kind or res.kind
        e["verbs"] = list(sub.verbs)
        entries.append(e)
    return entries


def aggregated_group(cluster: Cluster, group: str, versions: list[str]) -> dict:
    meta = {"name": group, "creationTimestamp": None} if group else {"creationTimestamp": None}
    out = []
    for version in versions:
        resources = []
        for res in cluster.in_group_version(group, version):
            entry = {"resource": res.plural, "responseKind": {"group": "", "version": "", "kind": res.kind},
                     "scope": "Namespaced" if res.namespaced else "Cluster", "singularResource": res.singular,
                     "verbs": list(res.verbs)}
            if res.short_names:
                entry["shortNames"] = list(res.short_names)
            if res.categories:
                entry["categories"] = list(res.categories)
            subs = []
            for sub in res.subs:
                g, _, v = (sub.group_version or "/").rpartition("/")
                subs.append({"subresource": sub.name, "responseKind": {"group": g, "version": v, "kind": sub.kind or res.kind},
                             "verbs": list(sub.verbs)})
            if subs:
                entry["subresources"] = subs
            resources.append(entry)
        out.append({"version": version, "resources": resources, "freshness": "Current"})
    return {"metadata": meta, "versions": out}


# --------------------------------------------------------------------------
# main
# --------------------------------------------------------------------------


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--export", action="append", required=True, metavar="FILE",
                        help="a `kubectl get -o json` export (List, typed list, object, or a JSON array of them); repeatable")
    parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (default 0: the kernel picks)")
    parser.add_argument("--page-size-cap", type=int, default=0, metavar="N",
                        help="at most N items per list page, whatever limit the client asks for (default: no cap)")
    parser.add_argument("--forbid", nargs="+", action="extend", default=[], metavar="RESOURCE",
                        help="answer every list/get of RESOURCE (plural, or plural.group) with 403 Forbidden")
    parser.add_argument("--request-log", metavar="FILE", help="append `METHOD PATH?QUERY` per request")
    parser.add_argument("--port-file", metavar="FILE", help="write the listening port here once listening")
    parser.add_argument("--user", default="system:serviceaccount:nhiscope:collector",
                        help="the user named in Forbidden messages")
    parser.add_argument("--server-version", default="v1.37.1", help="gitVersion of /version (default v1.37.1)")
    parser.add_argument("--no-aggregated-discovery", action="store_true",
                        help="answer /api and /apis in the legacy form only, whatever the Accept header asks")
    parser.add_argument("--synthesize-namespaces", action="store_true",
                        help="add a Namespace object for every namespace the exported objects use but the export lacks")
    parser.add_argument("--exit-on-stdin-eof", action="store_true", help="also stop when stdin closes")
    parser.add_argument("--verbose", action="store_true", help="log each request to stderr")
    args = parser.parse_args(argv)
    if args.page_size_cap < 0:
        parser.error("--page-size-cap must be >= 0")

    cluster = Cluster()
    try:
        total = sum(cluster.load(path) for path in args.export)
    except LoadError as err:
        print(f"k8s_api: error: {err}", file=sys.stderr)
        return 2
    synthesized = cluster.synthesize_namespaces() if args.synthesize_namespaces else 0
    cluster.finish()
    counts = ", ".join(f"{len(r.objects)} {r.kind}" for r in cluster.resources if r.objects)
    print(f"k8s_api: serving {total} objects ({counts}) at resourceVersion {cluster.revision}"
          + (f"; {synthesized} namespaces synthesized" if synthesized else ""), file=sys.stderr)

    server = Server(("127.0.0.1", args.port), cluster, args)
    port = server.server_address[1]
    if args.port_file:
        tmp = f"{args.port_file}.tmp{os.getpid()}"
        with open(tmp, "w", encoding="utf-8") as f:
            f.write(f"{port}\n")
        os.replace(tmp, args.port_file)
    print(f"listening on http://127.0.0.1:{port}", flush=True)

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    if args.exit_on_stdin_eof:
        def watch_stdin():
            while os.read(0, 4096):
                pass
            stop.set()
        threading.Thread(target=watch_stdin, name="stdin-watch", daemon=True).start()
    threading.Thread(target=server.serve_forever, name="http", daemon=True).start()
    stop.wait()
    server.shutdown()
    server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
