from django.apps import AppConfig


class OrmConfig(AppConfig):
    name = "scheduler.adapters.orm"
    label = "orm"
    verbose_name = "Nobat"
    default_auto_field = "django.db.models.BigAutoField"
