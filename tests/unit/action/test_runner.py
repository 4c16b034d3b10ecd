"""github/runner.py: inputs read and refused exactly, and every line the runner reads as a command
escaped, redacted and flushed; outputs that no value can forge."""

from __future__ import annotations

import io
import re
import uuid
import warnings
from contextlib import redirect_stdout
from pathlib import Path

import pytest
from unitcheck import forget_secrets

from schemagate import secrets
from schemagate.action import runner
from schemagate.action.runner import Inputs, Runner
from schemagate.errors import InputError


@pytest.fixture(autouse=True)
def _no_secrets() -> None:
    forget_secrets()


class Recorder(io.StringIO):
    """stdout that notes where each flush fell: the runner must see a line before the next process writes."""

    def __init__(self) -> None:
        super().__init__()
        self.flushed: list[str] = []

    def flush(self) -> None:
        self.flushed.append(self.getvalue())
        super().flush()


@pytest.fixture
def out() -> Recorder:
    """Where the test body prints, inside `with redirect_stdout(out)`: pytest's capture sets sys.stdout
    back between a test's phases, so a fixture cannot redirect it for the body."""
    return Recorder()


def test_get_reads_the_hyphenated_name_then_the_underscored_one_and_strips() -> None:
    assert Inputs({"INPUT_MIGRATIONS-DIR": " a ", "INPUT_MIGRATIONS_DIR": "b"}).get("migrations-dir") == "a"
    assert Inputs({"INPUT_MIGRATIONS_DIR": " b "}).get("migrations-dir") == "b"
    assert Inputs({}).get("migrations-dir") == ""
    assert Inputs({}).get("migrations-dir", "d") == "d"
    assert Inputs({"INPUT_MODE": "  "}).get("mode", "check") == "check"


def test_get_refuses_a_name_action_yml_does_not_declare() -> None:
    with pytest.raises(AssertionError, match=r"^not-an-input$"):
        Inputs({}).get("not-an-input")


def test_count() -> None:
    assert Inputs({}).count("lock-retries") is None
    assert Inputs({"INPUT_LOCK-RETRIES": "0"}).count("lock-retries") == 0
    assert Inputs({"INPUT_LOCK-RETRIES": "999999"}).count("lock-retries") == 999999
    for bad in ("1000000", "-1", "²", "1.5"):
        with pytest.raises(InputError) as caught:
            Inputs({"INPUT_LOCK-RETRIES": bad}).count("lock-retries")
        assert str(caught.value) == f"input lock-retries must be a whole number from 0 to 999999, not {bad!r}"
    with pytest.raises(InputError) as long:
        Inputs({"INPUT_LOCK-RETRIES": "x" * 50}).count("lock-retries")
    assert str(long.value).endswith(f"not {'x' * 40!r}")


def test_flag() -> None:
    assert Inputs({}).flag("comment", True) is True
    assert Inputs({}).flag("comment", False) is False
    assert Inputs({"INPUT_COMMENT": "TRUE"}).flag("comment", False) is True
    assert Inputs({"INPUT_COMMENT": "False"}).flag("comment", True) is False
    with pytest.raises(InputError) as caught:
        Inputs({"INPUT_COMMENT": "Yes"}).flag("comment", True)
    assert str(caught.value) == "input comment must be true or false, not 'yes'"


def test_choice() -> None:
    options = ("error", "warning", "info")
    assert Inputs({}).choice("fail-on", options) == "error"
    assert Inputs({"INPUT_FAIL-ON": "info"}).choice("fail-on", options) == "info"
    with pytest.raises(InputError) as caught:
        Inputs({"INPUT_FAIL-ON": "all"}).choice("fail-on", options)
    assert str(caught.value) == "input fail-on must be error, warning or info, not 'all'"


