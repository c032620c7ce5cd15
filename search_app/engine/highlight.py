"""Mark what matched in titles and snippets, whole words at a time, as escaped HTML.

Texts are the normalised forms stored in the index. Matching is done on folded syllable
sequences, so a word is marked whether it matched accented, unaccented or through an
abbreviation's expansion, and a multi-syllable word ("Công đoàn cơ sở") becomes one mark.
No pyvi here: it must stay fast for every hit.
"""

from __future__ import annotations

import html
import re
from collections import Counter
from functools import lru_cache

from indexer.text.analysis import find_protected
from indexer.text.normalise import fold_accents, fold_lower_same_length

_SYLLABLE = re.compile(r"\w+", re.UNICODE)
SNIPPET_CHARS = 260
SCAN_CHARS = 20_000


def _syllables(text: str) -> list[tuple[str, int, int]]:
    """(folded lower form, start, end) for every syllable and protected token, in order."""
    flat = fold_lower_same_length(text)
    out = []
    last = 0
    for _kind, value, start, end in find_protected(text):
        out.extend((m.group(0), last + m.start(), last + m.end()) for m in _SYLLABLE.finditer(flat[last:start]))
        out.append((fold_accents(value.lower()), start, end))
        last = end
    out.extend((m.group(0), last + m.start(), last + m.end()) for m in _SYLLABLE.finditer(flat[last:]))
    return out


def match_ranges(text: str, sequences, prefixes=()) -> list[tuple[int, int]]:
    """Character ranges of the text where a sequence (or a prefix) matches, merged."""
    words = tuple(seq for seq in sequences if all(_SYLLABLE.fullmatch(s) for s in seq))
    tokens = [seq for seq in sequences if seq not in words]
    ranges = []
    pattern = _pattern(words, tuple(prefixes))
    if pattern is not None:
        ranges = _whole_matches(pattern, fold_lower_same_length(text))
    if tokens:
        # document numbers, dates: compared in their normalised form, token by token
        sylls = _syllables(text)
        forms = [s[0] for s in sylls]
        for seq in tokens:
            k = len(seq)
            for i in range(len(forms) - k + 1):
                if forms[i] == seq[0] and tuple(forms[i : i + k]) == seq:
                    ranges.append((sylls[i][1], sylls[i + k - 1][2]))
    return _merge(text, ranges)


@lru_cache(maxsize=256)
def _pattern(words: tuple[tuple[str, ...], ...], prefixes: tuple[str, ...]) -> re.Pattern | None:
    """One regular expression for every word sequence and prefix, each ending a syllable; that
    it also starts one is checked by ``_whole_matches``."""
    parts = [r"\W+".join(re.escape(s) for s in seq) + r"(?!\w)" for seq in sorted(set(words), key=len, reverse=True)]
    parts += [re.escape(p) + r"\w*" for p in prefixes]
    return re.compile("|".join(parts)) if parts else None


def _whole_matches(pattern: re.Pattern, text: str) -> list[tuple[int, int]]:
    """Where ``pattern`` matches starting a syllable, as a leading ``(?<!\w)`` would find them.

    The lookbehind is checked here rather than in the pattern: a pattern that opens with one
    is tried at every character, one that opens with its words only where their letters are
    (twice as fast on a page of text).
    """
    out, at = [], 0
    search = pattern.search
    while (found := search(text, at)) is not None:
        start, end = found.span()
        if start and (text[start - 1].isalnum() or text[start - 1] == "_"):  # inside a word: not here
            at = start + 1
            continue
        out.append((start, end))
        at = end if end > start else start + 1
    return out


