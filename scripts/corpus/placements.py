"""What one service of the monorepo contains: its secrets, its decoys, its history.

`Service.initial()` writes the files of the first commit, `deploy()` those of the
second, and `history_*()` the commits that add and later remove credentials.
Each secret is planted with the nhiscope rule id expected to report it.
"""

from __future__ import annotations

import base64
import functools
import json
from random import Random

import keys
from corpus import Corpus, b64
from filler import Filler
from tokens import Tokens

GENERIC = "generic-secret-assignment"


class KeyPool:
    """RSA keys are the slow part (pure-Python primes); past `cap` keys they are reused."""

    def __init__(self, rng: Random, cap: int = 24):
        self.rng, self.cap, self.rsa_keys, self.n = rng, cap, [], 0

    def rsa(self) -> keys.RsaKey:
        self.n += 1
        if len(self.rsa_keys) < self.cap:
            self.rsa_keys.append(keys.RsaKey.generate(self.rng))
            return self.rsa_keys[-1]
        return self.rsa_keys[(self.n - 1) % self.cap]


def pem_value(pem: str) -> str:
    """What a PEM rule captures: BEGIN line through END line, without the final newline."""
    return pem.rstrip("\n")


class Service:
    def __init__(self, c: Corpus, rng: Random, pool: KeyPool, name: str, index: int):
        self.c, self.rng, self.pool, self.name, self.index = c, rng, pool, name, index
        self.t, self.f = Tokens(rng), Filler(rng)
        self.base = f"services/{name}"
        self.host = f"{name}.prod.internal"
        self.slack_webhook = "https://hooks.slack.com/services/" + self.t.slack_webhook_path()
        self.slack_bot = self.t.slack_bot()
        self.server_key = pool.rsa()

    def p(self, rel: str) -> str:
        return f"{self.base}/{rel}"

    def secret(self, path: str, kind: str, value: str, **kw) -> str:
        return self.c.plant(path, kind, value, **kw)

    @functools.cache
    def certificate(self, cn: str, ca: bool = False) -> str:
        return keys.self_signed_certificate(
            self.server_key, cn, "Acme Corp", self.rng.getrandbits(63), "240101000000Z", "270101000000Z",
            [] if ca else [cn], ca)

    # --- first commit: application code and configuration ---------------------------

    def initial(self) -> None:
        self.dotenv()
        self.python_settings()
        self.typescript_config()
        self.terraform()
        self.spring_config()
        self.base64_blobs_and_service_account()
        self.key_files()
        self.aws_credentials_file()
        self.azure_appsettings()
        self.github_token_files()
        if self.index % 2 == 0:
            self.notebook_and_http()
        else:
            self.makefile()
        self.example_env_decoys()
        self.frontend_decoys()

    def dotenv(self) -> None:
        t, path = self.t, self.p(".env")
        akid, sak = t.aws_access_key_id(), t.aws_secret_access_key()
        db_pw, redis_pw = t.password(), t.password(24)
        stripe, openai, session = t.stripe("sk", long=True), t.openai(), t.generic_secret()
        self.c.write(path, "\n".join([
            f"# {self.name}: production settings (do not commit!)",
            "APP_ENV=production",
            "PORT=8080",
            "AWS_REGION=eu-west-1",
            f"AWS_ACCESS_KEY_ID={akid}",
            f"AWS_SECRET_ACCESS_KEY={sak}",
            f"DATABASE_URL=postgres://svc_{self.name}:{db_pw}@{self.name}-db.prod.internal:5432/{self.name}",
            f"REDIS_URL=redis://default:{redis_pw}@{self.name}-cache.prod.internal:6379/0",
            f"STRIPE_SECRET_KEY={stripe}",
            f"SLACK_BOT_TOKEN={self.slack_bot}",
            f"OPENAI_API_KEY={openai}",
            f"SESSION_SECRET={session}",
            "LOG_LEVEL=info",
            "",
        ]))
        self.secret(path, "aws-access-key-id", akid)
        self.secret(path, "aws-secret-access-key", sak)
        self.secret(path, "database-url-password", db_pw)
        self.secret(path, "database-url-password", redis_pw)
        self.secret(path, "stripe-secret-key", stripe)
        self.secret(path, "slack-bot-token", self.slack_bot)
        self.secret(path, "openai-api-key", openai)
        self.secret(path, GENERIC, session)

    def python_settings(self) -> None:
        t, path = self.t, self.p("app/settings.py")
        anthropic, hf, db_pw, jwt_secret = t.anthropic(), t.huggingface(), t.password(), t.generic_secret(40)
        self.c.write(path, "\n".join([
            f'"""Django settings for {self.name}."""',
            "import os",
            "",
            "DEBUG = False",
            f'ALLOWED_HOSTS = ["{self.host}"]',
            f'ANTHROPIC_API_KEY = "{anthropic}"',
            f'HF_TOKEN = "{hf}"',
            f'SLACK_WEBHOOK_URL = "{self.slack_webhook}"',
            "",
            "DATABASES = {",
            '    "default": {',
            '        "ENGINE": "django.db.backends.postgresql",',
            f'        "NAME": "{self.name}",',
            f'        "USER": "svc_{self.name}",',
            f'        "PASSWORD": "{db_pw}",',
            f'        "HOST": "{self.name}-db.prod.internal",',
            "    }",
            "}",
            "",
            f'JWT_SIGNING_SECRET = "{jwt_secret}"',
            'SENTRY_ENVIRONMENT = os.environ.get("SENTRY_ENVIRONMENT", "production")',
            "",
        ]))
        self.secret(path, "anthropic-api-key", anthropic)
        self.secret(path, "huggingface-access-token", hf)
        self.secret(path, "slack-webhook-url", self.slack_webhook.split("/services/")[1],
                    needle=self.slack_webhook, note="same webhook is also in the deploy workflow")
        self.secret(path, GENERIC, db_pw)
        self.secret(path, GENERIC, jwt_secret)

    def typescript_config(self) -> None:
        t, path = self.t, self.p("web/src/config.ts")
        gkey, rk, ghp = t.gcp_api_key(), t.stripe("rk", long=False), t.github("ghp")
        token = t.jwt(f"https://auth.{self.host}", f"svc-{self.name}-web")
        self.c.write(path, "\n".join([
            "// Runtime configuration for the web client.",
            "export const config = {",
            f"  apiBase: 'https://api.{self.host}',",
            f"  googleMapsKey: '{gkey}',",
            f"  stripeRestrictedKey: '{rk}',",
            f"  github: {{ owner: 'acme', repo: '{self.name}', token: '{ghp}' }},",
            f"  serviceJwt: '{token}',",
            "  featureFlags: { newCheckout: true },",
            "};",
            "",
        ]))
        self.secret(path, "gcp-api-key", gkey)
        self.secret(path, "stripe-secret-key", rk)
        self.secret(path, "github-pat", ghp)
        self.secret(path, "jwt", token)

    def terraform(self) -> None:
        t, main = self.t, f"infra/{self.name}/main.tf"
        akid, sak, client_secret = t.aws_access_key_id(), t.aws_secret_access_key(), t.azure_client_secret()
        storage_key, client_id, tenant_id = t.azure_storage_key(), t.uuid4(), t.uuid4()
        account = f"{self.name.replace('-', '')}prodsa"
        self.c.write(main, "\n".join([
            'terraform {',
            '  required_providers {',
            '    aws     = { source = "hashicorp/aws", version = "~> 5.40" }',
            '    azurerm = { source = "hashicorp/azurerm", version = "~> 3.100" }',
            '  }',
            '}',
            '',
            'provider "aws" {',
            '  region     = "eu-west-1"',
            f'  access_key = "{akid}"',
            f'  secret_key = "{sak}"',
            '}',
            '',
            'provider "azurerm" {',
            '  features {}',
            f'  client_id     = "{client_id}"',
            f'  client_secret = "{client_secret}"',
            f'  tenant_id     = "{tenant_id}"',
            '}',
            '',
            f'resource "aws_db_instance" "{self.name}" {{',
            '  engine         = "postgres"',
            '  instance_class = "db.t4g.medium"',
            '  username       = "app"',
            '  password       = "${var.db_password}"',
            '}',
            '',
            f'resource "azurerm_linux_function_app" "{self.name}" {{',
            f'  name = "{self.name}-fn"',
            '  app_settings = {',
            f'    "AzureWebJobsStorage" = "DefaultEndpointsProtocol=https;AccountName={account};AccountKey={storage_key};EndpointSuffix=core.windows.net"',
            '  }',
            '}',
            '',
        ]))
        self.secret(main, "aws-access-key-id", akid)
        self.secret(main, "aws-secret-access-key", sak, accept=(GENERIC,),
                    note="secret_key inside a provider \"aws\" block: the line itself does not say aws")
        self.secret(main, "azure-ad-client-secret", client_secret)
        self.secret(main, "azure-storage-account-key", storage_key)
        self.c.decoy(main, "uuid", client_id)
        self.c.decoy(main, "uuid", tenant_id)
        self.c.decoy(main, "template-reference", '"${var.db_password}"')

        tfvars = f"infra/{self.name}/terraform.tfvars"
        fg, db_pw, glpat = t.github_fine_grained(), t.password(), t.gitlab_pat()
        self.c.write(tfvars, "\n".join([
            f'environment  = "production"',
            f'service_name = "{self.name}"',
            f'github_token = "{fg}"',
            f'db_password  = "{db_pw}"',
            f'gitlab_token = "{glpat}"',
            'instance_count = 3',
            '',
        ]))
        self.secret(tfvars, "github-fine-grained-pat", fg)
        self.secret(tfvars, GENERIC, db_pw)
        self.secret(tfvars, "gitlab-pat", glpat)

    def spring_config(self) -> None:
        t, path = self.t, self.p("config/application.yml")
        pw, vault, mongo_pw = t.password(), t.vault_service_token(), t.password(20)
        self.c.write(path, "\n".join([
            "spring:",
            "  datasource:",
            f"    url: jdbc:postgresql://{self.name}-db.prod.internal:5432/{self.name}",
            f"    username: svc_{self.name}",
            f"    password: {pw}",
            "vault:",
            "  address: https://vault.prod.internal:8200",
            f"  token: {vault}",
            "mongodb:",
            f"  uri: mongodb+srv://{self.name}-app:{mongo_pw}@cluster0.{self.t.s('abcdefghijklmnopqrstuvwxyz', 5)}.mongodb.net/{self.name}",
            "management:",
            "  endpoints.web.exposure.include: health,info",
            "",
        ]))
        self.secret(path, GENERIC, pw)
        self.secret(path, "vault-service-token", vault)
        self.secret(path, "database-url-password", mongo_pw)

    def base64_blobs_and_service_account(self) -> None:
        t = self.t
        # A GCP service-account key file, and the same key base64-encoded for a CI variable.
        sa_key = self.pool.rsa()
        key_id = t.gcp_private_key_id()
        project = f"acme-{self.name}-prod"
        sa_pem = sa_key.pkcs8_pem()
        sa = {
            "type": "service_account",
            "project_id": project,
            "private_key_id": key_id,
            "private_key": sa_pem,
            "client_email": f"{self.name}-deployer@{project}.iam.gserviceaccount.com",
            "client_id": t.digits(21),
            "auth_uri": "https://accounts.google.com/o/oauth2/auth",
            "token_uri": "https://oauth2.googleapis.com/token",
            "auth_provider_x509_cert_url": "https://www.googleapis.com/oauth2/v1/certs",
            "client_x509_cert_url": f"https://www.googleapis.com/robot/v1/metadata/x509/{self.name}-deployer%40{project}.iam.gserviceaccount.com",
            "universe_domain": "googleapis.com",
        }
        sa_json = json.dumps(sa, indent=2) + "\n"
        escaped_pem = pem_value(sa_pem).replace("\n", "\\n")
        sa_path = self.p(f"deploy/gcp/{self.name}-deployer.json")
        self.c.write(sa_path, sa_json)
        self.secret(sa_path, "gcp-service-account-key", key_id, context=sa_json,
                    note="the key file as a whole is the credential; span covers it")
        self.secret(sa_path, "private-key-pkcs8", escaped_pem, note="PEM with JSON-escaped newlines")

        blob = b64(json.dumps(sa))
        b64_path = self.p("deploy/gcp-credentials.b64")
        self.c.write(b64_path, blob + "\n")
        site = self.secret(b64_path, "gcp-service-account-key", key_id, needle=blob, encoding="base64",
                           note="the service-account JSON above, base64-encoded")
        self.secret(b64_path, "private-key-pkcs8", escaped_pem, needle=blob, encoding="base64", site=site)

        # ~/.aws/credentials shipped as a base64 blob in a bootstrap script.
        akid, sak = t.aws_access_key_id(), t.aws_secret_access_key()
        creds = f"[default]\naws_access_key_id = {akid}\naws_secret_access_key = {sak}\nregion = eu-west-1\n"
        blob = b64(creds)
        path = self.p("scripts/bootstrap.sh")
        self.c.write(path, "\n".join([
            "#!/bin/sh",
            "# Bootstrap a build agent.",
            "set -eu",
            'mkdir -p "$HOME/.aws"',
            f'echo "{blob}" | base64 -d > "$HOME/.aws/credentials"',
            'chmod 600 "$HOME/.aws/credentials"',
            "",
        ]), executable=True)
        site = self.secret(path, "aws-access-key-id", akid, needle=blob, encoding="base64")
        self.secret(path, "aws-secret-access-key", sak, needle=blob, encoding="base64", site=site)

        # A GitHub App installation token hidden in a base64 literal.
        ghs = t.github("ghs")
        blob = b64(ghs)
        path = self.p("app/_embedded.py")
        self.c.write(path, "\n".join([
            "import base64",
            "",
            "# TODO: move to the secret manager before launch",
            f'_INSTALLATION_TOKEN = base64.b64decode("{blob}").decode()',
            "",
            "",
            "def installation_token() -> str:",
            "    return _INSTALLATION_TOKEN",
            "",
        ]))
        self.secret(path, "github-app-token", ghs, needle=blob, encoding="base64")

    def key_files(self) -> None:
        rsa_pem = self.server_key.pkcs1_pem()
        path = self.p("certs/server.key")
        self.c.write(path, rsa_pem)
        self.secret(path, "private-key-rsa", pem_value(rsa_pem))
        crt = self.p("certs/server.crt")
        cert = self.certificate(f"api.{self.host}")
        self.c.write(crt, cert)
        self.c.decoy(crt, "x509-certificate", "-----BEGIN CERTIFICATE-----")

        ec = keys.EcKey.generate(self.rng)
        path = self.p("certs/signing-ec.pem")
        self.c.write(path, ec.sec1_pem())
        self.secret(path, "private-key-ec", pem_value(ec.sec1_pem()))

        # JWT signing key (PKCS#8 EC) and its public half.
        jwt_key = keys.EcKey.generate(self.rng)
        path = self.p("config/jwt-private.pem")
        pk8 = jwt_key.pkcs8_pem()
        self.c.write(path, pk8)
        self.secret(path, "private-key-pkcs8", pem_value(pk8))
        pub = self.p("config/jwt-public.pem")
        pub_pem = jwt_key.public_pem()
        self.c.write(pub, pub_pem)
        self.c.decoy(pub, "pem-public-key", pub_pem.split("\n")[1])

        ed = keys.Ed25519Key.generate(self.rng)
        comment = f"deploy@{self.name}"
        openssh = ed.openssh_pem(comment, self.rng.getrandbits(32))
        public_line = keys.ssh_public_line(openssh)  # proves ssh-keygen accepts the key
        path = self.p("deploy/ssh/id_ed25519")
        self.c.write(path, openssh)
        self.secret(path, "private-key-openssh", pem_value(openssh))
        pub = self.p("deploy/ssh/id_ed25519.pub")
        self.c.write(pub, public_line + "\n")
        self.c.decoy(pub, "ssh-public-key", public_line)
        other = keys.Ed25519Key.generate(self.rng).ssh_public(f"ops@{self.name}")
        rsa_pub = keys.ssh_public_line(self.server_key.pkcs1_pem())
        ak = self.p("deploy/ssh/authorized_keys")
        self.c.write(ak, f"{other}\n{rsa_pub} ci@{self.name}\n")
        self.c.decoy(ak, "ssh-public-key", other)
        self.c.decoy(ak, "ssh-public-key", rsa_pub)

    def aws_credentials_file(self) -> None:
        t, path = self.t, self.p("ops/aws-credentials")
        akid, sak, st = t.aws_access_key_id("ASIA"), t.aws_secret_access_key(), t.aws_session_token()
        self.c.write(path, "\n".join([
            f"[{self.name}-prod]",
            f"aws_access_key_id = {akid}",
            f"aws_secret_access_key = {sak}",
            f"aws_session_token = {st}",
            "region = eu-west-1",
            "",
        ]))
        self.secret(path, "aws-access-key-id", akid)
        self.secret(path, "aws-secret-access-key", sak)
        self.secret(path, "aws-session-token", st)

    def azure_appsettings(self) -> None:
        t, path = self.t, self.p("src/Api/appsettings.Production.json")
        secret, storage, sql_pw = t.azure_client_secret(), t.azure_storage_key(), t.password()
        tenant, client = t.uuid4(), t.uuid4()
        account = f"{self.name.replace('-', '')}data"
        doc = {
            "Logging": {"LogLevel": {"Default": "Information"}},
            "AzureAd": {"Instance": "https://login.microsoftonline.com/", "TenantId": tenant,
                        "ClientId": client, "ClientSecret": secret},
            "ConnectionStrings": {
                "Storage": f"DefaultEndpointsProtocol=https;AccountName={account};AccountKey={storage};EndpointSuffix=core.windows.net",
                "Sql": f"Server=tcp:{self.name}-sql.database.windows.net,1433;Database={self.name};User ID=app;Password={sql_pw};Encrypt=True;",
            },
        }
        self.c.write(path, json.dumps(doc, indent=2) + "\n")
        self.secret(path, "azure-ad-client-secret", secret)
        self.secret(path, "azure-storage-account-key", storage)
        self.secret(path, "sql-connection-string-password", sql_pw, accept=(GENERIC,))
        self.c.decoy(path, "uuid", tenant)
        self.c.decoy(path, "uuid", client)

    def github_token_files(self) -> None:
        t = self.t
        gho = t.github("gho")
        path = self.p("ops/gh-hosts.yml")
        self.c.write(path, f"github.com:\n    user: acme-{self.name}-bot\n    oauth_token: {gho}\n    git_protocol: https\n")
        self.secret(path, "github-oauth-token", gho)

        ghs, ghu, ghr = t.github("ghs"), t.github("ghu"), t.github("ghr")
        path = self.p("app/github_app_cache.json")
        self.c.write(path, json.dumps({
            "installation": {"token": ghs, "expires_at": "2025-06-01T12:00:00Z"},
            "user": {"access_token": ghu, "expires_in": 28800, "refresh_token": ghr,
                     "refresh_token_expires_in": 15897600, "token_type": "bearer"},
        }, indent=2) + "\n")
        self.secret(path, "github-app-token", ghs)
        self.secret(path, "github-app-token", ghu)
        self.secret(path, "github-refresh-token", ghr)

    def notebook_and_http(self) -> None:
        t = self.t
        hf, openai = t.huggingface(), t.openai()
        path = self.p("notebooks/finetune.ipynb")
        nb = {
            "cells": [
                {"cell_type": "markdown", "metadata": {}, "source": ["# Fine-tune the ranking model\n"]},
                {"cell_type": "code", "execution_count": 1, "metadata": {}, "outputs": [], "source": [
                    "from huggingface_hub import login\n", f'login(token="{hf}")\n', "import openai\n",
                    f'openai.api_key = "{openai}"\n']},
            ],
            "metadata": {"kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"}},
            "nbformat": 4, "nbformat_minor": 5,
        }
        self.c.write(path, json.dumps(nb, indent=1) + "\n")
        self.secret(path, "huggingface-access-token", hf)
        self.secret(path, "openai-api-key", openai)

        token = t.jwt(f"https://auth.{self.host}", "ops-admin", signer=self.server_key)
        path = self.p("api/requests.http")
        self.c.write(path, "\n".join([
            "### List orders",
            f"GET https://api.{self.host}/v1/orders?limit=50",
            f"Authorization: Bearer {token}",
            "Accept: application/json",
            "",
        ]))
        self.secret(path, "jwt", token)

    def makefile(self) -> None:
        t, path = self.t, self.p("Makefile")
        vault, ghp = t.vault_service_token(), t.github("ghp")
        self.c.write(path, "\n".join([
            ".PHONY: deploy release",
            "VAULT_ADDR ?= https://vault.prod.internal:8200",
            f"VAULT_TOKEN ?= {vault}",
            "",
            "deploy:",
            "\tvault kv get -format=json secret/$(SERVICE) > .secrets.json",
            "",
            "release:",
            f'\tcurl -sf -H "Authorization: token {ghp}" https://api.github.com/repos/acme/{self.name}/releases',
            "",
        ]))
        self.secret(path, "vault-service-token", vault)
        self.secret(path, "github-pat", ghp)

    def example_env_decoys(self) -> None:
        path = self.p(".env.example")
        lines = [
            ("placeholder-xxxx", "STRIPE_SECRET_KEY=sk_live_xxxxxxxxxxxxxxxxxxxxxxxx"),
            ("placeholder-xxxx", "GITHUB_TOKEN=ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"),
            ("placeholder-angle-brackets", "OPENAI_API_KEY=<your-api-key>"),
            ("placeholder-changeme", "DB_PASSWORD=changeme"),
            ("placeholder-changeme", "DATABASE_URL=postgres://app:changeme@localhost:5432/app"),
            ("template-reference", "SLACK_BOT_TOKEN=${SLACK_BOT_TOKEN}"),
            ("shell-variable", "AWS_SECRET_ACCESS_KEY=$AWS_SECRET_ACCESS_KEY"),
        ]
        self.c.write(path, "# Copy to .env and fill in.\n" + "\n".join(line for _, line in lines) + "\nLOG_LEVEL=debug\n")
        for kind, line in lines:
            self.c.decoy(path, kind, line)

    def frontend_decoys(self) -> None:
        t, hexs = self.t, self.t.hex_id
        # package-lock.json integrity hashes
        path = self.p("web/package-lock.json")
        packages = {"": {"name": f"{self.name}-web", "version": "1.4.2"}}
        integrities = []
        for name in ["react", "react-dom", "scheduler", "loose-envify", "js-tokens", "zod", "axios",
                     "follow-redirects", "form-data", "asynckit", "combined-stream", "delayed-stream"]:
            integrity = t.sha512_integrity()
            integrities.append(integrity)
            packages[f"node_modules/{name}"] = {
                "version": f"{self.rng.randint(1, 18)}.{self.rng.randint(0, 9)}.{self.rng.randint(0, 20)}",
                "resolved": f"https://registry.npmjs.org/{name}/-/{name}-1.0.0.tgz",
                "integrity": integrity,
            }
        self.c.write(path, json.dumps({"name": f"{self.name}-web", "version": "1.4.2", "lockfileVersion": 3,
                                       "requires": True, "packages": packages}, indent=2) + "\n")
        for integrity in integrities:
            self.c.decoy(path, "npm-lockfile-integrity", integrity)

        path = self.p("go.sum")
        lines = []
        for mod in ["github.com/aws/aws-sdk-go-v2", "github.com/google/uuid", "golang.org/x/oauth2",
                    "github.com/stretchr/testify", "gopkg.in/yaml.v3"]:
            v = f"v1.{self.rng.randint(0, 30)}.{self.rng.randint(0, 9)}"
            lines += [f"{mod} {v} {t.go_sum_hash()}", f"{mod} {v}/go.mod {t.go_sum_hash()}"]
        self.c.write(path, "\n".join(lines) + "\n")
        for line in lines:
            self.c.decoy(path, "go-sum", line)

        # Built assets: fingerprinted file names, subresource integrity, CSS-in-JS class hashes.
        js, css = f"main.{hexs(8)}.js", f"main.{hexs(8)}.css"
        path = self.p("web/dist/asset-manifest.json")
        self.c.write(path, json.dumps({"files": {"main.js": f"/static/js/{js}", "main.css": f"/static/css/{css}"},
                                       "entrypoints": [f"static/js/{js}"]}, indent=2) + "\n")
        self.c.decoy(path, "asset-fingerprint", f'"main.js": "/static/js/{js}"')
        sri = "sha384-" + base64.b64encode(self.rng.randbytes(48)).decode()
        path = self.p("web/dist/index.html")
        self.c.write(path, "\n".join([
            "<!doctype html>",
            '<html lang="en"><head><meta charset="utf-8">',
            f'<link rel="stylesheet" href="/static/css/{css}">',
            f'<script defer src="/static/js/{js}" integrity="{sri}" crossorigin="anonymous"></script>',
            f"<title>{self.name}</title></head><body><div id=\"root\"></div></body></html>",
            "",
        ]))
        self.c.decoy(path, "subresource-integrity", sri)
        path = self.p(f"web/dist/static/css/{css}")
        classes = [f"css-{t.s('abcdefghijklmnopqrstuvwxyz0123456789', 7)}" for _ in range(6)]
        self.c.write(path, "".join(f".{c}{{display:flex;margin:{i}px}}\n" for i, c in enumerate(classes))
                     + f"/*# sourceMappingURL={css}.map */\n")
        for cls in classes:
            self.c.decoy(path, "css-class-hash", cls)

    # --- second commit: deployment and CI ----------------------------------------

    def deploy(self) -> None:
        self.workflow()
        self.mcp_configs()
        self.kubeconfig()
        self.k8s_manifests()
        self.docker_config()

    def workflow(self) -> None:
        t, path = self.t, f".github/workflows/{self.name}-deploy.yml"
        akid, sak, npm, pat, pypi = (t.aws_access_key_id(), t.aws_secret_access_key(), t.npm(),
                                     t.dockerhub_pat(), t.pypi())
        checkout, login = t.git_sha(), t.git_sha()
        self.c.write(path, "\n".join([
            f"name: {self.name} deploy",
            "on:",
            "  push:",
            "    branches: [main]",
            f"    paths: ['services/{self.name}/**']",
            "jobs:",
            "  deploy:",
            "    runs-on: ubuntu-latest",
            "    env:",
            f"      AWS_ACCESS_KEY_ID: {akid}",
            f"      AWS_SECRET_ACCESS_KEY: {sak}",
            f"      NPM_TOKEN: {npm}",
            f"      SLACK_WEBHOOK_URL: {self.slack_webhook}",
            "      REGISTRY_TOKEN: ${{ secrets.REGISTRY_TOKEN }}",
            "    steps:",
            f"      - uses: actions/checkout@{checkout} # v4.2.2",
            f"      - uses: docker/login-action@{login} # v3.3.0",
            "        with:",
            "          username: acmebot",
            f"          password: {pat}",
            "      - name: Publish the client",
            f"        run: twine upload --non-interactive -u __token__ -p {pypi} dist/*",
            "      - run: npm publish",
            "        env:",
            "          NODE_AUTH_TOKEN: ${{ secrets.NPM_PUBLISH_TOKEN }}",
            "",
        ]))
        self.secret(path, "aws-access-key-id", akid)
        self.secret(path, "aws-secret-access-key", sak)
        self.secret(path, "npm-access-token", npm)
        self.secret(path, "slack-webhook-url", self.slack_webhook.split("/services/")[1], needle=self.slack_webhook,
                    note="same webhook as in app/settings.py")
        self.secret(path, "dockerhub-pat", pat)
        self.secret(path, "pypi-upload-token", pypi)
        self.c.decoy(path, "github-actions-secret-reference", "${{ secrets.REGISTRY_TOKEN }}")
        self.c.decoy(path, "github-actions-secret-reference", "${{ secrets.NPM_PUBLISH_TOKEN }}")
        self.c.decoy(path, "git-sha", checkout)
        self.c.decoy(path, "git-sha", login)

    def mcp_configs(self) -> None:
        t = self.t
        fg, db_pw = t.github_fine_grained(), t.password()
        slack = t.slack_bot()
        path = self.p(".cursor/mcp.json")
        self.c.write(path, json.dumps({"mcpServers": {
            "github": {"command": "npx", "args": ["-y", "@modelcontextprotocol/server-github"],
                       "env": {"GITHUB_PERSONAL_ACCESS_TOKEN": fg}},
            "slack": {"command": "npx", "args": ["-y", "@modelcontextprotocol/server-slack"],
                      "env": {"SLACK_BOT_TOKEN": slack, "SLACK_TEAM_ID": "T" + t.s("ABCDEFGHJKLMNPQRSTUVWXYZ0123456789", 8)}},
            "postgres": {"command": "npx", "args": ["-y", "@modelcontextprotocol/server-postgres",
                                                    f"postgresql://readonly:{db_pw}@{self.name}-db.prod.internal:5432/{self.name}"]},
        }}, indent=2) + "\n")
        self.secret(path, "github-fine-grained-pat", fg)
        self.secret(path, "slack-bot-token", slack)
        self.secret(path, "database-url-password", db_pw)

        if self.index % 2 == 0:
            hf, sk = t.huggingface(), t.stripe("sk", long=False)
            path = self.p("tools/claude_desktop_config.json")
            self.c.write(path, json.dumps({"mcpServers": {
                "huggingface": {"command": "uvx", "args": ["huggingface-mcp-server"], "env": {"HF_TOKEN": hf}},
                "stripe": {"command": "npx", "args": ["-y", "@stripe/mcp", "--tools=all", f"--api-key={sk}"]},
                "filesystem": {"command": "npx", "args": ["-y", "@modelcontextprotocol/server-filesystem", "/srv/data"]},
            }}, indent=2) + "\n")
            self.secret(path, "huggingface-access-token", hf)
            self.secret(path, "stripe-secret-key", sk)
        else:
            openai, ghp = t.openai(), t.github("ghp")
            path = self.p(".mcp.json")
            self.c.write(path, json.dumps({"mcpServers": {
                "openai-tools": {"type": "stdio", "command": "uvx", "args": ["openai-mcp"],
                                 "env": {"OPENAI_API_KEY": openai}},
                "github": {"type": "http", "url": "https://api.githubcopilot.com/mcp/",
                           "headers": {"Authorization": f"Bearer {ghp}"}},
            }}, indent=2) + "\n")
            self.secret(path, "openai-api-key", openai)
            self.secret(path, "github-pat", ghp)

    def kubeconfig(self) -> None:
        t, path = self.t, self.p("deploy/kubeconfig.yaml")
        token = t.kube_token()
        ca = b64(self.certificate(f"{self.name} cluster CA", ca=True))
        client_cert = b64(self.certificate(f"{self.name}-admin"))
        ec = keys.EcKey.generate(self.rng)
        key_data = b64(ec.sec1_pem())
        self.c.write(path, "\n".join([
            "apiVersion: v1",
            "kind: Config",
            "clusters:",
            f"- name: {self.name}-prod",
            "  cluster:",
            f"    server: https://{self.name}-prod.k8s.internal:6443",
            f"    certificate-authority-data: {ca}",
            "contexts:",
            f"- name: {self.name}-prod",
            "  context:",
            f"    cluster: {self.name}-prod",
            "    user: ci-deployer",
            f"current-context: {self.name}-prod",
            "users:",
            "- name: ci-deployer",
            "  user:",
            f"    token: {token}",
            "- name: admin",
            "  user:",
            f"    client-certificate-data: {client_cert}",
            f"    client-key-data: {key_data}",
            "",
        ]))
        self.secret(path, "kubeconfig-user-token", token)
        site = self.secret(path, "kubeconfig-client-key-data", key_data)
        self.secret(path, "private-key-ec", pem_value(ec.sec1_pem()), needle=key_data, encoding="base64", site=site)
        self.c.decoy(path, "x509-certificate-base64", ca)
        self.c.decoy(path, "x509-certificate-base64", client_cert)

    def k8s_manifests(self) -> None:
        t, path = self.t, self.p("deploy/k8s/secrets.yaml")
        ghp, slack, akid, anthropic = t.github("ghp"), t.slack_bot(), t.aws_access_key_id(), t.anthropic()
        db_pw = t.password()
        db_url = f"postgres://svc_{self.name}:{db_pw}@{self.name}-db.prod.internal:5432/{self.name}"
        tls_crt = b64(self.certificate(f"api.{self.host}"))
        rsa_pem = self.server_key.pkcs1_pem()
        tls_key = b64(rsa_pem)
        data = {"GITHUB_TOKEN": b64(ghp), "SLACK_BOT_TOKEN": b64(slack), "DATABASE_URL": b64(db_url),
                "AWS_ACCESS_KEY_ID": b64(akid)}
        self.c.write(path, "\n".join([
            "apiVersion: v1",
            "kind: Secret",
            "metadata:",
            f"  name: {self.name}-credentials",
            f"  namespace: {self.name}",
            "type: Opaque",
            "data:",
            *[f"  {k}: {v}" for k, v in data.items()],
            "stringData:",
            f"  ANTHROPIC_API_KEY: {anthropic}",
            "---",
            "apiVersion: v1",
            "kind: Secret",
            "metadata:",
            f"  name: {self.name}-tls",
            f"  namespace: {self.name}",
            "type: kubernetes.io/tls",
            "data:",
            f"  tls.crt: {tls_crt}",
            f"  tls.key: {tls_key}",
            "",
        ]))
        self.secret(path, "github-pat", ghp, needle=data["GITHUB_TOKEN"], encoding="base64")
        self.secret(path, "slack-bot-token", slack, needle=data["SLACK_BOT_TOKEN"], encoding="base64")
        self.secret(path, "database-url-password", db_pw, needle=data["DATABASE_URL"], encoding="base64")
        self.secret(path, "aws-access-key-id", akid, needle=data["AWS_ACCESS_KEY_ID"], encoding="base64")
        self.secret(path, "anthropic-api-key", anthropic)
        site = self.secret(path, "private-key-base64-pem", tls_key,
                           note="base64 of certs/server.key: the same RSA key in another path")
        self.secret(path, "private-key-rsa", pem_value(rsa_pem), needle=tls_key, encoding="base64", site=site)
        self.c.decoy(path, "x509-certificate-base64", tls_crt)

        digest = t.hex_id(64)
        path = self.p("deploy/k8s/deployment.yaml")
        self.c.write(path, "\n".join([
            "apiVersion: apps/v1",
            "kind: Deployment",
            "metadata:",
            f"  name: {self.name}",
            "spec:",
            "  replicas: 3",
            "  template:",
            "    spec:",
            "      containers:",
            f"        - name: {self.name}",
            f"          image: ghcr.io/acme/{self.name}@sha256:{digest}",
            "          envFrom:",
            "            - secretRef:",
            f"                name: {self.name}-credentials",
            "",
        ]))
        self.c.decoy(path, "container-image-digest", f"sha256:{digest}")

        path = self.p(f"charts/{self.name}/templates/secret.yaml")
        self.c.write(path, "\n".join([
            "apiVersion: v1",
            "kind: Secret",
            "metadata:",
            "  name: {{ include \"app.fullname\" . }}",
            "stringData:",
            "  api-token: {{ .Values.token }}",
            "  db-password: {{ .Values.db.password | quote }}",
            "",
        ]))
        self.c.decoy(path, "helm-template", "{{ .Values.token }}")
        self.c.decoy(path, "helm-template", "{{ .Values.db.password | quote }}")

    def docker_config(self) -> None:
        t, path = self.t, self.p("deploy/docker/config.json")
        ghp, pat, pw = t.github("ghp"), t.dockerhub_pat(), t.password()
        ghcr, hub, private = b64(f"acme-{self.name}-bot:{ghp}"), b64(f"acmebot:{pat}"), b64(f"deploy:{pw}")
        self.c.write(path, json.dumps({"auths": {
            "ghcr.io": {"auth": ghcr},
            "https://index.docker.io/v1/": {"auth": hub},
            f"registry.{self.name}.internal:5000": {"auth": private},
        }, "credsStore": ""}, indent="\t") + "\n")
        site = self.secret(path, "docker-config-auth", ghcr)
        self.secret(path, "github-pat", ghp, needle=ghcr, encoding="base64", site=site)
        site = self.secret(path, "docker-config-auth", hub)
        self.secret(path, "dockerhub-pat", pat, needle=hub, encoding="base64", site=site)
        self.secret(path, "docker-config-auth", private)

    # --- later commits: credentials added and removed again ----------------------------

    def history_add(self) -> None:
        """Third commit: debugging leftovers (removed in `history_remove`) and a flags file that stays."""
        t = self.t
        akid, sak, ghp = t.aws_access_key_id(), t.aws_secret_access_key(), t.github("ghp")
        path = self.p("scripts/debug_upload.sh")
        self.c.write(path, "\n".join([
            "#!/bin/sh",
            "# quick fix for the stuck upload job; remove after the incident",
            f"export AWS_ACCESS_KEY_ID={akid}",
            f"export AWS_SECRET_ACCESS_KEY={sak}",
            f"export GITHUB_TOKEN={ghp}",
            f"aws s3 sync ./out s3://acme-{self.name}-uploads/",
            "",
        ]), executable=True)
        self.secret(path, "aws-access-key-id", akid)
        self.secret(path, "aws-secret-access-key", sak)
        self.secret(path, "github-pat", ghp)

        sk, openai = t.stripe("sk", long=False), t.openai()
        path = self.p("config/local_override.py")
        self.c.write(path, "\n".join([
            "# Local overrides for debugging against production.",
            f'STRIPE_API_KEY = "{sk}"',
            f'OPENAI_API_KEY = "{openai}"',
            "",
        ]))
        self.secret(path, "stripe-secret-key", sk)
        self.secret(path, "openai-api-key", openai)

        # The on-call notes repeat the bot token from .env (same secret, second path) and paste a key.
        ed = keys.Ed25519Key.generate(self.rng)
        openssh = ed.openssh_pem(f"oncall@{self.name}", self.rng.getrandbits(32))
        keys.ssh_public_line(openssh)
        path = f"docs/oncall/{self.name}.md"
        self.c.write(path, "\n".join([
            f"# {self.name} on-call notes",
            "",
            f"Slack bot token for the alerts channel: `{self.slack_bot}`",
            "",
            "Bastion key (temporary):",
            "",
            "```",
            pem_value(openssh),
            "```",
            "",
        ]))
        self.secret(path, "slack-bot-token", self.slack_bot, note="the same token as in .env")
        self.secret(path, "private-key-openssh", pem_value(openssh))

        glpat = t.gitlab_pat()
        path = self.p("config/feature_flags.yaml")
        self.c.write(path, "\n".join([
            "flags:",
            "  new_checkout: false",
            "sync:",
            "  source: https://gitlab.internal/acme/flags.git",
            f"  token: {glpat}",
            "",
        ]))
        self.secret(path, "gitlab-pat", glpat, note="in every version of this file from its first commit on")

    def history_touch(self, step: int) -> None:
        """Fourth and later commits: the flags file grows below the token; on-call notes grow (until removed)."""
        self.c.append(self.p("config/feature_flags.yaml"), f"  # revision {step}\n  refresh: {30 * step}s\n")
        oncall = f"docs/oncall/{self.name}.md"
        if oncall in self.c.files:
            self.c.append(oncall, f"Escalation rota updated (revision {step}).\n")

    def history_add_late(self) -> None:
        """Fourth commit: a production env file that is deleted one commit later."""
        t = self.t
        anthropic, db_pw = t.anthropic(), t.password()
        path = self.p(".env.production")
        self.c.write(path, "\n".join([
            f"ANTHROPIC_API_KEY={anthropic}",
            f"DATABASE_URL=mysql://{self.name}:{db_pw}@{self.name}-mysql.prod.internal:3306/{self.name}",
            "",
        ]))
        self.secret(path, "anthropic-api-key", anthropic)
        self.secret(path, "database-url-password", db_pw)

    def history_remove(self) -> None:
        """Fifth commit: 'Remove credentials committed by mistake'."""
        for rel in ["scripts/debug_upload.sh", "config/local_override.py", ".env.production"]:
            self.c.remove(self.p(rel))
        self.c.remove(f"docs/oncall/{self.name}.md")
