"""Each action is described once (cases/actions.py), and what it names exists."""

from __future__ import annotations

from flask import Flask

from fieldvisit.cases.actions import ACTIONS, Action
from fieldvisit.cases.engine import TRANSITIONS
from fieldvisit.cases.models import CaseState


def test_every_action_has_one_record() -> None:
    assert set(ACTIONS) == set(Action)
    assert len({about.label for about in ACTIONS.values()}) == len(ACTIONS)


def test_every_page_named_is_served(app: Flask) -> None:
    endpoints = set(app.view_functions)
    missing = {
        action: about.page
        for action, about in ACTIONS.items()
        if about.page and not about.page.startswith("#") and about.page not in endpoints
    }
    assert missing == {}


def test_the_actions_that_close_a_case_name_its_outcome() -> None:
    closing = {a for (state, a), rule in TRANSITIONS.items() if rule.to == CaseState.CLOSED}
    closing -= {a for (state, a), rule in TRANSITIONS.items() if state == CaseState.CLOSED}
    assert closing and all(action.about.outcome for action in closing)
