"""Weighted scoring, rater aggregation and strategic alignment: worked examples and checks."""

from __future__ import annotations

import math

import pytest

from steerco.engine.errors import InputError
from steerco.engine.portfolio.ahp import ahp_weights
from steerco.engine.portfolio.scoring import (
    Criterion,
    Direction,
    NumericScale,
    OrdinalScale,
    RawScore,
    aggregate_scores,
    alignment_scores,
    normalise_weights,
    score_projects,
    weight_sensitivity,
)

VALUE = Criterion("value", NumericScale(0, 10))
COST = Criterion("cost", NumericScale(0, 500_000), Direction.LOWER_IS_BETTER, name="Cost")
RISK = Criterion("risk", OrdinalScale(("low", "medium", "high")), Direction.LOWER_IS_BETTER)
CRITERIA = [VALUE, COST, RISK]
SCORES: dict[str, dict[str, RawScore]] = {
    "crm": {"value": 8, "cost": 300_000, "risk": "medium"},
    "erp": {"value": 9, "cost": 450_000, "risk": "high"},
    "web": {"value": 5, "cost": 50_000, "risk": "low"},
}
WEIGHTS = {"value": 5, "cost": 3, "risk": 2}


def test_normalisation_of_each_scale() -> None:
    assert VALUE.normalise(7.5) == 0.75
    assert COST.normalise(125_000) == 0.75  # lower is better
    assert RISK.normalise("low") == 1.0
    assert RISK.normalise("medium") == 0.5
    assert RISK.normalise(2.5) == pytest.approx(0.25)  # a group's fractional level number
    with pytest.raises(InputError, match="outside the scale"):
        VALUE.normalise(11)
    with pytest.raises(InputError, match="unknown level 'huge'"):
        RISK.normalise("huge")
    with pytest.raises(InputError, match="needs a number"):
        VALUE.normalise("high")


def test_weighted_score_worked_example() -> None:
    # Weights 5:3:2 -> 0.5, 0.3, 0.2. Normalised (value, cost, risk):
    #   crm (0.8, 0.4, 0.5) -> 0.40 + 0.12 + 0.10 = 0.62
    #   erp (0.9, 0.1, 0.0) -> 0.45 + 0.03 + 0.00 = 0.48
    #   web (0.5, 0.9, 1.0) -> 0.25 + 0.27 + 0.20 = 0.72
    result = score_projects(CRITERIA, SCORES, WEIGHTS, out_of=100)
    assert result.weights == pytest.approx({"value": 0.5, "cost": 0.3, "risk": 0.2})
    assert result.ranking() == ("web", "crm", "erp")
    assert [p.score for p in result.projects] == pytest.approx([72.0, 62.0, 48.0])
    assert result.rank_of("crm") == 2
    crm = result.projects[1]
    assert crm.normalised == pytest.approx({"value": 0.8, "cost": 0.4, "risk": 0.5})
    assert crm.contributions == pytest.approx({"value": 40.0, "cost": 12.0, "risk": 10.0})
    assert math.fsum(crm.contributions.values()) == pytest.approx(crm.score)


def test_weights_from_ahp() -> None:
    ahp = ahp_weights(
        [[1, 3, 5], [1 / 3, 1, 3], [1 / 5, 1 / 3, 1]], labels=["value", "cost", "risk"]
    )
    result = score_projects(CRITERIA, SCORES, ahp)
    assert result.weights == pytest.approx(ahp.weight_of())
    assert result.ranking()[0] == "crm"  # value dominates with AHP weights


def test_ties_are_broken_by_project_id_whatever_the_input_order() -> None:
    criteria = [Criterion("a", NumericScale(0, 1)), Criterion("b", NumericScale(0, 1))]
    scores: dict[str, dict[str, RawScore]] = {
        "zeta": {"a": 0.3, "b": 0.7},
        "alpha": {"a": 0.7, "b": 0.3},
    }
    result = score_projects(criteria, scores, {"a": 1, "b": 1})
    assert result.ranking() == ("alpha", "zeta")
    reversed_input = dict(reversed(list(scores.items())))
    assert score_projects(criteria, reversed_input, {"a": 1, "b": 1}).ranking() == ("alpha", "zeta")


