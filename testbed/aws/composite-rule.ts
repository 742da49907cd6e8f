/**
 * Composite alarm rules (`AlarmRule` of AWS::CloudWatch::CompositeAlarm): ALARM(x), OK(x),
 * INSUFFICIENT_DATA(x), TRUE and FALSE combined with AND, OR, NOT and parentheses, as the CloudWatch user
 * guide's "Create a composite alarm" (Rule expressions) describes. x is an alarm name or ARN, quoted or bare;
 * CDK writes quoted ARNs. NOT binds tighter than AND, AND tighter than OR.
 */
import type { AlarmStateValue } from './alarm-model';

export type AlarmRule =
  | { readonly type: 'const'; readonly value: boolean }
  | { readonly type: 'state'; readonly state: AlarmStateValue; readonly alarm: string }
  | { readonly type: 'not'; readonly arg: AlarmRule }
  | { readonly type: 'and' | 'or'; readonly args: readonly AlarmRule[] };

const STATES: readonly AlarmStateValue[] = ['ALARM', 'OK', 'INSUFFICIENT_DATA'];

/** Parses a rule; throws with the rule text on a syntax error. */
export function parseAlarmRule(text: string): AlarmRule {
  const tokens: string[] = [];
  const re = /\s*("(?:[^"\\]|\\.)*"|\(|\)|[^\s()"]+)/y;
  let at = 0;
  while (at < text.length && !/^\s*$/.test(text.slice(at))) {
    re.lastIndex = at;
    const m = re.exec(text);
    if (!m) throw new Error(`alarm rule "${text}": cannot read "${text.slice(at)}"`);
    tokens.push(m[1] as string);
    at = re.lastIndex;
  }
  let i = 0;
  const fail = (message: string): never => {
    throw new Error(`alarm rule "${text}": ${message}`);
  };
  const take = (expected?: string): string => {
    const t = tokens[i];
    if (t === undefined) return fail(`expected ${expected ?? 'more'} at the end`);
    if (expected !== undefined && t.toUpperCase() !== expected) fail(`expected ${expected}, found ${t}`);
    i++;
    return t;
  };
  const or = (): AlarmRule => {
    const args = [and()];
    while (tokens[i]?.toUpperCase() === 'OR') {
      take('OR');
      args.push(and());
    }
    return args.length === 1 ? (args[0] as AlarmRule) : { type: 'or', args };
  };
  const and = (): AlarmRule => {
    const args = [not()];
    while (tokens[i]?.toUpperCase() === 'AND') {
      take('AND');
      args.push(not());
    }
    return args.length === 1 ? (args[0] as AlarmRule) : { type: 'and', args };
  };
  const not = (): AlarmRule => {
    if (tokens[i]?.toUpperCase() === 'NOT') {
      take('NOT');
      return { type: 'not', arg: not() };
    }
    return primary();
  };
  const primary = (): AlarmRule => {
    const t = take();
    const upper = t.toUpperCase();
    if (t === '(') {
      const r = or();
      take(')');
      return r;
    }
    if (upper === 'TRUE' || upper === 'FALSE') return { type: 'const', value: upper === 'TRUE' };
    if ((STATES as readonly string[]).includes(upper)) {
      take('(');
      const raw = take();
      take(')');
      const alarm = raw.startsWith('"') ? raw.slice(1, -1).replace(/\\(.)/g, '$1') : raw;
      return { type: 'state', state: upper as AlarmStateValue, alarm };
    }
    return fail(`unexpected ${t}`);
  };
  const rule = or();
  if (i < tokens.length) fail(`unexpected ${tokens.slice(i).join(' ')}`);
  return rule;
}

/** The alarm names or ARNs a rule reads. */
export function ruleAlarms(rule: AlarmRule): string[] {
  switch (rule.type) {
    case 'const':
      return [];
    case 'state':
      return [rule.alarm];
    case 'not':
      return ruleAlarms(rule.arg);
    default:
      return rule.args.flatMap(ruleAlarms);
  }
}

/** Evaluates a rule against the alarms' current states (looked up by name or ARN). */
export function evaluateAlarmRule(rule: AlarmRule, stateOf: (alarm: string) => AlarmStateValue): boolean {
  switch (rule.type) {
    case 'const':
      return rule.value;
    case 'state':
      return stateOf(rule.alarm) === rule.state;
    case 'not':
      return !evaluateAlarmRule(rule.arg, stateOf);
    case 'and':
      return rule.args.every((r) => evaluateAlarmRule(r, stateOf));
    case 'or':
      return rule.args.some((r) => evaluateAlarmRule(r, stateOf));
  }
}
