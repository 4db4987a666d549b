from django.apps import AppConfig
from django.conf import settings


class NobatConfig(AppConfig):
    """The composition root's app: process-wide wiring that must exist before requests."""

    name = "scheduler.config"
    label = "nobat"
    verbose_name = "Nobat wiring"

    def ready(self) -> None:
        # Here, not at the top: the wiring imports models, which exist once the apps are ready;
        # and the broker first, as every actor binds to the broker there is when it is declared.
        from scheduler.adapters import broker

        broker.install(settings.DRAMATIQ_BROKER_URL, namespace=settings.DRAMATIQ_NAMESPACE)

        from scheduler.adapters.gcal import sync
        from scheduler.config import bootstrap

        sync.wire(bootstrap.unit_of_work)

        from scheduler.adapters.waitlist import actors as waitlist_jobs

        waitlist_jobs.wire(bootstrap.build_bus)
