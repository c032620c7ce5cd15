"""One canonical spelling: NFC, tone placement, folding, diacritics typed on purpose."""

import unicodedata

from hypothesis import given
from hypothesis import strategies as st

from indexer.text.normalise import canonical, fold_accents, fold_lower_same_length, folded, has_diacritics, normalise

VIETNAMESE = "aăâbcdđeêghiklmnoôơpqrstuưvxy" + "àáảãạằắẳẵặầấẩẫậèéẻẽẹềếểễệìíỉĩịòóỏõọồốổỗộờớởỡợùúủũụừứửữựỳýỷỹỵ"


def test_old_and_new_tone_placement_are_the_same_word():
    assert canonical("hoà") == canonical("hòa") == "hòa"
    assert canonical("thuỷ") == canonical("thủy") == "thủy"
    assert canonical("khoẻ") == canonical("khỏe")
    assert canonical("Uỷ ban") == canonical("Ủy ban")


def test_tone_placement_leaves_qu_and_closed_syllables_alone():
    assert canonical("quý") == "quý"
    assert canonical("hoàng") == "hoàng"
    assert canonical("thuyền") == "thuyền"


def test_nfd_input_becomes_nfc():
    nfd = unicodedata.normalize("NFD", "Nghị quyết Đại hội")
    assert nfd != "Nghị quyết Đại hội"
    assert normalise(nfd) == "Nghị quyết Đại hội"


def test_folding_drops_every_diacritic_including_d_bar():
    assert fold_accents("Nghị quyết Đại hội Công đoàn") == "Nghi quyet Dai hoi Cong doan"
    assert folded("ĐƯỜNG") == "duong"


def test_typed_diacritics_are_detected():
    assert has_diacritics("đường")
    assert not has_diacritics("duong")


def test_highlighting_folds_letter_for_letter_so_offsets_stay_put():
    text = "Đặng Thị Hoà, CĐCS Thuỷ lợi — 日本 Ω"
    out = fold_lower_same_length(text)
    assert out == "dang thi hoa, cdcs thuy loi — 日本 ω"
    assert len(out) == len(text)
    assert out[text.index("Hoà") : text.index("Hoà") + 3] == "hoa"


@given(st.text(alphabet=VIETNAMESE + VIETNAMESE.upper() + " ,.-/0123456789日本\n", max_size=200))
def test_folding_for_highlighting_is_folding_letter_by_letter(text):
    out = fold_lower_same_length(text)
    assert len(out) == len(text)
    assert out == fold_accents(text.lower())
