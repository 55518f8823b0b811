from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "jixiao.web.audit"
    verbose_name = "审计日志"
