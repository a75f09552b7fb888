"""Settings, read from the environment (prefix CUNZHI_, except DATABASE_URL). Every one is in README."""

from functools import lru_cache
from pathlib import Path

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

BACKEND_DIR = Path(__file__).resolve().parent.parent
REPO_DIR = BACKEND_DIR.parent


# Import files (tasks, divisions, village positions) may be larger than other request bodies: a
# 50,000-row task file (the import's row limit) is about 3 MB as XLSX. Those routes declare it as
# their max_body_size; main.BodyLimits applies it before any middleware reads the body.
IMPORT_MAX_BYTES = 16 * 1024 * 1024


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CUNZHI_", extra="ignore")

    # Unset: an embedded PostgreSQL is started with its data under `data_dir`.
    database_url: str | None = Field(default=None, validation_alias="DATABASE_URL")
    data_dir: Path = REPO_DIR / "var" / "pgdata"
    # Pure reads (lists, single reads) may go to a replica; unset: the primary.
    database_read_url: str | None = None
    db_pool_size: int = 10
    db_max_overflow: int = 10
    # Connections of the hottest reads' own pool (the village list and a village), per process.
    db_read_pool_size: int = Field(default=10, ge=1, le=1000)
    # How long a read waits for one of those connections before it is answered 503 (Retry-After: 1).
    db_read_pool_timeout_seconds: float = Field(default=5.0, gt=0, le=300)

    # Demo mode allows a generated secret key; any other run must be given one.
    demo: bool = False
    secret_key: str | None = None
    # Keys used before the current one, comma-separated: access tokens they signed are still
    # accepted and webhook secrets they encrypted still read, until `cunzhi rotate-secrets` has
    # re-encrypted those and the tokens have expired. Then drop them.
    previous_secret_keys: str = ""
    jwt_issuer: str = "cunzhi"
    jwt_audience: str = "cunzhi-api"
    access_token_minutes: int = Field(default=15, ge=1, le=24 * 60)
    refresh_token_days: int = Field(default=14, ge=1, le=365)

    # Login throttling. An account tried from one address: after this many failures within the
    # window each further try waits, the wait doubling from `login_delay_seconds` (capped at the
    # window); failures from other addresses never lock the owner out. One address: this many
    # failures over all accounts within the window answer 429 until the window has passed.
    login_max_failures_per_account: int = Field(default=5, ge=1)
    login_delay_seconds: int = Field(default=30, ge=1)
    login_max_failures_per_address: int = Field(default=20, ge=1)
    login_failure_window_seconds: int = Field(default=900, ge=1)
    # Addresses (or networks) of the reverse proxies whose X-Forwarded-For/-Proto are believed:
    # comma-separated, like uvicorn's --forwarded-allow-ips. Anyone else's forwarded header is ignored,
    # so a client cannot pick the address the login throttle counts.
    trusted_proxies: str = "127.0.0.1"

    # How long a caller looked up from its token is reused. A deactivated or changed account or
    # client is forgotten at once in the process that changed it, and within this time in the others.
    principal_cache_seconds: float = Field(default=5.0, ge=0, le=60)

    # Requests each API client (township system) may make per minute, over all API processes
    # (counted in PostgreSQL); past it 429 with Retry-After. 0: no limit.
    client_rate_limit_per_minute: int = Field(default=120, ge=0, le=1_000_000)

    # Webhooks may be sent to loopback, private and link-local addresses (tests, a development
    # receiver, township systems on the county's LAN). False: only public addresses, checked when
    # subscribing and again at every delivery (webhooks/destinations.py).
    webhook_allow_private: bool = False

    max_body_bytes: int = 2 * 1024 * 1024
    # FastAPI's built-in OpenTelemetry (request spans, metrics, logs), for a deployment that configures
    # a provider (opentelemetry-sdk and its OTEL_* variables). Off: nothing asked per request.
    opentelemetry: bool = False
    static_dir: Path | None = REPO_DIR / "frontend" / "dist"
    cors_origins: list[str] = []

    # The county's time zone: what "today" means for deadlines, check-ins, postings and pairings.
    timezone: str = "Asia/Shanghai"

    # Pairing defaults (domain.md): both are settings, not constants.
    units_per_village: int = Field(default=2, ge=1, le=10)
    villages_per_unit: int = Field(default=2, ge=1, le=50)
    # Accepting a case (销号) ends the village's pairings and postings: by default on the last day
    # this many days after acceptance (a handover); the county may choose another day or end them now.
    accepted_release_days: int = Field(default=30, ge=0, le=365)

    # Largest photo of a cadre's check-in or work log (phones downscale before upload); the
    # request body limit above still applies.
    cadre_photo_max_bytes: int = Field(default=1024 * 1024, ge=1024, le=64 * 1024 * 1024)
    # A check-in is kept but flagged for review when it is farther than this from the posted
    # village's position, when the phone's GPS accuracy is worse than the second setting, or when it
    # reaches the server more than the third setting's hours after it was made (offline tolerance).
    checkin_max_distance_meters: int = Field(default=2000, ge=50, le=100_000)
    checkin_max_accuracy_meters: int = Field(default=500, ge=10, le=100_000)
    checkin_offline_tolerance_hours: int = Field(default=48, ge=1, le=24 * 7)
    # How many days before a task's due date the due-soon reminder goes out (once per task and date).
    task_remind_days: int = Field(default=3, ge=0, le=60)
    # Dashboards: days a stationed cadre must be present in the village per month (fewer posted days
    # that month lower it to those days), and how long a claim may wait at one step before it counts
    # as waiting too long.
    cadre_required_days: int = Field(default=20, ge=1, le=31)
    claim_wait_days: int = Field(default=7, ge=1, le=365)
    # The monthly disclosure: the publish-by day of a round the job opens (the township may move it),
    # the requests one address may make per minute to the public endpoints (0: no limit), how long
    # a public answer may be cached, and the address the villages' QR codes link to.
    disclosure_publish_by_day: int = Field(default=10, ge=1, le=28)
    public_rate_limit_per_minute: int = Field(default=60, ge=0, le=1_000_000)
    public_cache_seconds: int = Field(default=300, ge=0, le=86_400)
    public_base_url: str = "http://localhost:8000"

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r}") from None
        return value

    @field_validator("trusted_proxies")
    @classmethod
    def _proxy_addresses(cls, value: str) -> str:
        import ipaddress

        items = [x.strip() for x in value.split(",") if x.strip()]
        for item in items:
            if item == "*":
                continue
            try:
                ipaddress.ip_network(item, strict=False)
            except ValueError:
                raise ValueError(f"not an address or network: {item!r}") from None
        return ",".join(items)

    @model_validator(mode="after")
    def _secret_required_outside_demo(self) -> "Settings":
        if self.secret_key is not None and len(self.secret_key) < 32:
            raise ValueError("CUNZHI_SECRET_KEY must be at least 32 characters")
        if any(len(k) < 32 for k in self.previous_keys):
            raise ValueError("each of CUNZHI_PREVIOUS_SECRET_KEYS must be at least 32 characters")
        return self

    @property
    def previous_keys(self) -> list[str]:
        return [k.strip() for k in self.previous_secret_keys.split(",") if k.strip()]


@lru_cache
def get_settings() -> Settings:
    return Settings()
