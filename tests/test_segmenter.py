"""Our call of pyvi's model must segment exactly as pyvi's own ``ViTokenizer.tokenize``: any difference
would make documents and queries disagree with an index built before, and with what pyvi means."""

import gzip
import itertools
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pyvi.ViTokenizer import ViTokenizer

from indexer.text import segmenter
from indexer.text.analysis import _pieces

from conftest import DANTRI, SHARED
from generated import generated_records

_LETTERS = "aăâbcdđeêghiklmnoôơpqrstuưvxyAĂÂĐÊÔƠƯBCHKNTàáảãạằắẳẵặầấẩẫậèéẻẽẹềếểễệìíỉĩịòóỏõọồốổỗộờớởỡợùúủũụừứửữựỳýỷỹỵÀÁĐ"
_TEXT = st.text(alphabet=_LETTERS + "0123456789 _.,;:!?-/()\"'\n%$@", max_size=400)


def test_generated_documents_are_segmented_exactly_as_pyvi_does():
    compared = 0
    for record in generated_records(300, seed=11):
        for text in (record["title"], record["body"]):
            for piece in _pieces(text):
                assert segmenter.tokenize(piece) == ViTokenizer.tokenize(piece)
                compared += 1
    assert compared > 600


@settings(max_examples=300, deadline=None)
@given(_TEXT)
def test_any_text_is_segmented_exactly_as_pyvi_does(text):
    assert segmenter.tokenize(text) == ViTokenizer.tokenize(text)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.sampled_from(["Công", "đoàn", "cơ", "sở", "LĐLĐ", "Hà", "Nội", "15", "người", "lao", "động", ",", "."]),
        max_size=12,
    )
)
def test_the_models_features_are_pyvis(syllables):
    assert segmenter.features(syllables) == ViTokenizer.sent2features(syllables, False)
    # the same keys in the same order too
    assert [list(f) for f in segmenter.features(syllables)] == [
        list(f) for f in ViTokenizer.sent2features(syllables, False)
    ]


@pytest.mark.shared
def test_real_news_is_segmented_exactly_as_pyvi_does():
    assert SHARED.exists()
    compared = 0
    with gzip.open(DANTRI, "rt", encoding="utf-8") as lines:
        for line in itertools.islice(lines, 400):
            record = json.loads(line)
            for text in (record.get("title") or "", record.get("body") or ""):
                for piece in _pieces(text):
                    assert segmenter.tokenize(piece) == ViTokenizer.tokenize(piece)
                    compared += 1
    assert compared > 400
