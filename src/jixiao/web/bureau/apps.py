from django.apps import AppConfig


class BureauConfig(AppConfig):
    name = "jixiao.web.bureau"
    verbose_name = "财政局总览"
