from django.apps import AppConfig


class RecordsConfig(AppConfig):
    name = "jixiao.web.records"
    verbose_name = "数据集"
