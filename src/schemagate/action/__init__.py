"""The GitHub Action: read the runner's inputs and event, run one engine command, report back.

pull_request      -> check (never reads `database-url`), one sticky comment, summary, annotations
push (default br) -> deploy: approval, lock, drift check, apply, comment on the merged PRs
workflow_dispatch -> rollback (with `rollback-to`) or the `mode` input, under the same approval
"""

from __future__ import annotations

import json
import os
import time
import traceback
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from schemagate import commands, repofiles, secrets
from schemagate.action import approvals, comments, feedback
from schemagate.action.api import GitHubApi, whole_field
from schemagate.action.context import Context
from schemagate.action.context import load as load_context
from schemagate.action.events import choose_mode
from schemagate.action.project import configure, project_folder
from schemagate.action.runner import Inputs, Runner, mask_secrets
from schemagate.config import Config, postgres_major
from schemagate.errors import ApiError, ExitCode, InputError, NotApproved, SchemagateError, interruption
from schemagate.findings import Severity
from schemagate.repofiles import display_path
from schemagate.report import annotations as workflow_commands
from schemagate.report import deploy_plan as plan_report
from schemagate.report import markdown, sarif
from schemagate.report.escape import inline

# the merged-state cache's folder in the workspace (snapshots), which the example keeps with
# actions/cache; beside .schemagate/, whose reports a workflow uploads, so it never joins them
STATE_CACHE = ".schemagate-cache"
OUTPUTS = (
    "verdict",
    "applied",
    "pending",
    "rolled-back",
    "findings",
    "report-json",
    "sarif",
    "junit",
    "mode",
)


@dataclass
class Job:
    ctx: Context
    inputs: Inputs
    runner: Runner
    config: Config
    folder: Path  # the Supabase project: the workspace, or a folder in it
    project: str = ""  # that folder, relative to the repository ("" at its root)
    config_note: str | None = None  # the pull request's own config file was not used

    @property
    def api(self) -> GitHubApi:
        token = self.inputs.get("github-token")
        if not token:
            raise InputError("input github-token is empty (the default is the workflow's GITHUB_TOKEN)")
        return GitHubApi(token, self.ctx.repository, self.ctx.api_url)

    @property
    def out_dir(self) -> Path:
        # the repository may carry `.schemagate` as a symlink out of the checkout: refused
        return repofiles.output_folder(self.folder / ".schemagate", under=self.folder)

    def shown(self, path: Path) -> str:
        """A path as an output gives it: relative to the workspace, which a later step on the
        runner also runs in; the container sees the workspace elsewhere (/github/workspace)."""
        where = Path(os.path.abspath(path))
        for workspace in (Path(os.path.abspath(self.ctx.workspace)), self.ctx.workspace.resolve()):
            if where.is_relative_to(workspace):
                return where.relative_to(workspace).as_posix()
        return str(where)  # outside the workspace (never, for the folder project.py accepts)

    @property
    def title(self) -> str:
        return f"schemagate · {inline(self.project)}" if self.project else "schemagate"

    def hand_over(self) -> None:
        """What this run left in the workspace belongs to the workspace's owner: the container runs
        as root, and later steps (upload-artifact, a cleanup) run as the runner's user."""
        owner = self.ctx.workspace.stat()
        if os.geteuid() != 0 or owner.st_uid == 0:
            return
        for folder in (self.folder / ".schemagate", self.ctx.workspace / STATE_CACHE):
            if folder.is_dir() and not folder.is_symlink():
                for path in (folder, *folder.rglob("*")):
                    os.lchown(path, owner.st_uid, owner.st_gid)


