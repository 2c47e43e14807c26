"""Benchmark of index.search(): latency with all facet counts, against plain Whoosh.

Generates realistic sections (four languages, ~300 words each, from the glossary's
domain words, stop words and a large Zipf-distributed vocabulary of pseudo-words;
seeded), builds one index per size, runs 200 mixed queries (1-3 words, phrases,
OR/NOT, some with filters, some sorted by date) and prints p50/p95 of

- ours:      index.search() -> 10-hit page + counts for all six facets;
- groupedby: the same lowered Whoosh query through `searcher.search(groupedby=...)`
             with the same six FieldFacets (allow_overlap, Count), Whoosh's own way;

plus build time, hostile queries, and the cold start of a fresh process running one
search next to `python -c pass` (or the CLI, with --cli); and the latency of index.similar()
for --similar random sections next to Whoosh's own more-like-this (more_like) on each.

    .venv/bin/python bench/search.py --quick                 # 2,000 sections
    .venv/bin/python bench/search.py --sizes 10000,100000    # the targets
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from whoosh import sorting  # noqa: E402
from whoosh.lang import stopwords_for_language  # noqa: E402

import index  # noqa: E402
from index.lowering import Lowering, lower  # noqa: E402
from index.opening import open_index  # noqa: E402
from index.schema import STEM_FIELDS  # noqa: E402
from index.querying import parse  # noqa: E402
from index.settings import DEFAULT_SETTINGS  # noqa: E402
from index.searching import translated  # noqa: E402
from index.translate import load_glossary  # noqa: E402
from index.vocabulary import vocabulary  # noqa: E402

COUNTRIES = {
    "es": ["Argentina", "Bolivia", "Chile", "Colombia", "Costa Rica", "Dominican Republic",
           "Ecuador", "El Salvador", "Guatemala", "Honduras", "Mexico", "Nicaragua", "Panama",
           "Paraguay", "Peru", "Uruguay", "Venezuela"],
    "en": ["Antigua and Barbuda", "The Bahamas", "Barbados", "Belize", "Canada", "Dominica",
           "Grenada", "Guyana", "Jamaica", "Saint Kitts and Nevis", "Saint Lucia",
           "Saint Vincent and the Grenadines", "Trinidad and Tobago", "United States"],
    "pt": ["Brazil"],
    "fr": ["Haiti", "Canada"],
}
LANG_SHARE = {"es": 0.45, "en": 0.35, "pt": 0.1, "fr": 0.1}
KIND_WORD = {"program": {"es": "Programa", "en": "Program", "pt": "Programa", "fr": "Programme"},
             "practice": {"es": "Buena práctica", "en": "Good practice", "pt": "Boa prática",
                          "fr": "Bonne pratique"},
             "lesson": {"es": "Lección aprendida", "en": "Lesson learned", "pt": "Lição aprendida",
                        "fr": "Leçon apprise"},
             "plan": {"es": "Plan nacional", "en": "National plan", "pt": "Plano nacional",
                      "fr": "Plan national"}}
AREAS = {1: ["1.1", "1.2", "1.3", "1.4"], 2: ["2.1", "2.2", "2.3", "2.4", "2.5"],
         3: ["3.1", "3.2", "3.3", "3.4", "3.5"], 4: ["4.1", "4.2", "4.3", "4.4"],
         5: ["5.1", "5.2", "5.3", "5.4"]}
SYLLABLES = {"es": "ca ra mi to lo sa re na de pa go ti ven cor dal mar tes ni",
             "en": "ar en ing ter st ow ly th ch ell ack ind or ble ment ex pl",
             "pt": "ção ra nh lh ão te ca mo du ri vo se ga ta ve zi",
             "fr": "eau ou ment re te la ch oi eur ai on que ve li pr"}
GROUPS = {"pillar": "pillars", "theme": "themes", "member_state": "member_state",
          "kind": "kind", "language": "language", "year": "year"}


class Vocabulary:
    """Per-language word pools: stop words, glossary domain words, pseudo-words (Zipf)."""

    def __init__(self, rng: random.Random, pseudo_words: int) -> None:
        glossary = load_glossary()
        self.domain: dict[str, list[str]] = {}
        self.phrases: dict[str, list[str]] = {}
        self.stop: dict[str, list[str]] = {}
        self.pseudo: dict[str, list[str]] = {}
        for lang in LANGUAGES:
            terms = [t for c in glossary for t in c.terms.get(lang, ())]
            self.domain[lang] = sorted({w for t in terms for w in t.split() if len(w) > 3})
            self.phrases[lang] = [t for t in terms if " " in t]
            rng.shuffle(self.domain[lang])
            self.stop[lang] = sorted(stopwords_for_language(lang))
            self.pseudo[lang] = _pseudo_words(rng, lang, pseudo_words)
        self.zipf = {n: _zipf_weights(n) for n in {len(v) for v in self.domain.values()}
                     | {pseudo_words}}

    def pick(self, rng: random.Random, pool: list[str]) -> str:
        """A word from the pool, frequent words first (Zipf)."""
        return rng.choices(pool, cum_weights=self.zipf[len(pool)])[0]


LANGUAGES = ("es", "en", "pt", "fr")


def _zipf_weights(n: int) -> list[float]:
    total, cum = 0.0, []
    for rank in range(1, n + 1):
        total += 1.0 / rank
        cum.append(total)
    return cum


def _pseudo_words(rng: random.Random, lang: str, n: int) -> list[str]:
    syllables = SYLLABLES[lang].split()
    words: set[str] = set()
    while len(words) < n:
        words.add("".join(rng.choice(syllables) for _ in range(rng.randint(2, 4))))
    return sorted(words)


def _sentence(rng: random.Random, vocab: Vocabulary, lang: str) -> str:
    words = []
    for _ in range(rng.randint(8, 22)):
        roll = rng.random()
        if roll < 0.42:
            words.append(rng.choice(vocab.stop[lang]))
        elif roll < 0.62:
            words.append(vocab.pick(rng, vocab.domain[lang]))
        elif roll < 0.65 and vocab.phrases[lang]:
            words.append(rng.choice(vocab.phrases[lang]))
        else:
            words.append(vocab.pick(rng, vocab.pseudo[lang]))
    return " ".join(words).capitalize() + "."


def _topics(rng: random.Random, themes: list[str]) -> dict[str, float]:
    """Like the tagger's: the tagged themes scored high, a few other areas the text names, low."""
    every = [a for areas in AREAS.values() for a in areas]
    found = {a: round(rng.uniform(0.05, 0.45), 3) for a in rng.sample(every, rng.randint(1, 5))}
    found.update({t: round(rng.uniform(0.5, 1.0), 3) for t in themes})
    return found


