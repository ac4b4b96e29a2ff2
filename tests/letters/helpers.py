"""Read printed letters back as a person would: page images, QR codes and text."""

from __future__ import annotations

import subprocess
from datetime import timedelta
from pathlib import Path

from sqlalchemy.orm import Session

from fieldvisit.cases.engine import Action, apply
from fieldvisit.cases.models import Case
from fieldvisit.core.dates import utcnow
from fieldvisit.referrals.models import Involvement, Referral, ReferralStatus
from tests.support.factories import World, first_day_for, make_case, make_visit
from tests.support.visits import no_contact_then_triage


def qr_codes(pdf: bytes, folder: Path) -> list[str]:
    """Return the QR code found on each page, in page order (pdftoppm, then zbarimg)."""
    folder.mkdir(parents=True, exist_ok=True)
    source = folder / "letter.pdf"
    source.write_bytes(pdf)
    subprocess.run(["pdftoppm", "-r", "150", "-png", source, folder / "page"], check=True)
    found = []
    for image in sorted(folder.glob("page*.png")):
        result = subprocess.run(
            ["zbarimg", "--quiet", "--raw", "-Sdisable", "-Sqrcode.enable", image],
            capture_output=True,
            text=True,
            check=True,
        )
        found.append(result.stdout.strip())
    return found


def pdf_text(pdf: bytes, folder: Path) -> str:
    source = folder / "text.pdf"
    source.write_bytes(pdf)
    result = subprocess.run(
        ["pdftotext", "-layout", source, "-"], capture_output=True, text=True, check=True
    )
    return result.stdout


def pdf_pages(pdf: bytes, folder: Path) -> int:
    source = folder / "info.pdf"
    source.write_bytes(pdf)
    info = subprocess.run(["pdfinfo", source], capture_output=True, text=True, check=True)
    return int(
        next(line for line in info.stdout.splitlines() if line.startswith("Pages:")).split()[1]
    )


def locating_case(session: Session, world: World, **kwargs) -> Case:
    """A case whose first calls failed and that has been triaged: letters home are due."""
    case = make_case(session, world, **kwargs)
    user = world.school_user if case.school_id == world.school.id else world.other_school_user
    no_contact_then_triage(session, user, case, social_care_involved=True)
    return case


def removal_agreed_case(session: Session, world: World) -> Case:
    """A case referred, accepted five weeks ago, and removal from roll agreed by the LAAO.

    The pupil has been absent 30 school days and one joint enquiry is logged: the grounds of
    regulation 9(1)(i).
    """
    case = locating_case(session, world, first_day=first_day_for(session, world.school, 30))
    make_visit(session, case, world.officer)
    apply(session, case, Action.SUBMIT_REFERRAL, world.school_user)
    referral = Referral(
        case_id=case.id, submitted_by_id=world.school_user.id, submitted_at=utcnow()
    )
    session.add(referral)
    session.flush()
    apply(session, case, Action.ACCEPT_REFERRAL, world.laao)
    referral.status = ReferralStatus.ACCEPTED
    session.add(
        Involvement(
            case_id=case.id,
            referral_id=referral.id,
            laao_id=world.laao.id,
            opened_at=utcnow() - timedelta(days=35),
        )
    )
    session.flush()
    apply(session, case, Action.LOG_ENQUIRY, world.laao)
    apply(session, case, Action.AGREE_REMOVAL, world.laao)
    return case
