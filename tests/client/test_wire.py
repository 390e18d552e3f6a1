"""Wire parsing and the one status → error mapping, without any HTTP."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from email.utils import format_datetime

import pytest

from orkit import errors
from orkit.client._wire import error_from_response, find_error, parse_usage
from orkit.types import Secret, Usage

from .support import KEY


def body(message: str = "boom", code: object = None, **metadata: object) -> bytes:
    err: dict[str, object] = {"message": message}
    if code is not None:
        err["code"] = code
    if metadata:
        err["metadata"] = metadata
    return json.dumps({"error": err}).encode()


STATUS_TABLE = [
    (400, errors.BadRequestError),
    (401, errors.AuthenticationError),
    (402, errors.InsufficientCreditsError),
    (403, errors.PermissionDeniedError),
    (404, errors.NotFoundError),
    (408, errors.RequestTimeoutError),
    (409, errors.APIStatusError),
    (413, errors.APIStatusError),
    (422, errors.APIStatusError),
    (429, errors.RateLimitError),
    (500, errors.ServerError),
    (502, errors.UpstreamError),
    (503, errors.ServiceUnavailableError),
    (504, errors.GatewayTimeoutError),
    (520, errors.ServerError),
    (524, errors.GatewayTimeoutError),
    (529, errors.ProviderOverloadedError),
]


@pytest.mark.parametrize(("status", "cls"), STATUS_TABLE, ids=[str(s) for s, _ in STATUS_TABLE])
def test_http_status_maps_to_exactly_this_class(status: int, cls: type) -> None:
    err = error_from_response(status, {}, body(code=status), model="m/x")
    assert type(err) is cls
    assert isinstance(err, errors.APIStatusError)
    assert err.status_code == status
    assert err.model == "m/x"
    assert not err.is_mid_stream


@pytest.mark.parametrize(
    "message",
    [
        "This endpoint's maximum context length is 200000 tokens. However, you requested ...",
        "prompt is too long: 250000 tokens > 200000 maximum",
        "Input is too long for requested model.",
        "The input exceeds the context window of this model",
    ],
)
def test_context_length_messages_are_context_length_errors(message: str) -> None:
    err = error_from_response(400, {}, body(message, 400), model="m/x")
    assert type(err) is errors.ContextLengthError
    assert err.error_type == "context_length_exceeded"


def test_context_length_inside_a_provider_raw_error_is_recognised() -> None:
    raw = json.dumps({"type": "error", "error": {"message": "prompt is too long: 9 > 8"}})
    err = error_from_response(400, {}, body("Provider returned error", 400, raw=raw), model="m")
    assert type(err) is errors.ContextLengthError


def test_context_length_by_canonical_error_type() -> None:
    err = error_from_response(400, {}, body("nope", 400, error_type="context_length_exceeded"))
    assert type(err) is errors.ContextLengthError


def test_a_400_that_is_not_about_context_stays_a_bad_request() -> None:
    err = error_from_response(400, {}, body("Input must have at least 1 token.", 400))
    assert type(err) is errors.BadRequestError


@pytest.mark.parametrize(
    ("code", "status", "cls"),
    [
        (429, 429, errors.RateLimitError),
        ("429", 429, errors.RateLimitError),
        ("server_error", 500, errors.ServerError),
        ("rate_limit_exceeded", 429, errors.RateLimitError),
        ("overloaded_error", 529, errors.ProviderOverloadedError),
        ("something_new", 500, errors.ServerError),
        (None, 500, errors.ServerError),
        (502, 502, errors.UpstreamError),
    ],
)
def test_mid_stream_error_codes_number_or_string(code: object, status: int, cls: type) -> None:
    event = {
        "id": "gen-1",
        "error": {"code": code, "message": "Rate limit exceeded"},
        "choices": [{"index": 0, "delta": {"content": ""}, "finish_reason": "error"}],
    }
    err = error_from_response(200, {}, event, model="openai/gpt-4o", is_mid_stream=True)
    assert type(err) is cls
    assert isinstance(err, errors.APIStatusError)
    assert err.status_code == status
    assert err.raw_code == code
    assert err.is_mid_stream
    assert err.generation_id == "gen-1"
    assert "[mid-stream]" in err.message


def test_error_type_metadata_gives_the_status_when_the_code_is_missing() -> None:
    event = {"error": {"message": "x", "metadata": {"error_type": "provider_overloaded"}}}
    err = error_from_response(200, {}, event, is_mid_stream=True)
    assert type(err) is errors.ServiceUnavailableError
    assert err.error_type == "provider_overloaded"


def test_choice_level_error_in_a_200_body() -> None:
    obj = {
        "id": "gen-2",
        "choices": [
            {
                "finish_reason": "error",
                "error": {
                    "code": 502,
                    "message": "Upstream died",
                    "metadata": {"error_type": "provider_unavailable"},
                },
                "message": {"role": "assistant", "content": "partial"},
            }
        ],
    }
    assert find_error(obj) is not None
    err = error_from_response(200, {"x-generation-id": "gen-h"}, obj, model="a/b")
    assert type(err) is errors.UpstreamError
    assert err.generation_id == "gen-h"
    assert err.error_type == "provider_unavailable"


def test_finish_reason_error_without_an_error_object_is_still_an_error() -> None:
    obj = {"choices": [{"finish_reason": "error", "message": {"content": ""}}]}
    err = error_from_response(200, {}, obj)
    assert isinstance(err, errors.ServerError)


def test_message_is_one_line_with_model_status_provider_and_raw() -> None:
    raw = "qwen/qwen3-coder:free is temporarily\nrate-limited upstream."
    err = error_from_response(
        429, {}, body("Provider returned error", 429, raw=raw, provider_name="Venice"), model="m/x"
    )
    assert err.message == (
        "m/x: 429 Provider returned error (Venice): "
        "qwen/qwen3-coder:free is temporarily rate-limited upstream."
    )
    assert isinstance(err, errors.RateLimitError)
    assert err.provider == "Venice"


def test_long_raw_is_truncated() -> None:
    err = error_from_response(400, {}, body("Provider returned error", 400, raw="x" * 5000))
    assert len(err.message) < 400
    assert err.message.endswith("…")


def test_retry_after_ms_header_wins() -> None:
    headers = {"retry-after-ms": "1500", "retry-after": "9"}
    err = error_from_response(429, headers, body(code=429, retry_after_seconds=30))
    assert isinstance(err, errors.APIStatusError)
    assert err.retry_after_s == 1.5


def test_retry_after_header_in_seconds_then_as_http_date() -> None:
    err = error_from_response(503, {"retry-after": "7"}, body(code=503))
    assert isinstance(err, errors.APIStatusError)
    assert err.retry_after_s == 7.0
    now = 1_780_000_000.0
    date = format_datetime(datetime.fromtimestamp(now + 42, tz=UTC), usegmt=True)
    err = error_from_response(503, {"retry-after": date}, body(code=503), wall_now=now)
    assert isinstance(err, errors.APIStatusError)
    assert err.retry_after_s == pytest.approx(42.0)


def test_retry_after_from_metadata_raw_then_rounded_then_metadata_headers() -> None:
    both = body(code=429, retry_after_seconds=16, retry_after_seconds_raw=15.751)
    err = error_from_response(429, {}, both)
    assert isinstance(err, errors.APIStatusError)
    assert err.retry_after_s == 15.751
    only_headers = body(code=429, headers={"Retry-After": "16"})
    err = error_from_response(429, {}, only_headers)
    assert isinstance(err, errors.APIStatusError)
    assert err.retry_after_s == 16.0


def test_no_retry_hint_means_none() -> None:
    err = error_from_response(429, {}, body(code=429))
    assert isinstance(err, errors.APIStatusError)
    assert err.retry_after_s is None
    assert err.rate_limit_reset_s is None


def test_rate_limit_reset_epoch_ms_from_header_or_metadata() -> None:
    err = error_from_response(429, {"x-ratelimit-reset": "1758844800000"}, body(code=429))
    assert isinstance(err, errors.APIStatusError)
    assert err.rate_limit_reset_s == 1758844800.0
    meta = body(code=429, headers={"X-RateLimit-Reset": "1758800000000"})
    err = error_from_response(429, {}, meta)
    assert isinstance(err, errors.APIStatusError)
    assert err.rate_limit_reset_s == 1758800000.0


def test_non_json_error_body_keeps_the_status_class_and_an_excerpt() -> None:
    html = b"<html><head><title>524: A timeout occurred</title></head>" + b"x" * 1000
    err = error_from_response(524, {}, html, model="m/x")
    assert type(err) is errors.GatewayTimeoutError
    assert err.message.startswith("m/x: 524 <html><head><title>524: A timeout occurred")
    assert len(err.message) < 300


def test_empty_error_body_uses_the_status_phrase() -> None:
    err = error_from_response(503, {}, b"")
    assert err.message == "503 Service Unavailable"


def test_non_json_200_body_is_an_invalid_response_with_status_and_excerpt() -> None:
    err = error_from_response(200, {}, b"<html>gateway says hi</html>", model="m/x")
    assert type(err) is errors.InvalidResponseError
    assert "200" in err.message
    assert "gateway says hi" in err.message


def test_other_servers_error_shapes() -> None:
    vllm = json.dumps({"object": "error", "message": "model not found", "code": 404}).encode()
    err = error_from_response(404, {}, vllm)
    assert type(err) is errors.NotFoundError
    assert "model not found" in err.message
    ollama = json.dumps({"error": "model 'x' not found"}).encode()
    err = error_from_response(404, {}, ollama)
    assert "model 'x' not found" in err.message


def test_key_echoed_in_an_error_body_is_redacted_everywhere() -> None:
    echoed = body(
        f"bad header Authorization: Bearer {KEY}",
        401,
        headers={"Authorization": f"Bearer {KEY}"},
        raw=f"echo {KEY}",
    )
    err = error_from_response(401, {}, echoed, model="m/x", secret=Secret(KEY))
    assert isinstance(err, errors.APIStatusError)
    assert KEY not in str(err)
    assert KEY not in repr(err.metadata)
    assert "[REDACTED]" in str(err)
    event = json.loads(echoed)
    err = error_from_response(200, {}, event, secret=Secret(KEY), is_mid_stream=True)
    assert KEY not in str(err)
    assert isinstance(err, errors.APIStatusError)
    assert KEY not in repr(err.metadata)
    err = error_from_response(200, {}, f"not json {KEY}".encode(), secret=Secret(KEY))
    assert KEY not in str(err)


def test_usage_full_partial_and_missing() -> None:
    assert parse_usage(None) is None
    assert parse_usage({}) == Usage()
    usage = parse_usage(
        {
            "prompt_tokens": 27,
            "completion_tokens": 1,
            "total_tokens": 28,
            "cost": 0.00000465,
            "is_byok": False,
            "prompt_tokens_details": {"cached_tokens": 0},
            "cost_details": {"upstream_inference_cost": None, "x": 6e-7},
            "completion_tokens_details": {"reasoning_tokens": 0},
        }
    )
    assert usage == Usage(
        prompt_tokens=27,
        completion_tokens=1,
        total_tokens=28,
        reasoning_tokens=0,
        cached_tokens=0,
        cache_write_tokens=None,
        cost_usd=0.00000465,
        is_byok=False,
        upstream_inference_cost_usd=None,
    )


def test_usage_zero_cost_is_zero_not_unknown_and_junk_is_unknown() -> None:
    usage = parse_usage({"cost": 0, "prompt_tokens": "12", "is_byok": "yes"})
    assert usage is not None
    assert usage.cost_usd == 0.0
    assert usage.prompt_tokens is None
    assert usage.is_byok is None


@pytest.mark.parametrize("value", ["nan", "inf", "-inf", "soon", ""])
def test_nonsense_retry_after_is_ignored(value: str) -> None:
    err = error_from_response(429, {"retry-after": value}, body(code=429))
    assert isinstance(err, errors.APIStatusError)
    assert err.retry_after_s is None


def test_other_key_shaped_text_in_a_provider_error_is_redacted() -> None:
    raw = json.dumps({"error": {"message": "Incorrect API key provided: sk-proj-" + "A1" * 20}})
    err = error_from_response(401, {}, body("Provider returned error", 401, raw=raw))
    assert "A1A1A1A1A1A1" not in err.message
    assert "[redacted]" in err.message
