"""From a query string to a Whoosh query on the index's real fields.

1. `check_syntax` refuses what Whoosh's lenient parser would silently mangle:
   unbalanced parentheses or quotes, dangling AND/OR/NOT, unknown fields, and
   hostile input (huge strings, deep nesting).
2. `parse` reads Whoosh syntax into a tree over a virtual field `text` (free words,
   accents kept) and drops stop words of the four languages.
3. translate.expand may add `text@<lang>` alternatives (other module).
4. `lower` maps each node onto index fields: a free word becomes title + body + the
   four stemmed fields; a translated word only title + its language's stem field.
   Wildcards, fuzzy terms and ranges are expanded here against the index vocabulary,
   refused when they need a leading wildcard or expand to too many words.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from whoosh import query
from whoosh.analysis import LowercaseFilter, RegexTokenizer
from whoosh.fields import ID, TEXT, Schema
from whoosh.qparser import FieldAliasPlugin, FuzzyTermPlugin, OrGroup, QueryParser

from index.errors import QuerySyntaxError
from index.schema import _WORDS, FACET_FIELDS, all_stopwords
from index.settings import IndexSettings
from index.translate import DEFAULT_FIELD, Either, SideBySide, fold, typed_side_by_side

ALIASES = {"pillars": ["pillar"], "themes": ["theme"], "member_state": ["country"],
           "language": ["lang"], DEFAULT_FIELD: ["all"]}
QUERY_FIELDS = (DEFAULT_FIELD, "title", "body", "institution", "id", *FACET_FIELDS)
_KNOWN = frozenset(QUERY_FIELDS) | {a for names in ALIASES.values() for a in names}
_BINARY = {"AND", "OR", "ANDNOT", "ANDMAYBE"}


def _with_requirements(q: query.Query) -> query.Query:
    """Words typed side by side are alternatives, but not what restricts them: `NOT x`
    and `field:value` (other than free text) still have to hold.
    `police youth NOT prison country:chile` -> ((police OR youth) AND chile) ANDNOT prison."""
    if not isinstance(q, query.Or):
        return q
    negated, required, optional = [], [], []
    for k in q.subqueries:
        if isinstance(k, query.Not):
            negated.append(k.query)
        elif getattr(k, "fieldname", DEFAULT_FIELD) != DEFAULT_FIELD:
            required.append(k)
        else:
            optional.append(k)
    optional = _around_or(optional)
    if not negated and not required:
        return type(q)(optional, boost=q.boost)
    parts = [type(q)(optional, boost=q.boost) if len(optional) > 1 else optional[0]] if optional else []
    parts += required
    if not parts:
        return query.And([query.Not(n) for n in negated])
    kept = parts[0] if len(parts) == 1 else query.And(parts)
    for n in negated:
        kept = query.AndNot(kept, n)
    return kept


def _around_or(words: list[query.Query]) -> list[query.Query]:
    """Words typed beside an explicit OR go with its nearest alternative, as one reads them:
    "violencia doméstica OR trata de personas" is (violencia doméstica) OR (trata de personas),
    not violencia, (doméstica OR trata), personas as Whoosh's precedence has it. The words may
    then name a concept together on either side, never across the OR ("police OR training" is not
    the concept "police training"). No match changes (words side by side are alternatives too).
    An OR in parentheses stays as typed: its group is a SideBySide of its own."""
    if not any(type(w) is query.Or for w in words) or len(words) == 1:
        return words
    segments: list[list[query.Query]] = [[]]
    for w in words:
        if type(w) is query.Or:
            first, *middle, last = w.subqueries
            segments[-1].append(first)
            segments += [[m] for m in middle]
            segments.append([last])
        else:
            segments[-1].append(w)
    return [Either([s[0] if len(s) == 1 else SideBySide(s) for s in segments if s])]


def side_by_side(q: query.Query) -> query.Or | None:
    """The OR of the words typed side by side, also under the filters and NOTs that
    _with_requirements puts around it (and the pillars that topics.add_topics ranks by); None for
    one word, also with its translations (a translate.Alternatives is one group, not several)."""
    while isinstance(q, (query.And, query.AndNot, query.AndMaybe)):
        q = q.subqueries[0] if isinstance(q, query.And) else q.a
    return q if typed_side_by_side(q) else None


class _SideBySide(OrGroup):
    """The implicit group of words typed without an operator (see _with_requirements): a
    translate.SideBySide, which an explicit OR is not."""

    qclass = SideBySide

    def query(self, parser: QueryParser) -> query.Query:
        return _with_requirements(super().query(parser))


@lru_cache(maxsize=1)
def _parser() -> QueryParser:
    words = RegexTokenizer(_WORDS) | LowercaseFilter()
    fields: dict[str, Any] = {name: TEXT(analyzer=words) for name in
                              (DEFAULT_FIELD, "title", "body", "institution")}
    fields.update({name: ID() for name in ("id", *FACET_FIELDS)})
    parser = QueryParser(DEFAULT_FIELD, Schema(**fields), group=_SideBySide)
    parser.add_plugin(FuzzyTermPlugin())
    parser.add_plugin(FieldAliasPlugin(ALIASES))
    return parser


def _scan(text: str, settings: IndexSettings) -> list[tuple[str, int, int]]:
    """Split into (kind, start, end) tokens: word, phrase, range, (, ); check nesting."""
    tokens, depth, i = [], 0, 0
    closers = {'"': '"', "[": "]", "{": "}"}
    while i < len(text):
        c = text[i]
        if c.isspace():
            i += 1
        elif c in closers:
            end = text.find(closers[c], i + 1)
            if end < 0:
                what = "phrase" if c == '"' else "range"
                raise QuerySyntaxError(f"Unterminated {what}: missing {closers[c]} after {text[i:i + 20]!r}")
            tokens.append(("phrase" if c == '"' else "range", i, end + 1))
            i = end + 1
        elif c in "()":
            depth += 1 if c == "(" else -1
            if depth < 0:
                raise QuerySyntaxError(f"Unbalanced parenthesis: ')' at character {i + 1} has no '('")
            if depth > settings.max_nesting:
                raise QuerySyntaxError(f"Parentheses nested deeper than {settings.max_nesting} levels")
            tokens.append((c, i, i + 1))
            i += 1
        else:
            j = i
            while j < len(text) and not text[j].isspace() and text[j] not in '()"[{':
                j += 1
            tokens.append(("word", i, j))
            i = j
    if depth:
        raise QuerySyntaxError("Unbalanced parenthesis: missing ')'")
    return tokens


def _check_field(word: str, text: str, end: int, follower: tuple[str, int, int] | None) -> None:
    name, _, value = word.partition(":")
    if not name or value.startswith("//") or not re.fullmatch(r"\w+", name):
        return
    if name not in _KNOWN:
        known = ", ".join(sorted(_KNOWN - {DEFAULT_FIELD}))
        raise QuerySyntaxError(f"Unknown field {name!r} in {word!r}; known fields: {known}")
    if not value and not (follower and follower[1] == end and follower[0] != ")"):
        raise QuerySyntaxError(f"Field {name + ':'!r} needs a value, e.g. {name}:violence")


def _check_operators(text: str, tokens: list[tuple[str, int, int]]) -> None:
    kinds = [text[s:e] if k == "word" else k for k, s, e in tokens]
    for i, kind in enumerate(kinds):
        before = kinds[i - 1] if i else None
        after = kinds[i + 1] if i + 1 < len(kinds) else None
        if kind in _BINARY and (before in (None, "(", "NOT") or before in _BINARY):
            raise QuerySyntaxError(f"{kind!r} needs a term before it")
        if kind in _BINARY | {"NOT"} and (after in (None, ")") or after in _BINARY):
            raise QuerySyntaxError(f"{kind!r} needs a term after it")


def check_syntax(text: str, settings: IndexSettings) -> None:
    """Raise QuerySyntaxError (one line) for malformed or hostile query strings."""
    if len(text) > settings.max_query_chars:
        raise QuerySyntaxError(
            f"Query too long ({len(text)} characters; the limit is {settings.max_query_chars})")
    tokens = _scan(text, settings)
    for n, (kind, start, end) in enumerate(tokens):
        if kind == "word" and ":" in text[start:end]:
            follower = tokens[n + 1] if n + 1 < len(tokens) else None
            _check_field(text[start:end], text, end, follower)
    _check_operators(text, tokens)


def _drop_stopwords(q: query.Query) -> query.Query:
    if isinstance(q, query.Term) and q.fieldname == DEFAULT_FIELD:
        return query.NullQuery if fold(str(q.text)) in all_stopwords() else q
    return q.apply(_drop_stopwords)


def parse(text: str, settings: IndexSettings) -> query.Query:
    """Check and parse a query string; stop words of all four languages are dropped.

    >>> parse('"violencia doméstica" AND pillar:2', IndexSettings())
    And([Phrase('text', ['violencia', 'doméstica'], ...), Term('pillars', '2')])
    """
    text = text.strip()
    if text in ("", "*"):
        return query.Every()
    check_syntax(text, settings)
    q = _drop_stopwords(_parser().parse(text)).normalize()
    leaves = sum(1 for _ in q.leaves()) if q.is_leaf() is False else 1
    if leaves > settings.max_query_terms:
        raise QuerySyntaxError(f"Query has {leaves} terms; the limit is {settings.max_query_terms}")
    return q


def free_terms(q: query.Query) -> list[str]:
    """The user's free words (not translations), in query order."""
    if isinstance(q, query.Term):
        return [str(q.text)] if q.fieldname == DEFAULT_FIELD else []
    return [w for child in q.children() for w in free_terms(child)]