@pytest.mark.parametrize(("value", "seconds"), [("", 5.0), ("0.5", 0.5), ("604800", 604800.0)])
def test_seconds(value: str, seconds: float) -> None:
    assert Inputs({"INPUT_APPROVAL-TIMEOUT": value}).seconds("approval-timeout", 5.0) == seconds


@pytest.mark.parametrize("value", ["0", "-1", "604800.5", "nan", "inf", "soon"])
def test_seconds_refuses(value: str) -> None:
    with pytest.raises(InputError) as caught:
        Inputs({"INPUT_APPROVAL-TIMEOUT": value}).seconds("approval-timeout", 5.0)
    assert str(caught.value) == (
        f"input approval-timeout must be a number of seconds above 0, at most 604800, not {value!r}"
    )


@pytest.mark.parametrize(
    "value",
    [
        "0",
        "500ms",
        "500 ms",
        "5s",
        "2min",
        "1h",
        "596h",
        "2147483647",
        "2147483647ms",
        "2147483s",
        "000000000001",
    ],
)
def test_timeout_accepts(value: str) -> None:
    assert Inputs({"INPUT_LOCK-TIMEOUT": value}).timeout("lock-timeout") == value


@pytest.mark.parametrize(
    "value",
    [
        "2147483648",
        "2147484s",
        "35792min",
        "597h",
        "5 minutes",
        "1d",
        "-1s",
        "1.5s",
        "0000000000001",
        "x" * 50,
    ],
)
def test_timeout_refuses(value: str) -> None:
    with pytest.raises(InputError) as caught:
        Inputs({"INPUT_LOCK-TIMEOUT": value}).timeout("lock-timeout")
    assert str(caught.value) == (
        "input lock-timeout must be a timeout such as 500ms, 5s, 2min or 1h, 0 for none, "
        f"at most 596h (PostgreSQL's limit), not {value[:40]!r}"
    )


def test_timeout_of_an_empty_input_is_none() -> None:
    assert Inputs({}).timeout("statement-timeout") is None


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("fail-on", "error"),
        ("fail-on", "warning"),
        ("fail-on", "info"),
        ("approval", "environment"),
        ("approval", "issue"),
        ("profile", "default"),
        ("profile", "strict"),
    ],
)
def test_validate_takes_every_documented_choice(name: str, value: str) -> None:
    Inputs({f"INPUT_{name.upper()}": value}).validate()


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("fail-on", "all"),
        ("profile", "strickt"),
        ("approval", "email"),
        ("approval-timeout", "0"),
        ("comment", "yes"),
        ("suggestions", "yes"),
        ("require-approval", "yes"),
        ("allow-self-approval", "yes"),
        ("lock-retries", "-1"),
        ("lock-timeout", "1d"),
        ("statement-timeout", "1d"),
    ],
)
def test_validate_checks_every_fixed_form_input(name: str, value: str) -> None:
    Inputs({}).validate()
    with pytest.raises(InputError, match=f"^input {name} must"):
        Inputs({f"INPUT_{name.upper()}": value}).validate()


def test_mask_registers_and_announces_the_value(out: Recorder) -> None:
    with redirect_stdout(out):
        Runner({}).mask("")
        assert out.getvalue() == "" and secrets.registered() == []
        Runner({}).mask("s3cr%t\nx")
        assert out.getvalue() == "::add-mask::s3cr%25t%0Ax\n"
        assert out.flushed == [out.getvalue()]
        assert "s3cr%t\nx" in secrets.registered()
        assert secrets.redact("a s3cr%t\nx b") == "a *** b"


def test_log_prints_a_plain_line_redacted_and_flushed(out: Recorder) -> None:
    with redirect_stdout(out):
        secrets.register("hunter2")
        Runner({}).log("password hunter2 and :: in the middle")
        assert out.getvalue() == "password *** and :: in the middle\n"
        assert out.flushed == [out.getvalue()]


