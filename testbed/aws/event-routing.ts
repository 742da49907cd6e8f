/**
 * EventBridge between the alarm evaluator and the functions the stack wires to alarm state changes: each
 * state-change event goes to every function whose event rule (from the template, with its own pattern:
 * ./event-pattern.ts) matches it, as the default bus would route it. The event handed on is the one
 * CloudWatch emitted, unchanged (EventBridge does not rewrite events).
 *
 * SNS between an alarm action and the functions subscribed to its topic (snsDeliveries): the held-alarms topic
 * of processors with maintenance windows delivers CloudWatch's notification to the diagnose function, in the
 * event shape Lambda gets from SNS.
 *
 * What this does not show, and only an AWS account can: CloudWatch putting the event on the bus, delivery
 * latency, retries and the rule's MaximumEventAgeInSeconds, the resource policy letting EventBridge invoke
 * the function.
 */
import type { AlarmStateChangeEvent } from './alarm-events';
import { matchesEventPattern } from './event-pattern';
import type { PublishedNotification } from './sim';
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

/** The SNS event Lambda gets for one notification (one record; fields from the Lambda developer guide). */
export function snsLambdaEvent(n: PublishedNotification, fn: StackFunction): Record<string, unknown> {
  return {
    Records: [
      {
        EventSource: 'aws:sns',
        EventVersion: '1.0',
        EventSubscriptionArn: `${n.topicArn}:e2e-${fn.name}`,
        Sns: {
          Type: 'Notification',
          MessageId: `e2e-${n.alarmName}-${n.at}`,
          TopicArn: n.topicArn,
          Subject: n.subject,
          Message: n.message,
          Timestamp: new Date(n.at).toISOString(),
          SignatureVersion: '1',
          MessageAttributes: {},
        },
      },
    ],
  };
}

/** The functions subscribed to a notification's topic, each with the event SNS would invoke it with. */
export function snsDeliveries(
  fns: readonly StackFunction[],
  n: PublishedNotification,
): { readonly fn: StackFunction; readonly event: Record<string, unknown> }[] {
  return fns
    .filter((f) => f.topicSubscriptions.includes(n.topicArn))
    .map((fn) => ({ fn, event: snsLambdaEvent(n, fn) }));
}
