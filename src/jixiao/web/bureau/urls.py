"""The bureau's pages, under /bureau/."""

from __future__ import annotations

from django.urls import path

from jixiao.web.bureau import views

urlpatterns = [
    path("", views.home, name="bureau"),
    path("export/", views.export, name="bureau_export"),
    path("cut-off/", views.cut_off, name="bureau_cut_off"),
    path("cut-off/departments/", views.cut_off_departments, name="bureau_cut_off_departments"),
    path("items/", views.items, name="bureau_items"),
    path("departments/<str:code>/", views.department, name="bureau_department"),
]
