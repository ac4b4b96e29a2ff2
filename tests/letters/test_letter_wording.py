"""Admins edit each letter's wording per LA; the sandbox keeps it inside the letter."""

from __future__ import annotations

import pytest

from fieldvisit.core.errors import NotAllowed, ValidationFailed
from fieldvisit.core.storage import storage
from fieldvisit.letters import services
from fieldvisit.letters.kinds import KINDS
from fieldvisit.letters.wording import (
    check_wording,
    current_wording,
    default_wording,
    render_wording,
    save_wording,
)
from tests.letters.helpers import locating_case, pdf_text

ABSENCE = KINDS["absence"]


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_every_standard_wording_passes_its_own_check(app, kind):
    with app.app_context():
        assert check_wording(KINDS[kind], default_wording(KINDS[kind])) == []


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("{{ ''.__class__.__mro__ }}", "'__class__' cannot be used"),
        ("{{ pupil_name.__class__ }}", "'__class__' cannot be used"),
        ("{{ pupil_name['__class__'] }}", "'__class__' cannot be used"),
        ("{{ config }}", "'config' is not a field this letter has"),
        ("{{ request.environ }}", "'request' is not a field this letter has"),
        ("{{ self }}", "'self' is not a field this letter has"),
        ("{{ range(10) }}", "'range' is not a field this letter has"),
        ("{{ cycler.__init__.__globals__ }}", "cannot be used"),
        ("{% include 'base.html' %}", "cannot include other templates"),
        ("{% extends 'base.html' %}", "cannot extend other templates"),
        ("{% import 'macros.html' as m %}", "cannot import other templates"),
        ("{{ pupil_name|attr('__class__') }}", "The wording fails with example details"),
        ("{{ pupil_name.format.__self__ }}", "'__self__' cannot be used"),
        ("{{ 'x' * 100000000 }}", "The wording fails with example details"),
        ("{{ 9 ** 9 ** 9 }}", "The wording fails with example details"),
    ],
)
def test_wording_that_reaches_outside_the_letter_is_refused(source, expected):
    problems = check_wording(ABSENCE, "Dear parent,\n\n" + source)

    assert problems, source
    assert any(expected in str(p) for p in problems), [str(p) for p in problems]


def test_a_syntax_error_is_refused_with_its_line_and_message():
    (problem,) = check_wording(ABSENCE, "Dear parent,\n\n{{ pupil_name }\n")

    assert problem.line == 3
    assert str(problem).startswith("Line 3: unexpected '}'")


def test_wording_is_plain_text_fields_and_typed_words_alike():
    html = render_wording(
        "Hello <b>{{ pupil_name }}</b>\nsecond line\n\n{% if school_phone %}Call us{% endif %}",
        {"pupil_name": "<script>x</script>", "school_phone": "1"},
    )

    assert str(html) == (
        "<p>Hello &lt;b&gt;&lt;script&gt;x&lt;/script&gt;&lt;/b&gt;<br>second line</p>"
        "<p>Call us</p>"
    )


def test_only_an_admin_may_change_the_wording(session, world):
    with pytest.raises(NotAllowed):
        save_wording(session, world.school_user, world.la, ABSENCE, "Dear {{ addressee }},")


def test_saved_wording_is_used_by_the_next_letter(session, world, tmp_path):
    save_wording(
        session,
        world.admin,
        world.la,
        ABSENCE,
        "{{ salutation }},\n\nPlease ring {{ school_name }} about {{ pupil_forename }} today.",
    )
    case = locating_case(session, world)

    letter = services.generate_letter(session, world.school_user, case, "absence")

    text = " ".join(pdf_text(storage().get(letter.storage_key), tmp_path).split())
    assert f"Please ring Riverside Primary School about {case.pupil.forename} today." in text
    assert letter.wording_id is not None


def test_a_refused_edit_keeps_the_previous_wording(session, world):
    first = save_wording(session, world.admin, world.la, ABSENCE, "Version one {{ pupil_name }}")

    with pytest.raises(ValidationFailed) as refused:
        save_wording(session, world.admin, world.la, ABSENCE, "Version two {% if %}")

    assert refused.value.fields["body"][0].startswith("Line 1:")
    source, saved = current_wording(session, world.la.id, ABSENCE)
    assert (source, saved) == ("Version one {{ pupil_name }}", first)


def test_the_admin_page_refuses_a_bad_edit_and_shows_the_line(session, world, signed_in):
    client = signed_in(world.admin)
    url = f"/admin/letters/{world.la.id}/absence"
    assert client.get(url).status_code == 200

    response = client.post(url, data={"body": "Dear {{ salutation\n\nmore", "action": "save"})

    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Line 3: expected token &#39;end of print statement&#39;" in page
    assert "Dear {{ salutation" in page  # what was typed is shown again
    assert current_wording(session, world.la.id, ABSENCE)[1] is None


def test_the_admin_page_saves_and_restores_the_standard_wording(session, world, signed_in):
    client = signed_in(world.admin)
    url = f"/admin/letters/{world.la.id}/absence"

    saved = client.post(url, data={"body": "Short {{ pupil_name }}", "action": "save"})
    restored = client.post(url, data={"body": "ignored", "action": "restore"})

    assert saved.status_code == restored.status_code == 302
    source, version = current_wording(session, world.la.id, ABSENCE)
    assert version is not None and "{{ first_day_of_absence }}" in source
    index = client.get("/admin/letters").get_data(as_text=True)
    assert "Changed" in index


@pytest.mark.parametrize("who", ["school_user", "laao", "officer"])
def test_only_admins_reach_the_wording_pages(world, signed_in, who):
    client = signed_in(getattr(world, who))

    assert client.get("/admin/letters").status_code == 403
    assert client.get(f"/admin/letters/{world.la.id}/absence").status_code == 403


def test_an_admin_downloads_an_example_of_the_wording_before_saving_it(
    session, world, signed_in, tmp_path
):
    client = signed_in(world.admin)
    url = f"/admin/letters/{world.la.id}/final"

    response = client.post(
        url,
        data={
            "body": "{{ salutation }},\n\nPlease call us by {{ respond_by }}.",
            "action": "preview",
        },
    )

    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    text = " ".join(pdf_text(response.data, tmp_path).split())
    assert "Example only: not a real letter" in text
    assert "Please call us by 8 September 2026." in text
    assert current_wording(session, world.la.id, KINDS["final"])[1] is None  # nothing saved


def test_an_example_of_broken_wording_shows_the_problem_instead(world, signed_in):
    response = signed_in(world.admin).post(
        f"/admin/letters/{world.la.id}/final", data={"body": "{{ config }}", "action": "preview"}
    )

    assert response.status_code == 400
    assert "&#39;config&#39; is not a field this letter has" in response.get_data(as_text=True)
