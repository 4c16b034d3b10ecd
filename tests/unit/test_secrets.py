"""secrets.py: what is registered, how URLs and DSNs are cut, and that every form of a password is masked."""

from __future__ import annotations

import base64

import pytest
from unitcheck import forget_secrets

from schemagate import secrets


@pytest.fixture(autouse=True)
def _no_secrets() -> None:
    forget_secrets()


def test_a_secret_of_three_characters_or_more_is_registered_and_shorter_ones_are_not() -> None:
    secrets.register(None)
    secrets.register("")
    secrets.register("ab")
    assert secrets.registered() == []
    secrets.register("abc")
    assert secrets.registered() == ["abc"]
    assert secrets.redact("xabcx ab") == "x***x ab"


def test_registered_secrets_come_longest_first_so_a_longer_one_is_masked_whole() -> None:
    for secret in ("zzz", "abcdzzz", "mmmm"):
        secrets.register(secret)
    assert secrets.registered() == ["abcdzzz", "mmmm", "zzz"]
    assert secrets.redact("abcdzzz") == "***"


def test_register_url_registers_the_password_its_cuts_and_their_decoded_forms() -> None:
    secrets.register_url(None)
    secrets.register_url("")
    assert secrets.registered() == []
    secrets.register_url("postgres://user:p%40ss@w0rd@db.example.com:5432/app")
    plain = {"p%40ss@w0rd", "p%40ss", "p@ss@w0rd", "p@ss"}
    assert set(secrets.registered()) == plain | _encoded("p%40ss@w0rd") | _encoded("p@ss@w0rd")


def test_register_url_registers_query_passwords_too() -> None:
    secrets.register_url("postgres://user@host/db?sslmode=require&password=qu%65ry")
    assert set(secrets.registered()) == {"qu%65ry", "query"}


def test_register_url_of_a_url_without_password_registers_nothing() -> None:
    secrets.register_url("postgres://user@host/db")
    assert secrets.registered() == []


def test_cuts_are_every_prefix_before_an_at_and_the_whole() -> None:
    assert secrets._cuts("a@bc@d") == ["a", "a@bc", "a@bc@d"]
    assert secrets._cuts("plain") == ["plain"]
    assert secrets._cuts("") == [""]


@pytest.mark.parametrize(
    ("url", "parts"),
    [
        ("postgres://u:p@ss@host:5432/db", ("postgres", "u:p@ss", "host:5432/db")),
        ("postgres://u:p://x@host/db", ("postgres", "u:p://x", "host/db")),
        ("postgres://host/db", ("postgres", None, "host/db")),
        ("postgres://@host", ("postgres", "", "host")),
    ],
)
def test_split_url_cuts_at_the_first_scheme_separator_and_the_last_at(
    url: str, parts: tuple[str, str | None, str]
) -> None:
    assert secrets.split_url(url) == parts


@pytest.mark.parametrize(
    ("url", "password"),
    [
        ("postgres://u:pw@host/db", "pw"),
        ("postgres://u:p:w@h@host/db", "p:w@h"),
        ("postgres://u:@host/db", None),
        ("postgres://u@host/db", None),
        ("postgres://host/db", None),
        ("host=h password=s3cret user=u", "s3cret"),
        ("host=h PASSWORD = 'two words' user=u", "two words"),
        ("host=h password='XyX' user=u", "XyX"),
        ("host=h user=u", None),
    ],
)
def test_password_of(url: str, password: str | None) -> None:
    assert secrets.password_of(url) == password


def test_query_passwords_are_read_from_a_url_s_host_part_only() -> None:
    assert secrets._query_passwords("postgres://u@h/db?password=a&PassWord=b&x=1") == ["a", "b"]
    assert secrets._query_passwords("host=h ?password=zz") == []


def test_redact_masks_registered_secrets_url_passwords_and_dsn_passwords() -> None:
    secrets.register("tok3n")
    assert secrets.redact("a tok3n b") == "a *** b"
    assert secrets.redact("see postgres://u:never-registered@h/db") == "see postgres://u:***@h/db"
    assert secrets.redact("host=h password=abc user=u") == "host=h password=*** user=u"
    assert secrets.redact("nothing here") == "nothing here"
    assert secrets.redact("ok3n tok3 ok3") == "ok3n tok3 ok3"  # no part of a secret is masked
    long = "postgres://u:" + "p@/" * 341 + "x@h/db"  # 1024 characters of password, @ and / among them
    assert secrets.redact(long) == "postgres://u:***@h/db"


@pytest.mark.parametrize(
    ("url", "masked"),
    [
        ("postgres://u:p@ss/w@host:5/db", "postgres://u:***@host:5/db"),
        # a space or a run of 1025 characters is past what redact()'s pattern catches in a URL
        ("postgres://u:p:w ss@host/db", "postgres://u:***@host/db"),
        ("postgres://u:a b:c@host/db", "postgres://u:***@host/db"),
        ("postgres://u:" + "p" * 1100 + "@host/db", "postgres://u:***@host/db"),
        ("postgres://u@host/db", "postgres://u@host/db"),
        ("postgres://host/db", "postgres://host/db"),
        ("host=h password=pw", "host=h password=***"),
    ],
)
def test_mask_url_keeps_everything_but_the_password(url: str, masked: str) -> None:
    assert secrets.mask_url(url) == masked


def test_redact_masks_a_secret_as_a_json_string_holds_it_and_nothing_less() -> None:
    secrets.register('pé"ss')
    assert secrets.redact('{"k": "p\\u00e9\\"ss"}') == '{"k": "***"}'
    assert secrets.redact('x\\u00e9\\"ss') == 'x\\u00e9\\"ss'  # its JSON form less the first letter


def _encoded(secret: str) -> set[str]:
    return {base64.b64encode(form.encode()).decode() for form in (secret, f"x-access-token:{secret}")}


def test_a_token_is_masked_in_git_s_extraheader_as_actions_checkout_writes_it() -> None:
    token = "ghs_" + "A1b2C3d4E5" * 3 + "xyzxyz"
    secrets.register(token)
    header = base64.b64encode(f"x-access-token:{token}".encode()).decode()
    config = f'[http "https://github.com/"]\n\textraheader = AUTHORIZATION: basic {header}\n'
    assert (
        secrets.redact(config) == '[http "https://github.com/"]\n\textraheader = AUTHORIZATION: basic ***\n'
    )
    alone = base64.b64encode(token.encode()).decode()
    assert secrets.redact(f"echo {alone}") == "echo ***"


def test_a_secret_of_eight_characters_is_also_masked_in_base64_and_a_shorter_one_is_not() -> None:
    secrets.register("pass1234")
    secrets.register("pass123")
    assert set(secrets.registered()) == {"pass1234", "pass123"} | _encoded("pass1234")
