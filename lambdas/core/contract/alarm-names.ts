/**
 * The alarms payprobe creates for each processor, their severity and names. lib/ creates alarms from this
 * table and the diagnose Lambda parses alarm names with it, so the two can never drift apart.
 */
import type { Stage } from './classes';
import { METRICS, type MetricName } from './metric-names';

export type Severity = 'critical' | 'warning';

export interface AlarmKind {
  readonly severity: Severity;
  /** Plain words for the alarm name and the page subject. */
  readonly title: string;
  /** The stage the alarm is about, when it is about one. */
  readonly stage: Stage | null;
  /** The metric it watches. */
  readonly metric: MetricName;
}

export const ALARM_KINDS = {
  HandshakeFailing: {
    severity: 'critical',
    title: 'TLS handshake failing',
    stage: 'tls',
    metric: METRICS.handshakeFailure,
  },
  AuthRejected: {
    severity: 'critical',
    title: 'credentials rejected',
    stage: 'auth',
    metric: METRICS.authFailure,
  },
  AvailabilityLow: {
    severity: 'critical',
    title: 'probes failing (DNS, connect, HTTP, config)',
    stage: null,
    metric: METRICS.success,
  },
  ProbeNotRunning: { severity: 'critical', title: 'probe not running', stage: null, metric: METRICS.success },
  LatencyHigh: { severity: 'warning', title: 'latency above budget', stage: null, metric: METRICS.totalTime },
  CertExpiring: {
    severity: 'warning',
    title: 'server certificate expiring',
    stage: 'tls',
    metric: METRICS.certDaysToExpiry,
  },
  ClientCertExpiring: {
    severity: 'warning',
    title: 'our client certificate expiring',
    stage: 'tls',
    metric: METRICS.clientCertDaysToExpiry,
  },
} as const satisfies Record<string, AlarmKind>;

export type AlarmKindName = keyof typeof ALARM_KINDS;

export const ALARM_NAME_PREFIX = 'PayProbe';

/** `PayProbe-stripe-HandshakeFailing`: stable, unique per region, parseable by parseAlarmName. */
export function alarmName(processor: string, kind: AlarmKindName): string {
  return `${ALARM_NAME_PREFIX}-${processor}-${kind}`;
}

/**
 * The gateway alarm (how many processors fail at once): `PayProbe-ProcessorsFailing-<gateway>`. Processor names
 * are lower-case, so no processor alarm can take this form; parseAlarmName leaves it alone.
 */
export function gatewayAlarmName(gateway: string): string {
  return `${ALARM_NAME_PREFIX}-${GATEWAY_ALARM_KIND}-${gateway}`;
}

/** The kind part of the gateway alarm's name. */
export const GATEWAY_ALARM_KIND = 'ProcessorsFailing';

/** The gateway of a gateway alarm's name, or undefined for any other name. */
export function parseGatewayAlarmName(name: string): string | undefined {
  const prefix = `${ALARM_NAME_PREFIX}-${GATEWAY_ALARM_KIND}-`;
  return name.startsWith(prefix) && name.length > prefix.length ? name.slice(prefix.length) : undefined;
}

/** The alarm kinds whose failures can join a cross-processor incident (the critical probe-failure alarms). */
export const INCIDENT_KINDS: ReadonlySet<AlarmKindName> = new Set<AlarmKindName>([
  'HandshakeFailing',
  'AuthRejected',
  'AvailabilityLow',
  'ProbeNotRunning',
]);

export function parseAlarmName(name: string): { processor: string; kind: AlarmKindName } | undefined {
  const prefix = `${ALARM_NAME_PREFIX}-`;
  if (!name.startsWith(prefix)) return undefined;
  for (const kind of Object.keys(ALARM_KINDS) as AlarmKindName[]) {
    const suffix = `-${kind}`;
    if (name.endsWith(suffix) && name.length > prefix.length + suffix.length) {
      return { processor: name.slice(prefix.length, -suffix.length), kind };
    }
  }
  return undefined;
}

/**
 * The live audit's warning alarm on AuditFindings: `PayProbe-AuditFindings-<processor>`. Not an ALARM_KINDS
 * entry: the diagnose Lambda's rule matches `PayProbe-<processor>-*`, and a live-audit finding needs no
 * re-probe (the audit run pages the findings itself, lambdas/probe/audit.ts).
 */
export const AUDIT_ALARM_KIND = 'AuditFindings';

export function auditAlarmName(processor: string): string {
  return `${ALARM_NAME_PREFIX}-${AUDIT_ALARM_KIND}-${processor}`;
}
