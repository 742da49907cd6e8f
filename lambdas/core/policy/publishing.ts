/**
 * Which metrics a probe run publishes, and on which runs. Always one PutMetricData call per run
 * (docs/lambda.md "Metrics"); the processor's `metrics` setting (schema.ts METRICS_MODES) decides
 * which metrics that call carries.
 *
 * `metrics: full` (the default) is the documented contract:
 * - every run: Success, HandshakeFailure, AuthFailure, TotalTime (past stage config), DnsTime, ConnectTime,
 *   TlsTime, FirstByteTime (the phases reached), CertDaysToExpiry (when a server certificate was seen, also
 *   when the handshake failed because of it), ClientCertDaysToExpiry (mTLS);
 * - failed runs: Failure with dimension Class;
 * - InputChanged: only on a run where an input changed, with value 1 (no alarm watches it; the log line
 *   names the fields).
 *
 * `metrics: sampled` is an opt-in cost mode. CloudWatch bills a custom metric for every hour in which it
 * receives at least one datapoint ($0.30 a metric-month, prorated by the hour). A metric written once an hour
 * costs exactly as much as one written every minute; only hours WITHOUT the metric save money. So the metrics
 * the alarms and the status need at full resolution still go out on every run, and the ones that change
 * slowly, or matter only when something is wrong, go out in fixed UTC "sample hours" (every run of that hour)
 * and on every run where they matter:
 * - every run: Success, HandshakeFailure, AuthFailure, TotalTime, TlsTime; Failure and InputChanged as above;
 * - DnsTime, ConnectTime, FirstByteTime (the phase breakdown): every run in every 12th UTC hour (00 and 12)
 *   as a baseline, and on every run that failed or took longer than the latency budget, which is when
 *   on-call reads which phase grew. The dashboard's stacked phases then show TLS alone most of the time;
 * - CertDaysToExpiry, ClientCertDaysToExpiry: every run in every 3rd UTC hour (so any 3-hour dashboard range
 *   holds one), and on every run that failed at stage tls, whose certificate is inside its warning window
 *   (the CertExpiring alarms, 1-hour periods with missing data ignored, then see data every hour), or whose
 *   certificate changed since the previous run this execution environment saw (a renewal clears the warning
 *   within the hour).
 *
 * The UTC hour is the datapoints' timestamp (the start of the run's slot). The cost model
 * (lambdas/core/cost/cost.ts) prices each metric of each mode from publishingRules(mode).
 */
import { isWithinExpiryWindow } from '../checks/expiry';
import type { ProcessorConfig } from '../config/model';
import type { MetricsMode } from '../config/schema';
import { METRICS, type MetricName } from '../contract/metric-names';
import type { ProbeResult } from '../contract/result';
import { InputTracker } from '../diagnosis/input-changes';

/** When a metric is published. */
export type PublishRule =
  | { readonly when: 'every-run' }
  | { readonly when: 'failed-run' }
  | { readonly when: 'input-changed' }
  /** Every run in every `everyHours`-th UTC hour, and on the runs where `also` says it matters. */
  | {
      readonly when: 'sampled';
      readonly everyHours: number;
      readonly also: 'failed-or-slow' | 'certificate';
    };

/** The mode of a processor that does not set `metrics`: every documented metric (docs/lambda.md "Metrics") on every run. */
export const DEFAULT_METRICS_MODE: MetricsMode = 'full';

/** Sample hours of the phase timings in sampled mode: every 12th UTC hour (00 and 12). */
export const PHASE_SAMPLE_HOURS = 12;
/** Sample hours of the certificate days in sampled mode: every 3rd UTC hour (a 3-hour dashboard range always holds one). */
export const CERT_SAMPLE_HOURS = 3;

const EVERY_RUN: PublishRule = { when: 'every-run' };
const PHASES: PublishRule = { when: 'sampled', everyHours: PHASE_SAMPLE_HOURS, also: 'failed-or-slow' };
const CERTS: PublishRule = { when: 'sampled', everyHours: CERT_SAMPLE_HOURS, also: 'certificate' };

const FULL: Readonly<Record<MetricName, PublishRule>> = {
  [METRICS.success]: EVERY_RUN,
  [METRICS.handshakeFailure]: EVERY_RUN,
  [METRICS.authFailure]: EVERY_RUN,
  [METRICS.totalTime]: EVERY_RUN,
  [METRICS.tlsTime]: EVERY_RUN,
  [METRICS.failure]: { when: 'failed-run' },
  [METRICS.inputChanged]: { when: 'input-changed' },
  [METRICS.dnsTime]: EVERY_RUN,
  [METRICS.connectTime]: EVERY_RUN,
  [METRICS.firstByteTime]: EVERY_RUN,
  [METRICS.certDaysToExpiry]: EVERY_RUN,
  [METRICS.clientCertDaysToExpiry]: EVERY_RUN,
};

