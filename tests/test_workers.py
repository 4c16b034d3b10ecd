"""Per-file work spread over forked processes: the same answers and the same errors as one process."""

from __future__ import annotations

import os
import pickle
import threading
from pathlib import Path

import pytest

from conftest import Project
from schemagate.commands.linting import lint
from schemagate.config import Config
from schemagate.errors import InputError
from schemagate.findings.judge import Options
from schemagate.findings.rules import hardcoded
from schemagate.report.model import Report
from schemagate.statements import workers


@pytest.fixture
def forking(monkeypatch: pytest.MonkeyPatch) -> None:
    """Two processes for anything over two items, whatever this machine has."""
    monkeypatch.setattr(workers, "MIN_PER_WORKER", 2)
    monkeypatch.setattr(workers, "cores", lambda: 2)
    monkeypatch.delenv(workers.ENV, raising=False)


def pids(chunk: list[int]) -> list[tuple[int, int]]:
    return [(item, os.getpid()) for item in chunk]


@pytest.mark.parametrize(("items", "parts"), [(10, 2), (11, 2), (7, 3), (3, 3), (1000, 2)])
def test_chunks_are_contiguous_near_equal_and_in_order(items: int, parts: int) -> None:
    made = workers.chunks(list(range(items)), parts)
    assert [x for chunk in made for x in chunk] == list(range(items))
    assert max(map(len, made)) - min(map(len, made)) <= 1


@pytest.mark.usefixtures("forking")
def test_work_runs_in_a_forked_child_and_comes_back_in_order() -> None:
    result = workers.map_chunks(pids, list(range(10)))
    assert [item for item, _ in result] == list(range(10))
    assert {pid for item, pid in result if item < 5} == {os.getpid()}
    assert os.getpid() not in {pid for item, pid in result if item >= 5}


def test_few_items_threads_or_the_setting_keep_the_work_here(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(workers, "cores", lambda: 2)
    monkeypatch.delenv(workers.ENV, raising=False)
    assert workers.how_many(workers.MIN_PER_WORKER * 2 - 1) == 1
    assert workers.how_many(workers.MIN_PER_WORKER * 2) == 2
    monkeypatch.setenv(workers.ENV, "1")
    assert workers.how_many(10_000) == 1
    monkeypatch.delenv(workers.ENV)
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait)
    thread.start()
    try:
        assert workers.how_many(10_000) == 1  # forking beside a thread could copy a held lock
    finally:
        stop.set()
        thread.join()


@pytest.mark.usefixtures("forking")
def test_when_no_process_can_be_forked_the_work_is_done_here(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse() -> int:
        raise BlockingIOError(11, "Resource temporarily unavailable")

    monkeypatch.setattr(os, "fork", refuse)
    open_before = len(os.listdir("/proc/self/fd"))
    result = workers.map_chunks(pids, list(range(10)))
    assert result == [(item, os.getpid()) for item in range(10)]
    assert len(os.listdir("/proc/self/fd")) == open_before  # the pipe made for the child is closed


def failing(chunk: list[int]) -> list[int]:
    for item in chunk:
        if item in (3, 7):
            raise InputError(f"bad item {item}", path=f"f{item}.sql", line=item)
    return chunk


@pytest.mark.usefixtures("forking")
def test_the_first_error_in_order_is_raised_with_its_file_and_line() -> None:
    with pytest.raises(InputError) as caught:
        workers.map_chunks(failing, [0, 1, 2, 3, 4, 5, 6, 7])
    assert str(caught.value) == "f3.sql:3: bad item 3"
    with pytest.raises(InputError) as caught:
        workers.map_chunks(failing, [0, 1, 2, 4, 5, 6, 7, 8])  # only the child's chunk fails
    assert (caught.value.path, caught.value.line, caught.value.message) == (Path("f7.sql"), 7, "bad item 7")


def vanishing(chunk: list[int]) -> list[int]:
    if 9 in chunk:
        os._exit(3)  # as if the kernel killed it: no result, no exception
    return chunk


@pytest.mark.usefixtures("forking")
def test_a_worker_that_dies_is_an_error_not_a_short_result() -> None:
    with pytest.raises(workers.WorkerLost, match="ended without a result"):
        workers.map_chunks(vanishing, list(range(10)))


def test_a_finding_keeps_its_rule_object_across_processes() -> None:
    from schemagate.findings import Finding

    made = Finding(hardcoded.HARD_CODED_VALUE, "literal a UUID in `insert`", Path("x.sql"), 3)
    assert pickle.loads(pickle.dumps(made)).rule is hardcoded.HARD_CODED_VALUE


CORPUS = {
    "20251201000000_create.sql": "create table if not exists public.a (id int);",
    "20251201000001_index.sql": "create index on public.a (id);\ncreate index on public.z (id);",
    "20251201000002_ignored.sql": (
        "-- schemagate: ignore create-without-if-not-exists -- recreated on purpose\n"
        "create table public.b (id int);"
    ),
    "20251201000003_plan.sql": (
        "-- schemagate: backup-plan nightly pg_dump, kept 30 days\ndrop table if exists public.old;"
    ),
    "20251201000004_bad_directive.sql": "-- schemagate: ignore no-such-rule\nselect 1;",
    "20251201000005_secret.sql": "insert into public.a (id) select 1 where 'ceo@example.com' <> '';",
    "20251201000006_fk.sql": "alter table public.a add column if not exists b int references public.b (id);",
    "20251201000007_notnull.sql": "alter table public.z add column if not exists n int not null;",
    "20251201000008_late.sql": "create table if not exists public.z (id int);",  # created after use
}


def reports(project: Project, monkeypatch: pytest.MonkeyPatch) -> tuple[Report, Report]:
    monkeypatch.setenv(workers.ENV, "1")
    serial = lint(Config(), Options())
    monkeypatch.setattr(workers, "MIN_PER_WORKER", 2)
    monkeypatch.setattr(workers, "cores", lambda: 3)
    monkeypatch.delenv(workers.ENV)
    assert workers.how_many(len(CORPUS)) == 3
    return serial, lint(Config(), Options())


def test_lint_in_three_processes_reports_exactly_what_one_process_does(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, sql in CORPUS.items():
        project.write(name, sql)
    serial, forked = reports(project, monkeypatch)
    assert serial.findings and serial.ignored
    assert forked.findings == serial.findings
    assert forked.ignored == serial.ignored
    assert [m.findings for m in forked.migrations] == [m.findings for m in serial.migrations]
    found = {(f.rule.id, f.subject) for f in serial.findings}
    assert ("index-without-concurrently", "public.z") not in found  # a later file creates it


def test_a_syntax_error_in_a_later_chunk_is_the_same_report(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, sql in CORPUS.items():
        project.write(name, sql)
    project.write("20251201000009_broken.sql", "select 1;\ncreate tabel x (id int);")
    serial, forked = reports(project, monkeypatch)
    said = [str(f.path) + f":{f.line} " + f.message for f in forked.findings]
    assert 'supabase/migrations/20251201000009_broken.sql:2 syntax error at or near "tabel"' in said
    # the files that parse are judged all the same, whichever chunk the broken one is in
    assert {f.path.name for f in forked.findings if f.path} > {"20251201000009_broken.sql"}
    assert forked.findings == serial.findings
