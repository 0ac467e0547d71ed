"""Team admin pages: members and roles, projects, policy, API tokens, webhooks, templates.

Thin, like the report page: find the team the viewer belongs to (404 otherwise, and
for anonymous visitors the login page), parse one form, call one service, redirect
(PRG). A refusal re-renders the page with the service's message next to the form:
400 for malformed input, 403 when a member (not an admin) tries an admin's action on
a page they can see, 409 for another refusal (e.g. removing the last admin).

Members see the members, projects, policy and templates pages read-only and manage
their own API tokens; webhooks are the admins' alone (members get 404 there, as the
API does not show them either). Secrets (a new token, a new hook's signing key) are
shown once: kept in the session across the redirect and dropped when shown.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from vulndesk.accounts import services as accounts
from vulndesk.accounts.models import Membership, Project, Team, User
from vulndesk.accounts.permissions import is_team_admin, require_team_admin, team_role
from vulndesk.api import services as api
from vulndesk.core.errors import ApplicationError, NotFound, PermissionDenied, ValidationFailed
from vulndesk.desk import forms_team as f
from vulndesk.mail import services as mail
from vulndesk.mail import templates as message_templates
from vulndesk.mail.models import TemplateOverride
from vulndesk.webhooks import services as hooks
from vulndesk.webhooks.models import Webhook

SHOWN_ONCE = "vulndesk_team_shown_once"


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


def _team(request: HttpRequest, slug: str) -> tuple[Team, str]:
    """The team and the viewer's role in it; 404 for anyone not on it."""
    team = Team.objects.filter(slug=slug).first()
    role = team_role(_user(request), team) if team is not None else None
    if team is None or role is None:
        raise Http404(f"There is no team {slug!r}.")
    return team, role


def _status(exc: ApplicationError) -> int:
    if isinstance(exc, PermissionDenied):
        return 403
    return 400 if isinstance(exc, ValidationFailed | NotFound) else 409


def _show_once(request: HttpRequest, what: str, secret: str) -> None:
    request.session[SHOWN_ONCE] = {"what": what, "secret": secret}


def _base(request: HttpRequest, team: Team, role: str, page: str) -> dict[str, Any]:
    return {
        "team": team,
        "role": role,
        "is_admin": role == Membership.Role.ADMIN,
        "page": page,
        "shown_once": request.session.pop(SHOWN_ONCE, None),
        "tabs": [
            ("members", "Members", reverse("desk:team", kwargs={"slug": team.slug})),
            ("projects", "Projects", reverse("desk:team-projects", kwargs={"slug": team.slug})),
            ("policy", "Policy", reverse("desk:team-policy", kwargs={"slug": team.slug})),
            ("tokens", "API tokens", reverse("desk:team-tokens", kwargs={"slug": team.slug})),
            *(
                [
                    (
                        "webhooks",
                        "Webhooks",
                        reverse("desk:team-webhooks", kwargs={"slug": team.slug}),
                    )
                ]
                if role == Membership.Role.ADMIN
                else []
            ),
            (
                "templates",
                "Message templates",
                reverse("desk:team-templates", kwargs={"slug": team.slug}),
            ),
        ],
    }


def _render(
    request: HttpRequest, template: str, context: dict[str, Any], status: int, error: str
) -> HttpResponse:
    """A member sees no forms, so a refusal of theirs (403) goes above the page."""
    if status == 403 and not context["is_admin"]:
        context["forbidden"] = error
    return render(request, template, context, status=status)


def _admin_post(
    request: HttpRequest,
    slug: str,
    *,
    form_class: type[Any],
    act: Callable[[Team, User, Any], str],
    page: Callable[..., HttpResponse],
    name: str,
    success: Callable[[Team], str],
) -> HttpResponse:
    """One admin action: 403 for a member, the form's or service's refusal on the page."""
    team, role = _team(request, slug)
    user = _user(request)
    form = form_class(request.POST)
    try:
        require_team_admin(user, team)
        if not form.is_valid():
            return page(
                request, team, role, failed=name, error=f.problems(form), bound=form, status=400
            )
        done = act(team, user, form)
    except ApplicationError as exc:
        team.refresh_from_db()
        return page(
            request, team, role, failed=name, error=exc.message, bound=form, status=_status(exc)
        )
    if done:
        messages.success(request, done)
    return redirect(success(team))


# ------------------------------------------------------------------ members


