"""The PostgreSQL backend: one database shared by many bot processes."""

from bot.storage.postgres.store import PostgresStore, migrate

__all__ = ["PostgresStore", "migrate"]
