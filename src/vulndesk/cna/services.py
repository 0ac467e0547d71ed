"""The CNA: a team's pool of CVE IDs, its policy, and the writes to CVE Services.

Rules:
- An ID is held by one team (unique across the deployment) and given to at most one
  report; the claim is a conditional UPDATE (``state='available'``), so two reports
  accepted at the same moment can never get the same ID, on SQLite or PostgreSQL.
- A reserved but unused ID is handed out before a new one is asked for (lowest first).
- Writes to CVE Services (publish, update, reject) go through an outbox row
  (``CveRequest``) written with the change; a failure keeps the row, its payload and the
  error, and ``cve_requests_run`` retries it. Nothing is lost and nothing is sent twice:
  a retry first looks at CVE Services to see whether an earlier attempt already landed.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F

from vulndesk.accounts.models import Team, User
from vulndesk.cna import permissions as perms
from vulndesk.cna.adapter import CveClient, CveServicesError, client_for, validate_container
from vulndesk.cna.models import (
    CnaSettings,
    CveId,
    CveIdSource,
    CveIdState,
    CveRequest,
    CveRequestKind,
    CveRequestState,
    WithdrawPolicy,
)
from vulndesk.core import clock
from vulndesk.core.errors import ApplicationError, NotFound, TransitionRefused, ValidationFailed
from vulndesk.reports import permissions as report_perms
from vulndesk.reports.models import Report, State
from vulndesk.reports.timeline import record

# The CVE JSON 5 schema's syntax: a sequence number of 4 to 19 digits.
CVE_ID_RE = re.compile(r"^CVE-(\d{4})-(\d{4,19})$")
# CveId.number is a signed 64-bit column (PostgreSQL bigint, SQLite INTEGER). Numbers above
# it (19 digits only) are stored as this ceiling and ordered among themselves by cve_id,
# which sorts 19-digit numbers of one year numerically.
NUMBER_CEILING = 2**63 - 1
MAX_RESERVE = 100
RETRY_DELAYS = [dt.timedelta(minutes=m) for m in (1, 5, 30, 120, 720)]

ClientFactory = Callable[[Team], CveClient]


def parse_cve_id(text: str) -> tuple[str, int, int]:
    """(the CVE ID, its year, its sequence number as CveId.number stores it)."""
    cve_id = text.strip().upper()
    match = CVE_ID_RE.match(cve_id)
    if not match:
        raise ValidationFailed(
            f"{text.strip()!r} is not a CVE ID; the format is CVE-YYYY-NNNN "
            "(four to nineteen digits)."
        )
    return cve_id, int(match.group(1)), min(int(match.group(2)), NUMBER_CEILING)


# --------------------------------------------------------------------------- policy


def cna_settings_get(team: Team) -> CnaSettings:
    """The team's CNA policy (the defaults, unsaved, when it never set one)."""
    found = CnaSettings.objects.filter(team=team).first()
    return found if found is not None else CnaSettings(team=team)


POLICY_FIELDS = (
    "auto_assign",
    "on_withdraw",
    "require_pool",
    "publish_records",
    "pool_min",
    "pool_target",
    "sequential",
)


def cna_policy_set(team: Team, *, actor: User, **changes: Any) -> CnaSettings:
    """Change the team's CNA policy (admins). Unknown or bad values are refused by name."""
    perms.require_cna_admin(actor, team)
    unknown = set(changes) - set(POLICY_FIELDS)
    if unknown:
        raise ValidationFailed(f"Unknown CNA policy field(s): {', '.join(sorted(unknown))}.")
    policy = cna_settings_get(team)
    for name, value in changes.items():
        if value is None:
            continue
        if name == "on_withdraw" and value not in WithdrawPolicy.values:
            raise ValidationFailed(
                f"On withdraw must be one of {', '.join(WithdrawPolicy.values)}; not {value!r}."
            )
        if name in ("pool_min", "pool_target") and (not isinstance(value, int) or value < 0):
            raise ValidationFailed(f"{name} must be a whole number, 0 or more; not {value!r}.")
        setattr(policy, name, value)
    if policy.pool_target < policy.pool_min:
        raise ValidationFailed(
            f"The pool target ({policy.pool_target}) must be at least its minimum "
            f"({policy.pool_min})."
        )
    if policy.pool_target > MAX_RESERVE:
        raise ValidationFailed(f"The pool target may be at most {MAX_RESERVE}.")
    policy.save()
    return policy


