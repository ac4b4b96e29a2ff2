"""The school sees what it owes the LA and sends each notice; the LA reads, filters and
acknowledges them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from fieldvisit.core.audit import audited_read
from fieldvisit.core.dates import today_in_uk
from fieldvisit.core.db import db
from fieldvisit.core.forms import date_values, errors_context, load_form
from fieldvisit.core.permissions import Permission
from fieldvisit.core.schema import Schema
from fieldvisit.core.web import permission_required, save
from fieldvisit.notices import schemas, services
from fieldvisit.notices.models import DELETION_GROUNDS, TWENTY_DAYS, Notice, NoticeKind
from fieldvisit.pupils.attendance import absence_of
from fieldvisit.pupils.models import Pupil
from fieldvisit.pupils.services import get_pupil
from fieldvisit.schools.models import School

bp = Blueprint("notices", __name__)

STATES = {"unread": False, "acknowledged": True, "all": None}


@bp.app_template_global()
def notices_owed() -> tuple[int, int]:
    """How many notices the signed-in school user's school owes the LA, and how many late:
    for the dashboard's banner."""
    if not current_user.can(Permission.PUPILS_MANAGE) or current_user.school_id is None:
        return 0, 0
    school = db.session.get(School, current_user.school_id)
    if school is None:
        return 0, 0
    today = today_in_uk()
    owed = services.due_for_school(db.session, school, today)
    return len(owed), sum(d.late(today) for d in owed)


# Each kind's page for a pupil, as url_for names it.
PAGES = {
    NoticeKind.NEW_ENTRY: "notices.new_entry",
    NoticeKind.DELETION: "notices.deletion",
    NoticeKind.CONTINUOUS_ABSENCE: "notices.continuous_absence",
    NoticeKind.SICKNESS: "notices.sickness",
}


@bp.get("/notices")
@audited_read("school_notices")
@permission_required(Permission.PUPILS_MANAGE)
def school_notices() -> Any:
    """The school's notices to the LA: those due (late first) and those sent."""
    today = today_in_uk()
    school = db.session.get(School, current_user.school_id)
    assert school is not None  # a user who manages a roll belongs to a school
    return render_template(
        "notices/school.html",
        owed=services.due_for_school(db.session, school, today),
        sent=services.sent_by_school(db.session, school.id),
        pages=PAGES,
        today=today,
    )


def _notice_form(
    pupil_id: int,
    kind: NoticeKind,
    schema: Schema,
    send: Callable[[Pupil, dict[str, Any]], Notice],
    *,
    defaults: Callable[[Pupil, services.Due | None], dict[str, Any]] = lambda p, o: {},
    date_fields: tuple[str, ...] = (),
    **context: Any,
) -> Any:
    """One notice's page for one pupil: what is owed and the form; send it and go back."""
    pupil = get_pupil(db.session, current_user, pupil_id)
    today = today_in_uk()
    owed = services.due_for_pupil(db.session, pupil, kind, today)
    values: dict[str, Any] = defaults(pupil, owed)
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        result = load_form(schema, request.form, date_fields=date_fields)
        values, errors = result.raw, result.errors
        if result.ok:
            data = result.data or {}
            sent = save(lambda: send(pupil, data))
            if sent.ok:
                flash(f"Notice sent to the local authority: {kind.label.lower()}.", "success")
                return redirect(url_for("notices.school_notices"))
            errors = sent.errors
    return render_template(
        f"notices/{kind.value}.html",
        pupil=pupil,
        owed=owed,
        kind=kind,
        values=values,
        today=today,
        **context,
        **errors_context(errors),
    ), (400 if errors else 200)


@bp.route("/pupils/<int:pupil_id>/notices/new-entry", methods=["GET", "POST"])
@audited_read("pupil", "pupil_id")
@permission_required(Permission.PUPILS_MANAGE)
def new_entry(pupil_id: int) -> Any:
    """Tell the LA of a pupil added to the admission register."""
    return _notice_form(
        pupil_id,
        NoticeKind.NEW_ENTRY,
        schemas.NewEntrySchema(),
        lambda pupil, data: services.send_new_entry(db.session, current_user, pupil, **data),
        defaults=lambda pupil, _: date_values("entered_on", pupil.admitted_on),
        date_fields=("entered_on",),
    )


