"""Simulation study of the DiD estimator: :func:`simulate_studies` and its summary.

Each simulated study draws a place x month panel with a known effect, chooses the
treated places as a hotspot policing programme would (the busiest places in the
year before the start), matches comparison places with :func:`choose_comparisons`
and fits :func:`did`. Over many studies this measures the estimator's bias, the
coverage of its 95% interval and its false-positive rate when there is no effect.
"""

from __future__ import annotations

import logging
import math
import warnings
from typing import Literal

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits  # installed with scikit-learn
from tqdm.auto import tqdm

from hotspots._validate import as_rng
from hotspots.evaluation._comparison import choose_comparisons
from hotspots.evaluation._did import did
from hotspots.evaluation._randomisation import randomisation_test
from hotspots.evaluation._simulate_panel import (
    ALPHA,
    DEFAULT_N_PLACES,
    FIRST_MONTH,
    SELECTION_MONTHS,
    STUDY_COLUMNS,
    check_design,
    draw_panel,
    panel_frame,
    simulate_panel,
)
from hotspots.exceptions import HotspotsWarning

__all__ = ["simulate_panel", "simulate_studies", "summarise_studies"]

logger = logging.getLogger(__name__)


def _study(
    generator: np.random.Generator,
    *,
    effect: float,
    n_places: int,
    n_treated: int,
    months: int,
    treatment_month: int,
    comparisons_k: int,
    family: Literal["negative_binomial", "poisson"],
    permutations: int,
) -> dict[str, object]:
    """Draw one panel, match comparisons, fit the DiD; return one result row."""
    counts, treated, long_run = draw_panel(
        generator,
        n_places=n_places,
        months=months,
        treatment_month=treatment_month,
        n_treated=n_treated,
        effect=effect,
    )
    window = slice(treatment_month - SELECTION_MONTHS, treatment_month)
    is_treated = np.zeros(n_places, dtype=bool)
    is_treated[treated] = True
    # the pool: untreated places with a crime in the selection year, as
    # candidate_places(min_count=1) builds it from located crimes
    keep = is_treated | (counts[:, window].sum(1) >= 1)
    frame = panel_frame(counts[keep], np.flatnonzero(is_treated[keep]))
    month_index = pd.date_range(FIRST_MONTH, periods=months, freq="MS")
    start = month_index[treatment_month]
    row: dict[str, object] = dict.fromkeys(STUDY_COLUMNS, math.nan)
    row.update(
        effect=effect,
        family=family,
        extra_pre_months=treatment_month - SELECTION_MONTHS,
        error="",
    )
    before = counts[treated, :treatment_month].sum() / treatment_month
    after = counts[treated, treatment_month:].sum() / (months - treatment_month)
    row["naive_ratio"] = after / before if before > 0 else math.nan
    try:
        matched = choose_comparisons(
            frame, pre_months=month_index[window], k=comparisons_k
        )
        with warnings.catch_warnings(), threadpool_limits(limits=1):
            warnings.simplefilter("ignore")
            warnings.simplefilter("error", HotspotsWarning)
            fit = did(matched.panel, treatment_start=start, family=family)
    except (ValueError, np.linalg.LinAlgError) as err:
        row["error"] = f"{type(err).__name__}: {err}"
        return row
    truth = math.log(1 - effect)
    chosen = frame["place_id"].isin(matched.comparison_ids).to_numpy()
    comparison_rows = np.flatnonzero(keep)[chosen.reshape(-1, months)[:, 0]]

    def excess(rows: np.ndarray) -> float:
        return math.log(counts[rows, window].sum() / long_run[rows, window].sum())

    row.update(
        estimate=fit.estimate,
        log_irr=fit.details["beta"],
        se=fit.details["se"],
        ci_low=fit.ci_low,
        ci_high=fit.ci_high,
        covered=bool(fit.ci_low <= math.exp(truth) <= fit.ci_high),
        p_value=fit.p_value,
        rejected=bool(fit.p_value is not None and fit.p_value < ALPHA),
        pre_rate_ratio=fit.details["pre_rate_ratio"],
        std_diff_level=matched.balance.loc["level", "std_diff"],
        std_diff_trend=matched.balance.loc["trend", "std_diff"],
        selection_excess_treated=excess(treated),
        selection_excess_comparison=excess(comparison_rows),
        n_comparison=len(matched.comparison_ids),
    )
    if permutations:
        placebo = randomisation_test(
            matched.panel,
            treatment_start=start,
            pool=frame[~frame["treated"]],
            permutations=permutations,
            match_months=month_index[window],
            rng=generator,
            progress=False,
        )
        row["randomisation_p"] = placebo.p_value
        row["randomisation_rejected"] = bool(
            placebo.p_value is not None and placebo.p_value < ALPHA
        )
    return row


