"""The case rules' questions to the domains above cases are all answered (cases/facts.py)."""

import pytest

from fieldvisit.cases import facts


def test_once_the_app_is_made_every_question_the_case_rules_ask_is_answered(app):
    questions = [v for v in vars(facts).values() if isinstance(v, facts.Question)]
    assert sorted(q.name for q in questions) == [
        "completed_home_visit",
        "entry_photos",
        "officer_has_visit",
        "open_involvement",
        "referred",
        "visit_arranged",
    ]
    assert all(callable(q.ask) for q in questions)


def test_a_question_nobody_answered_raises_rather_than_passing():
    question = facts.Question("unanswered")
    with pytest.raises(RuntimeError, match="unanswered"):
        question.ask  # noqa: B018 - reading it is the test
