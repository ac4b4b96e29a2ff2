"""Every kind of email fieldvisit sends, in one list.

Each domain declares the kinds it sends next to the code that sends them (a
`core.mail.EmailKind`: key, subject, recipients rule; the body is
`templates/emails/<key>.txt`). tests/test_emails.py renders each one and checks that no
child's details can appear in it.
"""

from __future__ import annotations

from fieldvisit.admin.services import ACCOUNT_CREATED, PASSWORD_SET_BY_ADMIN
from fieldvisit.cases.reminders import OVERDUE_REMINDERS
from fieldvisit.cases.services import CONCERN_RAISED
from fieldvisit.core.mail import EmailKind
from fieldvisit.notices.reminders import NOTICES_LATE
from fieldvisit.outcomes.services import EHE_ALERT
from fieldvisit.referrals import notify
from fieldvisit.visits.services import VISIT_ASSIGNED, VISIT_CANCELLED

EMAILS: dict[str, EmailKind] = {
    kind.key: kind
    for kind in (
        # The school office and the LA, about cases.
        CONCERN_RAISED,
        OVERDUE_REMINDERS,
        NOTICES_LATE,
        notify.REFERRAL_SUBMITTED,
        notify.REFERRAL_RETURNED,
        notify.REFERRAL_ACCEPTED,
        notify.LAAO_REASSIGNED,
        notify.REMOVAL_AGREED,
        notify.REMOVAL_WITHDRAWN,
        notify.ENTRY_AFTER_REMOVAL,
        notify.INVOLVEMENT_CLOSED,
        EHE_ALERT,
        # The attendance officers, about their visits.
        VISIT_ASSIGNED,
        VISIT_CANCELLED,
        # Account holders, about their accounts.
        ACCOUNT_CREATED,
        PASSWORD_SET_BY_ADMIN,
    )
}
