"""Every notebook runs top to bottom, in order, on a kernel of this environment.

The notebooks share one kernel, started once (a kernel start and the imports are most of
a notebook's run time), but each starts from an empty namespace, as when opened alone.
"""

import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import nbformat
import pytest
from jupyter_client.manager import KernelManager
from nbclient import NotebookClient

PROJECT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted(path.name for path in (PROJECT / "notebooks").glob("*.ipynb"))


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the project's notebooks, so their runs write reports and models there."""
    root = tmp_path_factory.mktemp("project")
    shutil.copy(PROJECT / "pyproject.toml", root / "pyproject.toml")
    shutil.copytree(PROJECT / "notebooks", root / "notebooks")
    return root


@pytest.fixture(scope="module")
def kernel(workspace: Path) -> Iterator[KernelManager]:
    manager = KernelManager(kernel_name="python3")
    manager.start_kernel(cwd=str(workspace / "notebooks"))
    yield manager
    manager.shutdown_kernel(now=True)


def run(notebook: nbformat.NotebookNode, kernel: KernelManager) -> nbformat.NotebookNode:
    return NotebookClient(notebook, km=kernel, kernel_name="python3", timeout=300).execute()


def test_kernel_runs_this_environment_s_python(kernel: KernelManager) -> None:
    probe = nbformat.v4.new_code_cell("import sys\nprint(sys.executable)")
    run(nbformat.v4.new_notebook(cells=[probe]), kernel)
    assert Path(probe.outputs[0]["text"].strip()) == Path(sys.executable)


def test_notebooks_are_the_three_steps() -> None:
    assert NOTEBOOKS == ["01_explore.ipynb", "02_baseline.ipynb", "03_evaluate.ipynb"]


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebook_runs(workspace: Path, kernel: KernelManager, name: str) -> None:
    notebook = nbformat.read(workspace / "notebooks" / name, as_version=4)
    notebook.cells.insert(0, nbformat.v4.new_code_cell("%reset -f"))
    run(notebook, kernel)
    errors = [
        output
        for cell in notebook.cells
        for output in cell.get("outputs", [])
        if output.get("output_type") == "error"
    ]
    assert not errors


def test_the_baseline_notebook_tracks_its_iterations(
    workspace: Path, kernel: KernelManager, mlflow_store: str
) -> None:
    from mlflow import MlflowClient

    client = MlflowClient(mlflow_store)  # the kernel's store (other tests move MLflow's URI)

    def tracked(status: str) -> list[dict[str, str]]:
        experiments = [item.experiment_id for item in client.search_experiments()]
        tagged = f"tags.command = 'notebook 02_baseline' and attributes.status = '{status}'"
        return [run.data.tags for run in client.search_runs(experiments, tagged)]

    def notebook() -> nbformat.NotebookNode:
        read = nbformat.read(workspace / "notebooks" / "02_baseline.ipynb", as_version=4)
        read.cells.insert(0, nbformat.v4.new_code_cell("%reset -f"))
        return read

    finished, failed = len(tracked("FINISHED")), len(tracked("FAILED"))
    run(notebook(), kernel)
    failing = notebook()
    split = next(i for i, cell in enumerate(failing.cells) if cell.get("id") == "split")
    # An iteration whose training fails (some task types' models train on no rows too, so
    # the failure is made explicit): the name `model` is shadowed in this run only.
    broken = (
        "import types\n\n\n"
        "def failing_train(*args, **kwargs):\n"
        "    raise ValueError('nothing to train on')\n\n\n"
        "model = types.SimpleNamespace(train=failing_train)"
    )
    failing.cells.insert(split + 1, nbformat.v4.new_code_cell(broken))
    with pytest.raises(Exception, match="ValueError"):
        run(failing, kernel)
    assert len(tracked("FINISHED")) == finished + 1
    reasons = [tags["failure_reason"] for tags in tracked("FAILED")]
    assert len(reasons) == failed + 1
    assert all(reason.startswith("ValueError") for reason in reasons)
