"""The world every access rule is checked in: the personas and the objects URLs need.

Built once per test module by tests/test_access_matrix.py (inside a transaction that is
rolled back at the end; each case runs in a savepoint of it). Rules read it through
``kwargs(w)`` and ``data(w)``; add what a new URL needs here (it is built once per
module, and each persona signs in once, through tests.web.login).

Objects:
- ``team`` (PSRT, slug "psrt", project ``project`` "cpython"), ``other_team`` ("other",
  with ``other_project``), personas as attributes (see PERSONAS), plus ``member2`` (carol).
- ``report``: PSRT, owned by ``reporter``, coordinator ``member``, ``collaborator``
  invited, state triage; it came by mail with ``attachment``. Its title, key and body
  are ``secrets``: no 404 or login redirect may show them.
- ``other_report``: PSRT, owned by ``other_reporter``, ``uninvited_collaborator`` invited.
- ``other_team_report``: of ``other_team``, owned by ``other_reporter``.
- ``published``: PSRT, published, with CVE JSON/OSV/CSAF records built (public pages);
  ``csaf_year``/``csaf_name`` name its CSAF document; PSRT is the site's default team.
- ``team_key``: PSRT's OpenPGP key row (public part only).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any

from tests.access_rules import PERSONAS
from tests.conftest import Personas, _user, build_personas, build_report
from tests.web import _ensure_password, _ensure_verified_email, totp_secret
from vulndesk.accounts.models import Membership, Project, Team, User
from vulndesk.accounts.services import project_create
from vulndesk.mail.ingest import ingest_bytes
from vulndesk.mail.models import Attachment, TeamKey
from vulndesk.reports import services as rs
from vulndesk.reports.models import Report, State

SECRET_TITLE = "Heap overflow in the zz_secret_module parser"
SECRET_BODY = "zz-private-proof-of-concept-7731"
PUBLIC_KEY = "-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nxx\n-----END PGP PUBLIC KEY BLOCK-----\n"


@dataclass
class World:
    team: Team
    project: Project
    other_team: Team
    other_project: Project
    reporter: User
    other_reporter: User
    collaborator: User
    uninvited_collaborator: User
    member: User
    member2: User
    admin: User
    other_admin: User
    report: Report
    other_report: Report
    other_team_report: Report
    published: Report
    attachment: Attachment
    team_key: TeamKey
    csaf_year: int = 0
    csaf_name: str = ""
    extra: dict[str, Any] = field(default_factory=dict)  # room for what a new URL needs

    def user(self, persona: str) -> User | None:
        if persona not in PERSONAS:
            raise KeyError(persona)
        return None if persona == "anonymous" else getattr(self, persona)

    @property
    def secrets(self) -> list[str]:
        """What nobody turned away may see: w.report's title, key and body."""
        return [self.report.title, self.report.key, SECRET_BODY]


def _mailed_report(p: Personas) -> tuple[Report, Attachment]:
    msg = EmailMessage()
    msg["From"] = p.reporter.email
    msg["To"] = p.team.security_address
    msg["Subject"] = SECRET_TITLE
    msg["Message-ID"] = "<access-matrix@example.test>"
    msg.set_content(f"Steps to reproduce: {SECRET_BODY}")
    msg.add_attachment(b"poc", maintype="application", subtype="octet-stream", filename="poc.bin")
    raw = ingest_bytes(msg.as_bytes(), source="stdin")
    report = Report.objects.get(pk=raw.report_id)
    return report, Attachment.objects.get(report=report)


def _published(p: Personas) -> Report:
    from tests.api.conftest import published_with_records
    from vulndesk.public import publication as pub
    from vulndesk.public.services import public_settings_update

    public_settings_update(
        p.team,
        actor=p.admin,
        contact=["mailto:security@example.test"],
        base_url="https://security.example.test",
        default_site=True,
    )
    report = published_with_records(p)
    pub.publication_run(report)
    return report


def build_world() -> World:
    p = build_personas()
    uma = _user("uma")
    report, attachment = _mailed_report(p)
    rs.report_triage(report, actor=p.admin, outcome="plausible")
    rs.report_assign(report, actor=p.admin, coordinator=p.member)
    rs.collaborator_invite(report, actor=p.member, user=p.collaborator)
    other_report = rs.report_create(
        team=p.team,
        reporter_email=p.other_reporter.email,
        title="Oscar's report",
        body="Another bug.",
        project=p.project,
        actor=p.other_reporter,
    )
    rs.report_triage(other_report, actor=p.admin, outcome="plausible")
    rs.collaborator_invite(other_report, actor=p.admin, user=uma)
    other_project = project_create(
        p.other_team, slug="otherproj", name="Other project", actor=p.other_admin
    )
    other_team_report = rs.report_create(
        team=p.other_team,
        reporter_email=p.other_reporter.email,
        title="A report to the other team",
        body="Elsewhere.",
        project=other_project,
        actor=p.other_reporter,
    )
    published = _published(p)
    # Other published/closed reports of rita's, so her portal has more than one row.
    build_report(p, State.REJECTED, title="A rejected report")
    team_key = TeamKey.objects.create(
        team=p.team,
        fingerprint="0123456789ABCDEF0123456789ABCDEF01234567",
        public_key=PUBLIC_KEY,
    )
    world = World(
        team=p.team,
        project=p.project,
        other_team=p.other_team,
        other_project=other_project,
        reporter=p.reporter,
        other_reporter=p.other_reporter,
        collaborator=p.collaborator,
        uninvited_collaborator=uma,
        member=p.member,
        member2=p.member2,
        admin=p.admin,
        other_admin=p.other_admin,
        report=report,
        other_report=other_report,
        other_team_report=other_team_report,
        published=published,
        attachment=attachment,
        team_key=team_key,
    )
    _csaf(world)
    # What tests.web.login would otherwise do in every case: verified addresses, known
    # passwords, TOTP devices for team staff.
    for persona in PERSONAS:
        user = world.user(persona)
        if user is None:
            continue
        _ensure_verified_email(user)
        _ensure_password(user)
        if Membership.objects.filter(user=user).exists():
            totp_secret(user)
    for r in (report, other_report, other_team_report, published):
        r.refresh_from_db()
    return world


def _csaf(world: World) -> None:
    from vulndesk.public import feeds
    from vulndesk.public.selectors import published_advisories

    for advisory in published_advisories().filter(team=world.team):
        if advisory.csaf:
            year, name = feeds.csaf_path(advisory).split("/", 1)
            world.csaf_year, world.csaf_name = int(year), name
            return
