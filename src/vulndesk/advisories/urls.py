from django.urls import URLPattern, URLResolver, path

from vulndesk.advisories import views

urlpatterns: list[URLPattern | URLResolver] = [
    path("cvss/", views.calculator, name="advisories-cvss"),
    path("cvss/<str:key>/", views.report_calculator, name="advisories-report-cvss"),
]
