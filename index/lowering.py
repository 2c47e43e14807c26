"""Lowering: map a parsed (and translated) query tree onto the index's real fields.

A free word becomes title + body (folded) + the four stemmed fields, each analyzed
by that field's own analyzer; a translated word (`text@es`) only title + `stem_es`.
Facet values are matched case- and accent-insensitively against the index's labels.
Wildcards, fuzzy terms and ranges are expanded here against the index vocabulary and
refused when they would need a leading wildcard or expand to too many words.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from itertools import islice

from whoosh import query
from whoosh.reading import IndexReader

from index.errors import QueryTooBroadError
from index.schema import FACET_FIELDS, PAIR_FIELDS, PAIR_SEP, STEM_FIELDS, TOPIC_FIELD
from index.settings import IndexSettings
from index.translate import DEFAULT_FIELD, content_words, fold, word_keys

FREE_FIELDS = ("title", "body", *STEM_FIELDS.values())
STEMMED_FREE_FIELDS = ("title", *STEM_FIELDS.values())
FOLDED_FIELDS = ("title", "body")
NOTHING = query.Term("id", "\x00")  # matches no document (a NullQuery would vanish in And)


_ANALYZED_MAX = 100_000  # (field, text) pairs kept per opened index before the memo starts again


@dataclass(frozen=True, slots=True)
class Lowering:
    """What lowering needs: the reader, limits and the facet labels; and the opened index's memo of
    analyzed words (a field's analyzer costs ~30 us a call, and a query's words are analyzed under
    several fields and forms, again by the next query that shares them)."""

    reader: IndexReader
    settings: IndexSettings
    labels: Mapping[str, Mapping[str, str]]  # facet field -> folded value -> label
    analyzed: dict[tuple[str, str], tuple[str, ...]] = field(default_factory=dict)

    def tokens(self, field: str, text: str) -> tuple[str, ...]:
        """`text` as the field's analyzer indexes it (query mode)."""
        key = (field, text)
        found = self.analyzed.get(key)
        if found is None:
            found = tuple(t.text for t in self.reader.schema[field].analyzer(text, mode="query"))
            if len(self.analyzed) >= _ANALYZED_MAX:
                self.analyzed.clear()
            self.analyzed[key] = found
        return found

    def field_query(self, field: str, text: str, boost: float = 1.0,
                    slop: int = 1) -> query.Query | None:
        """`text` analyzed by the field's analyzer: None, a Term, or a Phrase."""
        tokens = list(self.tokens(field, text))
        if not tokens:
            return None
        if len(tokens) == 1:
            return query.Term(field, tokens[0], boost=boost)
        return query.Phrase(field, tokens, slop=slop, boost=boost)

    def stem_query(self, field: str, word: str) -> query.Query | None:
        """A word in a stemmed field, OR-ed with the stems of its singular/plural forms."""
        lang = field.rsplit("_", 1)[-1]
        stems: dict[str, None] = {}
        for form in (word, *sorted(word_keys(word)), *sorted(plural_forms(word, lang))):
            tokens = self.tokens(field, form)
            if len(tokens) > 1:
                return self.field_query(field, word)
            stems.update(dict.fromkeys(tokens))
        terms = [query.Term(field, stem) for stem in stems]
        return terms[0] if len(terms) == 1 else (query.Or(terms) if terms else None)

    def pairs_query(self, lang: str, text: str) -> query.Query | None:
        """A phrase in one language: And of its consecutive stemmed word pairs."""
        tokens = self.tokens(STEM_FIELDS[lang], text)
        if len(tokens) < 2:
            return query.Term(STEM_FIELDS[lang], tokens[0]) if tokens else None
        pairs = [query.Term(PAIR_FIELDS[lang], a + PAIR_SEP + b)
                 for a, b in zip(tokens, tokens[1:], strict=False)]
        return pairs[0] if len(pairs) == 1 else query.And(pairs)

    def bounded(self, node: query.MultiTerm, shown: str) -> query.Query:
        """Expand a wildcard/fuzzy/range node to at most `max_expansions` words."""
        cap = self.settings.max_expansions
        texts = list(islice(node._btexts(self.reader), cap + 1))
        if len(texts) > cap:
            raise QueryTooBroadError(
                f"{shown!r} matches more than {cap} words in the index; make it more specific")
        if not texts:
            return NOTHING
        terms = [query.Term(node.fieldname, t.decode("utf-8") if isinstance(t, bytes) else t)
                 for t in texts]
        return query.Or(terms, boost=node.boost)


