#!/usr/bin/env python3
"""A fake AWS account (123456789012) for nhiscope's live AWS IAM tests.

    python tests/servers/aws_estate.py --request-log FILE [--faults] [--deny-action ACTION]

Starts moto in-process on a free loopback port, seeds the IAM estate below
through the real AWS API (boto3 against moto's own endpoint), backdates key and
user ages on moto's backend objects, then prints exactly one line on stdout:

    READY {"endpoint": "http://127.0.0.1:PORT", "moto": "http://127.0.0.1:MOTOPORT", "account": "123456789012"}

and serves until stdin closes or SIGTERM/SIGINT. `endpoint` is where the
collector should go: moto itself, or with --faults a fault-injecting reverse
proxy in front of moto. Errors go to stderr with a nonzero exit.

Every request made to `endpoint` after seeding is appended to the request log
as one JSON line (flushed per line):

    {"service": "iam", "action": "ListUsers", "method": "POST", "path": "/", "status": 200, "fault": null}

`fault` is null unless --faults injected one: "throttling", "unavailable",
"internal", "denied" or "truncated". Seeding requests are never logged.

With --faults the proxy forwards everything to moto, except:
  * the first 2 GetAccountAuthorizationDetails: HTTP 400 Throttling;
  * the first ListAccessKeys: HTTP 503 ServiceUnavailable;
  * the first GetAccessKeyLastUsed: HTTP 500 InternalFailure;
  * every request for --deny-action (default ListSSHPublicKeys): HTTP 403
    AccessDenied;
  * the first GetAccountSummary: moto's real response, status and headers
    with the full Content-Length, but only the first half of the body, then
    the connection is closed.
Requests sent straight to the `moto` address bypass the proxy and the log.

The estate (names are what the tests assert on):
  users    ci-deploy (path /service/, tags owner=platform type=service,
           2 active keys: one 400 days old never used, one 200 days old last
           used 100 days ago by s3; member of deployers; 1 SSH public key;
           1 CodeCommit service-specific credential 250 days old),
           terraform-bot (inactive key 300 days old + active key made now;
           customer policy ci-escalate; inline self-keys; 1 signing cert),
           alice (console password last used 5 days ago, virtual MFA, no keys),
           legacy-batch (key 500 days old last used 300 days ago, no password,
           AdministratorAccess), auditor (1 key, group auditors),
           mfa-guarded (1 key, inline iam:AttachUserPolicy only with MFA)
  groups   auditors (SecurityAudit), deployers (inline: iam:PassRole,
           lambda:CreateFunction, lambda:InvokeFunction on *)
  policies ci-escalate (iam:CreatePolicyVersion, iam:SetDefaultPolicyVersion)
  roles    gha-deploy, gha-wildcard, gha-scoped (GitHub OIDC), partner-access,
           partner-with-external-id (account 999988887777), open-role
           (AWS: *), lambda-admin (AdministratorAccess), lambda-harmless
           (AWSLambdaBasicExecutionRole), app-instance (EC2, instance
           profile app-instance)
  other    OIDC provider token.actions.githubusercontent.com, SAML provider
           corp-idp, server certificate expired-cert (a real self-signed PEM
           that expired 35 days ago), a generated credential report.
  The gha-* roles all carry the StringEquals aud condition; gha-deploy has
  nothing else, gha-wildcard adds StringLike sub "repo:*", gha-scoped adds
  StringEquals sub "repo:acme/app:ref:refs/heads/main". gha-deploy was last
  assumed 3 days ago and partner-access 200 days ago (RoleLastUsed).

moto 5.2.5 differs from AWS in places that matter to a collector; patch_moto()
fixes those listed there (server certificates, service-specific credentials,
GetAccountAuthorizationDetails, the credential report) and backdate() gives
users and instance profiles AWS-shaped ids. See tests/servers/README.md.
"""

import os

# Must be set before moto is imported: moto reads it when the IAM backend is
# made, and without it AWS-managed policies (AdministratorAccess, ...) do not
# exist. The rest keeps the caller's AWS settings out of our own boto3 client.
os.environ["MOTO_IAM_LOAD_MANAGED_POLICIES"] = "true"
os.environ["AWS_ACCESS_KEY_ID"] = "testing"
os.environ["AWS_SECRET_ACCESS_KEY"] = "testing"
os.environ["AWS_DEFAULT_REGION"] = "us-east-1"
os.environ["AWS_CONFIG_FILE"] = os.devnull
os.environ["AWS_SHARED_CREDENTIALS_FILE"] = os.devnull
for _var in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_IAM", "AWS_ENDPOINT_URL_STS"):
    os.environ.pop(_var, None)

import argparse
import contextlib
import datetime
import hashlib
import http.client
import http.server
import io
import json
import logging
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import traceback
import urllib.parse
import uuid

ACCOUNT = "123456789012"
PARTITION = "aws"
REGION = "us-east-1"
HOST = "127.0.0.1"
IAM_XMLNS = "https://iam.amazonaws.com/doc/2010-05-08/"
GITHUB_OIDC = "token.actions.githubusercontent.com"
GITHUB_OIDC_ARN = f"arn:aws:iam::{ACCOUNT}:oidc-provider/{GITHUB_OIDC}"
PARTNER_ROOT = "arn:aws:iam::999988887777:root"


