"""Settings of the running stage, read from its environment.

Nothing else in the code reads ``os.environ``: handlers, adapters and the local stack all
ask for :func:`get_settings`. On AWS the names of the resources come from the
CloudFormation stack (``infra/resources.yaml`` passes them to every function as
environment variables); locally they default to ``<RESOURCE_PREFIX>-<suffix>``, the same
names the local provisioner creates from the same template.
"""

from __future__ import annotations

import os
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache

#: Logical resource → (environment variable, name suffix). The suffix is what
#: ``infra/resources.yaml`` appends to the stack name; tests check both agree.
RESOURCE_NAMES: dict[str, tuple[str, str]] = {
    "uploads_bucket": ("UPLOADS_BUCKET", "uploads"),
    "portal_bucket": ("PORTAL_BUCKET", "portal"),
    "submissions_table": ("SUBMISSIONS_TABLE", "submissions"),
    "records_table": ("RECORDS_TABLE", "records"),
    "ingest_queue": ("INGEST_QUEUE", "ingest"),
    "validation_queue": ("VALIDATION_QUEUE", "validation"),
    "submission_queue": ("SUBMISSION_QUEUE", "submission"),
    "harvest_queue": ("HARVEST_QUEUE", "harvest"),
    "notifications_topic": ("NOTIFICATIONS_TOPIC", "notifications"),
    "operators_topic": ("OPERATORS_TOPIC", "operators"),
    "notify_queue": ("NOTIFY_QUEUE", "notify"),
    "users_table": ("USERS_TABLE", "users"),
    "teams_table": ("TEAMS_TABLE", "teams"),
    "inbox_table": ("INBOX_TABLE", "inbox"),
    "audit_table": ("AUDIT_TABLE", "audit"),
    "dictionaries_table": ("DICTIONARIES_TABLE", "dictionaries"),
}

#: The queues the handlers consume, keyed by pipeline step.
QUEUES = ("ingest", "validation", "submission", "harvest", "notify")


@dataclass(frozen=True)
class Settings:
    """Everything a handler or adapter needs to know about where it runs."""

    stage: str
    prefix: str
    region: str
    #: ``None`` on AWS; the moto server's URL in the local stack and the tests.
    endpoint_url: str | None
    names: Mapping[str, str] = field(default_factory=dict)
    log_level: str = "INFO"
    #: Locally, handler logs go to this file instead of the terminal (None: stdout).
    log_file: str | None = None
    metrics_namespace: str = "IMAGEPool"
    #: Largest upload a presigned URL accepts, in bytes.
    max_upload_bytes: int = 500 * 1024 * 1024
    #: The pool's search backend: "opensearch" on AWS, "sqlite" (embedded) locally.
    search_backend: str = "sqlite"
    #: The embedded backend's database file.
    search_path: str = ".local/pool.sqlite3"
    #: The OpenSearch endpoint (https://... on AWS, http://127.0.0.1:N in tests).
    search_endpoint: str | None = None
    #: The alias the API reads; harvests build new indexes behind it.
    search_alias: str = "imagepool"
    #: BioSamples API root and Webin token endpoint of this stage.
    biosamples_url: str = "https://wwwdev.ebi.ac.uk/biosamples"
    webin_auth_url: str = "https://wwwdev.ebi.ac.uk/ena/submit/webin/auth/token"
    #: ENA portal API (data files of IMAGE samples).
    ena_portal_url: str = "https://www.ebi.ac.uk/ena/portal/api"
    #: The Cognito user pool and the portal's app client.
    user_pool_id: str = ""
    user_pool_client_id: str = ""
    #: Where mail to users comes from (an SES identity of the stack).
    mail_from: str = "no-reply@imagepool.example.org"
    #: The EBI OLS4 API for terms the store lacks (empty: off, the default).
    ols_url: str = ""
    #: The portal's public URL, for links in notifications.
    portal_url: str = "http://127.0.0.1:8000/"

    @property
    def issuer(self) -> str:
        """The ``iss`` of the pool's tokens."""
        return f"https://cognito-idp.{self.region}.amazonaws.com/{self.user_pool_id}"

    @property
    def jwks_url(self) -> str:
        """Where the pool's signing keys are published (moto serves them locally)."""
        if self.endpoint_url:
            return f"{self.endpoint_url}/{self.user_pool_id}/.well-known/jwks.json"
        return f"{self.issuer}/.well-known/jwks.json"

    def webin_secret_name(self, team_id: str) -> str:
        """The Secrets Manager name of a team's Webin credentials."""
        return f"{self.prefix}/webin/{team_id}"

    def name(self, resource: str) -> str:
        """The physical name of a logical resource (see :data:`RESOURCE_NAMES`)."""
        return self.names[resource]

    def queue_name(self, step: str) -> str:
        """The SQS queue that feeds one pipeline step (``ingest``, ``validation``...)."""
        return self.names[f"{step}_queue"]

    def dlq_name(self, step: str) -> str:
        """The dead-letter queue of a pipeline step."""
        return f"{self.queue_name(step)}-dlq"


