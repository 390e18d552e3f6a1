"""A 5xx whose body says the request itself is invalid (the validation errors llama.cpp, vLLM
and Ollama send with a 500) is a request error, failed at once; a generic 5xx stays
retryable. Table-driven over bodies shaped like those servers' answers, then end to end
through the client and the router against a 127.0.0.1 server."""

from __future__ import annotations

import json

import pytest

from orkit import errors
from orkit._clock import FakeClock
from orkit.client._wire import error_from_response
from orkit.router import Action, RetryPolicy, Router, RouterOptions, classify

from . import support
from .support import Conn, loopback_client, request, serve

LLAMA_CPP_TYPE = {
    "error": {
        "code": 500,
        "message": "[json.exception.type_error.302] type must be number, but is string",
        "type": "server_error",
    }
}
LLAMA_CPP_MISSING_KEY = {
    "error": {
        "code": 500,
        "message": "[json.exception.out_of_range.403] key 'messages' not found",
        "type": "server_error",
    }
}
VLLM_PYDANTIC = {
    "object": "error",
    "message": "1 validation error for ChatCompletionRequest\nmax_tokens\n  Input should be a "
    "valid integer, unable to parse string as an integer [type=int_parsing, "
    "input_value='abc', input_type=str]",
    "type": "BadRequestError",
    "param": None,
    "code": 400,
}
VLLM_PYDANTIC_OLD_TYPE = {**VLLM_PYDANTIC, "type": "InternalServerError", "code": 500}
VLLM_BAD_REQUEST_TYPE = {
    "object": "error",
    "message": "max_tokens must be at least 1, got -3.",
    "type": "BadRequestError",
    "param": None,
    "code": 400,
}
FASTAPI_BODY_DETAIL = {
    "detail": "[{'type': 'int_parsing', 'loc': ('body', 'max_tokens'), 'msg': 'Input should be "
    "a valid integer, unable to parse string as an integer', 'input': 'abc'}]"
}
OLLAMA_UNMARSHAL = {
    "error": "json: cannot unmarshal string into Go struct field ChatCompletionRequest."
    "max_tokens of type int"
}
JSONSCHEMA = {
    "error": {
        "message": "'abc' is not of type 'integer'\n\nFailed validating 'type' in "
        "schema['properties']['max_tokens']",
        "type": "server_error",
    }
}

INVALID_REQUEST = [
    ("llama.cpp-type-error", 500, LLAMA_CPP_TYPE),
    ("llama.cpp-missing-key", 500, LLAMA_CPP_MISSING_KEY),
    ("vllm-pydantic", 500, VLLM_PYDANTIC),
    ("vllm-pydantic-internal-type", 500, VLLM_PYDANTIC_OLD_TYPE),
    ("vllm-bad-request-type", 500, VLLM_BAD_REQUEST_TYPE),
    ("fastapi-body-detail", 500, FASTAPI_BODY_DETAIL),
    ("ollama-unmarshal", 500, OLLAMA_UNMARSHAL),
    ("jsonschema", 500, JSONSCHEMA),
    ("proxy-502-of-a-validation-error", 502, LLAMA_CPP_TYPE),
]

GENERIC_5XX = [
    ("llama.cpp-generic", 500, {"error": {"code": 500, "message": "Internal server error"}}),
    (
        # invalid UTF-8 in the model's own output: not the request's fault
        "llama.cpp-utf8-output",
        500,
        {
            "error": {
                "code": 500,
                "message": "[json.exception.type_error.316] invalid UTF-8 byte at index 2: 0xE2",
                "type": "server_error",
            }
        },
    ),
    (
        "vllm-engine-dead",
        500,
        {"object": "error", "message": "The engine is dead", "type": "InternalServerError"},
    ),
    (
        # a response model failing validation is the server's bug, not the request's
        "pydantic-response-model",
        500,
        {"detail": "1 validation error for ChatCompletionResponse\nchoices\n  Field required"},
    ),
    ("ollama-runner", 500, {"error": "llama runner process has terminated: signal: killed"}),
    ("cuda-oom", 500, {"error": {"message": "CUDA error: out of memory", "type": "server_error"}}),
    (
        "openrouter-502",
        502,
        {"error": {"code": 502, "message": "Provider returned error", "metadata": {"raw": "EOF"}}},
    ),
    ("html-502", 502, "<html><body><h1>502 Bad Gateway</h1></body></html>"),
    ("empty-500", 500, ""),
    ("validation-word-alone", 500, {"error": {"message": "output validation failed"}}),
]


def body_bytes(body: object) -> bytes:
    return body.encode() if isinstance(body, str) else json.dumps(body).encode()


@pytest.mark.parametrize(
    ("status", "body"), [c[1:] for c in INVALID_REQUEST], ids=[c[0] for c in INVALID_REQUEST]
)
def test_a_5xx_saying_the_request_is_invalid_fails_at_once(status: int, body: object) -> None:
    err = error_from_response(status, {}, body_bytes(body), model="local/llama")
    assert type(err) is errors.BadRequestError
    assert err.status_code == status  # the status as sent, for the row
    assert err.error_type == "invalid_request"
    assert err.message.startswith(f"local/llama: {status} ")
    assert "\n" not in err.message
    assert classify(err, now_wall=0.0).action is Action.FAIL


@pytest.mark.parametrize(
    ("status", "body"), [c[1:] for c in GENERIC_5XX], ids=[c[0] for c in GENERIC_5XX]
)
def test_a_generic_5xx_stays_retryable(status: int, body: object) -> None:
    err = error_from_response(status, {}, body_bytes(body), model="local/llama")
    assert isinstance(err, errors.ServerError)
    assert err.status_code == status
    assert classify(err, now_wall=0.0).action is Action.RETRY


def test_a_validation_error_in_a_mid_stream_error_event_fails_too() -> None:
    event = {"error": {"code": "server_error", "message": LLAMA_CPP_TYPE["error"]["message"]}}
    err = error_from_response(200, {}, event, model="local/llama", is_mid_stream=True)
    assert type(err) is errors.BadRequestError
    assert err.status_code == 500 and err.is_mid_stream
    assert classify(err, now_wall=0.0).action is Action.FAIL


@pytest.fixture(params=support.BACKENDS)
def backend(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setitem(support.backend_in_use, "name", request.param)
    return str(request.param)


@pytest.mark.parametrize(
    ("body", "sent", "cls"),
    [(LLAMA_CPP_TYPE, 1, errors.BadRequestError), ({"error": "boom"}, 3, errors.ServerError)],
    ids=["validation", "generic"],
)
async def test_through_the_router_a_validation_500_is_sent_once(
    backend: str, body: object, sent: int, cls: type
) -> None:
    payload = body_bytes(body)

    async def handler(conn: Conn, head: bytes, _: bytes) -> bool:
        await conn.send(
            b"HTTP/1.1 500 Internal Server Error\r\ncontent-type: application/json\r\n"
            b"content-length: %d\r\n\r\n%s" % (len(payload), payload)
        )
        return True

    policy = RetryPolicy(max_attempts=3, base_backoff_s=0.01, max_backoff_s=0.01)
    options = RouterOptions(seed=1, retry=policy, breaker_threshold=100)
    async with serve(handler) as server, loopback_client(server.url) as client:
        # the fake clock makes the backoffs free; the requests are real
        outcome = await Router(client, options, clock=FakeClock()).route(
            request("local/llama", max_tokens="abc")
        )
    assert len(server.requests) == sent
    assert type(outcome.error) is cls
    assert [a.http_status for a in outcome.attempts] == [500] * sent
