"""The private report form: anonymous submissions wait for the address to be confirmed,
logged-in reporters file at once, and bad input or abuse never loses or files anything."""

from __future__ import annotations

import datetime as dt

from allauth.account.models import EmailAddress
from django.test import Client

from tests.conftest import Personas
from tests.portal.conftest import form_data, verification_link
from tests.web import login
from vulndesk.accounts.models import User
from vulndesk.core import clock
from vulndesk.mail.models import OutboxMessage
from vulndesk.portal import services
from vulndesk.portal.models import PendingReport
from vulndesk.reports.models import Report, Source

FORM = "/report/psrt/"


def test_the_form_labels_every_field_and_sends_with_one_button(
    client: Client, personas: Personas
) -> None:
    page = client.get(FORM)
    assert page.status_code == 200
    html = page.content.decode()
    for label in (
        "Title",
        "Affected project",
        "Affected component",
        "Versions tested",
        "Description",
        "Proof of concept",
        "Impact and threat model",
        "Which AI tool, and how you used it",
        "Credit as (name or organisation)",
        "Credit type",
        "Your email address",
    ):
        assert f">{label}" in html, label
    assert ">Send report</button>" in html
    assert "CPython" in html
    # /report/ lists the teams (two here); ?team= goes to the team's form.
    choose = client.get("/report/").content.decode()
    assert 'href="/report/psrt/"' in choose
    assert 'href="/report/other/"' in choose
    assert client.get("/report/?team=psrt")["Location"] == FORM
    assert client.get("/report/nope/").status_code == 404


def test_anonymous_submission_is_held_until_the_address_is_confirmed(
    client: Client, personas: Personas
) -> None:
    response = client.post(FORM, form_data(personas))
    assert response.status_code == 302
    assert response["Location"] == "/report/psrt/sent/"
    assert "Check your mail" in client.get(response["Location"]).content.decode()
    assert not Report.objects.exists()
    pending = PendingReport.objects.get()
    assert pending.email == "nadia@example.test"
    assert pending.filed_at is None
    mail = OutboxMessage.objects.get(template="portal-verify")
    assert mail.to == ["nadia@example.test"]
    assert mail.report is None
    assert "Heap overflow in zipfile.Path" in mail.body


def test_the_confirmation_link_files_the_report_exactly_once(
    client: Client, personas: Personas
) -> None:
    client.post(FORM, form_data(personas, ai_used="yes", ai_details="Fuzzer with an LLM."))
    link = verification_link("nadia@example.test")

    page = client.get(link)  # opening the link (or a mail scanner doing so) files nothing
    assert page.status_code == 200
    assert "Confirm and send report" in page.content.decode()
    assert not Report.objects.exists()

    response = client.post(link)
    report = Report.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/portal/reports/{report.key}/"
    assert report.source == Source.WEB
    assert report.team == personas.team
    assert report.project == personas.project
    assert report.title == "Heap overflow in zipfile.Path"
    for part in ("zipfile.Path", "3.12.4", "A crafted archive", "python -c", "remote attacker"):
        assert part in report.body
    assert "Yes. Fuzzer with an LLM." in report.body
    # The address now has a verified portal account, logged in by the link.
    user = User.objects.get(email="nadia@example.test")
    assert report.reporter.user == user
    assert report.reporter.name == "Nadia Newcomer"
    assert EmailAddress.objects.get(user=user).verified
    assert not user.has_usable_password()
    assert str(client.session["_auth_user_id"]) == str(user.pk)
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert report.key in page.content.decode()
    # The reporter got the acknowledgement; the pending row keeps no copy of the text.
    ack = OutboxMessage.objects.get(report=report, template="ack")
    assert ack.to == ["nadia@example.test"]
    assert f"/portal/reports/{report.key}/" in ack.body
    assert PendingReport.objects.get().data == {}

    again = Client().post(link)
    assert again.status_code == 410
    assert "already used" in again.content.decode()
    assert Client().get(link).status_code == 410
    assert Report.objects.count() == 1


def test_expired_and_tampered_links_are_refused_with_a_clear_message(
    client: Client, personas: Personas
) -> None:
    client.post(FORM, form_data(personas))
    link = verification_link("nadia@example.test")
    tampered = link[:-3] + ("A" if link[-3] != "A" else "B") + link[-2:]
    response = client.post(tampered)
    assert response.status_code == 404
    assert "This link is not valid" in response.content.decode()
    assert client.get("/report/verify/not-a-token/").status_code == 404

    later = clock.now() + dt.timedelta(hours=services.VERIFY_HOURS, minutes=1)
    with clock.frozen(later):
        response = client.post(link)
    assert response.status_code == 410
    assert "This link has expired" in response.content.decode()
    assert not Report.objects.exists()


