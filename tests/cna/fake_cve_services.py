"""A local fake of CVE Services: real HTTP on loopback, in a thread.

Every request is checked against the official OpenAPI description
(tests/shared/schemas/cve-services-openapi.json, CVE Services 2.3.3): the path and
method must be an operation of it; path, query and header parameters must be declared
there, required ones present, and typed/enumerated values valid; a body is allowed only
where the operation has a requestBody and must be JSON. That file refers to body schemas
by relative paths ("../schemas/cve/create-cve-record-cna-request.json") it does not ship,
so bodies are checked against the official CVE JSON 5.1.1 CNA container schemas bundled
with cvelib (published / rejected) wrapped as ``{"cnaContainer": ...}``, and the fake's
own answers against minimal response schemas written here from the service's
documentation (RESPONSE_SCHEMAS). Every status the fake answers must be one the
operation declares. Anything off is recorded in ``violations`` (the test fixture fails
on any) and answered 400.
"""

from __future__ import annotations

import json
import random
import re
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from cvelib.cve_api import CveRecord
from jsonschema import Draft7Validator

from tests.shared_files import SCHEMAS

OPENAPI_PATH = SCHEMAS / "cve-services-openapi.json"


def _load_openapi() -> dict[str, Any]:
    return dict(json.loads(OPENAPI_PATH.read_text()))


def _schema(path: str) -> dict[str, Any]:
    return dict(json.loads(Path(path).read_text()))


def _wrapped(container_schema: dict[str, Any]) -> dict[str, Any]:
    inner = {k: v for k, v in container_schema.items() if k not in ("$schema", "$id")}
    definitions = inner.pop("definitions", {})
    return {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "type": "object",
        "required": ["cnaContainer"],
        "additionalProperties": False,
        "properties": {"cnaContainer": inner},
        "definitions": definitions,
    }


CNA_PUBLISHED = _wrapped(_schema(str(CveRecord.Schemas.CNA_PUBLISHED)))
CNA_REJECTED = _wrapped(_schema(str(CveRecord.Schemas.CNA_REJECTED)))

REQUEST_SCHEMAS: dict[str, dict[str, Any]] = {
    "cveCnaCreateSingle": CNA_PUBLISHED,
    "cveCnaUpdateSingle": CNA_PUBLISHED,
    "cveCnaCreateReject": CNA_REJECTED,
    "cveCnaUpdateReject": CNA_REJECTED,
}

_ID = {"type": "string", "pattern": r"^CVE-[0-9]{4}-[0-9]{4,}$"}
_CVE_ID_OBJ = {
    "type": "object",
    "required": ["cve_id", "cve_year", "owning_cna", "state", "requested_by", "reserved"],
    "properties": {
        "cve_id": _ID,
        "cve_year": {"type": "string", "pattern": "^[0-9]{4}$"},
        "owning_cna": {"type": "string"},
        "state": {"enum": ["RESERVED", "PUBLISHED", "REJECTED"]},
        "requested_by": {
            "type": "object",
            "required": ["cna", "user"],
            "properties": {"cna": {"type": "string"}, "user": {"type": "string"}},
        },
        "reserved": {"type": "string"},
        "time": {"type": "object"},
    },
}
_ERROR = {
    "type": "object",
    "required": ["error", "message"],
    "properties": {"error": {"type": "string"}, "message": {"type": "string"}},
}
_RECORD = {
    "type": "object",
    "required": ["dataType", "dataVersion", "cveMetadata", "containers"],
    "properties": {
        "dataType": {"const": "CVE_RECORD"},
        "cveMetadata": {
            "type": "object",
            "required": ["cveId", "assignerOrgId", "state"],
            "properties": {"cveId": _ID, "state": {"enum": ["PUBLISHED", "REJECTED"]}},
        },
        "containers": {"type": "object", "required": ["cna"]},
    },
}
RESPONSE_SCHEMAS: dict[str, dict[str, Any]] = {
    "cveIdReserve": {
        "type": "object",
        "required": ["cve_ids", "meta"],
        "properties": {
            "cve_ids": {"type": "array", "items": _CVE_ID_OBJ},
            "meta": {
                "type": "object",
                "required": ["remaining_quota"],
                "properties": {"remaining_quota": {"type": "integer"}},
            },
        },
    },
    "cveIdGetFiltered": {
        "type": "object",
        "required": ["cve_ids"],
        "properties": {"cve_ids": {"type": "array", "items": _CVE_ID_OBJ}},
    },
    "cveIdGetSingle": _CVE_ID_OBJ,
    "cveIdUpdateSingle": {"type": "object", "required": ["message", "updated"]},
    "orgIdQuota": {
        "type": "object",
        "required": ["id_quota", "total_reserved", "available"],
        "properties": {k: {"type": "integer"} for k in ("id_quota", "total_reserved", "available")},
    },
    "orgSingle": {
        "type": "object",
        "required": ["UUID", "short_name", "name"],
        "properties": {"UUID": {"type": "string"}, "short_name": {"type": "string"}},
    },
    "cveCnaCreateSingle": {
        "type": "object",
        "required": ["created", "message"],
        "properties": {"created": _RECORD},
    },
    "cveCnaUpdateSingle": {
        "type": "object",
        "required": ["updated", "message"],
        "properties": {"updated": _RECORD},
    },
    "cveCnaCreateReject": {
        "type": "object",
        "required": ["created", "message"],
        "properties": {"created": _RECORD},
    },
    "cveCnaUpdateReject": {
        "type": "object",
        "required": ["updated", "message"],
        "properties": {"updated": _RECORD},
    },
    "cveGetSingle": _RECORD,
    "healthCheck": {},
}