# --------------------------------------------------------------------------- pool


def pool_counts(team: Team) -> dict[str, int]:
    counts = dict.fromkeys(CveIdState.values, 0)
    for state in CveId.objects.filter(team=team).values_list("state", flat=True):
        counts[state] += 1
    return counts


@dataclass
class LoadResult:
    added: list[str] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)


def cve_pool_load(
    team: Team,
    *,
    actor: User | None,
    cve_ids: Iterable[str],
    reserved_at: dt.datetime | None = None,
) -> LoadResult:
    """Add IDs reserved elsewhere (another tool, the CNA's web form) to the pool.

    Each bad or already-held ID is skipped with the reason; the rest are loaded.
    ``actor=None`` is the system (sync from CVE Services).
    """
    if actor is not None:
        perms.require_cna_admin(actor, team)
    result = LoadResult()
    for text in cve_ids:
        if not text.strip():
            continue
        try:
            cve_id, year, number = parse_cve_id(text)
        except ValidationFailed as exc:
            result.skipped[text.strip()] = exc.message
            continue
        if Report.objects.filter(cve_id=cve_id).exists():
            result.skipped[cve_id] = "already used by a report"
            continue
        holder = CveId.objects.filter(cve_id=cve_id).select_related("team").first()
        if holder is not None:
            result.skipped[cve_id] = (
                "already in the pool"
                if holder.team_id == team.pk
                else "held by another team"  # never name the other team
            )
            continue
        try:
            with transaction.atomic():
                CveId.objects.create(
                    team=team,
                    cve_id=cve_id,
                    year=year,
                    number=number,
                    state=CveIdState.AVAILABLE,
                    source=CveIdSource.LOADED if actor is not None else CveIdSource.SYNCED,
                    reserved_at=reserved_at or clock.now(),
                )
        except IntegrityError:
            result.skipped[cve_id] = "loaded by someone else at the same moment"
            continue
        result.added.append(cve_id)
    return result


def cve_quota(team: Team, *, actor: User, client: CveClient | None = None) -> dict[str, Any]:
    """The CNA's quota at CVE Services, with the local pool's counts."""
    perms.require_pool_view(actor, team)
    client = client or client_for(team)
    quota = client.quota()
    return {"quota": quota, "pool": pool_counts(team)}


def cve_reserve(
    team: Team,
    *,
    actor: User | None,
    amount: int = 1,
    year: int | None = None,
    sequential: bool | None = None,
    client: CveClient | None = None,
) -> list[CveId]:
    """Reserve ``amount`` new IDs at CVE Services and add them to the pool.

    The quota is checked first, so an over-large request is refused before anything is
    reserved. A partial answer (the service ran out) keeps what it got and says so.
    """
    if actor is not None:
        perms.require_pool_manage(actor, team)
    if amount < 1 or amount > MAX_RESERVE:
        raise ValidationFailed(f"Reserve between 1 and {MAX_RESERVE} IDs at a time; not {amount}.")
    this_year = clock.now().year
    year = year or this_year
    if year < 1999 or year > this_year + 1:
        raise ValidationFailed(f"IDs can be reserved for 1999 to {this_year + 1}; not {year}.")
    if sequential is None:
        sequential = cna_settings_get(team).sequential
    client = client or client_for(team)
    available = client.quota().get("available")
    if isinstance(available, int) and amount > available:
        raise CveServicesError(
            f"{team.cna_short_name or team.name} may reserve {available} more ID(s) "
            f"(quota); asked for {amount}. Use the pool's available IDs or ask for fewer."
        )
    reserved, _remaining = client.reserve(amount=amount, year=year, sequential=sequential)
    rows: list[CveId] = []
    now = clock.now()
    with transaction.atomic():
        for item in reserved:
            cve_id, id_year, number = parse_cve_id(str(item.get("cve_id", "")))
            row, created = CveId.objects.get_or_create(
                cve_id=cve_id,
                defaults={
                    "team": team,
                    "year": id_year,
                    "number": number,
                    "state": CveIdState.AVAILABLE,
                    "source": CveIdSource.RESERVED,
                    "reserved_at": now,
                    "remote_state": str(item.get("state", "RESERVED")),
                },
            )
            if created:
                rows.append(row)
    if len(reserved) < amount:
        got = ", ".join(r.cve_id for r in rows) or "none"
        raise CveServicesError(
            f"CVE Services reserved only {len(reserved)} of {amount} ID(s) ({got}); "
            "they are in the pool. The quota is used up."
        )
    return rows


