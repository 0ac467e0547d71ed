"""Reporter portal: /report/ (the private form), /portal/ (my reports and their conversation).

- /report/ — the form of the only team, else the list of teams; ``?team=<slug>``
  redirects to that team's form.
- /report/<team-slug>/ — a team's private form; a team's ``private_reporting_url``
  points here ({BASE_URL}/report/<slug>/).
- /report/<team-slug>/sent/ — "check your mail" after an anonymous submission.
- /report/verify/<token>/ — the confirmation link mailed to an anonymous reporter.
- /portal/, /portal/reports/<key>/ (+ reply/, credit/) — the reporter's own reports.
"""

from django.urls import URLPattern, URLResolver, path

from vulndesk.portal import views

app_name = "portal"
urlpatterns: list[URLPattern | URLResolver] = [
    path("report/", views.new, name="new"),
    path("report/verify/<str:token>/", views.verify, name="verify"),
    path("report/<slug:slug>/", views.team_new, name="team"),
    path("report/<slug:slug>/sent/", views.sent, name="sent"),
    path("portal/", views.home, name="home"),
    path("portal/reports/<str:key>/", views.report_page, name="report"),
    path("portal/reports/<str:key>/reply/", views.reply, name="reply"),
    path("portal/reports/<str:key>/credit/", views.credit, name="credit"),
]
