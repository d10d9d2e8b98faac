"""`StorageOptions`: the plain settings a store is opened with (each default written here, once)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

SQLITE_PREFIX = "sqlite://"
PASSWORD_ENV = "STUDYBOT_DATABASE_PASSWORD"
POSTGRES_SCHEMES = ("postgresql", "postgres")


@dataclass(frozen=True)
class StorageOptions:
    """Where the database is and how patient to be with it.

    `url` is `sqlite:///PATH` (PATH absolute) or `postgresql://USER@HOST:PORT/DB`. The password is never
    part of the url: pass it as `password` (from STUDYBOT_DATABASE_PASSWORD) or leave it None for
    libpq's PGPASSWORD / passfile. The timeouts bound every call well under Discord's 3 s.
    """

    url: str
    pool_size: int = 10  # PostgreSQL connections per process (one more is used for LISTEN)
    connect_timeout: float = 2.0  # seconds to open a connection
    acquire_timeout: float = 1.0  # seconds to wait for a free pooled connection
    statement_timeout: float = 2.0  # seconds per SQL statement
    password: str | None = field(default=None, repr=False)

    @property
    def backend(self) -> str:
        """"sqlite" or "postgresql"; ValueError for any other url."""
        return url_backend(self.url)

    @property
    def sqlite_path(self) -> Path:
        if self.backend != "sqlite":
            raise ValueError(f"{self.url} is not an SQLite url")
        return Path(self.url[len(SQLITE_PREFIX) :])


def sqlite_url(path: Path | str) -> str:
    """The url of the SQLite file at `path` (made absolute)."""
    return SQLITE_PREFIX + str(Path(path).expanduser().absolute())


def url_backend(url: str) -> str:
    """Which backend a storage url names; ValueError with the reason when it names none or has a password."""
    if url.startswith(SQLITE_PREFIX):
        path = url[len(SQLITE_PREFIX) :]
        if not path.startswith("/") or url == SQLITE_PREFIX + "/":
            raise ValueError("must be sqlite:///PATH with an absolute PATH")
        if Path(path).parent == Path("/"):  # "sqlite:///relative.db", written as a relative path elsewhere
            raise ValueError(f"names {path}, a file at the root of the filesystem: write the database's whole "
                             "path (sqlite:///srv/studybot/studybot.sqlite3)")  # fmt: skip
        return "sqlite"
    parts = urlsplit(url)
    if parts.scheme in POSTGRES_SCHEMES:
        if parts.password is not None or "password" in parse_qs(parts.query):
            raise ValueError(
                "carries a password; put the password in STUDYBOT_DATABASE_PASSWORD "
                "(or PGPASSWORD / a passfile) instead"
            )
        return "postgresql"
    raise ValueError("must start with sqlite:/// or postgresql://")


def database_password(environ: Mapping[str, str] | None = None) -> str | None:
    """STUDYBOT_DATABASE_PASSWORD, or None to let the driver read PGPASSWORD or the passfile as libpq does."""
    env = os.environ if environ is None else environ
    return env.get(PASSWORD_ENV) or None
