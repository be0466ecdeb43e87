-- Schema v2: linked model files, saved revision, canvas layout, app state.
ALTER TABLE models ADD COLUMN file_path TEXT;
ALTER TABLE models ADD COLUMN saved_seq INTEGER;
ALTER TABLE decision_log ADD COLUMN revision INTEGER;

-- Canvas positions: workspace-only, never exported to a model file.
CREATE TABLE layout (
    model_id INTEGER NOT NULL REFERENCES models(id) ON DELETE CASCADE,
    node_id TEXT NOT NULL,
    x REAL NOT NULL,
    y REAL NOT NULL,
    PRIMARY KEY (model_id, node_id)
);

CREATE TABLE app_state (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE INDEX decision_log_model ON decision_log(model_id, id);
