"""A fake GitHub REST API on loopback that checks every request and every response it
sends against GitHub's published OpenAPI description (../shared/schemas).

Real HTTP (a ThreadingHTTPServer in a thread), so the githubkit adapter is exercised end
to end. A request the description does not allow (unknown path or method, a bad path or
query parameter, a body that does not validate, no token) is answered with an error AND
recorded in ``server.violations``; tests assert that list stays empty. Responses are built
from a minimal instance of the response schema (every required field) with the fake's
state laid over it, then validated before they are sent.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import jsonschema

from tests.shared_files import SCHEMAS

SPEC_PATH = SCHEMAS / "github-advisories-openapi.json"
NOW = "2026-11-28T12:00:00Z"


# ------------------------------------------------------------------ OpenAPI 3.0 -> JSON Schema


def _to_json_schema(node: Any) -> Any:
    """OpenAPI 3.0's ``nullable: true`` becomes a JSON Schema null type; the rest maps as is."""
    if isinstance(node, list):
        return [_to_json_schema(n) for n in node]
    if not isinstance(node, dict):
        return node
    out = {k: _to_json_schema(v) for k, v in node.items() if k not in ("example", "examples")}
    if out.pop("nullable", False):
        if "type" in out:
            out["type"] = [out["type"], "null"] if isinstance(out["type"], str) else out["type"]
            if "enum" in out and None not in out["enum"]:
                out["enum"] = [*out["enum"], None]
        elif "$ref" in out or "allOf" in out or "anyOf" in out or "oneOf" in out:
            out = {"anyOf": [{"type": "null"}, out]}
    return out


class Spec:
    def __init__(self, path: Path = SPEC_PATH) -> None:
        self.raw = json.loads(path.read_text())
        self.doc = _to_json_schema(self.raw)
        self.routes: list[tuple[re.Pattern[str], str, dict[str, Any]]] = []
        for template, item in self.doc["paths"].items():
            regex = "^" + re.sub(r"\{([^}]+)\}", r"(?P<\1>[^/]+)", template) + "$"
            self.routes.append((re.compile(_safe_groups(regex)), template, item))

    def resolve(self, node: dict[str, Any]) -> dict[str, Any]:
        while "$ref" in node:
            target: Any = self.doc
            for part in node["$ref"].lstrip("#/").split("/"):
                target = target[part]
            node = target
        return node

    def validator(self, schema: dict[str, Any]) -> jsonschema.Draft7Validator:
        return jsonschema.Draft7Validator(
            {"allOf": [schema], "components": self.doc["components"]},
            format_checker=jsonschema.FormatChecker(),
        )

    def errors(self, schema: dict[str, Any], instance: Any) -> list[str]:
        return [
            f"{'/'.join(map(str, e.absolute_path)) or '<root>'}: {e.message}"
            for e in self.validator(schema).iter_errors(instance)
        ][:5]

    def minimal(self, schema: dict[str, Any], depth: int = 0) -> Any:
        """A minimal instance: every required property, each of its simplest valid kind."""
        schema = self.resolve(schema)
        if "allOf" in schema:
            merged: dict[str, Any] = {}
            for part in schema["allOf"]:
                value = self.minimal(part, depth)
                if isinstance(value, dict):
                    merged.update(value)
            return merged
        for key in ("anyOf", "oneOf"):
            if key in schema:
                options = [o for o in schema[key] if self.resolve(o).get("type") != "null"]
                return self.minimal((options or schema[key])[0], depth)
        if "enum" in schema:
            return next(v for v in schema["enum"] if v is not None)
        kind = schema.get("type", "object")
        if isinstance(kind, list):
            kind = next(k for k in kind if k != "null")
        if kind == "object":
            props = schema.get("properties", {})
            return {
                name: self.minimal(props.get(name, {"type": "string"}), depth + 1)
                for name in schema.get("required", [])
            }
        if kind == "array":
            return []
        if kind == "integer":
            return max(1, schema.get("minimum", 1))
        if kind == "number":
            return 1.0
        if kind == "boolean":
            return False
        fmt = schema.get("format", "")
        if fmt == "date-time":
            return NOW
        if fmt in ("uri", "uri-template", "url"):
            return "https://github.example.test/x"
        if fmt == "email":
            return "octocat@example.test"
        return "x"


