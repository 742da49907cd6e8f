/**
 * The result of one probe run. Its JSON form is the contract of `payprobe check --json`
 * (../shared/DESIGN.md "CLI"). A failed probe is data, not an exception.
 */
import type { FailureClass, Stage, WarningClass } from './classes';

export interface Timings {
  /** Milliseconds spent resolving the name; null when the stage was not reached. */
  readonly dnsMs: number | null;
  readonly connectMs: number | null;
  readonly tlsMs: number | null;
  /** From sending the authenticated request to the first response byte. */
  readonly firstByteMs: number | null;
  readonly totalMs: number;
}

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
  /** ISO 8601 start time. */
  readonly startedAt: string;
  /**
   * Non-secret fingerprints of the resolved inputs (endpoint, CA bundle, certificate, secret versions),
   * keyed by field path, so a change of input can be detected across runs. Never a secret value.
   */
  readonly inputs: Readonly<Record<string, string>>;
}
