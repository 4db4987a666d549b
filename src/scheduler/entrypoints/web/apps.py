from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "scheduler.entrypoints.web"
    label = "web"
    verbose_name = "Nobat pages"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from scheduler.entrypoints.language import keep_the_switchers_choice

        user_logged_in.connect(keep_the_switchers_choice, dispatch_uid="keep_the_switchers_choice")