def _safe_groups(regex: str) -> str:
    # Python group names cannot hold "-" (e.g. {pull-number} does not occur, but be safe).
    return re.sub(r"\(\?P<([^>]+)>", lambda m: f"(?P<{m.group(1).replace('-', '_')}>", regex)


# ------------------------------------------------------------------ the fake's state


@dataclass
class FakeState:
    pulls: dict[tuple[str, str, int], dict[str, Any]] = field(default_factory=dict)
    issues: dict[tuple[str, str, int], dict[str, Any]] = field(default_factory=dict)
    advisories: dict[tuple[str, str, str], dict[str, Any]] = field(default_factory=dict)
    forks: dict[tuple[str, str, str], str] = field(default_factory=dict)
    counter: int = 0

    def add_pull(
        self,
        owner: str,
        repo: str,
        number: int,
        *,
        base: str = "main",
        labels: list[str] | None = None,
        merged: bool = False,
        title: str = "gh-1: Fix",
    ) -> None:
        self.pulls[(owner, repo, number)] = {
            "base": base,
            "labels": list(labels or []),
            "merged": merged,
            "merge_commit_sha": f"{number:07d}" + "f" * 33 if merged else None,
            "title": title,
        }

    def merge(self, owner: str, repo: str, number: int) -> None:
        pull = self.pulls[(owner, repo, number)]
        pull["merged"] = True
        pull["merge_commit_sha"] = f"{number:07d}" + "e" * 33


Handler = Callable[["FakeGitHub", dict[str, str], dict[str, list[str]], Any], tuple[int, Any]]


