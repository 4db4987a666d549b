from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotifyConfig(AppConfig):
    name = "scheduler.adapters.notify"
    label = "notify"
    verbose_name = _("Notifications")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Registers the actors with the broker NobatConfig.ready() installed (listed before us).
        from scheduler.adapters.notify import actors  # noqa: F401