def plural_forms(word: str, lang: str) -> set[str]:
    """Simple plural of `word` in `lang` (Snowball stems singular and plural apart:
    es `joven` -> `jov` but `jóvenes` -> `joven`)."""
    w = word.lower()
    if len(w) < 3 or not w.isalpha():
        return set()
    vowel = w[-1] in "aeiouáéíóúâêôãõ"
    if lang == "es":
        return {w + ("s" if vowel else "es")}
    if lang == "pt":
        rules = {"ão": "ões", "m": "ns", "l": "is"}
        for end, repl in rules.items():
            if w.endswith(end):
                return {w[: -len(end)] + repl}
        return {w + ("s" if vowel else "es")}
    if lang == "fr":
        return {w[:-2] + "aux"} if w.endswith("al") else {w + ("x" if w.endswith("eau") else "s")}
    if w.endswith("y") and not vowel and w[-2] not in "aeiou":
        return {w[:-1] + "ies"}
    return {w + ("es" if w.endswith(("s", "x", "ch", "sh")) else "s")}


def _fields_for(fieldname: str, ctx: Lowering) -> tuple[str, ...]:
    if fieldname == DEFAULT_FIELD:
        # The stemmed fields hold every section's words (stemmed alike on both sides), so
        # the unstemmed body is only needed for sections in a language without one.
        unstemmed = any(lang not in STEM_FIELDS for lang in ctx.labels.get("language", {}))
        return FREE_FIELDS if unstemmed else STEMMED_FREE_FIELDS
    if fieldname.startswith(DEFAULT_FIELD + "@"):
        return ("title", STEM_FIELDS[fieldname.split("@", 1)[1]])
    return (fieldname,)


def _any(parts: list[query.Query | None], boost: float) -> query.Query | None:
    kept = [p for p in parts if p is not None]
    if not kept:
        return None
    return kept[0] if len(kept) == 1 and boost == 1.0 else query.Or(kept, boost=boost)


def _lower_words(q: query.Term | query.Phrase, ctx: Lowering) -> query.Query | None:
    if q.fieldname in FACET_FIELDS and isinstance(q, query.Term):
        label = ctx.labels.get(q.fieldname, {}).get(fold(str(q.text)), str(q.text))
        return query.Term(q.fieldname, label, boost=q.boost)
    if q.fieldname in ("id", TOPIC_FIELD):
        return q
    if isinstance(q, query.Phrase) and q.fieldname.startswith(DEFAULT_FIELD + "@"):
        # A translated phrase matches its words anywhere in the section: exact phrase
        # matching walks positions in Python and would dominate the query time.
        words = [lower(query.Term(q.fieldname, w), ctx) for w in content_words(" ".join(q.words))]
        kept = [w for w in words if w is not None]
        return query.And(kept, boost=q.boost) if kept else None
    if isinstance(q, query.Phrase) and q.fieldname == DEFAULT_FIELD and q.slop <= 1:
        return _lower_phrase(" ".join(q.words), q.boost, ctx)
    if isinstance(q, query.Phrase) and q.fieldname in ("title", "institution"):
        return ctx.field_query(q.fieldname, " ".join(q.words), q.boost, q.slop)
    if isinstance(q, query.Phrase):
        # Only title and institution keep positions: elsewhere a sloppy phrase ("a b"~3)
        # or a phrase in body: matches when all its words occur.
        words = [lower(query.Term(q.fieldname, w), ctx) for w in q.words]
        kept = [w for w in words if w is not None]
        return query.And(kept, boost=q.boost) if kept else None
    parts = [ctx.field_query(f, str(q.text)) if f in FOLDED_FIELDS else ctx.stem_query(f, str(q.text))
             for f in _fields_for(q.fieldname, ctx)]
    return _any(parts, q.boost)


