from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "scheduler.entrypoints.web"
    label = "web"
    verbose_name = "Nobat pages"
