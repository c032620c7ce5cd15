"""Snippets and the part of a long document a hit is from, held to their plain definitions.

Every hit of every search builds a snippet, so the code is written for speed (one window pass,
one fold of all paragraphs); these properties say it still picks what the simple reading would.
"""

import re

from hypothesis import example, given, settings
from hypothesis import strategies as st

from indexer.text.normalise import fold_lower_same_length
from search_app.engine.highlight import _SYLLABLE, _merge, _snippet, best_paragraph, match_ranges

WORDS = ["công", "đoàn", "Công", "đoàn", "lao", "động", "người", "nghị", "quyết", "hội", "nghị", "tỉnh", "xã"]
QUERY = [("cong", "doan"), ("lao", "dong"), ("nghi", "quyet"), ("hoi",)]

paragraph = st.lists(st.sampled_from(WORDS + [",", "."]), min_size=0, max_size=40).map(" ".join)


def _whole(seq) -> re.Pattern:
    """A word sequence as whole syllables, said the plain way."""
    return re.compile(r"(?<!\w)" + r"\W+".join(re.escape(s) for s in seq) + r"(?!\w)")


glued = st.lists(st.sampled_from(WORDS + [",", ".", "x", "_", "1", " ", "-"]), max_size=40).map("".join)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(WORDS + ["x"]), max_size=40).map(" ".join) | glued)
def test_marks_start_and_end_on_whole_syllables_only(text):
    """ "công" is marked in "công đoàn", never inside "xcông" or "công_": what the plain lookbehind finds."""
    folded = fold_lower_same_length(text)
    ranges = [(m.start(), m.end()) for seq in QUERY for m in _whole(seq).finditer(folded)]
    ranges += [(m.start(), m.end()) for m in re.finditer(r"(?<!\w)ngh\w*", folded)]
    # every whole match is marked (overlaps merged) and nothing else is
    expected = _merge(text, ranges)
    marked = match_ranges(text, QUERY, ("ngh",))
    assert marked == expected


def _best_window_start(text, ranges, size):
    """The window rule spelled out: from each match, ``size`` characters; distinct matches first."""
    best_start, best_score = ranges[0][0], -1
    for i, (start, _end) in enumerate(ranges):
        inside = [r for r in ranges[i:] if r[1] <= start + size]
        score = len({text[s:e].lower() for s, e in inside}) * 10 + len(inside)
        if score > best_score:
            best_start, best_score = start, score
    return best_start


@settings(max_examples=300, deadline=None)
@given(st.lists(paragraph, min_size=1, max_size=6), st.sampled_from([5, 20, 60, 260]))
@example(["", "nghị quyết"], 5)  # a match longer than the window, after a space: once cut out whole
def test_the_snippet_starts_at_the_window_with_the_most_distinct_matches(paragraphs, size):
    text = " ".join(paragraphs)
    ranges = match_ranges(text, QUERY)
    shown, start = _snippet(text, QUERY, (), size)
    if not ranges:
        assert "<mark>" not in shown and start == 0
        return
    assert start == _best_window_start(text, ranges, size)
    assert "<mark>" in shown


@settings(max_examples=300, deadline=None)
@given(st.lists(paragraph, min_size=1, max_size=8))
def test_the_part_named_is_the_paragraph_holding_most_query_words(paragraphs):
    words = [seq for seq in QUERY if all(_SYLLABLE.fullmatch(s) for s in seq)]
    patterns = [_whole(seq) for seq in words]
    best, best_key = None, (0, 0)
    for n, p in enumerate(paragraphs):
        counts = [len(pattern.findall(fold_lower_same_length(p))) for pattern in patterns]
        key = (sum(1 for c in counts if c), sum(counts))
        if key > best_key:
            best, best_key = n, key
    assert best_paragraph(paragraphs, QUERY) == best
