"""The faster segment writer writes, byte for byte, the segment Whoosh's own writer writes."""

from whoosh import index as whoosh_index
from whoosh.writing import SegmentWriter

from indexer.documents.extract import read_sources
from indexer.index import merge_policy
from indexer.index.build import prepare
from indexer.index.schema import build_schema
from indexer.index.workers import segment_writer
from indexer.whoosh_w3 import FastSegmentWriter

from conftest import CORPUS, GENERATED_COUNT, write_jsonl
from generated import generated_records


def _segment_files(folder, writer_class, documents) -> dict[str, bytes]:
    folder.mkdir()
    # the layout keeping positions in Whoosh too: Whoosh's own writer takes nothing else
    ix = whoosh_index.create_in(str(folder), build_schema(whoosh_positions=True))
    # a first commit of three documents, which the second one merges into its segment
    for batch, merge_all in ((documents[:3], False), (documents[3:], True)):
        writer = writer_class(ix, limitmb=1, compound=False)
        for fields in batch:
            writer.add_document(**fields)
        writer.commit(optimize=merge_all)
    (segment,) = ix._segments()
    prefix = segment.segment_id()
    return {p.name[len(prefix) :]: p.read_bytes() for p in folder.iterdir() if p.name.startswith(prefix)}


def test_every_segment_file_is_the_same_as_whooshs(tmp_path):
    generated = write_jsonl(tmp_path / "generated.jsonl", generated_records(GENERATED_COUNT)[:60])
    documents = [prepare(article) for article in read_sources([CORPUS, generated])]
    assert len(documents) > 100
    theirs = _segment_files(tmp_path / "whoosh", SegmentWriter, documents)
    ours = _segment_files(tmp_path / "fast", FastSegmentWriter, documents)
    assert {".pst", ".trm", "._body_folded_len.col", ".unit.col"} <= set(theirs)
    assert ours.keys() == theirs.keys()
    for suffix, content in theirs.items():
        assert ours[suffix] == content, suffix


def test_small_segments_are_merged_and_large_ones_left_alone(tmp_path, monkeypatch):
    monkeypatch.setattr(merge_policy, "SMALL_SEGMENT", 10)
    documents = [prepare(article) for article in read_sources([CORPUS])]
    ix = whoosh_index.create_in(str(tmp_path), build_schema())

    def commit(batch):
        writer = segment_writer(ix, pool_mb=64)
        for fields in batch:
            writer.add_document(**fields)
        writer.commit()
        return sorted(s.doc_count_all() for s in ix._segments())

    assert commit(documents[:20]) == [20]
    assert commit(documents[20:22]) == [2, 20]
    assert commit(documents[22:24]) == [2, 2, 20]
    assert commit(documents[24:26]) == [2, 2, 2, 20]
    assert commit(documents[26:28]) == [2, 2, 2, 2, 20]
    # four small segments: they join the new one; the large one stays as it is
    assert commit(documents[28:30]) == [10, 20]
    with ix.searcher() as searcher:
        assert sorted(fields["id"] for fields in searcher.all_stored_fields()) == sorted(
            d["id"] for d in documents[:30]
        )
