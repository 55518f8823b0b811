from django.apps import AppConfig


class PublicationsConfig(AppConfig):
    name = "jixiao.web.publications"
    verbose_name = "公布排名"