@dataclass
class Operation:
    method: str
    template: str
    regex: re.Pattern[str]
    op: dict[str, Any]
    parameters: list[dict[str, Any]]

    @property
    def operation_id(self) -> str:
        return str(self.op.get("operationId", f"{self.method} {self.template}"))


def _operations(spec: dict[str, Any]) -> list[Operation]:
    params = spec["components"]["parameters"]

    def resolve(p: dict[str, Any]) -> dict[str, Any]:
        if "$ref" in p:
            return dict(params[p["$ref"].rsplit("/", 1)[1]])
        return p

    ops = []
    for template, item in spec["paths"].items():
        regex = re.compile(
            "^" + re.sub(r"\{([^}]+)\}", lambda m: f"(?P<{m.group(1)}>[^/]+)", template) + "$"
        )
        for method, op in item.items():
            if method not in {"get", "post", "put", "delete", "patch"}:
                continue
            parameters = [resolve(p) for p in op.get("parameters", [])]
            ops.append(Operation(method.upper(), template, regex, op, parameters))
    # Literal paths before templated ones ("/cve-id" vs "/cve-id/{id}" differ anyway).
    ops.sort(key=lambda o: o.template.count("{"))
    return ops


def _check_value(name: str, value: str, schema: dict[str, Any]) -> str | None:
    kind = schema.get("type")
    if kind == "integer" and not re.fullmatch(r"-?\d+", value):
        return f"parameter {name}={value!r} is not an integer"
    if kind == "boolean" and value.lower() not in {"true", "false", "1", "0", "yes", "no"}:
        return f"parameter {name}={value!r} is not a boolean"
    if "enum" in schema and value not in schema["enum"]:
        return f"parameter {name}={value!r} is not one of {schema['enum']}"
    return None


def _now() -> str:
    return datetime.now(UTC).isoformat().replace("+00:00", "Z")


@dataclass
class Fault:
    status: int
    body: dict[str, Any]
    after_effect: bool  # True: do the change, then answer the fault (a "lost" answer)


