"""The pack's ``methods.md``: what was done, with which parameters, and references."""

from __future__ import annotations

from pathlib import Path

from hotspots._safe import markdown_safe_text as md
from hotspots.evaluation._evaluate import Evaluation
from hotspots.pack._recipe import PackRecipe

__all__ = ["methods_markdown"]


def methods_markdown(
    recipe: PackRecipe, evaluation: Evaluation, synthetic: bool
) -> str:
    """Return ``methods.md``: data, estimators, parameters and references.

    Text from the recipe or the data (title, file names, columns) is escaped
    with :func:`hotspots._safe.markdown_safe_text`, so it renders as text.
    """
    settings = evaluation.settings
    selection = settings["selection_months"]
    lines = [
        f"# Methods: {md(recipe.title)}",
        "",
        "SYNTHETIC DATA: simulated crimes, not real ones." if synthetic else "",
        "",
        "## Data",
        f"- Crimes: {md(Path(recipe.crimes).name)}, definition "
        f"{md(recipe.definition)}.",
        f"- Treated places: {md(Path(recipe.places).name)} "
        f"(column {md(recipe.id_column)}).",
        f"- Treatment start: {recipe.treatment_start}; selection period "
        f"{selection[0]} to {selection[-1]}.",
        "",
        "## Estimators (hotspots.evaluate)",
        "- Naive before/after rate ratio in the treated places alone (shown to make "
        "regression to the mean visible).",
        f"- Comparison places: square cells of {settings['cell_size']:.0f} m outside "
        f"the places and their {recipe.ring_radius:g} m rings, the "
        f"{settings['pool_size']} busiest of the selection period form the pool; "
        f"{recipe.comparisons_k} matched to each treated place on selection-period "
        "level and trend.",
        "- Difference-in-differences: negative binomial and Poisson GLMs of monthly "
        "counts with place and month fixed effects, standard errors clustered by "
        "place (statsmodels); the effect is the incidence rate ratio.",
        f"- Randomisation inference: {recipe.permutations} placebo sets, each "
        "treated place replaced by one of the 30 pool places closest to it in "
        "selection-period crimes; two-sided permutation p-value.",
        "- Interrupted time series of the treated places' monthly total: segmented "
        "regression with level and slope change and seasonality.",
        "- Relative effect size (odds-ratio form, Campbell reviews) with its "
        "variance, treated vs matched comparison places.",
        f"- Weighted Displacement Quotient (Bowers and Johnson 2003) for the union of "
        f"the {recipe.ring_radius:g} m rings against the rest of the area, over "
        f"{settings.get('wdq_months', 'equal')} months either side of the start.",
        "- Maryland Scientific Methods Scale and the suggested practice bank label: "
        "one rule (hotspots.evaluation.judge). Comparison places count as "
        "comparable when level and trend are both balanced (standardised "
        "differences within 0.25) and the pre-trend test finds no gap (p >= 0.05); "
        "level 4 also needs at least 5 treated and 5 comparison places. This "
        f"evaluation: {evaluation.verdict.sentences['design']} "
        f"{evaluation.verdict.sentences['label']}",
        f"- Hot spot map: Getis-Ord Gi* on {recipe.cell_size:g} m cells of the "
        "selection period, queen contiguity, Benjamini-Hochberg FDR.",
        "",
        "## Parameters",
        f"- random seed {recipe.seed}; ring radius {recipe.ring_radius:g} m; "
        f"{recipe.comparisons_k} comparisons per place; {recipe.permutations} "
        "placebo sets.",
        "",
        "## References",
        "- Bowers, K. J., & Johnson, S. D. (2003). Measuring the geographical "
        "displacement and diffusion of benefit effects of crime prevention activity. "
        "*Journal of Quantitative Criminology*, 19(3), 275-301.",
        "- Braga, A. A., Turchan, B. S., Papachristos, A. V., & Hureau, D. M. (2019). "
        "Hot spots policing of small geographic areas effects on crime. *Campbell "
        "Systematic Reviews*, 15(3), e1046.",
        "- Farrington, D. P., Gottfredson, D. C., Sherman, L. W., & Welsh, B. C. "
        "(2002). The Maryland Scientific Methods Scale. In *Evidence-based crime "
        "prevention* (pp. 13-21). Routledge.",
        "- Heeks, M., Reed, S., Tafsiri, M., & Prince, S. (2018). *The economic and "
        "social costs of crime* (2nd ed., Research Report 99). Home Office.",
        "- Jeffery, A. et al. (2024). *Evaluation report on Grip and bespoke-funded "
        "hot spot policing*. Home Office.",
        "- Johnson, S. D., Tilley, N., & Bowers, K. J. (2015). Introducing EMMIE: an "
        "evidence rating scale to encourage mixed-method crime prevention synthesis "
        "reviews. *Journal of Experimental Criminology*, 11(3), 459-473.",
        "- Weisburd, D., & Green, L. (1995). Policing drug hot spots: the Jersey City "
        "drug market analysis experiment. *Justice Quarterly*, 12(4), 711-735.",
        "",
    ]
    return "\n".join(line for line in lines if line is not None)
