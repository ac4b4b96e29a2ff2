"""A wrong chronology entry is corrected by a new one that points at it: nothing rewritten,
both shown (on the case page and in the PDF), the hash chain intact."""

from __future__ import annotations

from sqlalchemy import select

from fieldvisit.cases.pdf import chronology_pdf
from fieldvisit.chronology.models import ChronologyEntry
from fieldvisit.chronology.services import verify_case
from tests.support.casework import case_on_day, triaged
from tests.support.factories import make_case
from tests.test_chronology_pdf import pdf_text


def _entries(session, case):
    return list(
        session.scalars(
            select(ChronologyEntry)
            .where(ChronologyEntry.case_id == case.id)
            .order_by(ChronologyEntry.seq)
        )
    )


def test_a_wrong_entry_is_corrected_and_both_are_kept(session, world, signed_in, tmp_path):
    case = triaged(session, world, case_on_day(session, world, 2))
    wrong = next(e for e in _entries(session, case) if e.kind == "log_contact")
    before = (wrong.summary, wrong.note, wrong.hash)
    client = signed_in(world.school_user)
    url = f"/cases/{case.id}/chronology/{wrong.id}/correct"
    form = client.get(url).get_data(as_text=True)
    assert wrong.summary in form and "never rewritten" in form
    refused = client.post(url, data={"expected_version": case.version, "correction": ""})
    assert refused.status_code == 400 and "Write what the correct record is" in refused.get_data(
        as_text=True
    )
    answer = client.post(
        url,
        data={
            "expected_version": case.version,
            "correction": "The call was to the grandmother's number, not the mother's.",
        },
    )
    assert answer.status_code == 302 and answer.location.endswith(f"#entry-{wrong.id}")
    session.expire_all()
    entries = _entries(session, case)
    correction = entries[-1]
    assert correction.kind == "correct_entry" and correction.corrects_id == wrong.id
    assert correction.details["corrects_seq"] == wrong.seq
    session.refresh(wrong)
    assert (wrong.summary, wrong.note, wrong.hash) == before  # nothing rewritten
    assert verify_case(entries, entries[-1].hash) is None  # the chain holds
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert f'href="#entry-{correction.id}">See the correction' in page
    assert f'href="#entry-{wrong.id}">Corrects an earlier entry' in page
    text = pdf_text(chronology_pdf(session, case), tmp_path)
    assert f"Corrects entry #{wrong.seq}" in text
    assert f"Corrected by entry #{correction.seq}" in text


def test_only_those_who_may_act_on_the_case_correct_it(session, world, signed_in):
    case = case_on_day(session, world, 2)
    entry = _entries(session, case)[0]
    session.commit()
    url = f"/cases/{case.id}/chronology/{entry.id}/correct"
    assert signed_in(world.other_school_user).post(url, data={"correction": "x"}).status_code == 404
    other = make_case(session, world, school=world.other_school)
    foreign = _entries(session, other)[0]
    session.commit()
    mine = signed_in(world.school_user)
    wrong_case = mine.post(
        f"/cases/{case.id}/chronology/{foreign.id}/correct", data={"correction": "x"}
    )
    assert wrong_case.status_code == 404