class FakeGitHub:
    """Start with ``FakeGitHub().start()``; ``.url`` is the API base URL."""

    def __init__(self, token: str = "test-token") -> None:  # noqa: S107 - a fake's token
        self.spec = Spec()
        self.state = FakeState()
        self.token = token
        self.violations: list[str] = []
        self.requests: list[tuple[str, str, Any]] = []
        self.lock = threading.Lock()
        self.fail_next: list[int] = []  # status codes to answer the next requests with
        self._server: ThreadingHTTPServer | None = None

    # -- lifecycle
    def start(self) -> FakeGitHub:
        fake = self

        class RequestHandler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def _any(self) -> None:
                fake._handle(self)

            do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _any  # noqa: N815

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), RequestHandler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    @property
    def url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def reset(self) -> None:
        with self.lock:
            self.state = FakeState()
            self.violations.clear()
            self.requests.clear()
            self.fail_next.clear()

    # -- request handling
    def _violation(self, text: str) -> None:
        self.violations.append(text)

    def _handle(self, http: BaseHTTPRequestHandler) -> None:
        method = http.command.lower()
        parts = urlsplit(http.path)
        query = parse_qs(parts.query)
        length = int(http.headers.get("Content-Length") or 0)
        raw = http.rfile.read(length) if length else b""
        body: Any = None
        status, payload = 500, {"message": "fake error"}
        with self.lock:
            try:
                if raw:
                    body = json.loads(raw)
                self.requests.append((http.command, parts.path, body))
                status, payload = self._dispatch(method, parts.path, query, body, http)
            except Exception as exc:  # a fake bug must be loud, not a hang
                self._violation(f"{http.command} {parts.path}: fake crashed: {exc!r}")
                status, payload = 500, {"message": str(exc)}
        data = b"" if payload is None else json.dumps(payload).encode()
        http.send_response(status)
        http.send_header("Content-Type", "application/json; charset=utf-8")
        http.send_header("Content-Length", str(len(data)))
        http.end_headers()
        http.wfile.write(data)

    def _dispatch(
        self,
        method: str,
        path: str,
        query: dict[str, list[str]],
        body: Any,
        http: BaseHTTPRequestHandler,
    ) -> tuple[int, Any]:
        where = f"{method.upper()} {path}"
        auth = http.headers.get("Authorization", "")
        if auth not in (f"token {self.token}", f"Bearer {self.token}"):
            self._violation(f"{where}: no or wrong token ({auth[:12]!r})")
            return 401, {"message": "Bad credentials", "documentation_url": "https://x"}
        found = self._route(method, path)
        if found is None:
            self._violation(f"{where}: not an operation of the OpenAPI description")
            return 404, {"message": "Not Found", "documentation_url": "https://x"}
        match, template, item = found
        op = item[method]
        params = {**match.groupdict()}
        problems = self._check_parameters(op, item, params, query)
        problems += self._check_body(op, body)
        if problems:
            self._violation(f"{where}: " + "; ".join(problems))
            return 422, {"message": "Validation Failed", "documentation_url": "https://x"}
        if self.fail_next:
            code = self.fail_next.pop(0)
            return self._respond(op, where, code, {"message": "unavailable"})
        handler = ROUTES.get((method, template))
        if handler is None:
            self._violation(f"{where}: the fake does not implement {template}")
            return 501, {"message": "not implemented"}
        status, payload = handler(self, params, query, body)
        return self._respond(op, where, status, payload)

    def _route(self, method: str, path: str) -> tuple[re.Match[str], str, dict[str, Any]] | None:
        for pattern, template, item in self.spec.routes:
            match = pattern.match(path)
            if match and method in item:
                return match, template, item
        return None

    def _respond(
        self, op: dict[str, Any], where: str, status: int, payload: Any
    ) -> tuple[int, Any]:
        response = op["responses"].get(str(status))
        if response is None:
            self._violation(f"{where}: status {status} is not a documented response")
            return status, payload
        response = self.spec.resolve(response)
        schema = response.get("content", {}).get("application/json", {}).get("schema")
        if schema is not None:
            errors = self.spec.errors(schema, payload)
            if errors:
                self._violation(f"{where}: response {status} invalid: {errors}")
        return status, payload

    def _check_parameters(
        self,
        op: dict[str, Any],
        item: dict[str, Any],
        params: dict[str, str],
        query: dict[str, list[str]],
    ) -> list[str]:
        problems = []
        declared = [
            self.spec.resolve(p) for p in item.get("parameters", []) + op.get("parameters", [])
        ]
        known_query = {p["name"] for p in declared if p["in"] == "query"}
        for name in query:
            if name not in known_query:
                problems.append(f"unknown query parameter {name!r}")
        for p in declared:
            if p["in"] == "path":
                value: Any = params.get(p["name"].replace("-", "_"))
            elif p["in"] == "query" and p["name"] in query:
                value = query[p["name"]][0]
            else:
                if p.get("required") and p["in"] == "query":
                    problems.append(f"missing query parameter {p['name']!r}")
                continue
            schema = p.get("schema", {})
            if schema.get("type") == "integer":
                if not str(value).isdigit():
                    problems.append(f"{p['name']} must be an integer, not {value!r}")
                    continue
                value = int(value)
            problems += [f"{p['name']}: {e}" for e in self.spec.errors(schema, value)]
        return problems

    def _check_body(self, op: dict[str, Any], body: Any) -> list[str]:
        spec_body = op.get("requestBody")
        if spec_body is None:
            return ["a body was sent where none is described"] if body not in (None, {}) else []
        spec_body = self.spec.resolve(spec_body)
        if body is None:
            return ["the request body is required"] if spec_body.get("required") else []
        schema = spec_body["content"]["application/json"]["schema"]
        return [f"body {e}" for e in self.spec.errors(schema, body)]

    # -- building responses
    def build(self, schema_name: str, overlay: dict[str, Any]) -> dict[str, Any]:
        base = self.spec.minimal({"$ref": f"#/components/schemas/{schema_name}"})
        return _deep_merge(base, overlay)

    def label(self, name: str) -> dict[str, Any]:
        return self.build("label", {"name": name, "color": "ededed"})

    def user(self, login: str) -> dict[str, Any]:
        return self.build("simple-user", {"login": login, "type": "User"})


def _deep_merge(base: Any, overlay: Any) -> Any:
    if isinstance(base, dict) and isinstance(overlay, dict):
        out = copy.deepcopy(base)
        for key, value in overlay.items():
            out[key] = _deep_merge(out.get(key), value) if key in out else value
        return out
    return overlay


