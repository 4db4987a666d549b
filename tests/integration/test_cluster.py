"""The production runtime as a small cluster on this machine: two ``scheduler serve`` and two
``scheduler worker`` processes on one PostgreSQL, one redis-server of the test's own and an SMTP
sink, all on loopback, sharing one channel prefix and one Dramatiq namespace.

Patients book, move and cancel on a small grid through both web processes at once (so some
requests conflict), while sockets on both processes watch that grid. Midway one worker and one
web process are killed (SIGKILL) and replaced by new processes with the same settings; the
sockets of the killed one open again on its replacement. Then: no two active visits overlap, the
outbox drains, every socket's grid converges on the database's, and every message due (at once,
or a reminder that fell due during the run) reached the sink once, and the doctor's calendar
(a fake Google on loopback) holds one event for each active visit, at its time, and no other.

Every socket got the deltas of each appointment in version order, whichever process relayed
them (adapters/outbox.py keeps an appointment's events in order across relays, and a killed
one's claims pass to another when their lease ends): on one connection, no delta ever came
after a newer one of the same appointment. A delta older than the snapshot it follows is still
fine (the snapshot was read after that event was committed, and a reopened socket takes a new
snapshot), and is dropped by its version, as the pages do; the counts are printed.
"""

from __future__ import annotations

import http.client
import json
import os
import random
import signal
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections import Counter
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from rest_framework_simplejwt.tokens import AccessToken

from scheduler.adapters import realtime
from scheduler.adapters.notify.models import Channel, Notification, ReminderOffset
from scheduler.adapters.orm import models as rows
from tests import factories, gcal_fake
from tests.gcal_fake import FakeGoogle
from tests.loopback import FaultRig, WorkerProcess, fault_rig, wait_for
from tests.servers import Server, serving
from tests.slot_watchers import Watchers

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

PATIENTS = 8
ROUNDS = 6  # requests per patient in each half of the run
MORNING = [(10, 0), (10, 30), (11, 0), (11, 30), (12, 0), (12, 30)]  # six slots: conflicts
DAYS_AHEAD = 3
SOCKETS_PER_WEB = 3
WORKER_THREADS = 2
REMINDERS_DUE_IN = timedelta(seconds=15)
HTTP_SECONDS = 15
# A process killed while it held claimed outbox rows leaves them (and the later events of their
# appointments) to the others only when its lease runs out: a short one, so the run waits less.
LEASE_SECONDS = 5
# Bounds, not measures: the settling covers the lease, the reminders' moment and a few sweeps.
SETTLE_SECONDS = 60
STEP_SECONDS = 60

APPOINTMENTS = "/api/appointments/"
# What gcal_fake.running points at the fake, for the processes too.
GOOGLE_SETTINGS = (
    "GCAL_CLIENT_ID",
    "GCAL_CLIENT_SECRET",
    "GCAL_AUTH_URI",
    "GCAL_TOKEN_URI",
    "GCAL_REVOKE_URI",
    "GCAL_API_ROOT",
    "GCAL_HTTP_TIMEOUT_SECONDS",
)
NO_PROXY = urllib.request.build_opener(urllib.request.ProxyHandler({}))


@dataclass
class Cluster:
    rig: FaultRig
    google: FakeGoogle
    env: dict[str, str]  # every process's: same database, Redis, prefix, namespace and key
    prefix: str
    logs: Path
    stack: ExitStack
    webs: list[Server] = field(default_factory=list)

    def start_web(self) -> Server:
        return self.stack.enter_context(
            serving(self.logs, channels_prefix=self.prefix, env=self.env)
        )

    def start_worker(self, name: str) -> WorkerProcess:
        worker = WorkerProcess(self.env, log=self.logs / f"{name}.log", threads=WORKER_THREADS)
        self.stack.callback(worker.stop)
        return worker.start()


@pytest.fixture
def cluster(tmp_path: Path, settings: Any) -> Iterator[Cluster]:
    prefix = f"cluster-{uuid.uuid4().hex[:8]}"
    with (
        fault_rig(tmp_path, NOTIFY_SWEEP_SECONDS="0.5", NOTIFY_LOST_AFTER_SECONDS="3") as rig,
        gcal_fake.running(settings) as google,
        ExitStack() as stack,
    ):
        env = {
            **rig.env,
            # The sockets' slot keys are keyed hashes: every relay must hash with one key.
            "DJANGO_SECRET_KEY": settings.SECRET_KEY,
            "CHANNELS_PREFIX": prefix,
            "DRAMATIQ_NAMESPACE": prefix,
            "NOTIFY_ENQUEUE_AHEAD_HOURS": "0",  # reminders due later stay in the log
            "OUTBOX_LEASE_SECONDS": str(LEASE_SECONDS),
            **{name: str(getattr(settings, name)) for name in GOOGLE_SETTINGS},
        }
        made = Cluster(rig, google, env, prefix, tmp_path / "cluster", stack)
        made.logs.mkdir()
        made.webs.extend([made.start_web(), made.start_web()])
        yield made


# -- traffic -----------------------------------------------------------------------------------