def cve_pool_follow(
    team: Team, *, actor: User | None = None, client: CveClient | None = None
) -> dict[str, Any]:
    """Bring the pool in line with CVE Services, then top it up per the policy.

    IDs the CNA holds at CVE Services but the pool lacks are added; IDs published or
    rejected there are marked so here (an ID rejected elsewhere is never handed out).
    """
    if actor is not None:
        perms.require_pool_manage(actor, team)
    client = client or client_for(team)
    added: list[str] = []
    changed: dict[str, str] = {}
    for item in client.list_ids():
        try:
            cve_id, _year, _number = parse_cve_id(str(item.get("cve_id", "")))
        except ValidationFailed:
            continue
        remote = str(item.get("state", ""))
        row = CveId.objects.filter(cve_id=cve_id).first()
        if row is None:
            if remote == "RESERVED":
                added += cve_pool_load(team, actor=None, cve_ids=[cve_id]).added
            continue
        if row.team_id != team.pk:
            continue
        updates: dict[str, Any] = {"remote_state": remote}
        if remote == "REJECTED" and row.state != CveIdState.REJECTED:
            updates.update(state=CveIdState.REJECTED, rejected_at=clock.now())
            if row.state == CveIdState.AVAILABLE:
                changed[cve_id] = "rejected at CVE Services"
            else:
                changed[cve_id] = "rejected at CVE Services while held by a report"
        elif remote == "PUBLISHED" and row.state == CveIdState.AVAILABLE:
            updates.update(state=CveIdState.PUBLISHED, published_at=clock.now())
            changed[cve_id] = "published elsewhere; taken out of the pool"
        if len(updates) > 1 or row.remote_state != remote:
            CveId.objects.filter(pk=row.pk).update(**updates)
    topped: list[str] = []
    policy = cna_settings_get(team)
    available = CveId.objects.filter(team=team, state=CveIdState.AVAILABLE).count()
    if policy.pool_target and available < policy.pool_min:
        topped = [
            row.cve_id
            for row in cve_reserve(
                team, actor=None, amount=policy.pool_target - available, client=client
            )
        ]
    return {"added": added, "changed": changed, "reserved": topped, "pool": pool_counts(team)}


# --------------------------------------------------------------------------- reports


def _locked_report(report: Report) -> Report:
    return (
        Report.objects.select_for_update(of=("self",))
        .select_related("team", "reporter", "coordinator")
        .get(pk=report.pk)
    )


def claim_for_report(report: Report, cve_id: str) -> CveId:
    """Give ``cve_id`` to ``report`` in the pool (called inside the report's transaction).

    An ID of the team's pool must be available (or already this report's). An ID that is
    in no pool is accepted as entered by hand, unless the team requires the pool; an ID
    held by another team is refused without naming it.
    """
    cve_id, year, number = parse_cve_id(cve_id)
    row = CveId.objects.filter(cve_id=cve_id).first()
    if row is None:
        if cna_settings_get(report.team).require_pool:
            raise ValidationFailed(
                f"{cve_id} is not in the CVE ID pool of {report.team.name}; "
                "load it (`vulndesk cve load`) or take one from the pool."
            )
        try:
            with transaction.atomic():
                return CveId.objects.create(
                    team=report.team,
                    cve_id=cve_id,
                    year=year,
                    number=number,
                    state=CveIdState.ASSIGNED,
                    source=CveIdSource.MANUAL,
                    report=report,
                    assigned_at=clock.now(),
                )
        except IntegrityError as exc:
            raise ValidationFailed(f"{cve_id} was just taken; choose another.") from exc
    if row.team_id != report.team_id:
        raise ValidationFailed(f"{cve_id} is not an ID of {report.team.name}'s CNA pool.")
    if row.report_id == report.pk and row.state == CveIdState.ASSIGNED:
        return row
    if row.state != CveIdState.AVAILABLE:
        why = {
            CveIdState.ASSIGNED: "already assigned to another report",
            CveIdState.PUBLISHED: "already published",
            CveIdState.REJECTED: "rejected",
        }[CveIdState(row.state)]
        raise ValidationFailed(f"{cve_id} is {why}; it cannot be given to {report.key}.")
    claimed = CveId.objects.filter(pk=row.pk, state=CveIdState.AVAILABLE).update(
        state=CveIdState.ASSIGNED, report=report, assigned_at=clock.now()
    )
    if not claimed:
        raise ValidationFailed(f"{cve_id} was just given to another report; choose another.")
    row.refresh_from_db()
    return row


