"""The published rankings' URLs, under ``rankings/``."""

from __future__ import annotations

from django.urls import path

from jixiao.web.publications import views

urlpatterns = [
    path("", views.rankings, name="published_rankings"),
    path("<int:pk>/", views.ranking, name="published_ranking"),
    path("<int:pk>/withdraw/", views.withdraw, name="withdraw_ranking"),
]