def note(message):
    print(f"aws_estate: {message}", file=sys.stderr, flush=True)


def days_ago(days):
    # moto keeps naive UTC datetimes (moto.core.utils.utcnow).
    return datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None) - datetime.timedelta(days=days)


# --------------------------------------------------------------------------
# Request log
# --------------------------------------------------------------------------


class RequestLog:
    """Appends one JSON line per request; off until seeding is done."""

    def __init__(self, path):
        self._file = open(path, "a", encoding="utf-8")
        self._lock = threading.Lock()
        self.enabled = False

    def write(self, service, action, method, path, status, fault=None):
        if not self.enabled:
            return
        line = json.dumps(
            {"service": service, "action": action, "method": method, "path": path, "status": status, "fault": fault}
        )
        with self._lock:
            self._file.write(line + "\n")
            self._file.flush()

    def close(self):
        with self._lock:
            self._file.close()


def service_of(headers):
    """The signing service of a SigV4 request (Credential=AKID/DATE/REGION/SERVICE/aws4_request)."""
    auth = headers.get("Authorization") or ""
    marker = "Credential="
    at = auth.find(marker)
    if at >= 0:
        scope = auth[at + len(marker):].split(",", 1)[0].split("/")
        if len(scope) >= 5:
            return scope[3]
    target = headers.get("X-Amz-Target") or ""
    if "." in target:
        return target.split(".", 1)[0].lower()
    return None


def action_of(query, body, content_type, headers):
    """The Query API action (form body or query string), else X-Amz-Target's."""
    params = urllib.parse.parse_qs(query or "")
    if "Action" in params:
        return params["Action"][0]
    if body and "x-www-form-urlencoded" in (content_type or ""):
        params = urllib.parse.parse_qs(body.decode("utf-8", "replace"))
        if "Action" in params:
            return params["Action"][0]
    target = headers.get("X-Amz-Target") or ""
    if "." in target:
        return target.rsplit(".", 1)[1]
    return None


class _EnvironHeaders:
    def __init__(self, environ):
        self._environ = environ

    def get(self, name):
        return self._environ.get("HTTP_" + name.upper().replace("-", "_"))


class LoggingApp:
    """WSGI middleware around moto's app: logs every request after seeding."""

    def __init__(self, app, log):
        self.app = app
        self.log = log

    def __call__(self, environ, start_response):
        if not self.log.enabled:
            return self.app(environ, start_response)
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        body = environ["wsgi.input"].read(length) if length > 0 else b""
        environ["wsgi.input"] = io.BytesIO(body)
        headers = _EnvironHeaders(environ)
        record = {
            "service": service_of(headers),
            "action": action_of(environ.get("QUERY_STRING"), body, environ.get("CONTENT_TYPE"), headers),
            "method": environ.get("REQUEST_METHOD"),
            "path": environ.get("PATH_INFO") or "/",
        }

        logged = []

        def logging_start_response(status, response_headers, exc_info=None):
            try:
                code = int(status.split(" ", 1)[0])
            except ValueError:
                code = None
            if not logged:
                logged.append(code)
                self.log.write(status=code, **record)
            return start_response(status, response_headers, exc_info)

        try:
            return self.app(environ, logging_start_response)
        except BaseException:
            # moto raises for actions it does not implement; werkzeug then
            # answers 500 with an HTML page.
            if not logged:
                self.log.write(status=500, **record)
            raise


# --------------------------------------------------------------------------
# moto, and the few places where moto 5.2.5 is wrong enough to matter
# --------------------------------------------------------------------------


def pem_expiration(pem):
    """A certificate PEM's notAfter (naive UTC), or None."""
    try:
        from cryptography import x509

        cert = x509.load_pem_x509_certificate(pem.encode() if isinstance(pem, str) else pem)
    except Exception:  # noqa: BLE001 - any unparsable body just has no expiry
        return None
    after = getattr(cert, "not_valid_after_utc", None)
    return after.replace(tzinfo=None) if after is not None else cert.not_valid_after


