"""From what a member types to a Whoosh query. Pure functions; no searcher needed.

A query is read as: quoted phrases, ``-excluded`` words, ``prefix*`` words, document numbers
("15/KH-LĐLĐ", "15/ KH-LĐLĐ", "số 15/KH-LĐLĐ", "kh 15"), and plain words segmented by the
same pipeline as the documents. Every other character is text, never syntax: there is no
field syntax to abuse, and wildcard expansion is capped.

Each word becomes a clause that matches its exact (accented) form strongly and its folded
form weakly, so "đường" ranks roads above "Dương", while "duong" finds both. Abbreviations
expand both ways (``indexer/text/abbreviations.tsv``).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache

from whoosh import query as Q

from indexer.documents.metadata import DOC_TYPES
from indexer.text.abbreviations import abbreviations, meanings
from indexer.text.analysis import Word, find_protected, normalise_docnum, segment
from indexer.text.normalise import canonical, fold_accents, has_diacritics, normalise

MAX_QUERY_CHARS = 500
MAX_CLAUSES = 24
MAX_PREFIX_TERMS = 64
EXACT_BOOST = 4.0
FOLDED_BOOST = 1.0
OTHER_SPELLING_BOOST = 0.5  # "NQ" for a query typed "nghị quyết", and the other way round
OWN_NUMBER_SCORE = 500.0
CITED_NUMBER_BOOST = 6.0
PHRASE_BONUS = 2.0
TYPE_BONUS = 30.0

TEXT_FIELDS = {False: ("title_exact", "body_exact"), True: ("title_folded", "body_folded")}


class QueryError(ValueError):
    """A query we refuse, with the reason in Vietnamese."""


@dataclass(frozen=True)
class Clause:
    """One thing the documents must contain: any of ``alternatives`` (syllable sequences)."""

    alternatives: tuple[Word, ...]
    accented: bool = True
    phrase: bool = False  # syllables must stand together (quoted text, spelled-out abbreviations)
    prefix: bool = False
    number: str | None = None  # a document number, or "15/kh" for a "kh 15" query
    number_prefix: bool = False
    number_type: str | None = None  # "nghị quyết" for "nq 45": also any nghị quyết numbered 45/…

    def folded_sequences(self) -> list[tuple[str, ...]]:
        return [tuple(fold_accents(s) for s in alt) for alt in self.alternatives]


@dataclass
class ParsedQuery:
    text: str
    required: list[Clause] = field(default_factory=list)
    excluded: list[Clause] = field(default_factory=list)
    type_hint: str | None = None  # "nghị quyết" when the query opens with "nghị quyết …" or "NQ …"

    @property
    def empty(self) -> bool:
        return not self.required

    @property
    def number_only(self) -> bool:
        return bool(self.required) and all(c.number for c in self.required)

    def highlight_sequences(self) -> list[tuple[str, ...]]:
        """Folded syllable sequences to mark in titles and snippets."""
        seqs = []
        for clause in self.required:
            seqs.extend(s for s in clause.folded_sequences() if s)
        return seqs

    def prefixes(self) -> list[str]:
        words = [fold_accents(c.alternatives[0][0]) for c in self.required if c.prefix]
        numbers = [fold_accents(c.number.lower()) for c in self.required if c.number_prefix]
        return words + numbers


@lru_cache(maxsize=1)
def abbreviation_keys() -> frozenset[str]:
    """Every abbreviation, folded and as written: words a spelling corrector must leave alone."""
    return frozenset(abbreviations()) | frozenset(abbr for abbr, _expansion in abbreviations().values())


@lru_cache(maxsize=1)
def _expansions() -> list[tuple[tuple[str, ...], str]]:
    """(folded expansion syllables, abbreviation) longest first."""
    pairs = [(tuple(fold_accents(s) for s in exp), abbr) for abbr, exps in meanings().values() for exp in exps]
    return sorted(pairs, key=lambda p: len(p[0]), reverse=True)


_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\ufeff]")
_QUOTED = re.compile(r'"([^"]*)"?')
_CODES = "|".join(
    sorted({fold_accents(c).lower() for _o, codes in DOC_TYPES.values() for c in codes}, key=len, reverse=True)
)
# folded type name or code -> (type, the code its numbers carry)
_TYPE_KEYS = {
    **{fold_accents(o): (t, codes[0]) for t, (openings, codes) in DOC_TYPES.items() if codes for o in openings},
    **{fold_accents(c).lower(): (t, c) for t, (_o, codes) in DOC_TYPES.items() for c in codes},
}
_TYPE_NAMES = "|".join(sorted((re.escape(k) for k in _TYPE_KEYS), key=len, reverse=True))
# a query that is only a document number as members write it: "kh 15", "qd so 245", "45/NQ",
# "02-HD", "15 kh", "nghi quyet 45", "huong dan so 02"
_CODE_NUMBER = re.compile(
    rf"^\s*(?:so\s*)?(?:(?P<code>{_TYPE_NAMES})\s*(?:so\s*)?(?P<num>\d{{1,5}})"
    rf"|(?P<num2>\d{{1,5}})\s*[/-]?\s*(?P<code2>{_CODES}))\s*$"
)


def clean(text: str) -> str:
    """NFC, one tone placement, no control characters, single spaces."""
    text = _CONTROL.sub(" ", unicodedata.normalize("NFC", text or ""))
    return " ".join(normalise(text).split())


def parse(text: str, numbers: bool = True) -> ParsedQuery:
    """Read a query as typed (``numbers=False``: "kh 15" as two words, not a document number).
    Raises QueryError for queries we refuse to run."""
    if text and len(text) > MAX_QUERY_CHARS:
        raise QueryError(f"Câu tìm kiếm quá dài: tối đa {MAX_QUERY_CHARS} ký tự.")
    text = clean(text)
    parsed = ParsedQuery(text=text)
    if not text:
        return parsed

    code_number = _CODE_NUMBER.match(fold_accents(text).lower()) if numbers else None
    if code_number:
        num = code_number.group("num") or code_number.group("num2")
        doc_type, code = _TYPE_KEYS[code_number.group("code") or code_number.group("code2")]
        number = f"{int(num)}/{fold_accents(code).lower()}"
        parsed.required.append(
            Clause(alternatives=(), number=number, number_prefix=True, number_type=doc_type, accented=False)
        )
        parsed.type_hint = doc_type
        return parsed

    rest = text
    for m in _QUOTED.finditer(text):
        phrase = [w for w in _words(m.group(1)) if w]
        if phrase:
            syllables = tuple(s for w in phrase for s in w)
            parsed.required.append(Clause(alternatives=(syllables,), accented=has_diacritics(m.group(1)), phrase=True))
    rest = _QUOTED.sub(" ", text)

    plain: list[str] = []
    for token in rest.split():
        if token.startswith("-") and len(token) > 1:
            parsed.excluded.extend(_word_clauses(token[1:]))
        elif token.endswith("*"):
            stem = canonical(token.rstrip("*"))
            if len(fold_accents(stem)) >= 2 and stem.replace("_", "").isalnum():
                parsed.required.append(Clause(alternatives=((stem,),), prefix=True, accented=has_diacritics(stem)))
        else:
            plain.append(token)
    parsed.required.extend(_word_clauses(" ".join(plain)))
    parsed.type_hint = _type_hint(text)
    if len(parsed.required) > MAX_CLAUSES:
        raise QueryError(f"Câu tìm kiếm có quá nhiều từ: tối đa {MAX_CLAUSES} từ.")
    if parsed.excluded and not parsed.required:
        # "-khen" alone would list every document without the word: almost the whole index
        raise QueryError("Hãy nhập ít nhất một từ cần tìm; dấu “-” trước một từ chỉ để loại bớt kết quả.")
    return parsed


def _type_hint(text: str) -> str | None:
    """The document type a query asks for by opening with its name or code."""
    head = fold_accents(text.lower()).strip('"')
    for doc_type, (openings, codes) in DOC_TYPES.items():
        names = [fold_accents(o) for o in openings] + [fold_accents(c).lower() for c in codes]
        if any(head == n or head.startswith(n + " ") for n in names):
            return doc_type
    return None


def _words(text: str) -> list[Word]:
    return [tuple(canonical(s) for s in span.syllables) for span in segment(text) if span.syllables]


def _word_clauses(text: str) -> list[Clause]:
    text = re.sub(r"(?i)\bsố\s+(?=\d)", "", text)
    clauses: list[Clause] = []
    numbers = {value.lower(): value for kind, value, _s, _e in find_protected(text) if kind == "docnum"}
    words = _words(text)
    i = 0
    while i < len(words):
        word = words[i]
        if len(word) == 1 and word[0] in numbers:
            clauses.append(Clause(alternatives=(word,), number=normalise_docnum(numbers[word[0]])))
            i += 1
            continue
        merged = _match_expansion(words, i)
        if merged:
            abbr, expansion, consumed = merged
            clauses.append(
                Clause(alternatives=(expansion, (abbr,)), accented=_accented(words[i : i + consumed]), phrase=True)
            )
            i += consumed
            continue
        key = fold_accents(word[0]) if len(word) == 1 else None
        if key in meanings():
            abbr, expansions = meanings()[key]
            clauses.append(Clause(alternatives=((abbr,), *expansions), accented=False, phrase=True))
        elif any(ch.isalnum() for s in word for ch in s):
            clauses.append(Clause(alternatives=(word,), accented=has_diacritics("".join(word))))
        i += 1
    return clauses


def _accented(words: list[Word]) -> bool:
    return has_diacritics("".join(s for w in words for s in w))


def _match_expansion(words: list[Word], start: int) -> tuple[str, Word, int] | None:
    """An abbreviation whose expansion the words from ``start`` spell out, word-aligned."""
    flat: list[str] = []
    ends: dict[int, int] = {}
    for n, word in enumerate(words[start:], start=1):
        flat.extend(fold_accents(s) for s in word)
        ends[len(flat)] = n
        if len(flat) >= 8:
            break
    for expansion, abbr in _expansions():
        k = len(expansion)
        if k > 1 and k in ends and tuple(flat[:k]) == expansion:
            original = tuple(s for w in words[start : start + ends[k]] for s in w)
            return abbr, original, ends[k]
    return None


# --- to Whoosh ----------------------------------------------------------------------------------


def _sequence_query(fieldname: str, syllables: tuple[str, ...], boost: float, phrase: bool) -> Q.Query:
    """One word or phrase in one field.

    A multi-syllable word matches as the compound term pyvi produced at index time or, when the
    document was segmented differently, as its syllables; a phrase needs them side by side, and
    is checked only in documents without the compound.
    Checking positions is the costly part of a query, so plain words do not.
    """
    if len(syllables) == 1:
        return Q.Term(fieldname, syllables[0], boost=boost)
    compound = Q.Term(fieldname, "_".join(syllables), boost=boost)
    if phrase:
        # only where pyvi did not make them one word: the compound answers the rest, and
        # positions are checked in far fewer documents
        loose = Q.AndNot(Q.Phrase(fieldname, list(syllables), boost=boost), compound)
    else:
        loose = Q.And([Q.Term(fieldname, s) for s in syllables], boost=boost * 0.5)
    return Q.Or([compound, loose])


def clause_query(clause: Clause, expand_prefix=None, sequences: frozenset = frozenset()) -> Q.Query:
    """The Whoosh query for one clause over titles and bodies, exact and folded.

    ``sequences`` are the folded syllable sequences the index holds as one term wherever they
    stand (``indexer.index.schema.indexed_sequences``): a phrase of one of them is that term.
    """
    if clause.number:
        key = clause.number.lower()
        variants = {key, fold_accents(key)}
        kind = Q.Prefix if clause.number_prefix else Q.Term
        # the document issued under this number comes first, whatever cites it more often
        parts = [Q.ConstantScoreQuery(kind("number", v), score=OWN_NUMBER_SCORE) for v in variants]
        if clause.number_type:
            # a công văn is numbered "156/LĐLĐ-CSPL", without its code
            own = Q.And([Q.Prefix("number", key.split("/")[0] + "/"), Q.Term("type", clause.number_type)])
            parts.append(Q.ConstantScoreQuery(own, score=OWN_NUMBER_SCORE))
        parts += [kind("numbers", v, boost=CITED_NUMBER_BOOST) for v in variants]
        if not clause.number_prefix:
            parts += [Q.Term(f, v) for f in TEXT_FIELDS[False] for v in variants]
        return Q.Or(parts)
    parts: list[Q.Query] = []
    if clause.prefix:
        stem = clause.alternatives[0][0]
        for folded_field in (False, True):
            if folded_field == False and not clause.accented:  # noqa: E712
                continue
            for fieldname in TEXT_FIELDS[folded_field]:
                value = fold_accents(stem) if folded_field else stem
                terms = expand_prefix(fieldname, value) if expand_prefix else [value]
                boost = FOLDED_BOOST if folded_field else EXACT_BOOST
                parts.extend(Q.Term(fieldname, t, boost=boost) for t in terms[:MAX_PREFIX_TERMS])
        return Q.Or(parts) if parts else Q.NullQuery
    for n, alternative in enumerate(clause.alternatives):
        # what was typed comes first: the other spelling (abbreviation or meaning) counts for less
        weight = 1.0 if n == 0 else OTHER_SPELLING_BOOST
        exact_boost, folded_boost = EXACT_BOOST * weight, FOLDED_BOOST * weight
        folded = tuple(fold_accents(s) for s in alternative)
        whole = clause.phrase and len(folded) > 1 and folded in sequences
        if clause.accented:
            for fieldname in TEXT_FIELDS[False]:
                if whole:
                    parts.append(Q.Term(fieldname, "_".join(alternative), boost=exact_boost))
                else:
                    parts.append(_sequence_query(fieldname, alternative, exact_boost, clause.phrase))
        for fieldname in TEXT_FIELDS[True]:
            if whole or (clause.accented and len(folded) > 1 and not clause.phrase):
                # a mistyped accent only needs the folded compound; the exact fields did the rest
                parts.append(Q.Term(fieldname, "_".join(folded), boost=folded_boost))
            else:
                parts.append(_sequence_query(fieldname, folded, folded_boost, clause.phrase))
    return Q.Or(parts)


def build_query(
    parsed: ParsedQuery,
    *,
    relaxed: bool = False,
    expand_prefix=None,
    bonus: bool = True,
    phrase_bonus: bool = True,
    sequences: frozenset = frozenset(),
) -> Q.Query:
    """All clauses required (or any, when ``relaxed``), minus exclusions.

    ``bonus`` adds scores that never change which documents match: for the words standing
    together as typed (``phrase_bonus``, see ``phrase_bonus_query``) and for the document
    type the query names. Counting facets can leave them out.
    """
    if parsed.empty:
        return Q.Every()
    clauses = [clause_query(c, expand_prefix, sequences) for c in parsed.required]
    combined: Q.Query = Q.Or(clauses) if relaxed else Q.And(clauses)
    together = phrase_bonus_query(parsed) if bonus and phrase_bonus else None
    if together is not None:
        combined = Q.AndMaybe(combined, together)
    if bonus and parsed.type_hint:
        # scores grow with the number of words, so the bonus does too
        weight = TYPE_BONUS * len(parsed.required)
        combined = Q.AndMaybe(combined, Q.ConstantScoreQuery(Q.Term("type", parsed.type_hint), score=weight))
    if parsed.excluded:
        combined = Q.AndNot(combined, Q.Or([clause_query(c, sequences=sequences) for c in parsed.excluded]))
    return combined


def phrase_bonus_query(parsed: ParsedQuery) -> Q.Query | None:
    """The typed words side by side, for a bonus: None when there are fewer than two words.

    Search applies it to the best-scoring documents only, as positions are costly to check.
    """
    words = [c for c in parsed.required if not c.number and not c.prefix and c.alternatives]
    if len(words) < 2:
        return None
    syllables = tuple(fold_accents(s) for c in words for s in c.alternatives[0])
    return Q.Or([Q.Phrase(f, list(syllables), slop=1, boost=PHRASE_BONUS) for f in TEXT_FIELDS[True]])
