"""`scheduler manage rebuild_directory`: the search's free time of every doctor anew, after a
restore or an upgrade (events and the periodic sweep keep it current otherwise)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from scheduler.config import bootstrap


class Command(BaseCommand):
    help = "Recompute the next free slot and free days of every doctor at every clinic."

    def handle(self, *args: Any, **options: Any) -> None:
        pairs = bootstrap.directory().rebuild()
        self.stdout.write(f"{pairs} doctor-clinic pair(s) refreshed")
