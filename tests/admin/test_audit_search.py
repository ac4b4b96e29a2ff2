"""The audit log searched as an administrator would: person, action, record, dates, CSV."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from fieldvisit.core.audit import AuditEvent
from fieldvisit.core.csvfiles import safe_cell
from fieldvisit.core.dates import today_in_uk
from tests.support.factories import date_fields


def _event(session, user, action, object_type, object_id, at, ip="10.0.0.1"):
    session.add(
        AuditEvent(
            at=at,
            user_id=user.id if user else None,
            action=action,
            object_type=object_type,
            object_id=object_id,
            ip=ip,
        )
    )


def _seed(session, world):
    now = datetime.now(UTC)
    _event(session, world.school_user, "view", "case", 7, now - timedelta(days=40))
    _event(session, world.laao, "accept", "referral", 3, now - timedelta(days=2))
    _event(session, world.admin, "update", "user", 5, now - timedelta(hours=1), ip="=HYPERLINK(1)")
    session.commit()


def test_the_log_filters_by_person_action_record_and_dates(session, world, signed_in):
    _seed(session, world)
    client = signed_in(world.admin)
    page = client.get("/admin/audit").get_data(as_text=True)
    assert 'name="who"' in page and 'name="since-day"' in page and "Download all as CSV" in page
    laao_part = world.laao.name.split()[0].lower()
    found = client.get(f"/admin/audit?who={laao_part}").get_data(as_text=True)
    assert "referral 3" in found and "case 7" not in found and "match the filters" in found
    by_action = client.get("/admin/audit?action=accept&object_type=referral").get_data(as_text=True)
    assert "referral 3" in by_action and "user 5" not in by_action
    since = today_in_uk() - timedelta(days=10)
    recent = client.get("/admin/audit", query_string=date_fields("since", since))
    text = recent.get_data(as_text=True)
    assert "referral 3" in text and "case 7" not in text
    wrong = client.get(
        "/admin/audit",
        query_string={**date_fields("since", since), **date_fields("until", since - timedelta(1))},
    )
    assert wrong.status_code == 400 and "must be on or after" in wrong.get_data(as_text=True)


def test_the_export_is_the_filtered_rows_with_formulas_neutralised(session, world, signed_in):
    _seed(session, world)
    client = signed_in(world.admin)
    answer = client.get("/admin/audit.csv?object_type=user&object_id=5")
    assert answer.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(answer.get_data(as_text=True))))
    assert rows[0][0] == "When (UK time)"
    assert rows[1:] and {(r[3], r[4]) for r in rows[1:]} == {("user", "5")}
    ips = [r[5] for r in rows[1:]]
    assert "'=HYPERLINK(1)" in ips and "=HYPERLINK(1)" not in ips  # shown, never run
    exported = session.scalars(
        select(AuditEvent).where(
            AuditEvent.action == "export", AuditEvent.object_type == "audit_log"
        )
    ).all()
    assert [e.user_id for e in exported] == [world.admin.id]


def test_cells_a_spreadsheet_would_run_are_neutralised():
    for risky in ("=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"):
        assert safe_cell(risky) == "'" + risky
    assert safe_cell("case 7") == "case 7"


def test_only_administrators_read_or_export_the_log(world, signed_in):
    client = signed_in(world.school_user)
    assert client.get("/admin/audit").status_code == 403
    assert client.get("/admin/audit.csv").status_code == 403
