"""`plan.refused_access`: the one wording of a rejected key or an unreachable server, used by
the run's preflight and `orkit key`. The class must not change (it sets the exit code)."""

from __future__ import annotations

from orkit.errors import APIConnectionError, APITimeoutError, AuthenticationError
from orkit.plan import refused_access


def test_a_rejected_key_names_the_server_and_keeps_its_status() -> None:
    said = refused_access(AuthenticationError("User not found.", status_code=401), "sim")
    assert type(said) is AuthenticationError
    assert said.status_code == 401
    assert said.message == ("sim rejected the API key (User not found.); check OPENROUTER_API_KEY")


def test_an_unreachable_server_keeps_the_class_of_the_failure() -> None:
    said = refused_access(APITimeoutError("connect timed out"), "http://127.0.0.1:9/v1")
    assert type(said) is APITimeoutError  # a timeout stays a timeout
    assert said.message == "cannot reach http://127.0.0.1:9/v1: connect timed out"
    plain = refused_access(APIConnectionError("refused"), "localhost:9")
    assert type(plain) is APIConnectionError
    assert plain.message == "cannot reach localhost:9: refused"
