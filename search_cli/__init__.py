"""search_cli: the ``mispa`` command, a thin layer over ingest, classify and index."""
