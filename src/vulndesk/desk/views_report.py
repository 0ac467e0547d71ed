"""The report page of the desk and its workflow actions.

Thin: find the report the viewer may see on the desk (team or invited collaborator;
404 otherwise), parse one form, call one service, then redirect (PRG). A refusal
re-renders the page with the service's message next to the form that was sent:
400 for input the service found malformed, 409 for a refused move or permission.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from vulndesk.accounts.models import User
from vulndesk.core.errors import ApplicationError, NotFound, ValidationFailed
from vulndesk.desk import forms_report as f
from vulndesk.desk.selectors_report import TIMELINE_LATEST, desk_report_get, report_page_data
from vulndesk.reports import services as rs
from vulndesk.reports.models import Report

Handler = Callable[[Report, User, Any], object]


@dataclass(frozen=True)
class Action:
    name: str  # the URL's last part and the form's prefix
    title: str  # the section heading
    button: str  # the submit button's text
    form: type[f.ActionForm]
    handler: Handler


def _triage(report: Report, user: User, form: Any) -> object:
    data = form.cleaned_data
    return rs.report_triage(report, actor=user, outcome=data["outcome"], note=data["note"])


def _assign(report: Report, user: User, form: Any) -> object:
    data = form.cleaned_data
    return rs.report_assign(
        report, actor=user, coordinator=data["coordinator"], reason=data["reason"]
    )


def _accept(report: Report, user: User, form: Any) -> object:
    data = form.cleaned_data
    return rs.report_accept(report, actor=user, cve_id=data["cve_id"], note=data["note"])


def _reject(report: Report, user: User, form: Any) -> object:
    return rs.report_reject(report, actor=user, reason=form.cleaned_data["reason"])


def _reopen(report: Report, user: User, form: Any) -> object:
    return rs.report_reopen(report, actor=user, reason=form.cleaned_data["reason"])


def _withdraw(report: Report, user: User, form: Any) -> object:
    return rs.report_withdraw(report, actor=user, reason=form.cleaned_data["reason"])


def _cve(report: Report, user: User, form: Any) -> object:
    return rs.report_set_cve(report, actor=user, cve_id=form.cleaned_data["cve_id"])


def _cve_assign(report: Report, user: User, form: Any) -> object:
    from vulndesk.cna.services import cve_assign

    return cve_assign(report, actor=user)


def _cve_reserve(report: Report, user: User, form: Any) -> object:
    from vulndesk.cna.services import cve_reserve

    return cve_reserve(report.team, actor=user, amount=1)


def _severity(report: Report, user: User, form: Any) -> object:
    data = form.cleaned_data
    return rs.report_set_severity(
        report,
        actor=user,
        severity=data["severity"],
        cvss_vector=data["cvss_vector"],
        reason=data["reason"],
    )


def _fix(report: Report, user: User, form: Any) -> object:
    data = form.cleaned_data
    return rs.report_set_fix(
        report,
        actor=user,
        approach=data["approach"],
        provider=data["provider"],
        private_fix_url=data["private_fix_url"],
    )


def _approve_fix(report: Report, user: User, form: Any) -> object:
    return rs.report_approve_private_fix(report, actor=user)


def _advisory(report: Report, user: User, form: Any) -> object:
    return rs.report_set_advisory(report, actor=user, **form.cleaned_data)


def _tell(report: Report, user: User, form: Any) -> object:
    return rs.report_tell_reporter(report, actor=user, body=form.cleaned_data["body"])


def _credit(report: Report, user: User, form: Any) -> object:
    data = form.cleaned_data
    return rs.report_set_credit(
        report,
        actor=user,
        wanted=data["wanted"],
        name=data["name"],
        credit_type=data["credit_type"],
    )


def _pr_add(report: Report, user: User, form: Any) -> object:
    from vulndesk.fixes.services import pr_link

    data = form.cleaned_data
    return pr_link(
        report, actor=user, url=data["url"], branch=data["branch"], labels=form.labels_list()
    )


def _pr_merge(report: Report, user: User, form: Any) -> object:
    data = form.cleaned_data
    return rs.report_merge_pr(report, actor=user, url=data["url"], commit=data["commit"])


def _publish(report: Report, user: User, form: Any) -> object:
    return rs.report_publish(report, actor=user)


def _comment(report: Report, user: User, form: Any) -> object:
    data = form.cleaned_data
    return rs.comment_add(report, actor=user, body=data["body"], visibility=data["visibility"])


def _invite(report: Report, user: User, form: Any) -> object:
    from vulndesk.desk.invitations import invitation_send

    return invitation_send(report, actor=user, email=form.cleaned_data["email"])


def _collaborator_remove(report: Report, user: User, form: Any) -> object:
    email = form.cleaned_data["email"]
    member = report.collaborators.select_related("user").filter(user__email__iexact=email).first()
    if member is None:
        raise ValidationFailed(f"{email} is not a collaborator on {report.key}.")
    rs.collaborator_remove(report, actor=user, user=member.user)
    return None


ACTIONS: dict[str, Action] = {
    a.name: a
    for a in [
        Action("triage", "Triage", "Triage", f.TriageForm, _triage),
        Action("assign", "Coordinator", "Assign", f.AssignForm, _assign),
        Action("accept", "Accept: it is a vulnerability", "Accept", f.AcceptForm, _accept),
        Action("reject", "Reject: not a vulnerability", "Reject", f.ReasonForm, _reject),
        Action("reopen", "Reopen with new evidence", "Reopen", f.ReasonForm, _reopen),
        Action("cve", "CVE ID", "Set CVE ID", f.CveForm, _cve),
        Action("cve-assign", "CVE ID from the pool", "Assign from pool", f.EmptyForm, _cve_assign),
        Action("cve-reserve", "Reserve a CVE ID", "Reserve CVE ID", f.EmptyForm, _cve_reserve),
        Action("severity", "Severity", "Set severity", f.SeverityForm, _severity),
        Action("fix", "Fix approach", "Set fix approach", f.FixForm, _fix),
        Action("approve-fix", "Private fix", "Approve private fix", f.EmptyForm, _approve_fix),
        Action("tell", "Tell the reporter", "Tell reporter", f.TellForm, _tell),
        Action("credit", "Reporter's credit", "Record credit", f.CreditForm, _credit),
        Action("advisory", "Advisory", "Save advisory", f.AdvisoryForm, _advisory),
        Action("pr-add", "Add a fix PR", "Add PR", f.PrAddForm, _pr_add),
        Action("pr-merge", "Mark a fix PR merged", "Mark merged", f.PrMergeForm, _pr_merge),
        Action("publish", "Publish", "Publish", f.EmptyForm, _publish),
        Action("withdraw", "Withdraw", "Withdraw", f.ReasonForm, _withdraw),
        Action("comment", "Add a comment", "Add comment", f.CommentForm, _comment),
        Action("invite", "Invite a collaborator", "Invite", f.InviteForm, _invite),
        Action(
            "collaborator-remove",
            "Remove a collaborator",
            "Remove",
            f.RemoveCollaboratorForm,
            _collaborator_remove,
        ),
    ]
}

# Forms drawn in the page's action panel (pr-merge and collaborator-remove are drawn
# per PR / per collaborator in their lists; comment under the comments).
PANEL = [
    "triage",
    "assign",
    "accept",
    "reject",
    "reopen",
    "cve",
    "cve-assign",
    "cve-reserve",
    "severity",
    "fix",
    "approve-fix",
    "tell",
    "credit",
    "advisory",
    "pr-add",
    "publish",
    "invite",
    "withdraw",
]


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)  # login_required guarantees it
    return user


def _report(request: HttpRequest, key: str) -> Report:
    try:
        return desk_report_get(key, user=_user(request))
    except NotFound as exc:
        raise Http404(str(exc)) from exc


def _make_form(action: Action, report: Report, user: User, data: Any = None) -> f.ActionForm:
    kwargs: dict[str, Any] = {"report": report, "prefix": action.name}
    if action.form is f.CommentForm:
        from vulndesk.accounts.permissions import is_team_member

        kwargs["shared_allowed"] = is_team_member(user, report.team)
    if action.form is f.AdvisoryForm and data is None:
        kwargs["initial"] = {
            "title": report.advisory_title,
            "description": report.advisory_description,
            "affected_versions": report.affected_versions,
            "affected_components": report.affected_components,
            "whole_project": report.affects_whole_project,
            "mitigations": report.mitigations,
        }
    if action.form is f.PrAddForm and data is None:
        kwargs["initial"] = {"labels": ", ".join(report.team.fix_labels)}
    if action.form is f.CreditForm and data is None and report.credit_wanted is not None:
        kwargs["initial"] = {
            "wanted": "yes" if report.credit_wanted else "no",
            "name": report.credit_name,
            "credit_type": report.credit_type,
        }
    if action.form is f.SeverityForm and data is None:
        kwargs["initial"] = {"severity": report.severity, "cvss_vector": report.cvss_vector}
    return action.form(data, **kwargs)


def _page(
    request: HttpRequest,
    report: Report,
    *,
    failed: str = "",
    error: str = "",
    bound: f.ActionForm | None = None,
    status: int = 200,
) -> HttpResponse:
    user = _user(request)
    everything = request.GET.get("timeline") == "all"
    context = report_page_data(
        report, user=user, timeline_limit=None if everything else TIMELINE_LATEST
    )
    offered: set[str] = context["offered"]
    if failed:
        offered = offered | {failed}  # the refused form stays on the page with its message
    forms: dict[str, dict[str, Any]] = {}
    for name, action in ACTIONS.items():
        if name not in offered:
            continue
        forms[name] = {
            "name": name,
            "title": action.title,
            "button": action.button,
            "url": reverse(f"desk:report-{name}", kwargs={"key": report.key}),
            "form": bound
            if name == failed and bound is not None
            else _make_form(action, report, user),
            "error": error if name == failed else "",
        }
    context.update(
        {
            "checklist_rows": [
                {
                    "step": step,
                    "button": forms[step.action]["button"] if step.action in forms else "",
                }
                for step in context["checklist"]
            ],
            "pr_merge_error": error if failed == "pr-merge" else "",
            "remove_error": error if failed == "collaborator-remove" else "",
            "forms": forms,
            "panel": [forms[name] for name in PANEL if name in forms],
            "failed": failed,
        }
    )
    return render(request, "desk/report.html", context, status=status)


@login_required
@require_GET
def report_page(request: HttpRequest, key: str) -> HttpResponse:
    report = _report(request, key)
    return _page(request, report)


def _status(exc: ApplicationError) -> int:
    return 400 if isinstance(exc, ValidationFailed | NotFound) else 409


def action_view(name: str) -> Callable[[HttpRequest, str], HttpResponse]:
    action = ACTIONS[name]

    @login_required
    @require_POST
    def view(request: HttpRequest, key: str) -> HttpResponse:
        report = _report(request, key)
        user = _user(request)
        form = _make_form(action, report, user, request.POST)
        if not form.is_valid():
            problems = "; ".join(
                f"{form.fields[field].label if field in form.fields else field}: "
                + " ".join(str(e) for e in errs)
                for field, errs in form.errors.items()
            )
            return _page(request, report, failed=name, error=problems, bound=form, status=400)
        try:
            action.handler(report, user, form)
        except ApplicationError as exc:
            report.refresh_from_db()
            return _page(
                request, report, failed=name, error=exc.message, bound=form, status=_status(exc)
            )
        return redirect(reverse("desk:report", kwargs={"key": report.key}) + f"#action-{name}")

    view.__name__ = f"report_{name.replace('-', '_')}"
    return view


# ------------------------------------------------------------------ invitations


@require_http_methods(["GET", "POST"])
def invitation_page(request: HttpRequest, token: str) -> HttpResponse:
    """The link of an invitation mailed to an address without an account.

    GET shows what to do (sign up or log in, then accept); POST accepts, for the
    account holding the invited address, and opens the report.
    """
    from vulndesk.desk import invitations

    try:
        invitation = invitations.invitation_find(token)
    except ApplicationError as exc:
        request.session.pop(invitations.SESSION_KEY, None)
        return render(request, "desk/report_invitation.html", {"error": exc.message}, status=404)
    if invitation.accepted_at is None:
        request.session[invitations.SESSION_KEY] = token  # signup opens for this address
    context: dict[str, Any] = {"invitation": invitation, "report": invitation.report}
    here = reverse("desk:invitation", kwargs={"token": token})
    context["next"] = here
    if request.method == "POST":
        if not request.user.is_authenticated:
            return redirect_to_login(here)
        try:
            report = invitations.invitation_accept(token, user=_user(request))
        except ApplicationError as exc:
            context["error"] = exc.message
            return render(request, "desk/report_invitation.html", context, status=_status(exc))
        request.session.pop(invitations.SESSION_KEY, None)
        return redirect("desk:report", key=report.key)
    return render(request, "desk/report_invitation.html", context)
