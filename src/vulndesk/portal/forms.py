"""Forms of the portal: the private report form, a reply, the credit answer.

Forms only parse input; what may be filed, by whom and when is decided in
portal/services.py and reports/services.py.
"""

from __future__ import annotations

from typing import Any

from django import forms

from vulndesk.accounts.models import Project, Team
from vulndesk.reports.models import CreditType, Report

AI_CHOICES = [("no", "No"), ("yes", "Yes")]
CREDIT_CHOICES = [
    ("later", "Decide later"),
    ("yes", "Yes, credit me publicly"),
    ("no", "No public credit"),
]
HONEYPOT = "website"  # hidden by CSS; people leave it empty, form-filling bots do not


class ReportForm(forms.Form):
    """The fields of CPython's security policy, for one team's projects."""

    title = forms.CharField(
        label="Title",
        max_length=Report._meta.get_field("title").max_length,
        help_text='One line, e.g. "Buffer over-read in SSLContext.set_npn_protocols()".',
    )
    project = forms.ModelChoiceField(
        label="Affected project", queryset=Project.objects.none(), empty_label="Choose a project"
    )
    component = forms.CharField(
        label="Affected component",
        max_length=300,
        required=False,
        help_text="The module, function, class or method, if you know it.",
    )
    versions = forms.CharField(
        label="Versions tested",
        max_length=300,
        help_text='The versions you reproduced it on, e.g. "3.12.4 and main at abc123".',
    )
    description = forms.CharField(
        label="Description", widget=forms.Textarea, max_length=50_000, help_text="What is wrong."
    )
    proof_of_concept = forms.CharField(
        label="Proof of concept",
        widget=forms.Textarea,
        max_length=50_000,
        required=False,
        help_text="Steps or code that show the problem. Plain text; nothing here is run.",
    )
    impact = forms.CharField(
        label="Impact and threat model",
        widget=forms.Textarea,
        max_length=20_000,
        help_text="Who can exploit it, under which conditions, and what they gain.",
    )
    ai_used = forms.ChoiceField(
        label="Did you use an AI tool to find the problem or write this report?",
        choices=AI_CHOICES,
        widget=forms.RadioSelect,
        initial="no",
    )
    ai_details = forms.CharField(
        label="Which AI tool, and how you used it",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=5_000,
        required=False,
    )
    credit = forms.ChoiceField(
        label="Would you like to be credited publicly in the advisory?",
        choices=CREDIT_CHOICES,
        widget=forms.RadioSelect,
        initial="later",
    )
    credit_name = forms.CharField(
        label="Credit as (name or organisation)", max_length=200, required=False
    )
    credit_type = forms.ChoiceField(
        label="Credit type", choices=CreditType.choices, initial=CreditType.FINDER, required=False
    )
    name = forms.CharField(label="Your name (optional)", max_length=200, required=False)
    email = forms.EmailField(
        label="Your email address",
        help_text="We send you a link to confirm it; your report is sent when you follow it.",
    )
    website = forms.CharField(
        label="Leave this field empty",
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )

    def __init__(self, *args: Any, team: Team, anonymous: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.team = team
        projects = Project.objects.filter(team=team).order_by("name")
        project_field = self.fields["project"]
        assert isinstance(project_field, forms.ModelChoiceField)
        project_field.queryset = projects
        if not projects.exists():
            project_field.required = False
            project_field.empty_label = team.name
        if not anonymous:  # a logged-in reporter files under their account's address
            del self.fields["email"]
            del self.fields["name"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("ai_used") == "yes" and not (data.get("ai_details") or "").strip():
            self.add_error("ai_details", "Say which AI tool you used and how.")
        if data.get("credit") == "yes" and not (data.get("credit_name") or "").strip():
            self.add_error("credit_name", "Say how you would like to be credited.")
        return data

    @property
    def is_bot(self) -> bool:
        return bool(self.data.get(HONEYPOT, "").strip())


class ReplyForm(forms.Form):
    body = forms.CharField(label="Your reply", widget=forms.Textarea, max_length=50_000)


class CreditForm(forms.Form):
    credit = forms.ChoiceField(
        label="Would you like to be credited publicly in the advisory?",
        choices=CREDIT_CHOICES[1:],
        widget=forms.RadioSelect,
    )
    credit_name = forms.CharField(
        label="Credit as (name or organisation)", max_length=200, required=False
    )
    credit_type = forms.ChoiceField(
        label="Credit type", choices=CreditType.choices, initial=CreditType.FINDER
    )
