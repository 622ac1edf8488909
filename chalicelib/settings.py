"""One typed settings object, read once from the environment.

Every tunable of the platform is here with its default; nothing else reads ``os.environ``.
Imports only the standard library.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache


def _flag(value: str | None, default: bool) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _seconds(value: str | None, default: float, most: float) -> float:
    """A duration in seconds from the environment, within (0, ``most``]."""
    if value is None or value.strip() == "":
        return default
    seconds = float(value)
    if not 0 < seconds <= most:
        raise ValueError(f"a deadline must be within (0, {most}] seconds, got {value!r}")
    return seconds


@dataclass(frozen=True)
class Settings:
    """Runtime configuration of one stage (``local``, ``dev``, ``prod``)."""

    stage: str = "local"
    region: str = "eu-west-1"
    aws_endpoint_url: str | None = None
    table_prefix: str = "ringflow-local-"
    recordings_bucket: str = "ringflow-local-recordings"
    uploads_bucket: str = "ringflow-local-uploads"
    """Where uploaded call lists are kept until they are loaded (a week)."""
    task_queue: str = "ringflow-local-tasks"
    task_queue_arn: str | None = None
    """The tasks queue's ARN (the target of one-time schedules); None: asked of SQS once."""
    schedule_group: str = "ringflow-local"
    """The EventBridge Scheduler group of the platform's one-time schedules (waits past SQS's
    15 minutes: a campaign's start, a retry round hours later)."""
    scheduler_role_arn: str = "arn:aws:iam::123456789012:role/ringflow-local-scheduler"
    """The role EventBridge Scheduler assumes to send to the tasks queue."""
    mail_bucket: str = "ringflow-local-mail"
    """Where SES stores each received e-mail (raw MIME)."""
    mail_queue: str = "ringflow-local-mail"
    """The queue SES's notifications of received e-mail arrive on (through SNS)."""
    mail_from: str = "ringflow@ringflow.test"
    """The platform's sender address (its domain verified in SES)."""
    public_base_url: str = "http://127.0.0.1:8000"
    vonage_application_id: str = "00000000-0000-4000-8000-000000000000"
    vonage_private_key: str = ""
    vonage_api_key: str = "ringflowlocal"
    vonage_api_secret: str = "ringflowlocal"
    vonage_signature_secret: str = "local-signature-secret-0123456789abcdef"
    vonage_sms_signature_method: str = "sha256"
    vonage_api_host: str = "api.nexmo.com"
    vonage_rest_host: str = "rest.nexmo.com"
    vonage_ca_bundle: str | None = None
    vonage_timeout_seconds: float = 5.0
    carrier_currency: str = "EUR"
    """The currency the carrier prices calls in (a Vonage account's billing currency)."""
    verify_signatures: bool = True
    signature_window_seconds: int = 300
    call_ttl_seconds: int = 2 * 24 * 3600
    fallback_number: str | None = None
    webhook_widget_max_timeout: float = 4.0
    webhook_deadline_seconds: float = 2.5
    rest_deadline_seconds: float = 5.0
    operator_key_hash: str | None = None
    """sha256 hex digest of the operator key (``ringflow operator key`` makes one); None turns
    the operator routes of the REST API off."""
    portal_secret: str | None = None
    """The key that signs the callback user's web sessions (at least 32 characters). Unset, the
    local stage signs with a fixed development key and any other stage serves no pages."""
    portal_callback_service: str | None = None
    """The web callback service (``callback.web``) whose extended mode places the calls a user
    starts from their web pages; unset, the pages offer no "call now"."""
    account_password_key: str = "local-account-password-key-0123456789abcdef"
    """The key under which passwords of account lots and card purchases are derived (with a
    per-lot or per-purchase secret; never stored): a secret in production."""
    stripe_secret_key: str = "sk_test_ringflow_local"
    stripe_webhook_secret: str = "whsec_ringflow_local_0123456789abcdef"
    """The signing secret of the Stripe webhook endpoint (``whsec_...``)."""
    stripe_api_base: str = "http://127.0.0.1:8310"
    """Where the stripe library sends API requests: Stripe itself in production, the local
    stand-in (``infra.local.stripe_api``) on the local stage and in tests."""
    dialogflow_endpoint: str | None = None
    """A loopback ``host:port`` that replaces Google's Dialogflow endpoint (plain-text gRPC):
    the tests' and the local stack's stand-in agent. Unset: Google's. Any other host is
    ignored (an agent's credentials never go anywhere but Google or this machine)."""

    @property
    def checks_signatures(self) -> bool:
        """Signature checks may be turned off on the local stage only."""
        return self.verify_signatures or self.stage != "local"

    @property
    def mail_domain(self) -> str:
        """The domain of the sender address (what SES must have verified)."""
        return self.mail_from.rpartition("@")[2].lower()

    def table(self, name: str) -> str:
        """The physical name of a logical table."""
        return f"{self.table_prefix}{name}"


def _loopback(endpoint: str | None) -> str | None:
    """``endpoint`` when it is a ``host:port`` on this machine, else None."""
    host, _, port = (endpoint or "").strip().rpartition(":")
    if host.strip("[]") in ("127.0.0.1", "localhost", "::1") and port.isdigit():
        return f"{host}:{port}"
    return None


