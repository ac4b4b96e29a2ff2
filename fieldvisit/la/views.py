"""The LA side: the LAAO queue, the evidence review with its decision, and the overview."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from fieldvisit.accounts.models import User
from fieldvisit.cases.access import get_case
from fieldvisit.cases.engine import Action, actions_for
from fieldvisit.cases.services import describe_vulnerability, school_day_today
from fieldvisit.core.audit import audit, audited_read, searched
from fieldvisit.core.csvfiles import csv_download
from fieldvisit.core.dates import format_date, today_in_uk
from fieldvisit.core.db import db
from fieldvisit.core.errors import CaseChanged, NotFound
from fieldvisit.core.forms import error_list, load_form
from fieldvisit.core.listing import list_query
from fieldvisit.core.permissions import Permission as P
from fieldvisit.core.web import commit, save
from fieldvisit.la import charts
from fieldvisit.la.drill import drill
from fieldvisit.la.forms import FORM_KINDS, forms_page
from fieldvisit.la.overview import build_overview
from fieldvisit.la.queries import ACTIVE_STATES, QUEUE_STATES, SORTS, queue_page, school_choices
from fieldvisit.letters.kinds import KINDS
from fieldvisit.letters.services import letters_for_case
from fieldvisit.referrals import involvements, services
from fieldvisit.referrals.evidence import gather
from fieldvisit.referrals.models import Referral, ReferralStatus
from fieldvisit.referrals.notify import active_laaos
from fieldvisit.referrals.schemas import AcceptSchema, ReturnSchema
from fieldvisit.referrals.views import require
from fieldvisit.schools.services import current_la

bp = Blueprint("la", __name__, url_prefix="/la")


@bp.route("/referrals", methods=["GET", "POST"])
@audited_read("referral_queue", detail=searched, methods=("GET", "POST"))
@login_required
def queue() -> Any:
    """The LAAO's home: new and returned referrals first, then open involvements, then closed.

    A search by name, UPN, reference or school is posted, never put in the address.
    """
    require(P.REFERRALS_DECIDE)
    source = request.form if request.method == "POST" else request.args
    state = source.get("state", "")
    state = state if state in QUEUE_STATES else ""
    sort = source.get("sort", "priority")
    sort = sort if sort in SORTS else "priority"
    schools, school_id = _school_filter()
    search = list_query(ids=("school",))["q"]
    if request.method == "POST" and not search:
        # Without a search the filters can be linked: back to an address that holds them.
        filters: dict[str, Any] = {
            "state": state or None,
            "school": school_id,
            "sort": _sorted(sort),
        }
        return redirect(url_for(".queue", **filters))
    page = queue_page(
        db.session,
        current_user,
        states=(state,) if state else ACTIVE_STATES,
        school_id=school_id,
        search=search,
        sort=sort,
        page=_page_number(),
        today=today_in_uk(),
    )
    fields = {"state": state, "school": school_id or "", "sort": _sorted(sort) or ""}
    return render_template(
        "la/queue.html",
        queue=page,
        page_url=lambda n: url_for(
            ".queue", page=n, state=state or None, school=school_id, sort=_sorted(sort)
        ),
        search=search,
        search_post={
            "action": url_for(".queue"),
            "fields": {**{k: v for k, v in fields.items() if v}, "q": search},
        }
        if search
        else None,
        state=state,
        states=QUEUE_STATES,
        sort=sort,
        sorts=SORTS,
        schools=schools,
        school_id=school_id,
    )


def _sorted(sort: str) -> str | None:
    return None if sort == "priority" else sort


def _school_filter() -> tuple[list[tuple[int, str]], int | None]:
    """Return the schools to filter by, and the one asked for if it exists."""
    schools = school_choices(db.session)
    school_id = list_query(ids=("school",))["school"]
    return schools, school_id if school_id in {sid for sid, _ in schools} else None


def _page_number() -> int:
    return list_query()["page"]


def _load(referral_id: int) -> Referral:
    require(P.REFERRALS_DECIDE)
    referral = db.session.get(Referral, referral_id)
    if referral is None:
        raise NotFound("There is no referral with that number that you can see.")
    get_case(db.session, current_user, referral.case_id)  # the access rule, as for every case
    return referral


@bp.get("/referrals/<int:referral_id>")
@login_required
def review(referral_id: int) -> Any:
    return _review_page(_load(referral_id))


@bp.get("/cases/<int:case_id>/referral")
@login_required
def case_referral(case_id: int) -> Any:
    """Go to the review of a case's latest referral (the case page links here)."""
    require(P.REFERRALS_DECIDE)
    case = get_case(db.session, current_user, case_id)
    referral = services.latest_referral(db.session, case)
    if referral is None:
        raise NotFound("This case has no referral.")
    return redirect(url_for(".review", referral_id=referral.id))


