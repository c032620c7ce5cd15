"""Spelling correction benchmark: misspelt and zero-result queries against correct ones, on generated documents.

The index is built from ``tests/generated.py`` documents (``--size``, ``--seed``) under $BENCH_DIR
(default /tmp/tracuu-bench) unless it is there already. Queries are the generator's query phrases,
each mistyped in the ways members mistype (a letter dropped, doubled or swapped, a tone slipped,
Telex or VNI keys left in, words typed together, no marks at all plus a typo), words that are no
typo of anything, and the phrases as written.

Reported: the time to build the spelling dictionary, and per class of query the wall and CPU time of
``Engine.search`` (result cache off; the first pass, each query seen once, timed on its own as
``first_pass_ms``, then ``--rounds`` passes) and the CPU time
spent in it finding corrections (``suggest.correct``), how often a
misspelt query was answered with the phrase it came from (folded), and every query that was not.

Autocomplete (``Engine.complete``) is timed the same way on prefixes of the phrases as a member
types them: cut after 2 to 6 characters of the last word, with and without marks.

    python -m bench.spelling --size 10000
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
import unicodedata
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))

from bench import data  # noqa: E402
from bench.measure import summary_ms  # noqa: E402
from indexer.index.build import build_index  # noqa: E402
from indexer.text.normalise import fold_accents  # noqa: E402
from search_app.engine import Engine, SearchRequest, spelling  # noqa: E402
from search_app.engine import engine as engine_module  # noqa: E402

from generated import QUERY_PHRASES, generated_records  # noqa: E402

_TONE_KEYS = {
    "\u0301": ("s", "1"),
    "\u0300": ("f", "2"),
    "\u0309": ("r", "3"),
    "\u0303": ("x", "4"),
    "\u0323": ("j", "5"),
}
_MARK_KEYS = {  # letter with its vowel mark -> (Telex, VNI)
    "â": ("aa", "a6"),
    "ê": ("ee", "e6"),
    "ô": ("oo", "o6"),
    "ă": ("aw", "a8"),
    "ơ": ("ow", "o7"),
    "ư": ("uw", "u7"),
    "đ": ("dd", "d9"),
}
_TONES = list(_TONE_KEYS)


def keys_left_in(text: str, vni: bool) -> str:
    """The text as typed with Telex (or VNI) keys and the input method off: "nghị quyết" -> "nghij quyeets"."""
    out = []
    for word in text.lower().split():
        letters, tone = [], ""
        for ch in unicodedata.normalize("NFD", word):
            if ch in _TONE_KEYS:
                tone = _TONE_KEYS[ch][vni]
            elif unicodedata.combining(ch) and letters:
                letters[-1] = unicodedata.normalize("NFC", letters[-1] + ch)
            else:
                letters.append(ch)
        out.append("".join(_MARK_KEYS.get(c, (c, c))[vni] for c in letters) + tone)
    return " ".join(out)


def _letter_typo(word: str, rng: random.Random, kind: str) -> str:
    if len(word) < 3:
        return word
    i = rng.randrange(1, len(word) - 1)
    if kind == "drop":
        return word[:i] + word[i + 1 :]
    if kind == "double":
        return word[:i] + word[i] + word[i:]
    return word[: i - 1] + word[i] + word[i - 1] + word[i + 1 :]  # swap


def _tone_slip(word: str, rng: random.Random) -> str:
    """Another tone on the same vowel ("hiểm" -> "hiễm"), as a slipped finger gives."""
    decomposed = list(unicodedata.normalize("NFD", word))
    at = next((i for i, ch in enumerate(decomposed) if ch in _TONE_KEYS), None)
    if at is None:
        return word
    other = rng.choice([t for t in _TONES if t != decomposed[at]])
    del decomposed[at]
    end = at  # after the vowel's other marks, so that it composes with them
    while end < len(decomposed) and unicodedata.combining(decomposed[end]):
        end += 1
    decomposed.insert(end, other)
    return unicodedata.normalize("NFC", "".join(decomposed))


def misspelt(phrases: list[str], seed: int) -> list[tuple[str, str, str]]:
    """(kind, typed, meant) for every phrase and way of mistyping it that changes it."""
    rng = random.Random(seed)
    out = []
    for phrase in phrases:
        words = phrase.split()
        longest = max(range(len(words)), key=lambda n: len(words[n]))
        for kind in ("drop", "double", "swap", "tone", "folded+typo", "telex", "vni", "joined"):
            typed_words = list(words)
            if kind in ("drop", "double", "swap"):
                typed_words[longest] = _letter_typo(words[longest], rng, kind)
            elif kind == "tone":
                typed_words[longest] = _tone_slip(words[longest], rng)
            elif kind == "folded+typo":
                typed_words = [fold_accents(w).lower() for w in words]
                typed_words[longest] = _letter_typo(typed_words[longest], rng, "drop")
            typed = " ".join(typed_words)
            if kind == "telex":
                typed = keys_left_in(phrase, vni=False)
            elif kind == "vni":
                typed = keys_left_in(phrase, vni=True)
            elif kind == "joined":
                typed = fold_accents(phrase).lower().replace(" ", "")
            if typed != phrase:
                out.append((kind, typed, phrase))
    return out


ZERO = ["xyzqv", "qwrtz pkdf", "cong doan zzxq", "hội nghị xqwv", "kkkkk", "đoàn viên bzzt"]


def build(size: int, seed: int) -> Path:
    folder = data.bench_dir() / f"spelling-{size}-s{seed}"
    index = folder / "index"
    if not (index / "current").exists():
        folder.mkdir(parents=True, exist_ok=True)
        source = folder / "generated.jsonl"
        with source.open("w", encoding="utf-8") as fh:
            for record in generated_records(size, seed):
                fh.write(json.dumps(record, ensure_ascii=False) + "\n")
        started = time.perf_counter()
        build_index([source], index, workers=2)
        print(f"built {size} documents in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    return index


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--json", type=Path, help="write the figures here too")
    args = parser.parse_args()

    spent: list[float] = []  # CPU ms inside the spelling correction, per search
    correct = engine_module.correct

    def timed_correct(*a, **k):
        started = time.thread_time()
        try:
            return correct(*a, **k)
        finally:
            if spent:
                spent[-1] += (time.thread_time() - started) * 1000

    engine_module.correct = timed_correct
    engine = Engine(build(args.size, args.seed), result_cache=0)
    engine.warm()
    arrays = engine.arrays()
    builds = []
    for _ in range(3):
        spelling._spellers.clear()
        started = time.perf_counter()
        speller = spelling.speller_for(arrays)
        builds.append(time.perf_counter() - started)
    # document numbers ("15/KH-LĐLĐ") are read by the number parser, not spelled
    phrases = [p for p in dict.fromkeys(QUERY_PHRASES) if not any(c.isdigit() for c in p)]
    classes = {
        "misspelt": misspelt(phrases, args.seed),
        "zero-result": [("zero", q, "") for q in ZERO],
        "correct": [("correct", q, q) for q in phrases],
    }
    figures: dict = {
        "documents": arrays.size,
        "dictionary": {
            "build_s": [round(b, 2) for b in builds],
            "words": len(speller.symspell.words),
            "joined_compounds": len(speller.joined),
        },
    }
    rng = random.Random(args.seed)
    prefixes = []
    for phrase in phrases:
        shown = phrase if rng.random() < 0.5 else fold_accents(phrase)
        words = shown.split()
        prefixes.append(" ".join(words[:-1] + [words[-1][: rng.randint(2, 6)]]))
    first = []
    for text in prefixes:
        started = time.perf_counter()
        engine.complete(text)
        first.append((time.perf_counter() - started) * 1000)
    again = []
    for _ in range(args.rounds):
        for text in prefixes:
            started = time.perf_counter()
            engine.complete(text)
            again.append((time.perf_counter() - started) * 1000)
    figures["autocomplete"] = {
        "queries": len(prefixes),
        "first_pass_ms": summary_ms(first),
        "wall_ms": summary_ms(again),
    }
    for name, queries in classes.items():
        spent.clear()
        answers, first = {}, []
        for _kind, typed, _meant in queries:
            started = time.perf_counter()
            answers[typed] = engine.search(SearchRequest(q=typed))
            first.append((time.perf_counter() - started) * 1000)
        wall, cpu = [], []
        for _ in range(args.rounds):
            for _kind, typed, _meant in queries:
                spent.append(0.0)
                started, started_cpu = time.perf_counter(), time.thread_time()
                engine.search(SearchRequest(q=typed))
                cpu.append((time.thread_time() - started_cpu) * 1000)
                wall.append((time.perf_counter() - started) * 1000)
        entry = {
            "queries": len(queries),
            "first_pass_ms": summary_ms(first),
            "wall_ms": summary_ms(wall),
            "cpu_ms": summary_ms(cpu),
            "of_which_spelling_cpu_ms": summary_ms(spent),
        }
        if name == "misspelt":
            missed, by_kind = [], {}
            for kind, typed, meant in queries:
                got = answers[typed].corrected or answers[typed].suggestion or ""
                right = fold_accents(got).lower() == fold_accents(meant).lower()
                hits, total = by_kind.get(kind, (0, 0))
                by_kind[kind] = (hits + right, total + 1)
                if not right:
                    missed.append(f"{typed} -> {got or '(none)'} (meant {meant})")
            entry["answered_as_meant"] = {k: f"{h}/{t}" for k, (h, t) in by_kind.items()}
            entry["missed"] = missed
        if name == "zero-result":
            entry["corrections"] = {
                typed: answers[typed].corrected or answers[typed].suggestion for _k, typed, _m in queries
            }
        figures[name] = entry
    print(json.dumps(figures, ensure_ascii=False, indent=2))
    if args.json:
        args.json.write_text(json.dumps(figures, ensure_ascii=False, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
