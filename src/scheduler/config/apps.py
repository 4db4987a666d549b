from django.apps import AppConfig
from django.conf import settings


class NobatConfig(AppConfig):
    """The composition root's app: process-wide wiring that must exist before requests."""

    name = "scheduler.config"
    label = "nobat"
    verbose_name = "Nobat wiring"

    def ready(self) -> None:
        from scheduler.adapters import broker

        broker.install(settings.DRAMATIQ_BROKER_URL, namespace=settings.DRAMATIQ_NAMESPACE)
