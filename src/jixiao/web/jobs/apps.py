from django.apps import AppConfig


class JobsConfig(AppConfig):
    name = "jixiao.web.jobs"
    verbose_name = "后台任务"
