"""Settings come from the environment only; production refuses to start unsafe."""

from __future__ import annotations

import ast
import re
import runpy
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured

import vulndesk.settings

SETTINGS_FILE = vulndesk.settings.__file__

VARS = [
    "VULNDESK_ENV",
    "VULNDESK_SECRET_KEY",
    "VULNDESK_SECRET_KEY_FILE",
    "VULNDESK_ALLOWED_HOSTS",
    "VULNDESK_DEBUG",
    "DATABASE_URL",
    "VULNDESK_TEST_DB_NAME",
    "VULNDESK_EMAIL_PASSWORD",
    "VULNDESK_EMAIL_PASSWORD_FILE",
]


@pytest.fixture
def load(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Any:
    """Evaluate settings.py afresh under the given environment; returns its names."""
    for name in VARS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("VULNDESK_DATA_DIR", str(tmp_path / "data"))

    def run(**env: str) -> dict[str, Any]:
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        return runpy.run_path(SETTINGS_FILE)

    return run


def test_production_is_the_default_and_refuses_without_a_secret_key(load: Any) -> None:
    with pytest.raises(ImproperlyConfigured, match=r"VULNDESK_SECRET_KEY .* must be set"):
        load(VULNDESK_ALLOWED_HOSTS="desk.example.org")


def test_production_refuses_without_allowed_hosts(load: Any) -> None:
    with pytest.raises(ImproperlyConfigured, match="VULNDESK_ALLOWED_HOSTS"):
        load(VULNDESK_SECRET_KEY="s" * 50)


def test_production_refuses_debug(load: Any) -> None:
    with pytest.raises(ImproperlyConfigured, match="VULNDESK_DEBUG may not be on"):
        load(VULNDESK_SECRET_KEY="s" * 50, VULNDESK_ALLOWED_HOSTS="x", VULNDESK_DEBUG="yes")


def test_production_with_a_key_is_secure(load: Any) -> None:
    names = load(VULNDESK_SECRET_KEY="s" * 50, VULNDESK_ALLOWED_HOSTS="desk.example.org, b")
    assert names["SECRET_KEY"] == "s" * 50
    assert names["ALLOWED_HOSTS"] == ["desk.example.org", "b"]
    assert names["DEBUG"] is False
    assert names["SESSION_COOKIE_SECURE"] is True
    assert names["SECURE_HSTS_SECONDS"] > 0


def test_secrets_can_come_from_files(load: Any, tmp_path: Path) -> None:
    key = tmp_path / "secret-key"
    key.write_text("from-a-file\n", encoding="utf-8")
    password = tmp_path / "smtp"
    password.write_text("hunter2", encoding="utf-8")
    names = load(
        VULNDESK_SECRET_KEY_FILE=str(key),
        VULNDESK_ALLOWED_HOSTS="x",
        VULNDESK_EMAIL_PASSWORD_FILE=str(password),
    )
    assert names["SECRET_KEY"] == "from-a-file"
    assert names["EMAIL_HOST_PASSWORD"] == "hunter2"


def test_an_unreadable_secret_file_is_a_clear_error(load: Any, tmp_path: Path) -> None:
    missing = tmp_path / "nope"
    with pytest.raises(ImproperlyConfigured) as error:
        load(VULNDESK_SECRET_KEY_FILE=str(missing), VULNDESK_ALLOWED_HOSTS="x")
    assert str(error.value) == (
        f"VULNDESK_SECRET_KEY_FILE names '{missing}', which cannot be read: "
        "No such file or directory"
    )
    with pytest.raises(ImproperlyConfigured, match="which cannot be read: Is a directory"):
        load(VULNDESK_SECRET_KEY_FILE=str(tmp_path), VULNDESK_ALLOWED_HOSTS="x")


def test_development_keeps_a_generated_key_in_the_data_dir(load: Any, tmp_path: Path) -> None:
    first = load(VULNDESK_ENV="development")["SECRET_KEY"]
    assert len(first) > 40
    assert load(VULNDESK_ENV="development")["SECRET_KEY"] == first
    key_file = tmp_path / "data" / "dev-secret-key"
    assert key_file.read_text(encoding="utf-8") == first
    assert oct(key_file.stat().st_mode & 0o777) == "0o600"


def test_sqlite_under_the_data_dir_by_default(load: Any, tmp_path: Path) -> None:
    names = load(VULNDESK_ENV="development")
    db = names["DATABASES"]["default"]
    assert db["ENGINE"] == "django.db.backends.sqlite3"
    assert db["NAME"] == str(tmp_path / "data" / "vulndesk.sqlite3")
    # Tests get a file next to it, so threads and subprocesses share the test database.
    assert db["TEST"]["NAME"] == str(tmp_path / "data" / "test.sqlite3")


def test_database_url_selects_postgresql(load: Any) -> None:
    names = load(
        VULNDESK_ENV="development",
        DATABASE_URL="postgres://vd:pw@db.example.org:5433/vulndesk",
        VULNDESK_TEST_DB_NAME="test_ci",
    )
    db = names["DATABASES"]["default"]
    assert db["ENGINE"] == "django.db.backends.postgresql"
    assert (db["NAME"], db["USER"], db["PASSWORD"], db["HOST"], db["PORT"]) == (
        "vulndesk",
        "vd",
        "pw",
        "db.example.org",
        5433,
    )
    assert db["TEST"] == {"NAME": "test_ci"}


def test_bad_values_are_named(load: Any) -> None:
    with pytest.raises(ImproperlyConfigured, match="VULNDESK_ENV must be"):
        load(VULNDESK_ENV="staging")
    with pytest.raises(ImproperlyConfigured, match="VULNDESK_DEBUG must be true or false"):
        load(VULNDESK_ENV="development", VULNDESK_DEBUG="maybe")


FOUNDATION_VARIABLES = [
    "VULNDESK_ENV",
    "VULNDESK_DATA_DIR",
    "VULNDESK_DEBUG",
    "VULNDESK_SECRET_KEY",
    "VULNDESK_ALLOWED_HOSTS",
    "VULNDESK_CSRF_TRUSTED_ORIGINS",
    "VULNDESK_BASE_URL",
    "DATABASE_URL",
    "VULNDESK_TEST_DB_NAME",
    "VULNDESK_TIME_ZONE",
    "VULNDESK_SESSION_AGE",
    "VULNDESK_SSL_REDIRECT",
    "VULNDESK_LOG_LEVEL",
    "VULNDESK_EMAIL_HOST",
    "VULNDESK_EMAIL_USER",
    "VULNDESK_EMAIL_PASSWORD",
    "VULNDESK_EMAIL_USE_TLS",
    "VULNDESK_FROM_EMAIL",
]

SRC = Path(SETTINGS_FILE).parent
README = Path(SETTINGS_FILE).parents[2] / "README.md"
# Calls that read the environment: settings' helpers (which also read <NAME>_FILE) and os's.
ENV_READERS = {
    "env",
    "env_bool",
    "env_list",
    "os.environ.get",
    "os.getenv",
    "environ.get",
    "getenv",
}


def _dotted(node: ast.expr) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return f"{_dotted(node.value)}.{node.attr}"
    return ""


def environment_reads() -> tuple[dict[str, list[str]], list[str]]:
    """Every environment variable read in src/: name -> places; and reads by a non-literal name."""
    names: dict[str, list[str]] = {}
    unnamed: list[str] = []
    for path in sorted(SRC.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            key: ast.expr | None = None
            if isinstance(node, ast.Call) and _dotted(node.func) in ENV_READERS and node.args:
                key = node.args[0]
            elif isinstance(node, ast.Subscript) and _dotted(node.value).endswith("environ"):
                key = node.slice
            if key is None:
                continue
            where = f"{path.relative_to(SRC.parent)}:{key.lineno}"
            if isinstance(key, ast.Constant) and isinstance(key.value, str):
                names.setdefault(key.value, []).append(where)
            else:
                unnamed.append(where)
    return names, unnamed


def readme_settings() -> dict[str, list[str]]:
    """The Configuration table: each variable named in a row's first cell -> the row's cells."""
    text = README.read_text(encoding="utf-8")
    section = text.split("\n## Configuration\n", 1)[1].split("\n## ", 1)[0]
    rows: dict[str, list[str]] = {}
    for line in section.splitlines():
        if not line.startswith("| `"):
            continue
        cells = [cell.strip() for cell in line.strip().strip("|").split(" | ")]
        for name in re.findall(r"`([A-Z][A-Z0-9_]+)`", cells[0]):
            rows[name] = cells
    return rows


def test_the_readme_documents_the_foundation_variables() -> None:
    readme = README.read_text(encoding="utf-8")
    source = Path(SETTINGS_FILE).read_text(encoding="utf-8")
    assert [name for name in FOUNDATION_VARIABLES if f'"{name}"' not in source] == []
    assert [name for name in FOUNDATION_VARIABLES if f"`{name}`" not in readme] == []


def test_every_environment_variable_read_in_src_has_a_readme_row() -> None:
    names, _ = environment_reads()
    rows = readme_settings()
    missing = {name: places for name, places in names.items() if name not in rows}
    assert missing == {}, "add a row (name | default | meaning) to README.md's Configuration"
    incomplete = [name for name in names if len(rows[name]) != 3 or not all(rows[name])]
    assert incomplete == [], "each row needs three cells: name, default (— for none), meaning"


def test_environment_variables_are_read_by_literal_name() -> None:
    # Only the helpers env()/env_bool()/env_list() read a computed name; a name
    # computed elsewhere would escape the README check above.
    _, unnamed = environment_reads()
    tree = ast.parse(Path(SETTINGS_FILE).read_text(encoding="utf-8"))
    helper_lines = {
        line
        for node in tree.body
        if isinstance(node, ast.FunctionDef) and node.name in ENV_READERS
        for line in range(node.lineno, (node.end_lineno or node.lineno) + 1)
    }
    outside = [
        where
        for where in unnamed
        if not (
            where.startswith("vulndesk/settings.py:")
            and int(where.rsplit(":", 1)[1]) in helper_lines
        )
    ]
    assert outside == []


def test_the_readme_has_no_row_for_a_variable_nothing_reads() -> None:
    names, _ = environment_reads()
    assert sorted(set(readme_settings()) - set(names)) == []


def test_the_environment_scan_finds_reads_of_every_kind() -> None:
    names, _ = environment_reads()
    # settings' helper, env_bool, and direct os.environ reads in the CLI and the mail code
    for name in ["VULNDESK_SECRET_KEY", "VULNDESK_IMAP_SSL", "VULNDESK_AS", "VULNDESK_FAULT"]:
        assert name in names
    assert len(names) >= 57