def simulate_studies(
    n_studies: int = 500,
    *,
    effect: float = 0.20,
    n_places: int = DEFAULT_N_PLACES,
    n_treated: int = 18,
    months: int = 36,
    treatment_month: int = 24,
    comparisons_k: int = 3,
    family: Literal["negative_binomial", "poisson"] = "negative_binomial",
    permutations: int = 199,
    extra_pre_months: int | None = None,
    rng: int | np.random.Generator | None = None,
    progress: bool = True,
) -> pd.DataFrame:
    """Run simulated evaluations with a known effect and record the DiD results.

    Parameters
    ----------
    n_studies : int, default 500
        Number of simulated studies.
    effect : float, default 0.20
        True proportional reduction in the treated places (0 = no effect).
    n_places, n_treated, months, treatment_month : int
        Design of each study (see :func:`simulate_panel`): 1000 places, the 18
        busiest in the selection year treated, 36 months, start at month 24.
    comparisons_k : int, default 3
        Comparison places matched to each treated place
        (:func:`choose_comparisons` on the selection year's level and trend).
    family : {"negative_binomial", "poisson"}, default "negative_binomial"
        Count model of :func:`did` (cluster-robust SEs by place).
    permutations : int, default 199
        Placebo sets for :func:`randomisation_test` per study (pool: every
        untreated place with a crime in the selection year); 0 = skip it.
    extra_pre_months : int, optional
        Months of data before the selection year. When given, the start moves
        to ``treatment_month = SELECTION_MONTHS + extra_pre_months`` and the
        panel to ``months = treatment_month + post``, keeping the post-period
        length ``post = months - treatment_month`` of the other arguments (12
        by default). 0 is an archive that begins with the selection year, so
        every pre-period month is a selection month. None = use
        ``treatment_month`` as given (24: 12 further months).
    rng : int, Generator or None
        Seed; one generator drives every study, so results are reproducible.
    progress : bool, default True
        Show a progress bar.

    Returns
    -------
    DataFrame
        One row per study, columns :data:`STUDY_COLUMNS`: ``study``,
        ``effect``, ``family``, ``extra_pre_months`` (pre-period months before
        the selection year), ``estimate`` (IRR),
        ``log_irr``, ``se`` (of the log IRR), ``ci_low``, ``ci_high``,
        ``covered`` (the CI holds ``1 - effect``), ``p_value``, ``rejected``
        (p < 0.05), ``randomisation_p`` and ``randomisation_rejected``,
        ``naive_ratio`` (treated places' mean monthly count after / before),
        ``pre_rate_ratio``, ``std_diff_level`` and ``std_diff_trend``
        (balance), ``selection_excess_treated`` and
        ``selection_excess_comparison`` (log of observed over long-run expected
        crimes in the selection year: how far each group's selection year was
        inflated by shocks), ``n_comparison`` and ``error`` (non-empty when a
        study could not be fitted; its estimates are NaN).

    Raises
    ------
    ValueError
        If ``effect`` is not in [0, 1), ``extra_pre_months`` is negative or the
        design is impossible.

    Notes
    -----
    The counts are simulated as in :func:`simulate_panel`; comparisons and the
    DiD are fitted with the package's own :func:`choose_comparisons` and
    :func:`did`, as :func:`evaluate` uses them. Fits run with BLAS limited to
    one thread: the design matrices are small, and multithreaded BLAS made
    each fit several times slower. Summarise with :func:`summarise_studies`.

    Examples
    --------
    >>> from hotspots.evaluation._simulate import simulate_studies
    >>> runs = simulate_studies(2, n_places=200, rng=1, permutations=0,
    ...                         progress=False)
    >>> len(runs), bool(runs["error"].eq("").all())
    (2, True)
    """
    if isinstance(n_studies, bool) or not isinstance(n_studies, int) or n_studies < 1:
        raise ValueError(f"n_studies must be an integer >= 1; got {n_studies!r}")
    if isinstance(permutations, bool) or not isinstance(permutations, int):
        raise ValueError(f"permutations must be an integer >= 0; got {permutations!r}")
    if permutations < 0:
        raise ValueError(f"permutations must be an integer >= 0; got {permutations!r}")
    if extra_pre_months is not None:
        if (
            isinstance(extra_pre_months, bool)
            or not isinstance(extra_pre_months, int)
            or extra_pre_months < 0
        ):
            raise ValueError(
                f"extra_pre_months must be an integer >= 0; got {extra_pre_months!r}"
            )
        post = months - treatment_month
        treatment_month = SELECTION_MONTHS + extra_pre_months
        months = treatment_month + post
    check_design(n_places, n_treated, months, treatment_month, effect)
    generator = as_rng(rng)
    rows = []
    for study in tqdm(range(n_studies), desc="Simulated studies", disable=not progress):
        row = _study(
            generator,
            effect=effect,
            n_places=n_places,
            n_treated=n_treated,
            months=months,
            treatment_month=treatment_month,
            comparisons_k=comparisons_k,
            family=family,
            permutations=permutations,
        )
        row["study"] = study
        rows.append(row)
    out = pd.DataFrame(rows, columns=list(STUDY_COLUMNS))
    failed = int(out["error"].ne("").sum())
    if failed:
        logger.info(
            "%d of %d simulated studies could not be fitted.", failed, n_studies
        )
    return out