@pytest.mark.parametrize(
    ("line", "text"),
    [
        ("::error::x", "::error::x"),
        ("  ::error::x", "  ::error::x"),
        ("\t##[error]x", "\t##[error]x"),
        ("a\n::error::x", "a\n::error::x"),
        ("a\nb", "a\nb"),
        ("a\r\n::error::x", "a\\r\n::error::x"),
        ("a\n\x1b[31m::x\u202e", "a\n\\u001b[31m::x\\u202e"),
    ],
)
def test_log_stops_commands_around_a_line_the_runner_could_read_as_one(
    out: Recorder, line: str, text: str
) -> None:
    with redirect_stdout(out):
        Runner({}).log(line)
        printed = out.getvalue()
        match = re.fullmatch(r"::stop-commands::([0-9a-f]{32})\n(.*)\n::\1::\n", printed, re.S)
        assert match is not None, printed
        assert match[2] == text
        assert out.flushed == [printed]


@pytest.mark.parametrize(
    ("line", "text"),
    [
        ("a\rb", "a\\rb"),
        ("a\r::error::x", "a\\r::error::x"),
        *((f"a{sep} ::x", f"a\\u{ord(sep):04x} ::x") for sep in "\v\f\x1c\x1d\x1e\x85\u2028\u2029"),
        ("a\x85 ##[x", "a\\u0085 ##[x"),
        ("\x1b]0;title\x07 \u202eab", "\\u001b]0;title\\u0007 \\u202eab"),
        ("a\tb", "a\tb"),
    ],
)
def test_log_shows_controls_as_escapes_so_the_line_stays_one_inert_line(
    out: Recorder, line: str, text: str
) -> None:
    """Every line break but \\n, and every control, bidi or zero-width character, is an escape: the
    runner sees one line that starts no command, and no terminal sequence reaches the log."""
    with redirect_stdout(out):
        Runner({}).log(line)
        assert out.getvalue() == text + "\n"
        assert out.flushed == [out.getvalue()]


def test_log_redacts_before_it_escapes(out: Recorder) -> None:
    with redirect_stdout(out):
        secrets.register("pa\x1bss")
        Runner({}).log("x pa\x1bss y")
        assert out.getvalue() == "x *** y\n"


def test_a_line_that_only_mentions_a_command_is_printed_as_is(out: Recorder) -> None:
    with redirect_stdout(out):
        Runner({}).log("a ::b:: c ##[d] X")
        assert out.getvalue() == "a ::b:: c ##[d] X\n"


def test_the_stop_token_is_one_the_text_does_not_hold(monkeypatch: pytest.MonkeyPatch) -> None:
    tokens = iter(["aaaa", "bbbb"])
    monkeypatch.setattr(runner, "secrets_token_hex", lambda n: next(tokens) if n == 16 else "wrong")
    assert runner._stop_token("xx aaaa xx") == "bbbb"


@pytest.mark.parametrize(
    ("method", "command"), [("warning", "warning"), ("error", "error"), ("group", "group")]
)
def test_commands_are_escaped_and_redacted(out: Recorder, method: str, command: str) -> None:
    with redirect_stdout(out):
        secrets.register("hunter2")
        getattr(Runner({}), method)("50% of hunter2\r\nsecond")
        assert out.getvalue() == f"::{command}::50%25 of ***%0D%0Asecond\n"
        assert out.flushed == [out.getvalue()]


def test_endgroup(out: Recorder) -> None:
    with redirect_stdout(out):
        Runner({}).endgroup()
        assert out.getvalue() == "::endgroup::\n"
        assert out.flushed == [out.getvalue()]


def test_output_is_written_in_the_delimited_form_redacted(tmp_path: Path) -> None:
    path = tmp_path / "output"
    path.write_text("earlier\n", encoding="utf-8")
    secrets.register("hunter2")
    Runner({"GITHUB_OUTPUT": str(path)}).output("verdict-1_x", "é hunter2\nforged=1")
    text = path.read_bytes().decode("utf-8")
    match = re.fullmatch(
        r"earlier\nverdict-1_x<<(ghadelimiter_[0-9a-f-]{36})\né \*\*\*\nforged=1\n\1\n", text
    )
    assert match is not None, text


