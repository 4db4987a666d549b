from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrmConfig(AppConfig):
    name = "scheduler.adapters.orm"
    label = "orm"
    verbose_name = _("Nobat")
    default_auto_field = "django.db.models.BigAutoField"
