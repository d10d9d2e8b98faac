-- Every server's own reading list: the original bytes, what came in, and the parsed article.
CREATE TABLE documents (
    id            TEXT PRIMARY KEY,
    guild_id      INTEGER NOT NULL,
    filename      TEXT NOT NULL,
    content_type  TEXT NOT NULL,
    size          INTEGER NOT NULL,
    sha256        TEXT NOT NULL,
    title         TEXT NOT NULL,
    author        TEXT,
    date          TEXT,
    url           TEXT,
    added_by      INTEGER NOT NULL,
    added_at      REAL NOT NULL,
    passages      INTEGER NOT NULL,
    footnotes     INTEGER NOT NULL,
    first_page    INTEGER,
    last_page     INTEGER,
    warnings      TEXT NOT NULL DEFAULT '[]',  -- JSON array of strings
    content       BLOB NOT NULL,               -- the file as uploaded
    article       TEXT NOT NULL                -- JSON (bot.core.models.article_to_dict)
);
CREATE INDEX documents_by_guild ON documents (guild_id, added_at);

-- A server's library version: bumped in the transaction of every add, edit and remove.
CREATE TABLE library_versions (
    guild_id  INTEGER PRIMARY KEY,
    version   INTEGER NOT NULL
);

ALTER TABLE guild_settings ADD COLUMN librarian_role_id INTEGER;
ALTER TABLE guild_settings ADD COLUMN threads INTEGER CHECK (threads IN (0, 1));
