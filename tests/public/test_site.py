"""The public site's records: OSV against the official schema, Atom, security.txt, CSAF."""

from __future__ import annotations

import io
import json
import zipfile
from xml.etree import ElementTree as ET

import jsonschema
import pytest
from django.test import Client

from tests.conftest import Personas, build_report
from tests.shared_files import SHARED
from vulndesk.core.errors import PermissionDenied, ValidationFailed
from vulndesk.public import publication as pub
from vulndesk.public.models import PublishedAdvisory
from vulndesk.public.services import advisory_revise, public_settings_update
from vulndesk.reports.models import Report, State

ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture
def published(personas: Personas) -> Report:
    public_settings_update(
        personas.team,
        actor=personas.admin,
        contact=["mailto:security@example.test", "https://example.test/report"],
        encryption="https://example.test/pgp.asc",
        policy="https://example.test/policy",
        acknowledgments="https://example.test/thanks",
        base_url="https://security.example.test",
        default_site=True,
    )
    report = build_report(personas, State.PUBLISHED)
    pub.publication_run(report)
    return report


def test_osv_records_validate_against_the_official_schema(published: Report) -> None:
    schema = json.loads((SHARED / "schemas" / "osv-schema.json").read_text())
    client = Client()
    one = client.get(f"/advisories/osv/{published.key}.json").json()
    jsonschema.validate(one, schema)
    assert one["id"] == f"x_{published.key}"  # PSRT is no registered OSV home database
    assert one["aliases"] == [published.cve_id]
    assert one["summary"] == "Path traversal in zipfile.Path"
    assert {"name": "Rita", "type": "FINDER"} in one["credits"]
    everything = client.get("/advisories/osv/all.json").json()
    assert everything == [one]
    archive = zipfile.ZipFile(io.BytesIO(client.get("/advisories/osv/all.zip").content))
    assert archive.namelist() == [f"x_{published.key}.json"]
    assert json.loads(archive.read(f"x_{published.key}.json")) == one


def test_atom_feed_lists_the_advisory(published: Report) -> None:
    response = Client().get("/advisories/feed.atom")
    assert response["Content-Type"].startswith("application/atom+xml")
    root = ET.fromstring(response.content)  # noqa: S314 - our own output
    entries = root.findall(f"{ATOM}entry")
    assert len(entries) == 1
    title = entries[0].find(f"{ATOM}title")
    assert title is not None
    assert title.text == f"[{published.cve_id}] Path traversal in zipfile.Path"
    link = entries[0].find(f"{ATOM}link")
    assert link is not None
    assert link.get("href") == f"https://security.example.test/advisories/{published.cve_id}/"


def test_security_txt_has_the_rfc_9116_fields(published: Report) -> None:
    text = Client().get("/.well-known/security.txt").content.decode()
    fields = [line.split(":", 1)[0] for line in text.splitlines() if not line.startswith("#")]
    assert fields == [
        "Contact",
        "Contact",
        "Expires",
        "Encryption",
        "Acknowledgments",
        "Preferred-Languages",
        "Canonical",
        "Policy",
        "CSAF",
    ]
    assert "Canonical: https://security.example.test/.well-known/security.txt" in text
    assert "CSAF: https://security.example.test/.well-known/csaf/provider-metadata.json" in text


def test_security_txt_validates_with_sectxt(published: Report) -> None:
    from sectxt import Parser

    body = Client().get("/.well-known/security.txt").content
    parser = Parser(body, urls="https://security.example.test/.well-known/security.txt")
    assert parser.errors == []
    assert parser.is_valid()
    # Only the recommendation to sign it with OpenPGP remains.
    assert [r["code"] for r in parser.recommendations] == ["not_signed"]


def test_security_txt_settings_refuse_bad_values(personas: Personas) -> None:
    with pytest.raises(ValidationFailed, match="mailto:"):
        public_settings_update(personas.team, actor=personas.admin, contact=["security@x"])
    with pytest.raises(ValidationFailed, match="https://"):
        public_settings_update(personas.team, actor=personas.admin, policy="http://x.test/p")
    with pytest.raises(PermissionDenied):
        public_settings_update(personas.team, actor=personas.member, policy="https://x.test")


def test_csaf_provider_metadata(published: Report) -> None:
    data = Client().get("/.well-known/csaf/provider-metadata.json").json()
    assert data["metadata_version"] == "2.0"
    assert data["role"] == "csaf_provider"
    assert data["publisher"]["name"] == "PSRT"
    assert data["canonical_url"].startswith("https://security.example.test/")


def test_page_search_project_and_history(published: Report, personas: Personas) -> None:
    client = Client()
    assert published.cve_id in client.get("/advisories/?q=zipfile").content.decode()
    assert published.cve_id not in client.get("/advisories/?q=nomatchword").content.decode()
    project = client.get("/projects/psrt/cpython/").content.decode()
    assert published.cve_id in project
    assert client.get("/projects/psrt/nope/").status_code == 404
    advisory_revise(published, actor=personas.member, change_note="Backport to 3.11 merged.")
    pub.publication_run(published)
    page = client.get(f"/advisories/{published.key}/").content.decode()
    assert "Revision 2" in page
    assert "Backport to 3.11 merged." in page
    assert "Initial publication." in page
    assert PublishedAdvisory.objects.get(report=published).revision == 2