def _review_page(
    referral: Referral,
    values: dict[str, Any] | None = None,
    errors: dict[str, list[str]] | None = None,
    status: int = 200,
) -> Any:
    case = referral.case
    evidence = gather(db.session, case)
    statuses = {s.action: s for s in actions_for(db.session, case, current_user)}
    involvement = involvements.latest_involvement(db.session, case)
    audit(db.session, current_user.id, "view", "referral", referral.id)
    page = render_template(
        "la/review.html",
        referral=referral,
        case=case,
        pupil=case.pupil,
        evidence=evidence,
        history=services.referral_history(db.session, case),
        letters=[
            (letter, KINDS[letter.kind].label) for letter in letters_for_case(db.session, case)
        ],
        involvement=involvement,
        undecided=referral.status == ReferralStatus.SUBMITTED and referral.latest,
        accept=statuses.get(Action.ACCEPT_REFERRAL),
        laao_options=[(u.id, u.name) for u in active_laaos(db.session)],
        school_day=school_day_today(db.session, case),
        vulnerability=describe_vulnerability(case),
        values={"laao": str(current_user.id), **(values or {})},
        errors=errors or {},
        error_list=error_list(errors or {}),
    )
    commit()
    return page, status


def _decide(referral_id: int, schema: Any, decide: Any) -> Any:
    referral = _load(referral_id)
    result = load_form(schema, request.form)
    if not result.ok:
        return _review_page(referral, result.raw, result.errors, 400)

    def decided() -> tuple[str, str]:
        done = decide(referral, result.data or {})
        audit(db.session, current_user.id, "decide", "referral", referral.id)
        return done

    saved = save(decided)
    if saved.value is None:
        errors = saved.errors
        if isinstance(saved.refusal, CaseChanged) and referral.status != ReferralStatus.SUBMITTED:
            # Another LAAO's decision won the race: say whose, not just "changed".
            errors = {"_schema": [services.already_decided_message(referral)]}
        return _review_page(referral, result.raw, errors, saved.status)
    message, target = saved.value
    flash(message, "success")
    return redirect(target)


@bp.post("/referrals/<int:referral_id>/accept")
@login_required
def accept(referral_id: int) -> Any:
    def decide(referral: Referral, data: dict[str, Any]) -> tuple[str, str]:
        laao = db.session.get(User, data["laao"])
        if laao is None:
            raise NotFound("That LA attendance officer does not exist.")
        involvement = services.accept_referral(
            db.session, current_user, referral, laao=laao, expected_version=data["version"]
        )
        clock = involvements.involvement_clock(referral.case, involvement)
        when = (
            f"from {format_date(clock.removal_from)}"
            if clock.removal_from
            else f"after {clock.period} of enquiries"
        )
        return (
            f"Referral {referral.reference} accepted: CME involvement opened, assigned to "
            f"{laao.name}. Removal can be agreed {when}.",
            url_for("referrals.involvement", case_id=referral.case_id),
        )

    return _decide(referral_id, AcceptSchema(), decide)


@bp.post("/referrals/<int:referral_id>/return")
@login_required
def return_referral(referral_id: int) -> Any:
    def decide(referral: Referral, data: dict[str, Any]) -> tuple[str, str]:
        services.return_referral(
            db.session,
            current_user,
            referral,
            reason=data["reason"],
            expected_version=data["version"],
        )
        return (
            f"Referral {referral.reference} returned to {referral.case.school.name}.",
            url_for(".queue"),
        )

    return _decide(referral_id, ReturnSchema(), decide)


@bp.get("/forms")
@login_required
def forms() -> Any:
    require(P.LA_REPORTS)
    schools, school_id = _school_filter()
    kind = request.args.get("kind", "")
    kind = kind if kind in FORM_KINDS else ""
    page = forms_page(db.session, kind=kind or None, school_id=school_id, page=_page_number())
    for row in page.rows:
        audit(db.session, current_user.id, "view", "outcome_form", row.record.id)
    commit()
    return render_template(
        "la/forms.html",
        forms=page,
        page_url=lambda n: url_for(".forms", page=n, kind=kind or None, school=school_id),
        kinds={key: title for key, (_, title) in FORM_KINDS.items()},
        kind=kind,
        schools=schools,
        school_id=school_id,
    )


