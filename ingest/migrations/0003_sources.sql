-- v3 - sources (e-mail messages, mailboxes, archives), their entries, and OCR marks.
-- A source is a container file or a message inside one: its sender, date, subject and body (the
-- cover note) are kept. Every attachment or member it holds gets one entry with its outcome, so
-- `mispa status` accounts for duplicates and refused members that have no documents row.
CREATE TABLE sources (
        id INTEGER PRIMARY KEY,
        sha256 TEXT NOT NULL UNIQUE,
        kind TEXT NOT NULL CHECK (kind IN ('message', 'mailbox', 'archive')),
        parent_id INTEGER REFERENCES sources(id) ON DELETE SET NULL,
        name TEXT NOT NULL,
        path TEXT NOT NULL,
        sender TEXT NOT NULL DEFAULT '',
        sent_at TEXT,
        subject TEXT NOT NULL DEFAULT '',
        body TEXT NOT NULL DEFAULT '',
        member_state TEXT,
        status TEXT NOT NULL,
        reason TEXT NOT NULL DEFAULT '',
        ingested_at TEXT NOT NULL
    );
    CREATE TABLE source_entries (
        source_id INTEGER NOT NULL REFERENCES sources(id) ON DELETE CASCADE,
        ordinal INTEGER NOT NULL,
        name TEXT NOT NULL,
        kind TEXT NOT NULL,
        sha256 TEXT NOT NULL DEFAULT '',
        status TEXT NOT NULL,
        reason TEXT NOT NULL DEFAULT '',
        PRIMARY KEY (source_id, ordinal)
    );
    ALTER TABLE documents ADD COLUMN source_id INTEGER REFERENCES sources(id) ON DELETE SET NULL;
    ALTER TABLE documents ADD COLUMN ocr INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE sections ADD COLUMN ocr INTEGER NOT NULL DEFAULT 0;
    CREATE INDEX documents_source ON documents(source_id);
