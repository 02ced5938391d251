"""Analytic Hierarchy Process: weights from pairwise comparisons, consistency, group judgments.

A pairwise comparison matrix ``A`` holds, in ``A[i][j]``, how much more important item ``i`` is
than item ``j`` on Saaty's 1-9 scale (1 equal, 3 moderate, 5 strong, 7 very strong, 9 extreme, and
their reciprocals), with ``A[j][i] == 1 / A[i][j]`` and ones on the diagonal.

The weights are the principal (Perron) eigenvector of ``A`` normalised to sum to 1, found by power
iteration; ``lambda_max`` is its eigenvalue. Saaty's consistency index is
``CI = (lambda_max - n) / (n - 1)`` and the consistency ratio ``CR = CI / RI(n)`` where ``RI`` is
the mean CI of random reciprocal matrices (Saaty's table below); ``CR > 0.1`` means the judgments
should be revised. Reference: T. L. Saaty, *The Analytic Hierarchy Process*, McGraw-Hill, 1980;
T. L. Saaty, "How to make a decision: the analytic hierarchy process", EJOR 48 (1990) 9-26.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from steerco.engine.errors import InputError

FloatArray = npt.NDArray[np.float64]
Matrix = Sequence[Sequence[float]] | FloatArray

__all__ = [
    "CONSISTENCY_RATIO_LIMIT",
    "RANDOM_INDEX",
    "AhpResult",
    "InconsistentPair",
    "aggregate_judgments",
    "ahp_weights",
    "pairwise_matrix",
]

# Saaty's random consistency index for n = 1..15, as reproduced in most AHP texts (values for
# n <= 10 from Saaty 1980; n = 11..15 from Saaty's later simulations).
RANDOM_INDEX: Mapping[int, float] = {
    1: 0.0,
    2: 0.0,
    3: 0.58,
    4: 0.90,
    5: 1.12,
    6: 1.24,
    7: 1.32,
    8: 1.41,
    9: 1.45,
    10: 1.49,
    11: 1.51,
    12: 1.48,
    13: 1.56,
    14: 1.57,
    15: 1.59,
}

CONSISTENCY_RATIO_LIMIT = 0.10
"""Saaty's rule of thumb: above this consistency ratio the judgments should be revised."""

_SAATY_MIN, _SAATY_MAX = 1.0 / 9.0, 9.0
# Judgments typed with two decimals (0.33 for 1/3, 0.14 for 1/7) must pass the reciprocity check.
_RECIPROCAL_TOLERANCE = 0.025


@dataclass(frozen=True, slots=True)
class InconsistentPair:
    """A judgment and what the derived weights imply for it.

    ``deviation = |log(judgment * w_j / w_i)|``: 0 when the judgment agrees with the weights;
    ``log 3 ~ 1.1`` when it is off by a factor of three.
    """

    row: int
    column: int
    row_label: str
    column_label: str
    judgment: float
    implied: float
    deviation: float

    @property
    def message(self) -> str:
        return (
            f"{self.row_label} vs {self.column_label}: judged {_format_judgment(self.judgment)}, "
            f"the other judgments imply about {_format_judgment(self.implied)}"
        )


@dataclass(frozen=True, slots=True)
class AhpResult:
    """Outcome of :func:`ahp_weights`.

    Attributes
    ----------
    labels:
        Item labels in matrix order.
    weights:
        Principal eigenvector normalised to sum to 1, in matrix order.
    lambda_max:
        Principal eigenvalue (``>= n`` for a reciprocal matrix, ``== n`` when consistent).
    consistency_index, random_index, consistency_ratio:
        Saaty's CI, RI(n) and CR (CR is 0 for n <= 2, always consistent).
    is_consistent:
        ``consistency_ratio <= CONSISTENCY_RATIO_LIMIT``.
    inconsistent_pairs:
        Every pair ``i < j`` ranked by deviation, worst first.
    message:
        A sentence for the user; names the worst pairs when the matrix is inconsistent.
    """

    labels: tuple[str, ...]
    weights: tuple[float, ...]
    lambda_max: float
    consistency_index: float
    random_index: float
    consistency_ratio: float
    is_consistent: bool
    inconsistent_pairs: tuple[InconsistentPair, ...]
    message: str

    def weight_of(self) -> dict[str, float]:
        """Weights keyed by label."""
        return dict(zip(self.labels, self.weights, strict=True))


def _format_judgment(value: float) -> str:
    if value >= 1.0:
        return f"{value:.2g}"
    return f"1/{1.0 / value:.2g}"


