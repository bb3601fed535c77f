"""Every notebook runs top to bottom, in order, on a kernel of this environment."""

import shutil
import sys
from pathlib import Path

import nbformat
import pytest
from jupyter_client.kernelspec import KernelSpecManager
from nbclient import NotebookClient

PROJECT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((PROJECT / "notebooks").glob("*.ipynb"))


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the project's notebooks, so runs write reports and models there."""
    root = tmp_path_factory.mktemp("project")
    shutil.copy(PROJECT / "pyproject.toml", root / "pyproject.toml")
    shutil.copytree(PROJECT / "notebooks", root / "notebooks")
    return root


def test_python3_kernel_is_this_environment() -> None:
    command = KernelSpecManager().get_kernel_spec("python3").argv[0]
    # jupyter_client swaps a bare "python" for sys.executable when it starts the kernel.
    assert command in {"python", "python3", sys.executable}, command


@pytest.mark.parametrize("name", [path.name for path in NOTEBOOKS])
def test_notebook_runs(workspace: Path, name: str) -> None:
    path = workspace / "notebooks" / name
    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(
        notebook,
        kernel_name="python3",
        timeout=300,
        resources={"metadata": {"path": str(path.parent)}},
    )
    client.execute()
    errors = [
        output
        for cell in notebook.cells
        for output in cell.get("outputs", [])
        if output.get("output_type") == "error"
    ]
    assert not errors
