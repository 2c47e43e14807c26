"""ingest: read Member State replies (DOCX, PDF) into documents and questionnaire sections.

Data flows one way: ``read_document(path)`` -> ``ExtractedDocument`` -> ``split_sections(doc)``
-> ``[Section]`` -> ``Catalog.save_document(...)``. Nothing here imports click, classify or index.
"""
