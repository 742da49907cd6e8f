/**
 * Builds the one PutMetricData request of a probe run (../shared/DESIGN.md "Metrics"). Metric names come
 * only from lambdas/core/metric-names.ts. Per run, with dimension Processor:
 * Success, HandshakeFailure, AuthFailure, InputChanged (Count, 1/0); TotalTime and the phase timings
 * actually reached (Milliseconds); CertDaysToExpiry when a server certificate was seen, also when the
 * handshake failed because of it, and ClientCertDaysToExpiry when mTLS is configured (None: CloudWatch
 * has no day unit); and on failure Failure = 1 with dimensions Processor and Class.
 */
import type { MetricDatum, PutMetricDataCommandInput, StandardUnit } from '@aws-sdk/client-cloudwatch';
import {
  DIMENSION_CLASS,
  DIMENSION_PROCESSOR,
  METRIC_NAMESPACE,
  METRICS,
  type MetricName,
  TIMING_METRICS,
} from '../core/metric-names';
import type { ProbeResult } from '../core/result';

export interface MetricOptions {
  /** Sub-minute probing: StorageResolution 1 on every datapoint. Otherwise standard (60 s) resolution. */
  readonly highResolution: boolean;
  /** Whether a resolved input changed since the last run this environment saw. */
  readonly inputChanged: boolean;
}

export function buildMetricData(result: ProbeResult, options: MetricOptions): PutMetricDataCommandInput {
  const timestamp = new Date(result.startedAt);
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
    if (ms !== null) put(metric, ms, 'Milliseconds');
  }
  const serverCert = result.tls?.serverCert;
  if (serverCert) put(METRICS.certDaysToExpiry, serverCert.daysToExpiry, 'None');
  const clientCert = result.tls?.clientCert;
  if (clientCert) put(METRICS.clientCertDaysToExpiry, clientCert.daysToExpiry, 'None');
  if (!result.ok && result.class) {
    put(METRICS.failure, 1, 'Count', [...processor, { Name: DIMENSION_CLASS, Value: result.class }]);
  }
  put(METRICS.inputChanged, options.inputChanged ? 1 : 0, 'Count');
  return { Namespace: METRIC_NAMESPACE, MetricData: data };
}