# check ---------------------------------------------------------------------------------------------
def run_check(job: Job) -> int:
    fail_on = job.inputs.choice("fail-on", ("error", "warning", "info"))
    base = job.ctx.base_sha if job.ctx.is_pull_request else job.ctx.before_sha
    major = postgres_major(job.config, job.inputs.get("postgres-version") or None)
    options = commands.CheckOptions(
        base=base,
        fail_on=Severity.parse(fail_on),
        database_url=job.inputs.get("check-database-url") or None,
        pg_major=major,
        cache=job.inputs.flag("cache", True),
        project=job.project,  # the input's word, with or without git
        notes=[job.config_note] if job.config_note else [],
    )
    if options.cache:  # in the workspace, where actions/cache finds it; not in the report's folder
        os.environ.setdefault("SCHEMAGATE_STATE_CACHE", str(job.ctx.workspace / STATE_CACHE))
    job.runner.group("schemagate check")
    try:
        report = commands.check(job.config, options, job.runner.log)
    finally:
        job.runner.endgroup()
    if job.config_note:
        job.runner.warning(job.config_note)
    repofiles.write_output(job.out_dir / "report.json", json.dumps(report.to_json(), indent=2))
    repofiles.write_output(job.out_dir / "report.sarif", json.dumps(sarif.render(report), indent=2))
    if report.suite is not None:  # the project's pgTAP results, for test-report actions
        from schemagate.database.dbtests import junit

        repofiles.write_output(job.out_dir / "tests.junit.xml", junit.render(report.suite))
    report.write_drafts(job.out_dir / "drafts", under=job.folder)
    job.hand_over()
    for line in workflow_commands.render(report):
        print(secrets.redact(line), flush=True)
    job.runner.summary(markdown.render_summary(report))
    for name, value in (
        ("verdict", report.verdict),
        ("findings", str(len(report.findings))),
        ("applied", str(sum(m.status == "applied" for m in report.migrations))),
        ("pending", "0"),
        ("report-json", job.shown(job.out_dir / "report.json")),
        ("sarif", job.shown(job.out_dir / "report.sarif")),
        ("junit", job.shown(job.out_dir / "tests.junit.xml") if report.suite is not None else ""),
    ):
        job.runner.output(name, value)
    if job.ctx.is_pull_request:
        on_pr = feedback.PullRequest(job.api, job.runner, job.ctx.pr_number, job.project)
        if job.inputs.flag("comment", True):
            on_pr.comment(markdown.render(report, summary_url=job.ctx.run_url))
        if job.inputs.flag("suggestions", True):
            on_pr.suggest(job.ctx.head_sha, [e for m in report.migrations for e in m.edits])
    return int(ExitCode.FAILED if report.failed else ExitCode.OK)


# approval --------------------------------------------------------------------------------------------
def approve(job: Job, what: str, details: Callable[[], str] | None = None) -> approvals.Approval | None:
    """Refuse production unless someone approved this run (when approval is required); an
    approval issue carries `details` (the deploy plan) for the approver to read."""
    how = job.inputs.choice("approval", ("environment", "issue"))
    environment = job.inputs.get("environment", "production")
    if how == "issue":
        timeout = job.inputs.seconds("approval-timeout", 3600.0)
        title, body = approvals.issue_text(what, job.ctx.sha, details() if details else "", job.ctx.run_url)
        waiter = approvals.IssueApproval(
            job.api,
            title,
            body,
            timeout_s=timeout,
            merger=job.ctx.actor or None,
            allow_self=job.inputs.flag("allow-self-approval", False),
            poll_s=float(os.environ.get("SCHEMAGATE_APPROVAL_POLL", "10")),
        )
        return waiter.wait()
    found = approvals.from_environment(job.api, job.ctx.run_id, environment)
    if found is None and job.inputs.flag("require-approval", True):
        raise NotApproved(
            f"no approval recorded for run {job.ctx.run_id}: production needs the `{environment}` "
            "environment to require reviewers (or set approval: issue); nothing was applied"
        )
    return found


# deploy ----------------------------------------------------------------------------------------------
def _production_url(job: Job) -> str:
    url = job.inputs.get("database-url")
    if not url:
        raise InputError("input database-url is empty: pass the production connection string secret")
    return url


def _deployment(job: Job) -> int | None:
    environment = job.inputs.get("environment", "production")
    found = job.api.get_list("/deployments", sha=job.ctx.sha, environment=environment)
    return whole_field(found[0], "id", "the run's deployment") if found else None


