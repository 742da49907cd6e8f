/**
 * EventBridge event patterns, for routing the evaluator's alarm state changes to the functions the stack's
 * event rules target (the diagnose function). Written to the EventBridge user guide ("Amazon EventBridge
 * event patterns", "Content filtering in event patterns"): every field of the pattern must match; a
 * pattern leaf is a list of alternatives; a list in the event matches when any of its elements does;
 * matchers `prefix`, `suffix`, `anything-but` (a value, a list or `{ prefix }`), `exists` and
 * `equals-ignore-case`. Anything else (numeric, wildcard, cidr, $or) throws by name rather than guess.
 *
 * Why not moto's EventBridge (rule on the default bus, an SQS queue as the target): it matches these
 * patterns as well, but moto 5 compiles jsonpath parsers on every delivery to a target, about half a second
 * each, and a replay routes dozens of state changes; it has no TestEventPattern either.
 */

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Whether `event` matches the EventBridge `pattern` (an object, as in a rule's EventPattern). */
export function matchesEventPattern(pattern: unknown, event: unknown): boolean {
  if (!isObject(pattern)) throw new Error('an event pattern is a JSON object');
  return matchObject(pattern, event as Json);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function matchObject(pattern: Record<string, unknown>, event: Json | undefined): boolean {
  return Object.entries(pattern).every(([key, sub]) => {
    if (key.startsWith('$')) throw new Error(`event pattern: ${key} is not supported`);
    const value = isObject(event) ? event[key] : undefined;
    if (Array.isArray(sub)) return matchLeaf(sub, value);
    if (isObject(sub)) return matchObject(sub, value);
    throw new Error(`event pattern: the value of "${key}" must be a list or an object`);
  });
}

/** A leaf: the event's value (or any element of it) matches one of the alternatives. */
function matchLeaf(alternatives: readonly unknown[], value: Json | undefined): boolean {
  for (const alt of alternatives) {
    if (isObject(alt) && 'exists' in alt) {
      if ((value !== undefined) === alt.exists) return true;
      continue;
    }
    const candidates = Array.isArray(value) ? value : value === undefined ? [] : [value];
    if (candidates.some((v) => matchOne(alt, v))) return true;
  }
  return false;
}

function matchOne(alt: unknown, v: Json): boolean {
  if (!isObject(alt)) return alt === v;
  const [op, arg, ...more] = Object.entries(alt).flat();
  if (more.length > 0) throw new Error(`event pattern: one matcher per object (${JSON.stringify(alt)})`);
  switch (op) {
    case 'prefix':
      return typeof v === 'string' && typeof arg === 'string' && v.startsWith(arg);
    case 'suffix':
      return typeof v === 'string' && typeof arg === 'string' && v.endsWith(arg);
    case 'equals-ignore-case':
      return typeof v === 'string' && typeof arg === 'string' && v.toLowerCase() === arg.toLowerCase();
    case 'anything-but':
      if (isObject(arg)) return !matchOne(arg, v);
      return !(Array.isArray(arg) ? arg : [arg]).some((a) => a === v);
    default:
      throw new Error(`event pattern: matcher "${String(op)}" is not supported`);
  }
}
