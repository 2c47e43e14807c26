-- v4 - accounts of the web interface (`mispa user add NAME --role reviewer|admin`).
-- password_hash is a werkzeug KDF string ("scrypt:32768:8:1$salt$hash"), never a password.
-- A disabled account keeps its row, so the names in review_log keep meaning something.
CREATE TABLE users (
        name TEXT PRIMARY KEY COLLATE NOCASE,
        role TEXT NOT NULL CHECK (role IN ('reviewer', 'admin')),
        password_hash TEXT NOT NULL,
        created_at TEXT NOT NULL,
        disabled INTEGER NOT NULL DEFAULT 0
    );
