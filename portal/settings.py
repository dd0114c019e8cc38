"""One frozen Settings object, read once at start-up (`Settings.from_env`) and passed to the app.

Nothing else in the portal reads environment variables. Secrets that are not given in the
environment are generated on first start into the data directory with mode 0600, so the embedded
default needs no set-up and the repository never holds a secret.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

SUPPORTED_LANGUAGES = ("id", "en")


def _secret_file(path: Path, nbytes: int) -> str:
    """Return the secret kept in `path`, creating it (mode 0600) on first use."""
    if path.exists():
        return path.read_text(encoding="ascii").strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    value = secrets.token_urlsafe(nbytes)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(value + "\n")
    return value


class ConfigError(ValueError):
    """A setting in the environment has a value the portal cannot use (said by name)."""


def _seconds_setting(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    if not raw.isdigit() or int(raw) < 1:
        raise ConfigError(f"{name} must be a whole number of seconds, at least 1 (got {raw!r})")
    return int(raw)


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    database_url: str
    secret_key: str
    nik_key: str
    nik_key_id: str = "k1"
    base_url: str = "http://127.0.0.1:8000"
    smtp_url: str = ""
    mail_from: str = "Warga <no-reply@warga.local>"
    default_lang: str = "id"
    debug: bool = False
    # Password hashing cost: tests pass a cheap profile; production keeps the RFC 9106 default.
    cheap_password_hashing: bool = False
    ratelimit_storage: str = "memory://"
    run_jobs_in_process: bool = True
    # The demo city (accounts with known passwords) is for trying the portal, never for production.
    seed_demo: bool = True
    # How often notifications are fanned out and their immediate mail sent.
    notify_every_seconds: int = 120
    extra: Mapping[str, str] = field(default_factory=dict)

    @property
    def outbox_dir(self) -> Path:
        return self.data_dir / "outbox"

    @property
    def media_dir(self) -> Path:
        return self.data_dir / "media"

    @property
    def https(self) -> bool:
        return self.base_url.startswith("https://")

    @property
    def database_kind(self) -> str:
        return "sqlite" if self.database_url.startswith("sqlite") else "postgres"

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        data_dir = Path(env.get("WARGA_DATA_DIR", "data")).resolve()
        data_dir.mkdir(parents=True, exist_ok=True)
        database_url = env.get("DATABASE_URL") or f"sqlite://{data_dir / 'warga.sqlite3'}"
        lang = env.get("WARGA_DEFAULT_LANG", "id")
        return cls(
            data_dir=data_dir,
            database_url=database_url,
            secret_key=env.get("WARGA_SECRET_KEY") or _secret_file(data_dir / "secret_key", 48),
            nik_key=env.get("WARGA_NIK_KEY") or _secret_file(data_dir / "nik_key", 48),
            nik_key_id=env.get("WARGA_NIK_KEY_ID", "k1"),
            base_url=env.get("WARGA_BASE_URL", "http://127.0.0.1:8000").rstrip("/"),
            smtp_url=env.get("WARGA_SMTP_URL", ""),
            mail_from=env.get("WARGA_MAIL_FROM", "Warga <no-reply@warga.local>"),
            default_lang=lang if lang in SUPPORTED_LANGUAGES else "id",
            debug=env.get("WARGA_DEBUG", "") == "1",
            ratelimit_storage=env.get("WARGA_RATELIMIT_STORAGE", "memory://"),
            run_jobs_in_process=env.get("WARGA_JOBS_IN_PROCESS", "1") == "1",
            seed_demo=env.get("WARGA_DEMO", "1") == "1",
            notify_every_seconds=_seconds_setting(env, "WARGA_NOTIFY_EVERY_SECONDS", 120),
        )
