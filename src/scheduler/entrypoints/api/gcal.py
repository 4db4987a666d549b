"""Google Calendar push notifications: POST /api/gcal/notifications/.

Google posts an empty body with X-Goog-* headers. A notification is ours when its channel id
is one we opened and still open, X-Goog-Channel-Token is that channel's token and
X-Goog-Resource-ID the resource Google gave it; it only says "something changed", so it asks
for a pull of the doctor's busy times (the pull reads what changed). Pulls are coalesced: a
burst of notifications, or a replayed one, queues one pull at a time.
"""

from __future__ import annotations

from datetime import UTC, datetime

from django.http import HttpRequest, HttpResponse
from django.urls import URLPattern, path
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from scheduler.adapters.gcal import actors, watch
from scheduler.adapters.gcal.models import CalendarConnection


@csrf_exempt
@require_POST
def notifications(request: HttpRequest) -> HttpResponse:
    feed = watch.feed_for(
        request.headers.get("X-Goog-Channel-ID", ""),
        request.headers.get("X-Goog-Channel-Token", ""),
        request.headers.get("X-Goog-Resource-ID", ""),
        now=datetime.now(UTC),
    )
    if feed is None:
        return HttpResponse(status=403)
    state = request.headers.get("X-Goog-Resource-State", "")
    if state != "sync" and feed.connection.state == CalendarConnection.State.CONNECTED:
        actors.request_pull(feed.connection.doctor_id)
    return HttpResponse(status=204)


urlpatterns: list[URLPattern] = [
    path("notifications/", notifications, name="gcal-notifications"),
]
