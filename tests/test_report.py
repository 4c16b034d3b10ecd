"""The report's faces: Markdown rendered by a GFM renderer, text, JSON, SARIF, annotations."""

from __future__ import annotations

import json
import re
from pathlib import Path

import cmarkgfm
from cmarkgfm.cmark import Options

from checking import GOOD, run_check
from conftest import Database, Project
from schemagate.findings import Finding, Severity
from schemagate.findings.outcomes import MigrationResult
from schemagate.findings.rules import catalog_rules, runtime
from schemagate.report import annotations as annotation_report
from schemagate.report import markdown, sarif
from schemagate.report.model import Report


def html_of(text: str) -> str:
    return str(cmarkgfm.github_flavored_markdown_to_html(text, options=Options.CMARK_OPT_UNSAFE))


def test_green_report_is_short(db: Database, project: Project) -> None:
    project.write("20251201000000_things.sql", GOOD)
    text = markdown.render(run_check(db))
    assert text.splitlines()[0] == markdown.marker()
    assert text.splitlines()[1] == "### ✅ schemagate: 1 migration passes the checklist"
    page = html_of(text)
    outside = re.sub(r"<details>.*?</details>", "", page, flags=re.S)
    assert "<table>" not in outside and len([line for line in outside.splitlines() if line.strip()]) <= 6
    assert "no reviewed down file yet" in page  # a draft is not a pass
    assert "A draft down migration" in page  # the draft is there, folded


def test_failing_report_has_a_verdict_a_row_per_migration_and_folded_details(
    db: Database, project: Project
) -> None:
    project.write("20251201000000_ok.sql", GOOD)
    project.write(
        "20251202000000_bad.sql", "create table if not exists public.open_table (id int primary key);"
    )
    report = run_check(db)
    page = html_of(markdown.render(report))
    assert re.search(r"<h3>❌ schemagate: \d+ errors?(, \d+ warnings?)? in 2 migrations</h3>", page)
    access, summary = re.findall(r"<table>.*?</table>", page, re.S)
    assert "public.open_table" in access and "RLS off" in access  # open to anyone: said at once
    rows = re.findall(r"<tr>\s*<td>(.*?)</td>", summary, re.S)
    assert rows == ["20251201000000_ok.sql", "20251202000000_bad.sql"]
    cells = re.findall(r"<tr>(.*?)</tr>", summary, re.S)
    assert len({c.count("<td") for c in cells[1:]}) == 1  # every row has every column
    assert "rls-disabled" in page and "Supabase advisor: rls_disabled_in_public" in page
    # the error opens the comment, unfolded, at its statement, with the fix for that table
    first = page[: page.index("<details")]
    statement = "<code>20251202000000_bad.sql</code> <strong>L1</strong> <code>create table if not exists"
    assert statement in first and "supabase/migrations/20251202000000_bad.sql:1" not in page
    assert first.index("rls-disabled") < first.index(statement)
    assert "alter table public.open_table enable row level security;" in first
    assert "<code>schemagate check --all</code>" in page


HOSTILE = "@everyone <script>alert(1)</script> [click](https://evil.example) | www.evil.example `x` **b**"


def test_hostile_names_and_comments_come_out_inert(db: Database, project: Project) -> None:
    quoted = HOSTILE.replace('"', '""')
    project.write(
        "20251201000000_@octocat_<img src=x onerror=alert(1)>_[x](http:evil).sql",
        f'create table if not exists public."{quoted}" (id int primary key);\n'
        f"-- schemagate: ignore no-primary-key -- {HOSTILE}\n"
        f'create table if not exists public."b{quoted}" (id int);\n',
    )
    page = html_of(markdown.render(run_check(db)))
    assert page.count("&lt;script&gt;alert(1)&lt;/script&gt;") >= 2  # the names are shown, as text
    assert "<script" not in page and "<img" not in page and "onerror=alert(1)>" not in page
    assert "<a " not in page  # no link, autolink or mention survived
    prose = re.sub(r"<pre.*?</pre>", "", page, flags=re.S)  # GitHub links no mention inside code
    assert not re.search(r"@(everyone|octocat)", prose)  # a zero-width space follows every @ elsewhere
    assert "<strong>b</strong>" not in page and "<code>x</code>" not in page
    for table in re.findall(r"<table>.*?</table>", page, re.S):
        rows = re.findall(r"<tr>(.*?)</tr>", table, re.S)
        assert len({r.count("<td") for r in rows[1:]}) == 1  # the | in names did not add cells


def _report_with(findings: list[Finding], migrations: int = 1) -> Report:
    path = Path("supabase/migrations/20251201000000_x.sql")
    results = [
        MigrationResult(f"2025120100{i:04d}", f"2025120100{i:04d}_x.sql", path) for i in range(migrations)
    ]
    results[0].findings = list(findings)
    return Report(results, list(findings), "abc123", "PostgreSQL 15")


def test_an_oversized_report_falls_back_to_a_summary_under_the_limit() -> None:
    findings = [
        Finding(
            catalog_rules.rls.RLS_DISABLED,
            f"table public.t{i} has row level security disabled " + "x" * 200,
            Path("supabase/migrations/20251201000000_x.sql"),
            i + 1,
        )
        for i in range(2000)  # past the limit even with a line per statement
    ]
    text = markdown.render(_report_with(findings, migrations=400), summary_url="https://example.invalid/run")
    assert len(text) <= markdown.LIMIT
    assert "too long for a comment" in text and "job summary" in text
    assert text.startswith(markdown.marker())
    html_of(text)  # still renders


