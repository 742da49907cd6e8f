/**
 * Builds the one PutMetricData request of a probe run (docs/lambda.md "Metrics"). Metric names come only from
 * lambdas/core/contract/metric-names.ts; which run carries which metric follows lambdas/core/policy/publishing.ts.
 * With dimension Processor:
 * - every run: Success, HandshakeFailure (stage tls, or proxy before it), AuthFailure (Count, 1/0);
 * - a run that passed: TotalTime (Milliseconds);
 * - a run that saw a server certificate: CertDaysToExpiry (also when the handshake failed because of it);
 *   with mTLS, ClientCertDaysToExpiry (None: CloudWatch has no day unit);
 * - on failure: Failure = 1 with dimensions Processor and Class;
 * - InputChanged = 1 only on a run where an input changed;
 * - with a gateway name: FailingProcessors with dimension Gateway only, intervalSeconds / 60 on a failing run
 *   and 0 on a passing one (its one-minute Sum counts the processors failing at once; the gateway alarm).
 * The phase timings are not metrics: they are in the run's structured log line. Every datapoint is stamped
 * with the start of the run's slot.
 */
import type { MetricDatum, PutMetricDataCommandInput, StandardUnit } from '@aws-sdk/client-cloudwatch';
import { isHandshakeStage } from '../core/contract/classes';
import {
  DIMENSION_CLASS,
  DIMENSION_GATEWAY,
  DIMENSION_PROCESSOR,
  failingShare,
  GATEWAY_METRIC,
  METRIC_NAMESPACE,
  METRICS,
  type MetricName,
} from '../core/contract/metric-names';
import type { ProbeResult } from '../core/contract/result';
import { carries, PUBLISHING } from '../core/policy/publishing';

export interface MetricOptions {
  /** Sub-minute probing: StorageResolution 1 on every datapoint. Otherwise standard (60 s) resolution. */
  readonly highResolution: boolean;
  /** Whether a resolved input changed since the last run this environment saw. */
  readonly inputChanged: boolean;
  /** The datapoints' timestamp: the start of the run's slot. @default the result's startedAt */
  readonly timestamp?: Date;
  /**
   * The gateway (ENV_GATEWAY) and the processor's probe interval: the run adds its share to the gateway-wide
   * FailingProcessors metric. @default none: no FailingProcessors datum
   */
  readonly gateway?: { readonly name: string; readonly intervalSeconds: number };
}

export function buildMetricData(result: ProbeResult, options: MetricOptions): PutMetricDataCommandInput {
  const timestamp = options.timestamp ?? new Date(result.startedAt);
  const processor = [{ Name: DIMENSION_PROCESSOR, Value: result.processor }];
  const data: MetricDatum[] = [];
  const put = (name: MetricName, value: number, unit: StandardUnit, dimensions = processor): void => {
    if (!carries(PUBLISHING[name], result, options.inputChanged)) return;
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
  // A proxy failure before the handshake pages like one: the integration is down (classes.ts HANDSHAKE_STAGES).
  put(METRICS.handshakeFailure, isHandshakeStage(result.stage) ? 1 : 0, 'Count');
  put(METRICS.authFailure, result.stage === 'auth' ? 1 : 0, 'Count');
  put(METRICS.totalTime, result.timings.totalMs, 'Milliseconds');
  const serverCert = result.tls?.serverCert;
  if (serverCert) put(METRICS.certDaysToExpiry, serverCert.daysToExpiry, 'None');
  const clientCert = result.tls?.clientCert;
  if (clientCert) put(METRICS.clientCertDaysToExpiry, clientCert.daysToExpiry, 'None');
  if (result.class) {
    put(METRICS.failure, 1, 'Count', [...processor, { Name: DIMENSION_CLASS, Value: result.class }]);
  }
  put(METRICS.inputChanged, 1, 'Count');
  if (options.gateway) {
    data.push({
      MetricName: GATEWAY_METRIC,
      Dimensions: [{ Name: DIMENSION_GATEWAY, Value: options.gateway.name }],
      Value: failingShare(result.ok, options.gateway.intervalSeconds),
      Unit: 'Count',
      Timestamp: timestamp,
    });
  }
  return { Namespace: METRIC_NAMESPACE, MetricData: data };
}
