"""Spelling from the index's own vocabulary: what a mistyped word was meant to be.

A member's word can go wrong in a few ways we can name, and each has its repair:

* a tone or vowel mark slipped ("bảo hiễm"): the folded form exists, the accented one does not;
  ``accented_forms`` lists the spellings of a folded syllable that the documents use;
* Telex or VNI keys left in the word when the input method was off ("nghij", "quye61t"):
  ``typed_syllable`` does what the input method would have done ("nghị", "quyết");
* a letter dropped, doubled, swapped or wrong ("doaan", "thiue"): SymSpell finds the words of
  the index one edit away from the folded word;
* words typed together ("congdoan", "baohiemxahoi"): compounds of the index are in the same
  dictionary without their spaces, and SymSpell's ``word_segmentation`` cuts the rest.

A ``Speller`` holds one index version's dictionary (folded syllables and compounds with their
document frequencies, and the abbreviations), built once per version (``speller_for``).
Which correction a query gets, in its context, is ``search_app.engine.suggest``'s business.
"""

from __future__ import annotations

import math
import re
import threading
import unicodedata
from collections import OrderedDict
from dataclasses import dataclass, field, replace
from functools import lru_cache
from itertools import product

from symspellpy import SymSpell, Verbosity

from indexer.text.abbreviations import abbreviations
from indexer.text.normalise import canonical, fold_accents
from search_app.engine.arrays import IndexArrays

FOLDED_FIELDS = ("body_folded", "title_folded")
EXACT_FIELDS = ("body_exact", "title_exact")
MAX_EDIT = 1  # one slip per word: two-edit neighbours of short Vietnamese syllables are mostly other words
PREFIX_LENGTH = 7  # SymSpell indexes deletes of this many leading letters
MAX_WORDS = 60_000  # dictionary entries kept (most frequent first): bounds build time and memory
MAX_WORD_CHARS = 24  # longer "words" are URLs, codes and run-together noise
VERSIONS_KEPT = 2

# --- Vietnamese syllables ------------------------------------------------------------------------------

_VOWELS = frozenset("aăâeêioôơuưy")
_MARKED_VOWELS = frozenset("ăâêôơư")
_TONES = ("", "\u0301", "\u0300", "\u0309", "\u0303", "\u0323")  # none, sắc, huyền, hỏi, ngã, nặng
_STOP_TONES = ("\u0301", "\u0323")  # a syllable ending in c, ch, p, t takes only sắc or nặng
_ONSET = r"(?:ngh|ng|gh|gi|kh|nh|ph|th|tr|ch|qu|[bcdghklmnprstvx])?"
_CODA = r"(?:ch|ng|nh|[cmnpt])?"
# every vowel group a Vietnamese syllable has, with its marks
_NUCLEI = frozenset(
    """a ă â e ê i o ô ơ u ư y ai ao au âu ay ây eo êu ia iê iu oa oă oe oi ôi ơi oo ua uâ ưa uê ui ưi uô
    ươ uơ ưu uy yê iêu oai oay oeo uây uôi ươi ươu uya uyê uyu yêu""".split()
)
_FOLDED_NUCLEI = frozenset(fold_accents(n) for n in _NUCLEI)
_SYLLABLE = re.compile(
    rf"^(?P<onset>{_ONSET})(?P<nucleus>{'|'.join(sorted(_FOLDED_NUCLEI, key=len, reverse=True))})(?P<coda>{_CODA})$"
)
_LETTER_MARKS = {"a": "aăâ", "e": "eê", "o": "oôơ", "u": "uư", "i": "i", "y": "y"}


def is_syllable(folded: str) -> bool:
    """Whether a folded word has the shape of one Vietnamese syllable ("cong", "nghieng"; not "gdoan")."""
    return _SYLLABLE.match(folded) is not None


def _with_tone(letters: list[str], tone: str) -> str | None:
    """Letters of a syllable (vowel marks in place) with the tone on the vowel that carries it."""
    word = "".join(letters)
    start = 0
    if word.startswith("qu") or (word.startswith("gi") and any(c in _VOWELS for c in letters[2:])):
        start = 2  # the u of "qu" and the i of "gi" belong to the consonant
    vowels = [i for i in range(start, len(letters)) if letters[i] in _VOWELS]
    if not vowels:
        return None
    group = [vowels[0]]
    for i in vowels[1:]:
        if i != group[-1] + 1:
            return None  # two vowel groups: not one syllable
        group.append(i)
    if not tone:
        return unicodedata.normalize("NFC", word)
    marked = [i for i in group if letters[i] in _MARKED_VOWELS]
    if marked:
        at = marked[-1]  # "ươ": on the ơ
    elif len(group) == 1:
        at = group[0]
    elif group[-1] == len(letters) - 1:
        at = group[-2] if len(group) == 2 else group[1]  # open: "tài", "hòa", "ngoài"
    else:
        at = group[-1]  # closed: "toán", "huỳnh"
    toned = letters[:at] + [letters[at] + tone] + letters[at + 1 :]
    return unicodedata.normalize("NFC", "".join(toned))


