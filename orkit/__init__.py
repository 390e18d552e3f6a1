"""orkit: evaluate prompts across many LLMs through OpenRouter.

```python
import orkit
sweep = orkit.Sweep(dataset="datasets/demo/items.jsonl", prompt="{{ question }}",
                    models=["openai/gpt-4o-mini", "openai/gpt-oss-20b:free"], endpoint="sim",
                    scorers=[orkit.scorers.exact("answer")])
run = sweep.run()            # or: run = await sweep.run_async() in a notebook
run.summary(); run.to_pandas(); run.report("reports/demo.html")
```

Names are imported lazily, so `import orkit.sim` or `orkit --help` does not pay for pandas.

Public, and reachable as `orkit.<name>` after `import orkit`: the names below and the modules
`orkit.api` (the verbs: Sweep, Run, resume, retry, re-score), `orkit.catalog`,
`orkit.client`, `orkit.config`, `orkit.cost`, `orkit.data`, `orkit.errors`, `orkit.report`,
`orkit.results`, `orkit.router`, `orkit.scorers`, `orkit.sim` (the emulator), `orkit.stats`
and `orkit.types`, each through its `__all__`. Internal, importable but free to change:
`orkit.plan`, `orkit.estimate`, `orkit.batch`, `orkit.progress`, `orkit.cli` and every
`_`-prefixed module (`tests/test_public_api.py` keeps these lists).
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from orkit._version import __version__
from orkit.errors import OrkitError
from orkit.types import ChatRequest, ChatResponse, Secret, Usage

if TYPE_CHECKING:
    from orkit import (
        api,
        catalog,
        client,
        config,
        cost,
        data,
        report,
        results,
        router,
        scorers,
        sim,
        stats,
    )
    from orkit.api import (
        Model,
        Run,
        RunHandle,
        RunProgress,
        Sweep,
        json_object,
        json_schema,
        load_spec,
        open_run,
        resume,
    )
    from orkit.data import Attachments, PromptTemplate

_PUBLIC_MODULES = (
    "api",
    "catalog",
    "client",
    "config",
    "cost",
    "data",
    "errors",
    "report",
    "results",
    "router",
    "scorers",
    "sim",
    "stats",
    "types",
)
_LAZY = {
    "Attachments": "orkit.data",
    "Model": "orkit.api",
    "PromptTemplate": "orkit.data",
    "Run": "orkit.api",
    "RunHandle": "orkit.api",
    "RunProgress": "orkit.api",
    "Sweep": "orkit.api",
    "json_object": "orkit.api",
    "json_schema": "orkit.api",
    "load_spec": "orkit.api",
    "open_run": "orkit.api",
    "resume": "orkit.api",
    **{name: f"orkit.{name}" for name in _PUBLIC_MODULES},
}

__all__ = [
    "Attachments",
    "ChatRequest",
    "ChatResponse",
    "Model",
    "OrkitError",
    "PromptTemplate",
    "Run",
    "RunHandle",
    "RunProgress",
    "Secret",
    "Sweep",
    "Usage",
    "__version__",
    "api",
    "catalog",
    "client",
    "config",
    "cost",
    "data",
    "errors",
    "json_object",
    "json_schema",
    "load_spec",
    "open_run",
    "report",
    "results",
    "resume",
    "router",
    "scorers",
    "sim",
    "stats",
    "types",
]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'orkit' has no attribute {name!r}")
    mod = import_module(module)
    value = mod if module.endswith(name) else getattr(mod, name)
    globals()[name] = value
    return value