def _unclaim(report: Report, cve_id: str) -> None:
    """The report let go of ``cve_id`` before anyone outside the team heard of it."""
    CveId.objects.filter(cve_id=cve_id, report=report, state=CveIdState.ASSIGNED).update(
        state=CveIdState.AVAILABLE, report=None, assigned_at=None
    )


def take_next_available(report: Report) -> str:
    """Claim the lowest available pool ID for ``report`` (inside its transaction); "" if none.

    Candidates another transaction holds are skipped, so concurrent accepts never wait
    on, nor share, the same ID.
    """
    for _attempt in range(20):
        candidate = (
            CveId.objects.filter(team=report.team, state=CveIdState.AVAILABLE)
            .order_by("year", "number", "cve_id")
            .values_list("pk", flat=True)
            .first()
        )
        if candidate is None:
            return ""
        now = clock.now()
        if CveId.objects.filter(pk=candidate, state=CveIdState.AVAILABLE).update(
            state=CveIdState.ASSIGNED, report=report, assigned_at=now
        ):
            return CveId.objects.get(pk=candidate).cve_id
    return ""


def on_accepted(report: Report, *, actor: User | None) -> str:
    """Hook of report_accept: the ID to give per the team's policy ("" for none)."""
    policy = CnaSettings.objects.filter(team=report.team).first()
    uses_pool = policy is not None or CveId.objects.filter(team=report.team).exists()
    if report.cve_id or not uses_pool or (policy is not None and not policy.auto_assign):
        return ""
    picked = take_next_available(report)
    if not picked:
        record(
            report,
            actor=actor,
            action="cve:id:pool-empty",
            note=(
                f"No available CVE ID in the pool of {report.team.name}; reserve one "
                "(`vulndesk cve reserve`) and assign it (`vulndesk cve assign`)."
            ),
        )
    return picked


def on_cve_set(report: Report, *, cve_id: str, previous: str) -> None:
    """Hook of the report's CVE ID change: claim the new ID, give back the old one."""
    if previous and previous != cve_id:
        _unclaim(report, previous)
    claim_for_report(report, cve_id)


def on_withdrawn(report: Report, *, actor: User | None) -> None:
    """Hook of report_withdraw: keep, release or reject the report's ID per the policy."""
    if not report.cve_id:
        return
    policy = cna_settings_get(report.team).on_withdraw
    if policy == WithdrawPolicy.KEEP:
        return
    if policy == WithdrawPolicy.RELEASE and report.reporter_told_at is None:
        _release(report, actor=actor, note="Released when the report was withdrawn.")
        return
    # Reject (the policy, or the reporter already knows the ID so it cannot be reused).
    _reject(report, actor=actor, reason="This candidate was withdrawn by its CNA.")


def _release(report: Report, *, actor: User | None, note: str) -> None:
    cve_id = report.cve_id
    _unclaim(report, cve_id)
    report.cve_id = ""
    report.cve_assigned_at = None
    report.save(update_fields=["cve_id", "cve_assigned_at", "updated_at"])
    record(
        report,
        actor=actor,
        action="cve:id:release",
        before={"cve_id": cve_id},
        after={"cve_id": None},
        note=note,
    )


def _reject(report: Report, *, actor: User | None, reason: str) -> CveRequest:
    row = CveId.objects.filter(cve_id=report.cve_id).first()
    if row is None:  # an ID set before the pool existed
        row = claim_for_report(report, report.cve_id)
    published = row.state == CveIdState.PUBLISHED
    CveId.objects.filter(pk=row.pk).update(state=CveIdState.REJECTED, rejected_at=clock.now())
    request = CveRequest.objects.create(
        team=report.team,
        cve=row,
        kind=CveRequestKind.REJECT,
        payload={"rejectedReasons": [{"lang": "en", "value": reason}], "_published": published},
        requested_by=actor,
    )
    record(
        report,
        actor=actor,
        action="cve:id:reject",
        after={"cve_id": row.cve_id},
        note=reason,
    )
    return request


