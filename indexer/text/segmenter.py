"""pyvi's word segmentation, with its model's features worked out once a syllable.

pyvi's ``ViTokenizer.tokenize`` cuts the text into syllables, describes each one to its CRF model
(lower case, title case, capitals, digits, and whether it and its neighbours make a two- or
three-syllable word of its dictionary) and joins the syllables the model labels as one word. Half
of its time is the descriptions, built in Python with each syllable looked at three times and each
pair and triple joined twice, and its answer is built by adding strings one at a time. ``tokenize``
here gives pyvi's own model the same descriptions, each worked out once, and builds the same answer
in one join: pyvi's output, character for character (``tests/test_segmenter.py`` holds it to
pyvi's on generated, hostile and real text), in about two thirds of the time.
"""

from __future__ import annotations

import string
from functools import lru_cache

_PUNCTUATION = string.punctuation


def load() -> None:
    """Load pyvi's model and dictionary (else the first text loads them)."""
    _pyvi()


@lru_cache(maxsize=1)
def _pyvi():
    """pyvi's tokenizer class (its model and dictionary), loaded on first use."""
    import warnings

    with warnings.catch_warnings():
        # pyvi's model was pickled by an older scikit-learn; it loads and segments the same
        warnings.simplefilter("ignore")
        from pyvi.ViTokenizer import ViTokenizer  # heavy import: load on first use

    return ViTokenizer


def features(syllables: list[str]) -> list[dict]:
    """What pyvi's ``sent2features`` gives for the syllables: the same keys, values and order."""
    pyvi = _pyvi()
    pairs, triples = pyvi.bi_grams, pyvi.tri_grams
    n = len(syllables)
    lower = [s.lower() for s in syllables]
    title = [s.istitle() for s in syllables]
    upper = [s.isupper() for s in syllables]
    digit = [s.isdigit() for s in syllables]
    # pyvi lowers the joined syllables (not each one), which is what is kept here
    pair = [" ".join([syllables[i], syllables[i + 1]]).lower() in pairs for i in range(n - 1)]
    triple = [" ".join([syllables[i], syllables[i + 1], syllables[i + 2]]).lower() in triples for i in range(n - 2)]
    out = []
    for i in range(n):
        found = {
            "bias": 1.0,
            "word.lower()": lower[i],
            "word.isupper()": upper[i],
            "word.istitle()": title[i],
            "word.isdigit()": digit[i],
        }
        if i > 0:
            found["-1:word.lower()"] = lower[i - 1]
            found["-1:word.istitle()"] = title[i - 1]
            found["-1:word.isupper()"] = upper[i - 1]
            found["-1:word.bi_gram()"] = pair[i - 1]
            if i > 1:
                found["-2:word.tri_gram()"] = triple[i - 2]
        if i < n - 1:
            found["+1:word.lower()"] = lower[i + 1]
            found["+1:word.istitle()"] = title[i + 1]
            found["+1:word.isupper()"] = upper[i + 1]
            found["+1:word.bi_gram()"] = pair[i]
            if i < n - 2:
                found["+2:word.tri_gram()"] = triple[i]
        out.append(found)
    return out


def tokenize(text: str) -> str:
    """pyvi's ``ViTokenizer.tokenize(text)``: the syllables, those of one word joined by "_"."""
    pyvi = _pyvi()
    _normalised, syllables = pyvi.sylabelize(text)
    if not syllables:
        return text
    labels = pyvi.model.predict_single(features(syllables))
    parts = [syllables[0]]
    for i in range(1, len(labels)):
        this, before = syllables[i], syllables[i - 1]
        joined = (
            labels[i] == "I_W"
            and this not in _PUNCTUATION
            and before not in _PUNCTUATION
            and not this[0].isdigit()
            and not before[0].isdigit()
            and not (this[0].istitle() and not before[0].istitle())
        )
        parts.append("_" if joined else " ")
        parts.append(this)
    return "".join(parts)
