"""Execute the project's notebooks and save rendered HTML copies (used by the demo)."""

from __future__ import annotations

import logging
import time
from pathlib import Path

from hotspots._atomic import atomic_path

__all__ = ["render_notebooks"]

logger = logging.getLogger(__name__)
_TIMEOUT_S = 600


def render_notebooks(folder: Path, out_dir: Path) -> dict[str, Path]:
    """Execute every ``folder/*.ipynb`` in its own folder; write HTML to ``out_dir``.

    Returns
    -------
    dict
        ``"notebook:<name>"`` -> path of the rendered HTML.

    Raises
    ------
    ImportError
        If nbconvert/nbclient are missing (install with ``pip install -e '.[dev]'``).
    """
    try:
        import nbformat
        from nbclient import NotebookClient
        from nbconvert import HTMLExporter
    except ImportError as err:  # pragma: no cover - dev extra missing
        raise ImportError(
            "Rendering notebooks needs the dev extra: pip install -e '.[dev]'"
        ) from err
    outputs = {}
    for path in sorted(Path(folder).glob("*.ipynb")):
        start = time.perf_counter()
        notebook = nbformat.read(path, as_version=4)
        NotebookClient(
            notebook, timeout=_TIMEOUT_S, resources={"metadata": {"path": str(folder)}}
        ).execute()
        body, _ = HTMLExporter().from_notebook_node(notebook)
        target = Path(out_dir) / f"{path.stem}.html"
        with atomic_path(target) as tmp:
            tmp.write_text(body, encoding="utf-8")
        logger.info(
            "Rendered %s in %.1f s -> %s",
            path.name,
            time.perf_counter() - start,
            target,
        )
        outputs[f"notebook:{path.stem}"] = target
    return outputs
