// Steerco's evaluator of Vega expression syntax trees.
//
// Vega normally compiles its expressions with `new Function`, which a strict Content-Security-
// Policy forbids. Given `ast: true`, Vega keeps each expression's syntax tree and calls the
// `expr` object of its View options to turn trees into functions; this file provides that
// object as `window.vega.expressionInterpreter`, which steerco.js hands to vega-embed.
// It walks the tree on every call: slower than compiled code, fast enough for PMO charts.
(function () {
  "use strict";
  var vega = window.vega;
  if (!vega || vega.expressionInterpreter) { return; }

  // Members that would let a chart spec run arbitrary code.
  var UNSAFE = [Function, window.eval, window.setTimeout, window.setInterval];
  var UNSAFE_KEYS = { "__proto__": 1, "constructor": 1, "prototype": 1 };

  var CONSTANTS = {
    NaN: NaN, E: Math.E, LN2: Math.LN2, LN10: Math.LN10, LOG2E: Math.LOG2E,
    LOG10E: Math.LOG10E, PI: Math.PI, SQRT1_2: Math.SQRT1_2, SQRT2: Math.SQRT2,
    MIN_VALUE: Number.MIN_VALUE, MAX_VALUE: Number.MAX_VALUE
  };

  var BINARY = {
    "+": function (a, b) { return a + b; },
    "-": function (a, b) { return a - b; },
    "*": function (a, b) { return a * b; },
    "/": function (a, b) { return a / b; },
    "%": function (a, b) { return a % b; },
    "==": function (a, b) { return a == b; }, // eslint-disable-line eqeqeq
    "!=": function (a, b) { return a != b; }, // eslint-disable-line eqeqeq
    "===": function (a, b) { return a === b; },
    "!==": function (a, b) { return a !== b; },
    "<": function (a, b) { return a < b; },
    ">": function (a, b) { return a > b; },
    "<=": function (a, b) { return a <= b; },
    ">=": function (a, b) { return a >= b; },
    "&": function (a, b) { return a & b; },
    "|": function (a, b) { return a | b; },
    "^": function (a, b) { return a ^ b; },
    "<<": function (a, b) { return a << b; },
    ">>": function (a, b) { return a >> b; },
    ">>>": function (a, b) { return a >>> b; }
  };

  var UNARY = {
    "+": function (a) { return +a; },
    "-": function (a) { return -a; },
    "!": function (a) { return !a; },
    "~": function (a) { return ~a; }
  };

  function toDate(value) { return value instanceof Date ? value : new Date(value); }
  function makeDate(utc) {
    return function (year, month, day, hours, minutes, seconds, milliseconds) {
      if (typeof year === "string") { return new Date(year); }
      var parts = [year, month || 0, day === undefined ? 1 : day, hours || 0, minutes || 0,
        seconds || 0, milliseconds || 0];
      return utc ? Date.UTC.apply(null, parts)
        : new Date(parts[0], parts[1], parts[2], parts[3], parts[4], parts[5], parts[6]);
    };
  }
  function dateGetter(method) {
    return function (value) { return toDate(value)[method](); };
  }
  function stringMethod(method) {
    return function (text) {
      var rest = Array.prototype.slice.call(arguments, 1);
      return String.prototype[method].apply(String(text), rest);
    };
  }
  function sequenceMethod(method) {
    return function (sequence) {
      var rest = Array.prototype.slice.call(arguments, 1);
      return sequence[method].apply(sequence, rest);
    };
  }

  // Functions Vega's code generator writes inline (so they are not in the runtime's table).
  var INLINE = {
    isNaN: Number.isNaN, isFinite: Number.isFinite,
    abs: Math.abs, acos: Math.acos, asin: Math.asin, atan: Math.atan, atan2: Math.atan2,
    ceil: Math.ceil, cos: Math.cos, exp: Math.exp, floor: Math.floor, hypot: Math.hypot,
    log: Math.log, max: Math.max, min: Math.min, pow: Math.pow, random: Math.random,
    round: Math.round, sin: Math.sin, sqrt: Math.sqrt, tan: Math.tan,
    clamp: function (value, low, high) { return Math.max(low, Math.min(high, value)); },
    now: Date.now,
    datetime: makeDate(false), utc: makeDate(true),
    time: function (value) { return toDate(value).getTime(); },
    timezoneoffset: function (value) { return toDate(value).getTimezoneOffset(); },
    date: dateGetter("getDate"), day: dateGetter("getDay"), year: dateGetter("getFullYear"),
    month: dateGetter("getMonth"), hours: dateGetter("getHours"),
    minutes: dateGetter("getMinutes"), seconds: dateGetter("getSeconds"),
    milliseconds: dateGetter("getMilliseconds"),
    quarter: function (value) { return Math.floor(toDate(value).getMonth() / 3); },
    utcdate: dateGetter("getUTCDate"), utcday: dateGetter("getUTCDay"),
    utcyear: dateGetter("getUTCFullYear"), utcmonth: dateGetter("getUTCMonth"),
    utchours: dateGetter("getUTCHours"), utcminutes: dateGetter("getUTCMinutes"),
    utcseconds: dateGetter("getUTCSeconds"), utcmilliseconds: dateGetter("getUTCMilliseconds"),
    utcquarter: function (value) { return Math.floor(toDate(value).getUTCMonth() / 3); },
    length: function (value) { return value == null ? null : value.length; },
    join: sequenceMethod("join"), indexof: sequenceMethod("indexOf"),
    lastindexof: sequenceMethod("lastIndexOf"), slice: sequenceMethod("slice"),
    reverse: function (sequence) { return sequence.slice().reverse(); },
    sort: function (sequence) { return sequence.slice().sort(vega.ascending); },
    parseFloat: parseFloat, parseInt: parseInt,
    upper: stringMethod("toUpperCase"), lower: stringMethod("toLowerCase"),
    substring: stringMethod("substring"), split: stringMethod("split"),
    trim: stringMethod("trim"), replace: stringMethod("replace"),
    regexp: RegExp,
    test: function (pattern, text) { return new RegExp(pattern).test(text); }
  };

  // Functions that read the event that triggered a handler.
  var EVENT_FUNCTIONS = ["view", "item", "group", "xy", "x", "y"];

  function Scope(functions, params, datum, event, item) {
    this.functions = functions;
    this.params = params;
    this.datum = datum;
    this.event = event;
    this.item = item;
    this.asName = 0; // > 0 while reading a property name rather than a variable
  }

  Scope.prototype.call = function (name, args) {
    if (name.charAt(0) === "_") { name = name.slice(1); }
    if (name === "if") {
      return this.evaluate(args[0]) ? this.evaluate(args[1]) : this.evaluate(args[2]);
    }
    var event = this.event;
    if (EVENT_FUNCTIONS.indexOf(name) >= 0 && event && event.vega) {
      return event.vega[name].apply(event.vega, args.map(this.evaluate, this));
    }
    var fn = this.functions[name] || INLINE[name];
    if (typeof fn !== "function") { throw new Error("Unknown expression function: " + name); }
    return fn.apply(this.functions, args.map(this.evaluate, this));
  };

  Scope.prototype.evaluate = function (node) {
    switch (node.type) {
      case "Literal":
        if (node.regex) { return new RegExp(node.regex.pattern, node.regex.flags); }
        return node.value;
      case "Identifier":
        if (this.asName > 0) { return node.name; }
        if (node.name === "datum") { return this.datum; }
        if (node.name === "event") { return this.event; }
        if (node.name === "item") { return this.item; }
        if (Object.prototype.hasOwnProperty.call(CONSTANTS, node.name)) {
          return CONSTANTS[node.name];
        }
        return this.params ? this.params["$" + node.name] : undefined;
      case "MemberExpression": {
        var target = this.evaluate(node.object);
        if (!node.computed) { this.asName += 1; }
        var key = this.evaluate(node.property);
        if (!node.computed) { this.asName -= 1; }
        if (target == null) { return undefined; }
        var value = target[key];
        if (UNSAFE_KEYS[key] || UNSAFE.indexOf(value) >= 0) { return undefined; }
        return value;
      }
      case "CallExpression":
        return this.call(node.callee.name, node.arguments);
      case "ArrayExpression":
        return node.elements.map(this.evaluate, this);
      case "BinaryExpression":
        return BINARY[node.operator](this.evaluate(node.left), this.evaluate(node.right));
      case "UnaryExpression":
        return UNARY[node.operator](this.evaluate(node.argument));
      case "LogicalExpression":
        return node.operator === "&&"
          ? this.evaluate(node.left) && this.evaluate(node.right)
          : this.evaluate(node.left) || this.evaluate(node.right);
      case "ConditionalExpression":
        return this.evaluate(node.test) ? this.evaluate(node.consequent)
          : this.evaluate(node.alternate);
      case "ObjectExpression": {
        var result = {};
        for (var i = 0; i < node.properties.length; i += 1) {
          var property = node.properties[i];
          this.asName += 1;
          var name = this.evaluate(property.key);
          this.asName -= 1;
          var member = this.evaluate(property.value);
          if (!UNSAFE_KEYS[name] && UNSAFE.indexOf(member) < 0) { result[name] = member; }
        }
        return result;
      }
      default:
        throw new Error("Unsupported expression: " + node.type);
    }
  };

  function run(ast, functions, params, datum, event, item) {
    return new Scope(functions, params, datum, event, item).evaluate(ast);
  }

  // Rect-like marks given x and x2 (or y and y2) need a width (or height), as Vega's
  // generated encoders compute.
  function fillExtent(item, channels, swap) {
    var pairs = [["x", "x2", "width", "xc"], ["y", "y2", "height", "yc"]];
    pairs.forEach(function (pair) {
      var start = pair[0], end = pair[1], size = pair[2], centre = pair[3];
      if (channels[end]) {
        if (channels[start]) {
          if (swap && item[start] > item[end]) {
            var low = item[end];
            item[end] = item[start];
            item[start] = low;
          }
          item[size] = item[end] - item[start];
        } else {
          item[start] = item[end] - (item[size] || 0);
        }
      }
      if (channels[centre]) { item[start] = item[centre] - (item[size] || 0) / 2; }
    });
  }

  vega.expressionInterpreter = {
    operator: function (context, expression) {
      return function (params) { return run(expression.ast, context.functions, params); };
    },
    parameter: function (context, expression) {
      return function (datum, params) {
        return run(expression.ast, context.functions, params, datum);
      };
    },
    event: function (context, expression) {
      return function (event) {
        return run(expression.ast, context.functions, undefined, undefined, event);
      };
    },
    handler: function (context, expression) {
      return function (params, event) {
        var datum = event.item && event.item.datum;
        return run(expression.ast, context.functions, params, datum, event);
      };
    },
    encode: function (context, encode) {
      var channels = encode.channels;
      var swap = ["group", "image", "rect"].indexOf(encode.marktype) >= 0;
      return function (item, params) {
        var changed = 0;
        Object.keys(channels).forEach(function (name) {
          var value = run(channels[name].ast, context.functions, params, item.datum,
            undefined, item);
          if (item[name] !== value) {
            item[name] = value;
            changed = 1;
          }
        });
        if (encode.marktype !== "rule") { fillExtent(item, channels, swap); }
        return changed;
      };
    }
  };
})();
