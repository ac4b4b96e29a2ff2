"""What every page shares: sign-in, CSRF, security headers, errors, commit."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any, Generic, TypeVar, cast
from urllib.parse import urlsplit

from flask import Flask, abort, current_app, g, jsonify, render_template, request, url_for
from flask_login import LoginManager, current_user, login_required
from flask_wtf.csrf import CSRFError, CSRFProtect
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException, MethodNotAllowed
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

from fieldvisit.core.addresses import one_line
from fieldvisit.core.api import signed_out
from fieldvisit.core.dates import format_date, format_datetime, format_due
from fieldvisit.core.db import MAX_ID, commit_kept_aside, db
from fieldvisit.core.errors import CaseChanged, DomainError, NotAllowed, NotFound
from fieldvisit.core.forms import form_errors
from fieldvisit.core.permissions import Permission
from fieldvisit.core.references import case_reference

F = TypeVar("F", bound=Callable[..., Any])
T = TypeVar("T")

csrf = CSRFProtect()
login_manager = LoginManager()
login_manager.login_view = "accounts.login"
login_manager.login_message = "Sign in to continue."
login_manager.login_message_category = "info"
# Not tied to the client's address: a phone that moves from Wi-Fi to 4G stays signed in.
# Sessions end by the limits in accounts/sessions.py and by the user's session nonce;
# accounts/sessions.py loads the signed-in user.
login_manager.session_protection = None


def permission_required(permission: Permission) -> Callable[[F], F]:
    """Refuse the view unless the signed-in user's roles grant this permission."""

    def decorator(view: F) -> F:
        @wraps(view)
        @login_required
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not current_user.can(permission):
                abort(403, "Your role does not give you access to this page.")
            return view(*args, **kwargs)

        return cast(F, wrapped)

    return decorator


def commit() -> None:
    """Commit the request's work once; a concurrent edit becomes CaseChanged."""
    try:
        db.session.commit()
        commit_kept_aside(db.session)
    except StaleDataError:
        db.session.rollback()
        raise CaseChanged() from None
    except IntegrityError as error:
        db.session.rollback()
        if "chronology_entries" in str(error.orig):
            raise CaseChanged() from None
        raise


@dataclass(frozen=True)
class Saved(Generic[T]):
    """What a posted form's service did: its result, or the refusal to show on the form."""

    value: T | None = None
    refusal: DomainError | None = None
    field: str = "_schema"

    @property
    def ok(self) -> bool:
        return self.refusal is None

    @property
    def errors(self) -> dict[str, list[str]]:
        return form_errors(self.refusal, self.field) if self.refusal else {}

    @property
    def status(self) -> int:
        return self.refusal.status if self.refusal else 200


def save(work: Callable[[], T], *, field: str = "_schema") -> Saved[T]:
    """The post cycle after the schema, for every form: run the service, commit once.

    A refusal (invalid, blocked, changed meanwhile) rolls back and comes back as the form's
    errors, on `field` when it names none; an access refusal (NotAllowed, NotFound) rolls
    back and goes on to the 403 or 404 page.
    """
    try:
        value = work()
        commit()
    except (NotAllowed, NotFound):
        db.session.rollback()
        raise
    except DomainError as error:
        db.session.rollback()
        current_app.logger.info("form refused: %s", error.code)
        return Saved(refusal=error, field=field)
    return Saved(value)


# Where each person lands after signing in, from the service name in the header and from
# "/": the first of these their roles allow. The school office works from its cases, the LAAO
# from the referral queue, the officer from their visits, the administrator from the settings.
HOMES: tuple[tuple[Permission, str], ...] = (
    (Permission.CASES_OPEN, "cases.index"),
    (Permission.REFERRALS_DECIDE, "la.queue"),
    (Permission.VISITS_RECORD, "visits.index"),
    (Permission.ADMIN_USERS, "admin.index"),
)


def home_endpoint(user: Any) -> str:
    """Return the endpoint of the user's home page (HOMES)."""
    return next(
        (endpoint for permission, endpoint in HOMES if user.can(permission)), "account.account"
    )


def home_url(user: Any) -> str:
    return url_for(home_endpoint(user))


def _nav_items() -> list[dict[str, Any]]:
    """Return the service navigation for the signed-in user's roles."""
    items: list[dict[str, Any]] = []
    if current_user.can(Permission.CASES_OPEN):
        items.append({"text": "Cases", "href": url_for("cases.index"), "endpoint": "cases.index"})
    if current_user.can(Permission.PUPILS_MANAGE):
        items.append(
            {"text": "Pupils", "href": url_for("cases.pupil_list"), "endpoint": "cases.pupil_list"}
        )
    if current_user.can(Permission.PUPILS_MANAGE):
        items.append(
            {
                "text": "Notices to the LA",
                "href": url_for("notices.school_notices"),
                "endpoint": "notices.school_notices",
            }
        )
    if current_user.can(Permission.VISITS_RECORD):
        items.append(
            {"text": "Home visits", "href": url_for("visits.index"), "endpoint": "visits.index"}
        )
    if current_user.can(Permission.ADMIN_USERS):
        items.append({"text": "Admin", "href": url_for("admin.index"), "endpoint": "admin.index"})
    if current_user.can(Permission.LETTERS_PRINT):
        items.append(
            {"text": "Print letters", "href": url_for("letters.batch"), "endpoint": "letters.batch"}
        )
    if current_user.can(Permission.REFERRALS_DECIDE):
        items.append({"text": "Referrals", "href": url_for("la.queue"), "endpoint": "la.queue"})
    if current_user.can(Permission.REFERRALS_DECIDE):
        items.append(
            {"text": "Notices", "href": url_for("notices.inbox"), "endpoint": "notices.inbox"}
        )
    if current_user.can(Permission.LA_REPORTS):
        items.append(
            {"text": "Overview", "href": url_for("la.overview"), "endpoint": "la.overview"}
        )
    items.append(
        {"text": "Your account", "href": url_for("account.account"), "endpoint": "account.account"}
    )
    for item in items:
        item["active"] = request.endpoint == item["endpoint"]
    return items


