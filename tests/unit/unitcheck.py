"""Shared by the fast unit tests of the modules that guard the product (no database). Mutation
testing (tools/mutation.py) runs them against every mutant, so they must give the same verdict every
run: hypothesis replays the same examples and keeps no example database."""

from __future__ import annotations

from hypothesis import HealthCheck, settings

from schemagate import secrets

REPLAYED = settings(
    derandomize=True,
    database=None,
    deadline=None,
    max_examples=150,
    suppress_health_check=[HealthCheck.too_slow],
)


def forget_secrets() -> None:
    """No secret registered: each test starts from nothing and leaves nothing for the rest of the suite."""
    secrets._registered.clear()