def test_json_report_has_a_stable_documented_shape(db: Database, project: Project) -> None:
    project.write("20251201000000_bad.sql", "create table if not exists public.t (id int primary key);")
    data = run_check(db).to_json()
    assert set(data) == {
        "schema",
        "tool",
        "verdict",
        "fail_on",
        "base",
        "server",
        "seconds",
        "counts",
        "migrations",
        "findings",
        "ignored",
        "notes",
        "diff",
        "access",
        "isolation",
        "tests",
    }
    assert data["schema"] == 1 and data["verdict"] == "fail"
    (migration,) = data["migrations"]
    assert migration["file"] == "supabase/migrations/20251201000000_bad.sql"
    assert migration["checklist"]["rls"] == "error" and migration["checklist"]["name"] == "pass"
    assert migration["fixes"] == [
        {
            "first": 1,
            "last": 1,
            "new": "create table if not exists public.t (id int primary key);\n"
            "alter table public.t enable row level security;",
            "rules": ["rls-disabled"],
        }
    ]
    finding = next(f for f in data["findings"] if f["rule"] == "rls-disabled")
    assert finding | {"why": "", "fix": ""} == {
        "rule": "rls-disabled",
        "alias": "rls_disabled_in_public",
        "severity": "error",
        "item": "rls",
        "message": "table public.t has row level security disabled",
        "object": "public.t",
        "file": "supabase/migrations/20251201000000_bad.sql",
        "line": 1,
        "detail": None,
        "why": "",
        "fix": "",
        "remedy": {
            "sql": "alter table public.t enable row level security;",
            "place": "after",
            "mechanical": True,
        },
    }
    json.dumps(data)


def test_sarif_is_2_1_0_with_rules_and_locations() -> None:
    finding = Finding(runtime.NOT_IDEMPOTENT, "second run fails", Path("supabase/migrations/1_x.sql"), 7)
    doc = sarif.render(_report_with([finding]))
    assert doc["version"] == "2.1.0"
    run = doc["runs"][0]
    rule_ids = [r["id"] for r in run["tool"]["driver"]["rules"]]
    assert "not-idempotent" in rule_ids
    (result,) = run["results"]
    assert result["ruleId"] == "not-idempotent" and result["level"] == "warning"
    assert rule_ids[result["ruleIndex"]] == "not-idempotent"
    assert result["locations"][0]["physicalLocation"] == {
        "artifactLocation": {"uri": "supabase/migrations/1_x.sql"},
        "region": {"startLine": 7},
    }


def test_annotations_escape_like_the_actions_toolkit() -> None:
    finding = Finding(
        runtime.APPLY_FAILED, "100% broken\nsecond line", Path("supabase/migrations/1_a,b:c.sql"), 3
    )
    (line,) = annotation_report.render(_report_with([finding]))
    assert (
        line == "::error file=supabase/migrations/1_a%2Cb%3Ac.sql,line=3,title=apply-failed"
        "::100%25 broken%0Asecond line"
    )
    info = Finding(runtime.ACCESS_EXCLUSIVE_LOCK, "lock", None, None, Severity.INFO)
    assert annotation_report.render(_report_with([info])) == ["::notice title=access-exclusive-lock::lock"]


def _wide_findings(count: int, width: int, letter: str = "x") -> list[Finding]:
    return [
        Finding(
            catalog_rules.rls.RLS_DISABLED,
            f"table public.t{i} has row level security disabled " + letter * width,
            Path("supabase/migrations/20251201000000_x.sql"),
            i + 1,
        )
        for i in range(count)
    ]


def test_the_job_summary_fits_githubs_limit_in_bytes() -> None:
    # 3-byte letters: under a million characters, over a million bytes, which GitHub refuses
    report = _report_with(_wide_findings(1500, 400, "語"), migrations=3)
    text = markdown.render_summary(report)
    assert markdown.utf8_size(text) <= markdown.SUMMARY_LIMIT_BYTES
    html_of(text)


def test_a_fallback_of_huge_lines_is_still_cut_to_the_limit() -> None:
    # the fallback keeps the notes whole (they can quote what a server said): past the limit here
    report = _report_with(_wide_findings(3000, 200), migrations=400)
    report.notes = [f"could not verify extension e{i}: " + "y" * 5_000 for i in range(20)]
    text = markdown.render(report)
    assert len(text) <= markdown.LIMIT
    assert text.startswith(markdown.marker())
    assert "cut at GitHub's size limit" in html_of(text)


def test_a_project_folder_cannot_close_the_hidden_marker() -> None:
    mark = markdown.marker("apps/a-->b <img src=x>")
    assert mark.startswith("<!--") and mark.endswith("-->")
    assert "-->" not in mark[4:-3] and ">" not in mark[4:-3]
    assert html_of(mark).strip() == mark  # one HTML comment, nothing shown
    assert markdown.marker("apps/web") == "<!-- schemagate:check apps/web -->"  # existing markers kept
