"""Monte Carlo schedule risk: worked examples and Hypothesis properties."""

from __future__ import annotations

import math
from datetime import date, timedelta
from statistics import NormalDist
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from steerco.engine.errors import CycleError, InputError
from steerco.engine.scheduling.montecarlo import (
    CorrelationGroup,
    Distribution,
    Fixed,
    Link,
    LinkType,
    Lognormal,
    Pert,
    RiskEvent,
    RiskImpact,
    ScheduleRiskModel,
    SimulationSettings,
    Task,
    Triangular,
    Uniform,
    simulate,
)


def spearman(a: np.ndarray, b: np.ndarray) -> float:
    rank_a = np.argsort(np.argsort(a)).astype(float)
    rank_b = np.argsort(np.argsort(b)).astype(float)
    return float(np.corrcoef(rank_a, rank_b)[0, 1])


def chain(*durations: Distribution) -> ScheduleRiskModel:
    tasks = tuple(Task(f"T{k}", d) for k, d in enumerate(durations))
    links = tuple(Link(f"T{k}", f"T{k + 1}") for k in range(len(durations) - 1))
    return ScheduleRiskModel(tasks, links)


def reference_cpm(
    durations: list[float], links: list[tuple[int, int, LinkType, float]]
) -> tuple[float, list[bool]]:
    """Textbook CPM by relaxation (no topological order needed): finish and critical flags."""
    count = len(durations)
    start = [0.0] * count
    for _ in range(count + 1):
        for p, s, kind, lag in links:
            bound = {
                "FS": start[p] + durations[p] + lag,
                "SS": start[p] + lag,
                "FF": start[p] + durations[p] + lag - durations[s],
                "SF": start[p] + lag - durations[s],
            }[kind]
            start[s] = max(start[s], bound)
    finish = max(start[t] + durations[t] for t in range(count))
    late = [finish] * count
    for _ in range(count + 1):
        for p, s, kind, lag in links:
            bound = {
                "FS": late[s] - durations[s] - lag,
                "SS": late[s] - durations[s] - lag + durations[p],
                "FF": late[s] - lag,
                "SF": late[s] - lag + durations[p],
            }[kind]
            late[p] = min(late[p], bound)
    tolerance = 1e-9 * max(1.0, finish)
    critical = [late[t] - (start[t] + durations[t]) <= tolerance for t in range(count)]
    return finish, critical


# --- worked examples ------------------------------------------------------------------------


def worked_network(**durations: Distribution) -> ScheduleRiskModel:
    """Six tasks using every link type; with the fixed durations below the finish is 12."""
    return ScheduleRiskModel(
        tasks=(
            Task("A", durations.get("A", Fixed(5))),
            Task("B", durations.get("B", Fixed(3))),
            Task("C", durations.get("C", Fixed(4))),
            Task("D", durations.get("D", Fixed(2))),
            Task("E", durations.get("E", Fixed(7))),
            Task("M", Fixed(0), milestone=True),
        ),
        links=(
            Link("A", "B", "FS", 2),  # B 7-10
            Link("A", "C", "SS", 1),  # C 1-5
            Link("B", "D", "FF", 1),  # D must finish by B + 1: 9-11
            Link("C", "D", "FS"),
            Link("C", "E", "SF", 10),  # E finishes >= C start + 10 = 11, but A pushes it: 5-12
            Link("A", "E", "FS"),
            Link("D", "M"),
            Link("E", "M"),
        ),
    )


def test_fixed_durations_reproduce_the_hand_computed_critical_path() -> None:
    result = simulate(worked_network(), SimulationSettings(iterations=300, seed=5))

    assert result.deterministic_finish == 12.0
    assert np.all(result.project.finishes == 12.0)
    assert result.project.percentiles == {10.0: 12.0, 50.0: 12.0, 80.0: 12.0, 95.0: 12.0}
    assert result.milestones["M"].p95 == 12.0
    # A -> E -> M is the only critical chain; C, D and B each have one day of float.
    assert result.criticality == {"A": 1.0, "B": 0.0, "C": 0.0, "D": 0.0, "E": 1.0, "M": 1.0}
    assert result.probability_of_deterministic_finish == 1.0
    assert all(entry.spearman == 0.0 and entry.cruciality == 0.0 for entry in result.sensitivity)