def cve_assign(report: Report, *, actor: User, cve_id: str = "") -> Report:
    """Give ``report`` a CVE ID: the one named, or the next available of the pool."""
    from vulndesk.reports.services import report_set_cve

    if not cve_id:
        with transaction.atomic():
            locked = _locked_report(report)
            report_perms.require_coordinator_or_admin(actor, locked)
            if locked.cve_id:
                raise ValidationFailed(f"{locked.key} already has {locked.cve_id}.")
            if locked.state not in (State.ACCEPTED, State.FIXING, State.FIXED):
                raise TransitionRefused(
                    f"{locked.key} is {locked.get_state_display().lower()}; a CVE ID is "
                    "assigned once it is accepted."
                )
            cve_id = take_next_available(locked)
            if not cve_id:
                raise NotFound(
                    f"The CVE ID pool of {locked.team.name} has no available ID; reserve "
                    "some with `vulndesk cve reserve` or load them with `vulndesk cve load`."
                )
            return report_set_cve(locked, actor=actor, cve_id=cve_id)
    return report_set_cve(report, actor=actor, cve_id=cve_id)


def cve_release(report: Report, *, actor: User, note: str = "") -> Report:
    """Give the report's ID back to the pool — only while no one outside the team knows it."""
    with transaction.atomic():
        locked = _locked_report(report)
        report_perms.require_coordinator_or_admin(actor, locked)
        if not locked.cve_id:
            raise ValidationFailed(f"{locked.key} has no CVE ID to release.")
        if locked.reporter_told_at is not None or locked.state == State.PUBLISHED:
            raise TransitionRefused(
                f"The reporter was already told {locked.cve_id}; it cannot go to another "
                "report. Reject it instead (`vulndesk cve reject`)."
            )
        _release(locked, actor=actor, note=note or "Released to the pool.")
        return locked


def cve_reject(report: Report, *, actor: User, reason: str) -> CveRequest:
    """Reject the report's ID at CVE Services (admins); the report keeps it as history."""
    if not reason.strip():
        raise ValidationFailed("Say why the CVE ID is rejected (it becomes the public reason).")
    with transaction.atomic():
        locked = _locked_report(report)
        report_perms.require_view(actor, locked)
        perms.require_cna_admin(actor, locked.team)
        if not locked.cve_id:
            raise ValidationFailed(f"{locked.key} has no CVE ID to reject.")
        row = CveId.objects.filter(cve_id=locked.cve_id).first()
        if row is not None and row.state == CveIdState.REJECTED:
            raise ValidationFailed(f"{locked.cve_id} is already rejected.")
        request = _reject(locked, actor=actor, reason=reason.strip())
    cve_requests_run(only=[request.pk])
    request.refresh_from_db()
    return request


def cve_pool_list(team: Team, *, actor: User, state: str = "") -> list[CveId]:
    perms.require_pool_view(actor, team)
    qs = CveId.objects.filter(team=team).select_related("report")
    if state:
        if state not in CveIdState.values:
            raise ValidationFailed(f"State must be one of {', '.join(CveIdState.values)}.")
        qs = qs.filter(state=state)
    return list(qs.order_by("year", "number", "cve_id"))


# --------------------------------------------------------------------------- records


def cna_container(report: Report) -> dict[str, Any]:
    """The CNA container for ``report``, from the advisories app's CVE JSON 5 builder."""
    from vulndesk.cna.records import build_cna_container

    return build_cna_container(report)


def cve_publish_record(report: Report, *, actor: User) -> CveRequest:
    """Create (or update) the CVE record of a published report at CVE Services.

    The container is built and validated first, so a bad record is refused at once with
    its problems named; the request is stored before it is sent, and a failure keeps it
    (payload and error) to retry: nothing is lost.
    """
    with transaction.atomic():
        locked = _locked_report(report)
        report_perms.require_coordinator_or_admin(actor, locked)
        request = record_queue(locked, actor=actor)
    cve_requests_run(only=[request.pk])
    request.refresh_from_db()
    return request