def _deployment_status(job: Job, deployment: int | None, state: str) -> None:
    if deployment is not None:
        job.api.post(f"/deployments/{deployment}/statuses", {"state": state, "log_url": job.ctx.run_url})


def run_deploy(job: Job) -> int:
    from schemagate.database.history import RunContext

    url = _production_url(job)
    approved: list[approvals.Approval | None] = []
    deployment: list[int | None] = []

    def authorize() -> RunContext:
        plan = lambda: plan_report.markdown(commands.deploy_plan(job.config, url))  # noqa: E731
        approval = approve(job, "applying the pending migrations to production", plan)
        approved.append(approval)
        deployment.append(_deployment(job))
        _deployment_status(job, deployment[0], "in_progress")
        return RunContext(job.ctx.actor, approval.approver if approval else None, job.ctx.run_url)

    began = time.monotonic()
    job.runner.group("schemagate apply")
    try:
        done = commands.apply(
            commands.ApplyOptions(job.config, url, authorize=authorize),
            progress=job.runner.log,
            notice=job.runner.warning,
        )
    except (SchemagateError, KeyboardInterrupt):  # a cancelled deploy failed too
        if deployment:
            _deployment_status(job, deployment[0], "failure")
        raise
    finally:
        job.runner.endgroup()
    seconds = time.monotonic() - began
    _deployment_status(job, deployment[0], "success")
    applied = [a.parsed.migration.filename for a in done.result.applied]
    body = _deploy_body(job, applied, seconds, approved[0])
    job.runner.summary(body)
    job.runner.output("verdict", "applied" if applied else "up-to-date")
    job.runner.output("applied", str(len(applied)))
    job.runner.output("pending", "0")
    job.runner.output("rolled-back", "0")
    job.runner.output("findings", "0")
    _comment_on_merged_prs(job, body, applied)
    return int(ExitCode.OK)


def _deploy_body(job: Job, applied: list[str], seconds: float, approval: approvals.Approval | None) -> str:
    who = f"approved by {inline(approval.approver)} ({approval.how})" if approval else "no approval required"
    marker = markdown.marker(job.project, "deploy")
    if not applied:
        return f"{marker}\n### ✅ {job.title}: production is up to date\n\nNothing to apply; {who}."
    lines = [
        marker,
        f"### 🚀 {job.title}: {len(applied)} migration(s) applied to production",
        "",
        f"In {seconds:.1f} s, {who}. [Run]({job.ctx.run_url})",
        "",
    ]
    lines += [f"- {inline(name)}" for name in applied]
    return "\n".join(lines)


def _comment_on_merged_prs(job: Job, body: str, applied: list[str]) -> None:
    if not applied or not job.inputs.flag("comment", True):
        return
    try:
        for pull in job.api.get_list(f"/commits/{job.ctx.sha}/pulls"):
            number = whole_field(pull, "number", "a pull request of the merged commit")
            comments.upsert(job.api, number, markdown.marker(job.project, "deploy"), body)
    except ApiError as exc:
        if comments.read_only(exc):  # the deploy succeeded: its exit code stays 0
            job.runner.warning(
                f"{len(applied)} migration(s) were applied to production; the comment on the merged "
                f"pull request could not be posted (the token may not write: add pull-requests: write): "
                f"{exc.message}; the report is in the job summary"
            )
            return
        raise ApiError(
            f"{len(applied)} migration(s) were applied to production and recorded; only the PR "
            f"comment failed, so re-running is safe: {exc.message}",
            exc.status,
        ) from None