@dataclass
class Player:
    token: str
    appointment: str | None = None  # the visit this patient holds, as far as they know


class Traffic:
    """Each patient books one of the few slots, moves it, cancels it, books again...; each
    request through either web process, chosen at random (the current one of its side)."""

    def __init__(self, webs: Sequence[Server], doctor: rows.Doctor, starts: list[datetime]):
        self.webs = webs
        self.where = {"doctor_id": doctor.pk, "clinic_id": doctor.clinics.get().pk}
        self.starts = [start.isoformat() for start in starts]
        self.outcomes: Counter[str] = Counter()
        self.done = 0
        self._lock = threading.Lock()

    def start(
        self, pool: ThreadPoolExecutor, players: list[Player], seed: int
    ) -> list[Future[None]]:
        return [
            pool.submit(self.play, player, random.Random(f"{seed}-{n}"))
            for n, player in enumerate(players)
        ]

    def play(self, player: Player, rng: random.Random) -> None:
        for _ in range(ROUNDS):
            web = self.webs[rng.randrange(len(self.webs))]
            start = rng.choice(self.starts)
            if player.appointment is None:
                action = "book"
                status, body = post(web, player.token, APPOINTMENTS, {**self.where, "start": start})
                if status == 201:
                    player.appointment = body["id"]
            else:
                action = "reschedule" if rng.random() < 0.6 else "cancel"
                path = f"{APPOINTMENTS}{player.appointment}/{action}/"
                status, body = post(
                    web, player.token, path, {"start": start} if action == "reschedule" else {}
                )
                # Cancelled, now or by a request whose answer the kill cut off: book anew.
                gone = status == 409 and body.get("code") == "invalid_transition"
                if (action == "cancel" and status == 200) or gone:
                    player.appointment = None
            with self._lock:
                self.outcomes[f"{action} {status or 'cut off'}"] += 1
                self.done += 1

    def statuses(self) -> set[int]:
        return {int(o.split()[-1]) for o in self.outcomes if o.split()[-1].isdigit()}


def post(web: Server, token: str, path: str, body: dict[str, Any]) -> tuple[int | None, Any]:
    """The status and body of a POST; no status when the connection broke (its process died)."""
    request = urllib.request.Request(
        f"{web.url}{path}",
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"},
        method="POST",
    )
    try:
        with NO_PROXY.open(request, timeout=HTTP_SECONDS) as response:
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as error:
        try:
            return error.code, json.loads(error.read())
        except (ValueError, OSError, http.client.HTTPException):
            return error.code, {}
    except (OSError, http.client.HTTPException):
        return None, {}


# -- the database's word -----------------------------------------------------------------------


def double_bookings() -> int:
    """Active visits that overlap another of the same doctor or the same patient."""
    active = rows.Appointment.every.filter(status__in=rows.ACTIVE_STATUSES)
    overlapping = active.filter(
        Q(doctor_id=OuterRef("doctor_id")) | Q(patient_id=OuterRef("patient_id")),
        start__lt=OuterRef("end"),
        end__gt=OuterRef("start"),
    ).exclude(pk=OuterRef("pk"))
    return active.filter(Exists(overlapping)).count()


def occupied(doctor: rows.Doctor) -> set[str]:
    starts = rows.Appointment.every.filter(
        doctor=doctor, status__in=rows.ACTIVE_STATUSES
    ).values_list("start", flat=True)
    return {realtime.instant(start) for start in starts}


def in_the_calendar(google: FakeGoogle) -> dict[str, datetime]:
    return {
        event_id: datetime.fromisoformat(event["start"]["dateTime"])
        for event_id, event in google.live_events().items()
    }


def active_visits(doctor: rows.Doctor) -> dict[str, datetime]:
    """The doctor's active visits by the id of their calendar event (derived from theirs)."""
    visits = rows.Appointment.objects.filter(doctor=doctor, status__in=rows.ACTIVE_STATUSES)
    return {row.pk.hex: row.start for row in visits}


def relayed() -> bool:
    return not rows.StoredEvent.objects.exclude(delivery=rows.StoredEvent.Delivery.DONE).exists()


def due() -> QuerySet[Notification]:
    return Notification.objects.filter(scheduled_for__lte=timezone.now())


def sent_ids() -> set[str]:
    sent = due().filter(status=Notification.Status.SENT, channel=Channel.EMAIL)
    return set(sent.values_list("provider_id", flat=True))


def settled(cluster: Cluster, doctor: rows.Doctor, reminders_at: datetime) -> bool:
    """Nothing more can arrive: every event relayed, the reminders' moment passed, no message
    due still queued, and each one sent at the sink (it is marked sent in the transaction that
    ends its delivery, and no one sends a row marked sent); the calendar caught up."""
    return (
        relayed()
        and timezone.now() > reminders_at
        and not due().filter(status=Notification.Status.QUEUED).exists()
        and sent_ids() <= set(cluster.rig.sink.copies())
        and in_the_calendar(cluster.google) == active_visits(doctor)
    )


