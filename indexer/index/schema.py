"""The Whoosh schema: exact and folded text fields, facet columns, stored metadata."""

from __future__ import annotations

from whoosh import fields

from indexer.text.abbreviations import meaning_sequences
from indexer.text.analysis import ExactAnalyzer, FoldedAnalyzer, SegmentedText
from indexer.whoosh_w3 import CountsOnly, encode_positions

TEXT_FIELDS = ("title_exact", "title_folded", "body_exact", "body_folded")


class VietnameseText(fields.TEXT):
    """A positional text field that indexes pre-segmented words directly.

    The terms, frequencies and positions are the analyzer's, given to the writer as the format
    gives them (lists, or Whoosh's encoding); only the token stream in between (one object per
    token) is skipped.
    Postings and positions are kept in the packed files only (``CountsOnly``), or also in Whoosh's
    postings (``whoosh_positions``: Whoosh's own matchers then work, at about twice the disk).
    """

    def __init__(self, *args, whoosh_positions: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if not whoosh_positions:
            self.format = CountsOnly(field_boost=self.format.field_boost)

    def index(self, value, **kwargs):
        if not isinstance(value, SegmentedText):
            yield from super().index(value, **kwargs)
            return
        boost = self.format.field_boost
        # Whoosh's own writer takes only its encoding, which an index keeping positions in Whoosh needs
        encode = None if isinstance(self.format, CountsOnly) else encode_positions
        sequences = getattr(self.analyzer, "sequences", frozenset())
        for term, positions in value.terms(sequences, self.analyzer.fold).items():
            count = len(positions)
            yield term.encode("utf-8"), count, count * boost, encode(positions) if encode else positions


def column_only(field: fields.FieldType) -> fields.FieldType:
    """A field kept in its sortable column only, with no terms: what is only ever read as a column
    (dates and their ranges, hashes, duplicate keys). A 64-bit number or date is otherwise sixteen
    terms a document, a third of a segment's distinct terms."""
    field.indexed = False
    return field


def build_schema(whoosh_positions: bool = False) -> fields.Schema:
    """The index's schema; ``whoosh_positions`` keeps the text fields' positions in Whoosh's postings
    too (the layout before packed files held them alone: the reference of our evaluator's tests)."""
    sequences = meaning_sequences()
    exact, folded = ExactAnalyzer(sequences), FoldedAnalyzer(sequences)
    both = {"phrase": True, "whoosh_positions": whoosh_positions}
    return fields.Schema(
        id=fields.ID(stored=True, unique=True, sortable=True),
        # searchable text, fed with pre-segmented words; the analyzers also take raw text
        title_exact=VietnameseText(analyzer=exact, field_boost=2.5, **both),
        title_folded=VietnameseText(analyzer=folded, field_boost=2.5, **both),
        body_exact=VietnameseText(analyzer=exact, **both),
        body_folded=VietnameseText(analyzer=folded, **both),
        # document numbers: own number and every cited one, canonical and folded, lower case
        number=fields.KEYWORD(lowercase=True, commas=True, scorable=True),
        numbers=fields.KEYWORD(lowercase=True, commas=True, scorable=True),
        # typed relations to other documents as "kind:number key" ("based_on:15/kh-ldld"), asked the
        # other way: which documents are based on, implement, … this one (indexer.documents.relations)
        relations=fields.KEYWORD(lowercase=True, commas=True),
        # facets and sorting
        date=column_only(fields.DATETIME(sortable=True)),
        dated=fields.ID(sortable=True),  # "1" or "0": undated documents sort last either way
        year=fields.ID(sortable=True),
        month=fields.ID(sortable=True),
        unit=fields.ID(sortable=True),
        type=fields.ID(sortable=True),
        signer=fields.ID(sortable=True),  # who signed an official document, folded (structure.signer_key)
        # bookkeeping for incremental builds, read as columns without loading stored text
        source=fields.ID(sortable=True),
        hash=column_only(fields.ID(sortable=True)),
        # when a document was first indexed (the feed's order) and when it last changed
        added=column_only(fields.DATETIME(sortable=True)),
        changed=column_only(fields.DATETIME(sortable=True)),
        # the same article stored twice (two sources, two files): one is shown (see duplicate_key)
        dupkey=column_only(fields.NUMERIC(numtype=int, bits=64, signed=False, sortable=True)),
        # what results and the document page show
        doc=fields.STORED(),
    )


def indexed_sequences(schema: fields.Schema) -> frozenset[tuple[str, ...]]:
    """The folded syllable sequences every text field of an index holds as one term (none for
    an index built before they were)."""
    found = [getattr(schema[name].analyzer, "sequences", frozenset()) for name in TEXT_FIELDS if name in schema]
    return frozenset.intersection(*found) if found else frozenset()