def record_queue(report: Report, *, actor: User | None) -> CveRequest:
    """Store the publish/update request for ``report`` (locked, in a transaction).

    One open request per ID: an unsent or failed one is re-armed with the newest text.
    """
    if report.state != State.PUBLISHED:
        raise TransitionRefused(
            f"{report.key} is {report.get_state_display().lower()}; the CVE record is "
            "created after the advisory is published."
        )
    if not report.cve_id:
        raise TransitionRefused(f"{report.key} has no CVE ID.")
    row = claim_or_get(report)
    if row.state == CveIdState.REJECTED:
        raise TransitionRefused(f"{report.cve_id} is rejected; it cannot be published.")
    container = cna_container(report)
    validate_container(container)
    kind = CveRequestKind.UPDATE if row.state == CveIdState.PUBLISHED else CveRequestKind.PUBLISH
    request = (
        CveRequest.objects.filter(cve=row, kind__in=[CveRequestKind.PUBLISH, CveRequestKind.UPDATE])
        .exclude(state=CveRequestState.DONE)
        .first()
    )
    if request is None:
        request = CveRequest.objects.create(
            team=report.team, cve=row, kind=kind, payload=container, requested_by=actor
        )
    else:
        request.kind = kind
        request.payload = container
        request.state = CveRequestState.QUEUED
        request.next_attempt_at = clock.now()
        request.save(update_fields=["kind", "payload", "state", "next_attempt_at", "updated_at"])
    record(
        report,
        actor=actor,
        action=f"cve:record:{kind}:queue",
        after={"cve_id": report.cve_id, "request": request.pk},
    )
    return request


def step_cve_record(report: Report, context: Any) -> dict[str, Any]:
    """Publication step "cve-record": after the announcement, create or update the record.

    Skipped for teams that do not publish records from vulndesk (``publish_records``).
    Raises when CVE Services did not take it, so the runner retries the step; the
    request row keeps the payload and the error meanwhile.
    """
    if not cna_settings_get(report.team).publish_records:
        return {"skipped": "the team does not publish CVE records from vulndesk"}
    locked = _locked_report(report)
    row = CveId.objects.filter(cve_id=locked.cve_id).first()
    if (
        row is not None
        and row.state == CveIdState.PUBLISHED
        and not getattr(context, "is_update", False)
        and locked.cve_published_at is not None
    ):
        return {"cve_id": locked.cve_id, "state": "already published"}
    request = record_queue(locked, actor=getattr(context, "actor", None))
    cve_requests_run(only=[request.pk])
    request.refresh_from_db()
    if request.state != CveRequestState.DONE:
        raise CveServicesError(
            f"The CVE record of {locked.cve_id} was not accepted yet: {request.last_error}"
        )
    return {"cve_id": locked.cve_id, "request": request.pk, "kind": request.kind}


def claim_or_get(report: Report) -> CveId:
    row = CveId.objects.filter(cve_id=report.cve_id).first()
    if row is None or (row.report_id is None and row.state == CveIdState.AVAILABLE):
        return claim_for_report(report, report.cve_id)
    if row.team_id != report.team_id or (row.report_id not in (None, report.pk)):
        raise ValidationFailed(f"{report.cve_id} is not held by {report.key} in the pool.")
    return row


def _claim_request(pk: int, now: dt.datetime) -> bool:
    """Take a due request for this worker (conditional UPDATE: one worker wins).

    The claim is a lease: a worker that dies mid-send leaves the row due again later.
    """
    return bool(
        CveRequest.objects.filter(
            pk=pk,
            state__in=[CveRequestState.QUEUED, CveRequestState.RETRY],
            next_attempt_at__lte=now,
        ).update(next_attempt_at=now + dt.timedelta(minutes=10), attempts=F("attempts") + 1)
    )


def _already_done(client: CveClient, request: CveRequest) -> dict[str, Any] | None:
    """Did an earlier attempt land (its answer lost)? Then there is nothing to send."""
    try:
        remote = client.show_id(request.cve.cve_id)
    except CveServicesError:
        return None
    state = remote.get("state")
    if request.kind == CveRequestKind.REJECT and state == "REJECTED":
        return {"message": "already rejected (an earlier attempt landed)", "cve_id": remote}
    return None


def _send(client: CveClient, request: CveRequest) -> dict[str, Any]:
    cve_id = request.cve.cve_id
    payload = {k: v for k, v in request.payload.items() if not k.startswith("_")}
    if request.kind == CveRequestKind.PUBLISH:
        # An earlier attempt may have landed with its answer lost: then update instead.
        if client.show_id(cve_id).get("state") == "PUBLISHED":
            return client.update(cve_id, payload)
        return client.publish(cve_id, payload)
    if request.attempts > 1 and (done := _already_done(client, request)) is not None:
        return done
    if request.kind == CveRequestKind.UPDATE:
        return client.update(cve_id, payload)
    return client.reject(cve_id, payload, published=bool(request.payload.get("_published")))


