"""Vietnamese text normalisation: one canonical spelling for every way a word can be typed.

Members type in NFC or NFD, with the old tone placement ("hoà", "thuỷ") or the new one
("hòa", "thủy"), in any case, with or without diacritics. Everything that compares text
(the index, queries, highlighting, metadata matching) goes through these functions.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import numpy as np

TONE_MARKS = {
    "\u0300",  # huyền
    "\u0301",  # sắc
    "\u0303",  # ngã
    "\u0309",  # hỏi
    "\u0323",  # nặng
}

# In open syllables ending in these vowel pairs the tone may sit on either vowel
# ("hoà"/"hòa", "khoẻ"/"khỏe", "thuỷ"/"thủy"); we put it on the first one.
_MOVABLE_PAIRS = {("o", "a"), ("o", "e"), ("u", "y")}


def nfc(text: str) -> str:
    """Return the text in Unicode NFC."""
    return unicodedata.normalize("NFC", text)


def _place_tone(word: str) -> str:
    decomposed = unicodedata.normalize("NFD", word)
    letters: list[list[str]] = []  # each letter with its combining marks
    for ch in decomposed:
        if unicodedata.combining(ch) and letters:
            letters[-1].append(ch)
        else:
            letters.append([ch])
    if len(letters) < 2:
        return word
    first, second = letters[-2], letters[-1]
    pair = (first[0].lower(), second[0].lower())
    if pair not in _MOVABLE_PAIRS:
        return word
    # "qu" + "y": the u belongs to the consonant, the tone stays on y ("quý").
    if pair == ("u", "y") and len(letters) >= 3 and letters[-3][0].lower() == "q":
        return word
    if len(first) > 1:  # the first vowel already carries a mark
        return word
    tones = [m for m in second[1:] if m in TONE_MARKS]
    if not tones or len(second) - 1 != len(tones):
        return word
    first.extend(tones)
    del second[1:]
    return unicodedata.normalize("NFC", "".join("".join(letter) for letter in letters))


# Only words ending in a toned a/e after o, or a toned y after u, can need a change. A match
# starts only where a word starts: tried from inside a word too, a long word cost its length
# squared (13 s for one word of 40,000 letters).
_CANDIDATE = re.compile(r"(?<!\w)\w*(?:[oO][àáảãạÀÁẢÃẠèéẻẽẹÈÉẺẼẸ]|[uU][ỳýỷỹỵỲÝỶỸỴ])(?!\w)")


def normalise_tone_placement(text: str) -> str:
    """Move tone marks of open "oa", "oe", "uy" syllables to one convention ("hoà" -> "hòa")."""
    return _CANDIDATE.sub(lambda m: _place_tone(m.group(0)), text)


def normalise(text: str) -> str:
    """NFC plus one tone placement; keeps case. The canonical form for display-level text."""
    return normalise_tone_placement(nfc(text))


def fold_accents(text: str) -> str:
    """Drop every diacritic, including đ -> d: "Đại hội" -> "Dai hoi"."""
    decomposed = unicodedata.normalize("NFD", text)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return stripped.replace("đ", "d").replace("Đ", "D")


_FOLDED_BELOW = 0x1F00  # past the Latin Extended Additional block nothing is folded


@lru_cache(maxsize=1)
def _same_length_folds() -> np.ndarray:
    """For each code point below _FOLDED_BELOW, the code point of its folded letter (itself if none)."""
    table = np.arange(_FOLDED_BELOW, dtype=np.uint32)
    for code in range(0x00C0, _FOLDED_BELOW):
        folded_char = fold_accents(chr(code))
        if len(folded_char) == 1:
            table[code] = ord(folded_char)
    return table


def fold_lower_same_length(text: str) -> str:
    """Folded and lower-cased, one character for each character of the (NFC) text.

    Offsets into the result are offsets into the text, which highlighting relies on. Folded as
    an array of code points (snippets fold every hit's text: ``str.translate`` was 5× slower).
    """
    lowered = text.lower()
    if len(lowered) != len(text) or not lowered:
        return text
    codes = np.frombuffer(lowered.encode("utf-32-le", "surrogatepass"), dtype="<u4")
    inside = codes < _FOLDED_BELOW
    folded = np.where(inside, _same_length_folds()[np.where(inside, codes, 0)], codes)
    return folded.astype("<u4").tobytes().decode("utf-32-le", "surrogatepass")


def has_diacritics(text: str) -> bool:
    """True when the text carries any Vietnamese diacritic (so it was typed on purpose)."""
    return fold_accents(text) != unicodedata.normalize("NFC", text)


def canonical(text: str) -> str:
    """Normalised and lower-cased: the exact-match form of an index term."""
    return normalise(text).lower()


def folded(text: str) -> str:
    """Lower-cased without diacritics: the form that unaccented queries match."""
    return fold_accents(canonical(text))
