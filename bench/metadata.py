"""Precision and recall of the metadata we find (unit, type, date) on a set labelled by reading.

The set is ``bench/eval/metadata.tsv`` (see ``bench/eval/METADATA.md``): every document of the
sample corpus and the seed pages, and national and other provinces' news and the two laws from
``../shared/corpus``, each with its true unit, type and date. Documents are read exactly as
``tracuu index`` reads them (the configured province: Lạng Sơn), so bulk-loaded news is not the
federation's own.

    python -m bench.metadata            # print the figures and the mistakes, both sets
    python -m bench.metadata --write    # and write the block of bench/RESULTS.md

Two sets: ``metadata.tsv`` (185 documents; the extraction rules were tuned while reading its
mistakes) and ``metadata-heldout.tsv`` (112 national news articles labelled afterwards by someone
who never saw the extractor's output; read once, after which two general rules were added).

Per field: precision = right answers / answers given; recall = right answers / documents that
have a true value. A type is counted when it is a document type (not "tin tức"); its accuracy
over all documents, news included, is given too. Also counted: national or other-province
documents filed under a unit of the configured province although their text does not name it.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import json
import sys
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from bench import report
from indexer.documents import gazetteer
from indexer.documents.article import Article
from indexer.documents.extract import from_json_record, read_sources
from indexer.documents.metadata import NEWS
from indexer.text.normalise import normalise

ROOT = Path(__file__).resolve().parent.parent
LABELS = ROOT / "bench" / "eval" / "metadata.tsv"
# labelled after the rules were tuned on LABELS, and never tuned on: the honest figure
HELDOUT = ROOT / "bench" / "eval" / "metadata-heldout.tsv"
SHARED = ROOT.parent / "shared" / "corpus"
SOURCES = {"corpus": ROOT / "corpus", "seeds": SHARED / "seeds"}
FIELDS = ("unit", "type", "date")


@dataclass(frozen=True)
class Label:
    source: str
    id: str
    unit: str | None
    type: str
    date: date | None


def read_labels(path: Path = LABELS) -> list[Label]:
    rows = []
    with path.open(encoding="utf-8") as fh:
        lines = (ln for ln in fh if ln.strip() and not ln.startswith("#"))
        for row in csv.DictReader(lines, delimiter="\t"):
            rows.append(
                Label(
                    source=row["source"].strip(),
                    id=row["id"].strip(),
                    unit=normalise(row["unit"]).strip() or None,
                    type=normalise(row["type"]).strip() or NEWS,
                    date=date.fromisoformat(row["date"].strip()) if row["date"].strip() else None,
                )
            )
    return rows


def read_documents(labels: list[Label]) -> dict[tuple[str, str], Article]:
    """The labelled documents as the index reads them, keyed by (source, id)."""
    found: dict[tuple[str, str], Article] = {}
    wanted: dict[str, set[str]] = {}
    for label in labels:
        wanted.setdefault(label.source, set()).add(label.id)
    for source, ids in wanted.items():
        if source in SOURCES:
            for item in read_sources([SOURCES[source]]):
                if isinstance(item, Article) and item.id in ids:
                    found[(source, item.id)] = item
            continue
        path = SHARED / f"{source}.jsonl.gz"
        with gzip.open(path, "rt", encoding="utf-8") as fh:
            for line in fh:
                record = json.loads(line)
                if record["id"] in ids:
                    found[(source, record["id"])] = from_json_record(record, path)
    return found


@dataclass
class Score:
    given: int = 0
    right: int = 0
    truth: int = 0
    mistakes: list[str] = field(default_factory=list)

    @property
    def precision(self) -> float:
        return self.right / self.given if self.given else 1.0

    @property
    def recall(self) -> float:
        return self.right / self.truth if self.truth else 1.0


def evaluate(labels: list[Label], documents: dict[tuple[str, str], Article]) -> dict:
    gaz = gazetteer.current()
    own_units = set(gaz.within(gaz.own_unit)) if gaz.own_unit else set()
    scores = {name: Score() for name in FIELDS}
    type_right = 0
    leaks: list[str] = []
    missing = [f"{lb.source}:{lb.id}" for lb in labels if (lb.source, lb.id) not in documents]
    for label in labels:
        article = documents.get((label.source, label.id))
        if article is None:
            continue
        where = f"{label.source}:{label.id}"
        pairs = {
            "unit": (article.unit, label.unit),
            "type": (article.type if article.type != NEWS else None, label.type if label.type != NEWS else None),
            "date": (article.date, label.date),
        }
        for name, (found, true) in pairs.items():
            score = scores[name]
            score.given += found is not None
            score.truth += true is not None
            if found is not None and found == true:
                score.right += 1
            elif found != true:
                score.mistakes.append(f"{where}: {name} {found!s} ≠ {true!s}")
        type_right += article.type == label.type
        if (
            label.source not in SOURCES
            and article.unit in own_units
            and not gaz.names_own_province(article.title + "\n" + article.body)
        ):
            leaks.append(f"{where}: {article.unit}")
    return {
        "documents": len(labels) - len(missing),
        "missing": missing,
        "by_source": {s: sum(1 for lb in labels if lb.source == s) for s in sorted({lb.source for lb in labels})},
        "fields": {
            name: {
                "precision": round(s.precision, 3),
                "recall": round(s.recall, 3),
                "given": s.given,
                "right": s.right,
                "truth": s.truth,
                "mistakes": s.mistakes,
            }
            for name, s in scores.items()
        },
        "type_accuracy": round(type_right / max(1, len(labels) - len(missing)), 3),
        "province_leaks": leaks,
    }


def markdown(figures: dict, name: str = "metadata.tsv", note: str = "") -> str:
    rows = [
        (
            name,
            f"{f['precision']:.3f}",
            f"{f['recall']:.3f}",
            f"{f['right']}/{f['given']}",
            f"{f['right']}/{f['truth']}",
        )
        for name, f in figures["fields"].items()
    ]
    sources = ", ".join(f"{k} {v}" for k, v in figures["by_source"].items())
    lines = [
        f"### `bench/eval/{name}`{note}",
        "",
        f"{figures['documents']} documents ({sources}); configured province Lạng Sơn.",
        "",
        report.table(rows, ("field", "precision", "recall", "right / given", "right / true")),
        "",
        f"Type accuracy over all documents, news included: {figures['type_accuracy']:.3f}. "
        f"National or other-province documents filed under a unit of Lạng Sơn whose text does not "
        f"name it: {len(figures['province_leaks'])}.",
    ]
    mistakes = [m for f in figures["fields"].values() for m in f["mistakes"]]
    if mistakes:
        lines += ["", "Mistakes (found ≠ true):", ""] + [f"- {m}" for m in mistakes]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="write the block of bench/RESULTS.md")
    args = parser.parse_args()
    gazetteer.configure(gazetteer.DEFAULT_PROVINCE)
    blocks, out = [f"`python -m bench.metadata --write`; code {report.code_version()}"], {}
    notes = {LABELS: ": rules tuned on it", HELDOUT: ": held out (labelled after the rules were written; see below)"}
    for path, note in notes.items():
        labels = read_labels(path)
        figures = evaluate(labels, read_documents(labels))
        out[path.name] = figures
        blocks.append(markdown(figures, path.name, note))
        if figures["missing"]:
            print("not found:", ", ".join(figures["missing"]), file=sys.stderr)
    print("\n\n".join(blocks))
    if args.write:
        report.update("metadata", "Metadata: units, types and dates (issue 13)", "\n\n".join(blocks))
        report.save_json("metadata", out)


if __name__ == "__main__":
    main()
