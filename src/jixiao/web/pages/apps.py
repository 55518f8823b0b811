from django.apps import AppConfig


class PagesConfig(AppConfig):
    name = "jixiao.web.pages"
    verbose_name = "页面"

    def ready(self) -> None:
        from jixiao.web.signin import connect_signals

        connect_signals()
