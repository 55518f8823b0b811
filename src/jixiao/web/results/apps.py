from django.apps import AppConfig


class ResultsConfig(AppConfig):
    name = "jixiao.web.results"
    verbose_name = "评价结果"
