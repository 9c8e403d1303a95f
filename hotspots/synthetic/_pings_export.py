"""The raw ping export layout: longitude/latitude and ISO 8601 local times as text.

Private helpers shared by :func:`hotspots.synthetic.simulate_pings` and
:func:`hotspots.synthetic.write_pings_csv`.
"""

from __future__ import annotations

import functools

import numpy as np
import pandas as pd

from hotspots.synthetic._pings_schedule import NS, TIMEZONE

__all__ = [
    "COLUMNS",
    "TRUTH_COLUMNS",
    "CsvSink",
    "export_frame",
    "iso_times",
    "lonlat",
    "truth_frame",
]

#: Columns of the raw export, in file order.
COLUMNS = ["unit", "time", "longitude", "latitude", "officers", "synthetic"]
#: Columns of ``SyntheticPings.truth``.
TRUTH_COLUMNS = [
    "unit",
    "place_id",
    "start",
    "end",
    "date",
    "minutes",
    "officers",
    "pings",
]
#: Decimal places of longitude and latitude (about 0.1 m), as radio systems write.
DECIMALS = 6


@functools.lru_cache(maxsize=8)
def _transformer(crs_wkt: str):
    from pyproj import Transformer

    return Transformer.from_crs(crs_wkt, "EPSG:4326", always_xy=True)


def lonlat(x: np.ndarray, y: np.ndarray, crs) -> tuple[np.ndarray, np.ndarray]:
    """WGS84 longitude and latitude of metres in ``crs``, to :data:`DECIMALS` places."""
    from pyproj import CRS

    lon, lat = _transformer(CRS.from_user_input(crs).to_wkt()).transform(x, y)
    return np.round(lon, DECIMALS), np.round(lat, DECIMALS)


def _offset_text(seconds: int) -> str:
    sign = "+" if seconds >= 0 else "-"
    seconds = abs(int(seconds))
    return f"{sign}{seconds // 3600:02d}:{seconds % 3600 // 60:02d}"