def _as_matrix(matrix: Matrix, field_name: str = "matrix") -> FloatArray:
    try:
        values = np.array(matrix, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise InputError("must be a square table of numbers", field=field_name) from exc
    if values.ndim != 2 or values.shape[0] != values.shape[1] or values.shape[0] == 0:
        raise InputError("must be a non-empty square table of numbers", field=field_name)
    n = values.shape[0]
    if n > max(RANDOM_INDEX):
        raise InputError(
            f"AHP compares at most {max(RANDOM_INDEX)} items at once (got {n}); group them into "
            "a hierarchy of smaller comparisons",
            field=field_name,
        )
    if not np.isfinite(values).all() or (values <= 0).any():
        raise InputError("every judgment must be a positive number", field=field_name)
    if not np.allclose(np.diag(values), 1.0):
        raise InputError(
            "the diagonal must be 1 (an item is as important as itself)", field=field_name
        )
    outside = (values < _SAATY_MIN * (1 - 1e-9)) | (values > _SAATY_MAX * (1 + 1e-9))
    if outside.any():
        i, j = (int(k) for k in np.argwhere(outside)[0])
        raise InputError(
            f"judgment [{i}][{j}] = {values[i, j]:g} is outside Saaty's 1/9 .. 9 scale",
            field=field_name,
        )
    mismatch = np.abs(values * values.T - 1.0) > _RECIPROCAL_TOLERANCE
    if mismatch.any():
        i, j = (int(k) for k in np.argwhere(mismatch)[0])
        raise InputError(
            f"judgment [{j}][{i}] must be the reciprocal of [{i}][{j}] = {values[i, j]:g}",
            field=field_name,
        )
    # Rounded entries (0.33 for 1/3) are made exactly reciprocal from the upper triangle.
    exact: FloatArray = np.triu(values, 1) + np.tril(1.0 / values.T, -1) + np.eye(n)
    return exact


def _principal_eigenvector(matrix: FloatArray) -> tuple[FloatArray, float]:
    """Perron vector (sums to 1) and eigenvalue of a positive matrix.

    Power iteration converges because a positive matrix has a simple dominant eigenvalue
    (Perron-Frobenius); it starts from the row geometric means, which are already the answer
    for a consistent matrix. ``numpy.linalg.eig`` is the fallback if it has not converged.
    """
    n = matrix.shape[0]
    vector = np.exp(np.log(matrix).mean(axis=1))
    vector /= vector.sum()
    for _ in range(1000):
        product = matrix @ vector
        updated = product / product.sum()
        if np.abs(updated - vector).max() <= 1e-14:
            vector = updated
            break
        vector = updated
    else:
        eigenvalues, eigenvectors = np.linalg.eig(matrix)
        index = int(np.argmax(eigenvalues.real))
        vector = np.abs(eigenvectors[:, index].real)
        vector /= vector.sum()
    lambda_max = float((matrix @ vector).sum() / vector.sum()) if n else 0.0
    return vector, lambda_max


def ahp_weights(matrix: Matrix, *, labels: Sequence[str] | None = None) -> AhpResult:
    """Weights and consistency of a pairwise comparison matrix (Saaty's eigenvector method).

    Parameters
    ----------
    matrix:
        Square reciprocal matrix of judgments on Saaty's 1/9 .. 9 scale. Entries typed with two
        decimals (0.33 for 1/3) are accepted; the lower triangle is then taken as the exact
        reciprocal of the upper one.
    labels:
        Names of the items, in matrix order (default: "1", "2", ...).

    Returns
    -------
    AhpResult
        Weights, ``lambda_max``, CI, RI, CR, the consistency flag and the pairs ranked by how far
        each judgment is from the ratio of the derived weights.

    Examples
    --------
    >>> result = ahp_weights([[1, 3, 5], [1 / 3, 1, 3], [1 / 5, 1 / 3, 1]])
    >>> [round(w, 3) for w in result.weights], round(result.consistency_ratio, 3)
    ([0.637, 0.258, 0.105], 0.033)
    """
    values = _as_matrix(matrix)
    n = values.shape[0]
    names = tuple(str(k + 1) for k in range(n)) if labels is None else tuple(labels)
    if len(names) != n:
        raise InputError(f"needs {n} labels, got {len(names)}", field="labels")
    weights, lambda_max = _principal_eigenvector(values)
    # lambda_max >= n holds exactly; a negative CI is rounding noise.
    consistency_index = max(0.0, (lambda_max - n) / (n - 1)) if n > 1 else 0.0
    random_index = RANDOM_INDEX[n]
    consistency_ratio = consistency_index / random_index if random_index > 0 else 0.0

    pairs = []
    for i in range(n):
        for j in range(i + 1, n):
            implied = float(weights[i] / weights[j])
            pairs.append(
                InconsistentPair(
                    row=i,
                    column=j,
                    row_label=names[i],
                    column_label=names[j],
                    judgment=float(values[i, j]),
                    implied=implied,
                    deviation=abs(math.log(values[i, j] / implied)),
                )
            )
    pairs.sort(key=lambda pair: (-pair.deviation, pair.row, pair.column))
    is_consistent = consistency_ratio <= CONSISTENCY_RATIO_LIMIT
    if is_consistent:
        message = f"consistent enough: CR = {consistency_ratio:.3f} <= {CONSISTENCY_RATIO_LIMIT}"
    else:
        worst = "; ".join(pair.message for pair in pairs[:3])
        message = (
            f"inconsistent judgments: CR = {consistency_ratio:.3f} > {CONSISTENCY_RATIO_LIMIT}; "
            f"review first: {worst}"
        )
    return AhpResult(
        labels=names,
        weights=tuple(float(w) for w in weights),
        lambda_max=lambda_max,
        consistency_index=consistency_index,
        random_index=random_index,
        consistency_ratio=consistency_ratio,
        is_consistent=is_consistent,
        inconsistent_pairs=tuple(pairs),
        message=message,
    )


def pairwise_matrix(
    labels: Sequence[str], judgments: Mapping[tuple[str, str], float]
) -> FloatArray:
    """Build a reciprocal matrix from judgments given once per pair.

    Parameters
    ----------
    labels:
        Item labels, in the order of the matrix.
    judgments:
        ``{(a, b): value}``: how much more important ``a`` is than ``b`` (Saaty 1/9 .. 9). Each
        unordered pair must appear exactly once; the reciprocal is filled in.

    Returns
    -------
    numpy.ndarray
        The full matrix, ready for :func:`ahp_weights`.
    """
    names = list(labels)
    if len(set(names)) != len(names):
        raise InputError("labels must be unique", field="labels")
    index = {name: k for k, name in enumerate(names)}
    n = len(names)
    matrix = np.eye(n)
    seen: set[frozenset[str]] = set()
    for (first, second), value in judgments.items():
        where = f"judgments[{first}, {second}]"
        if first not in index or second not in index:
            raise InputError("names an unknown item", field=where)
        if first == second:
            raise InputError("compares an item with itself", field=where)
        key = frozenset((first, second))
        if key in seen:
            raise InputError("this pair is judged twice", field=where)
        if not math.isfinite(value) or not _SAATY_MIN * (1 - 1e-9) <= value <= _SAATY_MAX * (
            1 + 1e-9
        ):
            raise InputError("must be on Saaty's 1/9 .. 9 scale", field=where)
        seen.add(key)
        matrix[index[first], index[second]] = value
        matrix[index[second], index[first]] = 1.0 / value
    missing = [
        f"{names[i]} vs {names[j]}"
        for i in range(n)
        for j in range(i + 1, n)
        if frozenset((names[i], names[j])) not in seen
    ]
    if missing:
        raise InputError("missing judgments: " + ", ".join(missing), field="judgments")
    return matrix


def aggregate_judgments(
    matrices: Sequence[Matrix], *, rater_weights: Sequence[float] | None = None
) -> FloatArray:
    """Combine several raters' matrices by the element-wise (weighted) geometric mean (AIJ).

    The geometric mean is the aggregation that keeps the result reciprocal and on Saaty's scale
    (Aczel & Saaty, "Procedures for synthesizing ratio judgements", J. Math. Psych. 27 (1983)).

    Parameters
    ----------
    matrices:
        One pairwise comparison matrix per rater, all the same size.
    rater_weights:
        Optional non-negative weight per rater (normalised to sum to 1); equal by default.

    Returns
    -------
    numpy.ndarray
        The group matrix.
    """
    if not matrices:
        raise InputError("needs at least one rater's matrix", field="matrices")
    checked = [_as_matrix(m, f"matrices[{k}]") for k, m in enumerate(matrices)]
    sizes = sorted({m.shape[0] for m in checked})
    if len(sizes) > 1:
        raise InputError(
            f"all raters must compare the same items (sizes {sizes})", field="matrices"
        )
    stack = np.stack(checked)
    if rater_weights is None:
        shares = np.full(len(matrices), 1.0 / len(matrices))
    else:
        shares = np.asarray(rater_weights, dtype=np.float64)
        if shares.shape != (len(matrices),):
            raise InputError(f"needs one weight per rater ({len(matrices)})", field="rater_weights")
        if not np.isfinite(shares).all() or (shares < 0).any() or shares.sum() <= 0:
            raise InputError(
                "weights must be non-negative with a positive sum", field="rater_weights"
            )
        shares = shares / shares.sum()
    group: FloatArray = np.exp(np.tensordot(shares, np.log(stack), axes=1))
    return group
