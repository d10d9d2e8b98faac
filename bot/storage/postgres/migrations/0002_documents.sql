-- The same schema as bot/storage/sqlite/migrations/0002_documents.sql in PostgreSQL's types.
CREATE TABLE documents (
    id            TEXT PRIMARY KEY,
    guild_id      BIGINT NOT NULL,
    filename      TEXT NOT NULL,
    content_type  TEXT NOT NULL,
    size          BIGINT NOT NULL,
    sha256        TEXT NOT NULL,
    title         TEXT NOT NULL,
    author        TEXT,
    date          TEXT,
    url           TEXT,
    added_by      BIGINT NOT NULL,
    added_at      DOUBLE PRECISION NOT NULL,
    passages      INTEGER NOT NULL,
    footnotes     INTEGER NOT NULL,
    first_page    INTEGER,
    last_page     INTEGER,
    warnings      TEXT NOT NULL DEFAULT '[]',  -- JSON array of strings
    content       BYTEA NOT NULL,              -- the file as uploaded
    article       TEXT NOT NULL                -- JSON (bot.core.models.article_to_dict)
);
CREATE INDEX documents_by_guild ON documents (guild_id, added_at);

-- A server's library version: bumped in the transaction of every add, edit and remove.
CREATE TABLE library_versions (
    guild_id  BIGINT PRIMARY KEY,
    version   BIGINT NOT NULL
);

ALTER TABLE guild_settings ADD COLUMN librarian_role_id BIGINT;
ALTER TABLE guild_settings ADD COLUMN threads BOOLEAN;
