/**
 * CloudWatch metric math, the subset payprobe's alarms use, evaluated on sparse time series over an alarm's
 * evaluation grid. Semantics follow the CloudWatch user guide, "Use metric math"
 * (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/using-metric-math.html):
 * - arithmetic `+ - * / ^` and unary minus: "Missing values in a time series are treated as 0" (two series
 *   combine over the union of their timestamps); a division by zero drops the datapoint;
 * - comparison `== != <= >= < >` and logical `AND && OR ||`: 0/1 per timestamp; "when only one of the time
 *   series has a value for a particular time stamp, the function treats the missing value in the other time
 *   series as 0";
 * - IF(condition, trueValue[, falseValue]) with the per-syntax rules of "Using IF expressions" (a TRUE
 *   condition with no trueValue datapoint gives 0, a FALSE one with no falseValue datapoint is dropped, the
 *   output has the condition's timestamps);
 * - FILL(series, constant | series): a value for every period of the evaluation grid. Whether FILL
 *   produces anything for a series with no datapoint at all in the range is not documented: by default it
 *   does not (the result is empty, so the alarm's TreatMissingData decides), `fillEmptySeries` flips it;
 * - SUM / AVG / MIN / MAX of an array `[a, b]` (a series, per timestamp, of the values present) or of one
 *   series (a scalar over the whole range).
 * Every other function (REPEAT/LINEAR fills, METRICS(), SEARCH, RATE, ...) fails with a message naming it.
 * Stack expressions in use: `100 * (success + handshake + auth)`, `IF(FILL(runs, 0) < 1 OR FILL(errors, 0) > 0,
 * 1, 0)`, `FILL(errors, 0) + FILL(dropped, 0) + FILL(undelivered, 0) + FILL(destinationFailures, 0)`.
 */

/** A sparse time series: period start (epoch ms) → value. */
export type Series = ReadonlyMap<number, number>;

export const SUPPORTED_FUNCTIONS = ['FILL', 'IF', 'SUM', 'AVG', 'MIN', 'MAX'] as const;

export interface MathContext {
  /** Every period start of the evaluation range, oldest first (what FILL fills). */
  readonly grid: readonly number[];
  /** The series of a query id (a MetricStat or another expression). */
  readonly lookup: (id: string) => Series;
  /** @default false */
  readonly fillEmptySeries?: boolean;
}

type Value =
  | { readonly kind: 'scalar'; readonly value: number }
  | { readonly kind: 'series'; readonly series: Series }
  | { readonly kind: 'array'; readonly items: readonly Series[] };

type Expr =
  | { readonly type: 'num'; readonly value: number }
  | { readonly type: 'id'; readonly name: string }
  | { readonly type: 'keyword'; readonly name: string }
  | { readonly type: 'neg'; readonly arg: Expr }
  | { readonly type: 'bin'; readonly op: string; readonly left: Expr; readonly right: Expr }
  | { readonly type: 'call'; readonly name: string; readonly args: readonly Expr[] }
  | { readonly type: 'array'; readonly items: readonly Expr[] };

/** Evaluates an expression to the single time series an alarm needs. */
export function evaluateExpression(expression: string, ctx: MathContext): Series {
  const v = evaluate(parseExpression(expression), ctx, expression);
  if (v.kind !== 'series') {
    throw new Error(
      `metric math "${expression}": an alarm needs a single time series, the result is a ${v.kind}`,
    );
  }
  return v.series;
}

/** The query ids an expression reads (for ordering expressions that use other expressions). */
export function expressionIds(expression: string): string[] {
  const ids = new Set<string>();
  const walk = (e: Expr): void => {
    if (e.type === 'id') ids.add(e.name);
    else if (e.type === 'neg') walk(e.arg);
    else if (e.type === 'bin') {
      walk(e.left);
      walk(e.right);
    } else if (e.type === 'call' || e.type === 'array')
      for (const a of e.type === 'call' ? e.args : e.items) walk(a);
  };
  walk(parseExpression(expression));
  return [...ids];
}

const TOKEN =
  /\s*(\d+(?:\.\d+)?(?:[eE][-+]?\d+)?|[A-Za-z_][A-Za-z0-9_]*|==|!=|<=|>=|&&|\|\||[-+*/^()[\],<>])/y;

function tokenize(text: string): string[] {
  const out: string[] = [];
  TOKEN.lastIndex = 0;
  let at = 0;
  while (at < text.length) {
    if (/^\s*$/.test(text.slice(at))) break;
    TOKEN.lastIndex = at;
    const m = TOKEN.exec(text);
    if (!m) throw new Error(`metric math "${text}": cannot read "${text.slice(at).trim()}"`);
    out.push(m[1] as string);
    at = TOKEN.lastIndex;
  }
  return out;
}

