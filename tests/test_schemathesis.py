"""Schema-driven fuzzing of the real app: every GET operation of /openapi.json, with generated
valid and invalid parameters, never answers 5xx, and every error is JSON with a `detail`.

Only GET operations: the write endpoints (upload, delete, reindex) would change the session's
shared index folder; they have their own tests.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
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


def errors_are_json_with_detail(ctx, response, case) -> bool | None:
    """A 4xx/5xx answer is JSON carrying a one-string `detail` a user can read."""
    if response.status_code < 400:
        return None
    kind = response.headers.get("content-type", [""])
    kind = kind[0] if isinstance(kind, list) else kind
    assert kind.startswith("application/json"), f"{response.status_code} answered as {kind}"
    detail = response.json().get("detail")
    assert isinstance(detail, str) and detail.strip(), f"no detail in {response.text[:200]}"
    assert "Traceback" not in detail
    return None


CHECKS = [not_a_server_error, errors_are_json_with_detail, response_schema_conformance]


def _fuzz(operation, mode: GenerationMode) -> int:
    """Run generated cases against one operation; how many ran (0: no invalid input exists)."""
    ran = 0

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(max_examples=MAX_EXAMPLES, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))  # fmt: skip
    def call(case) -> None:
        nonlocal ran
        ran += 1
        case.call_and_validate(checks=CHECKS)

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
