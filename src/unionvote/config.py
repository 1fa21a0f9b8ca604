"""Settings, read once from environment variables."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from unionvote.secretbox import SecretBox, box_for, keys_from_environment

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///./unionvote.db"
SECRET_FILE = Path(".unionvote-secret")


class ConfigError(RuntimeError):
    """The environment does not describe a runnable service."""


def _flag(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    return raw.strip().lower() in {"1", "true", "yes", "on"}


def _list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if not raw:
        return default
    return [part.strip() for part in raw.split(",") if part.strip()]


def normalise_database_url(url: str) -> str:
    """Accept the plain URLs operators copy from their provider and pick the async driver."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+asyncpg://" + url[len("postgresql://") :]
    if url.startswith("sqlite:///"):
        url = "sqlite+aiosqlite:///" + url[len("sqlite:///") :]
    return url


def _dev_secret(path: Path) -> str:
    """Demo and dev mode keep a generated key in a local file so sessions survive restarts."""
    if path.exists():
        return path.read_text().strip()
    key = secrets.token_urlsafe(48)
    path.write_text(key + "\n")
    path.chmod(0o600)
    return key


@dataclass(frozen=True)
class Settings:
    database_url: str = DEFAULT_DATABASE_URL
    redis_url: str | None = None
    redis_namespace: str = "uv"  # prefix of every Redis key, so deployments can share one Redis
    secret_key: str = ""
    totp_keys: tuple[str, ...] = ()  # newest first; empty: derived from secret_key (unionvote.secretbox)
    dev_mode: bool = False
    allowed_hosts: list[str] = field(default_factory=lambda: ["*"])
    allowed_origins: list[str] = field(default_factory=list)
    cookie_secure: bool = False
    session_idle_minutes: int = 120
    session_absolute_hours: int = 12
    login_attempts_per_minute: int = 10
    lockout_threshold: int = 5
    lockout_minutes: int = 15
    audit_failed_login_threshold: int = 3
    log_level: str = "INFO"
    log_json: bool = True
    sql_echo: bool = False
    public_url: str = "http://127.0.0.1:8000"  # where links in invitations point
    invitation_days: int = 14
    smtp_host: str | None = None  # invitations are sent by email only when this is set
    smtp_port: int = 587
    smtp_username: str | None = None
    smtp_password: str | None = None
    smtp_from: str = "unionvote@localhost"
    smtp_starttls: bool = True
    smtp_per_second: int = 5  # stay under the mail provider's sending limits
    # How long a worker answers "who is this?" from memory (unionvote.credentials); 0 asks the database each time.
    credential_cache_seconds: float = 30.0
    # On PostgreSQL every change to a login is announced inside its own transaction (NOTIFY); a worker listening
    # for those announcements hears every one the moment it commits, so it may remember answers this long.
    credential_cache_listening_seconds: float = 600.0
    credential_listen: bool = True  # listen for those announcements (off only to test another carrier alone)
    # Sign-in with the union's own OpenID Connect provider (unionvote.accounts.oidc); off unless an issuer is set.
    oidc_issuer: str | None = None
    oidc_client_id: str = ""
    oidc_client_secret: str = ""
    oidc_name: str = "your union account"  # the button says "Sign in with <this>"
    oidc_scopes: str = "openid email profile"
    oidc_trust_mfa: bool = False  # the provider's word that it asked for a second factor replaces ours
    oidc_mfa_acr: tuple[str, ...] = ()  # acr values that also count as a second factor, when trusted
    oidc_roles: tuple[str, ...] = ("delegate", "observer")  # who may sign in that way ("admin" for admins)
    oidc_auto_link: bool = False  # link by a verified email address matching an account's

    @property
    def oidc_configured(self) -> bool:
        return bool(self.oidc_issuer)

    @property
    def smtp_configured(self) -> bool:
        return bool(self.smtp_host)

    def secret_box(self) -> SecretBox:
        """Seals and opens second-factor secrets (the key never enters the database)."""
        return box_for(self.totp_keys, self.secret_key)

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @classmethod
    def from_env(cls, *, dev_mode: bool | None = None) -> Settings:
        dev = _flag("UNIONVOTE_DEV", False) if dev_mode is None else dev_mode
        secret = os.environ.get("UNIONVOTE_SECRET_KEY", "")
        if not secret:
            if not dev:
                raise ConfigError(
                    "UNIONVOTE_SECRET_KEY is not set. Set it to a long random string "
                    "(for example: python -c 'import secrets; print(secrets.token_urlsafe(48))'), "
                    "or run 'unionvote demo' / set UNIONVOTE_DEV=1 for a local trial."
                )
            secret = _dev_secret(Path(os.environ.get("UNIONVOTE_SECRET_FILE", SECRET_FILE)))
        if len(secret) < 32:
            raise ConfigError("UNIONVOTE_SECRET_KEY must be at least 32 characters long.")
        totp_keys = tuple(keys_from_environment())
        if any(len(key) < 32 for key in totp_keys):
            raise ConfigError("Each second-factor key (UNIONVOTE_TOTP_KEYS or UNIONVOTE_TOTP_KEY_FILE) must be "
                              "at least 32 characters long.")
        return cls(
            database_url=normalise_database_url(os.environ.get("UNIONVOTE_DATABASE_URL", DEFAULT_DATABASE_URL)),
            redis_url=os.environ.get("UNIONVOTE_REDIS_URL") or None,
            redis_namespace=os.environ.get("UNIONVOTE_REDIS_NAMESPACE", "uv"),
            secret_key=secret,
            totp_keys=totp_keys,
            dev_mode=dev,
            allowed_hosts=_list("UNIONVOTE_ALLOWED_HOSTS", ["*"]),
            allowed_origins=_list("UNIONVOTE_ALLOWED_ORIGINS", []),
            cookie_secure=_flag("UNIONVOTE_COOKIE_SECURE", not dev),
            session_idle_minutes=int(os.environ.get("UNIONVOTE_SESSION_IDLE_MINUTES", "120")),
            session_absolute_hours=int(os.environ.get("UNIONVOTE_SESSION_ABSOLUTE_HOURS", "12")),
            login_attempts_per_minute=int(os.environ.get("UNIONVOTE_LOGIN_ATTEMPTS_PER_MINUTE", "10")),
            log_level=os.environ.get("UNIONVOTE_LOG_LEVEL", "INFO").upper(),
            log_json=_flag("UNIONVOTE_LOG_JSON", True),
            sql_echo=_flag("UNIONVOTE_SQL_ECHO", False),
            public_url=os.environ.get("UNIONVOTE_PUBLIC_URL", "http://127.0.0.1:8000").rstrip("/"),
            invitation_days=int(os.environ.get("UNIONVOTE_INVITATION_DAYS", "14")),
            smtp_host=os.environ.get("UNIONVOTE_SMTP_HOST") or None,
            smtp_port=int(os.environ.get("UNIONVOTE_SMTP_PORT", "587")),
            smtp_username=os.environ.get("UNIONVOTE_SMTP_USERNAME") or None,
            smtp_password=os.environ.get("UNIONVOTE_SMTP_PASSWORD") or None,
            smtp_from=os.environ.get("UNIONVOTE_SMTP_FROM", "unionvote@localhost"),
            smtp_starttls=_flag("UNIONVOTE_SMTP_STARTTLS", True),
            smtp_per_second=int(os.environ.get("UNIONVOTE_SMTP_PER_SECOND", "5")),
            credential_cache_seconds=float(os.environ.get("UNIONVOTE_CREDENTIAL_CACHE_SECONDS", "30")),
            credential_cache_listening_seconds=float(
                os.environ.get("UNIONVOTE_CREDENTIAL_CACHE_LISTENING_SECONDS", "600")),
            credential_listen=_flag("UNIONVOTE_CREDENTIAL_LISTEN", True),
            **_oidc_from_env(),
        )


