"""Everything that follows from an action on a case, in one list.

The engine (cases/engine.py) carries out each action and publishes what happened
(cases/effects.py); these handlers react, in this order. The app installs them when it is
created.
"""

from __future__ import annotations

from fieldvisit.cases import effects
from fieldvisit.referrals import reactions as la
from fieldvisit.visits import reactions as visits

HANDLERS: tuple[effects.Handler, ...] = (
    # A case that closes, for any reason, closes its CME involvement; the LAAO is told.
    la.close_involvement,
    # After removal from roll, what the school logs on the case reaches the LAAO.
    la.forward_after_removal,
    # A completed home visit ticks the home-visit checklist items.
    visits.tick_home_visit_items,
)


def install() -> None:
    effects.install(HANDLERS)
