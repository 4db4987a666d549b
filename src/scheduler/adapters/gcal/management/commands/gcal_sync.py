"""`scheduler manage gcal_sync`: pull busy times now, for cron or by hand (the worker's ticker
does the same every GCAL_SYNC_SECONDS through jobs)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from scheduler.adapters.gcal import sync
from scheduler.services.calendar_sync import CalendarUnavailable


class Command(BaseCommand):
    help = "Pull the busy times of every connected doctor (or of --doctor) from Google Calendar."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--doctor", type=int, help="only this doctor's id")

    def handle(self, *args: Any, **options: Any) -> None:
        doctors = [options["doctor"]] if options["doctor"] else sync.connected_doctors()
        for doctor_id in doctors:
            try:
                outcome = sync.pull(doctor_id)
            except CalendarUnavailable as error:
                self.stderr.write(f"doctor {doctor_id}: Google unavailable ({error}); try later")
                continue
            self.stdout.write(f"doctor {doctor_id}: {outcome.action} {'; '.join(outcome.details)}")
