"""Security headers on every page, no inline script or style in any template, and
`manage.py check --deploy` clean in the production configuration."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

import vulndesk
from tests.conftest import Personas
from tests.web import login

SRC = Path(vulndesk.__file__).resolve().parent


def _directives(header: str) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for part in header.split(";"):
        name, *values = part.split()
        out[name] = values
    return out


@pytest.mark.parametrize("path", ["/", "/accounts/login/", "/advisories/", "/cvss/"])
def test_pages_carry_a_strict_csp_and_deny_framing(personas: Personas, path: str) -> None:
    client = Client() if path.startswith("/accounts/") else login(Client(), personas.member)
    response = client.get(path)
    assert response.status_code == 200
    csp = _directives(response["Content-Security-Policy"])
    assert csp["script-src"] == ["'self'"]
    assert csp["style-src"] == ["'self'"]
    assert csp["default-src"] == ["'self'"]
    assert csp["frame-ancestors"] == ["'none'"]
    assert csp["object-src"] == ["'none'"]
    assert csp["base-uri"] == ["'none'"]
    assert csp["form-action"] == ["'self'"]
    assert "'unsafe-inline'" not in response["Content-Security-Policy"]
    assert "'unsafe-eval'" not in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


def test_no_template_has_inline_script_or_style() -> None:
    """The CSP would block them: scripts come from static files, styles from site.css.
    (A <script type="application/json"> data block is not run and is allowed.)"""
    offenders = []
    for template in SRC.rglob("templates/**/*.html"):
        text = template.read_text(encoding="utf-8")
        for tag in re.findall(r"<script\b[^>]*>", text):
            if "src=" not in tag and "application/json" not in tag:
                offenders.append(f"{template}: {tag}")
        if re.search(r"\sstyle=|<style\b", text):
            offenders.append(f"{template}: style")
        if re.search(r"\son[a-z]+=", text):
            offenders.append(f"{template}: inline event handler")
    assert offenders == []


def test_every_form_on_the_account_pages_has_labels_and_csrf(personas: Personas) -> None:
    client = Client()
    for path in ("/accounts/login/", "/accounts/signup/", "/accounts/password/reset/"):
        page = client.get(path).content.decode()
        assert "csrfmiddlewaretoken" in page
        for field_id in re.findall(
            r'<input[^>]*type="(?:email|password|text)"[^>]*id="(\w+)"', page
        ):
            assert f'<label for="{field_id}"' in page, (path, field_id)
        assert '<link rel="stylesheet" href="/static/vulndesk/site.css">' in page  # our layout


def _production_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VULNDESK_", "DATABASE_URL"))}
    env.update(
        VULNDESK_ENV="production",
        VULNDESK_SECRET_KEY="k" * 20 + "-Zq8#pL2vX!mR4tY7wB1nC5dF9gH3jK6",
        VULNDESK_ALLOWED_HOSTS="desk.example.org",
        VULNDESK_DATA_DIR=str(tmp_path),
        PYTHONPATH=str(SRC.parent),
        **extra,
    )
    return env


def test_check_deploy_is_clean_in_production(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "vulndesk", "check", "--deploy", "--fail-level", "DEBUG"],
        env=_production_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_production_settings_are_secure(tmp_path: Path) -> None:
    code = (
        "from django.conf import settings as s; "
        "print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_SSL_REDIRECT, "
        "s.SECURE_HSTS_SECONDS, s.SECURE_PROXY_SSL_HEADER, s.CSRF_TRUSTED_ORIGINS)"
    )
    result = subprocess.run(
        [sys.executable, "-m", "vulndesk", "shell", "-c", code],
        env=_production_env(
            tmp_path,
            VULNDESK_PROXY_SSL_HEADER="X-Forwarded-Protocol",
            VULNDESK_CSRF_TRUSTED_ORIGINS="https://desk.example.org",
        ),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert (
        "True True True 31536000 ('HTTP_X_FORWARDED_PROTOCOL', 'https') "
        "['https://desk.example.org']"
    ) in result.stdout


def test_api_docs_page_loads_its_scripts_from_files(db: Any) -> None:
    response = Client().get("/api/v1/docs")
    assert response.status_code == 200
    tags = re.findall(r"<script\b[^>]*>", response.content.decode())
    assert all("src=" in t or "application/json" in t for t in tags)


def test_htmx_adds_no_style_element(db: Any) -> None:
    """htmx injects a <style> for its indicators unless told not to; the CSP would block it
    (an error in every page's console), so every page turns it off and site.css has them."""
    page = Client().get("/").content.decode()
    assert '<meta name="htmx-config" content=\'{"includeIndicatorStyles":false}\'>' in page
    assert ".htmx-indicator" in (SRC / "static/vulndesk/site.css").read_text(encoding="utf-8")
