"""The public QR intent page as a plain ASGI application: `GET /intent?t=…` draws the form,
`POST /intent?t=…` submits it through `portal.roadshows.intents.submit_intent` (the same
validation, receipt and once-only key as before) and answers with the receipt or the form again
with each refusal beside its field. No websocket and no JavaScript: a phone's first visit is one
~6 kB document.

Served in the Streamlit process by `portal/server.py` (one `portal serve`), or alone for a proxy
(`uvicorn --factory portal.web.public:create_app`; `portal serve --workers N` starts it on the port after the
Streamlit processes). Language: `?lang=` (the page's link), else the browser's Accept-Language.

CSRF: the first answer sets a random cookie; every form carries HMAC(cookie key, cookie · form
key) and a POST whose cookie and token do not match is answered with the form again (nothing
stored). A cross-site page can neither read nor set that cookie.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from urllib.parse import urlencode

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from db.engine import configure
from portal.core.errors import NotFound, PortalError, ValidationError
from portal.core.i18n import DEFAULT_LANGUAGE, LANGUAGES, t
from portal.core.settings import get_settings
from portal.notify.calendar_feed import routes as calendar_routes
from portal.roadshows.intents import PublicItem, public_item, submit_intent
from portal.roadshows.links import INTENT_PAGE
from portal.web.intent_page import (
    FIELD_OF,
    FIELDS,
    FormState,
    form_page,
    message_page,
    receipt_page,
)

log = logging.getLogger("portal.public")
CSRF_COOKIE = "portal_csrf"
MAX_BODY = 16 * 1024  # the form's fields add up to ~1.3 k characters
HEADERS = {
    "Cache-Control": "no-store",  # a receipt is the visitor's own; never kept by a proxy
    "Referrer-Policy": "no-referrer",  # the token in the address stays on this site
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; "
                               "form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
}


def language(request: Request) -> str:
    """?lang= when it names a known language, else the first known one in Accept-Language."""
    asked = request.query_params.get("lang", "")
    if asked in LANGUAGES:
        return asked
    ranked = []
    for n, part in enumerate(request.headers.get("accept-language", "").split(",")):
        tag, _, q = part.strip().partition(";q=")
        try:
            weight = float(q) if q else 1.0
        except ValueError:
            weight = 0.0
        ranked.append((-weight, n, tag.strip().lower()[:2]))
    for _, _, tag in sorted(ranked):
        if tag in LANGUAGES:
            return tag
    return DEFAULT_LANGUAGE


def _secret() -> bytes:
    return get_settings().resolved_cookie_key().encode()


def csrf_token(cookie: str, form_key: str) -> str:
    """The token a form carries for this browser's cookie and this form instance."""
    return hmac.new(_secret(), f"{cookie}\x00{form_key}".encode(), hashlib.sha256).hexdigest()


def _csrf_ok(request: Request, form: dict[str, str]) -> bool:
    cookie = request.cookies.get(CSRF_COOKIE, "")
    return bool(cookie and form.get("form_key")) and hmac.compare_digest(
        csrf_token(cookie, form["form_key"]), form.get("csrf", ""))


def _html(body: str, status: int = 200, *, cookie: str | None = None, secure: bool = False) -> HTMLResponse:
    response = HTMLResponse(body, status_code=status, headers=HEADERS)
    if cookie:
        response.set_cookie(CSRF_COOKIE, cookie, httponly=True, samesite="lax", secure=secure, path="/")
    return response


def _fresh_form(request: Request, state: FormState) -> tuple[FormState, str | None]:
    """state with its keys: the browser's CSRF cookie (a new one when it has none) and a token."""
    cookie = request.cookies.get(CSRF_COOKIE)
    new_cookie = None
    if not cookie:
        cookie = new_cookie = secrets.token_urlsafe(24)
    state.form_key = state.form_key or secrets.token_urlsafe(16)
    state.csrf = csrf_token(cookie, state.form_key)
    return state, new_cookie


