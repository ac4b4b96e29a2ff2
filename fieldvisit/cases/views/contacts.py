"""Log a contact attempt in a few taps; "contact made" goes straight on to the outcome."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from fieldvisit.cases import services
from fieldvisit.cases.access import get_case
from fieldvisit.cases.contact_options import OTHER, REACHES, contact_options, mismatch
from fieldvisit.cases.engine import Action
from fieldvisit.cases.schemas import CONTACT_METHODS, ContactAttemptSchema
from fieldvisit.cases.views import bp
from fieldvisit.cases.views.attachments import uploaded_attachment, with_attachment
from fieldvisit.cases.views.common import now_fields, require
from fieldvisit.chronology.models import Method
from fieldvisit.core.audit import audited_read
from fieldvisit.core.dates import uk_moment
from fieldvisit.core.db import db
from fieldvisit.core.errors import DomainError
from fieldvisit.core.forms import errors_context, form_errors, load_form
from fieldvisit.core.web import save


@bp.route("/cases/<int:case_id>/contacts/new", methods=["GET", "POST"])
@audited_read("case", "case_id")
@login_required
def log_contact(case_id: int) -> Any:
    case = get_case(db.session, current_user, case_id)
    require(case, Action.LOG_CONTACT)
    options = contact_options(case)
    values: dict[str, Any] = {
        "method": Method.PHONE.value,
        **now_fields("occurred_on", "occurred_time"),
    }
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        result = load_form(ContactAttemptSchema(), request.form, date_fields=("occurred_on",))
        values, errors = result.raw, result.errors
        try:
            attachment = uploaded_attachment()
        except DomainError as error:
            attachment, errors = None, {**errors, **form_errors(error)}
        if result.ok and not errors:
            assert result.data is not None
            data = result.data
            chosen = {o.value: o for o in options}.get(data["target"])
            target = chosen.target if chosen else data["target_other"].strip()
            wrong = mismatch(Method(data["method"]), target)
            if data["target"] != OTHER and chosen is None:
                errors = {"target": ["Select the number or address you tried, or type it"]}
            elif wrong:
                errors = {"target" if chosen else "target_other": [wrong]}
            else:
                made = data["contact_made"] == "yes"
                saved = save(
                    lambda: with_attachment(
                        attachment,
                        data["attachment_description"],
                        services.log_contact_attempt(
                            db.session,
                            current_user,
                            case,
                            method=Method(data["method"]),
                            target=target,
                            contact_name=data["contact_name"].strip()
                            or (chosen.name if chosen else ""),
                            occurred_at=uk_moment(data["occurred_on"], data["occurred_time"]),
                            contact_made=made,
                            note=data["note"].strip(),
                            expected_version=data["expected_version"],
                        ),
                    )
                )
                if saved.ok:
                    if made:
                        flash("Contact made and logged. Now record the outcome.", "success")
                        return redirect(url_for("outcomes.choose", case_id=case.id))
                    flash("Contact attempt logged.", "success")
                    return redirect(url_for("cases.show", case_id=case.id))
                errors = saved.errors
    return render_template(
        "cases/contact.html",
        case=case,
        options=options,
        methods=list(CONTACT_METHODS.items()),
        reaches={method.value: sorted(kinds) for method, kinds in REACHES.items()},
        values=values,
        **errors_context(errors),
    ), (400 if errors else 200)
