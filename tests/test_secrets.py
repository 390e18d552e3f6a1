from __future__ import annotations

import pickle

import pytest

from orkit._redact import redact_secrets
from orkit._settings import load_settings
from orkit.types import Secret

KEY = "sk-or-v1-" + "0123456789abcdef" * 4


def test_secret_never_shows_its_value() -> None:
    s = Secret(KEY)
    for text in (repr(s), str(s), f"{s}", f"{s!r}", f"{s}"):
        assert KEY not in text
        assert "sk-or-v1-" in text  # a hint of which key it is
    assert s.reveal() == KEY
    with pytest.raises(TypeError):
        pickle.dumps(s)


def test_settings_read_the_key_from_the_environment_only_there() -> None:
    settings = load_settings({"OPENROUTER_API_KEY": KEY, "ORKIT_CACHE_DIR": "/tmp/x"})
    assert settings.api_key == Secret(KEY)
    assert KEY not in repr(settings)
    assert load_settings({}).api_key is None


def test_redaction_of_key_shaped_text() -> None:
    out = redact_secrets(f"my key is {KEY}, ok")
    assert KEY not in out and "[redacted]" in out


def test_every_provider_key_shape_is_redacted() -> None:
    shapes = [
        "sk-or-v1-" + "0123456789abcdef" * 4,  # OpenRouter
        "sk-proj-" + "A1b2C3d4E5f6G7h8I9j0_-xy",  # OpenAI project key
        "sk-ant-api03-" + "Zz9" * 10,  # Anthropic
        "AIza" + "SyA1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q",  # Google
    ]
    for key in shapes:
        out = redact_secrets(f"before {key} after")
        assert key not in out and out.startswith("before ") and out.endswith(" after"), key
    assert redact_secrets("AIza-too-short") == "AIza-too-short"