def test_single_chain_is_always_critical_and_adds_up() -> None:
    model = chain(Triangular(1, 2, 6), Pert(2, 3, 9), Uniform(1, 4), Lognormal.from_mean_sd(5, 2))
    result = simulate(model, SimulationSettings(iterations=2_000, seed=1, keep_durations=True))

    assert result.criticality == {"T0": 1.0, "T1": 1.0, "T2": 1.0, "T3": 1.0}
    assert result.durations is not None
    np.testing.assert_allclose(np.sort(result.durations.sum(axis=1)), result.project.finishes)


def test_percentiles_are_inverted_cdf_values_of_the_sorted_finishes() -> None:
    result = simulate(chain(Uniform(0, 10), Uniform(0, 10)), SimulationSettings(iterations=1000))
    finishes = result.project.finishes

    assert result.project.p10 == finishes[99]
    assert result.project.p50 == finishes[499]
    assert result.project.p80 == finishes[799]
    assert result.project.p95 == finishes[949]
    assert result.project.percentile(100) == finishes[-1]
    assert result.project.probability_by(result.project.p80) >= 0.8
    assert result.project.percentile_table(25.0) == (
        (25.0, finishes[249]),
        (50.0, finishes[499]),
        (75.0, finishes[749]),
        (100.0, finishes[999]),
    )
    _values, probabilities = result.project.s_curve()
    assert probabilities[0] == 0.001 and probabilities[-1] == 1.0
    counts, edges = result.project.histogram(bins=10)
    assert counts.sum() == 1000 and edges.size == 11
    # Two uniforms on [0, 10] add up to a triangle on [0, 20]: median 10, P80 about 13.68.
    assert result.project.p50 == pytest.approx(10, abs=0.4)
    assert result.project.p80 == pytest.approx(20 - math.sqrt(0.2 * 200), abs=0.4)


def test_same_seed_gives_identical_results_and_another_seed_does_not() -> None:
    model = worked_network(
        A=Triangular(3, 5, 9), B=Pert(2, 3, 8), E=Lognormal.from_most_likely(7, log_sd=0.3)
    )
    model = ScheduleRiskModel(
        model.tasks,
        model.links,
        risks=(RiskEvent("supplier", 0.3, (RiskImpact("B", 20, Triangular(1, 2, 4)),)),),
        correlation_groups=(CorrelationGroup("team", ("A", "E"), 0.7),),
    )
    first = simulate(model, SimulationSettings(iterations=3_000, seed=42))
    second = simulate(model, SimulationSettings(iterations=3_000, seed=42))
    other = simulate(model, SimulationSettings(iterations=3_000, seed=43))

    np.testing.assert_array_equal(first.project.finishes, second.project.finishes)
    np.testing.assert_array_equal(first.milestones["M"].finishes, second.milestones["M"].finishes)
    assert first.criticality == second.criticality
    assert first.sensitivity == second.sensitivity
    assert first.risk_frequency == second.risk_frequency
    assert not np.array_equal(first.project.finishes, other.project.finishes)


def test_a_run_without_seed_records_one_that_reproduces_it() -> None:
    model = chain(Triangular(1, 2, 6), Pert(2, 3, 9))
    fresh = simulate(model, SimulationSettings(iterations=500, seed=None))
    again = simulate(model, SimulationSettings(iterations=500, seed=fresh.seed))

    np.testing.assert_array_equal(fresh.project.finishes, again.project.finishes)


def test_certain_risk_on_the_critical_chain_shifts_every_finish_by_its_impact() -> None:
    base_model = chain(Triangular(2, 4, 9), Pert(3, 5, 10), Uniform(1, 3))
    risky = ScheduleRiskModel(
        base_model.tasks,
        base_model.links,
        risks=(RiskEvent("permit refused", 1.0, (RiskImpact("T1", added_duration=Fixed(6)),)),),
    )
    run = SimulationSettings(iterations=2_000, seed=9)
    base = simulate(base_model, run)
    shifted = simulate(risky, run)

    np.testing.assert_allclose(shifted.project.finishes, base.project.finishes + 6, atol=1e-9)
    assert shifted.project.p80 == pytest.approx(base.project.p80 + 6)
    assert shifted.risk_frequency == {"permit refused": 1.0}