@bp.get("/overview")
@audited_read("la_overview")
@login_required
def overview() -> Any:
    require(P.LA_REPORTS)
    data = build_overview(db.session, today=today_in_uk())
    weekly = [(f"{d.day} {d:%b}", n) for d, n in data.weekly_open]
    return render_template(
        "la/overview.html",
        data=data,
        la=current_la(db.session),
        weekly_chart=charts.column_chart(
            chart_id="open-weekly",
            title="Open CME involvements at the end of each week, last 52 weeks",
            description=_describe_series(data.weekly_open),
            points=weekly,
            axis_caption="Week ending",
            label_every=4,
        ),
        delay_chart=charts.column_chart(
            chart_id="referral-delay",
            title="School days from the first day of absence to the referral, last 52 weeks",
            description="Number of referrals by school days taken: "
            + "; ".join(f"{label}: {n}" for label, n in data.delays),
            points=data.delays,
            axis_caption="School days from first absence to referral",
        ),
    )


@bp.get("/overview/cases/<figure>")
@audited_read("la_figure", detail=lambda: {"figure": (request.view_args or {}).get("figure")})
@login_required
def figure_cases(figure: str) -> Any:
    """The cases behind one number of the overview's year."""
    require(P.LA_REPORTS)
    drilled = drill(db.session, figure, today=today_in_uk(), page=_page_number())
    if drilled is None:
        raise NotFound("The overview has no such figure.")
    return render_template(
        "la/figure_cases.html",
        drilled=drilled,
        page_url=lambda n: url_for(".figure_cases", figure=figure, page=n),
    )


@bp.get("/overview.csv")
@login_required
def overview_csv() -> Any:
    """Every number of the overview as a CSV, for the LA's own reports; the export is audited."""
    require(P.LA_REPORTS)
    today = today_in_uk()
    data = build_overview(db.session, today=today)
    rows: list[tuple[str, str, int]] = []
    for field, figure in SCHOOL_FIGURES:
        rows += [(figure, line.name, getattr(line, field)) for line in data.schools]
    rows.append(("Open involvements past the waiting period", "All schools", data.overdue_total))
    rows += [
        ("Open involvements at the end of the week", d.isoformat(), n) for d, n in data.weekly_open
    ]
    rows += [("Referrals in the last year by school days taken", g, n) for g, n in data.delays]
    rows.append(("Children referred in the last year", "All", data.cohort_total))
    rows += [("Children referred in the last year", g, n) for g, n in data.cohort or []]
    if figures := data.figures:
        rows += [("First referrals by month", m.strftime("%B %Y"), n) for m, n in figures.by_month]
        rows += [
            ("Referred cases closed in the last year, by outcome", outcome.label, n)
            for outcome, n in figures.outcomes
        ]
        rows += [
            ("School days from referral to closing", "Cases", figures.located),
            ("School days from referral to closing", "Median", figures.median_days or 0),
            ("School days from referral to closing", "90th percentile", figures.p90_days or 0),
            ("Children found out of the area", "Abroad or another LA", figures.out_of_area),
            ("Children referred again within 12 months", "Pupils", figures.repeat_pupils),
        ]
    audit(db.session, current_user.id, "export", "la_overview", None)
    commit()
    return csv_download(
        f"cme-overview-{today.isoformat()}.csv", ["Figure", "Group", "Number"], rows
    )


# The per-school figures, in the CSV's words.
SCHOOL_FIGURES = (
    ("new", "New referrals to decide"),
    ("returned", "Referrals returned to the school"),
    ("open", "Open CME involvements"),
    ("past_deadline", "Cases past their referral day, not yet referred"),
    ("referred_last_year", "Referrals in the last year"),
)


def _describe_series(points: list[Any]) -> str:
    if not points:
        return "No data."
    values = [n for _, n in points]
    first, last = points[0], points[-1]
    return (
        f"From {format_date(first[0])} ({first[1]} open) to {format_date(last[0])} "
        f"({last[1]} open); highest {max(values)}, lowest {min(values)}. "
        "The table below gives every week."
    )
