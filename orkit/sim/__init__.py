"""Offline emulator of the OpenRouter HTTP API (apart from the rest of orkit).

It speaks OpenRouter's wire format (JSON and SSE bodies, error bodies, rate-limit headers)
closely enough that the official `openai` and `openrouter` SDKs work against it unchanged,
and it checks orkit's client-side accounting independently (own tokenizer, own prices).
It imports nothing from orkit outside `orkit.sim`.

The heavy parts (Starlette app, transport, servers) load on first use, so importing
`orkit.sim` for its config types or CLI options stays cheap.

Examples:
    In process, with streaming visible to the client::

        app = create_app(SimConfig(seed=0, time_scale=0))
        client = httpx.AsyncClient(transport=StreamingASGITransport(app),
                                   base_url="http://sim.local/api/v1")

    On a loopback port::

        with serve_in_thread(SimConfig(time_scale=0.01)) as base_url:
            openai.OpenAI(base_url=base_url, api_key=SIM_API_KEY)

Public: the names in `__all__`, imported from `orkit.sim`. Its modules are public too
(`orkit.sim.config`, `orkit.sim.server`), but their other names may change.
"""

from __future__ import annotations

import importlib
import inspect
import typing
from contextlib import suppress
from types import FunctionType, MappingProxyType
from typing import TYPE_CHECKING, Any

from orkit.sim.cli import DESCRIPTION as CLI_DESCRIPTION
from orkit.sim.cli import EPILOG as CLI_EPILOG
from orkit.sim.cli import add_arguments as add_cli_arguments
from orkit.sim.cli import run as run_cli
from orkit.sim.config import (
    SIM_API_KEY,
    SIM_MANAGEMENT_KEY,
    ModelProfile,
    ProviderProfile,
    SimConfig,
    SimConfigError,
)
from orkit.sim.fault_profile import FaultBurst, FaultProfile

if TYPE_CHECKING:
    from orkit.sim.app import create_app
    from orkit.sim.catalog import Catalog
    from orkit.sim.server import SimProcess, serve_in_thread
    from orkit.sim.simulator import Simulator
    from orkit.sim.transport import StreamingASGITransport

__all__ = [
    "CLI_DESCRIPTION",
    "CLI_EPILOG",
    "SIM_API_KEY",
    "SIM_MANAGEMENT_KEY",
    "Catalog",
    "FaultBurst",
    "FaultProfile",
    "ModelProfile",
    "ProviderProfile",
    "SimConfig",
    "SimConfigError",
    "SimProcess",
    "Simulator",
    "StreamingASGITransport",
    "add_cli_arguments",
    "create_app",
    "run_cli",
    "serve_in_thread",
]

_LAZY = MappingProxyType(
    {
        "create_app": "orkit.sim.app",
        "Catalog": "orkit.sim.catalog",
        "SimProcess": "orkit.sim.server",
        "serve_in_thread": "orkit.sim.server",
        "Simulator": "orkit.sim.simulator",
        "StreamingASGITransport": "orkit.sim.transport",
    }
)


def _adopt(name: str, value: Any) -> Any:
    """Show an exported class or function as `orkit.sim.<name>` in reprs, docs and pickles, as
    orkit's own packages do (the emulator keeps its own copy of that rule to stay apart).

    A class's string annotations are resolved first, in the module that defines it, because
    `typing.get_type_hints` (which reads configs from plain dicts) looks names up in the
    module `__module__` names.
    """
    if isinstance(value, type | FunctionType) and value.__module__.startswith("orkit.sim."):
        own = inspect.get_annotations(value) if isinstance(value, type) else {}
        with suppress(NameError):  # a name imported for type checkers only stays a string
            hints = typing.get_type_hints(value, include_extras=True) if own else {}
            value.__annotations__ = {key: hints.get(key, hint) for key, hint in own.items()}
        value.__module__ = __name__
        value.__name__ = value.__qualname__ = name
    return value


for _name in set(__all__) - _LAZY.keys():
    _adopt(_name, globals()[_name])


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'orkit.sim' has no attribute {name!r}")
    value = globals()[name] = _adopt(name, getattr(importlib.import_module(module), name))
    return value