def iter_sections(n: int, seed: int = 7, pseudo_words: int = 20000) -> Iterator[dict[str, Any]]:
    """`n` section records shaped like the catalog's, reproducible from `seed`."""
    rng = random.Random(seed)
    topic_rng = random.Random(seed + 1)  # its own stream: the other fields stay as they were
    vocab = Vocabulary(rng, pseudo_words)
    langs, shares = list(LANG_SHARE), list(LANG_SHARE.values())
    for i in range(n):
        lang = rng.choices(langs, shares)[0]
        kind = rng.choices(list(KIND_WORD), [0.5, 0.25, 0.15, 0.1])[0]
        pillars = sorted(rng.sample(range(1, 6), rng.choice([1, 1, 2, 2, 3])))
        themes = [rng.choice(AREAS[p]) for p in pillars]
        year = rng.randint(2005, 2014)
        words = [vocab.pick(rng, vocab.domain[lang]) for _ in range(rng.randint(2, 4))]
        text = " ".join(_sentence(rng, vocab, lang) for _ in range(rng.randint(12, 22)))
        yield {
            "id": f"s{i:07d}", "kind": kind, "language": lang,
            "title": f"{KIND_WORD[kind][lang]} {' '.join(words)}",
            "member_state": rng.choice(COUNTRIES[lang]), "year": year,
            "date": f"{year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
            if rng.random() < 0.9 else None,
            "pillars": pillars, "themes": themes, "topics": _topics(topic_rng, themes),
            "institution": f"Ministerio {rng.choice(vocab.domain[lang])}",
            "text": text, "fields": {}, "source_file": f"replies/r{i // 8}.pdf",
            "pages": f"{i % 8 + 1}", "ocr": rng.random() < 0.05,
        }


