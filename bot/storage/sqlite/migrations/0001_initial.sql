-- Answers shown to users, with their cited excerpts and votes.
CREATE TABLE answers (
    id             TEXT PRIMARY KEY,
    guild_id       INTEGER,
    channel_id     INTEGER,
    user_id        INTEGER NOT NULL,
    question       TEXT NOT NULL,
    answered       INTEGER NOT NULL CHECK (answered IN (0, 1)),
    weak           INTEGER NOT NULL CHECK (weak IN (0, 1)),
    matched_terms  TEXT NOT NULL DEFAULT '[]',  -- JSON array of strings
    unknown_terms  TEXT NOT NULL DEFAULT '[]',  -- JSON array of strings
    created_at     REAL NOT NULL,
    expires_at     REAL NOT NULL,
    private        INTEGER NOT NULL CHECK (private IN (0, 1)),
    page_size      INTEGER NOT NULL,
    page           INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX answers_by_expiry ON answers (expires_at);
CREATE INDEX answers_by_guild ON answers (guild_id);

CREATE TABLE excerpts (
    answer_id   TEXT NOT NULL REFERENCES answers (id) ON DELETE CASCADE,
    rank        INTEGER NOT NULL,
    passage_id  TEXT NOT NULL,
    score       REAL NOT NULL,
    quote       TEXT NOT NULL,
    highlights  TEXT NOT NULL DEFAULT '[]',  -- JSON array of [start, end]
    PRIMARY KEY (answer_id, rank)
) WITHOUT ROWID;

CREATE TABLE feedback (
    answer_id  TEXT NOT NULL REFERENCES answers (id) ON DELETE CASCADE,
    user_id    INTEGER NOT NULL,
    value      INTEGER NOT NULL CHECK (value IN (-1, 1)),
    at         REAL NOT NULL,
    PRIMARY KEY (answer_id, user_id)
) WITHOUT ROWID;

-- Every question asked; kept when answers are pruned, so no foreign key.
CREATE TABLE question_log (
    id          INTEGER PRIMARY KEY,
    guild_id    INTEGER,
    user_id     INTEGER NOT NULL,
    question    TEXT NOT NULL,
    normalized  TEXT NOT NULL,  -- casefolded, whitespace collapsed
    answered    INTEGER NOT NULL CHECK (answered IN (0, 1)),
    weak        INTEGER NOT NULL CHECK (weak IN (0, 1)),
    answer_id   TEXT,
    at          REAL NOT NULL
);
CREATE INDEX question_log_by_guild ON question_log (guild_id, answered, normalized);

CREATE TABLE guild_settings (
    guild_id          INTEGER PRIMARY KEY,
    top_k             INTEGER,
    private_default   INTEGER CHECK (private_default IN (0, 1)),
    cooldown_seconds  INTEGER,
    channel_ids       TEXT NOT NULL DEFAULT '[]'  -- JSON array of ints
);
