/**
 * The result of one probe run. Its JSON form is the contract of `payprobe check --json` (docs/contracts.md
 * "payprobe check --json"). A failed probe is data, not an exception: an engine that throws anyway, or a
 * deployed config too broken to probe, still yields a result (crashResult, failureResult) that is published
 * and paged like any other failure.
 */
import { SecretError } from '../secrets/resolver';
import type { Redactor } from '../text/redact';
import { type FailureClass, type Stage, stageOf, type WarningClass } from './classes';

export interface Timings {
  /**
   * Milliseconds spent resolving the name; null when the stage was not reached. Through a proxy, the proxy's
   * name (the proxy resolves the processor's).
   */
  readonly dnsMs: number | null;
  /** The TCP connection to the processor, or through a proxy to the proxy (a part of proxyMs). */
  readonly connectMs: number | null;
  /**
   * Only when the run went through a forward proxy: from dialling the proxy to its answer to CONNECT (the
   * time to a tunnel; null when the proxy stage was not reached).
   */
  readonly proxyMs?: number | null;
  readonly tlsMs: number | null;
  /** From sending the authenticated request to the first response byte. */
  readonly firstByteMs: number | null;
  /**
   * A handshake-only probe's post-handshake check (a wait for an alert, close or reset, or the minimal
   * request that shows a client-certificate refusal); null or absent when there was none. Not part of
   * totalMs.
   */
  readonly settleMs?: number | null;
  /** The probe's time from its start (secret reads included) to its end, less settleMs: TotalTime's value. */
  readonly totalMs: number;
}

/**
 * The phase timings, in the order of the connection, with the words the dashboard uses. They are fields of the
 * structured probe log (`result.timings.<field>`), not metrics (lambdas/core/policy/publishing.ts).
 */
export const PHASE_TIMINGS = [
  { field: 'dnsMs', label: 'DNS' },
  { field: 'connectMs', label: 'TCP connect' },
  // Through a forward proxy only: dialling the proxy to its CONNECT answer (its TCP connect included).
  { field: 'proxyMs', label: 'proxy tunnel' },
  { field: 'tlsMs', label: 'TLS handshake' },
  { field: 'firstByteMs', label: 'first byte' },
] as const satisfies readonly { readonly field: Exclude<keyof Timings, 'totalMs'>; readonly label: string }[];

export interface CertSummary {
  readonly subject: string;
  readonly issuer: string;
  readonly validFrom: string;
  /** ISO 8601. */
  readonly validTo: string;
  /** Whole days until validTo (negative when expired). */
  readonly daysToExpiry: number;
  /** SHA-256 fingerprint, colon-separated hex as Node prints it. */
  readonly fingerprint256: string;
}

export interface TlsInfo {
  readonly protocol: string | null;
  readonly cipher: string | null;
  /** The leaf certificate the server presented (captured even when verification failed). */
  readonly serverCert: CertSummary | null;
  /** The whole chain as presented, leaf first. */
  readonly chain: readonly CertSummary[];
  /** Our own client certificate, when mTLS is configured. */
  readonly clientCert: { readonly validTo: string; readonly daysToExpiry: number } | null;
}

export interface Warning {
  readonly class: WarningClass;
  readonly detail: string;
}

