"""The caveats of a whole evaluation, written from its verdict and its inputs."""

from __future__ import annotations

from hotspots.evaluation._comparison import Matched
from hotspots.evaluation._sms import POLICEUK_CAVEATS
from hotspots.evaluation._verdict import Verdict

__all__ = ["design_caveats"]


def design_caveats(
    verdict: Verdict,
    matched: Matched,
    *,
    n_pre: int,
    n_selection: int,
    flags: list[str],
) -> list[str]:
    """Return the evaluation's caveats: data, matching, design and quality.

    ``flags`` are the data-quality flags of the treated places to caveat (empty
    when crimes at flagged points were excluded or the checks were off). The
    design caveat repeats the verdict's reason (one source of truth), so a
    caveat can never contradict the level on the same page.
    """
    caveats = [*POLICEUK_CAVEATS.values()]
    if not verdict.comparable:
        checks = verdict.checks.set_index("check")["passed"]
        risk = (
            "the busiest places fall back further than quieter comparison places "
            "(regression to the mean), so the DiD may overstate the effect"
            if not checks["level balance"]
            else "the DiD's parallel-trends assumption is in doubt"
        )
        caveats.append(
            f"Maryland SMS level {verdict.sms_level}, not 3: "
            + verdict.sms_reasons[0].split(": ", 1)[-1]
            + f"; {risk}"
        )
    # the matching's own "poor balance" notes are in the design caveat above
    caveats += [c for c in matched.caveats if not c.startswith("poor balance")]
    if flags:
        caveats.append(
            f"{len(flags)} treated place(s) hold crimes at map points flagged as "
            f"likely recording artefacts ({'; '.join(flags[:3])}); patrols "
            "cannot change crimes recorded there. They are counted here "
            "(artefacts='flag'); re-run with artefacts='exclude' to leave them out"
        )
    if n_pre <= n_selection:
        caveats.append(
            f"the {n_pre} months before the start are all selection months: places "
            "were chosen and matched on the whole pre-period, so regression to the "
            "mean is in every pre-period count and the DiD can be biased (on the "
            "SYNTHETIC archive cut to 2023-2024 it gave 0.96, 95% CI 0.76 to 1.21, "
            "for a planted 0.80); add earlier months"
        )
    return caveats