@lru_cache(maxsize=1 << 14)
def accented_forms(folded: str) -> tuple[str, ...]:
    """Every way a folded syllable can be written with marks ("doan" -> "đoàn", "đoạn", "doãn", …).

    Only vowel groups Vietnamese has, and only the tones a syllable's ending allows, so a
    syllable has a few dozen forms at most. A word that is not a syllable has none.
    """
    m = _SYLLABLE.match(folded)
    if m is None:
        return ()
    onset, nucleus, coda = m.group("onset"), m.group("nucleus"), m.group("coda")
    onsets = (onset, "đ" + onset[1:]) if onset.startswith("d") else (onset,)
    nuclei = ["".join(p) for p in product(*(_LETTER_MARKS[c] for c in nucleus))]
    tones = _STOP_TONES if coda in ("c", "ch", "p", "t") else _TONES
    forms = {}
    for first, vowels, tone in product(onsets, nuclei, tones):
        if vowels not in _NUCLEI:
            continue
        written = _with_tone(list(first + vowels + coda), tone)
        if written:
            forms[canonical(written)] = None
    return tuple(forms)


# --- Telex and VNI left in a word --------------------------------------------------------------------------

_TELEX_TONES = {"s": "\u0301", "f": "\u0300", "r": "\u0309", "x": "\u0303", "j": "\u0323"}
_VNI_TONES = {"1": "\u0301", "2": "\u0300", "3": "\u0309", "4": "\u0303", "5": "\u0323"}
_CIRCUMFLEX = {"a": "â", "e": "ê", "o": "ô"}
_HORN = {"o": "ơ", "u": "ư"}
_BREVE = {"a": "ă"}
_TELEX_W = {**_BREVE, **_HORN}  # Telex "w" makes ă, ơ or ư, whichever vowel it follows


def _mark_back(letters: list[str], marks: dict[str, str]) -> bool:
    """Mark the last vowel of the syllable's vowel group that ``marks`` applies to.

    Horns go on "uo" together ("uow", "uo7" -> "ươ"), as input methods do.
    """
    seen_vowel = False
    for i in range(len(letters) - 1, -1, -1):
        c = letters[i]
        if c in _VOWELS:
            seen_vowel = True
            if c in marks:
                letters[i] = marks[c]
                if marks[c] == "ơ" and i > 0 and letters[i - 1] == "u":
                    letters[i - 1] = "ư"
                return True
        elif seen_vowel:
            return False  # reached the consonants before the vowels
    return False


def _telex(word: str) -> tuple[list[str], str] | None:
    letters: list[str] = []
    tone = ""
    changed = False
    for ch in word:
        has_vowel = any(c in _VOWELS for c in letters)
        if has_vowel and ch in _TELEX_TONES:
            # no Vietnamese syllable ends in s, f, r, x or j: after a vowel they are tone keys
            tone, changed = _TELEX_TONES[ch], True
        elif has_vowel and ch == "z":
            tone, changed = "", True
        elif ch == "w":
            if not _mark_back(letters, _TELEX_W):
                letters.append("ư")  # "w" alone types ư
            changed = True
        elif ch in _CIRCUMFLEX and letters and letters[-1] == ch:
            letters[-1], changed = _CIRCUMFLEX[ch], True
        elif ch == "d" and letters == ["d"]:
            letters[-1], changed = "đ", True
        else:
            letters.append(ch)
    return (letters, tone) if changed else None


def _vni(word: str) -> tuple[list[str], str] | None:
    letters: list[str] = []
    tone = ""
    changed = False
    for ch in word:
        if ch in _VNI_TONES and any(c in _VOWELS for c in letters):
            tone, changed = _VNI_TONES[ch], True
        elif ch == "6" and _mark_back(letters, _CIRCUMFLEX):
            changed = True
        elif ch == "7" and _mark_back(letters, _HORN):
            changed = True
        elif ch == "8" and _mark_back(letters, _BREVE):
            changed = True
        elif ch == "9" and "d" in letters:
            letters[letters.index("d")], changed = "đ", True
        elif ch.isdigit():
            return None  # a number, not a key
        else:
            letters.append(ch)
    return (letters, tone) if changed else None


