"""One canonical spelling: NFC, tone placement, folding, diacritics typed on purpose."""

import unicodedata

from indexer.text.normalise import canonical, fold_accents, folded, has_diacritics, normalise


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