def patch_moto():
    """Server certificates: moto 5.2.5's ListServerCertificates builds its list
    and then returns an empty result, and both it and GetServerCertificate
    return a fixed 2012 Expiration, a fixed 2010 UploadDate and the same
    ServerCertificateId for every certificate. Real AWS reads the expiry from
    the certificate; so do these replacements."""
    from moto.core.responses import ActionResult
    from moto.iam.responses import IamResponse

    def metadata(cert):
        if not hasattr(cert, "estate_id"):
            cert.estate_id = "ASCA" + hashlib.sha1(cert.arn.encode()).hexdigest().upper()[:17]
            cert.estate_upload_date = days_ago(0)
        meta = {
            "Path": cert.path,
            "ServerCertificateName": cert.cert_name,
            "ServerCertificateId": cert.estate_id,
            "Arn": cert.arn,
            "UploadDate": cert.estate_upload_date,
        }
        expiration = pem_expiration(cert.cert_body)
        if expiration is not None:
            meta["Expiration"] = expiration
        return meta

    def list_server_certificates(self):
        certs = self.backend.list_server_certificates()
        return ActionResult({"ServerCertificateMetadataList": [metadata(c) for c in certs], "IsTruncated": False})

    def get_server_certificate(self):
        cert = self.backend.get_server_certificate(self._get_param("ServerCertificateName"))
        server_cert = {"ServerCertificateMetadata": metadata(cert), "CertificateBody": cert.cert_body}
        if cert.cert_chain:
            server_cert["CertificateChain"] = cert.cert_chain
        return ActionResult({"ServerCertificate": server_cert})

    IamResponse.list_server_certificates = list_server_certificates
    IamResponse.get_server_certificate = get_server_certificate

    # Service-specific credentials (CodeCommit HTTPS passwords, ...): moto
    # 5.2.5 implements none of the calls, and an unimplemented action is an
    # HTTP 500 with an HTML body. A minimal Create/List, kept on the user.
    import secrets

    def credentials_of(user):
        if not hasattr(user, "estate_service_credentials"):
            user.estate_service_credentials = []
        return user.estate_service_credentials

    def create_service_specific_credential(self):
        user = self.backend.get_user(self._get_param("UserName"))
        service = self._get_param("ServiceName")
        credential = {
            "CreateDate": days_ago(0),
            "ServiceName": service,
            "ServiceUserName": f"{user.name}-at-{ACCOUNT}",
            "ServicePassword": secrets.token_urlsafe(30),
            "ServiceSpecificCredentialId": "ACCA" + secrets.token_hex(9).upper()[:17],
            "UserName": user.name,
            "Status": "Active",
        }
        credentials_of(user).append(credential)
        return ActionResult({"ServiceSpecificCredential": credential})

    def list_service_specific_credentials(self):
        user = self.backend.get_user(self._get_param("UserName"))
        service = self._get_param("ServiceName")
        listed = [
            {k: v for k, v in c.items() if k != "ServicePassword"}
            for c in credentials_of(user)
            if not service or c["ServiceName"] == service
        ]
        return ActionResult({"ServiceSpecificCredentials": listed, "IsTruncated": False})

    IamResponse.create_service_specific_credential = create_service_specific_credential
    IamResponse.list_service_specific_credentials = list_service_specific_credentials

    # GetAccountAuthorizationDetails, moto 5.2.5 vs AWS:
    #  * its Policies entries have no PolicyName and no PolicyId (moto's
    #    serializer finds neither attribute on its policy objects);
    #  * RoleDetail.AssumeRolePolicyDocument is plain JSON where AWS (and moto's
    #    own GetRole) URL-encode it; ListRoles and the roles inside instance
    #    profiles likewise;
    #  * it ignores MaxItems/Marker and answers everything in one page, and
    #    lists all ~1,300 AWS-managed policies (6 MB) where AWS lists only the
    #    AWS-managed policies attached to something.
    # Fixed here: names and ids, URL-encoded trust policies, AWS-managed
    # policies only when attached, and real MaxItems (default 100) / Marker
    # paging over users, then groups, then roles, then policies.
    import base64

    from moto.core.serialize import url_encode
    from moto.iam.exceptions import IAMException
    from moto.iam.models import AWSManagedPolicy, ManagedPolicy

    class InvalidMarker(IAMException):
        code = "InvalidInput"

    if not hasattr(ManagedPolicy, "policy_name"):
        ManagedPolicy.policy_name = property(lambda self: self.name)
    if not hasattr(ManagedPolicy, "policy_id"):
        ManagedPolicy.policy_id = property(lambda self: self.id)
    IamResponse.RESPONSE_KEY_PATH_TO_TRANSFORMER = {
        **IamResponse.RESPONSE_KEY_PATH_TO_TRANSFORMER,
        "RoleDetail.AssumeRolePolicyDocument": url_encode,
        "Role.AssumeRolePolicyDocument": url_encode,
    }

    def get_account_authorization_details(self):
        details = self.backend.get_account_authorization_details(self._get_param("Filter", []) or [])
        policies = [
            p
            for p in details["managed_policies"]
            if not isinstance(p, AWSManagedPolicy) or p.attachment_count > 0
        ]
        items = (
            [("UserDetailList", u) for u in details["users"]]
            + [("GroupDetailList", g) for g in details["groups"]]
            + [("RoleDetailList", r) for r in details["roles"]]
            + [("Policies", p) for p in policies]
        )
        marker = self._get_param("Marker")
        start = 0
        if marker:
            try:
                start = int(base64.b64decode(marker).decode().split(":", 1)[1])
            except (ValueError, IndexError, UnicodeDecodeError):
                raise InvalidMarker("Invalid Marker.") from None
        max_items = self._get_int_param("MaxItems", 100)
        page = items[start : start + max_items]
        result = {"UserDetailList": [], "GroupDetailList": [], "RoleDetailList": [], "Policies": []}
        for kind, item in page:
            result[kind].append(item)
        end = start + len(page)
        result["IsTruncated"] = end < len(items)
        if result["IsTruncated"]:
            result["Marker"] = base64.b64encode(f"gaad:{end}".encode()).decode()
        return ActionResult(result)

    IamResponse.get_account_authorization_details = get_account_authorization_details

    # GetCredentialReport, moto 5.2.5 vs AWS: no <root_account> row;
    # access_key_N_last_used_region/_service always "not_supported";
    # cert_N_last_rotated always "N/A"; password_last_changed is the user's
    # creation time even without a password (AWS: "N/A"); password_last_used
    # "not_supported" without a password (AWS: "N/A"); GeneratedTime a fixed
    # 2015-02-02T20:02:02Z. Rebuilt here the way AWS documents the columns.
    from moto.iam.exceptions import ReportNotPresentException

    original_generate = IamResponse.generate_credential_report

    def generate_credential_report(self):
        if not self.backend.report_generated():
            self.backend.estate_report_time = days_ago(0)
        return original_generate(self)

    def get_credential_report(self):
        if not self.backend.report_generated():
            raise ReportNotPresentException("Credential report not present")
        return ActionResult(
            {
                "Content": credential_report(self.backend),
                "ReportFormat": "text/csv",
                "GeneratedTime": getattr(self.backend, "estate_report_time", days_ago(0)),
            }
        )

    IamResponse.generate_credential_report = generate_credential_report
    IamResponse.get_credential_report = get_credential_report