def from_environment(env: os._Environ[str] | dict[str, str] | None = None) -> Settings:
    """Build settings from ``RINGFLOW_*`` variables (and the AWS region)."""
    e = os.environ if env is None else env
    stage = e.get("RINGFLOW_STAGE", "local")
    defaults = Settings()
    return Settings(
        stage=stage,
        region=e.get("AWS_DEFAULT_REGION", e.get("AWS_REGION", defaults.region)),
        aws_endpoint_url=e.get("RINGFLOW_AWS_ENDPOINT_URL") or None,
        table_prefix=e.get("RINGFLOW_TABLE_PREFIX", f"ringflow-{stage}-"),
        recordings_bucket=e.get("RINGFLOW_RECORDINGS_BUCKET", f"ringflow-{stage}-recordings"),
        uploads_bucket=e.get("RINGFLOW_UPLOADS_BUCKET", f"ringflow-{stage}-uploads"),
        task_queue=e.get("RINGFLOW_TASK_QUEUE", f"ringflow-{stage}-tasks"),
        task_queue_arn=e.get("RINGFLOW_TASK_QUEUE_ARN") or None,
        schedule_group=e.get("RINGFLOW_SCHEDULE_GROUP", f"ringflow-{stage}"),
        scheduler_role_arn=e.get("RINGFLOW_SCHEDULER_ROLE_ARN", defaults.scheduler_role_arn),
        mail_bucket=e.get("RINGFLOW_MAIL_BUCKET", f"ringflow-{stage}-mail"),
        mail_queue=e.get("RINGFLOW_MAIL_QUEUE", f"ringflow-{stage}-mail"),
        mail_from=e.get("RINGFLOW_MAIL_FROM", "").strip() or defaults.mail_from,
        public_base_url=e.get("RINGFLOW_PUBLIC_BASE_URL", defaults.public_base_url).rstrip("/"),
        vonage_application_id=e.get("VONAGE_APPLICATION_ID", defaults.vonage_application_id),
        vonage_private_key=e.get("VONAGE_PRIVATE_KEY", "").replace("\\n", "\n"),
        vonage_api_key=e.get("VONAGE_API_KEY", defaults.vonage_api_key),
        vonage_api_secret=e.get("VONAGE_API_SECRET", defaults.vonage_api_secret),
        vonage_signature_secret=e.get("VONAGE_SIGNATURE_SECRET", defaults.vonage_signature_secret),
        vonage_sms_signature_method=e.get(
            "VONAGE_SMS_SIGNATURE_METHOD", defaults.vonage_sms_signature_method
        ),
        vonage_api_host=e.get("VONAGE_API_HOST", defaults.vonage_api_host),
        vonage_rest_host=e.get("VONAGE_REST_HOST", defaults.vonage_rest_host),
        vonage_ca_bundle=e.get("VONAGE_CA_BUNDLE") or None,
        vonage_timeout_seconds=float(e.get("VONAGE_TIMEOUT_SECONDS", "5")),
        carrier_currency=e.get("VONAGE_CURRENCY", defaults.carrier_currency).strip().upper()
        or defaults.carrier_currency,
        verify_signatures=_flag(e.get("RINGFLOW_VERIFY_SIGNATURES"), True),
        signature_window_seconds=int(e.get("RINGFLOW_SIGNATURE_WINDOW_SECONDS", "300")),
        call_ttl_seconds=int(e.get("RINGFLOW_CALL_TTL_SECONDS", str(defaults.call_ttl_seconds))),
        fallback_number=e.get("RINGFLOW_FALLBACK_NUMBER") or None,
        webhook_deadline_seconds=_seconds(
            e.get("RINGFLOW_WEBHOOK_DEADLINE_SECONDS"), defaults.webhook_deadline_seconds, 4.0
        ),
        rest_deadline_seconds=_seconds(
            e.get("RINGFLOW_REST_DEADLINE_SECONDS"), defaults.rest_deadline_seconds, 25.0
        ),
        operator_key_hash=e.get("RINGFLOW_OPERATOR_KEY_HASH", "").strip().lower() or None,
        portal_secret=e.get("RINGFLOW_PORTAL_SECRET", "").strip() or None,
        portal_callback_service=e.get("RINGFLOW_PORTAL_CALLBACK_SERVICE", "").strip() or None,
        # the development keys are the local stage's only: elsewhere an unset secret is empty,
        # and what needs it refuses (503) rather than run on a key anyone can read here
        account_password_key=e.get("RINGFLOW_ACCOUNT_PASSWORD_KEY", "").strip()
        or (defaults.account_password_key if stage == "local" else ""),
        stripe_secret_key=e.get("STRIPE_SECRET_KEY", "").strip()
        or (defaults.stripe_secret_key if stage == "local" else ""),
        stripe_webhook_secret=e.get("STRIPE_WEBHOOK_SECRET", "").strip()
        or (defaults.stripe_webhook_secret if stage == "local" else ""),
        stripe_api_base=e.get(
            "STRIPE_API_BASE",
            defaults.stripe_api_base if stage == "local" else "https://api.stripe.com",
        ).rstrip("/"),
        dialogflow_endpoint=_loopback(e.get("RINGFLOW_DIALOGFLOW_ENDPOINT")),
    )


@lru_cache(maxsize=1)
def current() -> Settings:
    """The settings of this process, read once."""
    return from_environment()
