"""`scheduler manage sweep_notifications`: one sweep by hand (or from cron); the workers run it
every NOTIFY_SWEEP_SECONDS anyway."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from scheduler.adapters.notify import scheduling


class Command(BaseCommand):
    help = "Hand due or lost notifications to the task queue."

    def handle(self, *args: Any, **options: Any) -> None:
        total = 0
        while handed := scheduling.sweep():
            total += handed
        self.stdout.write(f"{total} notification(s) handed to the task queue")
