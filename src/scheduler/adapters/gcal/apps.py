from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GcalConfig(AppConfig):
    name = "scheduler.adapters.gcal"
    label = "gcal"
    verbose_name = _("Google Calendar")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # The broker is installed by NobatConfig.ready (listed before this app); actors bind
        # to it when their module is imported, so only now.
        from scheduler.adapters.gcal import actors  # noqa: F401
