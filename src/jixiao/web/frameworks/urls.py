"""The frameworks' pages, under /frameworks/ (decision 0030)."""

from __future__ import annotations

from django.urls import path

from jixiao.web.frameworks import views

urlpatterns = [
    path("", views.frameworks, name="frameworks"),
    path("file/", views.framework_file, name="framework_file"),
    path("install/", views.install, name="install_framework"),
    path("assign/", views.assign, name="assign_framework"),
]
