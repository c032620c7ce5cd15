"""The links that add or remove a facet value: following one changes that value alone."""

from urllib.parse import parse_qsl, urlsplit

from hypothesis import given, settings
from hypothesis import strategies as st
from werkzeug.datastructures import MultiDict

from search_app.web.params import Toggles, url_with

VALUES = {
    "unit": ["LĐLĐ tỉnh Lạng Sơn", "CĐCS Trường A", "CĐ ngành Y tế"],
    "type": ["nghị quyết", "kế hoạch", "tin tức"],
    "year": ["2024", "2025", "khong-ro"],
    "month": ["2024-05", "2024-11", "2025-01"],
    "signer": ["Nông Văn Thắng"],
}
OTHERS = {"q": ["công đoàn & người lao động"], "page": ["3"], "sort": ["newest"], "from": ["2024-01-01"]}
pairs = st.lists(
    st.sampled_from([(k, v) for k, vs in (VALUES | OTHERS).items() for v in vs]) | st.just(("unit", "A,B")),
    max_size=8,
)
toggles = st.lists(st.sampled_from([(k, v) for k, vs in VALUES.items() for v in vs]), min_size=1, max_size=6)


def _chosen(args: MultiDict, param: str) -> list[str]:
    return [v for raw in args.getlist(param) for v in raw.split(",") if v]


@settings(max_examples=300, deadline=None)
@given(pairs, toggles)
def test_a_facet_link_toggles_its_value_and_keeps_every_other_filter(state, clicked):
    args = MultiDict(state)
    toggle = Toggles(args, "/api/search")
    for param, value in clicked:
        link = toggle(param, value)
        before = _chosen(args, param)
        # the same link as the general one (url_with) with that value added or removed
        changes = {param: [v for v in before if v != value] if value in before else [*before, value]}
        if param == "year" and value in before:
            changes["month"] = [m for m in _chosen(args, "month") if not m.startswith(value + "-")]
        assert link == url_with(args, "/api/search", **{k: v or None for k, v in changes.items()})
        path, query = link.split("?")[0], urlsplit(link).query
        after = MultiDict(parse_qsl(query))
        assert path == "/api/search" and "page" not in after  # a changed filter starts at page 1
        if value in before:
            assert value not in _chosen(after, param)
            assert sorted(_chosen(after, param)) == sorted(v for v in before if v != value)
        else:
            assert sorted(_chosen(after, param)) == sorted([*before, value])
        for other in (*VALUES, *OTHERS):
            if other in (param, "page") or (param == "year" and other == "month" and value in before):
                continue
            assert _chosen(after, other) == _chosen(args, other)
        if param == "year" and value in before:  # removing a year removes its months
            kept = [m for m in _chosen(args, "month") if not m.startswith(value + "-")]
            assert _chosen(after, "month") == kept
