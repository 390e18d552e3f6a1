"""notebooks/quickstart.ipynb runs top to bottom in a real kernel and shows a DataFrame."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

pytestmark = [pytest.mark.slow, pytest.mark.subprocess, pytest.mark.integration]


def test_quickstart_notebook_executes(tmp_path: Path, repo: Path) -> None:
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")
    (tmp_path / "notebooks").mkdir()
    shutil.copy(repo / "notebooks/quickstart.ipynb", tmp_path / "notebooks")
    (tmp_path / "datasets").symlink_to(repo / "datasets")
    nb = nbformat.read(tmp_path / "notebooks/quickstart.ipynb", as_version=4)
    client = nbclient.NotebookClient(
        nb,
        timeout=120,
        kernel_name="python3",
        resources={"metadata": {"path": str(tmp_path / "notebooks")}},
    )
    client.execute()
    outputs = [o for cell in nb.cells if cell.cell_type == "code" for o in cell.get("outputs", [])]
    assert not [o for o in outputs if o.get("output_type") == "error"]
    html = [o["data"]["text/html"] for o in outputs if "text/html" in o.get("data", {})]
    assert any("<table" in h and "output_text" in h for h in html)  # the results DataFrame
    assert (tmp_path / "reports/quickstart.html").is_file()
    assert len(list((tmp_path / "runs").iterdir())) == 1
