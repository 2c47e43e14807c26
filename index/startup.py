"""Import Whoosh without the modules it loads for nothing (about 80 ms of each search).

``whoosh.compat`` imports ``urllib.request`` (and with it http, ssl and email) for one name,
``urlretrieve``, that nothing in Whoosh calls; ``whoosh.reading`` imports the ``cached_property``
package, which imports ``asyncio``, for one property; ``whoosh.query.terms`` imports
``whoosh.lang.morph_en``, whose English inflection tables take ~8 ms to compile, for the
``Variations`` query, which mispa never builds. A fresh ``mispa search`` paid for all three on
every run. While Whoosh's modules load, light stand-ins answer those imports: an ``urlretrieve``
and a ``variations`` that import the real ones if they are ever called, and a ``cached_property``
that computes once and keeps the value in the instance's ``__dict__``, as the package does for a
plain (not async) method. The stand-ins are removed from ``sys.modules`` as soon as Whoosh is
loaded, so any later import of those modules gets the real one; a module already imported is
used as it is. (This runs once, when ``index`` is first imported: at the start of the CLI and of
the web server, before any thread that could import those modules meanwhile.)
"""

from __future__ import annotations

import sys
import types
from typing import Any, Callable


def urlretrieve(*args: Any, **kwargs: Any) -> Any:
    from urllib.request import urlretrieve as real

    return real(*args, **kwargs)


def variations(word: str) -> Any:
    from whoosh.lang.morph_en import variations as real

    return real(word)


class cached_property:  # noqa: N801 (the name Whoosh imports)
    """A property computed on first access, then kept as the instance's attribute."""

    def __init__(self, func: Callable[[Any], Any]) -> None:
        self.__doc__ = func.__doc__
        self.func = func

    def __get__(self, obj: Any, cls: type) -> Any:
        if obj is None:
            return self
        value = obj.__dict__[self.func.__name__] = self.func(obj)
        return value


def import_whoosh() -> None:
    """Import the Whoosh modules the index uses, with the stand-ins in place while they load."""
    stand_ins = {}
    for name, attribute, value in (("urllib.request", "urlretrieve", urlretrieve),
                                   ("cached_property", "cached_property", cached_property),
                                   ("whoosh.lang.morph_en", "variations", variations)):
        if name not in sys.modules:
            module = types.ModuleType(name, "a stand-in while Whoosh loads (index/startup.py)")
            setattr(module, attribute, value)
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
