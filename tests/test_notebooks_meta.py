"""Checks on the notebooks' JSON that need no execution (nbval runs them).

Every code cell that draws a figure carries alt text for the documentation site:
myst-nb reads ``metadata["mystnb"]["image"]["alt"]`` and puts it on the image. And
no markdown line is turned into a list item by accident: a wrapped sentence whose
next line starts with "+ ", "- ", "* " or "1. " renders as a bullet.
"""

import ast
import json
import re
from pathlib import Path

import pytest

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
PATHS = sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))
SKIPPED: dict[str, str] = {}  # notebook name -> reason, while one is being reworked

# A call that draws: plt.<anything>(...), <obj>.plot(...), plot(...) or
# plot_<name>(...) such as hotspots.plot_backtest(...); an import of pyplot alone,
# a comment or a string that mentions plot( does not count.
DRAWS = re.compile(r"\bplt\.\w+\s*\(|\.plot\s*\(|(?<![\w.])plot\s*\(|\bplot_\w+\s*\(")
# Alt text must say what the figure shows, not that there is one.
MIN_ALT_WORDS = 12
GENERIC_ALT = re.compile(
    r"^\W*(an? |the )?(chart|figure|plot|graph|image|map)\W*$", re.IGNORECASE
)
LIST_ITEM = re.compile(r"^ {0,3}([-+*]|\d{1,9}[.)])( |$)")
FENCE = re.compile(r"^ {0,3}(```|~~~)")


def notebook_params():
    return [
        pytest.param(
            path,
            id=path.stem[:2],
            marks=pytest.mark.skip(reason=SKIPPED[path.name])
            if path.name in SKIPPED
            else (),
        )
        for path in PATHS
    ]


def cells(path: Path, kind: str):
    notebook = json.loads(path.read_text(encoding="utf-8"))
    for cell in notebook["cells"]:
        if cell["cell_type"] == kind:
            yield cell, "".join(cell["source"])


def draws(source: str) -> bool:
    try:
        tree = ast.parse(source)
    except SyntaxError:  # IPython magics: fall back to the text, comments removed
        code = "\n".join(line.split("#", 1)[0] for line in source.splitlines())
        return bool(DRAWS.search(code))
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        if isinstance(func, ast.Name):
            name, owner = func.id, None
        elif isinstance(func, ast.Attribute):
            name = func.attr
            owner = func.value.id if isinstance(func.value, ast.Name) else None
        else:
            continue
        if owner == "plt" or name == "plot" or name.startswith("plot_"):
            return True
    return False


def alt_text(cell: dict) -> str:
    image = cell.get("metadata", {}).get("mystnb", {}).get("image", {})
    alt = image.get("alt", "") if isinstance(image, dict) else ""
    return alt.strip() if isinstance(alt, str) else ""


def accidental_list_items(markdown: str) -> list[str]:
    """Lines that start a list item straight after a line of prose."""
    found, previous, fenced = [], "", False
    for line in markdown.splitlines():
        if FENCE.match(line):
            fenced = not fenced
        elif not fenced and LIST_ITEM.match(line):
            prose = previous.strip() and not previous.startswith((" ", "\t", "#", "|"))
            if prose and not LIST_ITEM.match(previous):
                found.append(f"{previous!r} -> {line!r}")
        previous = "" if fenced else line
    return found


def test_every_notebook_is_checked():
    numbers = ["00", "01", "02", "03", "04", "05", "06", "07", "08", "09", "10"]
    assert [path.stem[:2] for path in PATHS] == numbers


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("import matplotlib.pyplot as plt", False),
        ("fig, ax = plt.subplots()", True),
        ("plt.show()", True),
        ("spread.plot(title='x')", True),
        ("ax = hotspots.plot_its(result.its)", True),
        ("hotspots.plot_backtest(sizes, metric='pei')", True),
        ("print('plot() is not called here')", False),
        ("# plt.show() in a comment", False),
        ("m = maps.places_map(places)", False),
    ],
)
def test_draws_recognises_figure_cells(source, expected):
    assert draws(source) is expected


def test_accidental_list_item_is_found():
    assert accidental_list_items("rows read = rows kept\n+ rows quarantined")
    assert accidental_list_items("See below:\n\n- one\n- two\n  wrapped") == []
    assert accidental_list_items("```\ntext\n- not markdown\n```") == []


@pytest.mark.parametrize("path", notebook_params())
def test_every_figure_has_alt_text(path):
    missing, vague = [], []
    for cell, source in cells(path, "code"):
        if not draws(source):
            continue
        alt = alt_text(cell)
        if not alt:
            missing.append(cell.get("id"))
        elif len(alt.split()) < MIN_ALT_WORDS or GENERIC_ALT.match(alt):
            vague.append(cell.get("id"))
    assert not missing, (
        f"{path.name}: code cells {missing} draw a figure but have no alt text; add "
        '"mystnb": {"image": {"alt": "..."}} to the cell metadata, saying what the '
        "figure shows"
    )
    assert not vague, (
        f"{path.name}: the alt text of cells {vague} is too short to say what the "
        f"figure shows (at least {MIN_ALT_WORDS} words)"
    )


@pytest.mark.parametrize("path", notebook_params())
def test_no_sentence_renders_as_a_list_item(path):
    found = {
        cell.get("id"): slips
        for cell, source in cells(path, "markdown")
        if (slips := accidental_list_items(source))
    }
    assert not found, (
        f"{path.name}: these lines start a list item in the middle of a paragraph "
        f"(rewrap them, or leave a blank line before a real list): {found}"
    )