# Browsers keep Secure cookies from plain http only for this machine's own names.
LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})
HTTPS_NEEDED = (
    "Signing in at this address needs https: over plain http your browser does not keep "
    "the sign-in cookie. Open the https address instead (on a trial machine, "
    "fieldvisit serve --https gives one), or, for a local trial only, set "
    "FIELDVISIT_SESSION_COOKIE_SECURE=false."
)
HSTS = "max-age=31536000"
_TITLES = {404: "Page not found", 403: "You cannot see this page", 429: "Too many attempts"}


def https_needed() -> bool:
    """Whether signing in cannot work here: the session cookie is Secure, and this request
    came over plain http to an address other than this machine's own."""
    if request.is_secure or not current_app.config.get("SESSION_COOKIE_SECURE"):
        return False
    host = urlsplit(f"//{request.host}").hostname or ""
    return host not in LOCAL_HOSTS and not host.endswith(".localhost")


def wants_json() -> bool:
    return request.path.startswith("/api/") or request.path.startswith("/app/api")


class _BehindProxies:
    """Take the client's address (and scheme) from X-Forwarded-For (-Proto) as far as the
    configured number of reverse proxies vouch for it; with none, from the connection."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.wsgi_app = app.wsgi_app

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        count = int(self.app.config.get("PROXY_COUNT") or 0)
        if count <= 0:
            return self.wsgi_app(environ, start_response)
        return ProxyFix(self.wsgi_app, x_for=count, x_proto=count)(environ, start_response)


class _DatabaseInteger(IntegerConverter):
    """An id or number in a path: one too big for the database's ids (2^31 and over)
    matches no route, so it is a 404 rather than an overflow in the query."""

    def __init__(self, map: Any, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


def init_app(app: Flask) -> None:
    app.wsgi_app = _BehindProxies(app)  # type: ignore[method-assign]
    app.url_map.converters["int"] = _DatabaseInteger
    csrf.init_app(app)
    login_manager.init_app(app)
    app.jinja_env.filters["date"] = format_date
    app.jinja_env.filters["datetime"] = format_datetime
    app.jinja_env.filters["due"] = format_due
    app.jinja_env.filters["address"] = one_line
    app.jinja_env.filters["case_reference"] = case_reference
    app.jinja_env.globals["nav_items"] = _nav_items
    app.jinja_env.globals["home_url"] = lambda: home_url(current_user)
    app.jinja_env.globals["https_needed"] = https_needed
    app.jinja_env.globals["https_needed_message"] = HTTPS_NEEDED

    @app.before_request
    def _forget_previous_user() -> None:
        # Each request finds its own user, even when an app context outlives one request.
        g.pop("_login_user", None)

    @app.after_request
    def _security_headers(response: Any) -> Any:
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; script-src 'self'; style-src 'self'; "
            "img-src 'self' data: blob:; connect-src 'self'; font-src 'self'; "
            "object-src 'none'; base-uri 'none'; form-action 'self'; "
            "frame-ancestors 'none'; manifest-src 'self'; worker-src 'self'",
        )
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Permissions-Policy", "geolocation=(self), camera=(self)")
        if request.is_secure:  # over TLS, or a trusted proxy's X-Forwarded-Proto says so
            response.headers.setdefault("Strict-Transport-Security", HSTS)
        if current_user.is_authenticated and not request.path.startswith("/static/"):
            response.headers.setdefault("Cache-Control", "no-store")
        return response

    @app.errorhandler(DomainError)
    def _domain_error(error: DomainError) -> Any:
        if wants_json():
            return jsonify(error.to_json()), error.status
        return render_template(
            "error.html", title="There is a problem", message=error.message
        ), error.status

    @app.errorhandler(CSRFError)
    def _csrf_error(error: CSRFError) -> Any:
        message = "Your form expired or came from another site. Go back, reload and try again."
        if wants_json():
            if (unsigned := signed_out()) is not None:  # signed out says more than "no token"
                return jsonify(unsigned.to_json()), unsigned.status
            return jsonify({"error": {"code": "csrf", "message": message}}), 400
        if request.endpoint == "accounts.login" and https_needed():
            # The browser dropped the Secure session cookie, and the CSRF token with it.
            errors = [{"text": HTTPS_NEEDED, "href": "#main-content"}]
            return render_template(
                "accounts/login.html", errors={}, error_list=errors, values={}
            ), 400
        return render_template("error.html", title="There is a problem", message=message), 400

    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException) -> Any:
        if wants_json():
            body = {
                "error": {
                    "code": error.name.lower().replace(" ", "_"),
                    "message": error.description,
                }
            }
            response = jsonify(body)
        else:
            title = _TITLES.get(error.code or 500, error.name)
            response = current_app.make_response(
                render_template("error.html", title=title, message=error.description)
            )
        response.status_code = error.code or 500
        if isinstance(error, MethodNotAllowed) and error.valid_methods:
            response.headers["Allow"] = ", ".join(sorted(error.valid_methods))
        return response