def _members_page(
    request: HttpRequest,
    team: Team,
    role: str,
    *,
    failed: str = "",
    error: str = "",
    bound: Any = None,
    status: int = 200,
) -> HttpResponse:
    memberships = list(
        Membership.objects.filter(team=team)
        .select_related("user")
        .order_by("role", "user__username")
    )
    failed_user = bound.data.get("user", "") if bound is not None and failed != "add" else ""
    rows = [
        {
            "m": m,
            "role_form": f.MemberRoleForm(
                initial={"user": m.user.username, "role": m.role},
                auto_id=f"id_role_{m.user.username}_%s",
            ),
            "remove_form": f.MemberRemoveForm(
                initial={"user": m.user.username}, auto_id=f"id_remove_{m.user.username}_%s"
            ),
            "error": error if failed_user == m.user.username else "",
            "failed": failed if failed_user == m.user.username else "",
        }
        for m in memberships
    ]
    stray = error if failed in ("role", "remove") and not any(r["error"] for r in rows) else ""
    context = _base(request, team, role, "members") | {
        "rows": rows,
        "add_form": bound if failed == "add" else f.MemberAddForm(),
        "add_error": error if failed == "add" else "",
        "stray_error": stray,
        "projects_count": team.projects.count(),
    }
    return _render(request, "desk/team_members.html", context, status, error)


@login_required
@require_GET
def team_page(request: HttpRequest, slug: str) -> HttpResponse:
    team, role = _team(request, slug)
    return _members_page(request, team, role)


def _add_member(team: Team, user: User, form: Any) -> str:
    email = form.cleaned_data["email"]
    try:
        person = accounts.user_find(email)
    except NotFound as exc:
        raise ValidationFailed(
            f"No account uses {email}. vulndesk cannot invite someone to a team by email "
            "yet: ask them to sign up (or the operator to run `vulndesk user create`), "
            "then add them here."
        ) from exc
    if Membership.objects.filter(team=team, user=person).exists():
        raise ValidationFailed(
            f"{person} is already on {team.name}; change their role in the list instead."
        )
    accounts.team_add_member(team, user=person, role=form.cleaned_data["role"], actor=user)
    return f"{person} ({person.email}) is now a {form.cleaned_data['role']} of {team.name}."


def _member(team: Team, username: str) -> User:
    membership = (
        Membership.objects.filter(team=team, user__username=username).select_related("user").first()
    )
    if membership is None:
        raise NotFound(f"{username!r} is not a member of {team.name}.")
    return membership.user


def _change_role(team: Team, user: User, form: Any) -> str:
    person = _member(team, form.cleaned_data["user"])
    new_role = form.cleaned_data["role"]
    accounts.team_add_member(team, user=person, role=new_role, actor=user)
    return f"{person} is now a {new_role} of {team.name}."


def _remove(team: Team, user: User, form: Any) -> str:
    person = _member(team, form.cleaned_data["user"])
    accounts.team_remove_member(team, user=person, actor=user)
    return f"{person} is no longer on {team.name}; hand over the reports they coordinated."


def _members_url(team: Team) -> str:
    return reverse("desk:team", kwargs={"slug": team.slug})


@login_required
@require_POST
def member_add(request: HttpRequest, slug: str) -> HttpResponse:
    return _admin_post(
        request,
        slug,
        form_class=f.MemberAddForm,
        act=_add_member,
        page=_members_page,
        name="add",
        success=_members_url,
    )


@login_required
@require_POST
def member_role(request: HttpRequest, slug: str) -> HttpResponse:
    return _admin_post(
        request,
        slug,
        form_class=f.MemberRoleForm,
        act=_change_role,
        page=_members_page,
        name="role",
        success=_members_url,
    )


@login_required
@require_POST
def member_remove(request: HttpRequest, slug: str) -> HttpResponse:
    return _admin_post(
        request,
        slug,
        form_class=f.MemberRemoveForm,
        act=_remove,
        page=_members_page,
        name="remove",
        success=_members_url,
    )


# ------------------------------------------------------------------ projects


def _projects_page(
    request: HttpRequest,
    team: Team,
    role: str,
    *,
    failed: str = "",
    error: str = "",
    bound: Any = None,
    status: int = 200,
) -> HttpResponse:
    context = _base(request, team, role, "projects") | {
        "projects": list(team.projects.order_by("slug")),
        "add_form": bound if failed == "add" else f.ProjectAddForm(),
        "add_error": error,
    }
    return _render(request, "desk/team_projects.html", context, status, error)


