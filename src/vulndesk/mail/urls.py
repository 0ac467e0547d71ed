from django.urls import URLPattern, URLResolver, path

from vulndesk.mail import views

urlpatterns: list[URLPattern | URLResolver] = [
    path("mail/keys/<slug:slug>.asc", views.team_public_key, name="mail-team-key"),
    path(
        "mail/attachments/<str:key>/<str:sha256>/",
        views.attachment_download,
        name="mail-attachment",
    ),
]
