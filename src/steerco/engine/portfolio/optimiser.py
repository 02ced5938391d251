"""The exact portfolio optimiser: which projects to run and when to start them.

:func:`optimise` maximises total value under budgets per period and in total
(capex and opex apart), role capacity per month, dependencies, exclusive
groups, mandatory / excluded / in-flight projects, balance rules and a limit
on new starts per month. It returns the plan with its value, the proven bound
and the gap (it never claims "optimal" without them), the binding constraints
in business terms and the shadow price of each role-month's capacity.

How it solves (see the ``optimiser_*`` modules):

1. ``optimiser_build`` compiles the portfolio into a time-indexed model (one
   binary per project and feasible start, starts filtered up front,
   dependencies in the cumulative form); mandatory projects that cannot fit
   raise :class:`InfeasibleError` here.
2. ``optimiser_greedy``: the ranked-list cut line and an efficiency greedy give
   a first plan within milliseconds.
3. ``optimiser_milp``: the LP relaxation gives a proven bound, duals (for a
   dual-weighted greedy and the shadow prices) and reduced costs.
   ``optimiser_cuts`` then adds rounds of cover cuts to it (projects that
   cannot all sit in one role-month or budget period, over their starts):
   a lower proven bound, and rows HiGHS's MILP starts from.
4. ``optimiser_lns``: RENS keeps what the LP runs whole, drops what it
   leaves out and solves the rest exactly; ``optimiser_search`` (local
   search) polishes the plan. Before them (on the first helper thread when
   HiGHS does not get the whole model, otherwise on this one) runs the
   relaxation-selected search: the LP's selection kept, every start chosen
   exactly by HiGHS (most of the LP's gap is in *when* it runs projects,
   not *which*).
5. Then, until the gap is proven or time is up, with two or more threads:
   small models race HiGHS on the whole model against CP-SAT
   (``optimiser_cpsat``, which first solves exactly a ladder of growing
   cores of the projects the LP leaves undecided), both fed the best plan so
   far; medium ones run HiGHS next to the neighbourhood search (which steps
   aside while it finds nothing); large ones, where HiGHS would not finish
   its root node in time, run neighbourhood searches on every thread, the
   extra ones from the start, next to RENS. With one thread HiGHS gets half
   the time, then the neighbourhood search.
6. The plan is checked against every row; the result reports the best bound
   proven by the LP relaxation or by HiGHS.

Time-indexed models with many tight monthly rows have a real gap between the
LP relaxation and the best plan (the LP spreads a project over several
starts); on such portfolios the reported gap is mostly that, and the bound is
honest about it. A Lagrangian bound would not help: relaxing every shared row
leaves one "pick at most one start" problem per project, whose LP is already
integral, so the Lagrangian dual equals the LP bound. Clique rows for pairs
of big projects were measured and left out: they did not move the LP bound
on the benchmark portfolios (HiGHS finds those cliques itself). Nor did
window sums of each role's capacity rows (2 to 6 months), added so that
HiGHS's cover cuts see the energy over a window: on the 200-project
benchmark portfolio the root bound moved no more than without them (0.03%)
and presolve became many times slower. There, HiGHS's own cuts and branching
moved the LP bound by 0.05% in four minutes; the cover cuts of
``optimiser_cuts``, which count each project once over all its starts, move
it as much in a fraction of a second (100.367M to 100.318M), and no further
with window sums or lifting.

Most of what was left was on the plan's side. On that portfolio the LP
relaxation selects 98 projects whole and one in part, but spreads 49 of them
over several starts. The whole-model searches reached 99.45M in 10 s and
99.64M in 300 s, against a bound of 100.32M. With the LP's selection fixed,
HiGHS's presolve halves the model, and it schedules those 98 projects at
99.69M within 6 s (filling the budget left then gives 99.84M, a gap of
0.48%). On portfolios where the LP's selection cannot be scheduled in
whole months, that search finds nothing; the other searches run as before.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, TypeVar

import numpy as np

from steerco.engine.errors import InputError
from steerco.engine.portfolio.model import Portfolio
from steerco.engine.portfolio.optimiser_build import (
    BALANCE,
    BUDGET,
    CAPACITY,
    STARTS,
    CompiledPortfolio,
    FloatArray,
    Int32Array,
    IntArray,
    compile_portfolio,
)
from steerco.engine.portfolio.optimiser_check import check_plan, plan_value
from steerco.engine.portfolio.optimiser_cpsat import CpSatWorker
from steerco.engine.portfolio.optimiser_cuts import Cut, add_cuts, tighten_bound
from steerco.engine.portfolio.optimiser_duals import (
    ShadowPrice,
    capacity_shadow_prices,
    confirm_shadow_prices,
)
from steerco.engine.portfolio.optimiser_greedy import HeuristicState, Kernels, rank_projects
from steerco.engine.portfolio.optimiser_infeasible import explain_infeasibility
from steerco.engine.portfolio.optimiser_lns import NeighbourhoodSearch
from steerco.engine.portfolio.optimiser_milp import (
    LpOutcome,
    build_lp,
    column_rents,
    configure,
    new_highs,
    objective_scale,
    run_highs,
    solve_relaxation,
)
from steerco.engine.portfolio.optimiser_search import compile_kernels, improve

__all__ = [
    "BindingConstraint",
    "CutlineResult",
    "OptimiseResult",
    "PlannedProject",
    "ShadowPrice",
    "check_plan",
    "cutline",
    "optimise",
    "plan_value",
]

RankBy = Literal["value", "score"]


@dataclass(frozen=True, slots=True)
class PlannedProject:
    """A selected project, its start month (0-based) and the value it adds."""

    project_id: str
    start: int
    start_label: str
    value: float


@dataclass(frozen=True, slots=True)
class BindingConstraint:
    """A constraint the plan uses up (slack ~ 0), in business units."""

    name: str
    kind: str
    usage: float
    limit: float
    slack: float


@dataclass(frozen=True, slots=True)
class OptimiseResult:
    """What :func:`optimise` found.

    ``bound`` is a proven upper bound on the value of any feasible plan and
    ``gap = (bound - value) / |value|``; ``optimal`` is True only when that
    gap is within the requested tolerance. ``status`` is ``"optimal"``,
    ``"feasible"`` (a plan, gap above tolerance) or ``"no_plan"`` (none found
    in time; ``value`` is then NaN). ``solver_status`` is HiGHS's own status
    of its run on the whole model. ``unplannable`` gives, for each project
    that can never be selected, why (for example its profile exceeds a
    capacity on its own).
    """

    plan: tuple[PlannedProject, ...]
    value: float
    bound: float
    gap: float
    optimal: bool
    status: str
    solver_status: str
    seconds: float
    first_feasible_seconds: float
    binding: tuple[BindingConstraint, ...]
    shadow_prices: tuple[ShadowPrice, ...]
    paused: tuple[str, ...]
    cutline_value: float
    unplannable: Mapping[str, str] = field(default_factory=dict)

    def starts(self) -> dict[str, int]:
        """Project id -> start month of the plan."""
        return {item.project_id: item.start for item in self.plan}


@dataclass(frozen=True, slots=True)
class CutlineResult:
    """The ranked-list baseline: projects in rank order, each at its earliest
    start that fits, until nothing else fits. ``feasible`` is False when the
    simple procedure could not even place every must-run project (or meet a
    balance rule): the plan is then not a valid portfolio."""

    plan: tuple[PlannedProject, ...]
    value: float
    rank_by: str
    feasible: bool = True

    def starts(self) -> dict[str, int]:
        return {item.project_id: item.start for item in self.plan}


# --- shared incumbent ---------------------------------------------------------


class _Incumbent:
    """The best plan so far, shared by the MILP thread and the main thread."""

    def __init__(self, kernels: Kernels, origin: float) -> None:
        self.kernels = kernels
        self.origin = origin
        self.lock = threading.Lock()
        self.state: HeuristicState | None = None
        self.version = 0
        self.first_feasible: float | None = None
        self.source = ""
        self.closed = False

    @property
    def value(self) -> float:
        return -np.inf if self.state is None else self.state.value

    def close(self) -> None:
        """Take no more plans: the solve is reporting (a thread left running may still
        offer one)."""
        with self.lock:
            self.closed = True

    def offer(self, state: HeuristicState, source: str) -> bool:
        if not state.feasible:
            return False
        with self.lock:
            if self.closed:
                return False
            if self.first_feasible is None:
                self.first_feasible = time.perf_counter() - self.origin
            if self.state is not None and state.value <= self.state.value + 1e-9 * max(
                1.0, abs(self.state.value)
            ):
                return False
            self.state = HeuristicState(
                state.chosen.copy(), state.activity.copy(), state.value, True
            )
            self.version += 1
            self.source = source
            return True

    def offer_merged(
        self, improved: HeuristicState, base: HeuristicState, base_version: int, source: str
    ) -> bool:
        """Offer a change computed from an older snapshot.

        When the incumbent moved on meanwhile (another thread improved it),
        apply only the projects this change touched on top of the current
        incumbent, and keep the result if it is feasible and better.
        """
        if self.version == base_version:
            return self.offer(improved, source)
        current = self.snapshot()
        if current is None:
            return self.offer(improved, source)
        changed = np.flatnonzero(improved.chosen != base.chosen)
        merged = current.chosen.copy()
        merged[changed] = improved.chosen[changed]
        state = self.kernels.finish(HeuristicState(merged, current.activity, 0.0, False))
        return self.offer(state, source)

    def offer_filled(self, state: HeuristicState, order: IntArray, source: str) -> bool:
        """Offer a plan after filling what budget and capacity it leaves, in ``order``."""
        self.kernels.fill(state, order)
        return self.offer(self.kernels.finish(state), source)

    def offer_columns(self, columns: Int32Array, source: str) -> bool:
        return self.offer(self.kernels.state_from_columns(columns), source)

    def snapshot(self) -> HeuristicState | None:
        with self.lock:
            if self.state is None:
                return None
            return HeuristicState(
                self.state.chosen.copy(), self.state.activity.copy(), self.state.value, True
            )


class _MilpWorker(threading.Thread):
    """HiGHS on the whole model in its own thread, fed by the incumbent."""

    def __init__(
        self,
        model: CompiledPortfolio,
        incumbent: _Incumbent,
        *,
        row_hi: FloatArray | None,
        deadline: float,
        threads: int,
        mip_rel_gap: float,
        seed: int,
        cuts: list[Cut] | None = None,
    ) -> None:
        super().__init__(daemon=True)
        self.model = model
        self.cuts = cuts or []
        self.incumbent = incumbent
        self.row_hi = row_hi
        self.deadline = deadline
        self.threads = threads
        self.mip_rel_gap = mip_rel_gap
        self.seed = seed
        self.scale = objective_scale(model)
        self.stop_requested = threading.Event()
        self.bound = np.inf
        self.status = "Not run"
        self.error: BaseException | None = None
        self.injected_version = -1

    def run(self) -> None:
        try:
            self._solve()
        except BaseException as error:  # reported to the caller's thread
            self.error = error

    def _dense(self, state: HeuristicState) -> FloatArray:
        dense = np.zeros(self.model.column_count)
        dense[state.columns()] = 1.0
        return dense

    def _solve(self) -> None:
        import highspy

        highs = new_highs()
        time_limit = max(0.05, self.deadline - time.perf_counter())
        configure(highs, time_limit=time_limit, threads=self.threads, seed=self.seed)
        highs.setOptionValue("mip_rel_gap", float(self.mip_rel_gap))
        highs.passModel(build_lp(self.model, row_hi=self.row_hi))
        if self.cuts:
            add_cuts(highs, self.cuts)
        incumbent = self.incumbent

        def on_improvement(event: Any) -> None:
            values = np.asarray(event.data_out.mip_solution)
            incumbent.offer_columns(np.flatnonzero(values > 0.5).astype(np.int32), "milp")

        def on_interrupt(event: Any) -> None:
            bound = float(event.data_out.mip_dual_bound) * self.scale
            if np.isfinite(bound):
                self.bound = min(self.bound, bound)
            if self.stop_requested.is_set():
                event.interrupt()

        def on_user_solution(event: Any) -> None:
            if incumbent.version == self.injected_version:
                return
            state = incumbent.snapshot()
            if state is None:
                return
            self.injected_version = incumbent.version
            event.data_in.setSolution(self._dense(state))

        highs.cbMipImprovingSolution.subscribe(on_improvement)
        highs.cbMipInterrupt.subscribe(on_interrupt)
        highs.cbMipUserSolution.subscribe(on_user_solution)
        state = incumbent.snapshot()
        if state is not None:
            solution = highspy.HighsSolution()
            solution.col_value = self._dense(state)
            solution.value_valid = True
            highs.setSolution(solution)
            self.injected_version = incumbent.version
        run_highs(highs)
        for callback, subscribed in (
            (highs.cbMipImprovingSolution, on_improvement),
            (highs.cbMipInterrupt, on_interrupt),
            (highs.cbMipUserSolution, on_user_solution),
        ):
            callback.unsubscribe(subscribed)
        self.status = highs.modelStatusToString(highs.getModelStatus())
        info = highs.getInfo()
        bound = float(info.mip_dual_bound) * self.scale
        if np.isfinite(bound):
            self.bound = min(self.bound, bound)
        if info.primal_solution_status == int(highspy.SolutionStatus.kSolutionStatusFeasible):
            values = np.asarray(highs.getSolution().col_value)
            incumbent.offer_columns(np.flatnonzero(values > 0.5).astype(np.int32), "milp")


# --- the solve on a compiled model -------------------------------------------


@dataclass(slots=True)
class SolveOutcome:
    """Raw outcome of :func:`solve_compiled`, before it is dressed as a result."""

    state: HeuristicState | None
    bound: float
    solver_status: str
    first_feasible: float
    cutline: HeuristicState
    lp: LpOutcome | None
    infeasible: bool = False


def _gap(value: float, bound: float) -> float:
    if not np.isfinite(value):
        return float("inf")
    difference = max(0.0, bound - value)
    if difference <= 1e-9 * max(1.0, abs(bound)):
        return 0.0
    return difference / max(abs(value), 1e-9)


def _trivial_bound(model: CompiledPortfolio) -> float:
    """Every project at its best start, ignoring all rows: a bound that needs no solver."""
    if model.column_count == 0:
        return 0.0
    best = np.maximum.reduceat(model.col_value, model.project_col_ptr[:-1])
    return float(np.where(model.must_run, best, np.maximum(best, 0.0)).sum())


def solve_compiled(
    model: CompiledPortfolio,
    *,
    time_limit: float,
    threads: int,
    mip_rel_gap: float,
    rank_by: RankBy = "value",
    seed: int = 0,
    row_hi: FloatArray | None = None,
    warm_columns: list[Int32Array] | None = None,
    origin: float | None = None,
    need_duals: bool = False,
) -> SolveOutcome:
    """Heuristics, LP bound, RENS, then MILP and neighbourhood search.

    ``origin`` is the ``perf_counter`` time the caller's clock started at;
    ``time_limit`` counts from it.
    """
    origin = time.perf_counter() if origin is None else origin
    deadline = origin + time_limit
    kernels = Kernels(model, row_hi)
    incumbent = _Incumbent(kernels, origin)
    cut = kernels.cut_line(rank_projects(model, rank_by))
    incumbent.offer(cut, "cut line")
    order = kernels.efficiency_order()
    incumbent.offer(kernels.greedy(order), "greedy")
    for columns in warm_columns or []:
        incumbent.offer(kernels.state_from_columns(columns), "warm start")
    bound = _trivial_bound(model)
    first = incumbent.first_feasible
    if model.column_count == 0:
        incumbent.offer(kernels.finish(kernels.empty_state()), "empty")
        return SolveOutcome(incumbent.state, 0.0, "Empty", 0.0, cut, None)

    def remaining() -> float:
        return deadline - time.perf_counter()

    def proven(bound_now: float) -> bool:
        return incumbent.state is not None and _gap(incumbent.value, bound_now) <= mip_rel_gap

    lp = solve_relaxation(
        model,
        row_hi=row_hi,
        threads=1,
        time_limit=max(0.05, 0.6 * remaining()),
        keep_solver=True,
    )
    if lp.status == "Infeasible":
        lp.solver = None
        return SolveOutcome(None, -np.inf, "Infeasible", 0.0, cut, lp, infeasible=True)
    lp_values = None
    if lp.status == "Optimal":
        bound = min(bound, lp.objective)
        lp_values = lp.column_values
        order = kernels.efficiency_order(np.maximum(lp.row_duals, 0.0))
        incumbent.offer(kernels.greedy(order), "dual greedy")
    cuts: list[Cut] = []

    def strengthen() -> None:
        """Cover cuts on the LP (a share of the time): a lower proven bound,
        and rows HiGHS's MILP starts from.

        The plain LP, not the cut LP, guides the searches: measured idle on
        five generated 200-project portfolios, the cut LP's guidance gave
        the same mean gap in 10 s (1.56% against 1.57%) but moved single
        portfolios by up to 0.6 points either way."""
        nonlocal bound
        solver, lp.solver = lp.solver, None
        if solver is None or lp.status != "Optimal" or proven(bound):
            return
        outcome = tighten_bound(
            model,
            solver,
            scale=objective_scale(model),
            row_hi=model.row_hi if row_hi is None else row_hi,
            deadline=min(deadline, time.perf_counter() + _CUT_SHARE * time_limit),
            min_gain=_CUT_MIN_GAIN,
        )
        bound = min(bound, outcome.bound)
        cuts.extend(outcome.cuts)

    # HiGHS on the whole model pays off when it can get well past its root
    # node: roughly when the time limit is many LP solves long.
    use_milp = not proven(bound) and (
        lp.status != "Optimal" or time_limit >= _MILP_LP_RATIO * max(lp.seconds, 1e-3)
    )
    # Small models that HiGHS can hope to prove (the LP takes a tiny share of
    # the time) get HiGHS and CP-SAT racing on a shared incumbent: CP-SAT
    # finds plans fast, HiGHS proves the bound. Larger ones get HiGHS next to
    # the neighbourhood search, or neighbourhood searches only when HiGHS
    # would not get past its root node in time.
    race = (
        use_milp
        and threads >= 2
        and model.column_count <= _RACE_MAX_COLUMNS
        and lp.seconds <= _RACE_LP_SHARE * time_limit
    )
    team: _MilpTeam | None = None
    inline_status = "Not run"
    searches: list[_SearchWorker] = []
    # Models HiGHS can hope to prove are left to its own cuts: on the
    # multidimensional knapsacks (one start per project, so these covers are
    # the plain covers HiGHS separates itself) they made no measurable
    # difference, and the racers start sooner without them.
    if use_milp and not race:
        strengthen()
    try:
        if use_milp and threads >= 2:
            helpers: list[Any] = []
            if race:
                helpers.append(
                    CpSatWorker(
                        model,
                        row_hi=model.row_hi if row_hi is None else row_hi,
                        deadline=deadline,
                        seed=seed,
                        offer=lambda columns: incumbent.offer_columns(columns, "CP-SAT"),
                        lp_values=lp_values,
                        row_duals=lp.row_duals if lp_values is not None else None,
                    )
                )
            team = _MilpTeam(
                [
                    _MilpWorker(
                        model,
                        incumbent,
                        row_hi=row_hi,
                        deadline=deadline,
                        threads=1,
                        mip_rel_gap=mip_rel_gap,
                        seed=seed,
                        cuts=cuts,
                    )
                ],
                helpers,
            )
        # The core neighbourhoods rank projects by the LP bound they would
        # cost: rents, not HiGHS's reduced costs, which are zero at the chosen
        # start of every project the LP selects.
        reduced_costs = column_rents(model, lp.row_duals) if lp_values is not None else None

        def main_search() -> NeighbourhoodSearch:
            return NeighbourhoodSearch(
                kernels,
                threads=1,
                lp_values=lp_values,
                reduced_costs=reduced_costs,
                seed=seed,
                row_hi=row_hi,
            )

        def polish(done: Callable[[float], bool]) -> None:
            _quick_improve(kernels, incumbent, order, remaining(), seed, done)

        search = main_search()
        if race and team is not None:
            # The racers use every thread: polish the plan they are fed, then wait.
            team.start()
            polish(
                lambda value: (
                    team.any_finished() or _gap(value, team.current_bound(bound)) <= mip_rel_gap
                )
            )
            team.wait(deadline, lambda: proven(team.current_bound(bound)))
        else:
            if team is not None:
                team.start()
            # Extra neighbourhood searches use the threads HiGHS does not, from
            # now on: the relaxation-induced search below runs on one thread
            # for seconds on large models, and they improve the greedy plan
            # meanwhile (a better plan from either side is kept).
            for extra in range(max(0, threads - 1 - (1 if team is not None else 0))):
                helper_search = NeighbourhoodSearch(
                    kernels,
                    threads=1,
                    lp_values=lp_values,
                    reduced_costs=reduced_costs,
                    seed=seed + 1 + extra,
                    row_hi=row_hi,
                )
                helper = _SearchWorker(
                    helper_search,
                    incumbent,
                    deadline=deadline,
                    stop=lambda: proven(_team_bound(bound, team)),
                )
                if extra == 0 and lp_values is not None:
                    helper.opening = _selection_opening(
                        helper_search, incumbent, order, deadline, helper.stopping
                    )
                helper.start()
                searches.append(helper)
            if not use_milp:
                strengthen()
                search = main_search()
            helper_opens = any(helper.opening is not None for helper in searches)

            def main_opening() -> None:
                """HiGHS alone (one thread), the relaxation-selected search
                unless a helper opened with it, RENS, then a short local search."""
                nonlocal bound, inline_status
                if use_milp and team is None:
                    inline_bound, inline_status = _run_milp_inline(
                        model,
                        incumbent,
                        row_hi=row_hi,
                        time_limit=0.5 * remaining(),
                        mip_rel_gap=mip_rel_gap,
                        seed=seed,
                        cuts=cuts,
                    )
                    bound = min(bound, inline_bound)
                if lp_values is not None and not helper_opens:
                    _selection_opening(search, incumbent, order, deadline, main.stopping)()
                if not main.stopping() and remaining() > 0.1:
                    rens = search.relaxation_induced(min(0.3 * remaining(), 10.0))
                    if rens is not None:
                        incumbent.offer_filled(rens, order, "relaxation-induced search")
                if not main.stopping():
                    polish(lambda value: _gap(value, _team_bound(bound, team)) <= mip_rel_gap)

            # The main search runs in a thread of its own too, and this one
            # waits for it until the deadline: a HiGHS run stuck past its time
            # limit (seen once, in the presolve of one of HiGHS's own
            # sub-MIPs) then holds a thread, never the answer.
            main = _SearchWorker(
                search,
                incumbent,
                deadline=deadline,
                stop=lambda: (
                    proven(_team_bound(bound, team)) or (team is not None and team.any_finished())
                ),
                opening=main_opening,
                wait_for_plan=team is not None,
                yield_after=_YIELD_AFTER if team is not None else None,
            )
            searches.append(main)
            main.start()
            main.join(max(0.0, deadline - time.perf_counter()))
    finally:
        for helper in searches:
            helper.stop_requested.set()
        if team is not None:
            team.stop()
        _join_within(searches, STOP_GRACE_SECONDS)
        incumbent.close()
        # Release the LP solver when no cuts were added to it.
        lp.solver = None
    solver_status = inline_status
    if team is not None:
        if team.error is not None:
            raise team.error
        bound = min(bound, team.bound)
        solver_status = team.status
        if solver_status == "Infeasible" and incumbent.state is None:
            return SolveOutcome(None, -np.inf, "Infeasible", 0.0, cut, lp, infeasible=True)
    for helper in searches:
        if helper.error is not None:
            raise helper.error
    if need_duals and lp.status != "Optimal":
        lp = solve_relaxation(model, row_hi=row_hi, threads=1)
    first_feasible = incumbent.first_feasible if first is None else first
    return SolveOutcome(
        incumbent.state,
        bound,
        solver_status,
        first_feasible if first_feasible is not None else float("nan"),
        cut,
        lp,
    )


def _quick_improve(
    kernels: Kernels,
    incumbent: _Incumbent,
    order: IntArray,
    remaining: float,
    seed: int,
    proven: Callable[[float], bool],
) -> None:
    """A short local search from the incumbent (5% of the time left, at most
    1 s), ended early once ``proven(value)``; a better plan is offered."""
    state = incumbent.snapshot()
    if state is None or remaining <= 0.1:
        return
    improved = improve(
        kernels, state, order, seconds=min(1.0, 0.05 * remaining), seed=seed, stop=proven
    )
    if improved is not None:
        incumbent.offer(improved, "local search")


class _MilpTeam:
    """HiGHS on the whole model (the provers), and racers that only find plans."""

    def __init__(self, provers: list[_MilpWorker], helpers: list[Any]) -> None:
        self.provers = provers
        self.helpers = helpers
        self.started = False

    def start(self) -> None:
        if not self.started:
            self.started = True
            for worker in [*self.provers, *self.helpers]:
                worker.start()

    @property
    def bound(self) -> float:
        # A racer's bound is infinite unless its copy of the model is exact.
        return min(worker.bound for worker in [*self.provers, *self.helpers])

    def current_bound(self, other: float) -> float:
        return min(other, self.bound)

    def any_finished(self) -> bool:
        """A prover is done (proof, infeasibility or time), or a racer proved its exact copy."""
        if not self.started:
            return False
        return any(not worker.is_alive() for worker in self.provers) or any(
            worker.proved for worker in self.helpers if not worker.is_alive()
        )

    def wait(self, deadline: float, proven: Any) -> None:
        """Until a prover ends, the gap is proven, or the deadline."""
        while time.perf_counter() < deadline and not self.any_finished() and not proven():
            time.sleep(0.02)

    def stop(self) -> None:
        workers = [*self.provers, *self.helpers]
        for worker in workers:
            worker.stop_requested.set()
        if self.started:
            for worker in _join_within(workers, STOP_GRACE_SECONDS):
                # Its bound so far (from its callbacks) still holds; its plans are in.
                worker.status = "Time limit reached"

    @property
    def status(self) -> str:
        statuses = [worker.status for worker in self.provers]
        for helper in self.helpers:
            if helper.proved:
                statuses.append("Optimal" if helper.status == "OPTIMAL" else "Infeasible")
        for wanted in ("Optimal", "Infeasible"):
            if wanted in statuses:
                return wanted
        return statuses[0]

    @property
    def error(self) -> BaseException | None:
        for worker in [*self.provers, *self.helpers]:
            if worker.error is not None:
                return worker.error
        return None


# Seconds a solver thread gets to stop once asked. HiGHS 1.16 can spend minutes in
# the presolve of a sub-MIP of its RINS heuristic without looking at its time limit
# or its interrupt callback (seen once at a 300 s limit on the 200-project benchmark,
# still running 10 minutes later); the solve then reports without it rather than wait.
STOP_GRACE_SECONDS = 2.0
_ThreadT = TypeVar("_ThreadT", bound=threading.Thread)


def _join_within(workers: Sequence[_ThreadT], seconds: float) -> list[_ThreadT]:
    """Join ``workers`` for at most ``seconds`` in all; the ones still running.

    They are daemon threads: a process that exits does not wait for them, and the
    shared incumbent is closed before the result is read, so nothing they find later
    changes it.
    """
    until = time.perf_counter() + seconds
    for worker in workers:
        worker.join(max(0.0, until - time.perf_counter()))
    return [worker for worker in workers if worker.is_alive()]


def _team_bound(bound: float, team: _MilpTeam | None) -> float:
    return bound if team is None else min(bound, team.bound)


_MILP_LP_RATIO = 30.0
# Share of the time limit the cover-cut rounds may take (they usually stop
# sooner, when a round gains little).
_CUT_SHARE = 0.2
# A round of cuts that lowers the bound by less than this (relative) ends the
# loop: on loose models, where each round costs as much as an LP solve and
# gains next to nothing, the time goes to the search instead.
_CUT_MIN_GAIN = 3e-5
_YIELD_AFTER = 6
_RACE_MAX_COLUMNS = 2000
_RACE_LP_SHARE = 0.01


def _search_loop(
    search: NeighbourhoodSearch,
    incumbent: _Incumbent,
    *,
    deadline: float,
    stop: Any,
    wait_for_plan: bool,
    yield_after: int | None = None,
) -> None:
    """Neighbourhood steps on the shared incumbent until the deadline or ``stop()``.

    With ``yield_after``, after that many steps in a row without improvement
    the loop pauses (1 s, doubling up to 8 s while it stays fruitless),
    leaving the processor to HiGHS, which on problems it can prove needs it
    more; then it tries two more steps.
    """
    fruitless = 0
    pause = 1.0
    while True:
        remaining = deadline - time.perf_counter()
        if remaining <= 0.05 or stop():
            return
        base_version = incumbent.version
        state = incumbent.snapshot()
        if state is None:
            if not wait_for_plan:
                return
            time.sleep(min(0.05, remaining))
            continue
        if yield_after is not None and fruitless >= yield_after:
            resume = time.perf_counter() + min(pause, remaining)
            while time.perf_counter() < resume and not stop():
                time.sleep(0.02)
            pause = min(8.0, 2 * pause)
            fruitless = yield_after - 2
            continue
        improved = search.step(state, min(1.5, max(0.05, remaining)), stop)
        if improved is not state and incumbent.offer_merged(
            improved, state, base_version, "neighbourhood search"
        ):
            fruitless = 0
            pause = 1.0
        else:
            fruitless += 1


class _SearchWorker(threading.Thread):
    """A neighbourhood search on its own thread, sharing the incumbent."""

    def __init__(
        self,
        search: NeighbourhoodSearch,
        incumbent: _Incumbent,
        *,
        deadline: float,
        stop: Any,
        opening: Callable[[], None] | None = None,
        wait_for_plan: bool = False,
        yield_after: int | None = None,
    ) -> None:
        super().__init__(daemon=True)
        self.search = search
        self.incumbent = incumbent
        self.deadline = deadline
        self.stop = stop
        self.opening = opening
        self.wait_for_plan = wait_for_plan
        self.yield_after = yield_after
        self.stop_requested = threading.Event()
        self.error: BaseException | None = None

    def stopping(self) -> bool:
        return self.stop_requested.is_set() or bool(self.stop())

    def run(self) -> None:
        try:
            if self.opening is not None:
                self.opening()
            _search_loop(
                self.search,
                self.incumbent,
                deadline=self.deadline,
                stop=self.stopping,
                wait_for_plan=self.wait_for_plan,
                yield_after=self.yield_after,
            )
        except BaseException as error:  # reported to the caller's thread
            self.error = error


# Time the search with the LP relaxation's selection fixed
# (``relaxation_selected``) may take before the neighbourhood steps: most of
# a short solve (on the 200-project benchmark portfolio HiGHS needs about 5 s
# to schedule the selection), at most 40% of a long one, where what it finds
# has to be improved on by the other searches.
_SELECTION_SHARE = 0.8
_SELECTION_LONG_SHARE = 0.4
_SELECTION_SECONDS = 8.0


def _selection_opening(
    search: NeighbourhoodSearch,
    incumbent: _Incumbent,
    order: IntArray,
    deadline: float,
    stop: Callable[[], bool],
) -> Callable[[], None]:
    """The opening move of the first helper thread (or of the main search when
    there is none): schedule the LP's selection exactly; each plan HiGHS finds
    is offered at once, after filling what budget and capacity it leaves in
    order of efficiency."""

    def offer(plan: HeuristicState) -> None:
        incumbent.offer_filled(plan, order, "relaxation-selected search")

    def opening() -> None:
        remaining = deadline - time.perf_counter()
        if remaining > 0.5 and not stop():
            seconds = min(
                _SELECTION_SHARE * remaining,
                max(_SELECTION_SECONDS, _SELECTION_LONG_SHARE * remaining),
            )
            search.relaxation_selected(seconds, on_plan=offer, stop=stop)

    return opening


def _run_milp_inline(
    model: CompiledPortfolio,
    incumbent: _Incumbent,
    *,
    row_hi: FloatArray | None,
    time_limit: float,
    mip_rel_gap: float,
    seed: int,
    cuts: list[Cut] | None = None,
) -> tuple[float, str]:
    """One-thread mode: HiGHS on the whole model, in this thread."""
    if time_limit <= 0.05:
        return np.inf, "Not run"
    worker = _MilpWorker(
        model,
        incumbent,
        row_hi=row_hi,
        deadline=time.perf_counter() + time_limit,
        threads=1,
        mip_rel_gap=mip_rel_gap,
        seed=seed,
        cuts=cuts,
    )
    worker.run()
    if worker.error is not None:
        raise worker.error
    return worker.bound, worker.status


# --- public entry points ------------------------------------------------------

_WARM_LOCK = threading.Lock()
_WARM = False


def warm_up() -> None:
    """Compile (or load from numba's disk cache) the heuristic kernels once per process.

    Entry points call this before their clock starts, so that a time limit
    measures solving, not the one-off compilation of a fresh installation.
    """
    global _WARM
    with _WARM_LOCK:
        if _WARM:
            return
        from steerco.engine.portfolio.model import Dependency, Project

        tiny = Portfolio(
            projects=[
                Project(id="a", duration=1, demand={"r": [1]}, npv=2),
                Project(id="b", duration=1, demand={"r": [1]}, npv=1),
            ],
            months=2,
            capacity={"r": 1},
            dependencies=[Dependency("a", "b")],
        )
        model = compile_portfolio(tiny)
        kernels = Kernels(model)
        order = kernels.efficiency_order()
        state = kernels.greedy(order)
        kernels.cut_line(rank_projects(model, "value"))
        compile_kernels(kernels, state, order)
        _WARM = True


def _planned(model: CompiledPortfolio, columns: Int32Array) -> tuple[PlannedProject, ...]:
    portfolio = model.portfolio
    items = []
    for c in sorted(int(c) for c in columns):
        project = model.projects[int(model.col_project[c])]
        start = int(model.col_start[c])
        items.append(
            PlannedProject(
                project_id=project.id,
                start=start,
                start_label=portfolio.month_label(start),
                value=float(model.col_value[c]),
            )
        )
    return tuple(sorted(items, key=lambda item: (item.start, item.project_id)))


def _binding(
    model: CompiledPortfolio,
    state: HeuristicState,
    row_hi: FloatArray | None,
    tolerance: float,
) -> tuple[BindingConstraint, ...]:
    """Capacity, budget, balance and new-start rows with slack within
    ``tolerance`` x max(1, |limit|) (business units)."""
    hi = model.row_hi if row_hi is None else row_hi
    found = []
    for r, info in enumerate(model.rows):
        if info.kind not in (CAPACITY, BUDGET, BALANCE, STARTS):
            continue
        activity = float(state.activity[r])
        scale = float(model.row_scale[r])
        if np.isfinite(hi[r]):
            slack = (float(hi[r]) - activity) * scale
            limit = float(hi[r]) * scale
        else:
            slack = (activity - float(model.row_lo[r])) * scale
            limit = float(model.row_lo[r]) * scale
        # Balance rows are shares of total spend: measure them against it.
        reference = abs(limit) if info.kind != BALANCE else abs(activity * scale) + abs(slack)
        if slack <= tolerance * max(1.0, reference):
            found.append(
                BindingConstraint(
                    name=info.name,
                    kind=info.kind,
                    usage=activity * scale,
                    limit=limit,
                    slack=max(0.0, slack),
                )
            )
    return tuple(found)


def _cutline_value(state: HeuristicState) -> float:
    """Value of the cut line's plan, NaN when that plan is not feasible."""
    return float(state.value) if state.feasible else float("nan")


def _validate_options(time_limit: float, threads: int, mip_rel_gap: float, rank_by: str) -> None:
    if not time_limit > 0:
        raise InputError("must be positive", field="time_limit")
    if threads < 1:
        raise InputError("must be at least 1", field="threads")
    if not 0 <= mip_rel_gap < 1:
        raise InputError("must be in [0, 1)", field="mip_rel_gap")
    if rank_by not in ("value", "score"):
        raise InputError("must be 'value' or 'score'", field="rank_by")


def cutline(portfolio: Portfolio, *, rank_by: RankBy = "value") -> CutlineResult:
    """The greedy ranked-list cut line, as portfolio suites draw it.

    Must-run projects first; then projects in decreasing ``rank_by`` (score,
    or value at the earliest start), each at its earliest start that fits
    every constraint given what is already in; a project that does not fit is
    skipped and the next one tried. One pass, no look-back.
    """
    _validate_options(1.0, 1, 0.0, rank_by)
    warm_up()
    model = compile_portfolio(portfolio)
    kernels = Kernels(model)
    state = kernels.cut_line(rank_projects(model, rank_by))
    columns = state.columns()
    return CutlineResult(_planned(model, columns), float(state.value), rank_by, state.feasible)


def optimise(
    portfolio: Portfolio,
    *,
    time_limit: float = 30.0,
    threads: int = 2,
    mip_rel_gap: float = 1e-4,
    warm_start: Mapping[str, int] | None = None,
    shadow_prices: bool = True,
    confirm_shadow_prices: int = 0,
    confirm_time_limit: float = 2.0,
    rank_by: RankBy = "value",
    seed: int = 0,
    binding_tolerance: float = 1e-6,
) -> OptimiseResult:
    """Choose projects and start months that maximise value.

    Parameters
    ----------
    portfolio:
        The decision problem (see :mod:`steerco.engine.portfolio.model`).
    time_limit:
        Seconds for the whole solve (shadow price confirmation excluded).
    threads:
        Worker threads; with 2 or more, HiGHS runs on the whole model next to
        the neighbourhood search.
    mip_rel_gap:
        Stop when (bound - value) / |value| is at most this.
    warm_start:
        A plan (project id -> start month) to start from, if feasible.
    shadow_prices:
        Compute the marginal value of one more FTE per role-month (LP duals).
    confirm_shadow_prices:
        Re-solve with one more FTE for this many of the highest prices.
    confirm_time_limit:
        Seconds per confirming re-solve.
    rank_by:
        Ranking of the cut-line baseline reported with the result.
    seed:
        Seed of the randomised searches.
    binding_tolerance:
        A constraint is reported as binding when its slack is at most this
        fraction of its limit (1e-6: used up; 0.01: within 1%).

    Returns
    -------
    OptimiseResult

    Raises
    ------
    InfeasibleError
        When no plan satisfies the constraints; names the conflicting ones.
    InputError
        On invalid options.
    """
    _validate_options(time_limit, threads, mip_rel_gap, rank_by)
    warm_up()
    origin = time.perf_counter()
    model = compile_portfolio(portfolio)
    warm = (
        [np.array(model.columns_of_plan(dict(warm_start)), dtype=np.int32)] if warm_start else None
    )
    outcome = solve_compiled(
        model,
        time_limit=time_limit,
        threads=threads,
        mip_rel_gap=mip_rel_gap,
        rank_by=rank_by,
        seed=seed,
        warm_columns=warm,
        origin=origin,
        need_duals=shadow_prices,
    )
    if outcome.infeasible:
        raise explain_infeasibility(model, threads=1, time_budget=max(5.0, time_limit))
    seconds = time.perf_counter() - origin
    return _result(
        model,
        outcome,
        seconds=seconds,
        mip_rel_gap=mip_rel_gap,
        shadow_prices=shadow_prices,
        confirm=confirm_shadow_prices,
        confirm_time_limit=confirm_time_limit,
        threads=threads,
        seed=seed,
        binding_tolerance=binding_tolerance,
    )


def _result(
    model: CompiledPortfolio,
    outcome: SolveOutcome,
    *,
    seconds: float,
    mip_rel_gap: float,
    shadow_prices: bool,
    confirm: int,
    confirm_time_limit: float,
    threads: int,
    seed: int,
    binding_tolerance: float = 1e-6,
    row_hi: FloatArray | None = None,
) -> OptimiseResult:
    state = outcome.state
    portfolio = model.portfolio
    if state is None:
        return OptimiseResult(
            plan=(),
            value=float("nan"),
            bound=float(outcome.bound),
            gap=float("inf"),
            optimal=False,
            status="no_plan",
            solver_status=outcome.solver_status,
            seconds=seconds,
            first_feasible_seconds=float("nan"),
            binding=(),
            shadow_prices=(),
            paused=(),
            cutline_value=_cutline_value(outcome.cutline),
            unplannable=dict(model.dropped),
        )
    value = float(state.value)
    bound = max(float(outcome.bound), value)
    gap = _gap(value, bound)
    optimal = gap <= mip_rel_gap
    plan = _planned(model, state.columns())
    prices: list[ShadowPrice] = []
    if shadow_prices and outcome.lp is not None and outcome.lp.status == "Optimal":
        prices = capacity_shadow_prices(model, outcome.lp.row_duals)
        if confirm > 0:

            def resolve(new_row_hi: FloatArray) -> float:
                again = solve_compiled(
                    model,
                    time_limit=confirm_time_limit,
                    threads=threads,
                    mip_rel_gap=mip_rel_gap,
                    seed=seed,
                    row_hi=new_row_hi,
                    warm_columns=[state.columns()],
                )
                return value if again.state is None else float(again.state.value)

            prices = confirm_shadow_prices(
                model, prices, count=confirm, base_value=value, resolve=resolve
            )
    selected = {item.project_id for item in plan}
    paused = tuple(
        project.id
        for project in portfolio.projects
        if project.in_flight == "pausable" and project.id not in selected
    )
    return OptimiseResult(
        plan=plan,
        value=value,
        bound=bound,
        gap=gap,
        optimal=optimal,
        status="optimal" if optimal else "feasible",
        solver_status=outcome.solver_status,
        seconds=seconds,
        first_feasible_seconds=outcome.first_feasible,
        binding=_binding(model, state, row_hi, binding_tolerance),
        shadow_prices=tuple(prices),
        paused=paused,
        cutline_value=_cutline_value(outcome.cutline),
        unplannable=dict(model.dropped),
    )