@bp.route("/pupils/<int:pupil_id>/notices/deletion", methods=["GET", "POST"])
@audited_read("pupil", "pupil_id")
@permission_required(Permission.PUPILS_MANAGE)
def deletion(pupil_id: int) -> Any:
    """Tell the LA of a pupil's name deleted from the admission register."""
    return _notice_form(
        pupil_id,
        NoticeKind.DELETION,
        schemas.DeletionSchema(),
        lambda pupil, data: services.send_deletion(db.session, current_user, pupil, **data),
        defaults=lambda pupil, owed: {
            **date_values("deleted_on", pupil.left_on or (owed.since if owed else today_in_uk())),
            "ground": owed.ground if owed else "",
        },
        date_fields=("deleted_on",),
        grounds=[(key, text) for key, text in DELETION_GROUNDS.items() if key != TWENTY_DAYS],
        twenty_days=(TWENTY_DAYS, DELETION_GROUNDS[TWENTY_DAYS]),
    )


@bp.route("/pupils/<int:pupil_id>/notices/continuous-absence", methods=["GET", "POST"])
@audited_read("pupil", "pupil_id")
@permission_required(Permission.PUPILS_MANAGE)
def continuous_absence(pupil_id: int) -> Any:
    """Tell the LA of 10 school days absent without permission, from the register."""
    pupil = get_pupil(db.session, current_user, pupil_id)
    return _notice_form(
        pupil_id,
        NoticeKind.CONTINUOUS_ABSENCE,
        schemas.ContinuousAbsenceSchema(),
        lambda pupil, data: services.send_continuous_absence(
            db.session, current_user, pupil, what_school_did=data["what_school_did"]
        ),
        absence=absence_of(db.session, pupil, today_in_uk()),
    )


@bp.route("/pupils/<int:pupil_id>/notices/sickness", methods=["GET", "POST"])
@audited_read("pupil", "pupil_id")
@permission_required(Permission.PUPILS_MANAGE)
def sickness(pupil_id: int) -> Any:
    """The sickness return: 15 school days absent through illness, from the register."""
    return _notice_form(
        pupil_id,
        NoticeKind.SICKNESS,
        schemas.SicknessSchema(),
        lambda pupil, data: services.send_sickness(
            db.session, current_user, pupil, what_school_knows=data["what_school_knows"]
        ),
    )


# The LA's inbox ------------------------------------------------------------------------------


@bp.get("/la/notices")
@audited_read("school_notices")
@login_required
def inbox() -> Any:
    """The notices from schools: unread first by default, filtered by school and kind."""
    state = request.args.get("state", "unread")
    state = state if state in STATES else "unread"
    school_id = request.args.get("school", type=int)
    kind = request.args.get("kind", "")
    chosen = NoticeKind(kind) if kind in set(NoticeKind) else None
    notices = db.session.scalars(
        services.inbox(
            current_user, acknowledged=STATES[state], school_id=school_id, kind=chosen
        ).limit(200)
    ).all()
    schools = db.session.scalars(select(School).order_by(School.name)).all()
    return render_template(
        "notices/inbox.html",
        notices=notices,
        state=state,
        school_id=school_id,
        schools=schools,
        kind=chosen.value if chosen else "",
        kinds=[(k.value, k.label) for k in NoticeKind],
    )


@bp.get("/la/notices/<int:notice_id>")
@audited_read("school_notice", "notice_id")
@login_required
def show(notice_id: int) -> Any:
    notice = services.get_notice(db.session, current_user, notice_id)
    return render_template("notices/show.html", notice=notice)


@bp.post("/la/notices/<int:notice_id>/acknowledge")
@login_required
def acknowledge(notice_id: int) -> Any:
    notice = services.get_notice(db.session, current_user, notice_id)
    done = save(lambda: services.acknowledge(db.session, current_user, notice))
    if done.ok:
        flash("Acknowledged: the notice is marked read, with your name and the time.", "success")
    return redirect(url_for("notices.show", notice_id=notice.id))
