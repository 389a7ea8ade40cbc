"""The calendar feed over HTTP: GET /calendar/<token>.ics answers the user's feed as text/calendar
(portal.notify.calendar.feed_for_token), 404 for a token nobody holds. Streamlit pages cannot
answer text/calendar, so this is a Starlette route: mount `routes` (or `app`) beside the portal's
other HTTP routes; calendar apps poll it, so it is cheap and needs no sign-in (the token is the
secret; renewing it on the account page ends the old address)."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from portal.notify.calendar import feed_for_token
from portal.notify.preferences import FEED_PATH


def calendar_feed(request: Request) -> Response:
    """The feed of the token in the path (run in Starlette's thread pool: it reads the database)."""
    body = feed_for_token(request.path_params["token"])
    if body is None:
        return PlainTextResponse("not found", status_code=404)
    return Response(body, media_type="text/calendar; charset=utf-8",
                    headers={"Cache-Control": "private, max-age=300",
                             "Content-Disposition": 'inline; filename="xianyong.ics"'})


routes = [Route(FEED_PATH, calendar_feed, methods=["GET"], name="calendar_feed")]
app = Starlette(routes=routes)