def describe(q: query.Query) -> str:
    """A readable rendering of a (translated) query tree, e.g. `(violence OR violencia^0.4)`."""
    boost = f"^{q.boost:g}" if getattr(q, "boost", 1.0) != 1.0 else ""
    field = getattr(q, "fieldname", None)
    prefix = "" if not field or field.split("@")[0] == DEFAULT_FIELD else f"{field}:"
    if isinstance(q, query.Term):
        text = str(q.text)
        return prefix + (f'"{text}"' if " " in text else text) + boost
    if isinstance(q, query.Phrase) and field and field.startswith(DEFAULT_FIELD + "@"):
        return "(" + " ".join(q.words) + ")" + boost  # all words, in any order (not a phrase)
    if isinstance(q, query.Phrase):
        return f'{prefix}"{" ".join(q.words)}"{boost}'
    if isinstance(q, (query.And, query.Or)):
        joiner = " AND " if isinstance(q, query.And) else " OR "
        return "(" + joiner.join(describe(c) for c in q.subqueries) + ")" + boost
    if isinstance(q, query.Not):
        return "NOT " + describe(q.query)
    if isinstance(q, query.BinaryQuery):
        return f"({describe(q.a)} {q.JOINT.strip()} {describe(q.b)})"
    if isinstance(q, query.Every):
        return "*"
    if q is query.NullQuery:
        return ""
    return str(q).removeprefix(DEFAULT_FIELD + ":")
