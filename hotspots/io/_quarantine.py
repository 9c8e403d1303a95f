"""Row-level quarantine: every row a reader sets aside, with a reason.

Invariant: ``rows_read == len(crimes) + len(quarantine)`` for every read.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

__all__ = ["FILTER_REASONS", "REASONS", "Quarantine"]

#: reason code -> human reason. Order is precedence: a row failing several checks is
#: set aside under the first that applies.
REASONS: dict[str, str] = {
    "malformed_row": (
        "row could not be parsed (wrong number of fields or control characters)"
    ),
    "unparseable_month": (
        "month could not be read (not YYYY-MM nor an unambiguous spelling such as "
        "Jan-24)"
    ),
    "unparseable_date": "date/time could not be parsed",
    "unknown_crime_type": (
        "crime type is not one of the 14 police.uk categories nor an older police.uk "
        "name"
    ),
    "unknown_offence_code": "offence code is not in the offence-code table",
    "month_out_of_range": "month is outside the range asked for",
    "force_not_requested": "force is not among the forces asked for",
    "crime_type_not_requested": "crime type is not among those asked for",
    "no_coordinates": "no coordinates (police.uk 'No Location' or blank)",
    "bad_coordinates": "coordinates are not numbers",
    "placeholder_coordinates": (
        "coordinates are a placeholder (such as 0,0), not a place"
    ),
    "outside_uk": "coordinates fall outside the United Kingdom",
    "outside_boundary": "coordinates fall outside the boundary given",
    "duplicate_crime_id": (
        "Crime ID already seen for this force (first occurrence kept)"
    ),
}

#: Reasons that come from the user's own filters rather than from bad data.
FILTER_REASONS: frozenset[str] = frozenset(
    {"month_out_of_range", "force_not_requested", "crime_type_not_requested"}
)


@dataclass(frozen=True)
class Quarantine:
    """Rows set aside by a reader, with the reason for each.

    Attributes
    ----------
    frame : pandas.DataFrame
        One row per set-aside input row: ``source`` (file, or ``zip!member``),
        ``row`` (1-based data-row number in that file, header excluded),
        ``reason_code`` (a key of :data:`REASONS`), ``reason`` (human text, may add
        detail such as "latitude/longitude look swapped"), ``is_filter`` (True when
        the row was set aside by the caller's own filters, not for bad data), then
        the row's original fields as text.
    """

    frame: pd.DataFrame

    def __len__(self) -> int:
        return len(self.frame)

    def counts(self) -> pd.DataFrame:
        """Return counts by reason: code, text, whether a filter, and ``n``."""
        if self.frame.empty:
            return pd.DataFrame(
                {"reason_code": [], "reason": [], "is_filter": [], "n": []}
            ).astype({"n": "int64", "is_filter": bool})
        out = (
            self.frame.groupby("reason_code", observed=True, sort=False)
            .size()
            .rename("n")
            .reset_index()
        )
        out["reason"] = out["reason_code"].map(REASONS)
        out["is_filter"] = out["reason_code"].isin(FILTER_REASONS)
        order = {code: i for i, code in enumerate(REASONS)}
        out = out.sort_values("reason_code", key=lambda s: s.map(order))
        return out[["reason_code", "reason", "is_filter", "n"]].reset_index(drop=True)