def test_percentage_risk_scales_the_sampled_duration() -> None:
    model = ScheduleRiskModel(
        (Task("T", Uniform(10, 20)),),
        risks=(
            RiskEvent("rework", 1.0, (RiskImpact("T", percent_increase=30),)),
            RiskEvent("new staff", 1.0, (RiskImpact("T", percent_increase=20),)),
            RiskEvent("never", 0.0, (RiskImpact("T", added_duration=Fixed(100)),)),
        ),
    )
    run = SimulationSettings(iterations=1_000, seed=2)
    base = simulate(ScheduleRiskModel((Task("T", Uniform(10, 20)),)), run)
    result = simulate(model, run)

    np.testing.assert_allclose(result.project.finishes, base.project.finishes * 1.5)
    assert result.risk_frequency["never"] == 0.0


def test_risk_probability_is_respected_and_ranked_in_the_tornado() -> None:
    model = ScheduleRiskModel(
        (Task("design", Triangular(8, 10, 12)), Task("build", Fixed(20))),
        (Link("design", "build"),),
        risks=(RiskEvent("late vendor", 0.25, (RiskImpact("build", added_duration=Fixed(15)),)),),
    )
    result = simulate(model, SimulationSettings(iterations=10_000, seed=4))

    assert result.risk_frequency["late vendor"] == pytest.approx(0.25, abs=0.015)
    assert [entry.id for entry in result.sensitivity] == ["late vendor", "design", "build"]
    assert result.sensitivity[0].kind == "risk" and result.sensitivity[0].criticality is None
    # 25% of finishes are 15 days later: P80 and P95 carry the risk, P50 does not.
    assert result.project.p50 < 33 < result.project.p80
    build = next(entry for entry in result.sensitivity if entry.id == "build")
    assert build.spearman == 0.0 and build.cruciality > 0.9


def test_correlation_one_gives_perfectly_rank_correlated_durations() -> None:
    model = ScheduleRiskModel(
        (
            Task("a", Pert(2, 4, 9)),
            Task("b", Pert(2, 4, 9)),
            Task("c", Pert(2, 4, 9)),
            Task("d", Triangular(1, 5, 6)),
            Task("e", Lognormal.from_mean_sd(4, 2)),
        ),
        correlation_groups=(CorrelationGroup("same team", ("a", "b", "c", "d", "e"), 1.0),),
    )
    result = simulate(model, SimulationSettings(iterations=3_000, seed=8, keep_durations=True))
    durations = result.durations
    assert durations is not None

    np.testing.assert_array_equal(durations[:, 0], durations[:, 1])
    np.testing.assert_array_equal(durations[:, 0], durations[:, 2])
    assert spearman(durations[:, 0], durations[:, 3]) == pytest.approx(1.0)
    assert spearman(durations[:, 0], durations[:, 4]) == pytest.approx(1.0)


def test_partial_and_negative_correlation_follow_the_gaussian_copula() -> None:
    model = ScheduleRiskModel(
        (
            Task("a", Triangular(1, 2, 8)),
            Task("b", Pert(3, 4, 6)),
            Task("c", Uniform(1, 2)),
            Task("d", Uniform(1, 2)),
        ),
        correlation_groups=(
            CorrelationGroup("half", ("a", "b"), 0.5),
            CorrelationGroup("opposite", ("c", "d"), matrix=((1.0, -1.0), (-1.0, 1.0))),
        ),
    )
    result = simulate(model, SimulationSettings(iterations=10_000, seed=3, keep_durations=True))
    durations = result.durations
    assert durations is not None

    # Spearman's rho of a Gaussian copula with correlation r is 6/pi * asin(r / 2).
    expected = 6 / math.pi * math.asin(0.25)
    assert spearman(durations[:, 0], durations[:, 1]) == pytest.approx(expected, abs=0.03)
    assert spearman(durations[:, 2], durations[:, 3]) == pytest.approx(-1.0)


@pytest.mark.parametrize(
    ("distribution", "mean", "tolerance"),
    [
        (Triangular(2, 4, 9), (2 + 4 + 9) / 3, 0.05),
        (Triangular(0, 0, 6), 2.0, 0.05),
        (Pert(2, 4, 12), (2 + 4 * 4 + 12) / 6, 0.05),
        (Pert(1, 1, 5, shape=2), (1 + 2 * 1 + 5) / 4, 0.05),
        (Uniform(3, 7), 5.0, 0.05),
        (Lognormal.from_mean_sd(10, 3), 10.0, 0.1),
        (Lognormal.from_mean_sd(8, 1, shift=5), 8.0, 0.05),
        (Fixed(4.5), 4.5, 0.0),
    ],
)
def test_sample_means_match_the_distribution_means(
    distribution: Distribution, mean: float, tolerance: float
) -> None:
    result = simulate(chain(distribution), SimulationSettings(iterations=20_000, seed=6))

    assert distribution.mean == pytest.approx(mean)
    assert result.project.mean == pytest.approx(mean, abs=tolerance)