CREDENTIAL_REPORT_COLUMNS = (
    "user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,"
    "password_next_rotation,mfa_active,access_key_1_active,access_key_1_last_rotated,"
    "access_key_1_last_used_date,access_key_1_last_used_region,access_key_1_last_used_service,"
    "access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date,"
    "access_key_2_last_used_region,access_key_2_last_used_service,cert_1_active,cert_1_last_rotated,"
    "cert_2_active,cert_2_last_rotated"
)
ROOT_CREATED_DAYS_AGO = 2000
ROOT_PASSWORD_USED_DAYS_AGO = 400


def credential_report(backend):
    """The credential report CSV, columns as AWS documents them."""

    def when(value):
        return value.strftime("%Y-%m-%dT%H:%M:%S+00:00")

    def flag(value):
        return "true" if value else "false"

    rows = [
        CREDENTIAL_REPORT_COLUMNS,
        ",".join(
            [
                "<root_account>",
                f"arn:aws:iam::{backend.account_id}:root",
                when(days_ago(ROOT_CREATED_DAYS_AGO)),
                "not_supported",
                when(days_ago(ROOT_PASSWORD_USED_DAYS_AGO)),
                "not_supported",
                "not_supported",
                "true",
            ]
            + ["false", "N/A", "N/A", "N/A", "N/A"] * 2
            + ["false", "N/A"] * 2
        ),
    ]
    for user in backend.users.values():
        has_password = bool(user.password)
        row = [
            user.name,
            user.arn,
            when(user.create_date),
            flag(has_password),
            (when(user.password_last_used) if user.password_last_used else "no_information")
            if has_password
            else "N/A",
            when(getattr(user, "estate_password_changed", user.create_date)) if has_password else "N/A",
            "N/A",
            flag(user.mfa_devices),
        ]
        for slot in range(2):
            if slot < len(user.access_keys):
                key = user.access_keys[slot]
                used = key.last_used
                row += [
                    flag(key.status == "Active"),
                    when(key.create_date),
                    when(used.timestamp if hasattr(used, "timestamp") else used) if used else "N/A",
                    getattr(used, "region", None) or "N/A",
                    getattr(used, "service", None) or "N/A",
                ]
            else:
                row += ["false", "N/A", "N/A", "N/A", "N/A"]
        certs = list(user.signing_certificates.values())
        for slot in range(2):
            if slot < len(certs):
                row += [flag(certs[slot].status == "Active"), when(certs[slot].upload_date)]
            else:
                row += ["false", "N/A"]
        rows.append(",".join(row))
    return "\n".join(rows) + "\n"


def start_moto(log):
    from moto.server import ThreadedMotoServer
    from werkzeug.serving import make_server
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app

    class LoggedMotoServer(ThreadedMotoServer):
        def _server_entry(self):
            app = LoggingApp(DomainDispatcherApplication(create_backend_app), log)
            try:
                self._server = make_server(
                    self._ip_address, self._port, app, True, request_handler=MotoRequestHandler
                )
            finally:
                self._server_ready_event.set()
            self._server.serve_forever()

    # Port 0: the kernel picks a free port, so there is no bind race.
    server = LoggedMotoServer(ip_address=HOST, port=0, verbose=False)
    server.start()
    if server._server is None:
        raise RuntimeError("moto's server did not start")
    return server, server.get_host_and_port()[1]


# --------------------------------------------------------------------------
# Fault-injecting reverse proxy
# --------------------------------------------------------------------------


def error_xml(error_type, code, message):
    request_id = str(uuid.uuid4())
    body = (
        f'<ErrorResponse xmlns="{IAM_XMLNS}">'
        f"<Error><Type>{error_type}</Type><Code>{code}</Code><Message>{message}</Message></Error>"
        f"<RequestId>{request_id}</RequestId></ErrorResponse>\n"
    )
    return body.encode(), request_id


