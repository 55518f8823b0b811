from django.apps import AppConfig


class OrganizationsConfig(AppConfig):
    name = "jixiao.web.organizations"
    verbose_name = "部门与人员"