def typed_syllable(token: str) -> str | None:
    """A syllable typed with Telex or VNI keys that no input method turned into marks, as it was
    meant: "nghij" -> "nghị", "quyeets" -> "quyết", "nghi5" -> "nghị", "quye61t" -> "quyết".

    None when the token holds no such keys or would not make a syllable. Whether the syllable
    is a word of the index is for the caller to check ("cos" makes "có", as it should).
    """
    word = token.lower()
    if not word.isascii() or not word.isalnum() or not any(c.isalpha() for c in word):
        return None
    typed = _vni(word) if any(c.isdigit() for c in word) else _telex(word)
    if typed is None:
        return None
    letters, tone = typed
    written = _with_tone(letters, tone)
    if written is None or not is_syllable(fold_accents(written)):
        return None
    return canonical(written)


# --- one index version's dictionary ------------------------------------------------------------------------


@dataclass
class Speller:
    """The words of one index version, for finding what a mistyped word was meant to be.

    ``symspell`` holds folded syllables and compounds (without their spaces: "congdoan") and the
    abbreviations, each with its document frequency; ``joined`` says which syllables a joined
    compound stands for; ``accented`` the accented syllables of the index by folded syllable, with
    their document frequencies. Frequencies of other words are read from the index when asked,
    through the arrays of the calling thread (``use``), and remembered.
    """

    symspell: SymSpell
    joined: dict[str, tuple[str, ...]]
    size: int
    min_df: int
    arrays: IndexArrays | None = None
    memo: dict = field(default_factory=dict)  # per index version: frequencies read, accented forms found
    _memos: OrderedDict = field(default_factory=OrderedDict)
    accented: dict[str, list[tuple[str, int]]] | None = None
    version: tuple | None = None  # the index version the dictionary was read from

    def use(self, arrays: IndexArrays) -> Speller:
        """This speller reading the index through ``arrays`` (the calling thread's searcher)."""
        memo = self._memos.get(arrays.version)
        if memo is None:
            memo = self._memos.setdefault(arrays.version, {})
            while len(self._memos) > VERSIONS_KEPT:
                self._memos.popitem(last=False)
        # another version's accented forms would give that version's frequencies: read them instead
        accented = self.accented if arrays.version == self.version else None
        return replace(self, arrays=arrays, memo=memo, accented=accented)

    def doc_frequency(self, text: str, exact: bool = False) -> int:
        """Documents holding ``text`` in a body or a title (the larger count), folded or ``exact``."""
        key = ("e" if exact else "f", text)
        found = self.memo.get(key)
        if found is None:
            found = max(self.arrays.doc_frequency(f, text) for f in (EXACT_FIELDS if exact else FOLDED_FIELDS))
            if len(self.memo) > 100_000:
                self.memo.clear()
            self.memo[key] = found
        return found

    def known(self, folded: str) -> bool:
        return folded in self.symspell.words or self.doc_frequency(folded) > 0

    def frequency(self, folded: str) -> int:
        """A folded word's (or joined compound's) document frequency as the dictionary has it."""
        found = self.symspell.words.get(folded)
        return found if found is not None else self.doc_frequency(folded)

    def forms(self, folded: str) -> list[tuple[str, int]]:
        """The accented spellings of a folded syllable that the documents use, most frequent first."""
        key = ("forms", folded)
        found = self.memo.get(key)
        if found is None:
            if self.accented is not None:
                possible = set(accented_forms(folded))
                found = [(f, n) for f, n in self.accented.get(folded, ()) if f in possible]
            else:
                found = [(f, n) for f in accented_forms(folded) if (n := self.doc_frequency(f, exact=True))]
            found.sort(key=lambda p: -p[1])
            self.memo[key] = found
        return found

    def neighbours(self, folded: str) -> list[tuple[tuple[str, ...], int, int]]:
        """Dictionary words one edit from ``folded``: (syllables, edits, document frequency)."""
        if len(folded) > MAX_WORD_CHARS:
            return []
        found = []
        for item in self.symspell.lookup(folded, Verbosity.ALL, MAX_EDIT):
            if item.distance == 0 and item.term == folded and item.term not in self.joined:
                continue
            found.append((self.joined.get(item.term, (item.term,)), item.distance, item.count))
        return found

    def split(self, folded: str) -> tuple[str, ...] | None:
        """Words typed together, apart: "baohiemxahoi" -> ("bao", "hiem", "xa", "hoi"); None if they do not cut
        into compounds and syllables of the index (of two letters or more: "duoong" is no "du o ong")."""
        if len(folded) < 4 or len(folded) > 4 * MAX_WORD_CHARS:
            return None
        cut = self.symspell.word_segmentation(folded, max_edit_distance=0, max_segmentation_word_length=MAX_WORD_CHARS)
        parts = cut.corrected_string.split()
        if len(parts) < 2 and parts[0] not in self.joined:
            return None
        syllables: list[str] = []
        for part in parts:
            if part in self.joined:
                syllables.extend(self.joined[part])
            elif len(part) > 1 and is_syllable(part) and self.symspell.words.get(part, 0) >= self.min_df:
                syllables.append(part)
            else:
                return None
        return tuple(syllables)