def summarise_studies(studies: pd.DataFrame) -> pd.DataFrame:
    """Bias, CI coverage, CI width and rejection rates of simulated studies.

    Parameters
    ----------
    studies : DataFrame
        Output of :func:`simulate_studies` (one or several runs stacked).

    Returns
    -------
    DataFrame
        One row per ``effect``, ``family`` and ``extra_pre_months`` (when the
        studies have that column): ``n_studies``, ``n_failed``,
        ``true_irr``, ``mean_irr`` (exp of the mean log IRR), ``bias_log``
        (mean log IRR minus ``log(1 - effect)``), ``bias_percent``
        (``exp(bias_log) - 1``, in %), ``bias_log_mcse`` (its Monte Carlo SE,
        ``empirical_sd / sqrt(n)``), ``empirical_sd`` and ``mean_se`` of the
        log IRR (SEs that are too small make ``mean_se / empirical_sd`` < 1),
        ``coverage`` and its Monte Carlo SE ``coverage_mcse``,
        ``mean_ci_width`` (IRR scale), ``rejection_rate`` (p < 0.05; the
        false-positive rate when ``effect`` is 0, the power otherwise),
        ``randomisation_rejection_rate``, ``naive_bias_log`` and
        ``naive_bias_percent`` (the treated places' before/after ratio against
        the truth), and ``selection_excess_gap`` (mean treated minus comparison
        selection-year excess, log scale).
    """
    keys = [k for k in ("effect", "family", "extra_pre_months") if k in studies]
    rows = []
    for values, group in studies.groupby(keys, sort=True):
        ok = group[group["error"].eq("")]
        truth = math.log(1 - float(values[0]))
        bias = float(ok["log_irr"].mean() - truth)
        spread = float(ok["log_irr"].std(ddof=1))
        coverage = float(ok["covered"].astype(float).mean())
        naive = float(np.log(ok["naive_ratio"]).mean() - truth)
        rows.append(
            {
                **dict(zip(keys, values, strict=True)),
                "n_studies": len(group),
                "n_failed": len(group) - len(ok),
                "true_irr": 1 - float(values[0]),
                "mean_irr": math.exp(ok["log_irr"].mean()),
                "bias_log": bias,
                "bias_percent": math.expm1(bias) * 100,
                "bias_log_mcse": spread / math.sqrt(max(len(ok), 1)),
                "empirical_sd": spread,
                "mean_se": float(ok["se"].mean()),
                "coverage": coverage,
                "coverage_mcse": math.sqrt(coverage * (1 - coverage) / max(len(ok), 1)),
                "mean_ci_width": float((ok["ci_high"] - ok["ci_low"]).mean()),
                "rejection_rate": float(ok["rejected"].astype(float).mean()),
                "randomisation_rejection_rate": float(
                    ok["randomisation_rejected"].astype(float).mean()
                ),
                "naive_bias_log": naive,
                "naive_bias_percent": math.expm1(naive) * 100,
                "selection_excess_gap": float(
                    (
                        ok["selection_excess_treated"]
                        - ok["selection_excess_comparison"]
                    ).mean()
                ),
            }
        )
    return pd.DataFrame(rows)
