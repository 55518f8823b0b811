"""The review page's URLs, under ``evaluations/<pk>/review/``."""

from __future__ import annotations

from django.urls import path

from jixiao.web.reviews import views

urlpatterns = [
    path("", views.review, name="review"),
    path("items/<str:node>/", views.rescore, name="review_rescore"),
    path("items/<str:node>/withdraw/", views.withdraw, name="review_withdraw"),
    path("accept/", views.accept, name="review_accept"),
    path("return/", views.return_to_department, name="review_return"),
]