def build_speller(arrays: IndexArrays) -> Speller:
    """Read the folded vocabulary of every segment and index it for SymSpell, and the accented
    syllables by their folded form."""
    syllables: dict[str, int] = {}
    compounds: dict[str, int] = {}
    exact: dict[str, dict[str, int]] = {fieldname: {} for fieldname in EXACT_FIELDS}
    for leaf, _offset in arrays.leaves:
        for fieldname, counts in exact.items():
            if fieldname not in leaf.schema:
                continue
            for text, info in leaf.iter_field(fieldname):
                term = text.decode("utf-8") if isinstance(text, bytes) else text
                if "_" not in term and len(term) <= MAX_WORD_CHARS and term.isalpha():
                    counts[term] = counts.get(term, 0) + info.doc_frequency()
        seen: dict[str, int] = {}
        for fieldname in FOLDED_FIELDS:
            if fieldname not in leaf.schema:
                continue
            for text, info in leaf.iter_field(fieldname):
                term = text.decode("utf-8") if isinstance(text, bytes) else text
                if len(term) <= MAX_WORD_CHARS and term.replace("_", "").isalpha():
                    # a word's documents: about its count in bodies (or titles, if more), summed over segments
                    seen[term] = max(seen.get(term, 0), info.doc_frequency())
        for term, df in seen.items():
            into = compounds if "_" in term else syllables
            into[term] = into.get(term, 0) + df
    size = arrays.size
    min_df = 1 if size < 1000 else 2  # a word in one document of many is as likely a typo as a word
    words = sorted(
        ((t, n) for t, n in (*syllables.items(), *compounds.items()) if n >= min_df),
        key=lambda p: (-p[1], p[0]),
    )[:MAX_WORDS]
    symspell = SymSpell(max_dictionary_edit_distance=MAX_EDIT, prefix_length=PREFIX_LENGTH)
    joined: dict[str, tuple[str, ...]] = {}
    for term, df in words:
        if "_" in term:
            key = term.replace("_", "")
            if key in joined or key in syllables:
                continue  # the more frequent reading of the letters wins
            joined[key] = tuple(term.split("_"))
            symspell.create_dictionary_entry(key, df)
        else:
            symspell.create_dictionary_entry(term, df)
    for folded_abbr in abbreviations():
        if folded_abbr.isalpha() and folded_abbr not in symspell.words:
            symspell.create_dictionary_entry(folded_abbr, max(syllables.get(folded_abbr, 0), 1))
    accented: dict[str, list[tuple[str, int]]] = {}
    # as ``Speller.doc_frequency`` counts: the larger of the body's and the title's
    for term in {t for counts in exact.values() for t in counts}:
        n = max(counts.get(term, 0) for counts in exact.values())
        accented.setdefault(fold_accents(term), []).append((term, n))
    for forms in accented.values():
        forms.sort(key=lambda p: (-p[1], p[0]))
    return Speller(symspell, joined, size, min_df, accented=accented, version=arrays.version)


_spellers: OrderedDict = OrderedDict()
_building: set = set()
_lock = threading.Lock()
_built = threading.Condition(_lock)


def speller_for(arrays: IndexArrays) -> Speller:
    """The speller of the arrays' index version, built on first use (``Engine.warm`` builds it ahead).

    While a new version's speller is being built by one thread, others use the last version's:
    its words are a day old at worst, and every frequency it gives is read from the new index.
    """
    version = arrays.version
    with _lock:
        while True:
            found = _spellers.get(version)
            if found is not None:
                _spellers.move_to_end(version)
                return found.use(arrays)
            if version not in _building:
                break
            if _spellers:
                return next(reversed(_spellers.values())).use(arrays)
            _built.wait()
        _building.add(version)
    try:
        speller = build_speller(arrays)
    finally:
        with _lock:
            _building.discard(version)
            _built.notify_all()
    with _lock:
        _spellers[version] = speller
        while len(_spellers) > VERSIONS_KEPT:
            _spellers.popitem(last=False)
    return speller.use(arrays)


def log_frequency(count: int) -> float:
    return math.log10(count + 1)
