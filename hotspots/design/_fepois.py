"""A fast two-way fixed-effects Poisson fit for trial analysis and power.

The model of a trial's counts, place ``i`` (a row) by slot ``t`` (a day, shift or
month, a column)::

    E[y_it] = exp(a_g(i) + c_t + beta * D_it)

with ``a`` one effect per row group (each place, or each block or pair when the
treatment does not vary within a place), ``c`` one effect per slot, and ``D`` the
treatment indicator. We deliberately do not call statsmodels here: a power
study or a randomisation test fits this model thousands of times, and a
dense dummy-variable GLM of a 20-place, 365-day trial (7,300 rows, 385
columns) takes about half a second per fit, against a few milliseconds for the
raking below. The reported analysis of one experiment
(:func:`hotspots.evaluation.analyse_experiment`) uses statsmodels, and the
tests check that the two agree to 1e-6.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import stats

__all__ = ["SMALL_BLOCK", "FEPoissonFit", "cluster_ids", "fit_fe_poisson"]

#: Blocks of at most this many places on average are "small strata": the robust
#: error is clustered by block, not by place (de Chaisemartin & Ramirez-Cuellar
#: 2024: with pair fixed effects, place-level clustering halves the variance).
SMALL_BLOCK = 4


def cluster_ids(groups: np.ndarray | None) -> np.ndarray | None:
    """Return the clusters of the robust error for row-effect ``groups``.

    With one effect per place (None) or big blocks, each place is a cluster.
    With pairs or small blocks (at most :data:`SMALL_BLOCK` places on average,
    two blocks or more) the block is the cluster: the residuals of a pair sum
    to zero, so clustering by place would understate the variance by half
    (de Chaisemartin & Ramirez-Cuellar 2024, AEJ: Applied 16(1), 193-212;
    ``benchmarks/sim_trials.py`` measured 77% coverage by place, 93% by pair).
    """
    if groups is None:
        return None
    values = np.asarray(groups)
    n_groups = len(np.unique(values))
    if n_groups >= 2 and len(values) / n_groups <= SMALL_BLOCK:
        return values
    return None


#: Stop when beta moves less than this between sweeps.
_TOL = 1e-10
#: Most sweeps of the raking (a randomised design converges in under 50).
_MAX_ITER = 2_000


@dataclass(frozen=True)
class FEPoissonFit:
    """The treatment coefficient of a two-way fixed-effects Poisson fit.

    Attributes
    ----------
    beta : float
        Log incidence rate ratio of treated against untreated cells; ``nan``
        when the data cannot identify it (no crimes in treated or in untreated
        cells, after the cells the fixed effects explain exactly are set aside).
    se : float
        Cluster-robust standard error of ``beta`` (clusters = rows, CR1:
        ``G/(G-1) * (N-1)/(N-K)``), ``nan`` with fewer than two clusters.
    se_model : float
        Poisson model-based standard error (``1/sqrt(information)``).
    df : int
        Degrees of freedom of the t reference distribution: clusters - 1.
    n_obs, n_clusters, n_params : int
        Cells, clusters (rows with crimes) and parameters behind the fit.
    alpha : float
        NB2 moment estimate of overdispersion of the cells around the fit.
    iterations : int
        Raking sweeps used.
    converged : bool
        Whether ``beta`` settled within 1e-10.
    """

    beta: float
    se: float
    se_model: float
    df: int
    n_obs: int
    n_clusters: int
    n_params: int
    alpha: float
    iterations: int
    converged: bool

    @property
    def irr(self) -> float:
        """Incidence rate ratio ``exp(beta)``."""
        return math.exp(self.beta) if math.isfinite(self.beta) else math.nan

    def ci(self, level: float = 0.95) -> tuple[float, float]:
        """Confidence interval of the IRR from the t(df) distribution."""
        if not (math.isfinite(self.se) and self.df >= 1):
            return (math.nan, math.nan)
        q = float(stats.t.ppf(0.5 + level / 2, self.df))
        return (math.exp(self.beta - q * self.se), math.exp(self.beta + q * self.se))

    @property
    def p_value(self) -> float:
        """Two-sided p-value of ``beta = 0`` from t(df) and the robust SE."""
        if not (math.isfinite(self.se) and self.se > 0 and self.df >= 1):
            return math.nan
        return float(2 * stats.t.sf(abs(self.beta / self.se), self.df))


def _group_sum(values: np.ndarray, onehot: np.ndarray | None) -> np.ndarray:
    """Row sums of ``values`` added up within row groups."""
    rows = values.sum(axis=1)
    return rows if onehot is None else onehot @ rows


def _expand(group_values: np.ndarray, onehot: np.ndarray | None) -> np.ndarray:
    """Broadcast one value per row group back to one per row."""
    return group_values if onehot is None else onehot.T @ group_values


def _rake(y, d, mask, onehot, binary):
    """Fit a, c, beta by exact coordinate updates (iterative proportional fitting).

    With a 0/1 treatment every sum is a matrix-vector product of
    ``mask * exp(beta * d)`` with the exponentiated effects, so a sweep costs
    two products instead of exponentials of the whole table.
    """
    if not binary:
        return _rake_dose(y, d, mask, onehot)
    ym = y * mask
    y_group = _group_sum(ym, onehot)
    y_col = ym.sum(axis=0)
    y_treat = float((ym * d).sum())
    treated = mask * d
    ea = np.ones(y.shape[0])
    ec = np.ones(y.shape[1])
    beta = 0.0
    iterations, converged = 0, False
    for iterations in range(1, _MAX_ITER + 1):  # noqa: B007 (reported)
        scaled = mask + (math.exp(beta) - 1.0) * treated
        ea = _expand(y_group / _group_sum_vector(scaled @ ec, onehot), onehot)
        ec = y_col / (ea @ scaled)
        new_beta = math.log(y_treat / float(ea @ treated @ ec))
        step = abs(new_beta - beta)
        beta = new_beta
        if step < _TOL:
            converged = True
            break
    mu = np.outer(ea, ec) * (mask + (math.exp(beta) - 1.0) * treated)
    return beta, mu, iterations, converged


def _group_sum_vector(values: np.ndarray, onehot: np.ndarray | None) -> np.ndarray:
    """Add up a per-row vector within row groups."""
    return values if onehot is None else onehot @ values


def _rake_dose(y, d, mask, onehot):
    """Fit the same model for a real-valued dose: a Newton step for beta each sweep."""
    n_rows, n_cols = y.shape
    ym = y * mask
    y_group = _group_sum(ym, onehot)
    y_col = ym.sum(axis=0)
    log_a = np.zeros(n_rows)
    log_c = np.zeros(n_cols)
    beta = 0.0
    iterations, converged = 0, False
    with np.errstate(divide="ignore"):
        for iterations in range(1, _MAX_ITER + 1):  # noqa: B007 (reported)
            e = np.exp(log_c[None, :] + beta * d) * mask
            log_a = _expand(np.log(y_group / _group_sum(e, onehot)), onehot)
            e = np.exp(log_a[:, None] + beta * d) * mask
            log_c = np.log(y_col / e.sum(axis=0))
            mu = np.exp(log_a[:, None] + log_c[None, :] + beta * d) * mask
            new_beta = beta + float((d * (ym - mu)).sum()) / float((d * d * mu).sum())
            step = abs(new_beta - beta)
            beta = new_beta
            if step < _TOL:
                converged = True
                break
    mu = np.exp(log_a[:, None] + log_c[None, :] + beta * d) * mask
    return beta, mu, iterations, converged


def _residualise(d, mu, mask, onehot, tol=1e-12, max_iter=2_000):
    """Weighted residual of ``d`` on the row-group and slot dummies (weights mu)."""
    w = mu * mask
    r = d * mask
    for _ in range(max_iter):
        wr = _group_sum(w * r, onehot)
        wg = _group_sum(w, onehot)
        shift = _expand(np.divide(wr, wg, out=np.zeros_like(wr), where=wg > 0), onehot)
        r = (r - shift[:, None]) * mask
        wc = w.sum(axis=0)
        col = np.divide((w * r).sum(axis=0), wc, out=np.zeros(r.shape[1]), where=wc > 0)
        r = (r - col[None, :]) * mask
        if np.max(np.abs(shift)) < tol and np.max(np.abs(col)) < tol:
            break
    return r


def fit_fe_poisson(
    y: np.ndarray,
    d: np.ndarray,
    *,
    mask: np.ndarray | None = None,
    groups: np.ndarray | None = None,
    clusters: np.ndarray | None = None,
) -> FEPoissonFit:
    """Fit ``E[y] = exp(a_group(row) + c_col + beta * d)`` to a rows-by-slots table.

    Parameters
    ----------
    y : ndarray, shape (n_places, n_slots)
        Counts (or harm-weighted counts: any non-negative values; the fit is
        then Poisson pseudo-maximum likelihood).
    d : ndarray, shape (n_places, n_slots)
        Treatment: 1 treated, 0 not (any real dose also works).
    mask : ndarray of bool, shape (n_places, n_slots), optional
        Cells to use (e.g. leave out washout days). None = all.
    groups : ndarray of int, shape (n_places,), optional
        Row-effect group of each place (a block or pair id) when the treatment
        is constant within a place; None = one effect per place.
    clusters : ndarray, shape (n_places,), optional
        Cluster of each place for the robust error; None = each place (see
        :func:`cluster_ids` for the rule with pairs and small blocks).

    Returns
    -------
    FEPoissonFit
        The coefficient, its cluster-robust (by place) and model-based errors.

    Notes
    -----
    Rows, groups and slots with no crimes are set aside first: their fixed
    effect would be minus infinity and they carry no information about beta
    (the rule ppmlhdfe follows: Correia, Guimaraes & Zylkin,
    arXiv:1903.01690). The robust variance is the beta element of the full
    sandwich, computed through the weighted residual of ``d`` on the fixed
    effects (Frisch-Waugh-Lovell), with statsmodels' small-sample factor so
    the two agree.
    """
    y = np.asarray(y, dtype=float)
    d = np.asarray(d, dtype=float)
    if y.shape != d.shape or y.ndim != 2:
        raise ValueError(f"y and d must be 2-D of one shape; got {y.shape}, {d.shape}")
    keep = np.ones_like(y, dtype=bool) if mask is None else np.asarray(mask, bool)
    keep = keep & np.isfinite(y)
    g = np.arange(y.shape[0]) if groups is None else np.asarray(groups)
    _, g = np.unique(g, return_inverse=True)
    for _ in range(3):  # drop empty groups and slots until none is left
        ym = np.where(keep, y, 0.0)
        group_total = np.bincount(g, weights=ym.sum(axis=1), minlength=g.max() + 1)
        keep &= (group_total[g] > 0)[:, None]
        keep &= (np.where(keep, y, 0.0).sum(axis=0) > 0)[None, :]
    rows = keep.any(axis=1)
    cols = keep.any(axis=0)
    c = np.arange(y.shape[0]) if clusters is None else np.asarray(clusters)
    y, d, keep, g = y[rows][:, cols], d[rows][:, cols], keep[rows][:, cols], g[rows]
    _, c = np.unique(c[rows], return_inverse=True)
    n_obs = int(keep.sum())
    ym = np.where(keep, y, 0.0)
    treated_y = float((ym * d).sum())
    untreated_y = float((ym * (d == 0)).sum())
    binary = bool(np.all((d == 0) | (d == 1)))
    if n_obs == 0 or treated_y <= 0 or (binary and untreated_y <= 0):
        return _empty(n_obs)
    _, g = np.unique(g, return_inverse=True)
    n_groups = int(g.max()) + 1
    onehot = None
    if groups is not None:
        onehot = np.zeros((n_groups, y.shape[0]))
        onehot[g, np.arange(y.shape[0])] = 1.0
    mask = keep.astype(float)
    beta, mu, iterations, converged = _rake(ym, d, mask, onehot, binary)
    r = _residualise(d, mu, mask, onehot)
    information = float((mu * r * r).sum())
    if not (information > 0 and math.isfinite(beta)):
        return _empty(n_obs)
    scores = np.bincount(c, weights=(r * (ym - mu)).sum(axis=1))
    n_clusters = int(c.max()) + 1
    n_params = n_groups + y.shape[1]  # group effects + slot effects - 1 + beta
    se = math.nan
    if n_clusters >= 2 and n_obs > n_params:
        factor = n_clusters / (n_clusters - 1) * (n_obs - 1) / (n_obs - n_params)
        se = math.sqrt(factor * float(scores @ scores)) / information
    with np.errstate(divide="ignore", invalid="ignore"):
        ok = mu > 0
        alpha = float(
            np.sum(((ym - mu) ** 2 - ym)[ok]) / max(float(np.sum(mu[ok] ** 2)), 1e-300)
        )
    return FEPoissonFit(
        beta=float(beta),
        se=se,
        se_model=1.0 / math.sqrt(information),
        df=n_clusters - 1,
        n_obs=n_obs,
        n_clusters=n_clusters,
        n_params=n_params,
        alpha=max(alpha, 0.0),
        iterations=iterations,
        converged=converged,
    )


def _empty(n_obs: int) -> FEPoissonFit:
    """Return the fit when beta is not identified."""
    nan = math.nan
    return FEPoissonFit(nan, nan, nan, 0, n_obs, 0, 0, nan, 0, False)