def denied_resource(form):
    """The resource an IAM AccessDenied message names, from the request's parameters."""
    for param, kind in (("UserName", "user"), ("RoleName", "role"), ("GroupName", "group")):
        if form.get(param):
            return f"arn:aws:iam::{ACCOUNT}:{kind}/{form[param]}"
    for param in ("PolicyArn", "OpenIDConnectProviderArn", "SAMLProviderArn"):
        if form.get(param):
            return form[param]
    return f"arn:aws:iam::{ACCOUNT}:user/"


HOP_BY_HOP = {
    "connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "te",
    "trailer",
    "trailers",
    "transfer-encoding",
    "upgrade",
    "content-length",
}


class FaultPlan:
    def __init__(self, deny_action):
        self.deny_action = deny_action
        self._seen = {}
        self._lock = threading.Lock()

    def fault_for(self, action):
        """Which fault (or None) the nth request for this action gets."""
        with self._lock:
            n = self._seen.get(action, 0) + 1
            self._seen[action] = n
        if action == self.deny_action:
            return "denied"
        if action == "GetAccountAuthorizationDetails" and n <= 2:
            return "throttling"
        if action == "ListAccessKeys" and n == 1:
            return "unavailable"
        if action == "GetAccessKeyLastUsed" and n == 1:
            return "internal"
        if action == "GetAccountSummary" and n == 1:
            return "truncated"
        return None


def make_proxy_handler(moto_port, log, plan):
    class ProxyHandler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        def log_message(self, format, *args):  # noqa: A002 - stdlib signature
            pass

        def _read_body(self):
            if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
                chunks = []
                while True:
                    size = int(self.rfile.readline().split(b";", 1)[0].strip() or b"0", 16)
                    if size == 0:
                        while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                            pass
                        return b"".join(chunks)
                    chunks.append(self.rfile.read(size))
                    self.rfile.readline()
            length = int(self.headers.get("Content-Length") or 0)
            return self.rfile.read(length) if length > 0 else b""

        def _send(self, status, headers, body, request_id=None):
            # send_response_only: no Server/Date of our own beside moto's.
            self.send_response_only(status)
            for name, value in headers:
                self.send_header(name, value)
            if request_id:
                self.send_header("x-amzn-RequestId", request_id)
                self.send_header("Date", self.date_time_string())
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

        def _handle(self):
            body = self._read_body()
            parsed = urllib.parse.urlsplit(self.path)
            action = action_of(parsed.query, body, self.headers.get("Content-Type"), self.headers)
            service = service_of(self.headers)
            form = {}
            if "x-www-form-urlencoded" in (self.headers.get("Content-Type") or ""):
                form = {k: v[0] for k, v in urllib.parse.parse_qs(body.decode("utf-8", "replace")).items()}
            form.update({k: v[0] for k, v in urllib.parse.parse_qs(parsed.query).items()})
            fault = plan.fault_for(action) if action else None
            record = {"service": service, "action": action, "method": self.command, "path": parsed.path or "/"}

            xml = [("Content-Type", "text/xml")]
            if fault == "throttling":
                payload, rid = error_xml("Sender", "Throttling", "Rate exceeded")
                log.write(status=400, fault=fault, **record)
                return self._send(400, xml, payload, rid)
            if fault == "unavailable":
                payload, rid = error_xml("Receiver", "ServiceUnavailable", "Service is unable to handle request.")
                log.write(status=503, fault=fault, **record)
                return self._send(503, xml, payload, rid)
            if fault == "internal":
                payload, rid = error_xml(
                    "Receiver",
                    "InternalFailure",
                    "The request processing has failed because of an unknown error, exception or failure.",
                )
                log.write(status=500, fault=fault, **record)
                return self._send(500, xml, payload, rid)
            if fault == "denied":
                prefix = {"sts": "sts"}.get(service, "iam")
                message = (
                    f"User: arn:aws:iam::{ACCOUNT}:user/auditor is not authorized to perform: "
                    f"{prefix}:{action} on resource: {denied_resource(form)} "
                    f"because no identity-based policy allows the {prefix}:{action} action"
                )
                payload, rid = error_xml("Sender", "AccessDenied", message)
                log.write(status=403, fault=fault, **record)
                return self._send(403, xml, payload, rid)

            # Forward to moto.
            upstream = http.client.HTTPConnection(HOST, moto_port, timeout=60)
            try:
                headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
                headers["Content-Length"] = str(len(body))
                upstream.request(self.command, self.path, body=body, headers=headers)
                response = upstream.getresponse()
                payload = response.read()
                status = response.status
                out_headers = [(k, v) for k, v in response.getheaders() if k.lower() not in HOP_BY_HOP]
            finally:
                upstream.close()

            if fault == "truncated" and len(payload) > 1:
                log.write(status=status, fault=fault, **record)
                self.send_response_only(status)
                for name, value in out_headers:
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload[: len(payload) // 2])
                self.wfile.flush()
                self.close_connection = True
                with contextlib.suppress(OSError):
                    self.connection.shutdown(socket.SHUT_RDWR)
                return None

            log.write(status=status, fault=None, **record)
            return self._send(status, out_headers, payload)

        do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = do_PATCH = _handle

    return ProxyHandler


def start_proxy(moto_port, log, deny_action):
    server = http.server.ThreadingHTTPServer((HOST, 0), make_proxy_handler(moto_port, log, FaultPlan(deny_action)))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, name="fault-proxy", daemon=True)
    thread.start()
    return server, server.server_address[1]