def test_outputs_and_the_summary_are_written_as_utf8_never_in_the_locale_s_encoding(tmp_path: Path) -> None:
    """An open() without an encoding writes in the locale's, which need not be UTF-8. Under
    `python -X warn_default_encoding` (tools/mutation.py runs the tests so) such an open() warns,
    and the warning fails this test."""
    env = {"GITHUB_OUTPUT": str(tmp_path / "output"), "GITHUB_STEP_SUMMARY": str(tmp_path / "summary")}
    with warnings.catch_warnings():
        warnings.simplefilter("error", EncodingWarning)
        Runner(env).output("name", "é")
        Runner(env).summary("é")
    assert "\né\n" in (tmp_path / "output").read_bytes().decode("utf-8")
    assert (tmp_path / "summary").read_bytes().decode("utf-8") == "é\n"


def test_output_without_a_file_writes_nothing(tmp_path: Path) -> None:
    Runner({}).output("verdict", "x")
    Runner({"GITHUB_OUTPUT": ""}).output("verdict", "x")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("name", ["", "1x", "a b", "a\nb", "a<<b", "-x", "é"])
def test_output_refuses_a_name_that_is_no_output_name(tmp_path: Path, name: str) -> None:
    with pytest.raises(InputError) as caught:
        Runner({"GITHUB_OUTPUT": str(tmp_path / "o")}).output(name, "x")
    assert str(caught.value) == f"{name!r} is not an output name"


def test_output_refuses_a_value_holding_its_delimiter(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fixed = uuid.UUID(int=7)
    monkeypatch.setattr(uuid, "uuid4", lambda: fixed)
    path = tmp_path / "o"
    with pytest.raises(InputError) as caught:
        Runner({"GITHUB_OUTPUT": str(path)}).output("verdict", f"x ghadelimiter_{fixed} y")
    assert str(caught.value) == "the value of output verdict holds its own delimiter"
    assert not path.exists()


def test_summary_appends_redacted_text(tmp_path: Path) -> None:
    path = tmp_path / "summary"
    path.write_text("earlier\n", encoding="utf-8")
    secrets.register("hunter2")
    Runner({"GITHUB_STEP_SUMMARY": str(path)}).summary("é hunter2")
    assert path.read_bytes().decode("utf-8") == "earlier\né ***\n"
    Runner({}).summary("nowhere")
    Runner({"GITHUB_STEP_SUMMARY": ""}).summary("nowhere")
    assert path.read_bytes().decode("utf-8") == "earlier\né ***\n"


def test_mask_secrets_masks_each_secret_input_and_its_password(out: Recorder) -> None:
    with redirect_stdout(out):
        env = {
            "INPUT_DATABASE-URL": "postgres://u:dbpass@h/db",
            "INPUT_CHECK-DATABASE-URL": "host=h password=checkpass",
            "INPUT_GITHUB-TOKEN": "ghs_token",
            "INPUT_MODE": "not-a-secret",
        }
        runner.mask_secrets(Inputs(env), Runner({}))
        assert out.getvalue().splitlines() == [
            "::add-mask::postgres://u:dbpass@h/db",
            "::add-mask::dbpass",
            "::add-mask::host=h password=checkpass",
            "::add-mask::checkpass",
            "::add-mask::ghs_token",
        ]


def test_mask_secrets_with_no_secret_inputs_masks_nothing(out: Recorder) -> None:
    with redirect_stdout(out):
        runner.mask_secrets(Inputs({"INPUT_DATABASE-URL": "postgres://u@h/db"}), Runner({}))
        assert out.getvalue() == "::add-mask::postgres://u@h/db\n"
