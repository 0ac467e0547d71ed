"""Projects: the team's list, an admin adds and edits; input errors shown on the form."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.conftest import Personas
from tests.web import login
from vulndesk.accounts.models import Project

pytestmark = pytest.mark.django_db

PAGE = "/team/psrt/projects/"


def test_lists_the_teams_projects_only(client: Client, personas: Personas) -> None:
    login(client, personas.member)
    body = client.get(PAGE).content.decode()
    assert "CPython" in body
    assert "https://github.com/python/cpython" in body
    assert "Edit CPython" not in body  # members read


def test_admin_adds_a_project(client: Client, personas: Personas) -> None:
    login(client, personas.admin)
    data = {
        "slug": "pip",
        "name": "pip",
        "repository_url": "https://github.com/pypa/pip",
        "cve_vendor": "pypa",
        "cve_product": "pip",
        "ecosystem": "PyPI",
        "package_name": "pip",
    }
    response = client.post(PAGE + "add/", data)
    assert response.status_code == 302
    assert response["Location"] == PAGE
    project = Project.objects.get(team=personas.team, slug="pip")
    assert (project.cve_vendor, project.package_name, project.ecosystem) == ("pypa", "pip", "PyPI")
    body = client.get(PAGE).content.decode()
    assert "Added the project pip." in body
    assert "pypa / pip" in body


def test_duplicate_slug_is_refused_next_to_the_form(client: Client, personas: Personas) -> None:
    login(client, personas.admin)
    response = client.post(PAGE + "add/", {"slug": "cpython", "name": "Again"})
    assert response.status_code == 400
    body = response.content.decode()
    assert 'id="refusal-add"' in body
    assert "cpython" in body
    assert Project.objects.filter(team=personas.team).count() == 1


def test_bad_url_is_a_form_error(client: Client, personas: Personas) -> None:
    login(client, personas.admin)
    response = client.post(PAGE + "add/", {"slug": "x", "name": "X", "repository_url": "not a url"})
    assert response.status_code == 400
    assert "Repository URL: Enter a valid URL." in response.content.decode()


def test_admin_edits_a_project(client: Client, personas: Personas) -> None:
    login(client, personas.admin)
    edit = PAGE + "cpython/edit/"
    form = client.get(edit).content.decode()
    assert 'value="https://github.com/python/cpython"' in form
    assert '<label for="id_cve_vendor">CVE vendor' in form
    response = client.post(
        edit,
        {
            "name": "CPython interpreter",
            "repository_url": "https://github.com/python/cpython",
            "cve_vendor": "python",
            "cve_product": "cpython",
            "ecosystem": "",
            "package_name": "",
        },
    )
    assert response.status_code == 302
    personas.project.refresh_from_db()
    assert personas.project.name == "CPython interpreter"
    assert (personas.project.cve_vendor, personas.project.cve_product) == ("python", "cpython")


def test_edit_refuses_an_empty_name(client: Client, personas: Personas) -> None:
    login(client, personas.admin)
    response = client.post(PAGE + "cpython/edit/", {"name": ""})
    assert response.status_code == 400
    assert "Name: This field is required." in response.content.decode()
    personas.project.refresh_from_db()
    assert personas.project.name == "CPython"


def test_member_cannot_edit(client: Client, personas: Personas) -> None:
    login(client, personas.member)
    assert client.get(PAGE + "cpython/edit/").status_code == 200
    response = client.post(PAGE + "cpython/edit/", {"name": "Hijacked"})
    assert response.status_code == 403
    personas.project.refresh_from_db()
    assert personas.project.name == "CPython"


def test_another_teams_project_is_not_found(client: Client, personas: Personas) -> None:
    from vulndesk.accounts.services import project_create

    project_create(personas.other_team, slug="theirs", name="Theirs", actor=personas.other_admin)
    login(client, personas.admin)
    assert client.get(PAGE + "theirs/edit/").status_code == 404
    assert client.post(PAGE + "theirs/edit/", {"name": "Mine"}).status_code == 404
