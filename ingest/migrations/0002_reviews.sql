-- v2 - reviewer decisions and their append-only audit log.
-- Reviews are keyed by the natural section key (ingest.catalog.section_key: member state | kind |
-- normalized title, "#n" for a repeat in one reply), never by a sections row, so they outlive
-- re-ingest, re-classification, rebuilds and revised versions of a reply (no foreign keys on purpose).
CREATE TABLE reviews (
        key TEXT PRIMARY KEY,
        member_state TEXT NOT NULL DEFAULT '',
        kind TEXT NOT NULL,
        title TEXT NOT NULL,
        pillars TEXT NOT NULL DEFAULT '[]',
        themes TEXT NOT NULL DEFAULT '[]',
        note TEXT NOT NULL DEFAULT '',
        section_id TEXT NOT NULL,
        text_sha256 TEXT NOT NULL,
        text_at_review TEXT NOT NULL,
        reviewer TEXT NOT NULL,
        reviewed_at TEXT NOT NULL
    );
    CREATE TABLE review_log (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        key TEXT NOT NULL,
        section_id TEXT NOT NULL,
        action TEXT NOT NULL CHECK (action IN ('accept', 'set', 'reject')),
        reviewer TEXT NOT NULL,
        at TEXT NOT NULL,
        before TEXT NOT NULL,
        after TEXT NOT NULL,
        note TEXT NOT NULL DEFAULT '',
        origin TEXT NOT NULL DEFAULT 'cli'
    );
    CREATE INDEX review_log_key ON review_log(key);
    CREATE TRIGGER review_log_no_update BEFORE UPDATE ON review_log
    BEGIN
        SELECT RAISE(ABORT, 'review_log is append-only');
    END;
    CREATE TRIGGER review_log_no_delete BEFORE DELETE ON review_log
    BEGIN
        SELECT RAISE(ABORT, 'review_log is append-only');
    END;
