-- Charter workspace store, schema v1.
CREATE TABLE models (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    head INTEGER NOT NULL,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

CREATE TABLE revisions (
    model_id INTEGER NOT NULL REFERENCES models(id) ON DELETE CASCADE,
    seq INTEGER NOT NULL,
    parent INTEGER,
    model_json TEXT NOT NULL,
    summary TEXT NOT NULL,
    at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    PRIMARY KEY (model_id, seq)
);

CREATE TABLE decision_log (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    model_id INTEGER NOT NULL REFERENCES models(id) ON DELETE CASCADE,
    entity TEXT NOT NULL,
    from_owner TEXT,
    to_owner TEXT,
    rationale TEXT,
    who TEXT NOT NULL,
    at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