# --------------------------------------------------------------------------
# The estate
# --------------------------------------------------------------------------


def self_signed(common_name, not_before, not_after):
    """A real self-signed RSA certificate and its key, both PEM (cryptography)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .sign(key, hashes.SHA256())
    )
    cert_pem = cert.public_bytes(serialization.Encoding.PEM).decode()
    key_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL, serialization.NoEncryption()
    ).decode()
    return cert_pem, key_pem


def ssh_public_key():
    """An RSA public key in OpenSSH format, made by ssh-keygen (IAM takes ssh-rsa)."""
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "id_rsa")
        try:
            subprocess.run(
                ["ssh-keygen", "-q", "-t", "rsa", "-b", "2048", "-N", "", "-C", "ci-deploy@nhiscope", "-f", path],
                check=True,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
            )
            with open(path + ".pub", encoding="ascii") as f:
                return f.read().strip()
        except (OSError, subprocess.CalledProcessError) as err:
            note(f"ssh-keygen unavailable ({err}); making the SSH key with cryptography instead")
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH)
        .decode()
        + " ci-deploy@nhiscope"
    )


SAML_METADATA = """<?xml version="1.0" encoding="UTF-8"?>
<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="https://idp.corp.example/saml">
  <md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
    <md:KeyDescriptor use="signing">
      <ds:KeyInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#">
        <ds:X509Data><ds:X509Certificate>{cert}</ds:X509Certificate></ds:X509Data>
      </ds:KeyInfo>
    </md:KeyDescriptor>
    <md:NameIDFormat>urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress</md:NameIDFormat>
    <md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="https://idp.corp.example/saml/sso"/>
  </md:IDPSSODescriptor>