# ------------------------------------------------------------------ operations


def _not_found() -> tuple[int, Any]:
    return 404, {"message": "Not Found", "documentation_url": "https://docs.github.com"}


def get_pull(fake: FakeGitHub, p: dict[str, str], q: Any, body: Any) -> tuple[int, Any]:
    key = (p["owner"], p["repo"], int(p["pull_number"]))
    pull = fake.state.pulls.get(key)
    if pull is None:
        return _not_found()
    html = f"https://github.com/{key[0]}/{key[1]}/pull/{key[2]}"
    return 200, fake.build(
        "pull-request",
        {
            "number": key[2],
            "html_url": html,
            "title": pull["title"],
            "state": "closed" if pull["merged"] else "open",
            "merged": pull["merged"],
            "merged_at": NOW if pull["merged"] else None,
            "merge_commit_sha": pull["merge_commit_sha"],
            "labels": [fake.label(n) for n in pull["labels"]],
            "base": {"ref": pull["base"], "label": f"{key[0]}:{pull['base']}"},
        },
    )


def get_issue(fake: FakeGitHub, p: dict[str, str], q: Any, body: Any) -> tuple[int, Any]:
    key = (p["owner"], p["repo"], int(p["issue_number"]))
    pull = fake.state.pulls.get(key)
    issue = fake.state.issues.get(key) or pull
    if issue is None:
        return _not_found()
    return 200, fake.build(
        "issue",
        {
            "number": key[2],
            "title": issue["title"],
            "state": "closed" if issue.get("merged") or issue.get("closed") else "open",
            "html_url": f"https://github.com/{key[0]}/{key[1]}/issues/{key[2]}",
            "labels": [fake.label(n) for n in issue["labels"]],
        },
    )


def get_issue_labels(fake: FakeGitHub, p: dict[str, str], q: Any, body: Any) -> tuple[int, Any]:
    key = (p["owner"], p["repo"], int(p["issue_number"]))
    issue = fake.state.issues.get(key) or fake.state.pulls.get(key)
    if issue is None:
        return _not_found()
    return 200, [fake.label(n) for n in issue["labels"]]


def _advisory(fake: FakeGitHub, owner: str, repo: str, ghsa: str) -> dict[str, Any]:
    data = fake.state.advisories[(owner, repo, ghsa)]
    fork = fake.state.forks.get((owner, repo, ghsa))
    return fake.build(
        "repository-advisory",
        {
            **data,
            "ghsa_id": ghsa,
            "url": f"https://api.github.example.test/repos/{owner}/{repo}/security-advisories/{ghsa}",
            "html_url": f"https://github.com/{owner}/{repo}/security/advisories/{ghsa}",
            "identifiers": [{"type": "GHSA", "value": ghsa}],
            "private_fork": None
            if fork is None
            else fake.build(
                "simple-repository", {"full_name": fork, "html_url": f"https://github.com/{fork}"}
            ),
        },
    )


def _store_advisory(
    fake: FakeGitHub, owner: str, repo: str, ghsa: str, body: dict[str, Any]
) -> None:
    current = fake.state.advisories.setdefault(
        (owner, repo, ghsa), {"state": "draft", "author": fake.user("psrt-bot")}
    )
    for name in ("summary", "description", "cve_id", "severity", "cwe_ids", "state"):
        if name in body:
            current[name] = body[name]
    if body.get("cwe_ids") is not None:
        current["cwes"] = [{"cwe_id": c, "name": c} for c in body["cwe_ids"]]
    if "cvss_vector_string" in body:
        current["cvss"] = {"vector_string": body["cvss_vector_string"], "score": None}
    if "vulnerabilities" in body:
        current["vulnerabilities"] = [
            {
                "package": v["package"] | {"name": v["package"].get("name")},
                "vulnerable_version_range": v.get("vulnerable_version_range"),
                "patched_versions": v.get("patched_versions"),
                "vulnerable_functions": v.get("vulnerable_functions") or [],
            }
            for v in body["vulnerabilities"]
        ]
    if "credits" in body:
        current["credits"] = body["credits"]
        current["credits_detailed"] = [
            {"user": fake.user(c["login"]), "type": c["type"], "state": "pending"}
            for c in body["credits"] or []
        ]


