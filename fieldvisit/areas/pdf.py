"""The CME referral to another LA as a PDF, from what was sent (the referral's `content`)."""

from __future__ import annotations

from flask import render_template

from fieldvisit.areas.models import AreaReferral
from fieldvisit.core.pdf import render_pdf


def area_referral_pdf(referral: AreaReferral) -> bytes:
    return render_pdf(
        render_template("areas/referral_pdf.html", referral=referral, c=referral.content)
    )
