"""An offer answered from several tabs at once (a double click, the message's link and the
page): it is booked once, told once, and the waitlist place ends once; accepted and declined at
once, exactly one of the two wins."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

import pytest

from scheduler.adapters.orm import models as rows
from scheduler.config.bootstrap import build_bus
from scheduler.services import commands
from tests.integration.test_every_command_emits import Clinic, offered, world  # noqa: F401
from tests.integration.test_races import _race

TABS = 8

pytestmark = pytest.mark.django_db(transaction=True)


def _run(command: commands.Command) -> Callable[[], object]:
    return lambda: build_bus().handle(command)


def test_one_offer_accepted_at_once_from_many_tabs_is_booked_once(world: Clinic) -> None:  # noqa: F811
    actor, offer_id = offered(world)

    answers = _race([_run(commands.AcceptOffer(actor=actor, offer_id=offer_id))] * TABS)

    assert set(answers) <= {"ok", "invalid_transition", "concurrent_update"}, answers
    assert rows.Appointment.every.filter(start=world.start, status="booked").count() == 1
    types = Counter(rows.StoredEvent.objects.values_list("type", flat=True))
    assert types["OfferAccepted"] == 1, types
    assert rows.WaitlistOffer.objects.get(pk=offer_id).status == "accepted"


def test_one_offer_accepted_and_declined_at_once_ends_one_way(world: Clinic) -> None:  # noqa: F811
    actor, offer_id = offered(world)

    answers = _race(
        [
            _run(commands.AcceptOffer(actor=actor, offer_id=offer_id)),
            _run(commands.DeclineOffer(actor=actor, offer_id=offer_id)),
        ]
        * (TABS // 2)
    )

    offer = rows.WaitlistOffer.objects.get(pk=offer_id)
    booked = rows.Appointment.every.filter(start=world.start, status="booked").count()
    types = Counter(rows.StoredEvent.objects.values_list("type", flat=True))
    assert set(answers) <= {"ok", "invalid_transition", "slot_taken", "concurrent_update"}, answers
    if offer.status == "accepted":
        assert (booked, types["OfferAccepted"], types["OfferDeclined"]) == (1, 1, 0), types
    else:
        assert (booked, types["OfferAccepted"]) == (0, 0), (offer.status, booked, types)