def remind_all_at(clinic: rows.Clinic, starts: list[datetime], moment: datetime) -> None:
    """Reminder offsets such that a visit booked at any of ``starts`` gets one reminder due at
    ``moment``; its others fall before the booking (never planned) or hours after the run."""
    ReminderOffset.objects.bulk_create(
        ReminderOffset(clinic=clinic, before=start - moment) for start in starts
    )


# -- the test ----------------------------------------------------------------------------------


def test_two_web_and_two_worker_processes_survive_a_kill_of_each(
    cluster: Cluster, capsys: pytest.CaptureFixture[str]
) -> None:
    began = time.monotonic()
    clinic = factories.clinic()
    doctor = factories.doctor(clinic)
    gcal_fake.connect(doctor, cluster.google, busy=())  # pushes only: nothing to pull
    players = [Player(str(AccessToken.for_user(factories.patient().user))) for _ in range(PATIENTS)]
    starts = [
        factories.slot_start(clinic, days_ahead=DAYS_AHEAD, hour=h, minute=m) for h, m in MORNING
    ]
    day = starts[0].astimezone(ZoneInfo(clinic.timezone)).date()
    path = f"/ws/slots/{doctor.pk}/?from={day}&days=1"
    webs = cluster.webs
    workers = [cluster.start_worker("worker-1"), cluster.start_worker("worker-2")]
    watchers = Watchers(webs, [(side, path) for side in (0, 1) for _ in range(SOCKETS_PER_WEB)])
    traffic = Traffic(webs, doctor, starts)
    watchers.start()
    try:
        assert wait_for(lambda: watchers.all(lambda g: g.snapshots >= 1), timeout=STEP_SECONDS)
        reminders_at = timezone.now() + REMINDERS_DUE_IN
        remind_all_at(clinic, starts, reminders_at)

        with ThreadPoolExecutor(max_workers=PATIENTS, thread_name_prefix="patient") as pool:
            first_half = traffic.start(pool, players, seed=1)
            half = PATIENTS * ROUNDS // 2
            assert wait_for(lambda: traffic.done >= half, timeout=STEP_SECONDS)
            workers[0].kill()
            os.kill(webs[1].pid, signal.SIGKILL)
            killed_at = traffic.done
            workers.append(cluster.start_worker("worker-3"))
            webs[1] = cluster.start_web()
            for future in first_half:
                future.result(timeout=STEP_SECONDS)
            for future in traffic.start(pool, players, seed=2):
                future.result(timeout=STEP_SECONDS)
        traffic_done = time.monotonic()

        assert wait_for(
            lambda: settled(cluster, doctor, reminders_at), timeout=SETTLE_SECONDS, interval=0.5
        ), workers[-1].tail()
        settled_at = time.monotonic()
        truth = occupied(doctor)
        converged = wait_for(
            lambda: watchers.all(lambda g: g.occupied() == truth), timeout=STEP_SECONDS
        )
    finally:
        watchers.stop()

    copies = cluster.rig.sink.copies()
    sent = sent_ids()
    duplicates = sum(n - 1 for n in copies.values())
    kinds = Counter(due().values_list("kind", "status"))
    with capsys.disabled():
        print(
            f"\n[cluster] requests {dict(traffic.outcomes)} (killed after {killed_at}); "
            f"traffic {traffic_done - began:.1f} s, settled {settled_at - traffic_done:.1f} s "
            f"later; sockets {[grid.counts() for grid in watchers.grids]}; "
            f"messages due {dict(kinds)}, at the sink {len(copies)} distinct, "
            f"{duplicates} duplicates; calendar events {len(in_the_calendar(cluster.google))}, "
            f"calls {Counter(call.method for call in cluster.google.api_calls())}"
        )

    # The database never let two active visits overlap.
    assert double_bookings() == 0
    # The traffic did conflict, and nothing failed inside a process.
    assert {201, 409} <= traffic.statuses()
    assert max(traffic.statuses()) < 500, traffic.outcomes
    # Every socket, on the surviving process and on the killed one's replacement, shows what
    # the database holds; those of the killed process opened again.
    assert watchers.errors == []
    assert converged, [(g.side, sorted(g.occupied())) for g in watchers.grids] + [sorted(truth)]
    assert all(g.opened >= 2 for g in watchers.grids if g.side == 1)
    assert all(g.deltas > 0 for g in watchers.grids)
    # ...and, on each connection, got every appointment's deltas in order.
    assert all(g.out_of_order == 0 for g in watchers.grids), [g.counts() for g in watchers.grids]
    # Every message due was sent or rightly skipped (cancelled, moved), none failed; each sent
    # one reached the sink, and nothing else did.
    assert {status for _, status in kinds} <= {"sent", "skipped"}, kinds
    assert any(kind == "reminder" for kind, _ in kinds), "no reminder fell due in the run"
    assert set(copies) == sent
    # SMTP cannot be exactly-once across a SIGKILL (tests/integration/notifications/
    # test_faults.py): a worker thread killed between the server's final dot and its COMMIT
    # sends that message again. At most one a thread of the killed worker.
    assert duplicates <= WORKER_THREADS
    # One calendar event for each active visit, at its time; none for a cancelled one.
    assert in_the_calendar(cluster.google) == active_visits(doctor)