OIDC_ROLE_NAMES = frozenset({"admin", "staff", "cac", "chair", "returning_officer", "teller", "delegate", "observer"})


def _oidc_from_env() -> dict[str, object]:
    issuer = os.environ.get("UNIONVOTE_OIDC_ISSUER", "").strip().rstrip("/") or None
    values: dict[str, object] = dict(
        oidc_issuer=issuer,
        oidc_client_id=os.environ.get("UNIONVOTE_OIDC_CLIENT_ID", "").strip(),
        oidc_client_secret=os.environ.get("UNIONVOTE_OIDC_CLIENT_SECRET", ""),
        oidc_name=os.environ.get("UNIONVOTE_OIDC_NAME", "").strip() or "your union account",
        oidc_scopes=os.environ.get("UNIONVOTE_OIDC_SCOPES", "").strip() or "openid email profile",
        oidc_trust_mfa=_flag("UNIONVOTE_OIDC_TRUST_MFA", False),
        oidc_mfa_acr=tuple(_list("UNIONVOTE_OIDC_MFA_ACR", [])),
        oidc_roles=tuple(role.lower() for role in _list("UNIONVOTE_OIDC_ROLES", ["delegate", "observer"])),
        oidc_auto_link=_flag("UNIONVOTE_OIDC_AUTO_LINK", False),
    )
    if issuer is None:
        return values
    local = issuer.startswith(("http://127.0.0.1", "http://localhost", "http://[::1]"))
    if not issuer.startswith("https://") and not local:
        raise ConfigError("UNIONVOTE_OIDC_ISSUER must be an https:// address (the provider's issuer URL).")
    if not values["oidc_client_id"] or not values["oidc_client_secret"]:
        raise ConfigError("UNIONVOTE_OIDC_ISSUER is set: set UNIONVOTE_OIDC_CLIENT_ID and UNIONVOTE_OIDC_CLIENT_SECRET "
                          "too, as the provider gave them when you registered unionvote.")
    if "openid" not in str(values["oidc_scopes"]).split():
        raise ConfigError("UNIONVOTE_OIDC_SCOPES must include 'openid'.")
    unknown = sorted(set(values["oidc_roles"]) - OIDC_ROLE_NAMES)  # type: ignore[arg-type]
    if unknown:
        raise ConfigError(f"UNIONVOTE_OIDC_ROLES: unknown role {', '.join(unknown)}; "
                          f"choose from {', '.join(sorted(OIDC_ROLE_NAMES))}.")
    return values
