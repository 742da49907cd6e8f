/**
 * The one place that names payprobe's CloudWatch metrics. The probe Lambda writes them and lib/ builds
 * alarms and dashboards from them, so an alarm can never watch a metric nobody writes. Only what the alarms
 * watch is a metric; the phase timings live in the structured probe log (lambdas/core/policy/publishing.ts).
 * Contract: docs/contracts.md "Metrics".
 */

export const METRIC_NAMESPACE = 'PayProbe';

export const DIMENSION_PROCESSOR = 'Processor';
export const DIMENSION_CLASS = 'Class';

export const METRICS = {
  /** 1 when the whole probe passed, else 0. */
  success: 'Success',
  /** 1 when the run failed at stage tls, else 0. */
  handshakeFailure: 'HandshakeFailure',
  /** 1 when the run failed at stage auth, else 0. */
  authFailure: 'AuthFailure',
  /** 1 on a failing run, with dimensions Processor and Class. */
  failure: 'Failure',
  /** The whole probe in ms, on runs that passed (LatencyHigh watches successful requests only). */
  totalTime: 'TotalTime',
  certDaysToExpiry: 'CertDaysToExpiry',
  clientCertDaysToExpiry: 'ClientCertDaysToExpiry',
  /** 1 when a resolved probe input (endpoint, CA bundle, credential version, ...) changed since the last run. */
  inputChanged: 'InputChanged',
} as const;

/**
 * Findings of warning severity or worse in the processor's live settings (dimension Processor), published by
 * every live audit run (lambdas/probe/audit.ts), never by a probe run: apart from METRICS, whose names are
 * what a probe run publishes.
 */
export const AUDIT_FINDINGS_METRIC = 'AuditFindings';

export type MetricName = (typeof METRICS)[keyof typeof METRICS];

/** Dimension of the gateway-wide metric: the gateway (by default the stack name; shards of one gateway share it). */
export const DIMENSION_GATEWAY = 'Gateway';

/**
 * The gateway-wide metric, dimension Gateway only: every probe run adds intervalSeconds / 60 when it failed
 * and 0 when it passed, so its one-minute Sum is the number of processors failing at once (a processor that
 * fails every run of the minute counts 1 at any interval). The gateway alarm (lib/constructs/gateway-alarm.ts)
 * watches it. Contract: docs/contracts.md "Metrics", the gateway metric.
 */
export const GATEWAY_METRIC = 'FailingProcessors';

/** The value a probe run adds to GATEWAY_METRIC: its share of the minute when it failed, else 0. */
export function failingShare(ok: boolean, intervalSeconds: number): number {
  return ok ? 0 : Math.min(1, intervalSeconds / 60);
}
