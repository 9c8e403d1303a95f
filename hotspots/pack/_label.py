"""Suggest a College of Policing practice bank label from an evaluation."""

from __future__ import annotations

from hotspots.evaluation import PRACTICE_BANK_LABELS, Evaluation

__all__ = ["PRACTICE_BANK_LABELS", "practice_bank_label"]


def practice_bank_label(evaluation: Evaluation) -> tuple[str, str]:
    """Suggest the practice bank label the evidence supports, with the reason.

    Parameters
    ----------
    evaluation : Evaluation
        The result of :func:`hotspots.evaluate`.

    Returns
    -------
    label : str
        One of :data:`PRACTICE_BANK_LABELS`.
    reason : str
        One sentence tying the label to the numbers.

    Notes
    -----
    The label is part of the evaluation's verdict (``evaluation.verdict``,
    made by :func:`hotspots.evaluation.judge`), so the pack, the notebooks and
    ``evaluate()`` can never disagree; the rule is in its docstring and in the
    methods page on the Maryland scale. It is a rule of thumb for the authors to
    confirm, not the College's decision.

    The College of Policing launched the practice bank in March 2023, labelling
    each intervention "worked", "promising", "new/innovative" or "didn't work"
    (Police Professional, 28 March 2023, "College's new 'practice bank' a 'big
    step' in identifying interventions for policing and crime reduction").
    """
    return evaluation.verdict.label, evaluation.verdict.label_reason