def _projects_url(team: Team) -> str:
    return reverse("desk:team-projects", kwargs={"slug": team.slug})


@login_required
@require_GET
def projects_page(request: HttpRequest, slug: str) -> HttpResponse:
    team, role = _team(request, slug)
    return _projects_page(request, team, role)


def _add_project(team: Team, user: User, form: Any) -> str:
    project = accounts.project_create(team, actor=user, **form.cleaned_data)
    return f"Added the project {project.name}."


@login_required
@require_POST
def project_add(request: HttpRequest, slug: str) -> HttpResponse:
    return _admin_post(
        request,
        slug,
        form_class=f.ProjectAddForm,
        act=_add_project,
        page=_projects_page,
        name="add",
        success=_projects_url,
    )


def _project(team: Team, project_slug: str) -> Project:
    project = team.projects.filter(slug=project_slug).first()
    if project is None:
        raise Http404(f"{team.name} has no project {project_slug!r}.")
    return project


@login_required
@require_http_methods(["GET", "POST"])
def project_edit(request: HttpRequest, slug: str, project: str) -> HttpResponse:
    team, role = _team(request, slug)
    row = _project(team, project)
    user = _user(request)
    error, status = "", 200
    fields = ["name", "repository_url", "cve_vendor", "cve_product", "ecosystem", "package_name"]
    form = f.ProjectForm(initial={name: getattr(row, name) for name in fields})
    if request.method == "POST":
        form = f.ProjectForm(request.POST)
        try:
            require_team_admin(user, team)
            if form.is_valid():
                accounts.project_update(row, actor=user, **form.cleaned_data)
                messages.success(request, f"Saved the project {row.name}.")
                return redirect(_projects_url(team))
            error, status = f.problems(form), 400
        except ApplicationError as exc:
            row.refresh_from_db()
            error, status = exc.message, _status(exc)
    context = _base(request, team, role, "projects") | {
        "project": row,
        "form": form,
        "error": error,
    }
    return _render(request, "desk/team_project.html", context, status, error)


# ------------------------------------------------------------------ policy


def _policy_initial(team: Team) -> dict[str, Any]:
    return {
        "key_prefix": team.key_prefix,
        "severity_levels": team.severity_levels,
        "private_fix_severities": team.private_fix_severities,
        "fix_labels": ", ".join(team.fix_labels),
        "announce_address": team.announce_address,
        "private_reporting_url": team.private_reporting_url,
    }


@login_required
@require_http_methods(["GET", "POST"])
def policy_page(request: HttpRequest, slug: str) -> HttpResponse:
    team, role = _team(request, slug)
    user = _user(request)
    error, status = "", 200
    form = f.PolicyForm(initial=_policy_initial(team))
    if request.method == "POST":
        form = f.PolicyForm(request.POST)
        try:
            require_team_admin(user, team)
            if form.is_valid():
                data = form.cleaned_data
                accounts.team_policy_update(
                    team,
                    actor=user,
                    key_prefix=data["key_prefix"],
                    severity_levels=data["severity_levels"],
                    private_fix_severities=data["private_fix_severities"],
                    fix_labels=form.labels(),
                    announce_address=data["announce_address"],
                    private_reporting_url=data["private_reporting_url"],
                )
                messages.success(request, f"Saved the policy of {team.name}.")
                return redirect(reverse("desk:team-policy", kwargs={"slug": team.slug}))
            error, status = f.problems(form), 400
        except ApplicationError as exc:
            team.refresh_from_db()
            error, status = exc.message, _status(exc)
    context = _base(request, team, role, "policy") | {"form": form, "error": error}
    return _render(request, "desk/team_policy.html", context, status, error)


# ------------------------------------------------------------------ API tokens


def _tokens_page(
    request: HttpRequest,
    team: Team,
    role: str,
    *,
    failed: str = "",
    error: str = "",
    bound: Any = None,
    status: int = 200,
) -> HttpResponse:
    tokens = [t for t in api.token_list(user=_user(request)) if t.team_id == team.pk]
    context = _base(request, team, role, "tokens") | {
        "tokens": tokens,
        "create_form": bound if failed == "create" else f.TokenCreateForm(),
        "create_error": error if failed == "create" else "",
        "revoke_error": error if failed == "revoke" else "",
    }
    return _render(request, "desk/team_tokens.html", context, status, error)


@login_required
@require_GET
def tokens_page(request: HttpRequest, slug: str) -> HttpResponse:
    team, role = _team(request, slug)
    return _tokens_page(request, team, role)


