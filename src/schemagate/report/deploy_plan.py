"""The deploy plan as the approver reads it: lines for the log, Markdown for the job summary and
the approval issue."""

from __future__ import annotations

from typing import TYPE_CHECKING

from schemagate.report.escape import inline

if TYPE_CHECKING:
    from schemagate.database.apply.rehearsal import DeployRehearsal, RehearsalStep, Table

_LOCK = {
    "AccessExclusiveLock": "ACCESS EXCLUSIVE",
    "ExclusiveLock": "EXCLUSIVE",
    "ShareRowExclusiveLock": "SHARE ROW EXCLUSIVE",
    "ShareLock": "SHARE",
    "ShareUpdateExclusiveLock": "SHARE UPDATE EXCLUSIVE",
    "RowExclusiveLock": "ROW EXCLUSIVE",
    "RowShareLock": "ROW SHARE",
    "AccessShareLock": "ACCESS SHARE",
}
_RISK = {"high": "🔴 high", "medium": "🟠 medium", "low": "🟢 low", "unknown": "⚪ unknown"}


def _size(n: int | None) -> str:
    if n is None:
        return "?"
    for unit in ("B", "kB", "MB", "GB", "TB"):
        if n < 1024 or unit == "TB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n = n / 1024  # type: ignore[assignment]
    return "?"


def _table(t: Table, *, short: bool = False) -> str:
    what = [_LOCK.get(t.lock or "", t.lock or "no lock")]
    what += ["rewrites it"] if t.rewrite else []
    what += ["builds an index"] if t.index else []
    if t.rows is None and t.bytes is None:
        size = "a new table"
    else:
        size = f"{t.rows or 0:,} rows, {_size(t.bytes)}" + ("" if short else " in production")
    return f"{t.table}: {', '.join(what)} ({size})"


def _duration(step: RehearsalStep) -> str:
    if step.estimate_s is None:
        return "no estimate"
    sampled = max((t.sample_rows for t in step.tables), default=0)
    # what the parenthesis is, said: a bare second number beside the estimate read as a typo
    rows = f" with {sampled:,} synthetic rows" if sampled else ""
    measured = f"measured {step.measured_s:.3f} s on a throwaway copy{rows}"
    return f"about {step.estimate_s:.2g} s in production ({measured})"


def lines(plan: DeployRehearsal) -> list[str]:
    head = (
        f"plan for {plan.target}: {len(plan.steps)} pending migration(s); lock_timeout {plan.lock_timeout}, "
    )
    out = [head + f"{plan.lock_retries} retries"]
    if plan.refused:
        out.append(f"the deploy would apply nothing: {plan.refused}")
    for step in plan.steps:
        how = "in one transaction" if step.transactional else "outside a transaction"
        out.append(f"{step.file} ({how}): {_duration(step)}")
        out += [f"  {_table(t)}" for t in step.tables]
        out.append(f"  risk: {step.risk}: {step.why}")
        if step.note:
            out.append(f"  note: {step.note}")
    return out


def markdown(plan: DeployRehearsal) -> str:
    out = [f"### 📋 Deploy plan: {len(plan.steps)} pending migration(s) for {inline(plan.target)}", ""]
    if plan.refused:
        out += [f"> ⛔ The deploy would apply nothing: {inline(plan.refused)}", ""]
    if not plan.steps:
        return "\n".join([*out, "Nothing to apply."])
    out += [
        "| Migration | Risk | Time in production | Locks (rows and size in production) |",
        "|---|---|--:|---|",
    ]
    for step in plan.steps:
        tables = "<br>".join(inline(_table(t, short=True)) for t in step.tables) or "none"
        when = "?" if step.estimate_s is None else f"~{step.estimate_s:.2g} s"
        out.append(f"| {inline(step.file)} | {_RISK.get(step.risk, step.risk)} | {when} | {tables} |")
    out += ["", *(f"- **{inline(s.file)}**: {inline(s.why)}" + _note(s) for s in plan.steps)]
    tail = (
        f"Timed on a throwaway database with synthetic rows and scaled to production's; lock_timeout "
        f"{inline(plan.lock_timeout)}, {plan.lock_retries} retries after a lock timeout."
    )
    return "\n".join([*out, "", f"<sub>{tail}</sub>"])


def _note(step: RehearsalStep) -> str:
    return f" ({inline(step.note)})" if step.note else ""