def _finish(request: CveRequest, response: dict[str, Any]) -> None:
    now = clock.now()
    with transaction.atomic():
        CveRequest.objects.filter(pk=request.pk).update(
            state=CveRequestState.DONE, done_at=now, last_error="", response=response
        )
        row = request.cve
        report = row.report
        if request.kind in (CveRequestKind.PUBLISH, CveRequestKind.UPDATE):
            CveId.objects.filter(pk=row.pk).update(
                state=CveIdState.PUBLISHED,
                published_at=row.published_at or now,
                remote_state="PUBLISHED",
            )
            if report is not None:
                locked = _locked_report(report)
                if locked.cve_published_at is None:
                    locked.cve_published_at = now
                    locked.save(update_fields=["cve_published_at", "updated_at"])
                record(
                    locked,
                    actor=request.requested_by,
                    action=f"cve:record:{request.kind}",
                    after={"cve_id": row.cve_id},
                    shared=True,
                )
        else:
            CveId.objects.filter(pk=row.pk).update(remote_state="REJECTED")
            if report is not None:
                record(
                    report,
                    actor=request.requested_by,
                    action="cve:id:rejected",
                    after={"cve_id": row.cve_id},
                )


def _fail(request: CveRequest, error: ApplicationError) -> None:
    retryable = isinstance(error, CveServicesError) and error.retryable
    attempts = CveRequest.objects.get(pk=request.pk).attempts
    if retryable and attempts <= len(RETRY_DELAYS):
        state = CveRequestState.RETRY
        next_at = clock.now() + RETRY_DELAYS[attempts - 1]
    else:
        state = CveRequestState.FAILED
        next_at = clock.now()
    CveRequest.objects.filter(pk=request.pk).update(
        state=state, last_error=error.message, next_attempt_at=next_at
    )


def cve_requests_run(
    *, only: list[int] | None = None, client_factory: ClientFactory | None = None
) -> list[CveRequest]:
    """Send due CVE Services requests; each ends done, awaiting retry, or failed (kept)."""
    now = clock.now()
    qs = CveRequest.objects.filter(
        state__in=[CveRequestState.QUEUED, CveRequestState.RETRY], next_attempt_at__lte=now
    )
    if only is not None:
        qs = qs.filter(pk__in=only)
    factory = client_factory or client_for
    handled: list[CveRequest] = []
    for pk in list(qs.order_by("created_at", "id").values_list("pk", flat=True)):
        if not _claim_request(pk, now):
            continue
        request = CveRequest.objects.select_related("cve", "cve__report", "team").get(pk=pk)
        try:
            response = _send(factory(request.team), request)
        except ApplicationError as exc:
            _fail(request, exc)
        else:
            _finish(request, response)
        request.refresh_from_db()
        handled.append(request)
    return handled


def cve_request_retry(request: CveRequest, *, actor: User) -> CveRequest:
    """Send a failed request again now (after fixing what its error named)."""
    perms.require_pool_manage(actor, request.team)
    if request.state == CveRequestState.DONE:
        raise ValidationFailed(f"Request {request.pk} is already done.")
    CveRequest.objects.filter(pk=request.pk).update(
        state=CveRequestState.RETRY, next_attempt_at=clock.now()
    )
    cve_requests_run(only=[request.pk])
    request.refresh_from_db()
    return request


def cve_requests_pending(team: Team, *, actor: User) -> list[CveRequest]:
    perms.require_pool_view(actor, team)
    return list(
        CveRequest.objects.filter(team=team)
        .exclude(state=CveRequestState.DONE)
        .select_related("cve")
        .order_by("created_at", "id")
    )


__all__ = [
    "cna_policy_set",
    "cna_settings_get",
    "cve_assign",
    "cve_pool_follow",
    "cve_pool_list",
    "cve_pool_load",
    "cve_publish_record",
    "cve_quota",
    "cve_reject",
    "cve_release",
    "cve_request_retry",
    "cve_requests_run",
    "cve_reserve",
    "record_queue",
    "step_cve_record",
]