def _own_post(
    request: HttpRequest, slug: str, form_class: type[Any], name: str, act: Callable[..., str]
) -> HttpResponse:
    """A member's action on their own things (tokens): no admin needed."""
    team, role = _team(request, slug)
    form = form_class(request.POST)
    if not form.is_valid():
        return _tokens_page(
            request, team, role, failed=name, error=f.problems(form), bound=form, status=400
        )
    try:
        done = act(request, team, _user(request), form)
    except ApplicationError as exc:
        return _tokens_page(
            request, team, role, failed=name, error=exc.message, bound=form, status=_status(exc)
        )
    messages.success(request, done)
    return redirect(reverse("desk:team-tokens", kwargs={"slug": team.slug}))


def _create_token(request: HttpRequest, team: Team, user: User, form: Any) -> str:
    token, secret = api.token_create(
        user=user,
        name=form.cleaned_data["name"],
        scopes=form.cleaned_data["scopes"],
        team=team,
        expires_in_days=form.days(),
    )
    _show_once(request, f"API token {token.name} ({token.prefix})", secret)
    return f"Created the API token {token.name}."


def _revoke_token(request: HttpRequest, team: Team, user: User, form: Any) -> str:
    token = api.token_find(form.cleaned_data["token"], user=user)
    if token.team_id != team.pk:
        raise NotFound("You have no such token for this team.")
    api.token_revoke(token, actor=user)
    return f"Revoked the API token {token.name} ({token.prefix})."


@login_required
@require_POST
def token_create(request: HttpRequest, slug: str) -> HttpResponse:
    return _own_post(request, slug, f.TokenCreateForm, "create", _create_token)


@login_required
@require_POST
def token_revoke(request: HttpRequest, slug: str) -> HttpResponse:
    return _own_post(request, slug, f.TokenRevokeForm, "revoke", _revoke_token)


# ------------------------------------------------------------------ webhooks


def _admin_team(request: HttpRequest, slug: str) -> tuple[Team, str]:
    """Webhooks are the admins': anyone else, members included, gets 404."""
    team, role = _team(request, slug)
    if not is_team_admin(_user(request), team):
        raise Http404(f"There is no team {slug!r}.")
    return team, role


def _webhooks_page(
    request: HttpRequest,
    team: Team,
    role: str,
    *,
    failed: str = "",
    error: str = "",
    bound: Any = None,
    status: int = 200,
) -> HttpResponse:
    context = _base(request, team, role, "webhooks") | {
        "hooks": list(Webhook.objects.filter(team=team).order_by("created_at", "id")),
        "add_form": bound if failed == "add" else f.WebhookAddForm(),
        "add_error": error,
    }
    return _render(request, "desk/team_webhooks.html", context, status, error)


@login_required
@require_GET
def webhooks_page(request: HttpRequest, slug: str) -> HttpResponse:
    team, role = _admin_team(request, slug)
    return _webhooks_page(request, team, role)


@login_required
@require_POST
def webhook_add(request: HttpRequest, slug: str) -> HttpResponse:
    team, role = _admin_team(request, slug)
    form = f.WebhookAddForm(request.POST)
    if not form.is_valid():
        return _webhooks_page(
            request, team, role, failed="add", error=f.problems(form), bound=form, status=400
        )
    try:
        hook, secret = hooks.webhook_create(team, actor=_user(request), **form.cleaned_data)
    except ApplicationError as exc:
        return _webhooks_page(
            request, team, role, failed="add", error=exc.message, bound=form, status=_status(exc)
        )
    _show_once(request, f"signing secret of the webhook to {hook.url}", secret)
    messages.success(request, f"Added the webhook to {hook.url}.")
    return redirect(
        reverse("desk:team-webhook", kwargs={"slug": team.slug, "hook": hook.public_id})
    )


def _hook(request: HttpRequest, team: Team, hook_id: str) -> Webhook:
    try:
        return hooks.webhook_get(team, hook_id, actor=_user(request))
    except NotFound as exc:
        raise Http404(exc.message) from exc