def test_bad_inputs_are_named() -> None:
    with pytest.raises(InputError, match="no weight for risk"):
        score_projects(CRITERIA, SCORES, {"value": 1, "cost": 1})
    with pytest.raises(InputError, match="unknown items: speed"):
        score_projects(CRITERIA, SCORES, {**WEIGHTS, "speed": 1})
    with pytest.raises(InputError, match="at least one weight must be positive"):
        score_projects(CRITERIA, SCORES, {"value": 0, "cost": 0, "risk": 0})
    with pytest.raises(InputError, match=r"scores\[web\]: has no score for risk"):
        score_projects(CRITERIA, {"web": {"value": 1, "cost": 1}}, WEIGHTS)
    with pytest.raises(InputError, match=r"scores\[web\]\[value\]"):
        score_projects(CRITERIA, {"web": {"value": 12, "cost": 1, "risk": "low"}}, WEIGHTS)
    with pytest.raises(InputError, match="unique"):
        score_projects([VALUE, VALUE], SCORES, WEIGHTS)
    with pytest.raises(InputError, match="at least two levels"):
        OrdinalScale(("only",))
    with pytest.raises(InputError, match="below maximum"):
        NumericScale(5, 5)


def test_aggregate_scores_by_geometric_mean() -> None:
    raters: list[dict[str, dict[str, RawScore]]] = [
        {"crm": {"value": 9, "risk": "high"}, "web": {"value": 4}},
        {"crm": {"value": 1, "risk": "low"}, "web": {"value": 0}},
        {"crm": {"value": 3}},
    ]
    group = aggregate_scores(CRITERIA, raters)
    assert group["crm"]["value"] == pytest.approx(3.0)  # (9 * 1 * 3) ** (1/3)
    assert group["crm"]["risk"] == pytest.approx(math.sqrt(3 * 1))  # levels 3 and 1, 2 raters
    assert group["web"]["value"] == 0.0  # one zero makes the geometric mean zero
    weighted = aggregate_scores(CRITERIA, raters[:2], rater_weights=[3, 1])
    assert weighted["crm"]["value"] == pytest.approx(9**0.75)
    with pytest.raises(InputError, match="starts at 0"):
        aggregate_scores([Criterion("delta", NumericScale(-5, 5))], [{"x": {"delta": 1}}])
    with pytest.raises(InputError, match=r"rater_scores\[0\]\[crm\]\[value\]"):
        aggregate_scores(CRITERIA, [{"crm": {"value": 99}}])


def test_alignment_matrix_worked_example() -> None:
    # Objectives weighted 0.5 / 0.3 / 0.2; contributions on 0..3.
    # crm: (3, 1, 0) -> (0.5*3 + 0.3*1) / 3 = 0.6 ; web: (0, 0, 3) -> 0.2 ; erp: blank -> 0.
    result = alignment_scores(
        {"growth": 5, "efficiency": 3, "compliance": 2},
        {"crm": {"growth": 3, "efficiency": 1}, "web": {"compliance": 3}, "erp": {}},
    )
    assert result.scores == pytest.approx({"crm": 0.6, "web": 0.2, "erp": 0.0})
    assert result.breakdown["crm"] == pytest.approx(
        {"growth": 0.5, "efficiency": 0.1, "compliance": 0.0}
    )
    assert result.objective_coverage == pytest.approx(
        {"growth": 1 / 3, "efficiency": 1 / 9, "compliance": 1 / 3}
    )
    assert result.unsupported_objectives == ()
    unit = alignment_scores({"a": 1, "b": 1}, {"p": {"a": 1.0}}, max_contribution=1.0)
    assert unit.scores["p"] == 0.5
    assert unit.unsupported_objectives == ("b",)
    with pytest.raises(InputError, match="between 0 and 3"):
        alignment_scores({"a": 1}, {"p": {"a": 4}})
    with pytest.raises(InputError, match="unknown objectives: z"):
        alignment_scores({"a": 1}, {"p": {"z": 1}})


def test_normalise_weights_sums_to_one() -> None:
    weights = normalise_weights({"a": 2, "b": 6}, ["a", "b"])
    assert weights == {"a": 0.25, "b": 0.75}
    with pytest.raises(InputError, match="non-negative"):
        normalise_weights({"a": -1, "b": 2}, ["a", "b"])


