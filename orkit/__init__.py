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
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from orkit._version import __version__
from orkit.errors import OrkitError
from orkit.types import ChatRequest, ChatResponse, Secret, Usage

if TYPE_CHECKING:
    from orkit import scorers
    from orkit.api import Run, Sweep, load_spec, open_run, resume

_LAZY = {
    "Run": "orkit.api",
    "Sweep": "orkit.api",
    "load_spec": "orkit.api",
    "open_run": "orkit.api",
    "resume": "orkit.api",
    "scorers": "orkit.scorers",
}

__all__ = [
    "ChatRequest",
    "ChatResponse",
    "OrkitError",
    "Run",
    "Secret",
    "Sweep",
    "Usage",
    "__version__",
    "load_spec",
    "open_run",
    "resume",
    "scorers",
]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'orkit' has no attribute {name!r}")
    mod = import_module(module)
    value = mod if module.endswith(name) else getattr(mod, name)
    globals()[name] = value
    return value
