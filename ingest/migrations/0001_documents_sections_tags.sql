-- v1 - documents, sections, tags
CREATE TABLE documents (
        id INTEGER PRIMARY KEY,
        sha256 TEXT NOT NULL UNIQUE,
        file_name TEXT NOT NULL,
        path TEXT NOT NULL,
        source TEXT NOT NULL DEFAULT 'file',
        format TEXT,
        page_count INTEGER,
        language TEXT,
        member_state TEXT,
        reply_date TEXT,
        year INTEGER,
        status TEXT NOT NULL,
        reason TEXT NOT NULL DEFAULT '',
        cover_text TEXT NOT NULL DEFAULT '',
        metadata TEXT NOT NULL DEFAULT '{}',
        ingested_at TEXT NOT NULL
    );
    CREATE TABLE sections (
        id TEXT PRIMARY KEY,
        document_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
        ordinal INTEGER NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('plan', 'program', 'lesson', 'practice')),
        title TEXT NOT NULL,
        member_state TEXT,
        language TEXT,
        institution TEXT NOT NULL DEFAULT '',
        contact_person TEXT NOT NULL DEFAULT '',
        job_title TEXT NOT NULL DEFAULT '',
        phone TEXT NOT NULL DEFAULT '',
        email TEXT NOT NULL DEFAULT '',
        declared_pillar TEXT NOT NULL DEFAULT '',
        fields TEXT NOT NULL DEFAULT '{}',
        text TEXT NOT NULL,
        page_start INTEGER,
        page_end INTEGER,
        flags TEXT NOT NULL DEFAULT '',
        UNIQUE (document_id, ordinal)
    );
    CREATE INDEX sections_state ON sections(member_state, kind);
    CREATE TABLE tags (
        section_id TEXT NOT NULL REFERENCES sections(id) ON DELETE CASCADE,
        kind TEXT NOT NULL CHECK (kind IN ('pillar', 'theme')),
        code TEXT NOT NULL,
        score REAL NOT NULL,
        source TEXT NOT NULL CHECK (source IN ('declared', 'text', 'reviewer')),
        evidence TEXT NOT NULL DEFAULT '[]',
        PRIMARY KEY (section_id, kind, code)
    );
