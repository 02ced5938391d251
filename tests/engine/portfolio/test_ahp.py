"""AHP: eigenvector weights, consistency ratio, most inconsistent pairs, group judgments."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from steerco.engine.errors import InputError
from steerco.engine.portfolio.ahp import (
    RANDOM_INDEX,
    aggregate_judgments,
    ahp_weights,
    pairwise_matrix,
)


def eig_reference(matrix: np.ndarray) -> tuple[np.ndarray, float]:
    """Principal eigenpair from LAPACK (the engine uses power iteration)."""
    values, vectors = np.linalg.eig(matrix)
    index = int(np.argmax(values.real))
    vector = np.abs(vectors[:, index].real)
    return vector / vector.sum(), float(values[index].real)


def test_three_criteria_textbook_matrix() -> None:
    # A classic teaching matrix (e.g. Saaty 1980, ch. 1 style): A is moderately more important
    # than B (3) and strongly more than C (5); B moderately more than C (3).
    # Published results: w ~ (0.637, 0.258, 0.105), lambda_max ~ 3.039, CR ~ 0.033.
    matrix = np.array([[1, 3, 5], [1 / 3, 1, 3], [1 / 5, 1 / 3, 1]])
    result = ahp_weights(matrix, labels=["cost", "value", "risk"])
    assert result.weights == pytest.approx([0.6370, 0.2583, 0.1047], abs=5e-5)
    assert result.lambda_max == pytest.approx(3.0385, abs=5e-5)
    assert result.consistency_index == pytest.approx((result.lambda_max - 3) / 2)
    assert result.random_index == 0.58
    assert result.consistency_ratio == pytest.approx(0.0332, abs=5e-5)
    assert result.is_consistent
    assert "consistent enough" in result.message
    reference, lam = eig_reference(matrix)
    assert result.weights == pytest.approx(reference.tolist(), abs=1e-12)
    assert result.lambda_max == pytest.approx(lam, rel=1e-12)
    assert result.weight_of() == pytest.approx(
        {"cost": 0.6370, "value": 0.2583, "risk": 0.1047}, abs=5e-5
    )


def test_inconsistent_matrix_is_flagged_with_the_worst_pair() -> None:
    # a > b (3), b > c (3) but c > a (3): a judgment cycle, badly inconsistent.
    matrix = [[1, 3, 1 / 3], [1 / 3, 1, 3], [3, 1 / 3, 1]]
    result = ahp_weights(matrix, labels=["a", "b", "c"])
    assert result.consistency_ratio > 0.1
    assert not result.is_consistent
    assert "inconsistent judgments" in result.message
    # By symmetry the weights are equal and every pair is off by a factor of 3.
    assert result.weights == pytest.approx([1 / 3] * 3)
    assert [p.deviation for p in result.inconsistent_pairs] == pytest.approx([math.log(3)] * 3)


def test_one_bad_judgment_is_ranked_first() -> None:
    # Consistent weights 8:4:2:1, except a[0][3] says 1/2 instead of 8.
    w = np.array([8.0, 4.0, 2.0, 1.0])
    matrix = w[:, None] / w[None, :]
    matrix[0, 3], matrix[3, 0] = 1 / 2, 2
    result = ahp_weights(matrix, labels=["w", "x", "y", "z"])
    worst = result.inconsistent_pairs[0]
    assert (worst.row_label, worst.column_label) == ("w", "z")
    assert worst.judgment == 0.5
    assert worst.implied > 1  # the other judgments say w matters more than z, not less
    assert worst.deviation == pytest.approx(abs(math.log(0.5 / worst.implied)))
    assert not result.is_consistent
    assert result.message.index("w vs z") < len(result.message)


def test_random_index_table_and_small_matrices() -> None:
    assert [RANDOM_INDEX[n] for n in (3, 4, 5, 10, 15)] == [0.58, 0.90, 1.12, 1.49, 1.59]
    single = ahp_weights([[1.0]])
    assert single.weights == (1.0,) and single.consistency_ratio == 0.0
    pair = ahp_weights([[1, 4], [1 / 4, 1]])
    assert pair.weights == pytest.approx((0.8, 0.2))
    assert pair.consistency_ratio == 0.0 and pair.is_consistent


def test_two_decimal_reciprocals_are_accepted() -> None:
    result = ahp_weights([[1, 3, 5], [0.33, 1, 3], [0.2, 0.33, 1]])
    exact = ahp_weights([[1, 3, 5], [1 / 3, 1, 3], [1 / 5, 1 / 3, 1]])
    assert result.weights == pytest.approx(exact.weights, rel=1e-12)


@pytest.mark.parametrize(
    ("matrix", "message"),
    [
        ([[1, 2], [2, 1]], "reciprocal"),
        ([[1, 12], [1 / 12, 1]], "Saaty"),
        ([[2, 1], [1, 1]], "diagonal"),
        ([[1, -2], [-0.5, 1]], "positive"),
        ([[1, 2, 3], [0.5, 1, 2]], "square"),
        (np.ones((16, 16)), "at most 15"),
    ],
)
def test_bad_matrices_are_rejected(matrix: object, message: str) -> None:
    with pytest.raises(InputError, match=message):
        ahp_weights(matrix)  # type: ignore[arg-type]


def test_pairwise_matrix_from_one_judgment_per_pair() -> None:
    matrix = pairwise_matrix(
        ["value", "risk", "fit"],
        {("value", "risk"): 3, ("fit", "value"): 1 / 5, ("risk", "fit"): 3},
    )
    assert np.allclose(matrix, np.array([[1, 3, 5], [1 / 3, 1, 3], [1 / 5, 1 / 3, 1]]))
    with pytest.raises(InputError, match="missing judgments: value vs fit"):
        pairwise_matrix(["value", "risk", "fit"], {("value", "risk"): 3, ("risk", "fit"): 3})
    with pytest.raises(InputError, match="twice"):
        pairwise_matrix(["a", "b"], {("a", "b"): 3, ("b", "a"): 1 / 3})


def test_group_judgments_use_the_geometric_mean() -> None:
    first: list[list[float]] = [[1, 9], [1 / 9, 1]]
    second: list[list[float]] = [[1, 1], [1, 1]]
    group = aggregate_judgments([first, second])
    assert group[0, 1] == pytest.approx(3.0)  # sqrt(9 * 1), not the arithmetic 5
    assert group[1, 0] == pytest.approx(1 / 3)
    weighted = aggregate_judgments([first, second], rater_weights=[3, 1])
    assert weighted[0, 1] == pytest.approx(9**0.75)
    with pytest.raises(InputError, match="same items"):
        aggregate_judgments([first, np.ones((3, 3))])
    with pytest.raises(InputError, match="one weight per rater"):
        aggregate_judgments([first, second], rater_weights=[1])


# --- properties ------------------------------------------------------------------------------

weight_vectors = st.lists(st.floats(min_value=1.0, max_value=9.0), min_size=2, max_size=9).map(
    lambda values: np.array(values) / sum(values)
)

saaty_values = st.sampled_from(
    [1, 2, 3, 4, 5, 6, 7, 8, 9, 1 / 2, 1 / 3, 1 / 4, 1 / 5, 1 / 7, 1 / 9]
)


@st.composite
def reciprocal_matrices(draw: st.DrawFn) -> np.ndarray:
    n = draw(st.integers(min_value=2, max_value=8))
    matrix = np.eye(n)
    for i in range(n):
        for j in range(i + 1, n):
            value = draw(saaty_values)
            matrix[i, j], matrix[j, i] = value, 1 / value
    return matrix


@settings(max_examples=80, deadline=None)
@given(weight_vectors)
def test_consistent_matrix_gives_back_its_weights(weights: np.ndarray) -> None:
    matrix = weights[:, None] / weights[None, :]
    result = ahp_weights(matrix)
    assert result.weights == pytest.approx(weights.tolist(), rel=1e-9)
    assert result.lambda_max == pytest.approx(len(weights), rel=1e-9)
    assert result.consistency_ratio == pytest.approx(0.0, abs=1e-9)
    assert result.is_consistent
    assert max(p.deviation for p in result.inconsistent_pairs) == pytest.approx(0.0, abs=1e-9)


@settings(max_examples=80, deadline=None)
@given(reciprocal_matrices())
def test_weights_match_lapack_and_sum_to_one(matrix: np.ndarray) -> None:
    result = ahp_weights(matrix)
    assert math.fsum(result.weights) == pytest.approx(1.0, abs=1e-12)
    assert all(w > 0 for w in result.weights)
    reference, lam = eig_reference(matrix)
    assert result.weights == pytest.approx(reference.tolist(), rel=1e-7, abs=1e-10)
    assert result.lambda_max == pytest.approx(lam, rel=1e-9)
    assert result.lambda_max >= len(matrix) - 1e-9  # Saaty: lambda_max >= n on reciprocal matrices
    assert result.is_consistent == (result.consistency_ratio <= 0.1)
    deviations = [p.deviation for p in result.inconsistent_pairs]
    assert deviations == sorted(deviations, reverse=True)


@settings(max_examples=40, deadline=None)
@given(st.lists(reciprocal_matrices(), min_size=1, max_size=4))
def test_group_matrix_is_reciprocal_and_between_the_raters(matrices: list[np.ndarray]) -> None:
    size = len(matrices[0])
    same = [m for m in matrices if len(m) == size]
    group = aggregate_judgments(same)
    assert np.allclose(group * group.T, 1.0)
    stack = np.stack(same)
    assert (group >= stack.min(axis=0) - 1e-12).all() and (group <= stack.max(axis=0) + 1e-12).all()
    ahp_weights(group)  # still a valid comparison matrix
