"""index.startup: Whoosh loads without urllib.request and asyncio, and nothing else notices."""

from __future__ import annotations

import subprocess
import sys

from index.startup import cached_property


def test_whoosh_loads_without_urllib_request_and_asyncio_which_still_import_for_real_later() -> None:
    code = ("import sys, index\n"
            "print(sorted(m for m in ('asyncio', 'urllib.request', 'cached_property') if m in sys.modules))\n"
            "import urllib.request, cached_property, whoosh.compat, whoosh.reading\n"
            "print(urllib.request.__file__.endswith('request.py'), hasattr(urllib.request, 'urlopen'),\n"
            "      'asyncio' in sys.modules, cached_property.cached_property is not whoosh.reading.cached_property)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.splitlines() == ["[]", "True True True True"]


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
