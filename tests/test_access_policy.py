"""Every route declares who may use it, and the server refuses everybody else.

A walk over `app.url_map`: each endpoint must appear in POLICY (exactly, or through its
blueprint's `name.*` entry), so a new route fails here until someone states its policy.
Each endpoint is then tried, as its own test so that every failure shows:

- without a sign-in, by every method: a page sends to the sign-in page, the API answers 401;
- signed in with each role the policy leaves out: 403 or 404, never the page;
- a case's route, as the other school's office and as the admin (who see no cases): 404.
"""

from __future__ import annotations

import tempfile
import uuid
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.routing import Rule

from fieldvisit import create_app
from fieldvisit.core.permissions import Role
from tests.conftest import _settings, sign_in
from tests.support.factories import make_case

# Who may use a route: the roles named, ANYONE signed in, PUBLIC with the reason, or CASE:
# the people the case-access rule lets see that case (cases/access.py).
PUBLIC, ANYONE, CASE = "public", "anyone signed in", "whoever may see the case"
SCHOOL, OFFICER, LAAO, ADMIN = (
    frozenset({Role.SCHOOL}),
    frozenset({Role.OFFICER}),
    frozenset({Role.LAAO}),
    frozenset({Role.ADMIN}),
)
POLICY: dict[str, object] = {
    "static": (PUBLIC, "the app's own files"),
    "health.healthz": (PUBLIC, "for the load balancer; says ok or what is wrong, no data"),
    "accounts.login": (PUBLIC, "the sign-in form"),
    "accounts.second_factor": (PUBLIC, "the code form, for a sign-in with its password done"),
    "letters.follow": (PUBLIC, "a QR link's landing shows the school's name only"),
    "pwa.page": (PUBLIC, "the phone app's shell, which must load offline"),
    "pwa.manifest": (PUBLIC, "the phone app's manifest"),
    "pwa.service_worker": (PUBLIC, "the phone app's service worker"),
    "api.openapi": (PUBLIC, "the API's description"),
    "api.session": (PUBLIC, "says whether the phone is signed in, and as whom"),
    "observe_metrics": (PUBLIC, "Prometheus counts, only with the metrics token (404 without)"),
    "accounts.logout": ANYONE,
    "account.*": ANYONE,
    "cases.index": ANYONE,  # each role's home
    "admin.*": ADMIN,
    "letters.wording_index": ADMIN,
    "letters.wording_edit": ADMIN,
    "la.*": LAAO,
    "notices.continuous_absence": SCHOOL,
    "notices.new_entry": SCHOOL,
    "notices.deletion": SCHOOL,
    "notices.sickness": SCHOOL,
    "notices.school_notices": SCHOOL,
    "notices.inbox": LAAO,
    "notices.show": LAAO,
    "notices.acknowledge": LAAO,
    "visits_api.*": OFFICER,
    "visits.index": OFFICER,
    "pupils.*": SCHOOL,
    "cases.pupil_list": SCHOOL,
    "letters.batch": SCHOOL,
    "letters.print_batch": SCHOOL,
    "letters.batch_made": SCHOOL,
    "letters.batch_job": SCHOOL,
    "letters.batch_job_status": SCHOOL,
    "letters.batch_download": SCHOOL,
    # A pupil's page and opening a case for them: their school's office.
    "cases.pupil_page": SCHOOL,
    "cases.pupil_characteristics": SCHOOL,
    "cases.open_case": SCHOOL,
    # A visit's photos: the school, the officer and the LAAO who may see its case.
    "visits.photo": CASE,
    "visits.thumbnail": CASE,
    "referrals.chronology_pdf": CASE,
    # Moves between areas: the joint enquiries' school and LAAO; the LA refers (the service
    # refuses a school user, tests/areas/test_moves.py).
    "areas.*": CASE,
    "cases.*": CASE,
    "ctf.*": CASE,
    "letters.*": CASE,
    "outcomes.*": CASE,
    "referrals.*": CASE,
    "visits.*": CASE,
}


