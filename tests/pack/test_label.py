from types import SimpleNamespace

import pytest

from hotspots.evaluation import Effect
from hotspots.pack import PRACTICE_BANK_LABELS, practice_bank_label


def fake(ratio, low, high, level, p):
    did = Effect(
        measure="incidence rate ratio",
        estimate=ratio,
        ci_low=low,
        ci_high=high,
        method="test",
    )
    return SimpleNamespace(
        did_negative_binomial=did,
        sms_level=level,
        randomisation=SimpleNamespace(p_value=p),
    )


@pytest.mark.parametrize(
    ("args", "label", "words"),
    [
        ((0.77, 0.65, 0.92, 4, 0.01), "worked", "randomisation test agrees"),
        ((0.77, 0.65, 0.92, 4, 0.20), "promising", "does not confirm"),
        ((0.90, 0.75, 1.08, 3, 0.30), "promising", "includes no change"),
        ((0.77, 0.65, 0.92, 2, 0.01), "promising", "only SMS level 2"),
        ((1.05, 0.90, 1.22, 3, 0.60), "didn't work", "finds no reduction"),
        ((1.30, 1.10, 1.50, 4, 0.01), "didn't work", "30% more"),
        ((1.05, 0.90, 1.22, 2, 0.60), "new or innovative", "cannot yet say"),
    ],
)
def test_label_follows_the_documented_rule(args, label, words):
    got, reason = practice_bank_label(fake(*args))
    assert got == label
    assert got in PRACTICE_BANK_LABELS
    assert words in reason