def test_triangular_and_lognormal_quantiles_match_their_cdfs() -> None:
    triangle = simulate(chain(Triangular(2, 4, 9)), SimulationSettings(iterations=20_000))
    # Triangular CDF below the mode: (x - a)^2 / ((b - a)(c - a)); 2/7 of the mass is below 4.
    assert triangle.project.probability_by(4.0) == pytest.approx(2 / 7, abs=0.01)
    assert triangle.project.probability_by(3.0) == pytest.approx(1 / 14, abs=0.01)

    spread = Lognormal.from_most_likely(10, high=18, high_percentile=90)
    assert spread.most_likely == pytest.approx(10)
    log_normal = simulate(chain(spread), SimulationSettings(iterations=20_000))
    assert log_normal.project.p80 < 18 < log_normal.project.p95
    assert log_normal.project.probability_by(18) == pytest.approx(0.9, abs=0.01)
    assert Lognormal.from_most_likely(10, log_sd=0.4).most_likely == pytest.approx(10)


def test_pert_quantiles_match_a_fine_numeric_beta_cdf() -> None:
    low, mode, high = 2.0, 3.0, 12.0
    distribution = Pert(low, mode, high)
    alpha, beta = distribution.beta_parameters
    assert (alpha, beta) == pytest.approx((1.4, 4.6))
    grid = np.linspace(0, 1, 400_001)
    density = grid ** (alpha - 1) * (1 - grid) ** (beta - 1)
    cdf = np.concatenate(([0.0], np.cumsum((density[1:] + density[:-1]) / 2)))
    cdf /= cdf[-1]
    result = simulate(chain(distribution), SimulationSettings(iterations=40_000, seed=12))

    for percent in (5, 10, 50, 80, 95):
        expected = low + (high - low) * float(np.interp(percent / 100, cdf, grid))
        assert result.project.percentile(percent) == pytest.approx(expected, abs=0.06)


def test_pert_table_inverts_the_beta_cdf_accurately() -> None:
    from steerco.engine.scheduling import _montecarlo_kernels as kernels
    from steerco.engine.scheduling.montecarlo import _pert_tables

    # Shapes near 1 have a cusp at an end, where plain Simpson integration goes wrong.
    shapes = {(1.0, 5.0): 0, (1.05, 4.95): 1, (3.0, 3.0): 2, (4.6, 1.4): 3, (1.001, 1.2): 4}
    cdf, guide = _pert_tables(shapes)
    grid = np.linspace(0, 1, 400_001)
    probabilities = np.linspace(0.0005, 0.9995, 2_000)
    central = (probabilities > 0.01) & (probabilities < 0.99)
    for (alpha, beta), row in shapes.items():
        density = grid ** (alpha - 1) * (1 - grid) ** (beta - 1)
        exact = np.concatenate(([0.0], np.cumsum((density[1:] + density[:-1]) / 2)))
        exact /= exact[-1]
        wanted = np.interp(probabilities, exact, grid)
        found = np.array(
            [kernels._pert_value(float(u), 0.0, 1.0, cdf, guide, row) for u in probabilities]
        )
        error = np.abs(found - wanted)
        assert error.max() < 3e-4, (alpha, beta)
        assert error[central].max() < 5e-5, (alpha, beta)
        exact_on_cells = np.interp(np.linspace(0, 1, 513), grid, exact)
        np.testing.assert_allclose(cdf[row], exact_on_cells, atol=1e-5)


def test_normal_quantile_matches_the_standard_library() -> None:
    from steerco.engine.scheduling._montecarlo_kernels import normal_quantile

    reference = NormalDist()
    for probability in [1e-300, 1e-20, 1e-8, 0.001, 0.0251, 0.2, 0.5, 0.7, 0.975, 0.9999999]:
        assert normal_quantile(probability) == pytest.approx(
            reference.inv_cdf(probability), rel=1e-13, abs=1e-15
        )


