/**
 * The one place that names payprobe's CloudWatch metrics. The probe Lambda writes them and lib/ builds
 * alarms and dashboards from them, so an alarm can never watch a metric nobody writes.
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
  totalTime: 'TotalTime',
  dnsTime: 'DnsTime',
  connectTime: 'ConnectTime',
  tlsTime: 'TlsTime',
  firstByteTime: 'FirstByteTime',
  certDaysToExpiry: 'CertDaysToExpiry',
  clientCertDaysToExpiry: 'ClientCertDaysToExpiry',
  /** 1 when a resolved probe input (endpoint, CA bundle, credential version, ...) changed since the last run. */
  inputChanged: 'InputChanged',
} as const;

export type MetricName = (typeof METRICS)[keyof typeof METRICS];

/** Phase timing metrics, in the order of the connection. */
export const TIMING_METRICS = [
  { metric: METRICS.dnsTime, field: 'dnsMs' },
  { metric: METRICS.connectTime, field: 'connectMs' },
  { metric: METRICS.tlsTime, field: 'tlsMs' },
  { metric: METRICS.firstByteTime, field: 'firstByteMs' },
] as const;
