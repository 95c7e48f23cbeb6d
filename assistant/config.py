"""Settings from the environment: the one place that reads os.environ."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from assistant.paths import resource_dir
from assistant.users.roles import ROLES

DEV_SECRET = "dev-secret-change-me"  # a default secret that must be overridden in production
MAX_PROXY_HOPS = 10
SMTP_SECURITY = ("starttls", "tls", "none")
LOG_FORMATS = ("json", "text")


class ConfigError(RuntimeError):
    """A setting is missing or unsafe."""


@dataclass(frozen=True)
class Settings:
    """Typed settings of one assistant deployment."""

    env: str = "development"
    """`development` or `production` (ASSISTANT_ENV)."""
    database_url: str = "sqlite:///instance/assistant.db"
    """SQLAlchemy URL (DATABASE_URL); SQLite file by default, postgresql+psycopg://... in production."""
    secret_key: str = DEV_SECRET
    """Signs session cookies (SECRET_KEY)."""
    flows_dir: Path = field(default_factory=lambda: resource_dir("flows"))
    """Folder of flow files (ASSISTANT_FLOWS)."""
    reload_flows: bool = True
    """Re-read a flow file when it changes (ASSISTANT_RELOAD_FLOWS); on by default in development."""
    flows_catalog_check: bool = True
    """Serve a flow file only when it has no error against the catalog of any site it is offered to, as
    `flows check` judges it (ASSISTANT_FLOWS_CATALOG_CHECK); off only in unit tests of a few products."""
    surveys_dir: Path = field(default_factory=lambda: resource_dir("surveys"))
    """Folder of survey files (ASSISTANT_SURVEYS)."""
    models_dir: Path = Path("instance/models")
    """Where `assistant train` writes recommendation bundles and the server reads them (ASSISTANT_MODELS)."""
    merch_rules: Path = field(default_factory=lambda: resource_dir("rules") / "merchandising.yaml")
    """Merchandising rules for recommendations (ASSISTANT_MERCH_RULES)."""
    rate_limits: bool = True
    """Rate-limit the events API (ASSISTANT_RATE_LIMITS=off disables, e.g. for load tests)."""
    event_limit_site: str = "20000/minute"
    """Event batches a site may send (ASSISTANT_EVENT_LIMIT_SITE)."""
    event_limit_client: str = "300/minute"
    """Event batches one client address may send (ASSISTANT_EVENT_LIMIT_CLIENT)."""
    rate_limit_storage: str = "memory://"
    """Where counters live (ASSISTANT_RATE_LIMIT_STORAGE); per process in memory, redis://... when scaled out.
    Without it, ASSISTANT_REDIS_URL when that is set."""
    redis_url: str = ""
    """The Redis server that several nodes share (ASSISTANT_REDIS_URL, redis://host:6379/0): rate-limit
    counters and shared caches. Empty: everything per process (one node)."""
    demo_shop: bool = True
    """Serve the demo shop under /demo and redirect / to it (ASSISTANT_DEMO_SHOP); off by default in production."""
    log_format: str = "text"
    """ASSISTANT_LOG_FORMAT: `json` (one object per line with the request id; the default in production) or `text`."""
    metrics_token: str = ""
    """A bearer token Prometheus sends to read /metrics from anywhere (ASSISTANT_METRICS_TOKEN); empty: /metrics
    answers only requests from loopback that no proxy forwarded (docs/operations.md)."""
    db_connect_timeout: float = 1.0
    """Seconds to wait for a PostgreSQL connection before the request answers 503 (ASSISTANT_DB_CONNECT_TIMEOUT)."""
    db_lock_wait: float = 5.0
    """Seconds a request waits for another SQLite writer before answering 503 with Retry-After
    (ASSISTANT_DB_LOCK_WAIT, 0.1 to 60)."""
    trusted_proxies: int = 0
    """Reverse proxies in front of the app whose X-Forwarded-For/-Proto are believed (ASSISTANT_TRUSTED_PROXIES).

    0 trusts none: the client address is the socket's peer, and a shopper cannot pick their own
    rate-limit bucket with a forged header. Set it to the number of hops (1 for one nginx) or every
    shopper behind the proxy shares one address.
    """
    show_emails_to: tuple[str, ...] = ("admin",)
    """Roles shown customers' e-mail addresses in the admin (ASSISTANT_SHOW_EMAILS_TO, comma-separated, or
    `none`); only admins by default: marketers work with segments and ids, not with people's addresses."""
    public_url: str = "http://127.0.0.1:5000"
    """Where shoppers reach this assistant (ASSISTANT_PUBLIC_URL): the base of links in reminder e-mails."""
    smtp_host: str = ""
    """The SMTP server of basket reminders (ASSISTANT_SMTP_HOST); empty: no SMTP delivery."""
    smtp_port: int = 587
    """ASSISTANT_SMTP_PORT: 587 for STARTTLS, 465 for implicit TLS."""
    smtp_security: str = "starttls"
    """ASSISTANT_SMTP_SECURITY: starttls, tls (implicit, port 465) or none (a local MTA only)."""
    smtp_username: str = ""
    """ASSISTANT_SMTP_USERNAME; the client logs in only when it is set (with ASSISTANT_SMTP_PASSWORD)."""
    smtp_password: str = ""
    smtp_from: str = ""
    """The default sender (ASSISTANT_SMTP_FROM); a site's own from address wins."""
    webhook_private_addresses: bool = True
    """Let basket webhooks reach loopback and private addresses (ASSISTANT_WEBHOOK_PRIVATE_ADDRESSES); off by
    default in production, so a URL a shop's admin types cannot reach what only the server can
    (baskets/public_address)."""
    smtp_ca_file: str = ""
    """A PEM file of CA certificates to trust for the SMTP server (ASSISTANT_SMTP_CA_FILE); empty: the system's."""
    testing: bool = False

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> Settings:
        """Build settings from environment variables, refusing unsafe production values."""
        env = dict(os.environ if environ is None else environ)
        mode = env.get("ASSISTANT_ENV", "development")
        settings = cls(
            env=mode,
            database_url=env.get("DATABASE_URL", cls.database_url),
            secret_key=env.get("SECRET_KEY", DEV_SECRET),
            flows_dir=Path(env["ASSISTANT_FLOWS"]) if "ASSISTANT_FLOWS" in env else resource_dir("flows"),
            reload_flows=_flag(env.get("ASSISTANT_RELOAD_FLOWS"), default=mode != "production"),
            flows_catalog_check=_flag(env.get("ASSISTANT_FLOWS_CATALOG_CHECK"), default=True),
            surveys_dir=Path(env["ASSISTANT_SURVEYS"]) if "ASSISTANT_SURVEYS" in env else resource_dir("surveys"),
            models_dir=Path(env.get("ASSISTANT_MODELS", "instance/models")),
            merch_rules=Path(env["ASSISTANT_MERCH_RULES"]) if "ASSISTANT_MERCH_RULES" in env
            else resource_dir("rules") / "merchandising.yaml",
            rate_limits=_flag(env.get("ASSISTANT_RATE_LIMITS"), default=True),
            event_limit_site=env.get("ASSISTANT_EVENT_LIMIT_SITE", cls.event_limit_site),
            event_limit_client=env.get("ASSISTANT_EVENT_LIMIT_CLIENT", cls.event_limit_client),
            rate_limit_storage=env.get("ASSISTANT_RATE_LIMIT_STORAGE") or env.get("ASSISTANT_REDIS_URL")
            or cls.rate_limit_storage,
            redis_url=_redis(env.get("ASSISTANT_REDIS_URL", "")),
            demo_shop=_flag(env.get("ASSISTANT_DEMO_SHOP"), default=mode != "production"),
            log_format=_choice("ASSISTANT_LOG_FORMAT", env.get("ASSISTANT_LOG_FORMAT"), LOG_FORMATS,
                               default="json" if mode == "production" else "text"),
            metrics_token=env.get("ASSISTANT_METRICS_TOKEN", "").strip(),
            db_connect_timeout=_seconds(env.get("ASSISTANT_DB_CONNECT_TIMEOUT"), default=cls.db_connect_timeout,
                                        name="ASSISTANT_DB_CONNECT_TIMEOUT"),
            trusted_proxies=_hops(env.get("ASSISTANT_TRUSTED_PROXIES")),
            db_lock_wait=_seconds(env.get("ASSISTANT_DB_LOCK_WAIT"), default=cls.db_lock_wait,
                                  name="ASSISTANT_DB_LOCK_WAIT"),
            show_emails_to=_roles(env.get("ASSISTANT_SHOW_EMAILS_TO"), default=cls.show_emails_to),
            public_url=env.get("ASSISTANT_PUBLIC_URL", cls.public_url).rstrip("/"),
            webhook_private_addresses=_flag(env.get("ASSISTANT_WEBHOOK_PRIVATE_ADDRESSES"),
                                            default=mode != "production"),
            **_smtp(env),
        )
        if mode == "production" and settings.secret_key == DEV_SECRET:
            raise ConfigError("SECRET_KEY must be set when ASSISTANT_ENV=production")
        return settings

    def flask_mapping(self) -> dict[str, Any]:
        """The subset Flask itself reads."""
        return {"SECRET_KEY": self.secret_key, "TESTING": self.testing,
                "SESSION_COOKIE_HTTPONLY": True, "SESSION_COOKIE_SAMESITE": "Lax",
                "SESSION_COOKIE_SECURE": self.env == "production", "PERMANENT_SESSION_LIFETIME": 8 * 3600}