</md:EntityDescriptor>
"""


def doc(*statements):
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def allow(actions, resource="*", condition=None):
    statement = {"Effect": "Allow", "Action": actions, "Resource": resource}
    if condition:
        statement["Condition"] = condition
    return statement


def trust(principal, action="sts:AssumeRole", condition=None):
    statement = {"Effect": "Allow", "Principal": principal, "Action": action}
    if condition:
        statement["Condition"] = condition
    return doc(statement)


def seed(endpoint):
    """Builds the estate through the AWS API; returns what backdating needs."""
    import boto3
    from botocore.config import Config

    iam = boto3.client(
        "iam",
        endpoint_url=endpoint,
        region_name=REGION,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        config=Config(retries={"max_attempts": 1}),
    )
    aws_policy = "arn:aws:iam::aws:policy/"
    keys = {}

    def user(name, path="/", tags=None):
        args = {"UserName": name, "Path": path}
        if tags:
            args["Tags"] = [{"Key": k, "Value": v} for k, v in tags.items()]
        iam.create_user(**args)

    def key(user_name, label, status="Active"):
        made = iam.create_access_key(UserName=user_name)["AccessKey"]
        if status != "Active":
            iam.update_access_key(UserName=user_name, AccessKeyId=made["AccessKeyId"], Status=status)
        keys[label] = made["AccessKeyId"]

    # Groups.
    iam.create_group(GroupName="auditors")
    iam.attach_group_policy(GroupName="auditors", PolicyArn=aws_policy + "SecurityAudit")
    iam.create_group(GroupName="deployers")
    iam.put_group_policy(
        GroupName="deployers",
        PolicyName="deploy",
        PolicyDocument=doc(allow("iam:PassRole"), allow(["lambda:CreateFunction", "lambda:InvokeFunction"])),
    )

    # Users.
    user("ci-deploy", path="/service/", tags={"owner": "platform", "type": "service"})
    key("ci-deploy", "ci-deploy/old-unused")
    key("ci-deploy", "ci-deploy/used")
    iam.add_user_to_group(GroupName="deployers", UserName="ci-deploy")
    iam.upload_ssh_public_key(UserName="ci-deploy", SSHPublicKeyBody=ssh_public_key())
    iam.create_service_specific_credential(UserName="ci-deploy", ServiceName="codecommit.amazonaws.com")

    user("terraform-bot")
    key("terraform-bot", "terraform-bot/inactive-old", status="Inactive")
    key("terraform-bot", "terraform-bot/new")
    escalate = iam.create_policy(
        PolicyName="ci-escalate",
        PolicyDocument=doc(allow(["iam:CreatePolicyVersion", "iam:SetDefaultPolicyVersion"])),
        Description="lets CI rewrite any customer-managed policy",
    )["Policy"]["Arn"]
    iam.attach_user_policy(UserName="terraform-bot", PolicyArn=escalate)
    iam.put_user_policy(
        UserName="terraform-bot",
        PolicyName="self-keys",
        PolicyDocument=doc(allow("iam:CreateAccessKey", f"arn:aws:iam::{ACCOUNT}:user/${{aws:username}}")),
    )
    signing_pem, _ = self_signed("terraform-bot", days_ago(30), days_ago(-335))
    try:
        iam.upload_signing_certificate(UserName="terraform-bot", CertificateBody=signing_pem)
    except Exception as err:  # noqa: BLE001
        note(f"no signing certificate on terraform-bot: {type(err).__name__}: {err}")

    user("alice")
    iam.create_login_profile(UserName="alice", Password="Correct-Horse-Battery-9", PasswordResetRequired=False)
    serial = iam.create_virtual_mfa_device(VirtualMFADeviceName="alice")["VirtualMFADevice"]["SerialNumber"]
    iam.enable_mfa_device(
        UserName="alice", SerialNumber=serial, AuthenticationCode1="123456", AuthenticationCode2="654321"
    )

    user("legacy-batch")
    key("legacy-batch", "legacy-batch/stale")
    iam.attach_user_policy(UserName="legacy-batch", PolicyArn=aws_policy + "AdministratorAccess")

    user("auditor")
    key("auditor", "auditor/key")
    iam.add_user_to_group(GroupName="auditors", UserName="auditor")

    user("mfa-guarded")
    key("mfa-guarded", "mfa-guarded/key")
    iam.put_user_policy(
        UserName="mfa-guarded",
        PolicyName="attach-with-mfa",
        PolicyDocument=doc(allow("iam:AttachUserPolicy", condition={"Bool": {"aws:MultiFactorAuthPresent": "true"}})),
    )

    # Identity providers.
    iam.create_open_id_connect_provider(
        Url="https://" + GITHUB_OIDC,
        ClientIDList=["sts.amazonaws.com"],
        ThumbprintList=["6938fd4d98bab03faadb97b34396831e3780aea1"],
    )
    idp_pem, _ = self_signed("idp.corp.example", days_ago(10), days_ago(-355))
    idp_b64 = "".join(line for line in idp_pem.splitlines() if "CERTIFICATE" not in line)
    iam.create_saml_provider(Name="corp-idp", SAMLMetadataDocument=SAML_METADATA.format(cert=idp_b64))

    # Roles.
    aud = {f"{GITHUB_OIDC}:aud": "sts.amazonaws.com"}
    web_identity = "sts:AssumeRoleWithWebIdentity"
    iam.create_role(
        RoleName="gha-deploy",
        AssumeRolePolicyDocument=trust({"Federated": GITHUB_OIDC_ARN}, web_identity, {"StringEquals": aud}),
    )
    iam.create_role(
        RoleName="gha-wildcard",
        AssumeRolePolicyDocument=trust(
            {"Federated": GITHUB_OIDC_ARN},
            web_identity,
            {"StringEquals": aud, "StringLike": {f"{GITHUB_OIDC}:sub": "repo:*"}},
        ),
    )
    iam.create_role(
        RoleName="gha-scoped",
        AssumeRolePolicyDocument=trust(
            {"Federated": GITHUB_OIDC_ARN},
            web_identity,
            {"StringEquals": {**aud, f"{GITHUB_OIDC}:sub": "repo:acme/app:ref:refs/heads/main"}},
        ),
    )
    iam.create_role(RoleName="partner-access", AssumeRolePolicyDocument=trust({"AWS": PARTNER_ROOT}))
    iam.create_role(
        RoleName="partner-with-external-id",
        AssumeRolePolicyDocument=trust(
            {"AWS": PARTNER_ROOT}, condition={"StringEquals": {"sts:ExternalId": "acme-7f3a9c2e51"}}
        ),
    )
    iam.create_role(RoleName="open-role", AssumeRolePolicyDocument=trust({"AWS": "*"}))
    iam.create_role(RoleName="lambda-admin", AssumeRolePolicyDocument=trust({"Service": "lambda.amazonaws.com"}))
    iam.attach_role_policy(RoleName="lambda-admin", PolicyArn=aws_policy + "AdministratorAccess")
    iam.create_role(RoleName="lambda-harmless", AssumeRolePolicyDocument=trust({"Service": "lambda.amazonaws.com"}))
    try:
        iam.attach_role_policy(
            RoleName="lambda-harmless", PolicyArn=aws_policy + "service-role/AWSLambdaBasicExecutionRole"
        )
    except iam.exceptions.NoSuchEntityException:
        note("AWSLambdaBasicExecutionRole is not loaded; lambda-harmless gets an inline logs-only policy")
        iam.put_role_policy(
            RoleName="lambda-harmless",
            PolicyName="logs",
            PolicyDocument=doc(allow(["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"])),
        )
    iam.create_role(RoleName="app-instance", AssumeRolePolicyDocument=trust({"Service": "ec2.amazonaws.com"}))
    iam.create_instance_profile(InstanceProfileName="app-instance")
    iam.add_role_to_instance_profile(InstanceProfileName="app-instance", RoleName="app-instance")

    # An expired server certificate.
    cert_pem, key_pem = self_signed("legacy.example.com", days_ago(400), days_ago(35))
    iam.upload_server_certificate(ServerCertificateName="expired-cert", CertificateBody=cert_pem, PrivateKey=key_pem)

    iam.generate_credential_report()
    return keys


def backdate(keys):
    """Sets ages the API cannot set, on moto's backend objects."""
    from moto.iam.models import AccessKeyLastUsed, iam_backends

    backend = iam_backends[ACCOUNT][PARTITION]

    def access_key(label):
        return backend.access_keys[keys[label]]

    def used(label, days, service):
        access_key(label).last_used = AccessKeyLastUsed(timestamp=days_ago(days), service=service, region=REGION)

    # Users are older than their oldest key.
    for name, days in {
        "ci-deploy": 450,
        "terraform-bot": 320,
        "alice": 90,
        "legacy-batch": 600,
        "auditor": 60,
        "mfa-guarded": 20,
    }.items():
        backend.users[name].create_date = days_ago(days)

    access_key("ci-deploy/old-unused").create_date = days_ago(400)
    access_key("ci-deploy/used").create_date = days_ago(200)
    used("ci-deploy/used", 100, "s3")
    access_key("terraform-bot/inactive-old").create_date = days_ago(300)
    access_key("legacy-batch/stale").create_date = days_ago(500)
    used("legacy-batch/stale", 300, "ec2")
    access_key("auditor/key").create_date = days_ago(50)
    used("auditor/key", 1, "iam")
    access_key("mfa-guarded/key").create_date = days_ago(15)

    backend.users["alice"].password_last_used = days_ago(5)
    backend.users["alice"].estate_password_changed = days_ago(60)
    for cert in backend.users["terraform-bot"].signing_certificates.values():
        cert.upload_date = days_ago(30)
    for credential in getattr(backend.users["ci-deploy"], "estate_service_credentials", []):
        credential["CreateDate"] = days_ago(250)

    # Roles: when made, and when last assumed (RoleLastUsed).
    for role in backend.roles.values():
        role.create_date = days_ago(180)
    backend.roles[_role_id(backend, "gha-deploy")].last_used = days_ago(3)
    backend.roles[_role_id(backend, "gha-deploy")].last_used_region = REGION
    backend.roles[_role_id(backend, "partner-access")].last_used = days_ago(200)
    backend.roles[_role_id(backend, "partner-access")].last_used_region = REGION

    # moto makes user and instance-profile ids of 20 random lowercase
    # characters; AWS's are AIDA... / AIPA... like the role ids moto gets right.
    from moto.iam.utils import generate_access_key_id_from_account_id

    for user in backend.users.values():
        user.id = generate_access_key_id_from_account_id(ACCOUNT, prefix="AIDA", total_length=21)
    for profile in backend.instance_profiles.values():
        profile.id = generate_access_key_id_from_account_id(ACCOUNT, prefix="AIPA", total_length=21)

    for cert in backend.certificates.values():
        cert.estate_id = "ASCA" + hashlib.sha1(cert.arn.encode()).hexdigest().upper()[:17]
        cert.estate_upload_date = days_ago(400)


