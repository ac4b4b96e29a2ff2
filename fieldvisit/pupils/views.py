"""The pupil roll: import it from the school's system, add a pupil.

The roll's list and each pupil's page show their cases, so they are in cases/views/pupils.py.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from fieldvisit.core.audit import audit
from fieldvisit.core.db import db
from fieldvisit.core.forms import error_list, join_date, load_data
from fieldvisit.core.web import commit, save
from fieldvisit.pupils import attendance, services
from fieldvisit.pupils.models import Pupil
from fieldvisit.pupils.roll_files import RollFileError, parse_roll
from fieldvisit.pupils.schemas import PupilSchema

bp = Blueprint("pupils", __name__, url_prefix="/pupils")

TEMPLATE_COLUMNS = (
    "UPN,Forename,Surname,Date of birth,Sex,Year group,Address line 1,Address line 2,"
    "Address line 3,Postcode,Contact 1 Forename,Contact 1 Surname,Contact 1 Relationship,"
    "Contact 1 Parental responsibility,Contact 1 Phone,Contact 1 Email,Contact 2 Forename,"
    "Contact 2 Surname,Contact 2 Relationship,Contact 2 Parental responsibility,Contact 2 Phone,"
    "Contact 2 Email,SEN provision,Ethnicity,First language,Interpreter,FSM,Service child"
)


def _pupil_data(form: Any) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """Shape the add-a-pupil form for PupilSchema: dates, address lines, two contacts."""
    data: dict[str, Any] = {}
    date_errors: dict[str, list[str]] = {}
    for name in ("upn", "forename", "surname", "sex", "year_group", "postcode"):
        if value := form.get(name, "").strip():
            data[name] = value
    for name in ("date_of_birth", "expected_start_on", "admitted_on"):
        value, problem = join_date(form, name)
        if problem:
            date_errors[name] = [problem]
        elif value:
            data[name] = value
    data["address_lines"] = [
        line for i in (0, 1, 2) if (line := form.get(f"address_lines-{i}", "").strip())
    ]
    contacts = []
    for index, kind in enumerate(("parent", "emergency")):
        prefix = f"contacts-{index}-"
        contact = {
            key: value
            for key in ("forename", "surname", "relationship", "phones", "email")
            if (value := form.get(prefix + key, "").strip())
        }
        if contact:
            contact["kind"] = kind
            contact["parental_responsibility"] = form.get(prefix + "parental_responsibility", "")
            contacts.append(contact)
    data["contacts"] = contacts
    return data, date_errors


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new() -> Any:
    services.roll_for(current_user)  # refuses users who do not manage a roll
    values: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        values = {k: v for k, v in request.form.items() if k != "csrf_token"}
        data, date_errors = _pupil_data(request.form)
        result = load_data(PupilSchema(), data, values)
        errors = {**result.errors, **date_errors}
        if result.ok and not date_errors:
            assert result.data is not None
            data = result.data

            def add() -> Pupil:
                pupil = services.add_pupil(db.session, current_user, data)
                audit(db.session, current_user.id, "create", "pupil", pupil.id)
                return pupil

            added = save(add)
            if added.value is not None:
                flash("Pupil added to the roll.", "success")
                return redirect(url_for("cases.pupil_page", pupil_id=added.value.id))
            errors = added.errors
    return render_template(
        "pupils/new.html", values=values, errors=errors, error_list=error_list(errors)
    ), (400 if errors else 200)


@bp.route("/import", methods=["GET", "POST"])
@login_required
def import_roll() -> Any:
    services.roll_for(current_user)
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        upload = request.files.get("roll")
        data = upload.read(5 * 1024 * 1024 + 1) if upload else b""
        try:
            parsed = parse_roll(data)
        except RollFileError as error:
            errors = {"roll": [str(error) if data else "Select a CSV or CTF file"]}
        else:
            report = services.ImportReport()
            whole = request.form.get("whole_roll") == "yes"
            parts = services.import_roll(
                db.session, current_user, parsed.rows, report, whole_roll=whole
            )
            for _part in parts:
                commit()  # each part on its own: no long write transaction for a big roll
            audit(db.session, current_user.id, "import", "roll", current_user.school_id)
            commit()
            return render_template(
                "pupils/import_result.html", report=report, kind=parsed.kind, whole_asked=whole
            )
    return render_template(
        "pupils/import.html",
        errors=errors,
        error_list=error_list(errors),
        columns=TEMPLATE_COLUMNS.split(","),
    ), (400 if errors else 200)


@bp.get("/import/template.csv")
@login_required
def import_template() -> Any:
    services.roll_for(current_user)
    return Response(
        TEMPLATE_COLUMNS + "\r\n",
        mimetype="text/csv",
        headers={"Content-Disposition": "attachment; filename=roll-template.csv"},
    )


@bp.route("/attendance", methods=["GET", "POST"])
@login_required
def import_attendance() -> Any:
    """Import the register's marks (UPN, Date, Session, Code), line by line."""
    services.roll_for(current_user)  # refuses users who do not manage a roll
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        upload = request.files.get("marks")
        data = upload.read(20 * 1024 * 1024 + 1) if upload else b""
        try:
            rows = attendance.read_marks(data)
        except attendance.MarksFileError as error:
            errors = {"marks": [str(error) if data else "Select a CSV file of attendance marks"]}
        else:
            report = attendance.import_marks(db.session, current_user.school_id, rows)
            audit(
                db.session,
                current_user.id,
                "import",
                "attendance",
                current_user.school_id,
                {"marks": report.kept, "refused": len(report.refused)},
            )
            commit()
            return render_template("pupils/attendance_result.html", report=report)
    return render_template(
        "pupils/attendance_import.html",
        errors=errors,
        error_list=error_list(errors),
        codes=attendance.CODES,
    ), (400 if errors else 200)