def _hops(value: str | None) -> int:
    """ASSISTANT_TRUSTED_PROXIES: a whole number of proxy hops, 0 to 10."""
    text = (value or "0").strip()
    if not (text.isascii() and text.isdigit() and int(text) <= MAX_PROXY_HOPS):
        raise ConfigError(f"ASSISTANT_TRUSTED_PROXIES must be a number of proxy hops from 0 to {MAX_PROXY_HOPS},"
                          f" not {value!r}")
    return int(text)


def _seconds(value: str | None, *, default: float, name: str) -> float:
    """A wait in seconds (ASSISTANT_DB_LOCK_WAIT, ASSISTANT_DB_CONNECT_TIMEOUT): plain ASCII decimal, 0.1 to 60."""
    if value is None:
        return default
    text = value.strip()
    number = float(text) if re.fullmatch(r"[0-9]{1,2}(\.[0-9]{1,3})?", text) else -1.0
    if not 0.1 <= number <= 60:
        raise ConfigError(f"{name} must be seconds from 0.1 to 60, not {value!r}")
    return number


def _redis(value: str) -> str:
    """ASSISTANT_REDIS_URL: empty, or a redis:// (rediss:// for TLS, unix:// for a socket) URL."""
    text = value.strip()
    if text and not text.startswith(("redis://", "rediss://", "unix://")):
        raise ConfigError(f"ASSISTANT_REDIS_URL must be a redis://, rediss:// or unix:// URL, not {value!r}")
    return text


