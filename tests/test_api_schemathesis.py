"""The API answers as its OpenAPI document says: schemathesis, every check, a fixed seed.

The run is `schemathesis run --checks all --mode all` in effect, against the app in-process
as a signed-in officer (with CSRF on, as in production), bounded so it takes well under a
minute; the unsigned requests and the wrong methods are checked over every path too.
"""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import CHECKS, load_all_checks
from schemathesis.generation import GenerationMode

from fieldvisit.core.api import API_PREFIX
from tests.support.visits import assigned_case

EXAMPLES = 25
load_all_checks()
ALL_CHECKS = list(CHECKS.get_all())
# These answer each item on its own (one bad visit is "rejected" in a 200 answer, and the
# rest are stored), by design: a request whose items break the schema is not refused whole.
PER_ITEM_ANSWERS = {"POST /visits/batch", "POST /visits/manifest"}


@pytest.fixture
def officer(app: Flask, session, world, signed_in, monkeypatch) -> dict[str, str]:
    """Sign an officer in (with a case to visit) and return the session cookie and CSRF token."""
    assigned_case(session, world)
    session.commit()
    client = signed_in(world.officer)
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    token = client.get(f"{API_PREFIX}/session").get_json()["csrf_token"]
    cookie = client.get_cookie("session")
    assert cookie is not None
    return {"session": cookie.value, "X-CSRFToken": token}


def _operations(app: Flask) -> list[Any]:
    schema = schemathesis.openapi.from_wsgi(f"{API_PREFIX}/openapi.json", app)
    return [result.ok() for result in schema.get_all_operations()]


def _run(operation: Any, mode: GenerationMode, officer: dict[str, str]) -> None:
    checks = ALL_CHECKS
    if f"{operation.method.upper()} {operation.path}" in PER_ITEM_ANSWERS:
        checks = [c for c in ALL_CHECKS if c.__name__ != "negative_data_rejection"]

    @settings(
        max_examples=EXAMPLES,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        # A failure is reported as found: shrinking a batch can take minutes.
        phases=[Phase.explicit, Phase.generate],
    )
    @given(case=operation.as_strategy(generation_mode=mode))
    def run(case: Any) -> None:
        case.call_and_validate(
            # The in-process client does not undo compression: ask for none.
            headers={"X-CSRFToken": officer["X-CSRFToken"], "Accept-Encoding": "identity"},
            cookies={"session": officer["session"]},
            checks=checks,
        )

    try:
        run()
    except Unsatisfiable:
        # An operation with no input (GET /session) has no invalid input to send.
        assert mode == GenerationMode.NEGATIVE, operation.label


def test_the_api_keeps_to_its_openapi_document(app, officer):
    operations = _operations(app)
    assert len(operations) >= 4
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            _run(operation, mode, officer)


def _documented(app: Flask) -> dict[str, set[str]]:
    paths = app.test_client().get(f"{API_PREFIX}/openapi.json").get_json()["paths"]
    return {f"{API_PREFIX}{path}": {m.upper() for m in ops} for path, ops in paths.items()}


def _concrete(path: str) -> str:
    return path.replace("{visit_uuid}", "3f1c2a52-8d1e-4b43-9a57-2a3c5d6e7f80").replace(
        "{sha256}", "0" * 64
    )


def test_every_operation_answers_401_to_an_unsigned_request(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    public = {f"{API_PREFIX}/openapi.json"}
    for path, methods in _documented(app).items():
        for method in methods - {"HEAD", "OPTIONS"}:
            response = client.open(_concrete(path), method=method, json={})
            expected = 200 if path in public else 401
            assert response.status_code == expected, (method, path, response.get_json())


def test_a_method_an_operation_lacks_is_405_with_allow(app, session, world, signed_in):
    client = signed_in(world.officer)
    for path, methods in _documented(app).items():
        wrong = next(m for m in ("DELETE", "PATCH", "PUT", "POST") if m not in methods)
        response = client.open(_concrete(path), method=wrong)
        assert response.status_code == 405, (wrong, path)
        assert methods <= set(response.headers["Allow"].split(", ")), (path, response.headers)
