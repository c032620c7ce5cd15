"""A better query than the one typed: "Có phải bạn muốn tìm …", and the query searched instead.

Each word a member typed that no document (or hardly any) holds gets the repairs of
``search_app.engine.spelling``: marks put right, Telex or VNI keys turned into marks, one letter
mended, words typed together cut apart. The repaired queries are ranked by how much was
changed (marks typed count: "đoàng" is nearer "đoàn" than "đồng"), how common the new words are
and whether neighbouring words form a compound of the index ("cong" + "doan"). Of the best few,
only those whose words all stand together in some document count, the more such documents the
better: a correction always finds something.

A correction reads as the member would have typed it: with marks for a word typed with marks
(or with Telex or VNI keys), without for a word typed without, never with the index's
underscores, and words that needed nothing stay as typed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

import numpy as np
from symspellpy.editdistance import DistanceAlgorithm, EditDistance

from indexer.text.abbreviations import abbreviations
from indexer.text.normalise import canonical, fold_accents, has_diacritics
from search_app.engine.arrays import IndexArrays
from search_app.engine.query import abbreviation_keys
from search_app.engine.spelling import FOLDED_FIELDS, Speller, log_frequency, speller_for, typed_syllable

# what each repair costs: an edit costs its number of edits, a typed abbreviation a little less
COSTS = {"accent": 0.5, "keys": 0.2, "joined": 0.4, "split": 0.5, "abbreviation": 0.5}
UNKNOWN = 100.0  # a word no document holds, kept only so that nothing else changes
FREQUENCY_WEIGHT = 0.1  # per power of ten of a word's documents: less than one edit
COMPOUND_BONUS = 0.6  # neighbouring syllables that the index holds as one word
MORE_COMMON = 10  # a known word gives way to one this many times as common
OPTIONS_PER_WORD = 6
BEAM = 32
TRIES = 6  # candidate queries checked against the documents, best first
TOGETHER_WEIGHT = 0.3  # per power of ten of the documents holding all the words of a reading
_VOWELS = frozenset("aeiouy")
_WORD = re.compile(r"([^\w]*)([^\W_]+)([^\w]*)")
_distance = EditDistance(DistanceAlgorithm.DAMERAU_OSA)


@dataclass(frozen=True)
class Correction:
    text: str  # the query as the member would have typed it
    documents: int  # documents holding every corrected word
    accents_only: bool  # only marks changed: "bảo hiễm" -> "bảo hiểm"


@dataclass(frozen=True)
class _Option:
    """One reading of a typed word: folded syllables, and what choosing it costs."""

    syllables: tuple[str, ...]
    cost: float
    kind: str  # "typed", "accent", "keys", "edit", "joined", "split"
    frequency: int = 0
    accented: tuple[str, ...] | None = None  # as the member meant them (Telex/VNI)

    @property
    def changed(self) -> bool:
        return self.kind != "typed"


@dataclass
class _Word:
    lead: str
    core: str
    trail: str
    options: list[_Option]

    @property
    def accented(self) -> bool:
        return has_diacritics(self.core)


def correct(arrays: IndexArrays, text: str, found: int | None = None) -> Correction | None:
    """A better query than ``text``, or None.

    ``found=None``: the query as typed finds no document with all its words; any correction
    whose words stand together in some document will do. ``found=N``: it finds N; only a
    correction that puts marks right, or that finds many times more documents, is offered.
    """
    tokens = text.split(" ")
    quoted = _quoted(tokens)
    rare = max(2, arrays.size // 5000)
    if not any(not q and _suspect(arrays, token, rare) for token, q in zip(tokens, quoted, strict=True)):
        return None
    speller = speller_for(arrays)
    # a quoted phrase is meant as typed
    words = [None if q else _word(speller, token, rare) for token, q in zip(tokens, quoted, strict=True)]
    slots = [w for w in words if w is not None]
    if any(w.options[0].cost >= UNKNOWN and any(o.kind == "keys" for o in w.options) for w in slots):
        # Telex or VNI keys in one word: the input method was off for the whole query ("thangs coong nhaan")
        for w in slots:
            if len(w.options) == 1 and not w.accented and (keys := _keys_option(speller, canonical(w.core))):
                w.options.append(replace(keys, cost=-COSTS["keys"]))
    if not any(o.changed for w in slots for o in w.options):
        return None
    documents_cache: dict[str, np.ndarray] = {}
    typed = tuple(w.options[0] if not w.options[0].changed else _as_typed(w) for w in slots)
    typed_documents = _documents(arrays, speller, typed, documents_cache) if found is not None else 0
    best: tuple[float, tuple[_Option, ...], int] | None = None
    for score, combo in _ranked(speller, slots)[:TRIES]:
        if not any(o.changed for o in combo):
            continue
        documents = _documents(arrays, speller, combo, documents_cache)
        if not documents:
            continue  # a correction must find something
        # a word found as typed gives way only to a far more common one; marks found nowhere, to any
        replaced = any(o.changed and w.options[0].kind == "typed" for w, o in zip(slots, combo, strict=True))
        if found is not None and replaced and documents < MORE_COMMON * max(typed_documents, 1):
            continue
        # of the readings found, words found together in many documents are the likelier
        score -= TOGETHER_WEIGHT * log_frequency(documents)
        if best is None or score < best[0]:
            best = (score, combo, documents)
    if best is None:
        return None
    _score_, combo, documents = best
    rendered = _render(speller, words, tokens, dict(zip(map(id, slots), combo, strict=True)))
    if rendered.lower() == text.lower():
        return None
    return Correction(rendered, documents, all(o.kind in ("typed", "accent") for o in combo))


# --- which words need a look ----------------------------------------------------------------------------


def _core(token: str) -> tuple[str, str, str] | None:
    m = _WORD.fullmatch(token)
    if m is None or token.startswith("-") or token.endswith("*"):
        return None
    lead, core, trail = m.groups()
    if core.isdigit() or fold_accents(core).lower() in abbreviation_keys():
        return None
    return lead, core, trail


def _suspect(arrays: IndexArrays, token: str, rare: int) -> bool:
    """Whether a typed word may be mistyped: too rare as typed, marks no document has, or keys left in."""
    parts = _core(token)
    if parts is None:
        return False
    core = canonical(parts[1])
    if any(c.isdigit() for c in core):
        return typed_syllable(core) is not None
    folded = fold_accents(core)
    if max(arrays.doc_frequency(f, folded) for f in FOLDED_FIELDS) <= rare:
        return True
    return core != folded and not any(arrays.doc_frequency(f, core) for f in ("body_exact", "title_exact"))


def _quoted(tokens: list[str]) -> list[bool]:
    """Which tokens stand inside quotes."""
    inside, in_quote = [], False
    for token in tokens:
        inside.append(in_quote or token.startswith('"'))
        in_quote ^= token.count('"') % 2 == 1
    return inside


def _word(speller: Speller, token: str, rare: int) -> _Word | None:
    parts = _core(token)
    if parts is None:
        return None
    lead, core, trail = parts
    return _Word(lead, core, trail, _options(speller, core, rare))


def _options(speller: Speller, core: str, rare: int) -> list[_Option]:
    """The readings of one typed word, the word as typed first."""
    written = canonical(core)
    folded = fold_accents(written)
    if any(c.isdigit() for c in written):
        keys = _keys_option(speller, written)
        return [_Option((folded,), UNKNOWN, "typed"), *([keys] if keys else [])]
    frequency = speller.doc_frequency(folded)
    slipped = written != folded and frequency and not speller.doc_frequency(written, exact=True)
    if slipped and any(form != written for form, _n in speller.forms(folded)):
        # marks no document has, on letters many have: the marks slipped, or a letter went with them
        # ("tiển" for "triển"); the word as typed is no reading
        typed = _Option((folded,), COSTS["accent"], "accent", frequency)
    else:
        typed = _Option((folded,), 0.0 if frequency else UNKNOWN, "typed", frequency)
        if frequency > rare:
            return [typed]
    options = []
    keys = _keys_option(speller, written) if written == folded else None
    if keys:
        options.append(keys)
    for syllables, edits, count in speller.neighbours(folded):
        if count < MORE_COMMON * frequency and typed.kind == "typed":
            continue
        if len(syllables) > 1 and written != folded:
            continue  # members who type marks type the spaces too
        abbreviation = len(syllables) == 1 and syllables[0] in abbreviations()
        if not abbreviation and not any(c in _VOWELS for c in syllables[0]):
            continue  # "hh", "cbs": codes, not words; only the abbreviations we know are worth offering
        cost = COSTS["joined"] if edits == 0 else float(edits)
        if edits and len(syllables) > 1:
            cost += COSTS["split"]  # a letter wrong and the spaces left out: "bongda" is "bong da" before "dong da"
        if abbreviation and core.isupper():
            cost -= COSTS["abbreviation"]  # capitals are typed for abbreviations: "CCS" is "CĐCS"
        options.append(_Option(syllables, cost, "joined" if edits == 0 else "edit", count))
    if written == folded and not speller.known(folded):
        # words typed together come without marks: with marks, members type the spaces too
        split = speller.split(folded)
        if split and all(o.syllables != split for o in options):
            options.append(_Option(split, COSTS["split"], "split", min(speller.frequency(s) for s in split)))
    best = sorted(options, key=lambda o: (_own_score(o), o.syllables))[: 2 * OPTIONS_PER_WORD]
    if written != folded:
        # typed with marks: edits count on the marked word ("đoàng" is one from "đoàn", two from "đồng")
        best = [_marked_edits(speller, written, o) for o in best]
        best.sort(key=lambda o: (_own_score(o), o.syllables))
    return [typed, *best[:OPTIONS_PER_WORD]]


def _keys_option(speller: Speller, written: str) -> _Option | None:
    """The word as meant when Telex or VNI keys were left in it, if the documents have that word."""
    keys = typed_syllable(written)
    if not keys or not speller.doc_frequency(keys, exact=True):
        return None
    folded = fold_accents(keys)
    return _Option((folded,), COSTS["keys"], "keys", speller.frequency(folded), (keys,))


def _marked_edits(speller: Speller, written: str, option: _Option) -> _Option:
    if option.kind != "edit" or len(option.syllables) != 1:
        return option
    forms = speller.forms(option.syllables[0])
    # the documents' own typos ("tiển", 3 documents against 2,776 for "tiến") are no spelling to measure by
    common = [form for form, n in forms[:8] if n >= max(speller.min_df, forms[0][1] / 100)]
    edits = [_distance.compare(written, form, 2) for form in common]
    edits = [e for e in edits if e >= 0]
    return replace(option, cost=float(min(edits))) if edits else replace(option, cost=option.cost + 1)


def _as_typed(word: _Word) -> _Option:
    folded = fold_accents(canonical(word.core))
    return _Option((folded,), 0.0, "typed")


# --- ranking readings together ----------------------------------------------------------------------------


def _own_score(option: _Option) -> float:
    """Lower is better: edits and repairs cost, frequent words cost less."""
    score = option.cost
    if option.changed:
        score -= FREQUENCY_WEIGHT * log_frequency(option.frequency)
    return score


def _compounds(speller: Speller, before: tuple[_Option, ...], option: _Option) -> int:
    """Runs of two to four neighbouring syllables ending in ``option``'s, one of them corrected, that the
    index holds as one word ("nguoi lao dong", "bao hiem"): the cheap sign that words stand together."""
    tail = [(s, o.changed) for o in before[-3:] for s in o.syllables][-3:]
    flat = [s for s, _c in tail] + list(option.syllables)
    changed = [c for _s, c in tail] + [option.changed] * len(option.syllables)
    found = 0
    for end in range(len(tail) + 1, len(flat) + 1):
        for size in range(2, 5):
            window = tuple(flat[end - size : end]) if end >= size else ()
            if window and any(changed[end - size : end]) and speller.joined.get("".join(window)) == window:
                found += 1
    return found


def _ranked(speller: Speller, slots: list[_Word]) -> list[tuple[float, tuple[_Option, ...]]]:
    """Readings of the whole query with their scores (lower is better), best first: a beam over the
    words, left to right."""
    beam: list[tuple[float, tuple[_Option, ...]]] = [(0.0, ())]
    for word in slots:
        grown = [
            (score + _own_score(option) - COMPOUND_BONUS * _compounds(speller, combo, option), (*combo, option))
            for score, combo in beam
            for option in word.options
        ]
        grown.sort(key=lambda p: p[0])
        beam = grown[:BEAM]
    return beam


def _documents(arrays: IndexArrays, speller: Speller, combo, cache: dict) -> int:
    """How many documents hold every syllable of a reading (folded, in a title or the body)."""
    if any(o.cost >= UNKNOWN for o in combo):
        return 0
    mask = arrays.live.copy()
    for syllable in dict.fromkeys(s for o in combo for s in o.syllables):
        found = cache.get(syllable)
        if found is None:
            found = np.zeros(arrays.size, dtype=bool)
            for fieldname in FOLDED_FIELDS:
                found[arrays.postings(fieldname, syllable).ids] = True
            cache[syllable] = found
        mask &= found
        if not mask.any():
            return 0
    return int(np.count_nonzero(mask))


# --- as the member would have typed it ----------------------------------------------------------------------


def _render(speller: Speller, words: list[_Word | None], tokens: list[str], chosen: dict[int, _Option]) -> str:
    out: list[str] = []
    left: str | None = None  # the accented syllable before, for compounds
    for n, (word, token) in enumerate(zip(words, tokens, strict=True)):
        option = chosen.get(id(word)) if word is not None else None
        if option is None or not option.changed:
            out.append(token)
            left = canonical(word.core) if word is not None and word.accented else None
            continue
        if option.accented:
            syllables = list(option.accented)
        elif word.accented:
            right = _typed_accented(words, n + 1)
            typed = canonical(word.core) if len(option.syllables) == 1 else None
            syllables = _accent(speller, option.syllables, typed, left, right)
        else:
            syllables = list(option.syllables)
        left = syllables[-1] if (option.accented or word.accented) else None
        out.append(word.lead + _cased(word.core, " ".join(syllables)) + word.trail)
    return " ".join(out)


def _typed_accented(words: list[_Word | None], n: int) -> str | None:
    if n < len(words) and words[n] is not None and words[n].accented:
        option = words[n].options[0]
        if not option.changed:
            return canonical(words[n].core)
    return None


def _accent(speller: Speller, syllables, typed: str | None, left: str | None, right: str | None) -> list[str]:
    """Marks for corrected syllables: the form the documents use most, nearest to what was typed,
    and one that makes a word of the index with its neighbours ("bảo" + "hiểm", "công" + "đoàn")."""
    out: list[str] = []
    for i, syllable in enumerate(syllables):
        forms = speller.forms(syllable)
        if not forms:
            out.append(syllable)
            left = syllable
            continue
        after = right if i == len(syllables) - 1 else None

        def score(form_count, left=left, after=after):
            form, count = form_count
            value = log_frequency(count)
            if typed is not None:
                edits = _distance.compare(typed, form, 3)
                value -= edits if edits >= 0 else 3
            if left and (joined := speller.doc_frequency(f"{left}_{form}", exact=True)):
                value += 2 + log_frequency(joined)
            if after and (joined := speller.doc_frequency(f"{form}_{after}", exact=True)):
                value += 2 + log_frequency(joined)
            return value

        best = max(forms, key=score)[0]
        out.append(best)
        left = best
    return out


def _cased(typed: str, text: str) -> str:
    if len(typed) > 1 and typed.isupper():
        return text.upper()
    if typed[:1].isupper():
        return text[:1].upper() + text[1:]
    return text