def settings_from(env: Mapping[str, str]) -> Settings:
    """Build settings from an environment mapping (``os.environ`` in production)."""
    stage = env.get("STAGE", "local")
    prefix = env.get("RESOURCE_PREFIX", f"imagepool-{stage}")
    names = {
        key: env.get(var) or f"{prefix}-{suffix}"
        for key, (var, suffix) in RESOURCE_NAMES.items()
    }
    return Settings(
        stage=stage,
        prefix=prefix,
        region=env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION") or "eu-west-1",
        endpoint_url=env.get("AWS_ENDPOINT_URL") or None,
        names=names,
        log_level=env.get("LOG_LEVEL", "INFO"),
        log_file=env.get("LOG_FILE") or None,
        metrics_namespace=env.get("METRICS_NAMESPACE", "IMAGEPool"),
        max_upload_bytes=int(env.get("MAX_UPLOAD_BYTES", str(500 * 1024 * 1024))),
        search_backend=env.get("SEARCH_BACKEND") or (
            "opensearch" if env.get("SEARCH_ENDPOINT") else "sqlite"),
        search_path=env.get("SEARCH_PATH", ".local/pool.sqlite3"),
        search_endpoint=env.get("SEARCH_ENDPOINT") or None,
        search_alias=env.get("SEARCH_ALIAS", "imagepool"),
        biosamples_url=env.get("BIOSAMPLES_URL", _BIOSAMPLES[stage][0]),
        webin_auth_url=env.get("WEBIN_AUTH_URL", _BIOSAMPLES[stage][1]),
        ena_portal_url=env.get("ENA_PORTAL_URL", "https://www.ebi.ac.uk/ena/portal/api"),
        user_pool_id=env.get("USER_POOL_ID", ""),
        user_pool_client_id=env.get("USER_POOL_CLIENT_ID", ""),
        mail_from=env.get("MAIL_FROM", "no-reply@imagepool.example.org"),
        portal_url=env.get("PORTAL_URL", "http://127.0.0.1:8000/"),
        ols_url=env.get("OLS_URL", ""),
    )


#: BioSamples and Webin per stage: production for prod, the test service elsewhere (the
#: local stack overrides both with its stand-in's URL).
_TEST_BIOSAMPLES = ("https://wwwdev.ebi.ac.uk/biosamples",
                    "https://wwwdev.ebi.ac.uk/ena/submit/webin/auth/token")
_BIOSAMPLES: dict[str, tuple[str, str]] = defaultdict(
    lambda: _TEST_BIOSAMPLES,
    {"prod": ("https://www.ebi.ac.uk/biosamples",
              "https://www.ebi.ac.uk/ena/submit/webin/auth/token")},
)


@lru_cache(maxsize=1)
def _cached(key: tuple[tuple[str, str], ...]) -> Settings:
    return settings_from(dict(key))


def get_settings() -> Settings:
    """The settings of the current environment.

    Cached per environment content: the chalice test client changes the environment
    around each call, and settings must follow it.
    """
    relevant = tuple(sorted(
        (k, v) for k, v in os.environ.items()
        if k in _RELEVANT_KEYS
    ))
    return _cached(relevant)


_RELEVANT_KEYS = frozenset(
    {"STAGE", "RESOURCE_PREFIX", "AWS_REGION", "AWS_DEFAULT_REGION", "AWS_ENDPOINT_URL",
     "LOG_LEVEL", "LOG_FILE", "METRICS_NAMESPACE", "MAX_UPLOAD_BYTES", "SEARCH_BACKEND",
     "SEARCH_PATH", "SEARCH_ENDPOINT", "SEARCH_ALIAS", "BIOSAMPLES_URL", "WEBIN_AUTH_URL",
     "ENA_PORTAL_URL", "USER_POOL_ID", "USER_POOL_CLIENT_ID", "MAIL_FROM", "PORTAL_URL",
     "OLS_URL"}
    | {var for var, _ in RESOURCE_NAMES.values()}
)
