"""The team desk: inbox and queues, the report page, team admin pages.

Three URL modules so the parts can grow independently; all share the "desk" namespace.
Paths: /desk/ (inbox, queues), /desk/reports/<key>/... (report page and its actions),
/team/<slug>/... (team admin pages).
"""

from django.urls import URLPattern, URLResolver

from vulndesk.desk import urls_inbox, urls_report, urls_team

app_name = "desk"
urlpatterns: list[URLPattern | URLResolver] = [
    *urls_inbox.urlpatterns,
    *urls_report.urlpatterns,
    *urls_team.urlpatterns,
]
