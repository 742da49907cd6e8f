/**
 * Alarm descriptions: which processor, what failed in plain words, and the first things to check for that
 * stage, with the runbook to open. They travel in every SNS notification, so a page says "stripe: TLS
 * handshake failing; check the CA bundle and client certificate" instead of "transactions dropped".
 */
import * as path from 'node:path';
import type { ProcessorConfig } from '../../lambdas/core/config/load';
import type { AlarmKindName } from '../../lambdas/core/contract/alarm-names';
import { confirmsFailures } from '../../lambdas/core/policy/probe-policy';
import { describeRef, isSecretRef } from '../../lambdas/core/secrets/resolver';
import type { MOfN } from './alarm-policy';

/** CloudWatch's limit on AlarmDescription. */
export const ALARM_DESCRIPTION_MAX = 1024;

export interface AlarmTextContext {
  /** The processor the alarm watches. */
  readonly processor: ProcessorConfig;
  /** The config file the processor came from (only its name appears in commands). */
  readonly configFile: string;
  /** Prefix of runbook links: a repository path or URL ending in `/`. */
  readonly runbookBaseUrl: string;
  /** The M-of-N of the probe-failure alarms. */
  readonly failureMOfN: MOfN;
  /** The period of the probe-period alarms: the probe interval (one probe per period). */
  readonly stagePeriodSeconds: number;
  /** AvailabilityLow's threshold (percent). */
  readonly availabilityThreshold: number;
  /** LatencyHigh's threshold. */
  readonly latencyBudgetMs: number;
  /** Minutes without a result before ProbeNotRunning fires. */
  readonly notRunningMinutes: number;
}

function host(processor: ProcessorConfig): string {
  const e = processor.endpoint;
  if (isSecretRef(e)) return `the endpoint from ${describeRef(e)}`;
  try {
    return new URL(e).host;
  } catch {
    return e;
  }
}

function serverName(processor: ProcessorConfig): string {
  const s = processor.tls.servername;
  if (s !== undefined && !isSecretRef(s)) return s;
  const e = processor.endpoint;
  if (isSecretRef(e)) return 'SERVERNAME';
  try {
    return new URL(e).hostname;
  } catch {
    return 'SERVERNAME';
  }
}

function connectTarget(processor: ProcessorConfig): string {
  const e = processor.endpoint;
  if (isSecretRef(e)) return 'HOST:443';
  try {
    const u = new URL(e);
    return `${u.hostname}:${u.port || (u.protocol === 'http:' ? '80' : '443')}`;
  } catch {
    return 'HOST:443';
  }
}

function credentialSources(processor: ProcessorConfig): string {
  const c = processor.auth?.credentials;
  if (!c) return 'the credential';
  const refs = Object.values(c).filter(isSecretRef).map(describeRef);
  return refs.length > 0 ? refs.join(', ') : 'the credential';
}

/**
 * "3 of the last 90 probes (15 min)", or "1 of the last 15 probes (15 min), confirmed by a re-probe" at 60 s;
 * and how the alarm recovers, which is what keeps a flapping endpoint to one page.
 */
function periods(ctx: AlarmTextContext): string {
  const { datapointsToAlarm: m, evaluationPeriods: n } = ctx.failureMOfN;
  const confirmed = confirmsFailures(ctx.processor.intervalSeconds) ? ', each confirmed by a re-probe' : '';
  const span = Math.round((n * ctx.stagePeriodSeconds) / 60);
  return `${m} of the last ${n} probe${n === 1 ? '' : 's'} (${span} min${confirmed})`;
}

function recovery(ctx: AlarmTextContext): string {
  const { datapointsToAlarm: m, evaluationPeriods: n } = ctx.failureMOfN;
  return `It stays in ALARM until fewer than ${m} of the last ${n} probes fail: an intermittent failure pages once.`;
}

