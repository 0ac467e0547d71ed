"""Desk URLs: the team pages (included by desk/urls.py under the "desk" namespace).

/team/<slug>/ members and roles; .../projects/, .../policy/, .../tokens/, .../webhooks/,
.../templates/ the other admin pages; each change is a POST to its own URL (PRG).
"""

from django.urls import URLPattern, URLResolver, path

from vulndesk.desk import views_team as v

T = "team/<slug:slug>/"

urlpatterns: list[URLPattern | URLResolver] = [
    path(T, v.team_page, name="team"),
    path(T + "members/add/", v.member_add, name="team-member-add"),
    path(T + "members/role/", v.member_role, name="team-member-role"),
    path(T + "members/remove/", v.member_remove, name="team-member-remove"),
    path(T + "projects/", v.projects_page, name="team-projects"),
    path(T + "projects/add/", v.project_add, name="team-project-add"),
    path(T + "projects/<slug:project>/edit/", v.project_edit, name="team-project"),
    path(T + "policy/", v.policy_page, name="team-policy"),
    path(T + "tokens/", v.tokens_page, name="team-tokens"),
    path(T + "tokens/create/", v.token_create, name="team-token-create"),
    path(T + "tokens/revoke/", v.token_revoke, name="team-token-revoke"),
    path(T + "webhooks/", v.webhooks_page, name="team-webhooks"),
    path(T + "webhooks/add/", v.webhook_add, name="team-webhook-add"),
    path(T + "webhooks/<uuid:hook>/", v.webhook_page, name="team-webhook"),
    path(T + "webhooks/<uuid:hook>/active/", v.webhook_active, name="team-webhook-active"),
    path(T + "templates/", v.templates_page, name="team-templates"),
    path(T + "templates/<str:name>/", v.template_page, name="team-template"),
    path(T + "templates/<str:name>/reset/", v.template_reset, name="team-template-reset"),
]
