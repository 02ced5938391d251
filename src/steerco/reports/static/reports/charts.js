// Hands Vega's expression interpreter to steerco.js, which draws every .chart with it.
//
// Vega compiles chart expressions with `new Function` unless given an interpreter, and the
// strict CSP forbids `new Function`. A module script runs before DOMContentLoaded, when
// steerco.js draws the charts, so the interpreter is in place by then.
import { expressionInterpreter } from "vega-interpreter";

if (window.vega && !window.vega.expressionInterpreter) {
  window.vega.expressionInterpreter = expressionInterpreter;
}