@dataclass
class FakeCveServices:
    org: str = "PSF"
    user: str = "cna@example.test"
    api_key: str = "fake-api-key"
    quota: int = 50
    year: int = 2026
    org_uuid: str = field(default_factory=lambda: str(uuid.uuid4()))
    violations: list[str] = field(default_factory=list)
    requests: list[dict[str, Any]] = field(default_factory=list)
    ids: dict[str, dict[str, Any]] = field(default_factory=dict)
    records: dict[str, dict[str, Any]] = field(default_factory=dict)
    faults: dict[str, list[Fault]] = field(default_factory=dict)
    # Reserve this many fewer IDs than asked and answer 206 (someone else took the quota).
    reserve_shortfall: int = 0
    _next: dict[int, int] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _server: ThreadingHTTPServer | None = None
    _thread: threading.Thread | None = None

    def __post_init__(self) -> None:
        self.spec = _load_openapi()
        self.operations = _operations(self.spec)
        self._random = random.Random(5)

    # ---------------------------------------------------------------- lifecycle

    @property
    def url(self) -> str:
        assert self._server is not None
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}/api/"

    def start(self) -> FakeCveServices:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, fmt: str, *args: Any) -> None:
                pass

            def _handle(self) -> None:
                fake._dispatch(self)

            do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _handle  # noqa: N815

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def reset(self) -> None:
        with self._lock:
            self.violations.clear()
            self.requests.clear()
            self.ids.clear()
            self.records.clear()
            self.faults.clear()
            self._next.clear()
            self.reserve_shortfall = 0
            self.quota = 50

    # ---------------------------------------------------------------- test controls

    def fail_next(
        self,
        operation_id: str,
        *,
        status: int = 500,
        error: str = "INTERNAL_SERVER_ERROR",
        message: str = "Something went wrong",
        times: int = 1,
        after_effect: bool = False,
    ) -> None:
        fault = Fault(status, {"error": error, "message": message}, after_effect)
        self.faults.setdefault(operation_id, []).extend([fault] * times)

    def add_reserved(self, cve_id: str, *, state: str = "RESERVED", owner: str = "") -> None:
        self.ids[cve_id] = self._id_obj(cve_id, state=state, owner=owner or self.org)

    def calls(self, operation_id: str) -> list[dict[str, Any]]:
        return [r for r in self.requests if r["operation"] == operation_id]

    # ---------------------------------------------------------------- HTTP

    def _dispatch(self, h: BaseHTTPRequestHandler) -> None:
        self._answer(h)

    def _answer(self, h: BaseHTTPRequestHandler) -> None:
        parts = urlsplit(h.path)
        if not parts.path.startswith("/api/"):
            self._violation(f"{h.command} {parts.path}: not under the API base /api/")
            self._reply(h, None, 404, {"error": "NOT_FOUND", "message": "Not found"})
            return
        path = parts.path[len("/api") :]
        query = parse_qsl(parts.query, keep_blank_values=True)
        length = int(h.headers.get("Content-Length") or 0)
        raw = h.rfile.read(length) if length else b""
        match: Operation | None = None
        path_params: dict[str, str] = {}
        path_seen = False
        for op in self.operations:
            m = op.regex.match(path)
            if not m:
                continue
            path_seen = True
            if op.method == h.command:
                match, path_params = op, m.groupdict()
                break
        if match is None:
            why = "method not allowed" if path_seen else "no such path"
            self._violation(f"{h.command} {path}: {why} in the OpenAPI description")
            self._reply(h, None, 404, {"error": "NOT_FOUND", "message": why})
            return
        problems = self._check_request(match, h, query, raw)
        body: Any = None
        if raw and not problems:
            body = json.loads(raw)
        self.requests.append(
            {
                "operation": match.operation_id,
                "method": h.command,
                "path": path,
                "query": dict(query),
                "body": body,
            }
        )
        if problems:
            for problem in problems:
                self._violation(f"{match.operation_id} {h.command} {path}: {problem}")
            self._reply(h, match, 400, {"error": "BAD_INPUT", "message": "; ".join(problems)})
            return
        if (
            h.headers.get("CVE-API-KEY") != self.api_key
            or h.headers.get("CVE-API-USER") != self.user
            or h.headers.get("CVE-API-ORG") != self.org
        ) and self._needs_auth(match):
            self._reply(h, match, 401, {"error": "UNAUTHORIZED", "message": "Unauthorized"})
            return
        faults = self.faults.get(match.operation_id)
        fault = faults.pop(0) if faults else None
        if fault is not None and not fault.after_effect:
            self._reply(h, match, fault.status, fault.body)
            return
        with self._lock:
            status, answer = self._handle(match, path_params, dict(query), body)
        if fault is not None:
            self._reply(h, match, fault.status, fault.body)
            return
        self._reply(h, match, status, answer)

    def _needs_auth(self, op: Operation) -> bool:
        return any(p["in"] == "header" and p.get("required") for p in op.parameters)

    def _check_request(
        self,
        op: Operation,
        h: BaseHTTPRequestHandler,
        query: list[tuple[str, str]],
        raw: bytes,
    ) -> list[str]:
        problems = []
        declared_query = {p["name"]: p for p in op.parameters if p["in"] == "query"}
        seen = set()
        for name, value in query:
            if name not in declared_query:
                problems.append(f"undeclared query parameter {name!r}")
                continue
            seen.add(name)
            if problem := _check_value(name, value, declared_query[name].get("schema", {})):
                problems.append(problem)
        for name, p in declared_query.items():
            if p.get("required") and name not in seen:
                problems.append(f"missing required query parameter {name!r}")
        for p in op.parameters:
            if p["in"] == "header" and p.get("required") and not h.headers.get(p["name"]):
                problems.append(f"missing required header {p['name']}")
        body_spec = op.op.get("requestBody")
        if body_spec is None:
            if raw:
                problems.append("a body was sent to an operation that takes none")
            return problems
        if not raw:
            if body_spec.get("required"):
                problems.append("the required JSON body is missing")
            return problems
        ctype = (h.headers.get("Content-Type") or "").split(";")[0].strip()
        if ctype not in body_spec.get("content", {}):
            problems.append(f"content type {ctype!r} is not one the operation accepts")
            return problems
        try:
            body = json.loads(raw)
        except ValueError as exc:
            return [*problems, f"body is not JSON: {exc}"]
        schema = REQUEST_SCHEMAS.get(op.operation_id)
        if schema is None:
            problems.append(f"no body schema known for {op.operation_id}")
        else:
            for err in Draft7Validator(schema).iter_errors(body):
                where = "/".join(str(x) for x in err.absolute_path) or "(body)"
                problems.append(f"body {where}: {err.message}")
        return problems

    def _reply(
        self, h: BaseHTTPRequestHandler, op: Operation | None, status: int, body: Any
    ) -> None:
        if op is not None:
            declared = op.op.get("responses", {})
            if str(status) not in declared:
                self._violation(
                    f"{op.operation_id}: the fake answered {status}, not a declared status"
                )
            schema = RESPONSE_SCHEMAS.get(op.operation_id) if 200 <= status < 300 else _ERROR
            if schema is not None:
                for err in Draft7Validator(schema).iter_errors(body):
                    self._violation(f"{op.operation_id}: fake's own answer: {err.message}")
        data = json.dumps(body).encode()
        h.send_response(status)
        h.send_header("Content-Type", "application/json; charset=utf-8")
        h.send_header("Content-Length", str(len(data)))
        h.end_headers()
        h.wfile.write(data)

    def _violation(self, text: str) -> None:
        with self._lock:
            self.violations.append(text)

    # ---------------------------------------------------------------- behaviour

    def _id_obj(self, cve_id: str, *, state: str = "RESERVED", owner: str = "") -> dict[str, Any]:
        return {
            "cve_id": cve_id,
            "cve_year": cve_id.split("-")[1],
            "owning_cna": owner or self.org,
            "state": state,
            "requested_by": {"cna": self.org, "user": self.user},
            "reserved": _now(),
            "time": {"created": _now(), "modified": _now()},
        }

    def _reserved_count(self) -> int:
        return sum(1 for i in self.ids.values() if i["state"] == "RESERVED")

    def _record(self, cve_id: str, cna: dict[str, Any], state: str) -> dict[str, Any]:
        cna = {
            **cna,
            "providerMetadata": {
                "orgId": self.org_uuid,
                "shortName": self.org,
                "dateUpdated": _now(),
            },
        }
        return {
            "dataType": "CVE_RECORD",
            "dataVersion": "5.1",
            "cveMetadata": {
                "cveId": cve_id,
                "assignerOrgId": self.org_uuid,
                "assignerShortName": self.org,
                "state": state,
                "dateReserved": self.ids[cve_id]["reserved"],
                "datePublished": _now(),
            },
            "containers": {"cna": cna},
        }

    def _err(self, status: int, error: str, message: str) -> tuple[int, dict[str, Any]]:
        return status, {"error": error, "message": message}

    def _own_id(self, cve_id: str) -> dict[str, Any] | None:
        item = self.ids.get(cve_id)
        return item if item is not None and item["owning_cna"] == self.org else None

    def _handle(
        self, op: Operation, path: dict[str, str], query: dict[str, str], body: Any
    ) -> tuple[int, Any]:
        name = op.operation_id
        if name == "healthCheck":
            return 200, {}
        if name == "orgSingle":
            if path["identifier"] not in (self.org, self.org_uuid):
                return self._err(404, "ORG_DNE", "The organization does not exist.")
            return 200, {
                "UUID": self.org_uuid,
                "short_name": self.org,
                "name": f"{self.org} CNA",
                "authority": {"active_roles": ["CNA"]},
                "policies": {"id_quota": self.quota},
            }
        if name == "orgIdQuota":
            if path["shortname"] != self.org:
                return self._err(403, "NOT_SAME_ORG_OR_SECRETARIAT", "Not your organization.")
            used = self._reserved_count()
            return 200, {
                "id_quota": self.quota,
                "total_reserved": used,
                "available": self.quota - used,
            }
        if name == "cveIdReserve":
            amount = int(query["amount"])
            year = int(query["cve_year"])
            if query["short_name"] != self.org:
                return self._err(403, "NOT_SAME_ORG_OR_SECRETARIAT", "Not your organization.")
            if amount <= 0:
                return self._err(400, "INVALID_AMOUNT", "amount must be greater than 0")
            if amount > 1 and "batch_type" not in query:
                return self._err(400, "NO_BATCH_TYPE", "batch_type is required when amount > 1")
            if amount > self.quota - self._reserved_count():
                return self._err(403, "EXCEEDED_ID_QUOTA", "The amount exceeds the quota.")
            nonseq = query.get("batch_type", "sequential") in ("non-sequential", "nonsequential")
            made = []
            short = min(self.reserve_shortfall, amount - 1)
            for _ in range(amount - short):
                start = self._next.get(year, 1000)
                number = start + (self._random.randint(1, 50) if nonseq else 0)
                self._next[year] = number + 1
                cve_id = f"CVE-{year}-{number}"
                self.ids[cve_id] = self._id_obj(cve_id)
                made.append(self.ids[cve_id])
            return 206 if short else 200, {
                "cve_ids": made,
                "meta": {"remaining_quota": self.quota - self._reserved_count()},
            }
        if name == "cveIdGetFiltered":
            items = [i for i in self.ids.values() if i["owning_cna"] == self.org]
            if "state" in query:
                items = [i for i in items if i["state"] == query["state"]]
            return 200, {"cve_ids": items}
        if name == "cveIdGetSingle":
            item = self.ids.get(path["id"])
            if item is None:
                return self._err(404, "CVEID_NOT_FOUND", f"{path['id']} does not exist.")
            return 200, item
        if name == "cveGetSingle":
            rec = self.records.get(path["id"])
            if rec is None:
                return self._err(404, "CVE_RECORD_DNE", f"No record for {path['id']}.")
            return 200, rec
        cve_id = path.get("id", "")
        item = self._own_id(cve_id)
        if item is None:
            return self._err(403, "NOT_OWNER_CNA", f"{cve_id} is not owned by {self.org}.")
        if name == "cveCnaCreateSingle":
            if item["state"] != "RESERVED":
                return self._err(403, "CVE_RECORD_EXISTS", f"{cve_id} already has a record.")
            item["state"] = "PUBLISHED"
            self.records[cve_id] = self._record(cve_id, body["cnaContainer"], "PUBLISHED")
            return 200, {"created": self.records[cve_id], "message": f"{cve_id} was created."}
        if name == "cveCnaUpdateSingle":
            if item["state"] != "PUBLISHED":
                return self._err(403, "CVE_RECORD_DNE", f"{cve_id} has no published record.")
            self.records[cve_id] = self._record(cve_id, body["cnaContainer"], "PUBLISHED")
            return 200, {"updated": self.records[cve_id], "message": f"{cve_id} was updated."}
        if name == "cveCnaCreateReject":
            if item["state"] != "RESERVED":
                return self._err(403, "CVE_RECORD_EXISTS", f"{cve_id} already has a record.")
            item["state"] = "REJECTED"
            self.records[cve_id] = self._record(cve_id, body["cnaContainer"], "REJECTED")
            return 200, {"created": self.records[cve_id], "message": f"{cve_id} was rejected."}
        if name == "cveCnaUpdateReject":
            if item["state"] != "PUBLISHED":
                return self._err(403, "CVE_RECORD_DNE", f"{cve_id} has no published record.")
            item["state"] = "REJECTED"
            self.records[cve_id] = self._record(cve_id, body["cnaContainer"], "REJECTED")
            return 200, {"updated": self.records[cve_id], "message": f"{cve_id} was rejected."}
        return self._err(500, "NOT_IMPLEMENTED", f"The fake does not implement {name}.")


def running() -> Iterator[FakeCveServices]:
    fake = FakeCveServices().start()
    try:
        yield fake
    finally:
        fake.stop()