def _merge(text: str, ranges: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(ranges):
        if merged and (start <= merged[-1][1] or not text[merged[-1][1] : start].strip()):
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def mark(text: str, ranges: list[tuple[int, int]], offset: int = 0, end: int | None = None) -> str:
    """Escaped HTML of text[offset:end] with <mark> around the ranges."""
    end = len(text) if end is None else end
    out, pos = [], offset
    for start, stop in ranges:
        if stop <= offset or start >= end:
            continue
        start, stop = max(start, offset), min(stop, end)
        out.append(html.escape(text[pos:start]))
        out.append("<mark>" + html.escape(text[start:stop]) + "</mark>")
        pos = stop
    out.append(html.escape(text[pos:end]))
    return "".join(out)


def highlight(text: str, sequences, prefixes=()) -> str:
    """The whole (normalised, as stored) text, escaped, with matches marked."""
    return mark(text, match_ranges(text, sequences, prefixes))


def snippet(text: str, sequences, prefixes=(), size: int = SNIPPET_CHARS) -> str:
    """The stretch of text with the most distinct matches, escaped and marked.

    Only the first SCAN_CHARS are looked at: a long law should not slow every result page.
    """
    return passage([text[:SCAN_CHARS]], sequences, prefixes, size)


def best_paragraph(paragraphs: list[str], sequences, prefixes=()) -> int | None:
    """The paragraph that holds the most of the query's words (then the most matches; the first
    of equals), for naming the part of a long document a hit is from; None if none matches."""
    words = [seq for seq in sequences if all(_SYLLABLE.fullmatch(s) for s in seq)]
    patterns = [p for p in (_pattern((seq,), ()) for seq in dict.fromkeys(words)) if p is not None]
    patterns += [p for p in (_pattern((), (prefix,)) for prefix in dict.fromkeys(prefixes)) if p is not None]
    best, best_key = None, (0, 0)
    # folded in one go: the paragraphs were split on line breaks, so they hold none
    for n, folded in enumerate(fold_lower_same_length("\n".join(paragraphs)).split("\n")):
        counts = [len(_whole_matches(pattern, folded)) for pattern in patterns]
        key = (sum(1 for c in counts if c), sum(counts))
        if key > best_key:
            best, best_key = n, key
    return best


def passage(paragraphs: list[str], sequences, prefixes=(), size: int = SNIPPET_CHARS) -> str:
    """``snippet`` over paragraphs, read as one text with single spaces."""
    return _snippet(" ".join(" ".join(paragraphs).split()), sequences, prefixes, size)[0]


def _snippet(text: str, sequences, prefixes, size: int) -> tuple[str, int]:
    ranges = match_ranges(text, sequences, prefixes)
    if not ranges:
        cut = _cut_end(text, size)
        return html.escape(text[:cut]) + ("…" if cut < len(text) else ""), 0
    # the window of ``size`` characters from each match: distinct matches inside it count most.
    # Ranges are merged, so their ends ascend and a window's matches are ranges[i:j].
    forms = [text[s:e].lower() for s, e in ranges]
    best_start, best_end, best_score = ranges[0][0], ranges[0][1], -1
    inside: Counter[str] = Counter()
    j = 0
    for i, (start, end) in enumerate(ranges):
        if j < i:
            j = i
        while j < len(ranges) and ranges[j][1] <= start + size:
            inside[forms[j]] += 1
            j += 1
        score = len(inside) * 10 + (j - i)
        if score > best_score:
            best_start, best_end, best_score = start, end, score
        if j > i:
            inside[forms[i]] -= 1
            if not inside[forms[i]]:
                del inside[forms[i]]
    begin = _cut_start(text, max(0, best_start - size // 4))
    finish = max(_cut_end(text, begin + size), best_end)  # never short of the match it was chosen for
    prefix = "…" if begin > 0 else ""
    suffix = "…" if finish < len(text) else ""
    return prefix + mark(text, ranges, begin, finish) + suffix, best_start


def _cut_start(text: str, pos: int) -> int:
    if pos <= 0:
        return 0
    space = text.find(" ", pos)
    return space + 1 if 0 <= space < pos + 30 else pos


def _cut_end(text: str, pos: int) -> int:
    if pos >= len(text):
        return len(text)
    space = text.rfind(" ", 0, pos)
    return space if space > pos - 30 else pos
