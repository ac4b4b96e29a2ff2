"""Numbers out of range (ids, page numbers) are a clear 400 or 404, never a 500."""

from __future__ import annotations

import pytest
from werkzeug.routing import Rule

HUGE = 10**23
TOO_BIG_FOR_THE_DATABASE = 2**31


def _int_routes(app) -> list[Rule]:
    return [
        rule
        for rule in app.url_map.iter_rules()
        if any(type(c).__name__.endswith("Integer") for c in rule._converters.values())
    ]


def _path(rule: Rule, number: int) -> str:
    path = rule.rule
    for name, converter in rule._converters.items():
        is_int = type(converter).__name__.endswith("Integer")
        value = str(number) if is_int else "x"
        path = path.replace(f"<{'int:' if is_int else ''}{name}>", value)
        for prefix in ("string:", "uuid:", "path:"):
            path = path.replace(f"<{prefix}{name}>", value)
    return path


@pytest.mark.parametrize("who", ["school_user", "officer", "laao", "admin"])
def test_ids_too_big_for_the_database_are_not_found(app, world, signed_in, who):
    client = signed_in(getattr(world, who))
    routes = _int_routes(app)
    assert routes
    for rule in routes:
        for number in (HUGE, TOO_BIG_FOR_THE_DATABASE, TOO_BIG_FOR_THE_DATABASE - 1):
            path = _path(rule, number)
            for method in sorted((rule.methods or set()) & {"GET", "POST"}):
                response = client.open(path, method=method)
                assert response.status_code < 500, (method, path, response.status_code)
                if number >= TOO_BIG_FOR_THE_DATABASE:
                    assert response.status_code in {404, 405}, (method, path)


@pytest.mark.parametrize(
    ("who", "url"),
    [
        ("school_user", "/"),
        ("school_user", "/pupils"),
        ("laao", "/la/referrals"),
        ("laao", "/la/forms"),
        ("admin", "/admin/audit"),
    ],
)
@pytest.mark.parametrize("page", [str(HUGE), "0", "-3", "two"])
def test_page_numbers_out_of_range_are_a_400(world, signed_in, who, url, page):
    response = signed_in(getattr(world, who)).get(url, query_string={"page": page})
    assert response.status_code == 400
    assert "There is no page with that number" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("who", "url", "name"),
    [("laao", "/la/referrals", "school"), ("admin", "/admin/audit", "user_id")],
)
def test_ids_to_filter_by_out_of_range_are_a_400(world, signed_in, who, url, name):
    client = signed_in(getattr(world, who))
    assert client.get(url, query_string={name: str(HUGE)}).status_code == 400
    assert client.get(url, query_string={name: "7"}).status_code == 200
