/**
 * EventBridge between the alarm evaluator and the functions the stack wires to alarm state changes: each
 * state-change event goes to every function whose event rule (from the template, with its own pattern:
 * ./event-pattern.ts) matches it, as the default bus would route it. The event handed on is the one
 * CloudWatch emitted, unchanged (EventBridge does not rewrite events).
 *
 * What this does not show, and only an AWS account can: CloudWatch putting the event on the bus, delivery
 * latency, retries and the rule's MaximumEventAgeInSeconds, the resource policy letting EventBridge invoke
 * the function.
 */
import type { AlarmStateChangeEvent } from './alarm-events';
import { matchesEventPattern } from './event-pattern';
import type { StackFunction } from './stack-functions';

export interface RoutedEvent {
  readonly fn: StackFunction;
  readonly ruleId: string;
  readonly event: AlarmStateChangeEvent;
}

export class EventRouter {
  private readonly rules: readonly { fn: StackFunction; ruleId: string; pattern: unknown }[];

  constructor(fns: readonly StackFunction[]) {
    this.rules = fns.flatMap((fn) =>
      fn.eventRules.map((r) => ({ fn, ruleId: r.ruleId, pattern: r.pattern })),
    );
  }

  /** The event once for every rule target that matches it, in the template's order. */
  route(event: AlarmStateChangeEvent): RoutedEvent[] {
    return this.rules
      .filter((r) => matchesEventPattern(r.pattern, event))
      .map((r) => ({ fn: r.fn, ruleId: r.ruleId, event }));
  }
}
