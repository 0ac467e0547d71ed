"""Forms of the report page: one per workflow action.

They only parse what was posted (types, choices); every rule (who may, in which state,
what is complete) is the service's, and its refusal is shown next to the form.
Each form has the action's name as prefix, so field ids are unique on the page
(``id_accept-cve_id``) and the browser tests can find them by label within the form.
"""

from __future__ import annotations

from typing import Any

from django import forms

from vulndesk.accounts.models import Membership, User
from vulndesk.reports.models import Comment, CreditType, FixApproach, FixProvider, Report

TEXTAREA = forms.Textarea(attrs={"rows": 4})


class ActionForm(forms.Form):
    """Base: the prefix is the action's name (set by the view)."""

    def __init__(self, *args: Any, report: Report, **kwargs: Any) -> None:
        self.report = report
        super().__init__(*args, **kwargs)


class TriageForm(ActionForm):
    outcome = forms.ChoiceField(
        label="Outcome",
        choices=[
            ("plausible", "Plausible: triage it"),
            ("spam", "Spam: close without reply"),
            ("misdirected", "Misdirected: another project's report"),
        ],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(label="Note", required=False, max_length=2000)


class AssignForm(ActionForm):
    coordinator = forms.ModelChoiceField(
        label="Coordinator", queryset=User.objects.none(), to_field_name="username"
    )
    reason = forms.CharField(
        label="Reason for the hand-over",
        required=False,
        max_length=2000,
        help_text="Needed when the report already has a coordinator.",
    )

    def __init__(self, *args: Any, report: Report, **kwargs: Any) -> None:
        super().__init__(*args, report=report, **kwargs)
        field = self.fields["coordinator"]
        assert isinstance(field, forms.ModelChoiceField)
        # Anyone may be named; the service refuses non-members with its own message.
        field.queryset = User.objects.filter(
            pk__in=Membership.objects.filter(team=report.team).values("user_id")
        ).order_by("username")


class AcceptForm(ActionForm):
    cve_id = forms.CharField(label="CVE ID (optional)", required=False, max_length=32)
    note = forms.CharField(label="Note", required=False, max_length=2000)


class ReasonForm(ActionForm):
    reason = forms.CharField(label="Reason", required=False, widget=TEXTAREA)


class CveForm(ActionForm):
    cve_id = forms.CharField(label="CVE ID", max_length=32)


class EmptyForm(ActionForm):
    pass


class SeverityForm(ActionForm):
    severity = forms.ChoiceField(
        label="Severity",
        required=False,
        choices=[("", "From the CVSS vector")],
    )
    cvss_vector = forms.CharField(
        label="CVSS vector (v3.1 or v4.0)", required=False, max_length=200
    )
    reason = forms.CharField(
        label="Reason (when the severity differs from the vector's)", required=False
    )

    def __init__(self, *args: Any, report: Report, **kwargs: Any) -> None:
        super().__init__(*args, report=report, **kwargs)
        field = self.fields["severity"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", "From the CVSS vector")] + [
            (level, level) for level in report.team.severity_levels
        ]


class FixForm(ActionForm):
    approach = forms.ChoiceField(label="Fix approach", choices=FixApproach.choices)
    provider = forms.ChoiceField(
        label="Who provides the fix",
        required=False,
        choices=[("", "Not decided"), *FixProvider.choices],
    )
    private_fix_url = forms.URLField(label="Private fix URL", required=False, assume_scheme="https")


class AdvisoryForm(ActionForm):
    title = forms.CharField(label="Advisory title", required=False, max_length=300)
    description = forms.CharField(label="Description", required=False, widget=TEXTAREA)
    affected_versions = forms.CharField(label="Affected versions", required=False)
    affected_components = forms.CharField(
        label="Affected components (one per line)", required=False, widget=TEXTAREA
    )
    whole_project = forms.BooleanField(label="Affects the whole project", required=False)
    mitigations = forms.CharField(label="Mitigations", required=False, widget=TEXTAREA)


class PrAddForm(ActionForm):
    url = forms.CharField(label="Pull request URL", max_length=200)
    branch = forms.CharField(label="Target branch", required=False, max_length=100)
    labels = forms.CharField(label="Labels (comma-separated)", required=False, max_length=500)

    def labels_list(self) -> list[str]:
        return [part.strip() for part in self.cleaned_data["labels"].split(",") if part.strip()]


class PrMergeForm(ActionForm):
    url = forms.CharField(label="Pull request URL", max_length=200, widget=forms.HiddenInput)
    commit = forms.CharField(label="Merge commit", required=False, max_length=64)


class TellForm(ActionForm):
    body = forms.CharField(
        label="Message (empty: the team's acceptance template)", required=False, widget=TEXTAREA
    )


class CreditForm(ActionForm):
    wanted = forms.TypedChoiceField(
        label="The reporter wants credit",
        choices=[("yes", "Yes"), ("no", "No")],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
    )
    name = forms.CharField(label="Credit as (name or organisation)", required=False, max_length=200)
    credit_type = forms.ChoiceField(
        label="Credit type", choices=CreditType.choices, initial=CreditType.FINDER
    )


class CommentForm(ActionForm):
    body = forms.CharField(label="Comment", widget=TEXTAREA)
    visibility = forms.ChoiceField(
        label="Visibility",
        choices=Comment.Visibility.choices,
        initial=Comment.Visibility.INTERNAL,
        widget=forms.RadioSelect,
    )

    def __init__(self, *args: Any, report: Report, shared_allowed: bool = True, **kw: Any) -> None:
        super().__init__(*args, report=report, **kw)
        if not shared_allowed:
            field = self.fields["visibility"]
            assert isinstance(field, forms.ChoiceField)
            field.choices = [(Comment.Visibility.INTERNAL, Comment.Visibility.INTERNAL.label)]


class InviteForm(ActionForm):
    email = forms.EmailField(label="Email address of the collaborator", max_length=254)


class RemoveCollaboratorForm(ActionForm):
    email = forms.EmailField(label="Collaborator", widget=forms.HiddenInput)
