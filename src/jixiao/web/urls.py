"""URL configuration."""

from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.urls import include, path

from jixiao.web.jobs import views as job_views
from jixiao.web.pages import views

urlpatterns = [
    path("", views.home, name="home"),
    path("evaluations/<int:pk>/", views.dashboard, name="dashboard"),
    path("evaluations/<int:pk>/tree/", views.tree, name="tree"),
    path("evaluations/<int:pk>/indicators/", views.indicators, name="indicators"),
    path(
        "evaluations/<int:pk>/indicators/<int:indicator>/",
        views.update_indicator,
        name="update_indicator",
    ),
    path("evaluations/<int:pk>/data/", views.data, name="data"),
    path("evaluations/<int:pk>/data/<str:table>/", views.ledger, name="ledger"),
    path("evaluations/<int:pk>/data/<str:table>/new/", views.row, name="new_row"),
    path("evaluations/<int:pk>/data/<str:table>/<int:row>/", views.row, name="row"),
    path(
        "evaluations/<int:pk>/data/<str:table>/<int:row>/delete/",
        views.remove_row,
        name="delete_row",
    ),
    path("evaluations/<int:pk>/monitoring/", views.monitoring, name="monitoring"),
    path(
        "evaluations/<int:pk>/monitoring/<int:month>/",
        views.monitoring,
        name="monitoring_month",
    ),
    path(
        "evaluations/<int:pk>/monitoring/<int:month>/download/<str:kind>/",
        views.monitoring_download,
        name="monitoring_download",
    ),
    path("evaluations/<int:pk>/steps/<str:action>/", views.step, name="step"),
    path("evaluations/<int:pk>/review/", include("jixiao.web.reviews.urls")),
    path("evaluations/<int:pk>/download/<str:kind>/", views.download, name="download"),
    path("evaluations/<int:pk>/jobs/report-pdf/", job_views.report_pdf, name="request_report_pdf"),
    path("jobs/", include("jixiao.web.jobs.urls")),
    path("summary/", include("jixiao.web.summary")),
    path("evaluations/<int:pk>/upload/", views.upload, name="upload"),
    path("evaluations/<int:pk>/upload/confirm/", views.confirm_upload, name="confirm_upload"),
    path("bureau/", include("jixiao.web.bureau.urls")),
    path("rankings/", include("jixiao.web.publications.urls")),
    path("organization/", include("jixiao.web.organizations.urls")),
    path("frameworks/", include("jixiao.web.frameworks.urls")),
    path("audit/", views.audit_log, name="audit"),
    path("audit/export/", views.audit_export, name="audit_export"),
    path("users/", views.users, name="users"),
    path("users/bulk/", views.users_bulk, name="users_bulk"),
    path("users/bulk/template/", views.users_bulk_template, name="users_bulk_template"),
    path("users/<int:user_id>/", views.edit_user, name="edit_user"),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/", include("jixiao.web.api.urls")),
]