def test_tornado_ranks_by_absolute_spearman_and_agrees_with_sample_ranks() -> None:
    model = chain(Uniform(10, 30), Triangular(4, 5, 6), Pert(1, 8, 20), Fixed(3))
    result = simulate(model, SimulationSettings(iterations=10_000, seed=21, keep_durations=True))
    assert result.durations is not None
    finishes = result.durations.sum(axis=1)

    assert [entry.id for entry in result.sensitivity] == ["T0", "T2", "T1", "T3"]
    for entry in result.sensitivity[:3]:
        column = int(entry.id[1:])
        sample = spearman(result.durations[:, column], finishes)
        assert entry.spearman == pytest.approx(sample, abs=0.01)
        pearson = float(np.corrcoef(result.durations[:, column], finishes)[0, 1])
        assert entry.cruciality == pytest.approx(pearson, abs=1e-9)
        assert entry.criticality == 1.0


def test_parallel_paths_share_the_criticality() -> None:
    # Two identical independent branches: each drives the finish about half of the time.
    model = ScheduleRiskModel(
        (
            Task("start", Fixed(0)),
            Task("left", Uniform(5, 15)),
            Task("right", Uniform(5, 15)),
            Task("end", Fixed(0), milestone=True),
        ),
        (Link("start", "left"), Link("start", "right"), Link("left", "end"), Link("right", "end")),
    )
    result = simulate(model, SimulationSettings(iterations=10_000, seed=5))

    assert result.criticality["left"] == pytest.approx(0.5, abs=0.02)
    assert result.criticality["left"] + result.criticality["right"] == pytest.approx(1.0)
    assert result.criticality["start"] == 1.0 and result.criticality["end"] == 1.0
    # The maximum of two uniforms on [5, 15]: P(max <= x) = ((x - 5) / 10)^2.
    assert result.milestones["end"].p50 == pytest.approx(5 + 10 * math.sqrt(0.5), abs=0.15)


def test_earliest_start_and_negative_lags() -> None:
    model = ScheduleRiskModel(
        (Task("a", Fixed(10)), Task("b", Fixed(5), earliest_start=3), Task("c", Fixed(4))),
        (Link("a", "c", LinkType.FS, -3), Link("b", "c", "SS", 2)),
    )
    result = simulate(model, SimulationSettings(iterations=10))

    assert result.deterministic_finish == 11.0  # c starts at max(10 - 3, 3 + 2) = 7
    assert result.criticality == {"a": 1.0, "b": 0.0, "c": 1.0}


def test_percentile_dates_go_through_the_callers_calendar() -> None:
    result = simulate(worked_network(A=Uniform(4, 6)), SimulationSettings(iterations=1_000))
    start = date(2026, 1, 5)

    def to_date(offset: float) -> date:
        return start + timedelta(days=math.ceil(offset))

    dates = result.project.percentile_dates(to_date)
    assert list(dates) == [10.0, 50.0, 80.0, 95.0]
    assert dates[95.0] == to_date(result.project.p95)
    assert dates[10.0] <= dates[50.0] <= dates[80.0] <= dates[95.0]
    assert result.milestones["M"].percentile_dates(to_date) == dates


def test_iteration_counts_that_are_not_a_multiple_of_the_block() -> None:
    for iterations in (1, 255, 257, 513):
        result = simulate(
            chain(Triangular(1, 2, 3), Fixed(1)), SimulationSettings(iterations=iterations)
        )
        assert result.project.finishes.size == iterations
        assert result.project.finishes.min() >= 2 and result.project.finishes.max() <= 4


UNKNOWN_LINK_TYPE: Any = "XY"

