from django.apps import AppConfig


class CohortsConfig(AppConfig):
    name = "jixiao.web.cohorts"
    verbose_name = "同批部门"
