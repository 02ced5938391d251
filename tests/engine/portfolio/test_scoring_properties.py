"""Scoring properties, and weight sensitivity checked against brute-force re-ranking."""

from __future__ import annotations

import itertools
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from steerco.engine.portfolio.scoring import (
    Criterion,
    Direction,
    NumericScale,
    OrdinalScale,
    normalise_weights,
    score_projects,
    weight_sensitivity,
)

LEVELS = ("none", "low", "medium", "high", "very high")


@st.composite
def scoring_problems(draw: st.DrawFn, max_projects: int = 8) -> tuple:
    count = draw(st.integers(min_value=1, max_value=4))
    criteria = []
    for index in range(count):
        direction = draw(st.sampled_from(list(Direction)))
        if draw(st.booleans()):
            criteria.append(Criterion(f"c{index}", NumericScale(0, 10), direction))
        else:
            criteria.append(Criterion(f"c{index}", OrdinalScale(LEVELS), direction))
    # Small integer scores make ties and concurrent crossings common: the hard cases.
    projects = draw(st.integers(min_value=1, max_value=max_projects))
    scores = {}
    for number in range(projects):
        row: dict[str, float | str] = {}
        for criterion in criteria:
            if isinstance(criterion.scale, NumericScale):
                row[criterion.key] = float(draw(st.integers(min_value=0, max_value=10)))
            else:
                row[criterion.key] = draw(st.sampled_from(LEVELS))
        scores[f"p{number:02d}"] = row
    weights = {
        c.key: draw(st.one_of(st.just(0.0), st.floats(min_value=0.05, max_value=10.0)))
        for c in criteria
    }
    if sum(weights.values()) == 0:
        weights[criteria[0].key] = 1.0
    return criteria, scores, weights


@settings(max_examples=80, deadline=None)
@given(scoring_problems())
def test_weights_sum_to_one_and_ranks_are_a_permutation(problem: tuple) -> None:
    criteria, scores, weights = problem
    result = score_projects(criteria, scores, weights)
    assert math.fsum(result.weights.values()) == pytest.approx(1.0, abs=1e-12)
    assert sorted(p.rank for p in result.projects) == list(range(1, len(scores) + 1))
    assert sorted(result.ranking()) == sorted(scores)
    assert all(-1e-12 <= p.score <= 1 + 1e-12 for p in result.projects)
    totals = [p.score for p in result.projects]
    assert all(a >= b - 1e-12 for a, b in itertools.pairwise(totals))


@settings(max_examples=100, deadline=None)
@given(scoring_problems(), st.data())
def test_a_better_score_on_a_higher_better_criterion_never_lowers_the_rank(
    problem: tuple, data: st.DataObject
) -> None:
    criteria, scores, weights = problem
    numeric = [
        c
        for c in criteria
        if isinstance(c.scale, NumericScale) and c.direction is Direction.HIGHER_IS_BETTER
    ]
    if not numeric:
        numeric = [Criterion("extra", NumericScale(0, 10))]
        criteria = [*criteria, numeric[0]]
        weights = {**weights, "extra": data.draw(st.floats(min_value=0.0, max_value=5.0))}
        scores = {p: {**row, "extra": data.draw(st.floats(0, 10))} for p, row in scores.items()}
    criterion = data.draw(st.sampled_from(numeric))
    project = data.draw(st.sampled_from(sorted(scores)))
    before = score_projects(criteria, scores, weights).rank_of(project)
    current = float(scores[project][criterion.key])
    better = data.draw(st.floats(min_value=current, max_value=10.0))
    improved = {**scores, project: {**scores[project], criterion.key: better}}
    after = score_projects(criteria, improved, weights).rank_of(project)
    assert after <= before


def weights_at(weights: dict[str, float], key: str, t: float) -> dict[str, float]:
    """The criterion gets weight t; the others share 1 - t in their current proportions."""
    others = {k: v for k, v in weights.items() if k != key}
    total = sum(others.values())
    if total > 0:
        moved = {k: v * (1 - t) / total for k, v in others.items()}
    else:
        moved = {k: (1 - t) / len(others) for k in others}
    moved[key] = t
    return moved


