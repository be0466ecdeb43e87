-- Schema v3: rehearsals (recorded traffic replayed through a model revision),
-- the evidence for go-live.
CREATE TABLE rehearsals (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    model_id INTEGER NOT NULL REFERENCES models(id) ON DELETE CASCADE,
    revision INTEGER NOT NULL,
    environment TEXT NOT NULL,
    file_name TEXT NOT NULL,
    file_path TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    lines INTEGER NOT NULL,
    bytes INTEGER NOT NULL,
    seconds REAL NOT NULL,
    -- Decisions by kind and reason (JSON), for the list.
    counts_json TEXT NOT NULL,
    -- The runtime's report, as `charter replay --report` writes it.
    report_json TEXT NOT NULL,
    at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

CREATE INDEX rehearsals_model ON rehearsals(model_id, id);