def _choice(name: str, value: str | None, choices: tuple[str, ...], *, default: str) -> str:
    text = (value or default).strip().lower()
    if text not in choices:
        raise ConfigError(f"{name} must be one of {', '.join(choices)}, not {value!r}")
    return text


def _roles(value: str | None, *, default: tuple[str, ...]) -> tuple[str, ...]:
    """ASSISTANT_SHOW_EMAILS_TO: roles separated by commas (admin, marketer, merchandiser), or `none`."""
    if value is None:
        return default
    names = tuple(dict.fromkeys(n.strip().lower() for n in value.split(",") if n.strip()))
    if names == ("none",):
        return ()
    unknown = [n for n in names if n not in ROLES]
    if not names or unknown:
        raise ConfigError(f"ASSISTANT_SHOW_EMAILS_TO must be roles from {', '.join(ROLES)} separated by commas, "
                          f"or none, not {value!r}")
    return names


def _smtp(env: dict[str, str]) -> dict[str, Any]:
    """The ASSISTANT_SMTP_* settings, the port and security mode checked."""
    port, security = env.get("ASSISTANT_SMTP_PORT", "587").strip(), env.get("ASSISTANT_SMTP_SECURITY", "starttls")
    if not (port.isascii() and port.isdigit() and 0 < int(port) < 65536):
        raise ConfigError(f"ASSISTANT_SMTP_PORT must be a port number from 1 to 65535, not {port!r}")
    if security.strip().lower() not in SMTP_SECURITY:
        raise ConfigError(f"ASSISTANT_SMTP_SECURITY must be one of {', '.join(SMTP_SECURITY)}, not {security!r}")
    return {"smtp_host": env.get("ASSISTANT_SMTP_HOST", "").strip(), "smtp_port": int(port),
            "smtp_security": security.strip().lower(), "smtp_username": env.get("ASSISTANT_SMTP_USERNAME", ""),
            "smtp_password": env.get("ASSISTANT_SMTP_PASSWORD", ""), "smtp_from": env.get("ASSISTANT_SMTP_FROM", ""),
            "smtp_ca_file": env.get("ASSISTANT_SMTP_CA_FILE", "")}


def _flag(value: str | None, *, default: bool) -> bool:
    if value is None:
        return default
    return value.strip().lower() not in {"0", "false", "no", "off", ""}
