"""Desk URLs: the report pages (included by desk/urls.py under the "desk" namespace).

/desk/reports/<key>/ is the page; each workflow action is a POST to
/desk/reports/<key>/<action>/ named ``desk:report-<action>``.
"""

from django.urls import URLPattern, URLResolver, path

from vulndesk.desk import views_report

urlpatterns: list[URLPattern | URLResolver] = [
    path("desk/reports/<str:key>/", views_report.report_page, name="report"),
    *[
        path(
            f"desk/reports/<str:key>/{name}/",
            views_report.action_view(name),
            name=f"report-{name}",
        )
        for name in views_report.ACTIONS
    ],
    path(
        "desk/invitations/<str:token>/",
        views_report.invitation_page,
        name="invitation",
    ),
]
