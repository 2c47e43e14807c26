"""The hostile-input battery of issue #9: built by make_files.py, described by manifest.toml."""
