"""Schema-driven fuzzing of the real app: every GET operation of /openapi.json, with generated
valid and invalid parameters, never answers 5xx, and every error is JSON `{"error": …}`.

The write endpoints (upload, delete, reindex) are fuzzed too, with the admin token, against
an index of their own (the toy encoder keeps each build short): no input makes them answer 5xx.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

pytestmark = pytest.mark.slow  # a fuzz campaign against the service

MAX_EXAMPLES = 25


@pytest.fixture
def api_schema(web_settings, web_index):
    from app.main import create_app

    app = create_app(web_settings, index=web_index)
    return schemathesis.openapi.from_asgi("/openapi.json", app).include(method="GET")


def errors_are_json_with_a_message(ctx, response, case) -> bool | None:
    """A 4xx/5xx answer is JSON `{"error": {"code", "message", "field"}}` with a message a user
    can read."""
    if response.status_code < 400:
        return None
    kind = response.headers.get("content-type", [""])
    kind = kind[0] if isinstance(kind, list) else kind
    assert kind.startswith("application/json"), f"{response.status_code} answered as {kind}"
    error = response.json().get("error") or {}
    assert isinstance(error.get("code"), str), f"no error code in {response.text[:200]}"
    detail = error.get("message")
    assert isinstance(detail, str) and detail.strip(), f"no message in {response.text[:200]}"
    assert "Traceback" not in detail
    return None


CHECKS = [not_a_server_error, errors_are_json_with_a_message, response_schema_conformance]


def _fuzz(operation, mode: GenerationMode, headers: dict | None = None,
          examples: int = MAX_EXAMPLES) -> int:  # fmt: skip
    """Run generated cases against one operation; how many ran (0: no invalid input exists)."""
    ran = 0

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(max_examples=examples, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))  # fmt: skip
    def call(case) -> None:
        nonlocal ran
        ran += 1
        case.call_and_validate(headers=headers, checks=CHECKS)

    try:
        call()
    except Unsatisfiable:  # nothing to break: /healthz, or no parameter with constraints
        assert mode == GenerationMode.NEGATIVE and ran == 0
    return ran


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_api_never_answers_5xx(api_schema, mode):
    """Valid parameters (positive) and parameters the schema forbids (negative), per operation."""
    ran = {op.label: _fuzz(op, mode) for op in (r.ok() for r in api_schema.get_all_operations())}
    print(f"\n{mode} cases per operation: {ran}")
    assert ran["GET /api/search"] >= 10 and ran["GET /api/ask"] >= 10, ran
    if mode == GenerationMode.POSITIVE:
        assert all(ran.values()), ran


WRITE_EXAMPLES = 15


@pytest.fixture
def write_app(tmp_path):
    """The app over an index of its own (toy encoder), with the admin token "adm"."""
    from app.main import create_app
    from indexer.build import build_index
    from indexer.config import Settings
    from indexer.query.index import Index
    from tests.ids import DATA
    from tests.toy import ToyEmbedder

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "ket-luan.md").write_bytes((DATA / "sample.md").read_bytes())
    settings = Settings(index=tmp_path / "index", model="toy", admin_token="adm",
                        corpus=[corpus])  # fmt: skip
    embedder = ToyEmbedder()
    build_index([corpus], settings.index, settings, embedder=embedder)
    index = Index.open(settings.index, settings, embedder=embedder)
    yield create_app(settings, index=index, embedder=embedder)
    index.close()


@pytest.fixture
def write_schema(write_app):
    return schemathesis.openapi.from_asgi("/openapi.json", write_app).include(
        method=["POST", "DELETE"])


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_write_routes_never_answer_5xx(write_schema, mode):
    """Upload (any bytes, any access level), delete (any id) and reindex, as the admin."""
    admin = {"Authorization": "Bearer adm"}
    ran = {op.label: _fuzz(op, mode, admin, WRITE_EXAMPLES)
           for op in (r.ok() for r in write_schema.get_all_operations())}  # fmt: skip
    print(f"\n{mode} write cases per operation: {ran}")
    routes = {"POST /api/documents", "DELETE /api/documents/{doc_id}", "POST /api/reindex"}
    assert routes <= set(ran)
    if mode == GenerationMode.POSITIVE:
        assert all(ran.values()), ran


def test_any_access_level_on_upload_is_answered_below_500(write_app):
    """The form field the schema cannot bound (its maximum is a setting): numbers of any size,
    signs and text; a number beyond 64 bits once answered 500 (OverflowError)."""
    from fastapi.testclient import TestClient

    admin = {"Authorization": "Bearer adm"}
    text = "BÁO CÁO\nTình hình nuôi cá lồng năm 2024\n\nSản lượng đạt 420 tấn.\n".encode()

    @given(access=st.one_of(st.integers(min_value=-(10**30), max_value=10**30).map(str),
                            st.text(max_size=30)))  # fmt: skip
    @example(access="99999999999999999999999999")
    @example(access=str(2**63))
    @settings(max_examples=WRITE_EXAMPLES, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))  # fmt: skip
    def upload(access: str) -> None:
        response = client.post("/api/documents", headers=admin, data={"access": access},
                               files={"file": ("ca-long.txt", text)})  # fmt: skip
        assert response.status_code < 500, (access, response.text)
        if response.status_code == 422:
            assert response.json()["error"]["field"] == "access"

    with TestClient(write_app, raise_server_exceptions=False) as client:
        upload()
