import json

import numpy as np
import pandas as pd

from hotspots.maps._html import esc, fmt, js_json, popup_table
from hotspots.maps._legend import Legend, LegendEntry
from hotspots.maps._title import TitleBox

EVIL = "<img src=x onerror=\"alert('x')\">"


def test_esc_escapes_quotes_and_tags():
    assert esc(EVIL) == "&lt;img src=x onerror=&quot;alert(&#x27;x&#x27;)&quot;&gt;"


def test_popup_table_escapes_labels_values_and_headings():
    frame = pd.DataFrame({EVIL: [EVIL]})
    table = popup_table(frame, [EVIL], headings=[EVIL])

    pieces = [*table.labels, *table.values[0], *table.headings]
    assert pieces == [esc(EVIL.capitalize()), esc(EVIL), esc(EVIL)]
    assert not any("<" in piece for piece in pieces)


def test_popup_table_skips_missing_columns_and_formats_values():
    frame = pd.DataFrame(
        {
            "n": [3, 12000],
            "share": [0.1234, np.nan],
            "month": pd.to_datetime(["2024-05-01"] * 2),
        }
    )
    table = popup_table(frame, ["n", "share", "month", "absent"])

    assert table.labels == ["Crimes", "Share of all crimes", "Month"]
    assert table.values == [["3", "0.123", "2024-05"], ["12,000", "–", "2024-05"]]


def test_js_json_cannot_close_a_script():
    text = js_json({"a": "</script><script>alert(1)</script>&"})

    assert "<" not in text and ">" not in text and "&" not in text
    assert json.loads(text) == {"a": "</script><script>alert(1)</script>&"}


def test_fmt_numbers():
    assert [fmt(0), fmt(2.0), fmt(1234.56), fmt(12.345), fmt(True)] == [
        "0",
        "2",
        "1,235",
        "12.3",
        "yes",
    ]


def test_legend_and_title_escape_their_text():
    legend = Legend(EVIL, [LegendEntry("#ff0000", EVIL)], subtitle=EVIL, notes=[EVIL])
    box = TitleBox(EVIL, where=EVIL, when=EVIL, synthetic=True)

    assert "<img" not in legend.html and legend.html.count("&lt;img") == 4
    assert "<img" not in box.html and box.html.count("&lt;img") == 3