def test_logged_in_reporter_files_at_once_with_the_credit_wish(
    client: Client, personas: Personas
) -> None:
    login(client, personas.reporter)
    data = form_data(personas, credit="yes", credit_name="Rita R.", credit_type="finder")
    del data["email"], data["name"]
    response = client.post(FORM, data)
    report = Report.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/portal/reports/{report.key}/"
    assert report.reporter.user == personas.reporter
    assert report.credit_wanted is True
    assert report.credit_name == "Rita R."
    assert not PendingReport.objects.exists()
    assert not OutboxMessage.objects.filter(template="portal-verify").exists()
    assert "Your email address" not in client.get(FORM).content.decode()


def test_validation_errors_keep_what_the_user_typed(client: Client, personas: Personas) -> None:
    data = form_data(
        personas, description="", ai_used="yes", ai_details="", title="My <careful> title"
    )
    response = client.post(FORM, data)
    assert response.status_code == 400
    html = response.content.decode()
    assert "This field is required." in html
    assert "Say which AI tool you used and how." in html
    assert 'value="My &lt;careful&gt; title"' in html
    assert "remote attacker who supplies an archive" in html
    assert 'value="nadia@example.test"' in html
    assert not PendingReport.objects.exists()
    assert not Report.objects.exists()


def test_the_same_answer_whether_or_not_the_address_has_an_account(
    client: Client, personas: Personas
) -> None:
    unknown = Client().post(FORM, form_data(personas, email="nobody@example.test"))
    known = Client().post(FORM, form_data(personas, email=personas.reporter.email))
    assert (unknown.status_code, unknown["Location"]) == (known.status_code, known["Location"])
    assert Client().get(unknown["Location"]).content == Client().get(known["Location"]).content

    # The account's owner confirms: the report is theirs, but a link does not log in an
    # account that has a password (it logs in the usual way).
    browser = Client()
    response = browser.post(verification_link(personas.reporter.email))
    report = Report.objects.get()
    assert report.reporter.user == personas.reporter
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert "_auth_user_id" not in browser.session


def test_honeypot_submissions_look_accepted_and_keep_nothing(
    client: Client, personas: Personas
) -> None:
    response = client.post(FORM, form_data(personas, website="http://spam.example"))
    assert response.status_code == 302
    assert response["Location"] == "/report/psrt/sent/"
    assert not PendingReport.objects.exists()
    assert not OutboxMessage.objects.exists()


def test_submissions_are_limited_per_email_address(client: Client, personas: Personas) -> None:
    for n in range(services.LIMIT_PER_EMAIL):
        client.post(FORM, form_data(personas), REMOTE_ADDR=f"10.9.0.{n + 1}")
    response = client.post(FORM, form_data(personas, title="One too many"), REMOTE_ADDR="10.9.1.1")
    assert response.status_code == 429
    html = response.content.decode()
    assert "already sent several confirmation links" in html
    assert 'value="One too many"' in html
    assert PendingReport.objects.count() == services.LIMIT_PER_EMAIL


def test_submissions_are_limited_per_client_address(client: Client, personas: Personas) -> None:
    for n in range(services.LIMIT_PER_IP):
        client.post(FORM, form_data(personas, email=f"r{n}@example.test"), REMOTE_ADDR="10.8.0.1")
    response = client.post(
        FORM, form_data(personas, email="late@example.test"), REMOTE_ADDR="10.8.0.1"
    )
    assert response.status_code == 429
    assert "Too many reports were sent from your network" in response.content.decode()
    assert (
        client.post(
            FORM, form_data(personas, email="late@example.test"), REMOTE_ADDR="10.8.0.2"
        ).status_code
        == 302
    )


def test_the_home_page_and_the_use_the_form_reply_point_to_the_form(
    client: Client, personas: Personas
) -> None:
    assert 'href="/report/psrt/"' in client.get("/").content.decode()
    from vulndesk.mail import templates
    from vulndesk.reports import services as rs

    personas.team.private_reporting_url = ""
    personas.team.save()
    report = rs.report_create(
        team=personas.team, reporter_email="mailer@example.test", title="By mail", source="email"
    )
    body = templates.render("use-private-form", report).body
    assert "/report/psrt/" in body
