"""A site of server-rendered pages with logins (the callback user's ``/my``, the click-to-call
company's ``/company``): where it is served, its templates (Jinja2, autoescape on, undefined
names an error), its stylesheet and script, its session cookie (``web.session``, under the
site's own name and key), and how one request is answered.

A page handler gets a ``Visit``: the session (a new anonymous one if the request had none valid),
the form fields of a POST, the query and where the pages are served. Every form is an
``application/x-www-form-urlencoded`` POST carrying the session's CSRF token; a POST whose token
does not match is refused (403) and changes nothing. A POST that worked redirects (303) to a page
of the site that shows what was done (POST-redirect-GET). A private page without a session
redirects to the login. Redirects go to the site's own fixed paths only, never to a URL a request
named. Every answer carries the security headers: a Content-Security-Policy that allows no inline
script or style and no framing (a page's script may fetch from its own origin only),
``X-Frame-Options: DENY``, ``nosniff``, a same-origin referrer and ``Cache-Control: no-store``
on every page. Each page runs under the REST deadline; a stage without
a session key answers 503 and anything unexpected is logged and answered 500, as a page.

Also the site's entry routes (its root, static files, login and logout) and the words of amounts
and durations the sites share. Imports Chalice, Jinja2 (on the first page), the settings, the
wiring, the deadline, the logger, ``web.session`` and ``web.logins``' errors; must not import a
product package, the store or pynamodb.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property, partial
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs

from chalice.app import Blueprint, Response

from chalicelib.ops.deadline import deadline
from chalicelib.ops.observability import logger
from chalicelib.web import session as sessions
from chalicelib.web.logins import LoginLockedError, LoginRefusedError
from chalicelib.wiring import container

if TYPE_CHECKING:
    from jinja2 import Environment

FORM = ["application/x-www-form-urlencoded"]
MAX_FORM_BYTES = 4096
MAX_FORM_FIELDS = 40
HERE = Path(__file__).resolve().parent
SHARED_STATIC = {"site.css": "text/css; charset=utf-8"}
"""The stylesheet every site's pages share (``web/static``); a site's own adds to it."""
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self'; "
        "connect-src 'self'; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}
LASTING = "public, max-age=31536000, immutable"
"""The cache of a static file whose name changes with its content."""
STALE_FORM = (
    "This form has expired or did not come from this site. Nothing was changed: reload the "
    "page and try again."
)
TOO_LARGE = (
    "This form is too long or holds characters a form cannot send. Nothing was changed: shorten"
    " what you typed and try again."
)
UNAVAILABLE = "These pages are not available on this service yet."
BROKEN = "Something went wrong on our side. Nothing was changed; try again later."


def money(value: Decimal, currency: str) -> str:
    """``10.5`` EUR as ``10.50 EUR``: at least two decimals, never fewer than stored."""
    exponent = value.as_tuple().exponent
    short = isinstance(exponent, int) and exponent > -2
    shown = value.quantize(Decimal("0.01")) if short else value
    return f"{shown:f} {currency}"


def duration(seconds: int) -> str:
    """95 seconds as ``1:35``; an hour or more as ``1:01:05``."""
    hours, rest = divmod(int(seconds), 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def headers(extra: Mapping[str, str] | None = None, *, private: bool = True) -> dict[str, Any]:
    """The security headers, ``no-store`` on a page, and ``extra``."""
    cache_control = "no-store" if private else "public, max-age=3600"
    return {**SECURITY_HEADERS, "Cache-Control": cache_control, **(extra or {})}


def parse_form(
    raw: str | bytes | None,
    max_fields: int = MAX_FORM_FIELDS,
    max_bytes: int = MAX_FORM_BYTES,
) -> dict[str, str] | None:
    """A form body's fields (the first value of each), None if it is too large or not text."""
    if raw is None:
        return {}
    if isinstance(raw, str):
        raw = raw.encode()
    if len(raw) > max_bytes:
        return None
    try:
        text = raw.decode("ascii")
    except UnicodeDecodeError:
        return None
    try:
        fields = parse_qs(text, keep_blank_values=True, max_num_fields=max_fields, errors="strict")
    except ValueError:
        return None
    return {name: values[0] for name, values in fields.items()}