def iso_times(time_ns: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Local ISO 8601 text with UTC offset, as codes into a table of texts.

    Each second is written once (e.g. ``2024-10-27T01:30:00+01:00``, then
    ``2024-10-27T01:30:00+00:00`` an hour later as the clocks go back);
    ``texts[codes]`` is the time of each ping, to the whole second (fractions
    are dropped). The texts are built as bytes, 25 to a time, without a
    Python loop.

    Returns
    -------
    codes : ndarray of int32, shape (n,)
    texts : ndarray of bytes (``S25``)
    """
    seconds = np.asarray(time_ns, dtype=np.int64) // NS
    if not len(seconds):
        return np.zeros(0, dtype=np.int32), np.zeros(0, dtype="S25")
    first, last = int(seconds.min()), int(seconds.max())
    if last - first + 1 > 2 * len(seconds):  # sparse over a long span
        unique = np.unique(seconds)
        codes = np.searchsorted(unique, seconds).astype(np.int32)
    else:
        unique = np.arange(first, last + 1, dtype=np.int64)
        codes = (seconds - first).astype(np.int32)
    every = unique * NS
    utc = pd.DatetimeIndex(every.view("datetime64[ns]")).tz_localize("UTC")
    local = utc.tz_convert(TIMEZONE).tz_localize(None).as_unit("ns")
    wall = local.asi8 // NS
    offsets = wall - unique
    minute = wall // 60
    low = int(minute.min())
    minutes = np.arange(low, int(minute.max()) + 1).astype("datetime64[m]")
    prefix = np.datetime_as_string(minutes).astype("S16").view(np.uint8)
    kinds, which = np.unique(offsets, return_inverse=True)
    suffix = np.array([_offset_text(k) for k in kinds], dtype="S6").view(np.uint8)
    text = np.empty((len(unique), 25), dtype=np.uint8)
    text[:, :16] = prefix.reshape(-1, 16)[minute - low]
    text[:, 16] = ord(":")
    second = wall % 60
    text[:, 17] = ord("0") + second // 10
    text[:, 18] = ord("0") + second % 10
    text[:, 19:] = suffix.reshape(-1, 6)[which]
    return codes, text.view("S25").ravel()


def _strings(texts: np.ndarray):
    """Wrap fixed-width byte strings as a pyarrow string array, without a copy each."""
    import pyarrow as pa

    width = texts.dtype.itemsize
    offsets = np.arange(0, (len(texts) + 1) * width, width, dtype=np.int32)
    return pa.StringArray.from_buffers(
        len(texts), pa.py_buffer(offsets), pa.py_buffer(np.ascontiguousarray(texts))
    )


class CsvSink:
    """Write the raw export to CSV chunk by chunk.

    Parameters
    ----------
    path : path-like
        The file to write (opened once, truncated).
    gzip : bool, optional
        Compress; None: when the name ends ``.gz``.
    """

    def __init__(self, path, *, gzip: bool | None = None):
        import pyarrow as pa

        self._pa = pa
        name = str(path)
        if name.endswith(".gz") if gzip is None else gzip:
            self._stream = pa.CompressedOutputStream(name, "gzip")
        else:
            self._stream = pa.OSFile(name, "wb")
        self._stream.write((",".join(COLUMNS) + "\n").encode())
        self.rows = 0

    def write(
        self,
        units: np.ndarray,
        unit_names: np.ndarray,
        time_ns: np.ndarray,
        lon: np.ndarray,
        lat: np.ndarray,
        officers: np.ndarray,
    ) -> None:
        """Append rows: ``units`` are codes into ``unit_names``."""
        import pyarrow.csv as pacsv

        pa = self._pa
        codes, texts = iso_times(time_ns)
        n = len(codes)
        table = pa.table(
            {
                "unit": pa.DictionaryArray.from_arrays(
                    pa.array(units, pa.int32()), pa.array(unit_names)
                ),
                "time": pa.DictionaryArray.from_arrays(
                    pa.array(codes, pa.int32()), _strings(texts)
                ),
                "longitude": pa.array(lon, pa.float64()),
                "latitude": pa.array(lat, pa.float64()),
                "officers": pa.array(officers, pa.int16()),
                "synthetic": pa.DictionaryArray.from_arrays(
                    pa.array(np.zeros(n, dtype=np.int8)), pa.array(["True"])
                ),
            }
        )
        options = pacsv.WriteOptions(include_header=False, quoting_style="none")
        pacsv.write_csv(table, self._stream, options)
        self.rows += n

    def close(self) -> None:
        """Flush and close the file."""
        self._stream.close()

    def __enter__(self) -> CsvSink:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def export_frame(pings, names, officers: int, crs) -> pd.DataFrame:
    """Build the raw export of the kept pings, sorted by time then unit."""
    unit = np.concatenate([np.full(len(t), u, dtype=np.int64) for u, t, _, _ in pings])
    time = np.concatenate([t for _, t, _, _ in pings])
    x = np.concatenate([x for _, _, x, _ in pings])
    y = np.concatenate([y for _, _, _, y in pings])
    order = np.lexsort((unit, time))
    unit, time, x, y = unit[order], time[order], x[order], y[order]
    lon, lat = lonlat(x, y, crs)
    codes, texts = iso_times(time)
    frame = pd.DataFrame(
        {
            "unit": names[unit],
            "time": texts.astype(str).astype(object)[codes],
            "longitude": lon,
            "latitude": lat,
            "officers": np.full(len(time), officers, dtype=np.int64),
            "synthetic": True,
        }
    )
    frame.attrs["synthetic"] = True
    return frame[COLUMNS]


def truth_frame(visits: list[tuple]) -> pd.DataFrame:
    """Planted visits as a frame sorted by start then unit."""
    raw = pd.DataFrame(
        visits,
        columns=["unit", "place_id", "start", "end", "minutes", "officers", "pings"],
    )
    start = pd.to_datetime(raw["start"].astype("int64"), utc=True)
    truth = raw.assign(
        start=start,
        end=pd.to_datetime(raw["end"].astype("int64"), utc=True),
        date=start.dt.tz_convert(TIMEZONE).dt.date,
        minutes=raw["minutes"].astype(float),
        officers=raw["officers"].astype(np.int64),
        pings=raw["pings"].astype(np.int64),
    )
    truth = truth.sort_values(["start", "unit"], kind="stable").reset_index(drop=True)
    truth.attrs["synthetic"] = True
    return truth[TRUTH_COLUMNS]
