"""Every file a check leaves behind passes through the same redaction as its comment: report.json,
SARIF, the drafts of down migrations. A migration can make the server repeat any text it likes in
an error, a name or a draft; a registered secret (here the job's token) must appear in none."""

from __future__ import annotations

from pathlib import Path

from actionrun import pr_payload, run_action
from conftest import Project, Run
from fakegithub import TOKEN, FakeGitHub
from schemagate import secrets

POLICY = f"""create table public.plans (id bigint primary key);
alter table public.plans enable row level security;
create policy "{TOKEN}" on public.plans for select to authenticated using (true);
"""
FAILING = f"do $$ begin raise exception 'leaked %', '{TOKEN}'; end $$;\n"


def _leaks(folder: Path) -> list[str]:
    return [p.name for p in folder.rglob("*") if p.is_file() and TOKEN in p.read_text()]


def test_no_file_the_action_writes_holds_a_secret(workspace: tuple[Path, str], github: FakeGitHub) -> None:
    root, base = workspace
    (root / "supabase/migrations/20251201000000_plans.sql").write_text(POLICY)
    (root / "supabase/migrations/20251201000001_fails.sql").write_text(FAILING)
    result = run_action(root, github, "pull_request", pr_payload(base), {})
    assert result.code == 1, result.log
    written = sorted(p.name for p in (root / ".schemagate").rglob("*") if p.is_file())
    assert {"report.json", "report.sarif", "20251201000000_plans.sql"} <= set(written), written
    assert "leaked ***" in (root / ".schemagate" / "report.json").read_text()
    assert _leaks(root / ".schemagate") == []
    # the comment and the summary escape `_` as `\_`: the secret must go before it is escaped
    comment = "\n".join(str(c["body"]) for c in github.state.comments[7])
    log = "\n".join(line for line in result.log.splitlines() if not line.startswith("::add-mask::"))
    for shown in (result.summary, log, comment):
        assert "faketoken" not in shown and "0123456789abcdefghij" not in shown


def test_no_file_the_cli_writes_holds_a_secret(project: Project, cli: object, tmp_path: Path) -> None:
    project.write("20251201000000_plans.sql", POLICY)
    project.write("20251201000001_fails.sql", FAILING)
    secrets.register(TOKEN)
    try:
        out = tmp_path / "out"
        flags = ["--json", "r.json", "--sarif", "r.sarif", "--markdown", "r.md", "--drafts", str(out)]
        result: Run = cli("check", *flags)  # type: ignore[operator]
    finally:
        secrets._registered.discard(TOKEN)
    assert result.code == 1, result
    assert (out / "20251201000000_plans.sql").exists()
    assert _leaks(out) == []
    for name in ("r.json", "r.sarif", "r.md"):
        text = (project.root / name).read_text()
        assert "faketoken" not in text and "0123456789abcdefghij" not in text, name
