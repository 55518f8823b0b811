from __future__ import annotations

from django.urls import path
from drf_spectacular.views import SpectacularAPIView

from jixiao.web.api import jobs, manage, views
from jixiao.web.bureau import api as bureau
from jixiao.web.cohorts import api as cohorts
from jixiao.web.frameworks import api as frameworks
from jixiao.web.publications import api as publications
from jixiao.web.reviews import api as reviews

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("evaluations/", views.evaluations, name="api-evaluations"),
    path("evaluations/<int:pk>/", views.evaluation_detail, name="api-evaluation"),
    path("evaluations/<int:pk>/evaluation/", views.evaluation_result, name="api-result"),
    path("evaluations/<int:pk>/dataset/", views.dataset, name="api-dataset"),
    path("evaluations/<int:pk>/monitoring/<int:month>/", views.monitoring, name="api-monitoring"),
    path("evaluations/<int:pk>/tables/", views.tables, name="api-tables"),
    path("evaluations/<int:pk>/tables/<str:table>/", views.table_rows, name="api-table-rows"),
    path(
        "evaluations/<int:pk>/tables/<str:table>/<int:row>/",
        views.table_row,
        name="api-table-row",
    ),
    path("bureau/overview/", bureau.overview_list, name="api-bureau-overview"),
    path("bureau/ranking/", bureau.ranking, name="api-bureau-ranking"),
    path("bureau/items/", bureau.item_comparison, name="api-bureau-items"),
    path("bureau/groups/", bureau.groups, name="api-bureau-groups"),
    path("bureau/departments/", bureau.departments, name="api-bureau-departments"),
    path("bureau/cut-offs/", cohorts.cut_offs, name="api-cut-offs"),
    path("bureau/cut-offs/<int:pk>/", cohorts.cut_off, name="api-cut-off"),
    path("bureau/bulk-load/", manage.bulk_load, name="api-bulk-load"),
    path("bureau/assignments/", manage.assignments, name="api-assignments"),
    path("evaluations/<int:pk>/assignment/", manage.assignment, name="api-assignment"),
    path("accounts/bulk/", manage.accounts_bulk, name="api-accounts-bulk"),
    path("rankings/", publications.rankings, name="api-rankings"),
    path("rankings/<int:pk>/", publications.ranking, name="api-ranking"),
    path("rankings/<int:pk>/withdraw/", publications.withdraw, name="api-ranking-withdraw"),
    path("frameworks/", frameworks.frameworks, name="api-frameworks"),
    path("frameworks/assignments/", frameworks.assign, name="api-framework-assign"),
    path("jobs/<int:pk>/", jobs.job, name="api-job"),
    path("jobs/recompute-all/", jobs.recompute_all, name="api-recompute-all"),
    path("jobs/reports/", jobs.reports_zip, name="api-reports-zip"),
    path("evaluations/<int:pk>/jobs/report-pdf/", jobs.report_pdf, name="api-report-pdf"),
    path(
        "evaluations/<int:pk>/indicators/<int:indicator>/actual/",
        views.indicator_actual,
        name="api-indicator-actual",
    ),
    path("evaluations/<int:pk>/review/", reviews.review, name="api-review"),
    path(
        "evaluations/<int:pk>/review/items/<str:node>/",
        reviews.review_item,
        name="api-review-item",
    ),
    path("evaluations/<int:pk>/review/accept/", reviews.accept, name="api-review-accept"),
    path(
        "evaluations/<int:pk>/review/return/",
        reviews.return_to_department,
        name="api-review-return",
    ),
]
