"""Write and read the files a run produces: pickled models and PNG figures."""

import pickle
from pathlib import Path
from typing import TypeVar

from matplotlib.figure import Figure

T = TypeVar("T")


def save_pickle(obj: object, path: str | Path) -> Path:
    """Pickle `obj` to `path`, creating parent folders."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(pickle.dumps(obj))
    return path


def load_pickle(path: str | Path, expected: type[T]) -> T:
    """Load a pickle written by `save_pickle` and check its type.

    Only load files you trust: unpickling can run code.
    """
    obj = pickle.loads(Path(path).read_bytes())
    if not isinstance(obj, expected):
        raise TypeError(f"{path} does not hold a {expected.__name__}")
    return obj


def save_figure(figure: Figure, path: str | Path) -> Path:
    """Save `figure` as a PNG at `path`, creating parent folders."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=100, bbox_inches="tight")
    return path