# --- validation -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "build",
    [
        lambda: Triangular(5, 4, 9),
        lambda: Triangular(1, 10, 9),
        lambda: Pert(1, 2, 3, shape=0),
        lambda: Uniform(4, 2),
        lambda: Fixed(-1),
        lambda: Fixed(float("nan")),
        lambda: Lognormal(1.0, -0.1),
        lambda: Lognormal.from_mean_sd(5, 1, shift=6),
        lambda: Lognormal.from_most_likely(5, high=4),
        lambda: Lognormal.from_most_likely(5, log_sd=0.2, high=9),
        lambda: RiskEvent("r", 1.5, (RiskImpact("a", 10),)),
        lambda: RiskEvent("r", -0.1, (RiskImpact("a", 10),)),
        lambda: RiskEvent("r", 0.5, ()),
        lambda: RiskImpact("a", percent_increase=-150),
        lambda: CorrelationGroup("g", ("a", "b"), 1.2),
        lambda: CorrelationGroup("g", ("a",), 0.5),
        lambda: CorrelationGroup("g", ("a", "b")),
        lambda: CorrelationGroup("g", ("a", "b"), matrix=((1, 0.2), (0.3, 1))),
        lambda: Link("a", "b", UNKNOWN_LINK_TYPE),
        lambda: SimulationSettings(iterations=0),
        lambda: SimulationSettings(percentiles=(50, 120)),
        lambda: SimulationSettings(seed=-1),
    ],
)
def test_invalid_inputs_raise_input_error(build: object) -> None:
    with pytest.raises(InputError):
        build()  # type: ignore[operator]


def test_inconsistent_correlations_name_the_group() -> None:
    with pytest.raises(InputError) as error:
        CorrelationGroup("backend team", ("a", "b", "c"), -0.9)
    assert error.value.field == "correlation group 'backend team'"
    assert "positive semi-definite" in str(error.value) and "-0.5" in str(error.value)

    with pytest.raises(InputError, match="vendors"):
        CorrelationGroup(
            "vendors",
            ("a", "b", "c"),
            matrix=((1, 0.9, -0.9), (0.9, 1, 0.9), (-0.9, 0.9, 1)),
        )
    # A singular but valid matrix is accepted.
    CorrelationGroup("pairs", ("a", "b", "c"), -0.5)


def test_model_level_errors() -> None:
    tasks = (Task("a", Fixed(1)), Task("b", Fixed(1)), Task("c", Fixed(1)))
    with pytest.raises(InputError, match="two tasks"):
        ScheduleRiskModel((*tasks, Task("a", Fixed(2))))
    with pytest.raises(InputError, match="unknown task 'z'"):
        ScheduleRiskModel(tasks, (Link("a", "z"),))
    with pytest.raises(InputError, match="unknown task 'z'"):
        ScheduleRiskModel(tasks, risks=(RiskEvent("r", 0.5, (RiskImpact("z", 10),)),))
    with pytest.raises(InputError, match="already in correlation group 'g1'"):
        ScheduleRiskModel(
            tasks,
            correlation_groups=(
                CorrelationGroup("g1", ("a", "b"), 0.5),
                CorrelationGroup("g2", ("b", "c"), 0.5),
            ),
        )
    with pytest.raises(InputError, match="no task"):
        ScheduleRiskModel(())


def test_cycles_are_reported_with_their_tasks() -> None:
    tasks = tuple(Task(name, Fixed(1)) for name in "abcde")
    with pytest.raises(CycleError) as error:
        ScheduleRiskModel(
            tasks,
            (Link("a", "b"), Link("b", "c"), Link("c", "d"), Link("d", "b", "SS"), Link("a", "e")),
        )
    cycle = error.value.tasks
    assert sorted(cycle) == ["b", "c", "d"]
    start = cycle.index("b")
    assert cycle[start:] + cycle[:start] == ["b", "c", "d"]

    with pytest.raises(CycleError) as error:
        ScheduleRiskModel(tasks, (Link("e", "e"),))
    assert error.value.tasks == ["e"]


# --- properties -----------------------------------------------------------------------------

LINK_KINDS = list(LinkType)


@st.composite
def fixed_networks(draw: st.DrawFn) -> tuple[list[float], list[tuple[int, int, LinkType, float]]]:
    count = draw(st.integers(1, 12))
    durations = [float(draw(st.integers(0, 20))) for _ in range(count)]
    links = []
    for successor in range(1, count):
        for predecessor in draw(st.sets(st.integers(0, successor - 1), max_size=3)):
            kind = draw(st.sampled_from(LINK_KINDS))
            lag = float(draw(st.integers(-3, 5)))
            links.append((predecessor, successor, kind, lag))
    return durations, links