@dataclass(frozen=True)
class Site:
    """One site: its path prefix, its package folder (``templates/`` and ``static/``), the
    static files it serves, its cookie's name and its key's purpose."""

    prefix: str
    folder: Path
    static_types: Mapping[str, str]
    cookie: str
    purpose: bytes
    filters: Mapping[str, Callable[..., Any]] = field(default_factory=dict)
    max_form_bytes: int = MAX_FORM_BYTES
    """The longest form body a page takes (a longer one changes nothing and says so)."""
    lasting: frozenset[str] = frozenset()
    """Static files whose name carries their version (a vendored script): cached for a year."""

    @cached_property
    def environment(self) -> Environment:
        """The templates' environment; Jinja2 is imported on the first page, never on a cold
        start that serves none."""
        from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

        env = Environment(
            loader=FileSystemLoader(str(self.folder / "templates")),
            autoescape=select_autoescape(default=True, default_for_string=True),
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        env.filters["duration"] = duration
        env.filters.update(self.filters)
        return env

    def page(
        self,
        template: str,
        context: Mapping[str, Any],
        status: int = 200,
        cookie: str | None = None,
    ) -> Response:
        """A rendered page, with the session cookie to set (if any)."""
        body = self.environment.get_template(template).render(**context)
        extra = {"Content-Type": "text/html; charset=utf-8"}
        if cookie is not None:
            extra["Set-Cookie"] = cookie
        return Response(body=body, status_code=status, headers=headers(extra))

    def redirect(self, base: str, path: str, cookie: str | None = None) -> Response:
        """303 See Other to one of the pages (``path`` is a constant of the site, or made of
        ids the site checked, never a request's URL), with the session cookie to set."""
        extra = {"Location": f"{base}{self.prefix}{path}"}
        extra["Content-Type"] = "text/html; charset=utf-8"
        if cookie is not None:
            extra["Set-Cookie"] = cookie
        return Response(body="", status_code=303, headers=headers(extra))

    def static(self, name: str) -> Response:
        """The shared stylesheet, or one of the site's own stylesheet and script; 404 for any
        other name."""
        if name in SHARED_STATIC:
            text = (HERE / "static" / name).read_text(encoding="utf-8")
            extra = {"Content-Type": SHARED_STATIC[name]}
            return Response(body=text, status_code=200, headers=headers(extra, private=False))
        if name not in self.static_types:
            return Response(
                body="<p>Not found.</p>",
                status_code=404,
                headers=headers({"Content-Type": "text/html; charset=utf-8"}),
            )
        text = (self.folder / "static" / name).read_text(encoding="utf-8")
        extra = {"Content-Type": self.static_types[name]}
        if name in self.lasting:
            extra["Cache-Control"] = LASTING
        return Response(body=text, status_code=200, headers=headers(extra, private=False))

    def bare(self, message: str, status: int) -> Response:
        """A page that says only ``message`` (no session to link back with)."""
        context = {"base": "", "csrf": "", "notice": "", "error": "", "message": message}
        return self.page("refused.html", context, status)

    def handler(
        self, blueprint: Blueprint, private: bool = True, post: bool = False
    ) -> Callable[[Handler], Callable[..., Response]]:
        """Run a page handler on its visit (see the module), with the route's URL parameters
        as keyword arguments."""

        def wrap(handler: Handler) -> Callable[..., Response]:
            def run(**params: str) -> Response:
                try:
                    with deadline(container().settings.rest_deadline_seconds):
                        visit = self.visit(blueprint, private, post)
                        if isinstance(visit, Response):
                            return visit
                        return handler(visit, **params)
                except sessions.PortalNotConfiguredError:
                    logger.error("site %s: RINGFLOW_PORTAL_SECRET is not set", self.prefix)
                    return self.bare(UNAVAILABLE, 503)
                except Exception:
                    logger.exception("site %s: request failed", self.prefix)
                    return self.bare(BROKEN, 500)

            run.__name__ = handler.__name__
            run.__doc__ = handler.__doc__
            return run

        return wrap

    def entry_routes(
        self,
        blueprint: Blueprint,
        logins: Callable[[], Any],
        field: str,
        home: str,
        longest: int = 64,
    ) -> None:
        """Register the site's entry (its prefix: ``home`` when logged in, else the login),
        ``static/{name}``, ``login`` (GET the form; POST ``field`` and ``password``, checked by
        ``logins()``'s ``log_in``: ``web.logins``) and ``logout`` (POST) on ``blueprint``. The
        login form is ``login.html``, given the typed id as ``field``."""

        def root(visit: Visit) -> Response:
            """The pages' entry: home when logged in, else the login."""
            return visit.go(home if visit.session.logged_in else "/login")

        def static(name: str) -> Response:
            """The stylesheets and the script."""
            return self.static(name)

        def login_form(visit: Visit) -> Response:
            """The login form (a logged-in visitor goes home)."""
            if visit.session.logged_in:
                return self.redirect(visit.base, home)
            typed: dict[str, Any] = {field: ""}
            return visit.show("login.html", 200, **typed)

        def login(visit: Visit) -> Response:
            """Log in: a new session (a new CSRF token), or the form again with why not."""
            typed = visit.form.get(field, "")[:longest]
            try:
                logged_in = logins().log_in(typed, visit.form.get("password", ""))
            except LoginRefusedError as refused:
                status = 429 if isinstance(refused, LoginLockedError) else 401
                return visit.show("login.html", status, error=str(refused), **{field: typed})
            return visit.log_in(logged_in, home)

        def logout(visit: Visit) -> Response:
            """Log out: the session is replaced by an anonymous one."""
            return visit.log_out("/login", "You are logged out.")

        name = self.prefix.strip("/")
        for function in (root, static, login_form, login, logout):
            function.__name__ = f"{name}_{function.__name__}"
        page = partial(self.handler, blueprint)
        blueprint.route(self.prefix, methods=["GET"])(page(private=False)(root))
        blueprint.route(self.prefix + "/static/{name}", methods=["GET"])(static)
        blueprint.route(self.prefix + "/login", methods=["GET"])(page(private=False)(login_form))
        blueprint.route(self.prefix + "/login", methods=["POST"], content_types=FORM)(
            page(private=False, post=True)(login)
        )
        blueprint.route(self.prefix + "/logout", methods=["POST"], content_types=FORM)(
            page(post=True)(logout)
        )

    def visit(self, blueprint: Blueprint, private: bool, post: bool) -> Visit | Response:
        """The visit of the current request, or the answer that ends it (login, stale form)."""
        settings = container().settings
        request = blueprint.current_request
        key = sessions.signing_key(settings, self.purpose)
        base = sessions.base_path(settings)
        secure = settings.public_base_url.startswith("https://") or settings.stage != "local"
        now = container().clock()
        found = sessions.from_header(request.headers.get("cookie"), key, now, self.cookie)
        form = parse_form(request.raw_body, max_bytes=self.max_form_bytes) if post else {}
        query = {name: str(value) for name, value in (request.query_params or {}).items()}
        session = found or sessions.new_session("", now)
        visit = Visit(self, session, form or {}, query, base, key, secure, not found)
        if post and form is None:
            return self.page("refused.html", visit.context(message=TOO_LARGE), 413, visit.cookie())
        if post and not sessions.token_matches(found, (form or {}).get("csrf")):
            return self.page("refused.html", visit.context(message=STALE_FORM), 403, visit.cookie())
        if private and not visit.session.logged_in:
            return self.redirect(base, "/login", visit.cookie())
        return visit


@dataclass
class Visit:
    """The request a page answers: its site, its session (a new anonymous one if it had none
    valid), its form fields (a POST), its query and where the pages are served."""

    site: Site
    session: sessions.Session
    form: dict[str, str]
    query: dict[str, str]
    base: str
    key: bytes
    secure: bool
    fresh: bool

    def cookie(self, session: sessions.Session | None = None) -> str:
        """The ``Set-Cookie`` value that keeps ``session`` (default: this visit's)."""
        value = sessions.encode(session or self.session, self.key)
        max_age = int(sessions.LIFETIME.total_seconds())
        return sessions.set_cookie(value, self.path, self.secure, max_age, self.site.cookie)

    @property
    def path(self) -> str:
        return f"{self.base}{self.site.prefix}"

    def context(self, **values: Any) -> dict[str, Any]:
        """A template's context: the links' base, the CSRF token, the notice, ``values``."""
        return {
            "base": self.path,
            "csrf": self.session.csrf,
            "notice": self.session.notice,
            "error": "",
            **values,
        }

    def show(self, template: str, status: int = 200, **values: Any) -> Response:
        """Render a page; a shown notice is dropped from the session (set again)."""
        context = self.context(**values)
        if self.session.notice or self.fresh:
            cookie = self.cookie(self.session.with_notice(""))
            return self.site.page(template, context, status, cookie)
        return self.site.page(template, context, status)

    def done(self, path: str, notice: str, session: sessions.Session | None = None) -> Response:
        """Redirect to a page of the site that will show ``notice``."""
        kept = (session or self.session).with_notice(notice)
        return self.site.redirect(self.base, path, self.cookie(kept))

    def go(self, path: str) -> Response:
        """Redirect to a page of the site, keeping the session as it is."""
        return self.site.redirect(self.base, path, self.cookie())

    def log_in(self, account_id: str, path: str) -> Response:
        """A new session (a new CSRF token: no session fixation) for ``account_id``."""
        return self.done(path, "", sessions.new_session(account_id, container().clock()))

    def log_out(self, path: str, notice: str) -> Response:
        """The session replaced by an anonymous one."""
        return self.done(path, notice, sessions.new_session("", container().clock()))


Handler = Callable[..., Response]
"""A page: ``handler(visit, **url_parameters) -> Response``."""