def policy_of(endpoint: str) -> object:
    if endpoint in POLICY:
        return POLICY[endpoint]
    return POLICY.get(endpoint.split(".")[0] + ".*")


def _routes() -> list[Rule]:
    """The app's routes, read from an app built on a throwaway database (never opened)."""
    folder = Path(tempfile.mkdtemp(prefix="fieldvisit-routes-"))
    app = create_app(_settings(f"sqlite:///{folder / 'unused.db'}", folder))
    return sorted(app.url_map.iter_rules(), key=lambda rule: (rule.endpoint, rule.rule))


ROUTES = _routes()
CASE_ROUTES = [r for r in ROUTES if policy_of(r.endpoint) == CASE]
ROLE_ROUTES = [r for r in ROUTES if isinstance(policy_of(r.endpoint), frozenset)]


def _methods(rule: Rule) -> list[str]:
    return sorted((rule.methods or set()) - {"HEAD", "OPTIONS"})


def _url(app: Flask, rule: Rule, case_id: int = 1) -> str:
    values: dict[str, object] = {}
    for name in set(rule.arguments) - set(rule.defaults or {}):
        if name == "case_id":
            values[name] = case_id
        elif name.endswith("_id"):
            values[name] = 1
        elif name.endswith("_uuid"):
            values[name] = uuid.UUID(int=1)
        elif name == "sha256":
            values[name] = "0" * 64
        else:  # a word: a token, a step, a kind
            values[name] = "x"
    with app.test_request_context():
        return app.url_for(rule.endpoint, **values)


def test_every_route_declares_who_may_use_it():
    undeclared = [f"{r.endpoint} ({r.rule})" for r in ROUTES if policy_of(r.endpoint) is None]
    assert not undeclared, f"state who may use these routes in POLICY: {undeclared}"
    endpoints = {r.endpoint for r in ROUTES}
    stale = [
        name
        for name in POLICY
        if not (name in endpoints or any(e.startswith(name[:-1]) for e in endpoints))
    ]
    assert not stale, f"declared in POLICY but no longer routes: {stale}"


@pytest.mark.parametrize(
    "rule", [r for r in ROUTES if not isinstance(policy_of(r.endpoint), tuple)], ids=str
)
def test_without_a_sign_in_the_route_is_refused(app, client, rule):
    for method in _methods(rule):
        answer = client.open(_url(app, rule), method=method)
        if rule.rule.startswith("/api/"):
            assert answer.status_code == 401, (method, answer.status_code)
        else:
            assert answer.status_code == 302, (method, answer.status_code)
            assert answer.headers["Location"].startswith("/login"), method


def _client(app: Flask, user, n: int) -> FlaskClient:
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = f"10.77.0.{n}"
    assert sign_in(client, user).status_code == 302
    return client


@pytest.mark.parametrize("rule", ROLE_ROUTES, ids=str)
def test_roles_the_policy_leaves_out_are_refused(app, session, world, rule):
    allowed = policy_of(rule.endpoint)
    assert isinstance(allowed, frozenset)
    users = {
        Role.SCHOOL: world.school_user,
        Role.OFFICER: world.officer,
        Role.LAAO: world.laao,
        Role.ADMIN: world.admin,
    }
    session.commit()
    for n, (role, user) in enumerate(users.items(), start=1):
        if role in allowed:
            continue
        client = _client(app, user, n)
        for method in _methods(rule):
            answer = client.open(_url(app, rule), method=method)
            assert answer.status_code in (401, 403, 404), (role, method, answer.status_code)


@pytest.mark.parametrize("rule", CASE_ROUTES, ids=str)
def test_a_case_route_is_not_found_for_those_who_may_not_see_the_case(app, session, world, rule):
    case = make_case(session, world)
    session.commit()
    for n, user in enumerate((world.other_school_user, world.admin), start=1):
        client = _client(app, user, n)
        for method in _methods(rule):
            answer = client.open(_url(app, rule, case.id), method=method)
            assert answer.status_code in (403, 404), (user.email, method, answer.status_code)