def ranks(criteria: list, scores: dict, weights: dict) -> dict[str, int]:
    result = score_projects(criteria, scores, weights)
    return {p.project: p.rank for p in result.projects}


def ties_at(criteria: list, scores: dict, weights: dict, project: str) -> bool:
    """Whether the project ties a rival exactly (where two rivals pass it at once)."""
    result = score_projects(criteria, scores, weights)
    mine = round(result.score_of(project), 9)
    return sum(round(p.score, 9) == mine for p in result.projects) > 1


STEP = 1e-7


@settings(max_examples=60, deadline=None)
@given(scoring_problems(max_projects=7), st.integers(min_value=1, max_value=4))
def test_weight_sensitivity_matches_brute_force_re_ranking(problem: tuple, top_k: int) -> None:
    criteria, scores, raw_weights = problem
    keys = [c.key for c in criteria]
    weights = normalise_weights(raw_weights, keys)
    base = ranks(criteria, scores, weights)
    base_top = {p for p, r in base.items() if r <= top_k}
    result = weight_sensitivity(criteria, scores, raw_weights, top_k=top_k)
    if len(keys) == 1:
        return
    for entry in result.criteria:
        key, w = entry.criterion, entry.weight
        down = entry.rank_swap_down.weight if entry.rank_swap_down else 0.0
        up = entry.rank_swap_up.weight if entry.rank_swap_up else 1.0
        top_down = entry.top_k_down.weight if entry.top_k_down else 0.0
        top_up = entry.top_k_up.weight if entry.top_k_up else 1.0
        assert down <= w + 1e-12 and up >= w - 1e-12
        assert top_down <= down + 1e-12 and top_up >= up - 1e-12
        # Inside the reported intervals nothing changes (sampled on a grid and near the ends).
        samples = [down + (up - down) * f for f in (0.001, 0.25, 0.5, 0.75, 0.999)]
        for t in samples:
            if down < t < up and abs(t - w) > 1e-9:
                assert ranks(criteria, scores, weights_at(weights, key, t)) == base
        for t in [top_down + (top_up - top_down) * f for f in (0.001, 0.5, 0.999)]:
            if top_down < t < top_up:
                moved = ranks(criteria, scores, weights_at(weights, key, t))
                assert {p for p, r in moved.items() if r <= top_k} == base_top
        # Just past a reported threshold the ranking (or the top-k set) has changed.
        if entry.rank_swap_up and up + STEP <= 1:
            assert ranks(criteria, scores, weights_at(weights, key, up + STEP)) != base
        if entry.rank_swap_down and down - STEP >= 0:
            assert ranks(criteria, scores, weights_at(weights, key, down - STEP)) != base
        if entry.top_k_up and top_up + STEP <= 1:
            moved = ranks(criteria, scores, weights_at(weights, key, top_up + STEP))
            assert {p for p, r in moved.items() if r <= top_k} != base_top
        # Each project keeps its rank inside its own range and loses it just outside.
        for project, span in entry.project_ranges.items():
            assert span.lower <= w + 1e-12 <= span.upper + 2e-12
            for f in (0.01, 0.5, 0.99):
                t = span.lower + (span.upper - span.lower) * f
                if (
                    abs(t - w) > 1e-9
                    and span.lower < t < span.upper
                    and not ties_at(criteria, scores, weights_at(weights, key, t), project)
                ):
                    assert (
                        ranks(criteria, scores, weights_at(weights, key, t))[project]
                        == base[project]
                    )
            if span.upper + STEP <= 1 and span.upper > w + 1e-9:
                moved = ranks(criteria, scores, weights_at(weights, key, span.upper + STEP))
                assert moved[project] != base[project]
            if span.lower - STEP >= 0 and span.lower < w - 1e-9:
                moved = ranks(criteria, scores, weights_at(weights, key, span.lower - STEP))
                assert moved[project] != base[project]