def _role_id(backend, name):
    for role_id, role in backend.roles.items():
        if role.name == name:
            return role_id
    raise KeyError(name)


# --------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--request-log", required=True, help="file the JSON-lines request log is appended to")
    parser.add_argument("--faults", action="store_true", help="serve through the fault-injecting proxy")
    parser.add_argument(
        "--deny-action", default="ListSSHPublicKeys", help="action the proxy always denies (with --faults)"
    )
    args = parser.parse_args()

    # stdout carries the READY line and nothing else: anything a library
    # prints goes to stderr.
    ready_out = os.fdopen(os.dup(sys.stdout.fileno()), "w", encoding="utf-8")
    sys.stdout = sys.stderr
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    logging.getLogger("werkzeug").setLevel(logging.ERROR)

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())

    log = RequestLog(args.request_log)
    patch_moto()
    moto_server, moto_port = start_moto(log)
    moto_url = f"http://{HOST}:{moto_port}"
    keys = seed(moto_url)
    backdate(keys)

    proxy = None
    endpoint = moto_url
    if args.faults:
        proxy, proxy_port = start_proxy(moto_port, log, args.deny_action)
        endpoint = f"http://{HOST}:{proxy_port}"
        # Only the proxy logs, so each request to `endpoint` is one line.
        moto_log = RequestLog(os.devnull)
        moto_server._server.app.log = moto_log
    log.enabled = True

    def watch_stdin():
        # os.read on the raw descriptor: a thread blocked inside sys.stdin's
        # buffered reader would abort the interpreter at exit.
        try:
            while os.read(0, 65536):
                pass
        except OSError:
            pass
        stop.set()

    threading.Thread(target=watch_stdin, name="stdin-watch", daemon=True).start()

    ready = {"endpoint": endpoint, "moto": moto_url, "account": ACCOUNT}
    ready_out.write("READY " + json.dumps(ready) + "\n")
    ready_out.flush()

    while not stop.wait(0.5):
        pass

    log.enabled = False
    if proxy is not None:
        proxy.shutdown()
    moto_server.stop()
    log.close()
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except SystemExit:
        raise
    except BaseException as err:  # noqa: BLE001 - report anything, exit nonzero
        traceback.print_exc(file=sys.stderr)
        print(f"aws_estate: error: {type(err).__name__}: {err}", file=sys.stderr)
        sys.stderr.flush()
        os._exit(1)