/** The description of one alarm. Always within CloudWatch's 1024 characters. */
export function alarmDescription(kind: AlarmKindName, ctx: AlarmTextContext): string {
  const p = ctx.processor;
  const name = p.name;
  const rb = ctx.runbookBaseUrl;
  const check = `npx payprobe check --config ${path.basename(ctx.configFile)} --processor ${name}`;
  let text: string;
  switch (kind) {
    case 'HandshakeFailing':
      text =
        `${name}: the TLS handshake with ${host(p)} is failing (${periods(ctx)}). ` +
        `Payments to ${name} are probably failing too. ` +
        `Check first: the failure class in the page or the probe log - CERT_* = the server certificate or our trust store (CA bundle, pins), ` +
        'CLIENT_CERT_* = our mTLS certificate, TLS_VERSION_MISMATCH/TLS_HANDSHAKE_REJECTED = protocol or cipher settings, ' +
        'TLS_CONNECTION_RESET = a proxy or firewall in the path. ' +
        "Then: recent changes to the gateway's CA bundle, client certificate, TLS settings or egress proxy; " +
        `${check}; openssl s_client -connect ${connectTarget(p)} -servername ${serverName(p)}. ` +
        `${recovery(ctx)} Runbook: ${rb}<CLASS>.md, e.g. ${rb}CERT_UNTRUSTED.md.`;
      break;
    case 'AuthRejected':
      text =
        `${name}: ${host(p)} rejects our credentials (401/403 or OAuth invalid_client) in ${periods(ctx)}. ` +
        'TLS works; the credential does not. ' +
        `Check first: was ${credentialSources(p)} rotated, revoked or replaced with a sandbox key (or the reverse)? ` +
        `Is the account or its IP allow-list still valid? ${check}. ` +
        `${recovery(ctx)} Runbook: ${rb}AUTH_REJECTED.md.`;
      break;
    case 'AvailabilityLow':
      text =
        `${name}: probes to ${host(p)} failed at DNS, connect, HTTP or config in ${periods(ctx)}. ` +
        'TLS and auth failures are not counted here: they page as HandshakeFailing and AuthRejected. ' +
        'Check first: the failure class (page, probe log, or the dashboard widget "Failures by class") - ' +
        'DNS_FAILURE/CONNECT_* = DNS, egress, firewall or the processor being down (status page); ' +
        'HTTP_ERROR/RESPONSE_TIMEOUT = the processor API; CONFIG_ERROR = a secret or parameter payprobe cannot read. ' +
        `${check}. ${recovery(ctx)} Runbook: ${rb}<CLASS>.md (index: ${rb}README.md).`;
      break;
    case 'ProbeNotRunning':
      text =
        `${name}: no probe result for ${ctx.notRunningMinutes} minutes in a row, or the probe function failed: ${name} is NOT being monitored. ` +
        "Check first: the probe function's Errors and its log (PutMetricData denied? timeout? a broken PAYPROBE_PROCESSOR config), " +
        'that its EventBridge Scheduler schedule is enabled, and Lambda throttling (its reserved concurrency). Payments themselves may be fine. ' +
        `Runbook: ${rb}CONFIG_ERROR.md when the log shows a broken configuration.`;
      break;
    case 'LatencyHigh':
      text =
        `${name}: p90 of the total time of the last 10 successful probes to ${host(p)} is above ${ctx.latencyBudgetMs} ms (2 of them were slower; failed probes do not count). ` +
        `Payments to ${name} are slow. ` +
        'Check first: the dashboard widget "phase timings" (from the probe log: which phase grew, DNS, connect, TLS or first byte), ' +
        `the processor's status page, and the egress proxy or NAT. Runbook: ${rb}SLOW_RESPONSE.md.`;
      break;
    case 'CertExpiring':
      text =
        `${name}: the server certificate of ${host(p)} expires in ${p.tls.certExpiryWarningDays} days or fewer. ` +
        'The processor normally renews it; if we pin keys or trust a private CA bundle, prepare the new pins or CA before it rotates. ' +
        `Check first: ${check} --json (tls.serverCert) and the processor's announcements. ` +
        `Runbook: ${rb}CERT_EXPIRING_SOON.md.`;
      break;
    case 'ClientCertExpiring':
      text =
        `${name}: OUR client certificate for mTLS to ${host(p)} expires in ${p.tls.clientCertExpiryWarningDays} days or fewer. ` +
        `When it expires, ${name} refuses the handshake and payments stop. ` +
        `Renew it with ${name} and store the new certificate and key in ${describeClientCert(p)}. ` +
        `Runbook: ${rb}CLIENT_CERT_EXPIRING_SOON.md.`;
      break;
  }
  return text.length <= ALARM_DESCRIPTION_MAX ? text : `${text.slice(0, ALARM_DESCRIPTION_MAX - 1)}…`;
}

function describeClientCert(p: ProcessorConfig): string {
  const refs = [p.tls.clientCert, p.tls.clientKey].filter(isSecretRef).map(describeRef);
  return refs.length > 0 ? refs.join(' and ') : 'the configured references';
}
