/**
 * What one probe run records, passed from phase to phase (inputs → connect → tls → verify → http): the clock
 * and the budget, the phase timings, what the handshake showed, warnings, input fingerprints, the secret
 * values to mask and the sockets to close. Phases are plain functions over this state; none holds state of
 * its own. probe.ts turns it into the ProbeResult (docs/engine.md "How a probe runs").
 */
import type * as net from 'node:net';
import type { ProcessorConfig } from '../config/load';
import type { SecretRef } from '../config/schema';
import type { FailureClass, WarningClass } from '../contract/classes';
import type { CertSummary, TlsInfo, Warning } from '../contract/result';
import { describeRef } from '../secrets/resolver';
import { makeRedactor } from '../text/redact';
import type { ProbeDeps } from './probe';

/** A classified failure: thrown by a phase, turned into the result by probe.ts. */
export class Fail extends Error {
  constructor(
    readonly cls: FailureClass,
    readonly detail: string,
  ) {
    super(detail);
  }
}

/** The phases with a time limit of their own (`proxy`: the proxy's answer to CONNECT). */
export type Phase = 'proxy' | 'dns' | 'connect' | 'tls' | 'http';

const TIMEOUT_CLASS: Record<Phase, FailureClass> = {
  proxy: 'PROXY_TIMEOUT',
  dns: 'DNS_FAILURE',
  connect: 'CONNECT_TIMEOUT',
  tls: 'TLS_HANDSHAKE_TIMEOUT',
  http: 'RESPONSE_TIMEOUT',
};

/** How long a phase may take, and the words for why (in a timeout's detail). */
export interface Limit {
  readonly ms: number;
  readonly why: string;
}

/** Phase durations in monotonic milliseconds; null for a phase not reached. */
export interface Timings {
  dnsMs: number | null;
  connectMs: number | null;
  /** Through a proxy: from dialling it to its answer to CONNECT. */
  proxyMs: number | null;
  tlsMs: number | null;
  firstByteMs: number | null;
  /** The post-handshake check of a handshake-only probe (settle.ts): not part of the other figures. */
  settleMs: number | null;
}

/** What the handshake (and the client-certificate check before it) showed. */
export interface TlsRecord {
  readonly protocol: string | null;
  readonly cipher: string | null;
  readonly chain: CertSummary[];
  readonly clientCert: TlsInfo['clientCert'];
}

export class RunState {
  readonly clock: () => number;
  /** The wall clock at the start, for certificate dates. */
  readonly now: Date;
  readonly startedAt: string;
  readonly t0: number;
  readonly deadline: number;
  readonly timings: Timings = {
    dnsMs: null,
    connectMs: null,
    proxyMs: null,
    tlsMs: null,
    firstByteMs: null,
    settleMs: null,
  };
  /**
   * Set when the main endpoint is reached through a forward proxy: its public URL, and both hops in words
   * (`through proxy http://proxy:3128 to api.example.com:443`) for the details of later failures.
   */
  proxy: { readonly url: string; readonly route: string } | null = null;
  tls: TlsRecord | null = null;
  /** The configured request's status (the token response's until the request is sent). */
  status: number | null = null;
  httpAttempted = false;
  readonly warnings: Warning[] = [];
  /** Input fingerprints by field (ProbeResult.inputs). */
  readonly inputs: Record<string, string> = {};
  /** When each referenced input's version was created at its source, by field (ProbeResult.inputDates). */
  readonly inputDates: Record<string, string> = {};
  /** The address the main endpoint's name resolved to and the probe dialled (ProbeResult.address). */
  address: string | null = null;
  /** Every secret value read or obtained (credentials, keys, OAuth tokens): masked in every detail. */
  readonly secretValues = new Set<string>();
  /** Fields whose value this run read from a reference (for messages that name the source). */
  readonly referenced = new Map<string, SecretRef>();
  /** Every socket opened, closed outermost first at the end. */
  readonly sockets: net.Socket[] = [];

  constructor(
    readonly p: ProcessorConfig,
    readonly deps: ProbeDeps,
  ) {
    this.clock = deps.clock ?? (() => performance.now());
    this.now = (deps.now ?? (() => new Date()))();
    this.startedAt = this.now.toISOString();
    this.t0 = this.clock();
    this.deadline = this.t0 + p.budgetMs;
  }

  warn(cls: WarningClass, detail: string): void {
    this.warnings.push({ class: cls, detail });
  }

  /** The time a phase may take: timeoutMs, or what is left of the budget if that is less. */
  limit(phase: Phase): Limit {
    const remaining = this.deadline - this.clock();
    if (remaining <= 0)
      throw new Fail(
        TIMEOUT_CLASS[phase],
        `the probe budget of ${this.p.budgetMs} ms ran out before the ${phase} phase`,
      );
    return remaining < this.p.timeoutMs
      ? { ms: Math.max(1, Math.floor(remaining)), why: `the probe budget (${this.p.budgetMs} ms)` }
      : { ms: this.p.timeoutMs, why: `timeoutMs (${this.p.timeoutMs} ms)` };
  }

  /** " (from ssm NAME)" when this run read `field` from a reference, else "". */
  from(field: string): string {
    const ref = this.referenced.get(field);
    return ref ? ` (from ${describeRef(ref)})` : '';
  }

  /** "; tls.ciphers from ssm NAME" for each TLS setting this run read from a reference. */
  tlsSources(): string {
    return ['tls.minVersion', 'tls.maxVersion', 'tls.ciphers']
      .flatMap((f) => {
        const ref = this.referenced.get(f);
        return ref ? [`; ${f} from ${describeRef(ref)}`] : [];
      })
      .join('');
  }

  /**
   * Masks every secret value of this run in text bound for the result. The one place the engine redacts:
   * swapping in the shared redactor (text/redact.ts) is a change to this body only.
   */
  redact(text: string): string {
    return makeRedactor([...this.secretValues]).text(text);
  }
}
