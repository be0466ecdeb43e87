-- Schema v4: workspace settings (key → text). First: `user_name`, the name
-- recorded as "who" in the decision log (asked once, editable).
CREATE TABLE settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