export interface ProbeResult {
  readonly processor: string;
  readonly ok: boolean;
  /** null when ok. */
  readonly stage: Stage | null;
  /** null when ok. */
  readonly class: FailureClass | null;
  /** Human-readable cause, with the Node/OpenSSL error code when there is one. Never a secret. */
  readonly detail: string | null;
  readonly warnings: readonly Warning[];
  readonly timings: Timings;
  readonly tls: TlsInfo | null;
  readonly http: { readonly status: number | null } | null;
  /** Only when the run went through a forward proxy: the proxy's URL (never with credentials). */
  readonly proxy?: { readonly url: string };
  /**
   * The IP address the endpoint's name resolved to and the probe connected to; null when the name did not
   * resolve (or the run stopped before DNS). Absent in results that reached no stage (failureResult).
   */
  readonly address?: string | null;
  /** ISO 8601 start time. */
  readonly startedAt: string;
  /**
   * Non-secret fingerprints of the resolved inputs (endpoint, CA bundle, certificate, secret versions),
   * keyed by field path, so a change of input can be detected across runs. Never a secret value.
   */
  readonly inputs: Readonly<Record<string, string>>;
  /**
   * When the version of each referenced input was created at its source (SSM LastModifiedDate, Secrets
   * Manager version CreatedDate), ISO 8601, keyed like `inputs`: only for the sources that say.
   */
  readonly inputDates?: Readonly<Record<string, string>>;
}

/** The failure result published when the engine throws instead of returning a result. */
export function crashResult(
  processor: string,
  err: unknown,
  startMs: number,
  endMs: number,
  redact: Redactor,
): ProbeResult {
  const cls = classifyThrown(err);
  const detail =
    err instanceof SecretError
      ? err.message
      : `the probe engine threw ${errorName(err)}: ${redact.untrusted(errorText(err))}`;
  return failureResult(processor, cls, redact.untrusted(detail), startMs, endMs);
}

/** A failure result that reached no stage: for engine crashes and a broken deployment config. */
export function failureResult(
  processor: string,
  cls: FailureClass,
  detail: string,
  startMs: number,
  endMs: number,
): ProbeResult {
  return {
    processor,
    ok: false,
    stage: stageOf(cls),
    class: cls,
    detail,
    warnings: [],
    timings: {
      dnsMs: null,
      connectMs: null,
      tlsMs: null,
      firstByteMs: null,
      settleMs: null,
      totalMs: Math.max(0, endMs - startMs),
    },
    tls: null,
    http: null,
    startedAt: new Date(startMs).toISOString(),
    inputs: {},
  };
}

/** Node error codes the engine would have classified itself, had it not thrown. */
const CODE_CLASSES: Readonly<Record<string, FailureClass>> = {
  ENOTFOUND: 'DNS_FAILURE',
  EAI_AGAIN: 'DNS_FAILURE',
  EAI_FAIL: 'DNS_FAILURE',
  ECONNREFUSED: 'CONNECT_REFUSED',
  ETIMEDOUT: 'CONNECT_TIMEOUT',
  ECONNRESET: 'TLS_CONNECTION_RESET',
  EPIPE: 'TLS_CONNECTION_RESET',
  ERR_SSL_WRONG_VERSION_NUMBER: 'TLS_PROTOCOL_ERROR',
  CERT_HAS_EXPIRED: 'CERT_EXPIRED',
  CERT_NOT_YET_VALID: 'CERT_NOT_YET_VALID',
  ERR_TLS_CERT_ALTNAME_INVALID: 'CERT_HOSTNAME_MISMATCH',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'CERT_UNTRUSTED',
  SELF_SIGNED_CERT_IN_CHAIN: 'CERT_UNTRUSTED',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'CERT_UNTRUSTED',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'CERT_UNTRUSTED',
};

/** The best failure class for an error the engine threw: by Node error code, else CONFIG_ERROR. */
export function classifyThrown(err: unknown): FailureClass {
  const code = (err as { code?: unknown } | null)?.code;
  return (typeof code === 'string' && CODE_CLASSES[code]) || 'CONFIG_ERROR';
}

/** The error's name (its class) for logs: `TypeError`, or the type of a thrown non-Error. */
export function errorName(err: unknown): string {
  return err instanceof Error ? err.name : typeof err;
}

/** The error's message with its Node error code when the message does not name it. */
export function errorText(err: unknown): string {
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code;
    return `${err.message}${typeof code === 'string' && !err.message.includes(code) ? ` (${code})` : ''}`;
  }
  return String(err);
}
