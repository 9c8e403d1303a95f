import itertools
import math

import numpy as np
import pandas as pd
import pytest

from hotspots.target import Stability, jaccard, rbo, rri, stability, top_places

DEPTH = 3000  # p**DEPTH is below 1e-60 for every p used here


def agreement_by_definition(first, second, p):
    """RBO summed term by term from Webber, Moffat & Zobel (2010), eq. 7.

    The agreement at depth d is |S_:d ∩ L_:d| / d, counted with sets. Below
    the depth the lists reach, the paper's extrapolation is applied: unseen
    items of the shorter list match at the rate seen at its last rank, and the
    agreement seen at the longer list's last rank continues (sections 4.3-4.4).
    """
    short, long_ = sorted([list(first), list(second)], key=len)
    s, ell = len(short), len(long_)
    x_s = len(set(short) & set(long_[:s]))
    agreement = []
    for depth in range(1, ell + 1):
        shared = len(set(short[:depth]) & set(long_[:depth]))
        if depth > s:
            shared += x_s * (depth - s) / s
        agreement.append(shared / depth)
    total = 0.0
    for d in range(1, DEPTH + 1):
        total += p ** (d - 1) * agreement[min(d, ell) - 1]
    return (1 - p) * total


def test_rbo_hand_worked_example():
    # S = a b c, T = b a d, p = 0.5: X_1 = 0, X_2 = 2, X_3 = 2;
    # RBO_ext = X_3/3 p^3 + (1-p)/p (0 + 1 * p^2 + 2/3 p^3) = 1/12 + 1/4 + 1/12
    assert rbo(["a", "b", "c"], ["b", "a", "d"], p=0.5) == pytest.approx(5 / 12)


def test_rbo_matches_peer_implementations_documented_examples():
    # b4ny4n/rankmeasures README (a port of ragrawal/measures' RBO.py): the
    # extrapolated RBO of 1 2 3 4 5 and 2 3 4 1 5 at p = 0.9 is 0.828. By hand:
    # X_1..X_5 = 0, 1, 2, 4, 5, so RBO_ext = (1-p)/p (1/2 p^2 + 2/3 p^3 + p^4
    # + p^5) + p^5 = 0.237510 + 0.590490 = 0.828000.
    assert rbo([1, 2, 3, 4, 5], [2, 3, 4, 1, 5], p=0.9) == pytest.approx(0.828)
    assert rbo(list("abcde"), list("bcdae"), p=0.9) == pytest.approx(0.828)
    # changyaochen/rbo README (the `rbo` PyPI package): a list that is the top of
    # a longer one, in the same order, has RBO 1 after extrapolation.
    assert rbo([1, 3, 2], [1, 3, 2, 4, 5, 6]) == pytest.approx(1.0, abs=1e-12)
    assert rbo(list("abcde"), list("abcdefg")) == pytest.approx(1.0, abs=1e-12)


@pytest.mark.parametrize("p", [0.5, 0.8, 0.9, 0.95])
def test_rbo_matches_the_definition_on_all_short_rankings(p):
    items = "abcde"
    rankings = [list(r) for k in (1, 2, 3) for r in itertools.permutations(items, k)]
    rng = np.random.default_rng(3)
    pairs = rng.choice(len(rankings), size=(150, 2))
    for i, j in pairs:
        first, second = rankings[i], rankings[j]
        expected = agreement_by_definition(first, second, p)
        assert rbo(first, second, p=p) == pytest.approx(expected, abs=1e-12)


def test_rbo_matches_the_definition_on_longer_uneven_rankings():
    rng = np.random.default_rng(7)
    for _ in range(30):
        first = list(rng.permutation(40)[: rng.integers(1, 25)])
        second = list(rng.permutation(40)[: rng.integers(1, 25)])
        expected = agreement_by_definition(first, second, 0.9)
        assert rbo(first, second) == pytest.approx(expected, abs=1e-12)


@pytest.mark.parametrize("n", [1, 2, 5, 18, 100])
def test_rbo_identical_gives_one_and_disjoint_zero(n):
    ranking = list(range(n))
    assert rbo(ranking, ranking) == pytest.approx(1.0, abs=1e-12)
    assert rbo(ranking, list(range(n, 2 * n))) == 0.0


def test_rbo_is_symmetric_bounded_and_top_weighted():
    rng = np.random.default_rng(11)
    for _ in range(50):
        first = list(rng.permutation(30)[:12])
        second = list(rng.permutation(30)[:9])
        value = rbo(first, second, p=0.8)
        assert 0.0 <= value <= 1.0
        assert value == pytest.approx(rbo(second, first, p=0.8), abs=1e-12)
    # one swap at the top costs more than the same swap at the bottom
    base = list("abcdefgh")
    top_swap = list("bacdefgh")
    bottom_swap = list("abcdefhg")
    assert rbo(base, top_swap) < rbo(base, bottom_swap) < 1.0