def make_queries(n: int, seed: int = 11) -> list[dict[str, Any]]:
    """`n` mixed queries: words in any language, phrases, OR/NOT, filters, sort=date."""
    rng = random.Random(seed)
    vocab = Vocabulary(random.Random(7), 2000)
    queries = []
    for _ in range(n):
        lang = rng.choice(LANGUAGES)
        words = [vocab.pick(rng, vocab.domain[lang]) for _ in range(rng.choice([1, 1, 2, 2, 3]))]
        roll = rng.random()
        if roll < 0.12 and vocab.phrases[lang]:
            text = f'"{rng.choice(vocab.phrases[lang])}"'
        elif roll < 0.2 and len(words) > 1:
            text = " OR ".join(words)
        elif roll < 0.25 and len(words) > 1:
            text = f"{words[0]} NOT {words[1]}"
        else:
            text = " ".join(words)
        filters: dict[str, Any] = {}
        if rng.random() < 0.3:
            key = rng.choice(["pillar", "language", "year", "member_state"])
            filters[key] = {"pillar": [rng.randint(1, 5)], "language": rng.choice(LANGUAGES),
                            "year": rng.randint(2005, 2014),
                            "member_state": rng.choice(COUNTRIES["es"])}[key]
        sort = "date" if rng.random() < 0.1 else "relevance"
        queries.append({"query": text, "filters": filters, "sort": sort})
    return queries


def _percentiles(samples: list[float]) -> tuple[float, float, float]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]
    return statistics.median(ordered), p95, ordered[-1]


def _whoosh_filter(filters: dict[str, Any], labels: dict[str, dict[str, str]]) -> Any:
    from whoosh import query as wq

    from index.translate import fold

    parts = []
    for key, value in filters.items():
        field = GROUPS[key]
        parts.append(wq.Term(field, labels[field].get(fold(str(value)), str(value))))
    return wq.And(parts) if parts else None


def time_groupedby(index_dir: Path, q: dict[str, Any]) -> float:
    """Plain Whoosh: same lowered query, 10 hits, six FieldFacets via groupedby."""
    opened = open_index(index_dir)
    started = time.perf_counter()
    s = DEFAULT_SETTINGS
    parsed = parse(q["query"], s)
    tree = translated(parsed, vocabulary(), s)
    lowered = lower(tree, Lowering(opened.searcher.reader(), DEFAULT_SETTINGS, opened.labels))
    facets = {name: sorting.FieldFacet(field, allow_overlap=True, maptype=sorting.Count)
              for name, field in GROUPS.items()}
    results = opened.searcher.search(lowered, limit=10, groupedby=facets,
                                     filter=_whoosh_filter(q["filters"], opened.labels))
    for name in facets:
        results.groups(name)
    _ = [hit["title"] for hit in results]
    return time.perf_counter() - started


def time_ours(index_dir: Path, q: dict[str, Any]) -> tuple[float, int]:
    """index.search(): 10-hit page + all facet counts."""
    started = time.perf_counter()
    result = index.search(index_dir, q["query"], q["filters"], sort=q["sort"])
    return time.perf_counter() - started, result.total


def time_similar(index_dir: Path, n: int, seed: int = 13) -> tuple[list[float], list[float]]:
    """index.similar() for ``n`` random sections (10 hits), next to plain Whoosh's more-like-this
    on the same section (``Searcher.more_like``: its 15 key words in its language's stem field,
    scored by Whoosh): words only, no areas, no translations, no filters."""
    searcher = open_index(index_dir).searcher
    docnums = random.Random(seed).sample(range(searcher.doc_count_all()), n + 1)
    ours, plain = [], []
    for i, docnum in enumerate(docnums):
        stored = searcher.stored_fields(docnum)
        text = f"{stored.get('title', '')}\n{stored.get('body', '')}"
        field = STEM_FIELDS.get(str(stored.get("language")), "body")
        started = time.perf_counter()
        index.similar(index_dir, stored["id"])
        mid = time.perf_counter()
        _ = [hit["title"] for hit in searcher.more_like(docnum, field, text=text, top=10, numterms=15)]
        if i:  # the first call of each opens what later ones reuse
            ours.append(mid - started)
            plain.append(time.perf_counter() - mid)
    return ours, plain


def build(size: int, out: Path, reuse: bool) -> tuple[Path, float | None]:
    """Build (or reuse) the index of `size` generated sections.

    The generated sections and queries draw their words from the glossary, so an index built
    before the glossary changed is not reused: its words are not the queries' any more."""
    index_dir = out / f"index-{size}"
    stamp, made_from = out / f"index-{size}.glossary-sha256", _glossary_sha256()
    if (reuse and index.index_status(index_dir).state == index.IndexState.OK
            and stamp.is_file() and stamp.read_text().strip() == made_from):
        return index_dir, None
    if reuse:
        print(f"index-{size}: built from another glossary (or none recorded), building anew", file=sys.stderr)
    shutil.rmtree(index_dir, ignore_errors=True)
    started = time.perf_counter()
    index.build_index(iter_sections(size), index_dir,
                      settings=index.IndexSettings(writer_memory_mb=1024))
    stamp.write_text(made_from + "\n")
    return index_dir, time.perf_counter() - started


