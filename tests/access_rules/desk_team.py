"""Access rules of the team admin pages (vulndesk.desk.urls_team).

The team (admin, member) gets every page; a member's POST to an admin action is
refused with 403 on the page (ALLOW for an unsafe method: they see the page, the action
is refused), and API tokens are every member's own. Webhooks are the admins' alone:
members get 404 there like everyone outside the team. Anonymous users: the login page.
"""

from typing import Any

from tests.access_rules import TEAM, TEAM_ADMIN, Rule


def _hook(w: Any) -> Any:
    from vulndesk.webhooks.models import Webhook

    hook, _ = Webhook.objects.get_or_create(
        team=w.team,
        url="https://hooks.example.test/access-matrix",
        defaults={"secret": "whsec_matrix", "events": ["report.created"]},
    )
    return hook.public_id


def _slug(w: Any) -> dict[str, Any]:
    return {"slug": w.team.slug}


RULES = [
    Rule("desk:team", kwargs=_slug, expect=TEAM),
    Rule("desk:team-member-add", kwargs=_slug, method="POST", expect=TEAM),
    Rule("desk:team-member-role", kwargs=_slug, method="POST", expect=TEAM),
    Rule("desk:team-member-remove", kwargs=_slug, method="POST", expect=TEAM),
    Rule("desk:team-projects", kwargs=_slug, expect=TEAM),
    Rule("desk:team-project-add", kwargs=_slug, method="POST", expect=TEAM),
    Rule(
        "desk:team-project",
        kwargs=lambda w: {"slug": w.team.slug, "project": w.project.slug},
        expect=TEAM,
    ),
    Rule(
        "desk:team-project",
        kwargs=lambda w: {"slug": w.team.slug, "project": w.project.slug},
        method="POST",
        data=lambda w: {"name": w.project.name},
        expect=TEAM,
        case="save",
    ),
    Rule("desk:team-policy", kwargs=_slug, expect=TEAM),
    Rule("desk:team-policy", kwargs=_slug, method="POST", expect=TEAM, case="save"),
    Rule("desk:team-tokens", kwargs=_slug, expect=TEAM),
    Rule("desk:team-token-create", kwargs=_slug, method="POST", expect=TEAM),
    Rule("desk:team-token-revoke", kwargs=_slug, method="POST", expect=TEAM),
    Rule("desk:team-webhooks", kwargs=_slug, expect=TEAM_ADMIN),
    Rule("desk:team-webhook-add", kwargs=_slug, method="POST", expect=TEAM_ADMIN),
    Rule(
        "desk:team-webhook",
        kwargs=lambda w: {"slug": w.team.slug, "hook": _hook(w)},
        expect=TEAM_ADMIN,
    ),
    Rule(
        "desk:team-webhook-active",
        kwargs=lambda w: {"slug": w.team.slug, "hook": _hook(w)},
        method="POST",
        data=lambda w: {"active": "0"},
        expect=TEAM_ADMIN,
    ),
    Rule("desk:team-templates", kwargs=_slug, expect=TEAM),
    Rule(
        "desk:team-template", kwargs=lambda w: {"slug": w.team.slug, "name": "accept"}, expect=TEAM
    ),
    Rule(
        "desk:team-template",
        kwargs=lambda w: {"slug": w.team.slug, "name": "accept"},
        method="POST",
        expect=TEAM,
        case="save",
    ),
    Rule(
        "desk:team-template-reset",
        kwargs=lambda w: {"slug": w.team.slug, "name": "accept"},
        method="POST",
        expect=TEAM,
    ),
]
