"""Every kind of email is in the registry, renders from its template, and names no child."""

from __future__ import annotations

import ast
from datetime import date
from pathlib import Path
from types import SimpleNamespace as Thing

import pytest
from flask import Flask

import fieldvisit
from fieldvisit.cases.models import Outcome
from fieldvisit.core.mail import SIGN_OFF, render
from fieldvisit.core.paths import find_folder
from fieldvisit.emails import EMAILS

CHILD = ("Zebedee", "Quibble", "A123456789012", "12 Secret Lane", "ZZ9 9ZZ")


def _context() -> dict[str, object]:
    """Everything any email may be given, the child's details planted where a slip would
    find them."""
    pupil = Thing(
        forename=CHILD[0],
        surname=CHILD[1],
        full_name=" ".join(CHILD[:2]),
        upn=CHILD[2],
        address_lines=[CHILD[3]],
        postcode=CHILD[4],
        date_of_birth=date(2015, 3, 1),
    )
    school = Thing(name="Riverside Primary", email="office@riverside.test", dsl_email="dsl@x.test")
    case = Thing(
        id=34,
        reference="C000034",
        pupil=pupil,
        school=school,
        outcome=Outcome.FOUND,
        first_day_of_absence=date(2026, 11, 2),
    )
    laao = Thing(name="Lee Jones", email="lee@la.test")
    referral = Thing(id=12, reference="R000012", case=case)
    involvement = Thing(laao=laao, case=case, referral=referral, removed_from_roll_on=None)
    item = Thing(due_day=3, text="Check with siblings' schools")
    return {
        "case": case,
        "referral": referral,
        "involvement": involvement,
        "school": school,
        "period": "4 weeks",
        "letter_reference": "FV-2026-000123",
        "cases": [Thing(case=case, school_day=7, items=[item])],
        "count": 1,
        "home_education": Thing(alert_texts=["The pupil attends a special school."]),
        "user": Thing(name="Pat Admin", email="pat@la.test"),
        "officer": Thing(name="Olu Officer", email="olu@la.test"),
        "assigned_by": Thing(name="Sam Office"),
        "cancelled_by": Thing(name="Sam Office"),
        "late": [
            Thing(
                kind=Thing(label="A pupil added to the register"),
                due_on=date(2026, 11, 9),
                pupil=pupil,
            )
        ],
    }


def test_every_template_has_one_kind_and_every_kind_a_template(app: Flask) -> None:
    assert len(EMAILS) == 16  # the list in fieldvisit/emails.py, no key used twice
    folder = Path(find_folder("templates")) / "emails"
    assert {p.stem for p in folder.glob("*.txt")} == set(EMAILS)


@pytest.mark.parametrize("key", sorted(EMAILS))
def test_each_email_renders_and_names_no_child(app: Flask, key: str) -> None:
    with app.app_context():
        subject, body = render(EMAILS[key], **_context())
    assert subject and "\n" not in subject and "{" not in subject + body
    assert body.endswith(EMAILS[key].sign_off) and len(body) > len(SIGN_OFF) + 40
    for detail in CHILD:
        assert detail not in subject + body


def test_no_email_is_written_outside_the_registry() -> None:
    """Only core/mail.py queues: every other module sends a registered kind."""
    package = Path(fieldvisit.__file__).parent
    queued_elsewhere = []
    for path in package.rglob("*.py"):
        if path == package / "core" / "mail.py":
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "queue"
                and isinstance(node.func.value, ast.Name)
                and node.func.value.id == "mail"
            ):
                queued_elsewhere.append(f"{path.relative_to(package)}:{node.lineno}")
    assert queued_elsewhere == []
