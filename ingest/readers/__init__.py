"""One reader per format; each turns a file into an ``ExtractedDocument`` of ordered blocks."""