def _form_response(request: Request, item: PublicItem, token: str, lang: str, state: FormState,
                   status: int = 200) -> HTMLResponse:
    state, cookie = _fresh_form(request, state)
    return _html(form_page(item, token, lang, state), status, cookie=cookie,
                 secure=request.url.scheme == "https")


async def _item(token: str) -> PublicItem:
    return await run_in_threadpool(public_item, token=token)


async def show_form(request: Request) -> Response:
    """GET: the result's card and an empty form."""
    lang = language(request)
    token = request.query_params.get("t", "")
    try:
        item = await _item(token)
    except NotFound:
        return _html(message_page(lang, "intents.bad_link"), 404)
    return _form_response(request, item, token, lang, FormState())


def _submit(token: str, form: dict[str, str], wants: list[str]):  # noqa: ANN202
    fields = dict(token=token, company_name=form.get("company_name", ""), credit_code=form.get("credit_code", ""),
                  contact_person=form.get("contact_person", ""), phone=form.get("phone", ""), wants=wants,
                  note=form.get("note", ""), idempotency_key=form.get("form_key") or None)
    try:
        return submit_intent(**fields)
    except ValidationError as err:
        if err.key != "error.already_submitted":
            raise
        return submit_intent(**fields)  # a twin of this tap committed first: its receipt


async def submit_form(request: Request) -> Response:
    """POST: submit once; the receipt, or the form again with the refusal beside its field."""
    token = request.query_params.get("t", "")
    if int(request.headers.get("content-length") or 0) > MAX_BODY:
        return _html(message_page(language(request), "web.too_large"), 413)
    async with request.form(max_files=0, max_fields=20) as data:
        form = {k: str(v) for k, v in data.items() if k != "wants"}
        wants = [str(w) for w in data.getlist("wants")]
    lang = form.get("lang") if form.get("lang") in LANGUAGES else language(request)
    try:
        item = await _item(token)
    except NotFound:
        return _html(message_page(lang, "intents.bad_link"), 404)
    state = FormState(values={k: form.get(k, "") for k in FIELDS if k != "wants"}, wants=tuple(wants),
                      form_key=form.get("form_key", ""))
    if not _csrf_ok(request, form):
        state.form_key = ""  # a new instance: the one the page came with was not this browser's
        state.errors[""] = t("web.expired", lang)
        return _form_response(request, item, token, lang, state, 403)
    try:
        receipt = await run_in_threadpool(_submit, token, form, wants)
    except NotFound:
        return _html(message_page(lang, "intents.bad_link"), 404)
    except PortalError as err:
        state.errors[FIELD_OF.get(err.field or "", "")] = err.message(lang)
        return _form_response(request, item, token, lang, state, 422)
    return _html(receipt_page(item, token, lang, receipt))


async def legacy_page(request: Request) -> Response:
    """/intent/?t=… (a trailing slash some QR readers add) → the page."""
    return RedirectResponse(f"/{INTENT_PAGE}?{urlencode(request.query_params)}", 308)


async def health(_request: Request) -> Response:
    """For the proxy and the supervisor."""
    return Response("ok", media_type="text/plain")


def _guarded(endpoint):  # noqa: ANN001, ANN202
    """An unexpected error is logged and the visitor reads a message, not a traceback."""
    async def guarded(request: Request) -> Response:
        try:
            return await endpoint(request)
        except Exception:  # noqa: BLE001
            log.exception("public intent page failed")
            return _html(message_page(language(request), "error.unexpected"), 500)

    return guarded


routes = [
    Route(f"/{INTENT_PAGE}", _guarded(show_form), methods=["GET", "HEAD"]),
    Route(f"/{INTENT_PAGE}", _guarded(submit_form), methods=["POST"]),
    Route(f"/{INTENT_PAGE}/", legacy_page, methods=["GET"]),
    *calendar_routes,  # each user's calendar subscription: plain HTTP, no sign-in (the token is the secret)
]


def create_app() -> Starlette:
    """The public page alone (its own process behind a proxy), on the configured database."""
    configure()
    return Starlette(routes=[*routes, Route("/public-health", health)])
