"""Serving the emulator on a loopback port: in a thread, in a child process, or in the foreground.

The listening socket is bound here (not by uvicorn) so that port 0 works and a port in use
is a clean `OSError` for the caller instead of a uvicorn `sys.exit`.
"""

from __future__ import annotations

import contextlib
import json
import logging
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from types import TracebackType
from typing import Any

import uvicorn

from orkit.sim.app import OPENROUTER_API_PATH, create_app
from orkit.sim.config import SimConfig

__all__ = ["InjectedFaultFilter", "SimProcess", "bind", "serve_forever", "serve_in_thread"]

_READY_PREFIX = "OPENROUTER_BASE_URL="
_QUIET_MESSAGES = (
    # What uvicorn logs when the emulator drops a connection on purpose (fault injection),
    # and when shutdown cuts stalled requests short.
    "ASGI callable returned without completing response.",
    "Cancel %s running task(s), timeout graceful shutdown exceeded",
)


class InjectedFaultFilter(logging.Filter):
    """Drops uvicorn's error lines about connections the emulator breaks on purpose."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Keep every record except the injected-fault noise."""
        return record.msg not in _QUIET_MESSAGES


def _log_config() -> dict[str, Any]:
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"faults": {"()": InjectedFaultFilter}},
        "formatters": {
            "default": {
                "()": "uvicorn.logging.DefaultFormatter",
                "fmt": "%(levelprefix)s %(message)s",
            }
        },
        "handlers": {
            "default": {
                "formatter": "default",
                "class": "logging.StreamHandler",
                "stream": "ext://sys.stderr",
                "filters": ["faults"],
            }
        },
        "loggers": {"uvicorn": {"handlers": ["default"], "level": "INFO", "propagate": False}},
    }


def bind(host: str, port: int) -> socket.socket:
    """A listening TCP socket on (host, port); port 0 picks a free port. Raises OSError."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # proto must say TCP: asyncio only sets TCP_NODELAY on accepted sockets whose proto is
    # IPPROTO_TCP, and without it small writes wait ~40 ms for delayed ACKs.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.bind((host, port))
        sock.listen(2048)
    except OSError:
        sock.close()
        raise
    return sock


def base_url(sock: socket.socket, path: str = OPENROUTER_API_PATH) -> str:
    """`http://HOST:PORT/api/v1` (or another API `path`) of a bound socket."""
    host, port = sock.getsockname()[:2]
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}{path}"


def _server(app: Any, log_level: str) -> uvicorn.Server:
    config = uvicorn.Config(
        app,
        lifespan="off",
        access_log=False,
        log_config=_log_config(),
        log_level=log_level,
        http="h11",
        timeout_graceful_shutdown=1,
        timeout_keep_alive=30,
    )
    return uvicorn.Server(config)


@contextlib.contextmanager
def serve_in_thread(
    config: SimConfig | None = None,
    *,
    port: int = 0,
    host: str = "127.0.0.1",
    app: Any = None,
    log_level: str = "warning",
) -> Iterator[str]:
    """Serve an emulator with uvicorn in a daemon thread; yield its base URL.

    The URL ends in `/api/v1`, which a local-server emulator serves too (besides its own
    `/v1`), so a test can swap one kind of emulator for the other and keep its URLs. Pass
    `app` (from `create_app`) to keep a handle on `app.state.sim`; otherwise one is built
    from `config`.

    Examples:
        >>> with serve_in_thread(SimConfig(time_scale=0)) as url:  # doctest: +SKIP
        ...     httpx.get(f"{url}/models").status_code
        200
    """
    app = app if app is not None else create_app(config)
    sock = bind(host, port)
    server = _server(app, log_level)
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, name="orkit-sim", daemon=True
    )
    thread.start()
    try:
        deadline = time.monotonic() + 30
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the emulator server did not start")
            time.sleep(0.005)
        yield base_url(sock)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        if thread.is_alive():
            server.force_exit = True
            thread.join(timeout=5)
        sock.close()


def serve_forever(app: Any, sock: socket.socket, log_level: str = "warning") -> None:
    """Serve in the foreground until SIGINT/SIGTERM (used by `orkit sim`)."""
    _server(app, log_level).run(sockets=[sock])


class SimProcess:
    """The emulator in a child process (`python -m orkit.sim`), for benchmarks.

    Entering starts it and waits until it listens; the value is the base URL it prints
    (`/api/v1`, or `/v1` for a local server). Leaving terminates it.

    Examples:
        >>> with SimProcess(SimConfig(time_scale=0)) as url:  # doctest: +SKIP
        ...     ...
    """

    def __init__(
        self,
        config: SimConfig | None = None,
        *,
        port: int = 0,
        host: str = "127.0.0.1",
        startup_timeout: float = 60.0,
    ) -> None:
        self.config = config or SimConfig()
        self.port = port
        self.host = host
        self.startup_timeout = startup_timeout
        self.base_url: str | None = None
        """Set once the child listens."""
        self._proc: subprocess.Popen[str] | None = None
        self._stderr: Any = None

    def __enter__(self) -> str:
        self._stderr = tempfile.TemporaryFile(mode="w+", encoding="utf-8")
        command = [
            sys.executable,
            "-m",
            "orkit.sim",
            "--host",
            self.host,
            "--port",
            str(self.port),
            "--config-json",
            json.dumps(self.config.to_dict()),
        ]
        self._proc = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=self._stderr, text=True, bufsize=1
        )
        try:
            self.base_url = self._wait_ready(self._proc)
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self.base_url

    def _wait_ready(self, proc: subprocess.Popen[str]) -> str:
        found: list[str] = []

        def read() -> None:
            assert proc.stdout is not None
            for line in proc.stdout:
                if line.startswith(_READY_PREFIX):
                    found.append(line[len(_READY_PREFIX) :].strip())
                    return

        reader = threading.Thread(target=read, daemon=True)
        reader.start()
        reader.join(self.startup_timeout)
        if not found:
            self._stderr.seek(0)
            detail = self._stderr.read().strip().splitlines()[-1:] or ["no output"]
            raise RuntimeError(f"emulator process did not start: {detail[0]}")
        return found[0]

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        proc, self._proc = self._proc, None
        if proc is not None:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            if proc.stdout is not None:
                proc.stdout.close()
        if self._stderr is not None:
            self._stderr.close()
            self._stderr = None