@settings(max_examples=60, deadline=None)
@given(fixed_networks(), st.randoms(use_true_random=False))
def test_fixed_durations_match_a_reference_cpm(
    network: tuple[list[float], list[tuple[int, int, LinkType, float]]], shuffle: object
) -> None:
    durations, links = network
    names = [f"t{k}" for k in range(len(durations))]
    tasks = [Task(name, Fixed(d)) for name, d in zip(names, durations, strict=True)]
    # Task order must not matter: the simulation sorts the network itself.
    order = list(range(len(tasks)))
    shuffle.shuffle(order)  # type: ignore[attr-defined]
    model = ScheduleRiskModel(
        tuple(tasks[k] for k in order),
        tuple(Link(names[p], names[s], kind, lag) for p, s, kind, lag in links),
    )
    finish, critical = reference_cpm(durations, links)
    result = simulate(model, SimulationSettings(iterations=2, seed=0))

    assert result.deterministic_finish == finish
    assert result.project.p50 == finish
    assert result.criticality == {
        names[t]: (1.0 if critical[t] else 0.0) for t in range(len(durations))
    }


@st.composite
def uncertain_durations(draw: st.DrawFn) -> Distribution:
    low = draw(st.floats(0, 10))
    mode = low + draw(st.floats(0, 10))
    high = mode + draw(st.floats(0, 10))
    kind = draw(st.sampled_from(["fixed", "uniform", "triangular", "pert", "lognormal"]))
    if kind == "fixed":
        return Fixed(mode)
    if kind == "uniform":
        return Uniform(low, high)
    if kind == "triangular":
        return Triangular(low, mode, high)
    if kind == "pert":
        return Pert(low, mode, high, shape=draw(st.floats(0.5, 8)))
    return Lognormal.from_mean_sd(mode + 1, draw(st.floats(0, 3)))


@settings(max_examples=40, deadline=None)
@given(
    st.lists(uncertain_durations(), min_size=1, max_size=8),
    st.integers(0, 2**32),
    st.floats(0, 1),
    st.floats(-0.2, 1),
)
def test_percentiles_are_monotone_and_within_the_sampled_range(
    durations: list[Distribution], seed: int, probability: float, correlation: float
) -> None:
    tasks = tuple(Task(f"t{k}", d, milestone=k == 0) for k, d in enumerate(durations))
    links = tuple(Link(f"t{k}", f"t{k + 2}", "SS", 1) for k in range(len(durations) - 2))
    groups = (CorrelationGroup("g", ("t0", "t1"), correlation),) if len(durations) > 1 else ()
    risks = (RiskEvent("r", probability, (RiskImpact("t0", 50, Triangular(0, 1, 2)),)),)
    model = ScheduleRiskModel(tasks, links, risks, groups)
    result = simulate(model, SimulationSettings(iterations=400, seed=seed))

    for distribution in [result.project, *result.milestones.values()]:
        values = [distribution.percentiles[p] for p in (10.0, 50.0, 80.0, 95.0)]
        assert values == sorted(values)
        assert distribution.finishes[0] <= values[0] and values[-1] <= distribution.finishes[-1]
        assert np.all(np.diff(distribution.finishes) >= 0)
        assert np.all(np.isfinite(distribution.finishes))
    assert all(0.0 <= value <= 1.0 for value in result.criticality.values())
    assert all(-1.0 <= entry.spearman <= 1.0 for entry in result.sensitivity)
    magnitudes = [abs(entry.spearman) for entry in result.sensitivity]
    assert magnitudes == sorted(magnitudes, reverse=True)


@settings(max_examples=40, deadline=None)
@given(fixed_networks())
def test_fixed_durations_match_the_engine_cpm(
    network: tuple[list[float], list[tuple[int, int, LinkType, float]]],
) -> None:
    cpm = pytest.importorskip("steerco.engine.scheduling.cpm")
    durations, links = network
    names = [f"t{k}" for k in range(len(durations))]
    deterministic = cpm.schedule(
        cpm.Network(
            tasks=tuple(cpm.Task(name, int(d)) for name, d in zip(names, durations, strict=True)),
            links=tuple(
                cpm.Link(names[p], names[s], str(kind), int(lag)) for p, s, kind, lag in links
            ),
        )
    )
    model = ScheduleRiskModel(
        tuple(Task(name, Fixed(d)) for name, d in zip(names, durations, strict=True)),
        tuple(Link(names[p], names[s], kind, lag) for p, s, kind, lag in links),
    )
    result = simulate(model, SimulationSettings(iterations=2, seed=0))

    assert result.project.p95 == deterministic.project_finish
    critical = dict(zip(deterministic.task_ids, deterministic.critical.tolist(), strict=True))
    assert result.criticality == {name: float(critical[name]) for name in names}
