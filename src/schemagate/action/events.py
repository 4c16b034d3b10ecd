"""Which event may run which mode: production only from events that only the repository's writers
can start, whatever the `mode` input or a dispatch's inputs say.

| mode                       | may run on                                                         |
|----------------------------|--------------------------------------------------------------------|
| check                      | any event (it never reads `database-url`)                          |
| deploy, rollback, plan     | `push` to the default branch, `workflow_dispatch`                  |
| status (read-only)         | `push` to the default branch, `workflow_dispatch`, `schedule`      |

`pull_request`, `pull_request_target`, `pull_request_review`, `issue_comment` and every other
event run `check` only: their payload, their branch or their trigger is in other hands.
"""

from __future__ import annotations

from schemagate.action.context import Context
from schemagate.action.runner import Inputs
from schemagate.errors import InputError

# docs/action.md's table: each mode and the events that may start it (None: any event). A push
# counts only on the default branch. The mode names, and which modes reach production, come from here.
_WRITERS = frozenset({"push", "workflow_dispatch"})
MAY_RUN_ON: dict[str, frozenset[str] | None] = {
    "check": None,
    "deploy": _WRITERS,
    "rollback": _WRITERS,
    "status": _WRITERS | {"schedule"},
    "plan": _WRITERS,
}
MODE_NAMES = ("auto", *MAY_RUN_ON)


def _trusted(ctx: Context, mode: str) -> bool:
    """Whether this event may start the mode."""
    events = MAY_RUN_ON[mode]
    if events is None:
        return True
    return ctx.event_name in events and (ctx.event_name != "push" or ctx.on_default_branch)


def _where(mode: str) -> str:
    extra = ", or on schedule" if "schedule" in (MAY_RUN_ON[mode] or ()) else ""
    return f"only on push to the default branch or workflow_dispatch{extra}"


def _valid(mode: str, source: str) -> str:
    if mode not in MODE_NAMES:
        raise InputError(f"{source} must be {', '.join(MODE_NAMES[:-1])} or {MODE_NAMES[-1]}, not {mode!r}")
    return mode


def _wanted(ctx: Context, inputs: Inputs) -> str:
    """The mode the workflow asks for, validated, with `auto` resolved by the event."""
    mode = _valid(inputs.get("mode", "auto"), "input mode")
    if mode != "auto":
        return mode
    if ctx.event_name == "push":
        return "deploy" if ctx.on_default_branch else "check"
    if ctx.event_name == "workflow_dispatch":
        dispatched = ctx.dispatch_inputs.get("mode", "").strip()
        if dispatched and dispatched != "auto":
            return _valid(dispatched, "the dispatch's mode input")
        wants_rollback = inputs.get("rollback-to") or ctx.dispatch_inputs.get("rollback-to")
        return "rollback" if wants_rollback else "status"
    return "check"


def choose_mode(ctx: Context, inputs: Inputs) -> str:
    """The mode to run, or an InputError (exit 2) before anything reads `database-url`."""
    mode = _wanted(ctx, inputs)
    if not _trusted(ctx, mode):
        branch = f" to {ctx.ref or 'an unnamed ref'}" if ctx.event_name == "push" else ""
        raise InputError(
            f"mode {mode} never runs on {ctx.event_name} events{branch}: production is off limits "
            f"({mode} runs {_where(mode)}); nothing was read from database-url"
        )
    return mode
