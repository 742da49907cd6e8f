/**
 * Which metrics a probe run publishes, and on which runs: the one rule the probe Lambda (lambdas/probe/metrics.ts)
 * follows and the cost model (lambdas/core/cost/cost.ts) prices. Always one PutMetricData call per run
 * (docs/lambda.md "Metrics").
 *
 * One metrics mode, chosen by cost (docs/performance.md, figure 5c): CloudWatch bills a custom metric for every
 * hour in which it receives a datapoint ($0.30 a metric-month), so each metric a run carries costs about the same
 * whether it is written every minute or once an hour. The runs carry what the alarms watch and nothing else:
 * - every run: Success, HandshakeFailure, AuthFailure (1/0);
 * - a run that passed (warnings allowed): TotalTime. LatencyHigh is about successful requests: a timeout's
 *   total time is the budget, not a latency;
 * - a run that saw a server certificate (also when the handshake failed because of it): CertDaysToExpiry; with
 *   our own client certificate (mTLS): ClientCertDaysToExpiry;
 * - a failed run: Failure = 1 with dimension Class;
 * - a run whose resolved inputs changed since the previous one: InputChanged = 1.
 * The phase timings (DNS, connect, TLS, first byte, proxy) are in the structured probe log of every run and on
 * the dashboard through CloudWatch Logs Insights (lib/constructs/dashboard.ts); they are not custom metrics.
 */
import { METRICS, type MetricName } from '../contract/metric-names';
import type { ProbeResult } from '../contract/result';

/** When a metric is published. */
export type PublishRule =
  | { readonly when: 'every-run' }
  | { readonly when: 'passed-run' }
  | { readonly when: 'certificate-seen' }
  | { readonly when: 'failed-run' }
  | { readonly when: 'input-changed' };

/** The publishing rule of every metric in metric-names.ts. */
export const PUBLISHING: Readonly<Record<MetricName, PublishRule>> = {
  [METRICS.success]: { when: 'every-run' },
  [METRICS.handshakeFailure]: { when: 'every-run' },
  [METRICS.authFailure]: { when: 'every-run' },
  [METRICS.totalTime]: { when: 'passed-run' },
  [METRICS.certDaysToExpiry]: { when: 'certificate-seen' },
  [METRICS.clientCertDaysToExpiry]: { when: 'certificate-seen' },
  [METRICS.failure]: { when: 'failed-run' },
  [METRICS.inputChanged]: { when: 'input-changed' },
};

/** Whether a run with this result carries a metric under its rule (the value itself is metrics.ts's). */
export function carries(rule: PublishRule, result: ProbeResult, inputChanged: boolean): boolean {
  switch (rule.when) {
    case 'every-run':
      return true;
    case 'passed-run':
      return result.ok;
    case 'certificate-seen':
      return result.tls !== null && result.tls !== undefined;
    case 'failed-run':
      return !result.ok;
    case 'input-changed':
      return inputChanged;
  }
}
