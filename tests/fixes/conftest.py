from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.fixes.fakegithub import FakeGitHub


@pytest.fixture(scope="session")
def _github_server() -> Iterator[FakeGitHub]:
    fake = FakeGitHub().start()
    yield fake
    fake.stop()


@pytest.fixture
def github(_github_server: FakeGitHub, settings: Any) -> Iterator[FakeGitHub]:
    """The fake GitHub, reset, with vulndesk configured to use it. Every request and
    response must have matched GitHub's OpenAPI description."""
    _github_server.reset()
    settings.GITHUB_TOKEN = _github_server.token
    settings.GITHUB_API_URL = _github_server.url
    yield _github_server
    assert _github_server.violations == []