/** The publishing rule of every metric in metric-names.ts, per metrics mode. */
export const PUBLISHING: Readonly<Record<MetricsMode, Readonly<Record<MetricName, PublishRule>>>> = {
  full: FULL,
  sampled: {
    ...FULL,
    [METRICS.dnsTime]: PHASES,
    [METRICS.connectTime]: PHASES,
    [METRICS.firstByteTime]: PHASES,
    [METRICS.certDaysToExpiry]: CERTS,
    [METRICS.clientCertDaysToExpiry]: CERTS,
  },
};

/** The rules of one mode. */
export function publishingRules(mode: MetricsMode): Readonly<Record<MetricName, PublishRule>> {
  return PUBLISHING[mode];
}

/** A processor's metrics mode and, for sampled mode, the thresholds that make the sampled metrics due on a run. */
export interface PublishThresholds {
  /** `full` publishes every metric on every run (the thresholds are not used). */
  readonly mode: MetricsMode;
  /** A run slower than this publishes its phase timings (the LatencyHigh alarm's threshold). */
  readonly latencyBudgetMs: number;
  /** A server certificate with this many days left or fewer publishes CertDaysToExpiry on every run. */
  readonly certExpiryWarningDays: number;
  /** The same for our client certificate and ClientCertDaysToExpiry. */
  readonly clientCertExpiryWarningDays: number;
}

/** What a run publishes when nothing says otherwise: the default mode (full). No threshold is ever met. */
export const DEFAULT_PUBLISHING: PublishThresholds = {
  mode: DEFAULT_METRICS_MODE,
  latencyBudgetMs: Number.POSITIVE_INFINITY,
  certExpiryWarningDays: Number.NEGATIVE_INFINITY,
  clientCertExpiryWarningDays: Number.NEGATIVE_INFINITY,
};

/** A processor's mode and thresholds, as its alarms use them (latency budget defaults to slowResponseMs). */
export function publishThresholds(
  p: Pick<ProcessorConfig, 'slowResponseMs' | 'alarms' | 'tls'> & { readonly metrics?: MetricsMode },
): PublishThresholds {
  return {
    mode: p.metrics ?? DEFAULT_METRICS_MODE,
    latencyBudgetMs: p.alarms.latencyBudgetMs ?? p.slowResponseMs,
    certExpiryWarningDays: p.tls.certExpiryWarningDays,
    clientCertExpiryWarningDays: p.tls.clientCertExpiryWarningDays,
  };
}

/** Whether a datapoint stamped `at` falls in a sample hour of a metric sampled every `everyHours` hours. */
export function inSampleHour(at: Date, everyHours: number): boolean {
  return at.getUTCHours() % everyHours === 0;
}

/** Whether a run carries each group of sampled metrics (always, in full mode). */
export interface SampledDue {
  readonly phases: boolean;
  readonly certificates: boolean;
}

/** Whether this run carries the phase timings and the certificate days (sampled mode decides by the hour and the run). */
export function sampledDue(
  result: ProbeResult,
  at: Date,
  thresholds: PublishThresholds,
  certificateChanged: boolean,
): SampledDue {
  if (thresholds.mode === 'full') return { phases: true, certificates: true };
  const slow =
    result.timings.totalMs > thresholds.latencyBudgetMs ||
    result.warnings.some((w) => w.class === 'SLOW_RESPONSE');
  const phases = inSampleHour(at, PHASE_SAMPLE_HOURS) || !result.ok || slow;
  const server = result.tls?.serverCert?.daysToExpiry;
  const client = result.tls?.clientCert?.daysToExpiry;
  const expiring =
    (server !== undefined && isWithinExpiryWindow(server, thresholds.certExpiryWarningDays)) ||
    (client !== undefined && isWithinExpiryWindow(client, thresholds.clientCertExpiryWarningDays)) ||
    result.warnings.some((w) => w.class === 'CERT_EXPIRING_SOON' || w.class === 'CLIENT_CERT_EXPIRING_SOON');
  const certificates =
    inSampleHour(at, CERT_SAMPLE_HOURS) || result.stage === 'tls' || expiring || certificateChanged;
  return { phases, certificates };
}

/**
 * Remembers the server certificate (SHA-256 fingerprint) and our client certificate (its expiry) of the
 * previous runs of this execution environment, to publish the certificate days on the run where either
 * changed. Same rules as input changes: a cold start has no previous state, and a run that saw no
 * certificate is not a change.
 */
export class CertificateTracker {
  private readonly seen = new InputTracker();

  /** True when a certificate of this run differs from the one seen before. */
  observe(result: ProbeResult): boolean {
    const ids: Record<string, string> = {};
    const server = result.tls?.serverCert?.fingerprint256;
    const client = result.tls?.clientCert?.validTo;
    if (server) ids.server = server;
    if (client) ids.client = client;
    return this.seen.observe(ids).changed.length > 0;
  }
}
