"""The organization's pages, under /organization/ (system administrator)."""

from __future__ import annotations

from django.urls import path

from jixiao.web.organizations import views

urlpatterns = [
    path("", views.organization, name="organization"),
    path("departments/new/", views.department, name="new_department"),
    path("departments/<int:pk>/", views.department, name="edit_department"),
    path("groups/new/", views.group, name="new_group"),
    path("groups/<int:pk>/", views.group, name="edit_group"),
    path("roster/", views.roster, name="roster"),
    path("assignments/", views.assignments, name="assignments"),
    path("assignments/<int:pk>/", views.assignment, name="assignment"),
]