def _glossary_sha256() -> str:
    import hashlib
    from importlib import resources

    return hashlib.sha256(resources.files("index").joinpath("data/glossary.tsv").read_bytes()).hexdigest()


HOSTILE = ["*cion", "?olicia", "a*", "pr*", "violencia~2", "title:[a TO zzzz]",
           "(" * 40 + "violencia" + ")" * 40, "violencia " * 400,
           " OR ".join(["policia", "violencia", "jovenes", "escuela", "prison"] * 9),
           '"de la violencia en las escuelas de los barrios"', "NOT violencia"]


def run_hostile(index_dir: Path) -> list[tuple[str, float, str]]:
    """Each hostile query's time and outcome (answered with a total, or refused)."""
    rows = []
    for text in HOSTILE:
        started = time.perf_counter()
        try:
            outcome = f"answered, {index.search(index_dir, text).total} hits"
        except index.SearchIndexError as exc:
            outcome = f"refused: {exc}"
        rows.append((text if len(text) < 40 else text[:37] + "...", time.perf_counter() - started,
                     outcome[:90]))
    return rows


def _run(argv: list[str]) -> float:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    # as on a user's machine, modules are compiled once and their bytecode kept (a machine that
    # sets PYTHONDONTWRITEBYTECODE compiled ~30 modules from source on every run: +45 ms)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    started = time.perf_counter()
    subprocess.run(argv, check=True, env=env, stdout=subprocess.DEVNULL, cwd=ROOT)
    return time.perf_counter() - started


def cold_start(index_dir: Path, cli_template: str | None, runs: int = 5) -> dict[str, float]:
    """Median wall time of fresh processes: bare python, import index, import + one search."""
    py = sys.executable
    search = (f"import index; r = index.search({str(index_dir)!r}, 'violencia juvenil'); "
              "print(r.total, len(r.hits))")
    commands = {"python -c pass": [py, "-c", "pass"],
                "python -c 'import index'": [py, "-c", "import index"],
                "python -c 'import index; search()'": [py, "-c", search]}
    mispa = ROOT / ".venv" / "bin" / "mispa"
    if cli_template is not None and mispa.exists():
        # a data directory whose index is the bench's: `mispa --data-dir DATA` searches DATA/index
        data = index_dir.parent / f"cli-{index_dir.name}"
        data.mkdir(exist_ok=True)
        if not (data / "index").exists():
            (data / "index").symlink_to(index_dir.resolve(), target_is_directory=True)
        line = cli_template.format(mispa=mispa, index=index_dir, data=data, query="'violencia juvenil'")
        commands[line] = ["/bin/sh", "-c", line]
    elif cli_template is not None:
        print(f"(--cli: {mispa} does not exist yet; skipped)")
    for argv in commands.values():  # one run first writes the bytecode of modules not compiled yet
        _run(argv)
    return {name: statistics.median(_run(argv) for _ in range(runs))
            for name, argv in commands.items()}


def bench_size(size: int, out: Path, n_queries: int, reuse: bool,
               n_plain: int | None, n_similar: int = 0) -> dict[str, Any]:
    """Build, warm up, then time ours and groupedby over the same queries (and similar() against
    more_like over ``n_similar`` sections)."""
    index_dir, build_s = build(size, out, reuse)
    queries = make_queries(n_queries)
    started = time.perf_counter()
    index.search(index_dir, "violencia")  # opens the searcher, loads the facet table
    open_s = time.perf_counter() - started
    ours, totals = [], []
    for q in queries:
        elapsed, total = time_ours(index_dir, q)
        ours.append(elapsed)
        totals.append(total)
    # groupedby scores every match in Python: ~1 s a query at 100,000, so fewer by default
    n_plain = n_plain or (len(queries) if size <= 20000 else 50)
    plain = [time_groupedby(index_dir, q) for q in queries[:n_plain]]
    similar, more_like = time_similar(index_dir, n_similar) if n_similar else ([], [])
    disk = sum(f.stat().st_size for f in index_dir.rglob("*") if f.is_file())
    return {"size": size, "dir": index_dir, "build_s": build_s, "open_s": open_s,
            "ours": _percentiles(ours), "plain": _percentiles(plain), "n_plain": len(plain),
            "n_ours": len(ours), "similar": similar, "more_like": more_like,
            "mean_total": statistics.mean(totals), "disk_mb": disk / 1e6}


