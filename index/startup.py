"""Import Whoosh without the modules it loads for nothing (about 80 ms of each search).

``whoosh.compat`` imports ``urllib.request`` (and with it http, ssl and email) for one name,
``urlretrieve``, that nothing in Whoosh calls; ``whoosh.reading`` imports the ``cached_property``
package, which imports ``asyncio``, for one property; ``whoosh.query.terms`` imports
``whoosh.lang.morph_en``, whose English inflection tables take ~8 ms to compile, for the
``Variations`` query, which mispa never builds. A fresh ``mispa search`` paid for all three on
every run. While Whoosh's modules load, light stand-ins answer those imports: an ``urlretrieve``
and a ``variations`` that import the real ones if they are ever called, and the standard
library's ``functools.cached_property``, which does what the package does for a plain (not
async) method: compute once, keep the value in the instance's ``__dict__``. The stand-ins are
removed from ``sys.modules`` as soon as Whoosh is loaded, so any later import of those modules
gets the real one; a module already imported is used as it is. (This runs once, when ``index`` is
first imported: at the start of the CLI and of the web server, before any thread that could import
those modules meanwhile.)
"""

from __future__ import annotations

import importlib
import sys
import types
from functools import cached_property
from typing import Any, Callable

# module, the one name Whoosh imports from it, its stand-in (None: the real one, imported when
# first called)
_STAND_INS = (("urllib.request", "urlretrieve", None),
              ("whoosh.lang.morph_en", "variations", None),
              ("cached_property", "cached_property", cached_property))


def _real_on_call(module: str, name: str) -> Callable[..., Any]:
    def call(*args: Any, **kwargs: Any) -> Any:
        return getattr(importlib.import_module(module), name)(*args, **kwargs)

    return call


def import_whoosh() -> None:
    """Import the Whoosh modules the index uses, with the stand-ins in place while they load."""
    stand_ins = {}
    for name, attribute, value in _STAND_INS:
        if name not in sys.modules:
            module = types.ModuleType(name, "a stand-in while Whoosh loads (index/startup.py)")
            setattr(module, attribute, value or _real_on_call(name, attribute))
            stand_ins[name] = module
    sys.modules.update(stand_ins)
    try:
        import whoosh.compat  # noqa: F401
        import whoosh.query  # noqa: F401
        import whoosh.reading  # noqa: F401
    finally:
        for name, module in stand_ins.items():
            if sys.modules.get(name) is module:
                del sys.modules[name]


import_whoosh()
