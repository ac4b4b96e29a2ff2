"""Admin-editable wording, rendered in a sandbox that sees nothing but the letter's fields."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from flask import current_app, render_template
from jinja2 import TemplateSyntaxError, nodes
from markupsafe import Markup, escape
from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from fieldvisit.accounts.models import User
from fieldvisit.core.audit import audit
from fieldvisit.core.dates import utcnow
from fieldvisit.core.errors import NotAllowed, ValidationFailed
from fieldvisit.core.pdf import render_pdf
from fieldvisit.core.permissions import Permission
from fieldvisit.core.qr import qr_png_data_uri
from fieldvisit.letters.kinds import LetterContext, LetterKind
from fieldvisit.letters.models import Delivery, LetterWording
from fieldvisit.letters.sandbox import render_within_limits, sandbox
from fieldvisit.schools.models import LocalAuthority

MAX_WORDING_CHARS = 20_000
_PARAGRAPH_BREAK = re.compile(r"\n\s*\n")


@dataclass(frozen=True)
class WordingProblem:
    line: int | None
    message: str

    def __str__(self) -> str:
        return f"Line {self.line}: {self.message}" if self.line else self.message


_FORBIDDEN = {
    nodes.Extends: "letters cannot extend other templates",
    nodes.Include: "letters cannot include other templates",
    nodes.Import: "letters cannot import other templates",
    nodes.FromImport: "letters cannot import other templates",
}


def check_wording(kind: LetterKind, source: str) -> list[WordingProblem]:
    """Return what is wrong with this wording; an empty list means it can be saved."""
    if len(source) > MAX_WORDING_CHARS:
        return [
            WordingProblem(None, f"The wording must be {MAX_WORDING_CHARS} characters or fewer")
        ]
    try:
        tree = sandbox.parse(source)
    except TemplateSyntaxError as error:
        return [WordingProblem(error.lineno, error.message or "syntax error")]
    problems = []
    for node_type, message in _FORBIDDEN.items():
        problems += [WordingProblem(n.lineno, message) for n in tree.find_all(node_type)]
    for node in tree.find_all((nodes.Getattr, nodes.Getitem)):
        name = (
            node.attr if isinstance(node, nodes.Getattr) else _constant(getattr(node, "arg", None))
        )
        if isinstance(name, str) and name.startswith("_"):
            problems.append(WordingProblem(node.lineno, f"'{name}' cannot be used in a letter"))
    assigned = {n.name for n in tree.find_all(nodes.Name) if n.ctx in ("store", "param")}
    for node in tree.find_all(nodes.Name):
        if node.ctx == "load" and node.name not in kind.fields and node.name not in assigned:
            problems.append(
                WordingProblem(node.lineno, f"'{node.name}' is not a field this letter has")
            )
    if problems:
        return sorted(set(problems), key=lambda p: (p.line or 0, p.message))
    try:
        render_wording(source, kind.specimen())
    except Exception as error:  # any failure of untrusted wording is reported
        return [WordingProblem(None, f"The wording fails with example details: {error}")]
    return []


def _constant(node: nodes.Node | None) -> Any:
    return node.value if isinstance(node, nodes.Const) else None


def render_wording(source: str, fields: dict[str, str]) -> Markup:
    """Render wording with only the letter's fields; blank lines separate paragraphs."""
    text = render_within_limits(source, fields)
    paragraphs = [p.strip() for p in _PARAGRAPH_BREAK.split(text) if p.strip()]
    return Markup("").join(
        Markup("<p>%s</p>") % Markup("<br>").join(escape(line.strip()) for line in p.splitlines())
        for p in paragraphs
    )


def link_url(token: str) -> str:
    """Return what a letter's QR code holds: <BASE_URL>/l/<token>."""
    return current_app.config["BASE_URL"].rstrip("/") + "/l/" + token


def letter_html(
    kind: LetterKind,
    context: LetterContext,
    body: Markup,
    reference: str,
    link: str,
    *,
    example: bool = False,
) -> str:
    """Put the wording on the kind's page: letterhead, address, reference, QR code, signature."""
    return render_template(
        kind.template,
        kind=kind,
        letter=context,
        body=body,
        reference=reference,
        qr=qr_png_data_uri(link),
        example=example,
    )


def refuse_problems(kind: LetterKind, source: str, message: str) -> None:
    """Raise ValidationFailed listing every problem of the wording, if it has any."""
    if problems := check_wording(kind, source):
        raise ValidationFailed(message, fields={"body": [str(p) for p in problems]})


def preview_pdf(kind: LetterKind, la: LocalAuthority, source: str) -> bytes:
    """Render wording with the kind's example details, marked as an example, for an admin."""
    refuse_problems(kind, source, "The wording has problems, so there is no example to show.")
    fields = kind.specimen() | {"la_name": la.name}
    context = LetterContext(
        fields=fields,
        addressee=fields.get("addressee", "The Headteacher"),
        address_lines=["1 Example Road", "Exampletown", "EX1 1AA"],
        letterhead=[fields["school_name"], "2 School Lane, Exampletown", fields["school_phone"]],
        signatory=["Hayley Head", "Headteacher", fields["school_name"]],
        delivery=Delivery.POST,
    )
    body = render_wording(source, fields)
    return render_pdf(
        letter_html(kind, context, body, fields["reference"], link_url("example"), example=True)
    )


def default_wording(kind: LetterKind) -> str:
    """Return the wording shipped in templates/letters/<kind>/wording.txt."""
    loader = current_app.jinja_loader
    assert loader is not None
    source, _path, _uptodate = loader.get_source(current_app.jinja_env, kind.default_wording)
    return source


def current_wording(
    session: Session, local_authority_id: int, kind: LetterKind
) -> tuple[str, LetterWording | None]:
    """Return the wording in use for the LA, and the saved version it comes from if any."""
    saved = session.scalar(
        select(LetterWording)
        .where(
            LetterWording.local_authority_id == local_authority_id,
            LetterWording.kind == kind.key,
        )
        .order_by(LetterWording.id.desc())
        .limit(1)
    )
    if saved is None:
        return default_wording(kind), None
    return saved.body, saved


def save_wording(
    session: Session, user: User, la: LocalAuthority, kind: LetterKind, body: str
) -> LetterWording:
    """Save a new version of the LA's wording; refuse it, keeping the old, if it has problems."""
    if not user.can(Permission.ADMIN_TEMPLATES):
        raise NotAllowed("Only an administrator can change the wording of letters.")
    body = body.replace("\r\n", "\n")
    refuse_problems(kind, body, "The wording was not saved; the letter keeps its previous wording.")
    wording = LetterWording(
        local_authority_id=la.id,
        kind=kind.key,
        body=body,
        created_by_id=user.id,
        created_at=utcnow(),
    )
    session.add(wording)
    session.flush()
    audit(session, user.id, "update", "letter_wording", wording.id)
    return wording


def wording_history(
    session: Session, local_authority_id: int, kind: LetterKind, limit: int = 10
) -> list[LetterWording]:
    return list(
        session.scalars(
            select(LetterWording)
            .options(joinedload(LetterWording.created_by))
            .where(
                LetterWording.local_authority_id == local_authority_id,
                LetterWording.kind == kind.key,
            )
            .order_by(LetterWording.id.desc())
            .limit(limit)
        )
    )