/** Parses an expression (exported for tests); throws with the position's text on a syntax error. */
export function parseExpression(text: string): Expr {
  const tokens = tokenize(text);
  let i = 0;
  const peek = (): string | undefined => tokens[i];
  const take = (expected?: string): string => {
    const t = tokens[i];
    if (t === undefined || (expected !== undefined && t !== expected)) {
      throw new Error(
        `metric math "${text}": expected ${expected ?? 'more'} at "${tokens.slice(i).join(' ')}"`,
      );
    }
    i++;
    return t;
  };
  const binary = (next: () => Expr, ops: readonly string[], normalize: (op: string) => string = (o) => o) => {
    return (): Expr => {
      let left = next();
      while (ops.includes(peek() ?? '')) {
        const op = normalize(take());
        left = { type: 'bin', op, left, right: next() };
      }
      return left;
    };
  };
  const primary = (): Expr => {
    const t = take();
    if (t === '(') {
      const e = or();
      take(')');
      return e;
    }
    if (t === '[') {
      const items = [or()];
      while (peek() === ',') {
        take(',');
        items.push(or());
      }
      take(']');
      return { type: 'array', items };
    }
    if (/^\d/.test(t)) return { type: 'num', value: Number(t) };
    if (/^[A-Za-z_]/.test(t)) {
      if (peek() === '(') {
        take('(');
        const args: Expr[] = [];
        if (peek() !== ')') {
          args.push(or());
          while (peek() === ',') {
            take(',');
            args.push(or());
          }
        }
        take(')');
        return { type: 'call', name: t, args };
      }
      return /^[A-Z][A-Z_]*$/.test(t) ? { type: 'keyword', name: t } : { type: 'id', name: t };
    }
    throw new Error(`metric math "${text}": unexpected "${t}"`);
  };
  const power = (): Expr => {
    const base = primary();
    if (peek() === '^') {
      take('^');
      return { type: 'bin', op: '^', left: base, right: unary() };
    }
    return base;
  };
  const unary = (): Expr => {
    if (peek() === '-') {
      take('-');
      return { type: 'neg', arg: unary() };
    }
    return power();
  };
  const mul = binary(unary, ['*', '/']);
  const add = binary(mul, ['+', '-']);
  const cmp = binary(add, ['==', '!=', '<=', '>=', '<', '>']);
  const and = binary(cmp, ['AND', '&&'], () => 'AND');
  const or = binary(and, ['OR', '||'], () => 'OR');
  const e = or();
  if (i < tokens.length) throw new Error(`metric math "${text}": unexpected "${tokens.slice(i).join(' ')}"`);
  return e;
}

function evaluate(e: Expr, ctx: MathContext, text: string): Value {
  const fail = (message: string): never => {
    throw new Error(`metric math "${text}": ${message}`);
  };
  switch (e.type) {
    case 'num':
      return { kind: 'scalar', value: e.value };
    case 'id':
      return { kind: 'series', series: ctx.lookup(e.name) };
    case 'keyword':
      return fail(`${e.name} is not supported here (supported functions: ${SUPPORTED_FUNCTIONS.join(', ')})`);
    case 'neg':
      return lift(evaluate(e.arg, ctx, text), { kind: 'scalar', value: -1 }, (a, b) => a * b);
    case 'array':
      return {
        kind: 'array',
        items: e.items.map((item) => {
          const v = evaluate(item, ctx, text);
          return v.kind === 'series' ? v.series : fail('an array holds time series only');
        }),
      };
    case 'bin': {
      const left = evaluate(e.left, ctx, text);
      const right = evaluate(e.right, ctx, text);
      const op = OPERATORS[e.op] ?? fail(`operator ${e.op} is not supported`);
      if (left.kind === 'array' && right.kind === 'array') return fail('an operator between two arrays');
      return lift(left, right, op);
    }
    case 'call':
      return call(e.name, e.args, ctx, text, fail);
  }
}

const OPERATORS: Readonly<Record<string, (a: number, b: number) => number>> = {
  '+': (a, b) => a + b,
  '-': (a, b) => a - b,
  '*': (a, b) => a * b,
  '/': (a, b) => (b === 0 ? Number.NaN : a / b),
  '^': (a, b) => a ** b,
  '==': (a, b) => Number(a === b),
  '!=': (a, b) => Number(a !== b),
  '<=': (a, b) => Number(a <= b),
  '>=': (a, b) => Number(a >= b),
  '<': (a, b) => Number(a < b),
  '>': (a, b) => Number(a > b),
  AND: (a, b) => Number(a !== 0 && b !== 0),
  OR: (a, b) => Number(a !== 0 || b !== 0),
};

/** Applies a binary operation over scalars, series (union, missing = 0) and arrays; NaN results are dropped. */
function lift(a: Value, b: Value, op: (x: number, y: number) => number): Value {
  if (a.kind === 'array')
    return { kind: 'array', items: a.items.map((s) => asSeries(lift(series(s), b, op))) };
  if (b.kind === 'array')
    return { kind: 'array', items: b.items.map((s) => asSeries(lift(a, series(s), op))) };
  if (a.kind === 'scalar' && b.kind === 'scalar') return { kind: 'scalar', value: op(a.value, b.value) };
  const out = new Map<number, number>();
  const put = (t: number, v: number) => {
    if (!Number.isNaN(v)) out.set(t, v);
  };
  if (a.kind === 'series' && b.kind === 'series') {
    for (const t of sortedUnion([a.series, b.series])) put(t, op(a.series.get(t) ?? 0, b.series.get(t) ?? 0));
  } else if (a.kind === 'series' && b.kind === 'scalar') {
    for (const [t, v] of a.series) put(t, op(v, b.value));
  } else if (a.kind === 'scalar' && b.kind === 'series') {
    for (const [t, v] of b.series) put(t, op(a.value, v));
  }
  return { kind: 'series', series: out };
}