def _webhook_page(
    request: HttpRequest,
    team: Team,
    role: str,
    hook: Webhook,
    *,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    context = _base(request, team, role, "webhooks") | {
        "hook": hook,
        "deliveries": hooks.deliveries_recent(hook, actor=_user(request)),
        "error": error,
    }
    return _render(request, "desk/team_webhook.html", context, status, error)


@login_required
@require_GET
def webhook_page(request: HttpRequest, slug: str, hook: str) -> HttpResponse:
    team, role = _admin_team(request, slug)
    return _webhook_page(request, team, role, _hook(request, team, hook))


@login_required
@require_POST
def webhook_active(request: HttpRequest, slug: str, hook: str) -> HttpResponse:
    team, role = _admin_team(request, slug)
    row = _hook(request, team, hook)
    form = f.WebhookActiveForm(request.POST)
    if not form.is_valid():
        return _webhook_page(request, team, role, row, error=f.problems(form), status=400)
    try:
        hooks.webhook_set_active(row, actor=_user(request), active=form.cleaned_data["active"])
    except ApplicationError as exc:
        return _webhook_page(request, team, role, row, error=exc.message, status=_status(exc))
    messages.success(request, f"The webhook is {'enabled' if row.active else 'disabled'}.")
    return redirect(reverse("desk:team-webhook", kwargs={"slug": team.slug, "hook": row.public_id}))


# ------------------------------------------------------------------ message templates


def _shipped(name: str) -> dict[str, str]:
    from django.template.loader import get_template

    def source(part: str) -> str:
        template: Any = get_template(f"messages/{name}/{part}.txt")
        return str(template.template.source)

    return {"subject": source("subject"), "body": source("body")}


@login_required
@require_GET
def templates_page(request: HttpRequest, slug: str) -> HttpResponse:
    team, role = _team(request, slug)
    overridden = set(TemplateOverride.objects.filter(team=team).values_list("name", flat=True))
    rows = [
        {
            "name": name,
            "description": description,
            "overridden": name in overridden,
            "url": reverse("desk:team-template", kwargs={"slug": team.slug, "name": name}),
        }
        for name, description in message_templates.TEMPLATES.items()
    ]
    context = _base(request, team, role, "templates") | {"rows": rows}
    return render(request, "desk/team_templates.html", context)


def _template_name(name: str) -> str:
    if name not in message_templates.TEMPLATES:
        raise Http404(f"There is no message template {name!r}.")
    return name


def _template_page(
    request: HttpRequest,
    team: Team,
    role: str,
    name: str,
    *,
    form: Any = None,
    error: str = "",
    failed: str = "",
    status: int = 200,
) -> HttpResponse:
    shipped = _shipped(name)
    override = TemplateOverride.objects.filter(team=team, name=name).first()
    current = (
        {"subject": override.subject, "body": override.body} if override is not None else shipped
    )
    context = _base(request, team, role, "templates") | {
        "name": name,
        "description": message_templates.TEMPLATES[name],
        "shipped": shipped,
        "override": override,
        "form": form if form is not None else f.TemplateForm(initial=current),
        "error": error if failed != "reset" else "",
        "reset_error": error if failed == "reset" else "",
    }
    return _render(request, "desk/team_template.html", context, status, error)


@login_required
@require_http_methods(["GET", "POST"])
def template_page(request: HttpRequest, slug: str, name: str) -> HttpResponse:
    team, role = _team(request, slug)
    name = _template_name(name)
    if request.method == "GET":
        return _template_page(request, team, role, name)
    user = _user(request)
    form = f.TemplateForm(request.POST)
    try:
        require_team_admin(user, team)
        if not form.is_valid():
            return _template_page(
                request, team, role, name, form=form, error=f.problems(form), status=400
            )
        data = form.cleaned_data
        mail.template_set(team, actor=user, name=name, subject=data["subject"], body=data["body"])
    except ApplicationError as exc:
        return _template_page(
            request, team, role, name, form=form, error=exc.message, status=_status(exc)
        )
    messages.success(request, f"Saved {team.name}'s own text for “{name}”.")
    return redirect(reverse("desk:team-template", kwargs={"slug": team.slug, "name": name}))


@login_required
@require_POST
def template_reset(request: HttpRequest, slug: str, name: str) -> HttpResponse:
    team, role = _team(request, slug)
    name = _template_name(name)
    try:
        reset = mail.template_reset(team, actor=_user(request), name=name)
    except ApplicationError as exc:
        return _template_page(
            request, team, role, name, error=exc.message, failed="reset", status=_status(exc)
        )
    messages.success(
        request,
        f"“{name}” uses the shipped text again." if reset else f"“{name}” had no own text.",
    )
    return redirect(reverse("desk:team-template", kwargs={"slug": team.slug, "name": name}))