def _print_tables(rows: list[dict[str, Any]], targets: dict[int, float]) -> None:
    print("\nsearch latency, 10-hit page + 6 facet counts over the whole result set (ms)")
    head = f"{'sections':>9} {'build s':>8} {'MB':>6} {'open ms':>8} {'avg hits':>9}"
    print(head + f" | {'ours p50':>8} {'p95':>6} {'max':>6} {'n':>4} | {'groupedby p50':>13}"
          f" {'p95':>6} {'max':>6} {'n':>4} | target p95")
    for r in rows:
        o, p = [x * 1000 for x in r["ours"]], [x * 1000 for x in r["plain"]]
        build_s = f"{r['build_s']:.0f}" if r["build_s"] is not None else "reused"
        target = targets.get(r["size"])
        verdict = (f"<= {target:.0f} {'OK' if o[1] <= target else 'MISSED'}" if target else "-")
        print(f"{r['size']:>9,} {build_s:>8} {r['disk_mb']:>6.0f} {r['open_s'] * 1000:>8.0f} "
              f"{r['mean_total']:>9.0f} | {o[0]:>8.1f} {o[1]:>6.1f} {o[2]:>6.1f} {r['n_ours']:>4} | "
              f"{p[0]:>13.1f} {p[1]:>6.1f} {p[2]:>6.1f} {r['n_plain']:>4} | {verdict}")
    if any(r["similar"] for r in rows):
        print("\nsimilar sections of one section, 10 hits (ms): index.similar() (words, areas, translated"
              " words) next to Whoosh's more_like (words only)")
        print(f"{'sections':>9} | {'similar p50':>11} {'p95':>6} {'max':>6} {'n':>4} | {'more_like p50':>13}"
              f" {'p95':>6} {'max':>6}")
        for r in rows:
            if r["similar"]:
                o, p = [[x * 1000 for x in _percentiles(r[k])] for k in ("similar", "more_like")]
                print(f"{r['size']:>9,} | {o[0]:>11.1f} {o[1]:>6.1f} {o[2]:>6.1f} {len(r['similar']):>4} | "
                      f"{p[0]:>13.1f} {p[1]:>6.1f} {p[2]:>6.1f}")


def main(argv: list[str] | None = None) -> int:
    """Parse options, run the benchmark, print the tables."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10000,100000", help="comma-separated section counts")
    parser.add_argument("--quick", action="store_true", help="one small index of 2,000 sections")
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "out")
    parser.add_argument("--reuse", action="store_true", help="reuse indexes already built")
    parser.add_argument("--plain-queries", type=int, default=None,
                        help="queries timed with plain groupedby (default all; 50 above 20,000)")
    parser.add_argument("--similar", type=int, default=40,
                        help="sections whose similar sections are timed (0: none)")
    parser.add_argument("--cli", nargs="?", const="{mispa} --data-dir {data} search {query}", default=None,
                        help="also time the CLI; template with {mispa} {data} (a data directory whose "
                             "index is the bench's) {index} {query}")
    args = parser.parse_args(argv)
    sizes = [2000] if args.quick else [int(s) for s in args.sizes.split(",")]
    print(f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} at start "
          "(other processes share the machine: latencies are wall-clock)")
    rows = [bench_size(size, args.out, args.queries, args.reuse, args.plain_queries, args.similar)
            for size in sizes]
    _print_tables(rows, {10000: 30.0, 100000: 100.0})
    print(f"load average {os.getloadavg()[0]:.1f} at the end")
    largest = rows[-1]["dir"]
    print(f"\nhostile queries on {rows[-1]['size']:,} sections (limit 2 s)")
    for text, seconds, outcome in run_hostile(largest):
        print(f"  {seconds * 1000:>7.0f} ms  {text!r:<42} {outcome}")
    print(f"\ncold start, median of 5 fresh processes ({rows[-1]['size']:,} sections)")
    for name, seconds in cold_start(largest, args.cli).items():
        print(f"  {seconds * 1000:>7.0f} ms  {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