function call(
  name: string,
  args: readonly Expr[],
  ctx: MathContext,
  text: string,
  fail: (message: string) => never,
): Value {
  const arity = (min: number, max: number) => {
    if (args.length < min || args.length > max)
      fail(`${name} takes ${min === max ? min : `${min} to ${max}`} arguments`);
  };
  switch (name) {
    case 'FILL': {
      arity(2, 2);
      const target = evaluate(args[0] as Expr, ctx, text);
      const filler = args[1] as Expr;
      if (filler.type === 'keyword')
        return fail(`FILL(..., ${filler.name}) is not supported (a constant or a series)`);
      const with_ = evaluate(filler, ctx, text);
      if (with_.kind === 'array') return fail('FILL with an array as filler');
      const fill = (s: Series): Series => {
        if (s.size === 0 && !ctx.fillEmptySeries) return s;
        const out = new Map<number, number>();
        for (const t of ctx.grid) {
          const v = s.get(t) ?? (with_.kind === 'scalar' ? with_.value : with_.series.get(t));
          if (v !== undefined) out.set(t, v);
        }
        return out;
      };
      if (target.kind === 'scalar') return fail('FILL of a scalar');
      return target.kind === 'array'
        ? { kind: 'array', items: target.items.map(fill) }
        : { kind: 'series', series: fill(target.series) };
    }
    case 'IF':
      arity(2, 3);
      return ifExpression(args, ctx, text, fail);
    case 'SUM':
    case 'AVG':
    case 'MIN':
    case 'MAX': {
      arity(1, 1);
      const reduce = REDUCERS[name];
      const v = evaluate(args[0] as Expr, ctx, text);
      if (v.kind === 'scalar') return fail(`${name} of a scalar`);
      if (v.kind === 'series') return { kind: 'scalar', value: reduce([...v.series.values()]) };
      const out = new Map<number, number>();
      for (const t of sortedUnion(v.items)) {
        const present = v.items.flatMap((s) => (s.has(t) ? [s.get(t) as number] : []));
        out.set(t, reduce(present));
      }
      return { kind: 'series', series: out };
    }
    default:
      return fail(`function ${name} is not supported (supported: ${SUPPORTED_FUNCTIONS.join(', ')})`);
  }
}

const REDUCERS: Readonly<Record<'SUM' | 'AVG' | 'MIN' | 'MAX', (values: readonly number[]) => number>> = {
  SUM: (v) => v.reduce((a, b) => a + b, 0),
  AVG: (v) => (v.length === 0 ? Number.NaN : v.reduce((a, b) => a + b, 0) / v.length),
  MIN: (v) => (v.length === 0 ? Number.NaN : Math.min(...v)),
  MAX: (v) => (v.length === 0 ? Number.NaN : Math.max(...v)),
};

function ifExpression(
  args: readonly Expr[],
  ctx: MathContext,
  text: string,
  fail: (m: string) => never,
): Value {
  const [condE, trueE, falseE] = args as [Expr, Expr, Expr | undefined];
  const cond = evaluate(condE, ctx, text);
  const whenTrue = evaluate(trueE, ctx, text);
  const whenFalse = falseE ? evaluate(falseE, ctx, text) : undefined;
  if (cond.kind === 'array' || whenTrue.kind === 'array' || whenFalse?.kind === 'array') {
    return fail('IF with an array argument');
  }
  if (cond.kind === 'scalar') {
    // IF(scalar1, metric2, metric3): metric2 or metric3 whole; an omitted metric3 gives an empty series.
    if (cond.value !== 0) return whenTrue;
    return whenFalse ?? { kind: 'series', series: new Map() };
  }
  const out = new Map<number, number>();
  for (const [t, c] of cond.series) {
    if (c !== 0) {
      // TRUE: trueValue, or 0 when the trueValue series has no datapoint at this timestamp.
      out.set(t, whenTrue.kind === 'scalar' ? whenTrue.value : (whenTrue.series.get(t) ?? 0));
    } else if (whenFalse !== undefined) {
      // FALSE: falseValue; dropped when the falseValue series has no datapoint here.
      const v = whenFalse.kind === 'scalar' ? whenFalse.value : whenFalse.series.get(t);
      if (v !== undefined) out.set(t, v);
    }
  }
  return { kind: 'series', series: out };
}

function series(s: Series): Value {
  return { kind: 'series', series: s };
}

function asSeries(v: Value): Series {
  if (v.kind !== 'series') throw new Error('metric math: expected a time series');
  return v.series;
}

function sortedUnion(list: readonly Series[]): number[] {
  const all = new Set<number>();
  for (const s of list) for (const t of s.keys()) all.add(t);
  return [...all].sort((a, b) => a - b);
}