def _lower_phrase(text: str, boost: float, ctx: Lowering) -> query.Query | None:
    """A quoted phrase: its word pairs in each language's pairs field (the stemmed
    title + text). The title's words score it higher when they are all in the title;
    only sections without a stemmed language need a positional title phrase."""
    pairs = _any([ctx.pairs_query(lang, text) for lang in STEM_FIELDS], 1.0)
    title_words = ctx.field_query("title", text)
    if isinstance(title_words, query.Phrase):
        title_words = query.And([query.Term("title", w) for w in title_words.words])
    parts = [query.And([title_words, pairs]) if title_words and pairs else None, pairs]
    if any(lang not in STEM_FIELDS for lang in ctx.labels.get("language", {})):
        parts.append(ctx.field_query("title", text))
    return _any(parts, boost)


def _lower_multiterm(q: query.MultiTerm, ctx: Lowering) -> query.Query:
    settings = ctx.settings
    shown = _shown(q)
    if isinstance(q, (query.Wildcard, query.Prefix)):
        head = str(q.text).split("*")[0].split("?")[0]
        if len(head) < settings.min_prefix:
            raise QueryTooBroadError(
                f"{shown!r}: a wildcard needs at least {settings.min_prefix} letters before * or ?")
    if isinstance(q, query.FuzzyTerm):
        q = query.FuzzyTerm(q.fieldname, q.text, q.boost,
                            min(q.maxdist, settings.max_fuzzy_distance), max(q.prefixlength, 1))
    fields = FOLDED_FIELDS if q.fieldname == DEFAULT_FIELD else (q.fieldname,)
    parts: list[query.Query | None] = []
    for field in fields:
        node = _retarget(q, field)
        parts.append(ctx.bounded(node, shown))
    return _any(parts, 1.0) or NOTHING


def _shown(q: query.MultiTerm) -> str:
    """The node as the user wrote it, for error messages: `prev*`, `title:[a TO z]`."""
    if isinstance(q, query.Prefix):
        text = f"{q.text}*"
    elif isinstance(q, query.FuzzyTerm):
        text = f"{q.text}~{q.maxdist}"
    elif isinstance(q, query.TermRange):
        text = f"[{q.start or ''} TO {q.end or ''}]"
    else:
        text = str(getattr(q, "text", q))
    return text if q.fieldname == DEFAULT_FIELD else f"{q.fieldname}:{text}"


def _retarget(q: query.MultiTerm, field: str) -> query.MultiTerm:
    clone = q.copy()
    clone.fieldname = field
    if field in FOLDED_FIELDS and hasattr(clone, "text"):
        clone.text = fold(str(clone.text))
    if isinstance(clone, query.TermRange) and field in FOLDED_FIELDS:
        clone.start = fold(str(clone.start)) if clone.start else clone.start
        clone.end = fold(str(clone.end)) if clone.end else clone.end
    return clone


def lower(q: query.Query, ctx: Lowering) -> query.Query | None:
    """The query on real index fields (None when nothing searchable is left)."""
    if isinstance(q, (query.Term, query.Phrase)):
        return _lower_words(q, ctx)
    if isinstance(q, query.Every):
        if q.fieldname in (None, DEFAULT_FIELD) or str(q.fieldname).startswith(DEFAULT_FIELD):
            return query.Every()
        return q
    if isinstance(q, query.MultiTerm):
        return _lower_multiterm(q, ctx)
    if isinstance(q, query.Not):
        inner = lower(q.query, ctx)
        return query.Not(inner) if inner is not None else None
    if isinstance(q, query.BinaryQuery):  # before CompoundQuery, its base class
        a, b = lower(q.a, ctx), lower(q.b, ctx)
        if a is None:
            return None
        return a if b is None else type(q)(a, b)
    if isinstance(q, query.CompoundQuery):
        kids = [k for k in (lower(c, ctx) for c in q.subqueries) if k is not None]
        return type(q)(kids, boost=q.boost) if kids else None
    return q