# rollback and status -----------------------------------------------------------------------------
def run_rollback(job: Job) -> int:
    from schemagate.database.apply.rollback import RollbackPlan
    from schemagate.database.history import RunContext

    to = job.inputs.get("rollback-to") or job.ctx.dispatch_inputs.get("rollback-to", "")
    reason = job.inputs.get("reason") or job.ctx.dispatch_inputs.get("reason", "")
    if not to:
        raise InputError("rollback needs the rollback-to input: the version to roll back to")
    if not reason:
        raise InputError("rollback needs a reason input: it is recorded in the audit table")

    def authorize(plan: RollbackPlan) -> RunContext:
        del plan  # the approval names the target version, which the plan reaches
        approval = approve(job, f"rolling production back to {to}: {reason}")
        return RunContext(job.ctx.actor, approval.approver if approval else None, job.ctx.run_url)

    done = commands.roll_back(
        commands.RollbackOptions(job.config, _production_url(job), to=to, reason=reason, authorize=authorize),
        progress=job.runner.log,
        notice=job.runner.warning,
    )
    job.runner.summary(
        f"### ↩️ {job.title}: {len(done.done)} migration(s) rolled back; production is at "
        f"{inline(done.plan.target)}\n\nReason: {inline(reason)}"
    )
    job.runner.output("verdict", "rolled-back")
    job.runner.output("applied", "0")
    job.runner.output("pending", "0")
    job.runner.output("rolled-back", str(len(done.done)))
    job.runner.output("findings", "0")
    return int(ExitCode.OK)


def run_status(job: Job) -> int:
    found = commands.status(job.config, _production_url(job), notice=job.runner.warning)
    rows = ["| version | name | state |", "|---|---|---|"]
    rows += [f"| {inline(r.version)} | {inline(r.name)} | {r.state.value} |" for r in found.plan.rows()]
    drift = [f"- {inline(line)}" for line in (found.catalog.lines() if found.catalog else [])]
    rows += (
        ["", f"**Catalog drift** (production against its migrations): {len(drift)}", "", *drift]
        if drift
        else []
    )
    job.runner.summary(f"### {job.title}: status of {inline(str(found.target))}\n\n" + "\n".join(rows))
    for line in found.catalog.lines() if found.catalog else []:
        job.runner.error(f"catalog drift: {line}")
    job.runner.output("pending", str(len(found.plan.pending)))
    job.runner.output("verdict", "drift" if found.bad else "ok")
    return int(ExitCode.INPUT if found.bad else ExitCode.OK)


def run_plan(job: Job) -> int:
    found = commands.deploy_plan(job.config, _production_url(job))
    for line in plan_report.lines(found):
        job.runner.log(line)
    job.runner.summary(plan_report.markdown(found))
    job.runner.output("pending", str(len(found.steps)))
    job.runner.output("verdict", "refused" if found.refused else "planned")
    return int(ExitCode.INPUT if found.refused else ExitCode.OK)


MODES = {
    "check": run_check,
    "deploy": run_deploy,
    "rollback": run_rollback,
    "status": run_status,
    "plan": run_plan,
}


def main(env: Mapping[str, str] | None = None) -> int:
    env = env if env is not None else os.environ
    inputs, runner = Inputs(env), Runner(env)
    mask_secrets(inputs, runner)
    project = ""
    try:
        ctx = load_context(env)
        folder, project = project_folder(ctx, inputs)
        os.chdir(folder)
        mode = choose_mode(ctx, inputs)  # a production mode on an untrusted event stops here
        inputs.validate()  # every input checked before anything reaches GITHUB_OUTPUT
        base = ctx.base_sha if ctx.is_pull_request and mode == "check" else None
        config, config_note = configure(folder, inputs, trusted_base=base)
        job = Job(ctx, inputs, runner, config, folder, project, config_note=config_note)
        runner.output("mode", mode)
        within = f" in {project}" if project else ""
        runner.log(f"schemagate: {mode} on {ctx.event_name} ({ctx.repository}@{ctx.sha[:7]}){within}")
        return MODES[mode](job)
    except SchemagateError as exc:
        where = display_path(exc.path, project)
        text = secrets.redact("; ".join(part for part in (exc.reason, exc.outcome) if part))
        print(workflow_commands.command("error", text, path=where, line=exc.line, title="schemagate"))
        return int(exc.exit_code)
    except KeyboardInterrupt as exc:
        line, code = interruption(exc)
        runner.error(line)
        return code
    except Exception as exc:  # a bug: its text may quote a file, so it too stays off the command channel
        runner.error(f"schemagate failed unexpectedly: {type(exc).__name__}: {exc}")
        runner.log(traceback.format_exc())
        return int(ExitCode.FAILED)