def list_advisories(
    fake: FakeGitHub, p: dict[str, str], q: dict[str, list[str]], body: Any
) -> tuple[int, Any]:
    state = q.get("state", [None])[0]
    out = [
        _advisory(fake, o, r, g)
        for (o, r, g), data in sorted(fake.state.advisories.items())
        if (o, r) == (p["owner"], p["repo"]) and (state is None or data.get("state") == state)
    ]
    return 200, out


def create_advisory(fake: FakeGitHub, p: dict[str, str], q: Any, body: Any) -> tuple[int, Any]:
    fake.state.counter += 1
    ghsa = f"GHSA-{fake.state.counter:04d}-abcd-efgh"
    _store_advisory(fake, p["owner"], p["repo"], ghsa, body)
    if body.get("start_private_fork"):
        fake.state.forks[(p["owner"], p["repo"], ghsa)] = f"{p['owner']}/{p['repo']}-{ghsa.lower()}"
    return 201, _advisory(fake, p["owner"], p["repo"], ghsa)


def get_advisory(fake: FakeGitHub, p: dict[str, str], q: Any, body: Any) -> tuple[int, Any]:
    if (p["owner"], p["repo"], p["ghsa_id"]) not in fake.state.advisories:
        return _not_found()
    return 200, _advisory(fake, p["owner"], p["repo"], p["ghsa_id"])


def update_advisory(fake: FakeGitHub, p: dict[str, str], q: Any, body: Any) -> tuple[int, Any]:
    if (p["owner"], p["repo"], p["ghsa_id"]) not in fake.state.advisories:
        return _not_found()
    _store_advisory(fake, p["owner"], p["repo"], p["ghsa_id"], body)
    return 200, _advisory(fake, p["owner"], p["repo"], p["ghsa_id"])


def create_fork(fake: FakeGitHub, p: dict[str, str], q: Any, body: Any) -> tuple[int, Any]:
    key = (p["owner"], p["repo"], p["ghsa_id"])
    if key not in fake.state.advisories:
        return _not_found()
    name = f"{p['repo']}-{p['ghsa_id'].lower()}"
    fake.state.forks[key] = f"{p['owner']}/{name}"
    return 202, fake.build(
        "full-repository",
        {
            "name": name,
            "full_name": f"{p['owner']}/{name}",
            "private": True,
            "html_url": f"https://github.com/{p['owner']}/{name}",
        },
    )


ROUTES: dict[tuple[str, str], Handler] = {
    ("get", "/repos/{owner}/{repo}/pulls/{pull_number}"): get_pull,
    ("get", "/repos/{owner}/{repo}/issues/{issue_number}"): get_issue,
    ("get", "/repos/{owner}/{repo}/issues/{issue_number}/labels"): get_issue_labels,
    ("get", "/repos/{owner}/{repo}/security-advisories"): list_advisories,
    ("post", "/repos/{owner}/{repo}/security-advisories"): create_advisory,
    ("get", "/repos/{owner}/{repo}/security-advisories/{ghsa_id}"): get_advisory,
    ("patch", "/repos/{owner}/{repo}/security-advisories/{ghsa_id}"): update_advisory,
    ("post", "/repos/{owner}/{repo}/security-advisories/{ghsa_id}/forks"): create_fork,
}


def seed_private_report(
    fake: FakeGitHub, owner: str, repo: str, *, summary: str, description: str, reporter: str
) -> str:
    """A private vulnerability report as GitHub holds it (state ``triage``)."""
    fake.state.counter += 1
    ghsa = f"GHSA-{fake.state.counter:04d}-trge-abcd"
    fake.state.advisories[(owner, repo, ghsa)] = {
        "summary": summary,
        "description": description,
        "state": "triage",
        "author": fake.user(reporter),
        "submission": {"accepted": False},
        "created_at": dt.datetime(2026, 11, 1, tzinfo=dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
    return ghsa
