"""Autocomplete: what a member may be typing, from document numbers, unit names, known phrases
and the titles of the documents the words typed so far already find (the last word as a prefix).

Pure functions over one index version's arrays; the engine and the web only pass them along.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from functools import lru_cache

from whoosh import query as Q

from indexer.text.abbreviations import meanings
from indexer.text.normalise import fold_accents
from search_app.engine.arrays import IndexArrays
from search_app.engine.evaluate import evaluate
from search_app.engine.query import QueryError, build_query, clean, parse

MAX_COMPLETIONS = 8
_NUMBER_START = re.compile(r"^(?:so\s*)?\d")  # on the folded text: "15/", "số 02", "so 2"


@dataclass(frozen=True)
class Completion:
    label: str  # what the member reads
    kind: str  # "number", "unit", "phrase" or "title"
    q: str = ""  # the search it starts (for a title: the words typed)
    unit: str = ""  # for a unit: the filter it sets
    doc_id: str = ""  # for a title: the document it opens

    def to_json(self) -> dict:
        return {k: v for k, v in asdict(self).items() if v != ""}


def _key(text: str) -> str:
    return fold_accents(text).lower()


@lru_cache(maxsize=1)
def _phrases() -> tuple[tuple[str, str], ...]:
    """(folded, as written) for the spelled-out abbreviations: names members start typing."""
    seen = {" ".join(expansion) for _abbr, expansions in meanings().values() for expansion in expansions}
    return tuple(sorted((_key(p), p[:1].upper() + p[1:]) for p in seen))


def _starts_a_word(key: str, typed: str) -> bool:
    return key.startswith(typed) or f" {typed}" in key


def complete(arrays: IndexArrays, text: str, limit: int = MAX_COMPLETIONS) -> list[Completion]:
    """Completions of ``text`` as typed so far, most useful first; [] for nothing to complete."""
    typed = clean(text)
    if len(_key(typed).replace(" ", "")) < 2:
        return []
    key = _key(typed)
    out: list[Completion] = []
    if _NUMBER_START.match(key):
        out += _numbers(arrays, key.removeprefix("so").strip(), limit=3)
    units = [label for label in arrays.column("unit")[1] if label and _starts_a_word(_key(label), key)]
    out += [Completion(label, "unit", unit=label) for label in sorted(units, key=len)[:2]]
    out += [Completion(shown, "phrase", q=shown) for folded, shown in _phrases() if folded.startswith(key)][:2]
    out += _titles(arrays, typed, limit)
    return out[:limit]


def _numbers(arrays: IndexArrays, key: str, limit: int) -> list[Completion]:
    key = re.sub(r"\s+", "", key)
    found = []
    for term in arrays.expand_prefix("number", key, limit=50):
        if term != fold_accents(term):  # each number is indexed accented and folded: show it once
            continue
        docs = evaluate(Q.Term("number", term), arrays).mask & arrays.live
        for doc in docs.nonzero()[0][:1]:
            number = arrays.searcher.stored_fields(int(doc))["doc"].get("number")
            if number and all(c.label != number for c in found):
                found.append(Completion(number, "number", q=number))
        if len(found) >= limit:
            break
    return found


def _in_titles(query: Q.Query) -> Q.Query:
    """The query asked of titles only: what a title completion shows, at a fraction of the reading."""

    def titles_only(node: Q.Query) -> Q.Query:
        if getattr(node, "fieldname", None) and str(node.fieldname).startswith("body"):
            return Q.NullQuery
        return node

    return query.accept(titles_only).normalize()


def _titles(arrays: IndexArrays, typed: str, limit: int) -> list[Completion]:
    """The best titles for the words typed, the last one still being typed (a prefix; a single
    letter is too little to expand, and waits for the next)."""
    words = typed.split()
    if not typed.endswith(" ") and len(_key(words[-1])) < 2:
        words = words[:-1]
    elif not typed.endswith(" "):
        words[-1] += "*"
    query = " ".join(words)
    try:
        parsed = parse(query)
        if parsed.empty:
            return []
        query = build_query(
            parsed, expand_prefix=arrays.prefix_expander(), phrase_bonus=False, sequences=arrays.sequences
        )
        found = evaluate(_in_titles(query), arrays)
    except QueryError:
        return []
    matched = found.mask & arrays.live
    if not matched.any():
        return []
    scores = found.scores.copy()
    scores[~matched] = -1
    best = scores.argsort()[::-1][:limit]
    out = []
    for doc in best:
        if scores[doc] <= 0:
            break
        stored = arrays.searcher.stored_fields(int(doc))["doc"]
        out.append(Completion(stored["title"], "title", q=typed.strip(), doc_id=stored["id"]))
    return out
