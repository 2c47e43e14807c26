"""index.startup: Whoosh loads without urllib.request and asyncio, and nothing else notices."""

from __future__ import annotations

import subprocess
import sys

from index.startup import cached_property


def test_whoosh_loads_without_the_modules_it_does_not_need_which_still_import_for_real_later() -> None:
    code = ("import sys, index\n"
            "skipped = ('asyncio', 'urllib.request', 'cached_property', 'whoosh.lang.morph_en')\n"
            "print(sorted(m for m in skipped if m in sys.modules))\n"
            "import urllib.request, cached_property, whoosh.compat, whoosh.reading, whoosh.query.terms\n"
            "print(urllib.request.__file__.endswith('request.py'), hasattr(urllib.request, 'urlopen'),\n"
            "      'asyncio' in sys.modules,\n"
            "      cached_property.cached_property is not whoosh.reading.cached_property)\n"
            "print(sorted(whoosh.query.terms.variations('policy')))\n"
            "import whoosh.lang.morph_en\n"
            "print(whoosh.lang.morph_en.variations is not whoosh.query.terms.variations)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.splitlines()[:2] == ["[]", "True True True True"]
    assert "policies" in out.splitlines()[2] and out.splitlines()[3] == "True"


def test_the_stand_in_property_computes_once_and_keeps_the_value() -> None:
    calls = []

    class Reader:
        @cached_property
        def deleted(self) -> frozenset[int]:
            """The deleted documents."""
            calls.append(1)
            return frozenset({3})

    reader = Reader()
    assert reader.deleted == reader.deleted == frozenset({3})
    assert calls == [1] and reader.__dict__["deleted"] == frozenset({3})
    assert Reader.deleted.__doc__ == "The deleted documents."
    del reader.deleted
    assert reader.deleted == frozenset({3}) and calls == [1, 1]