def test_rbo_first_ten_ranks_carry_86_percent_of_the_weight_at_p_09():
    # Webber et al. (2010), eq. 21: the weight of rank i is the sum over depths
    # d >= i of (1-p) p^(d-1) / d; summed by brute force to a deep cut-off
    p, d = 0.9, np.arange(1, DEPTH + 1)
    per_depth = (1 - p) * p ** (d - 1) / d
    rank_weight = np.cumsum(per_depth[::-1])[::-1]
    assert rank_weight.sum() == pytest.approx(1.0, abs=1e-9)
    assert rank_weight[:10].sum() == pytest.approx(0.8556, abs=5e-5)


@pytest.mark.parametrize(
    ("args", "kwargs", "match"),
    [
        ((["a"], ["a"]), {"p": 1.0}, r"p must be in \(0, 1\)"),
        ((["a"], ["a"]), {"p": 0}, r"p must be in \(0, 1\)"),
        ((["a", "b", "a"], ["a"]), {}, "first repeats"),
        ((["a"], ["b", "b"]), {}, "second repeats"),
    ],
    ids=["p-one", "p-zero", "repeat-first", "repeat-second"],
)
def test_rbo_rejects_bad_input(args, kwargs, match):
    with pytest.raises(ValueError, match=match):
        rbo(*args, **kwargs)


def test_rbo_of_an_empty_ranking_is_nan():
    assert math.isnan(rbo([], ["a"]))


def test_jaccard_by_set_arithmetic():
    assert jaccard("abc", "bcd") == pytest.approx(2 / 4)
    assert jaccard([1, 2], [1, 2, 2]) == 1.0
    assert jaccard([1], [2]) == 0.0
    assert math.isnan(jaccard([], []))
    rng = np.random.default_rng(5)
    for _ in range(100):
        a = set(rng.integers(0, 30, size=rng.integers(1, 15)).tolist())
        b = set(rng.integers(0, 30, size=rng.integers(1, 15)).tolist())
        shared = sum(1 for x in a if x in b)
        assert jaccard(a, b) == pytest.approx(shared / (len(a) + len(b) - shared))


def test_top_places_breaks_ties_by_id_and_skips_empty_places():
    counts = pd.Series({"c": 5, "a": 5, "b": 9, "d": 0, "e": 1})
    assert top_places(counts, 3) == ["b", "a", "c"]
    assert top_places(counts, 10) == ["b", "a", "c", "e"]
    with pytest.raises(ValueError, match="n must be an integer >= 1"):
        top_places(counts, 0)
    with pytest.raises(ValueError, match="counts >= 0"):
        top_places({"a": -1}, 1)


def test_stability_hand_worked_example():
    before = {"a": 9, "b": 7, "c": 5, "d": 1}  # 22 crimes
    after = {"a": 8, "c": 6, "b": 2, "d": 4, "e": 1}  # 21 crimes
    result = stability(before, after, n=2, p=0.5)
    assert isinstance(result, Stability)
    assert result.first == ("a", "b") and result.second == ("a", "c")
    assert result.n_shared == 1
    assert result.jaccard == pytest.approx(1 / 3)
    # X_1 = 1, X_2 = 1: RBO_ext = 1/2 p^2 + (1-p)/p (1 p + 1/2 p^2) = 0.75
    assert result.rbo == pytest.approx(0.75)
    # RRI of a, b: (10/21) / (16/22)
    assert result.rri == pytest.approx((10 / 21) / (16 / 22))
    assert result.rri == pytest.approx(rri(10, 21, 16, 22))
    frame = result.to_frame()
    assert list(frame.columns) == [
        "n",
        "jaccard",
        "rbo",
        "rri",
        "p",
        "n_shared",
        "n_first",
        "n_second",
    ]
    assert "Jaccard 0.33" in str(result)


def test_stability_same_period_is_perfectly_stable():
    rng = np.random.default_rng(2)
    counts = pd.Series(rng.poisson(3, 200), index=[f"C{i:03d}" for i in range(200)])
    result = stability(counts, counts, n=18)
    assert result.jaccard == 1.0
    assert result.rbo == pytest.approx(1.0, abs=1e-12)
    assert result.rri == pytest.approx(1.0)


def test_stability_rejects_a_place_listed_twice():
    counts = pd.Series([1, 2], index=["a", "a"])
    with pytest.raises(ValueError, match="lists a place twice"):
        stability(counts, {"a": 1})
