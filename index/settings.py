"""Settings for the index package: one frozen dataclass that validates itself.

The CLI builds it once and passes it down; nothing here reads the environment.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class IndexSettings:
    """Limits and tuning knobs for writing and searching the index.

    >>> IndexSettings(lock_timeout=2.0).lock_timeout
    2.0
    """

    lock_timeout: float = 30.0  # seconds a writer waits for another writer
    lock_poll: float = 0.1  # seconds between two attempts to take the lock
    stale_lock_seconds: float = 6 * 3600.0  # a lock older than this is abandoned
    writer_memory_mb: int = 256
    keep_generations: int = 2  # current build + the previous one (open searchers)
    max_query_chars: int = 1000
    max_query_terms: int = 48
    max_nesting: int = 8  # parentheses deeper than this are refused
    max_expansions: int = 256  # words one wildcard, fuzzy term or range may expand to
    max_index_terms: int = 600  # index terms one query may turn into (translations included)
    min_prefix: int = 2  # letters required before a wildcard
    max_fuzzy_distance: int = 2
    expansion_boost: float = 0.4  # weight of translated terms; originals weigh 1
    expansions_per_language: int = 4  # taxonomy terms added per other language
    topic_boost: float = 1.0  # sections about a thematic area the query names (0: off)
    pillar_boost: float = 0.1  # sections tagged with that area's pillar (0: off)
    # Both, times this, when the query names the area by one of its terms only, not by the area's
    # own names: "cybercrime" is a term of 5.2, a search for it is not a search for all of 5.2.
    term_topic_share: float = 0.5
    # A national plan's relevance against a program, lesson or practice scoring the same (1: none).
    # A plan spans most areas and names each at length; a search on a topic is for its practices.
    plan_weight: float = 0.6
    snippet_fragments: int = 2
    snippet_chars: int = 160
    excerpt_chars: int = 300

    def __post_init__(self) -> None:
        positive = ("lock_timeout", "lock_poll", "stale_lock_seconds", "expansion_boost")
        for name in positive:
            if getattr(self, name) <= 0:
                raise ValueError(f"{name} must be positive")
        if not 0 < self.expansion_boost < 1:
            raise ValueError("expansion_boost must be between 0 and 1 (below the original terms)")
        if not 0 <= self.topic_boost <= 1 or not 0 <= self.pillar_boost <= self.topic_boost:
            raise ValueError("topic_boost must be between 0 (off) and 1, and pillar_boost between 0 and it")
        if not 0 <= self.term_topic_share <= 1:
            raise ValueError("term_topic_share must be between 0 and 1")
        if not 0 < self.plan_weight <= 1:
            raise ValueError("plan_weight must be above 0 and at most 1 (no difference)")
        if self.keep_generations < 1:
            raise ValueError("keep_generations must be at least 1")
        if self.min_prefix < 1 or self.max_expansions < 1 or self.max_nesting < 1:
            raise ValueError("min_prefix, max_expansions and max_nesting must be at least 1")
        if not 0 <= self.max_fuzzy_distance <= 2:
            raise ValueError("max_fuzzy_distance must be 0, 1 or 2")


DEFAULT_SETTINGS = IndexSettings()
