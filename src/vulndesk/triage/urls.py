from django.urls import URLPattern, URLResolver, path

from vulndesk.triage import views

app_name = "triage"

urlpatterns: list[URLPattern | URLResolver] = [
    path("teams/<slug:slug>/triage/", views.inbox, name="inbox"),
    path("teams/<slug:slug>/triage/<str:key>/", views.report_page, name="report"),
    path("teams/<slug:slug>/metrics/", views.metrics_page, name="metrics"),
    path("teams/<slug:slug>/metrics/metrics.csv", views.metrics_export, name="metrics-csv"),
]
