/**
 * Builds the one PutMetricData request of a probe run (docs/lambda.md "Metrics"). Metric names come
 * only from lambdas/core/contract/metric-names.ts; which of them a run carries follows
 * lambdas/core/policy/publishing.ts and the
 * processor's metrics mode. With dimension Processor:
 * - every run: Success, HandshakeFailure, AuthFailure (Count, 1/0); TotalTime unless the run failed at
 *   stage config; TlsTime when the handshake was timed (Milliseconds);
 * - on failure: Failure = 1 with dimensions Processor and Class;
 * - InputChanged = 1 only on a run where an input changed;
 * - DnsTime, ConnectTime, FirstByteTime (the phases reached) and CertDaysToExpiry (when a server certificate
 *   was seen, also when the handshake failed because of it) / ClientCertDaysToExpiry (mTLS; None:
 *   CloudWatch has no day unit): on every run in `full` mode (the default), on the runs publishing.ts
 *   makes them due in `sampled` mode.
 * Every datapoint is stamped with the start of the run's slot.
 */
import type { MetricDatum, PutMetricDataCommandInput, StandardUnit } from '@aws-sdk/client-cloudwatch';
import {
  DIMENSION_CLASS,
  DIMENSION_PROCESSOR,
  METRIC_NAMESPACE,
  METRICS,
  type MetricName,
  TIMING_METRICS,
} from '../core/contract/metric-names';
import type { ProbeResult } from '../core/contract/result';
import {
  DEFAULT_PUBLISHING,
  PUBLISHING,
  type PublishThresholds,
  sampledDue,
} from '../core/policy/publishing';

export interface MetricOptions {
  /** Sub-minute probing: StorageResolution 1 on every datapoint. Otherwise standard (60 s) resolution. */
  readonly highResolution: boolean;
  /** Whether a resolved input changed since the last run this environment saw. */
  readonly inputChanged: boolean;
  /** The datapoints' timestamp: the start of the run's slot. @default the result's startedAt */
  readonly timestamp?: Date;
  /**
   * The processor's metrics mode and, in sampled mode, the thresholds that make the sampled metrics due
   * (publishThresholds(processor)). @default DEFAULT_PUBLISHING (full mode: every metric on every run)
   */
  readonly thresholds?: PublishThresholds;
  /** Whether the server or client certificate changed since the previous run this environment saw. @default false */
  readonly certificateChanged?: boolean;
}

export function buildMetricData(result: ProbeResult, options: MetricOptions): PutMetricDataCommandInput {
  const timestamp = options.timestamp ?? new Date(result.startedAt);
  const publishing = options.thresholds ?? DEFAULT_PUBLISHING;
  const rules = PUBLISHING[publishing.mode];
  const due = sampledDue(result, timestamp, publishing, options.certificateChanged ?? false);
  const processor = [{ Name: DIMENSION_PROCESSOR, Value: result.processor }];
  const data: MetricDatum[] = [];
  const put = (name: MetricName, value: number, unit: StandardUnit, dimensions = processor): void => {
    data.push({
      MetricName: name,
      Dimensions: dimensions,
      Timestamp: timestamp,
      Value: value,
      Unit: unit,
      ...(options.highResolution ? { StorageResolution: 1 } : {}),
    });
  };
  put(METRICS.success, result.ok ? 1 : 0, 'Count');
  put(METRICS.handshakeFailure, result.stage === 'tls' ? 1 : 0, 'Count');
  put(METRICS.authFailure, result.stage === 'auth' ? 1 : 0, 'Count');
  // A run that failed at stage config never reached the network: its total time is not a latency.
  if (result.stage !== 'config') put(METRICS.totalTime, result.timings.totalMs, 'Milliseconds');
  for (const { metric, field } of TIMING_METRICS) {
    const ms = result.timings[field];
    if (ms !== null && (rules[metric].when === 'every-run' || due.phases)) put(metric, ms, 'Milliseconds');
  }
  if (due.certificates) {
    const serverCert = result.tls?.serverCert;
    if (serverCert) put(METRICS.certDaysToExpiry, serverCert.daysToExpiry, 'None');
    const clientCert = result.tls?.clientCert;
    if (clientCert) put(METRICS.clientCertDaysToExpiry, clientCert.daysToExpiry, 'None');
  }
  if (!result.ok && result.class) {
    put(METRICS.failure, 1, 'Count', [...processor, { Name: DIMENSION_CLASS, Value: result.class }]);
  }
  if (options.inputChanged) put(METRICS.inputChanged, 1, 'Count');
  return { Namespace: METRIC_NAMESPACE, MetricData: data };
}
