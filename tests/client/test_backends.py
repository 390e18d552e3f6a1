"""The HTTP backends are laid out like httpx's transports: one leaf module (`client/_http.py`)
with the protocol, the shared helpers and the factory; one module per backend importing only
that leaf; and no import cycle between them."""

from __future__ import annotations

import ast
import typing
from pathlib import Path

import httpx
import pytest

from orkit.client._http import BACKENDS, backend_class, make_backend
from orkit.config import ClientOptions
from orkit.errors import ConfigError

CLIENT = Path(__file__).resolve().parents[2] / "orkit" / "client"


def _module_file(module: str) -> Path:
    return CLIENT.parent.parent / (module.replace(".", "/") + ".py")


def _runtime_imports(path: Path) -> set[str]:
    """Modules imported by `path` outside `if TYPE_CHECKING:` blocks (module level or not)."""
    tree = ast.parse(path.read_text())
    typing_only = {
        id(sub)
        for node in ast.walk(tree)
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)
        for sub in ast.walk(node)
    }
    found: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in typing_only:
            continue
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
    return found


def _no_transport(request: httpx.Request) -> httpx.Response:
    raise AssertionError("nothing may be sent")


async def test_the_factory_picks_the_backend_options_ask_for() -> None:
    default = make_backend(ClientOptions(), None)
    assert type(default).__name__ == "AiohttpBackend"  # auto: the least CPU per request
    asked = make_backend(ClientOptions(transport="httpx"), None)
    mock = make_backend(ClientOptions(), httpx.MockTransport(_no_transport))
    try:
        assert type(asked).__name__ == type(mock).__name__ == "HttpxBackend"
    finally:
        for backend in (default, asked, mock):
            await backend.aclose()
    with pytest.raises(ConfigError, match="an httpx transport needs transport='httpx'"):
        make_backend(ClientOptions(transport="aiohttp"), httpx.MockTransport(_no_transport))


def test_every_transport_option_has_a_backend() -> None:
    choices = typing.get_args(typing.get_type_hints(ClientOptions)["transport"])
    assert set(choices) == {"auto", *BACKENDS}
    for kind in BACKENDS:
        cls = backend_class(kind)
        for method in ("post_json", "stream_post", "get", "aclose"):
            assert callable(getattr(cls, method)), (kind, method)
    with pytest.raises(ConfigError, match="unknown HTTP transport 'curl'"):
        backend_class("curl")


def test_the_leaf_imports_no_backend() -> None:
    imports = _runtime_imports(CLIENT / "_http.py")
    backends = {spec.partition(":")[0] for spec in BACKENDS.values()}
    assert not imports & (backends | {"httpx", "aiohttp"}), imports
    assert {m for m in imports if m.startswith("orkit.client")} == set()


@pytest.mark.parametrize("kind", sorted(BACKENDS))
def test_each_backend_imports_only_the_leaf_of_the_client(kind: str) -> None:
    module = BACKENDS[kind].partition(":")[0]
    imports = _runtime_imports(_module_file(module))
    assert {m for m in imports if m.startswith("orkit.client")} == {"orkit.client._http"}
    assert kind in imports  # the backend's own HTTP library, and only there
