from django.apps import AppConfig


class FrameworksConfig(AppConfig):
    name = "jixiao.web.frameworks"
    verbose_name = "评价体系"

    def ready(self) -> None:
        """Let the adapters read ``installed:`` references from the database."""
        from jixiao.adapters.frameworks import register_source
        from jixiao.web.frameworks.models import PREFIX
        from jixiao.web.frameworks.source import read_installed

        register_source(PREFIX, read_installed)
