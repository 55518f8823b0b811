from __future__ import annotations

from django.urls import path

from jixiao.web import bulk_reports
from jixiao.web.jobs import views

urlpatterns = [
    path("", views.jobs, name="jobs"),
    path("recompute-all/", views.recompute_all, name="recompute_all"),
    path("bulk-load/", views.bulk_load, name="bulk_load"),
    path("reports/", bulk_reports.reports_zip_view, name="request_reports_zip"),
    path("<int:pk>/", views.job, name="job"),
    path("<int:pk>/progress/", views.progress, name="job_progress"),
    path("<int:pk>/file/", views.job_file, name="job_file"),
]