def test_weight_sensitivity_worked_example() -> None:
    # Two criteria, weights 0.5 / 0.5. Normalised scores (a, b):
    #   p (1.0, 0.0) -> 0.5 ; q (0.0, 0.8) -> 0.4 ; r (0.3, 0.3) -> 0.3.
    # With weight t on a: p = t, q = 0.8 (1 - t), r = 0.3.
    # p and q swap where t = 0.8 (1 - t): t = 4/9; q and r at t = 5/8; p and r at t = 0.3.
    criteria = [Criterion("a", NumericScale(0, 1)), Criterion("b", NumericScale(0, 1))]
    scores = {"p": {"a": 1.0, "b": 0.0}, "q": {"a": 0.0, "b": 0.8}, "r": {"a": 0.3, "b": 0.3}}
    result = weight_sensitivity(criteria, scores, {"a": 1, "b": 1}, top_k=1)
    assert result.ranking == ("p", "q", "r")
    a = result.criteria[0]
    assert a.weight == 0.5
    assert a.rank_swap_down is not None and a.rank_swap_down.weight == pytest.approx(4 / 9)
    assert a.rank_swap_down.projects == ("p", "q")
    assert a.rank_swap_up is not None and a.rank_swap_up.weight == pytest.approx(5 / 8)
    assert a.rank_swap_up.projects == ("q", "r")
    assert a.smallest_change_for_rank_swap == pytest.approx(0.5 - 4 / 9)
    assert a.top_k_down is not None and a.top_k_down.weight == pytest.approx(4 / 9)
    assert a.top_k_up is None  # raising a only widens p's lead
    assert a.project_ranges["p"].lower == pytest.approx(4 / 9)
    assert a.project_ranges["p"].upper == 1.0
    assert a.project_ranges["q"].lower == pytest.approx(4 / 9)
    assert a.project_ranges["q"].upper == pytest.approx(5 / 8)
    # r is 3rd between t = 0.3 (below, it passes p) and t = 5/8 (above, it passes q).
    assert a.project_ranges["r"].lower == pytest.approx(0.3)
    assert a.project_ranges["r"].upper == pytest.approx(5 / 8)
    b = result.criteria[1]
    assert b.rank_swap_up is not None and b.rank_swap_up.weight == pytest.approx(5 / 9)
    assert result.most_sensitive() is not None


def test_weight_sensitivity_with_a_single_criterion_has_nothing_to_move() -> None:
    result = weight_sensitivity([VALUE], {"x": {"value": 1}, "y": {"value": 2}}, {"value": 1})
    only = result.criteria[0]
    assert only.smallest_change_for_rank_swap is None and only.smallest_change_for_top_k is None
    assert only.project_ranges["x"].lower == 0.0 and only.project_ranges["x"].upper == 1.0
    with pytest.raises(InputError, match="positive whole number"):
        weight_sensitivity([VALUE], {"x": {"value": 1}}, {"value": 1}, top_k=0)


def test_rivals_crossing_a_project_at_the_same_weight_leave_its_rank_unchanged() -> None:
    # With weight t on a: p = 0.5, q = 0.8 - 0.5 t, r = 0.2 + 0.5 t. All three meet at t = 0.6:
    # q drops below p exactly where r climbs above it, so p stays 2nd for every weight.
    criteria = [Criterion("a", NumericScale(0, 1)), Criterion("b", NumericScale(0, 1))]
    scores: dict[str, dict[str, RawScore]] = {
        "p": {"a": 0.5, "b": 0.5},
        "q": {"a": 0.3, "b": 0.8},
        "r": {"a": 0.7, "b": 0.2},
    }
    result = weight_sensitivity(criteria, scores, {"a": 1, "b": 1})
    a = result.criteria[0]
    assert result.ranking == ("q", "p", "r")
    assert (a.project_ranges["p"].lower, a.project_ranges["p"].upper) == (0.0, 1.0)
    assert a.project_ranges["q"].upper == pytest.approx(0.6)
    assert a.project_ranges["r"].upper == pytest.approx(0.6)
    assert a.rank_swap_up is not None and a.rank_swap_up.weight == pytest.approx(0.6)
    assert a.rank_swap_down is None
