"""Vietnamese analysis: normalise -> protect numbers/dates -> segment (pyvi) -> fold.

One pipeline serves documents, queries and highlighting:

* ``segment(text)`` turns text into words, each a tuple of syllables, with character offsets.
  Document numbers ("15/ KH-LĐLĐ" -> "15/KH-LĐLĐ"), dates, ranges, numbers, e-mails and URLs
  are cut out before pyvi sees the text, so they stay single tokens.
* ``ExactAnalyzer`` and ``FoldedAnalyzer`` are Whoosh analyzers that index every syllable at its
  own position (phrases match in order) plus each multi-syllable word as one extra term at the
  position of its first syllable ("công_đoàn"), in the exact (accented) or the folded form;
  and the abbreviations' meanings ("công đoàn cơ sở") as one term wherever they stand.
  They accept either text or ``SegmentedText`` (pre-segmented in worker
  processes, so pyvi runs once per document however many fields use it).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from whoosh.analysis import Composable, Token

from indexer.text import segmenter
from indexer.text.normalise import fold_accents, normalise

Word = tuple[str, ...]

_UPPER = "A-ZĐÀ-ÝĂÂÊÔƠƯẠ-Ỹ"
_LETTER = r"[^\W\d_]"
_PROTECTED = re.compile(
    r"""
    (?P<url>\b(?:https?://|www\.)[^\s<>"']+[^\s<>"'.,;:!?)\]])
  | (?P<email>(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)+)  # tried where a run starts: linear
  | (?=\d)(?:  # the rest start with a digit: elsewhere they are not tried at all
      (?P<docnum>(?<![\w/])\d{1,5}\s*/\s*(?:\d{4}\s*/\s*)?"""
    + _LETTER
    + r"""{1,10}\d*(?:\s*[-–]\s*"""
    + _LETTER
    + r"""[\w]{0,11})*(?![\w/]))
    | (?P<date>(?<![\w/])\d{1,2}\s*/\s*\d{1,2}\s*/\s*\d{4}(?![\w/]))
    | (?P<monthyear>(?<![\w/.,])\d{1,2}/\d{4}(?![\w/]))
    | (?P<range>(?<![\w/])\d{4}\s*[-–]\s*\d{4}(?![\w/]))
    | (?P<number>(?<![\w/])\d+(?:[.,]\d+)+(?![\w/]))
    )
    """,
    re.VERBOSE,
)
_SPACES = re.compile(r"\s+")
_HAS_ALNUM = re.compile(r"[^\W_]").search  # a letter or digit (what str.isalnum() says of a character)
# No word is this long. A longer run of non-space characters (a line of dashes, a hostile
# 40,000-letter "word") is cut into pieces before pyvi, whose own token pattern is
# quadratic in the length of such a run.
MAX_WORD_CHARS = 64
_LONG_RUN = re.compile(rf"\S{{{MAX_WORD_CHARS + 1},}}")
_DASHES = re.compile(r"\s*[-–]\s*")
_SLASH = re.compile(r"\s*/\s*")


@dataclass(frozen=True)
class Span:
    """A word of the text: its syllables as written, and where it stands."""

    syllables: tuple[str, ...]
    start: int
    end: int
    protected: bool = False


def normalise_docnum(raw: str) -> str:
    """ "15/ KH - LĐLĐ" -> "15/KH-LĐLĐ" (no spaces, plain hyphens; case as written)."""
    text = _SLASH.sub("/", normalise(raw).strip())
    text = _DASHES.sub("-", text)
    return _SPACES.sub("", text)


def _normalise_protected(kind: str, raw: str) -> str:
    if kind == "docnum":
        return normalise_docnum(raw)
    if kind == "date":
        day, month, year = (int(p) for p in _SLASH.split(raw.strip()))
        return f"{day}/{month}/{year}"
    if kind == "range":
        return _DASHES.sub("-", raw.strip())
    return raw


def find_protected(text: str) -> list[tuple[str, str, int, int]]:
    """Every protected token as (kind, normalised text, start, end)."""
    return [
        (m.lastgroup, _normalise_protected(m.lastgroup, m.group(0)), m.start(), m.end())
        for m in _PROTECTED.finditer(text)
    ]


load_segmenter = segmenter.load  # a server loads pyvi's model before forking; otherwise the first text does


def _cut_long_runs(text: str) -> str:
    def cut(match: re.Match) -> str:
        run = match.group(0)
        return " ".join(run[n : n + MAX_WORD_CHARS] for n in range(0, len(run), MAX_WORD_CHARS))

    return _LONG_RUN.sub(cut, text)


CACHED_CHARS = 256  # queries and titles repeat; a document's text does not, and would fill the cache


def _segment_plain(text: str) -> tuple[tuple[str, ...], ...]:
    """pyvi on a stretch of text with nothing protected in it: words as syllable tuples."""
    return _segment_short(text) if len(text) <= CACHED_CHARS else _segment_text(text)


@lru_cache(maxsize=4096)
def _segment_short(text: str) -> tuple[tuple[str, ...], ...]:
    return _segment_text(text)


def clear_segment_cache() -> None:
    """Forget cached segmentations (benchmarks of queries never seen before)."""
    _segment_short.cache_clear()


# pyvi builds its answer by string concatenation and its features for the whole text at once:
# on a 1.6 MB text that cost 107 s and 1 GB. It is given pieces of about this size instead,
# cut at a line or sentence end (where no word spans the cut).
PYVI_PIECE = 2000


def _pieces(text: str):
    start = 0
    while len(text) - start > PYVI_PIECE:
        end = start + PYVI_PIECE
        cut = max(text.rfind("\n", start, end), text.rfind(". ", start, end))
        if cut <= start:
            cut = text.rfind(" ", start, end)
        end = cut + 1 if cut > start else end
        yield text[start:end]
        start = end
    yield text[start:]


def _segment_text(text: str) -> tuple[tuple[str, ...], ...]:
    if not text.strip():
        return ()
    out = []
    for piece in _pieces(_cut_long_runs(text)):
        if not piece.strip():
            continue
        for token in segmenter.tokenize(piece).split():
            if token.isalnum():  # one syllable: most tokens
                out.append((token,))
            elif _HAS_ALNUM(token):
                syllables = tuple(s for s in token.split("_") if s)
                if syllables:
                    out.append(syllables)
    return tuple(out)


def _align(text: str, offset: int, words, spans: list[Span]) -> None:
    cursor = 0
    for syllables in words:
        starts = []
        pos = cursor
        for syllable in syllables:
            found = text.find(syllable, pos)
            if found < 0:
                break
            starts.append(found)
            pos = found + len(syllable)
        if len(starts) != len(syllables):
            continue
        spans.append(Span(syllables, offset + starts[0], offset + pos))
        cursor = pos


def _stretches(text: str):
    """The text cut at protected tokens: (start, end, None) for plain text, (start, end, value) for a token."""
    last = 0
    for _kind, value, start, end in find_protected(text):
        yield last, start, None
        yield start, end, value
        last = end
    yield last, len(text), None


def segment(text: str) -> list[Span]:
    """Words of a normalised text with their character offsets, protected tokens kept whole."""
    spans: list[Span] = []
    for start, end, value in _stretches(text):
        if value is None:
            _align(text[start:end], start, _segment_plain(text[start:end]), spans)
        else:
            spans.append(Span((value,), start, end, protected=True))
    return spans


def segment_words(text: str) -> list[Word]:
    """The words of a text as canonical (lower-case, normalised) syllable tuples.

    The words of ``segment``, without working out where each one stands in the text.
    """
    text = normalise(text)
    words: list[Word] = []
    for start, end, value in _stretches(text):
        if value is None:
            words.extend(_segment_plain(text[start:end]))
        else:
            words.append((value,))
    return [tuple(map(str.lower, word)) for word in words]


class SegmentedText(str):
    """Text already segmented: the analyzers use ``words`` instead of running pyvi again.

    A ``str`` so that Whoosh passes it to the field's analyzer untouched.
    """

    words: tuple[Word, ...]

    def __new__(cls, words):
        words = tuple(words)
        obj = super().__new__(cls, " ".join("_".join(w) for w in words))
        obj.words = words
        obj.found_terms = {}  # sequences -> field_terms of the words
        return obj

    def terms(self, sequences: frozenset[Word], fold: bool) -> dict[str, list[int]]:
        """``field_terms`` of the words, worked out once for the exact and the folded field."""
        found = self.found_terms.get(sequences)
        if found is None:
            found = self.found_terms[sequences] = field_terms(self.words, sequences)
        return found[fold]

    def __reduce__(self):
        return (SegmentedText, (self.words,))


def presegment(text: str) -> SegmentedText:
    """Segment once, index into several fields."""
    return SegmentedText(segment_words(text))


@lru_cache(maxsize=1 << 17)
def word_terms(word: Word, fold: bool) -> tuple[tuple[str, ...], str | None]:
    """The syllable terms of a word and, for multi-syllable words, its compound term."""
    syllables = tuple(fold_accents(s) for s in word) if fold else word
    compound = "_".join(syllables) if len(syllables) > 1 else None
    return syllables, compound


@lru_cache(maxsize=8)
def _sequence_table(sequences: frozenset[Word]) -> dict[str, tuple[Word, ...]]:
    """First folded syllable -> the sequences that open with it."""
    table: dict[str, list[Word]] = {}
    for seq in sequences:
        table.setdefault(seq[0], []).append(seq)
    return {first: tuple(seqs) for first, seqs in table.items()}


def sequence_starts(words, sequences: frozenset[Word]) -> dict[int, list[int]]:
    """Where each of ``sequences`` (folded syllables) stands in the words: position -> lengths.

    A place where pyvi already made the sequence one word is left out: its compound is indexed.
    """
    if not sequences:
        return {}
    table = _sequence_table(sequences)
    flat: list[str] = []
    whole: set[tuple[int, int]] = set()
    for word in words:
        if len(word) > 1:
            whole.add((len(flat), len(word)))
        flat.extend(word_terms(word, True)[0])
    found: dict[int, list[int]] = {}
    for at, syllable in enumerate(flat):
        for seq in table.get(syllable, ()):
            k = len(seq)
            if tuple(flat[at : at + k]) == seq and (at, k) not in whole:
                found.setdefault(at, []).append(k)
    return found


@lru_cache(maxsize=1 << 12)
def _folded_term(term: str) -> str:
    return fold_accents(term)


def field_terms(words, sequences: frozenset[Word] = frozenset()) -> tuple[dict[str, list[int]], dict[str, list[int]]]:
    """Every term of the words and its positions, exact and folded: what the exact and the folded
    analyzer yield, without tokens, in one pass over the words.

    The folded terms are the exact ones folded (a word folds syllable by syllable), their positions
    merged where several exact spellings fold alike; the sequences are looked for only where their
    first syllable stands.
    """
    exact: dict[str, list[int]] = {}
    add = exact.setdefault
    whole: set[tuple[int, int]] = set()
    pos = 0
    for word in words:
        if len(word) > 1:
            add("_".join(word), []).append(pos)
            whole.add((pos, len(word)))
        for syllable in word:
            add(syllable, []).append(pos)
            pos += 1
    folded: dict[str, list[int]] = {}
    for term, positions in exact.items():
        key = _folded_term(term)
        have = folded.get(key)
        folded[key] = positions if have is None else sorted(have + positions)
    if sequences:
        table = _sequence_table(sequences)
        flat: list[str] | None = None
        more_exact: dict[str, list[int]] = {}
        more_folded: dict[str, list[int]] = {}
        for first in table.keys() & folded.keys():
            for at in folded[first]:
                for seq in table[first]:
                    k = len(seq)
                    if at + k > pos or (at, k) in whole:
                        continue
                    flat = flat if flat is not None else [s for word in words for s in word]
                    if all(_folded_term(flat[at + n]) == seq[n] for n in range(1, k)):
                        more_exact.setdefault("_".join(flat[at : at + k]), []).append(at)
                        more_folded.setdefault("_".join(seq), []).append(at)
        # new lists: an exact and a folded term may share one
        for terms, more in ((exact, more_exact), (folded, more_folded)):
            for term, positions in more.items():
                terms[term] = sorted(terms.get(term, []) + positions)
    return exact, folded


class _VietnameseAnalyzer(Composable):
    """Whoosh analyzer over ``segment``; ``fold`` selects the accent-folded variant.

    ``sequences`` (folded syllable tuples) are also indexed as one term wherever their syllables
    stand side by side, so that a query for them reads one term instead of checking positions.
    The analyzer is saved with the index's schema: an index keeps the sequences it was built with.
    """

    fold = False

    def __init__(self, sequences: frozenset[Word] = frozenset()):
        self.sequences = frozenset(sequences)

    def __eq__(self, other):
        return (
            other is not None
            and self.__class__ is other.__class__
            and getattr(self, "sequences", None) == getattr(other, "sequences", None)
        )

    def __call__(
        self,
        value,
        positions=False,
        chars=False,
        keeporiginal=False,
        removestops=True,
        start_pos=0,
        start_char=0,
        tokenize=True,
        mode="",
        **kwargs,
    ):
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        sequences = getattr(self, "sequences", frozenset())
        if isinstance(value, SegmentedText):
            spans = None
            words = value.words
        else:
            spans = segment(normalise(value))
            words = [tuple(s.lower() for s in sp.syllables) for sp in spans]
        starts = sequence_starts(words, sequences)
        flat = [s for word in words for s in word_terms(word, self.fold)[0]] if starts else []
        pos = start_pos
        for index, word in enumerate(words):
            syllables, compound = word_terms(word, self.fold)
            span = spans[index] if spans is not None else None
            if compound is not None:
                yield self._emit(token, compound, pos, span, start_char, keeporiginal)
            for offset, syllable in enumerate(syllables):
                at = pos - start_pos + offset
                for k in starts.get(at, ()):
                    yield self._emit(token, "_".join(flat[at : at + k]), pos + offset, span, start_char, keeporiginal)
                yield self._emit(token, syllable, pos + offset, span, start_char, keeporiginal)
            pos += len(syllables)

    @staticmethod
    def _emit(token, text, pos, span, start_char, keeporiginal):
        token.text = text
        token.boost = 1.0
        token.stopped = False
        if keeporiginal:
            token.original = text
        if token.positions:
            token.pos = pos
        if token.chars and span is not None:
            token.startchar = start_char + span.start
            token.endchar = start_char + span.end
        return token


class ExactAnalyzer(_VietnameseAnalyzer):
    """Accented, normalised, lower-case terms."""

    fold = False


class FoldedAnalyzer(_VietnameseAnalyzer):
    """The same terms without diacritics: what an unaccented query matches."""

    fold = True
