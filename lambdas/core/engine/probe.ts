/**
 * The probe engine: DNS, TCP, TLS with the integration's own settings, then one authenticated request over
 * the same connection, classified into exactly one failure class. Used by the Lambda handler, the CLI and
 * the tests. A failed probe is data: probe() never throws for a failing processor.
 *
 * A run goes through one module per phase, sharing only a RunState (docs/engine.md has the full story):
 * 1. inputs.ts: resolve every input (endpoint, CA, client cert/key, credentials) through the SecretResolver;
 * 2. client-cert.ts: check our own client certificate (readable, key matches, not expired);
 * 3. connect.ts, tls.ts: dns.lookup, TCP connect, TLS handshake with rejectUnauthorized:false, so the chain
 *    is always read (connection.ts composes them);
 * 4. verify.ts: verify separately: dates, trust (OpenSSL's verdict), host name, pins;
 * 5. oauth.ts, http.ts: the OAuth token request and/or the configured request, over the same socket;
 *    status → class.
 * Every phase is bounded by timeoutMs and the whole run by budgetMs; timings come from one monotonic clock.
 */

import { describeError } from '../checks/errors';
import type { ProcessorConfig } from '../config/load';
import { stageOf } from '../contract/classes';
import type { ProbeResult } from '../contract/result';
import { MAX_PROBES_IN_FLIGHT } from '../policy/deployment';
import type { SecretResolver } from '../secrets/resolver';
import { checkOwnClientCert } from './client-cert';
import { type Conn, open } from './connection';
import { credentialHeaders, sendConfiguredRequest } from './http';
import { type Inputs, resolveInputs } from './inputs';
import { oauthExchange } from './oauth';
import type { ProxyEnvironment } from './proxy-env';
import { Fail, RunState } from './run-state';
import { settle } from './settle';
import { type Target, targetOf } from './target';
import type { TlsContextCache } from './tls-context';
import type { TokenStore } from './token-cache';
import { warmUp } from './warm-up';

export interface LookupAddress {
  readonly address: string;
  readonly family: number;
}

export interface ProbeDeps {
  /** Reads the processor's secret references. */
  readonly secrets: SecretResolver;
  /** Wall clock for certificate dates. @default () => new Date() */
  readonly now?: () => Date;
  /** Monotonic milliseconds for phase timings and timeouts. @default performance.now */
  readonly clock?: () => number;
  /** Name resolution (tests inject failures here). @default dns.promises.lookup (getaddrinfo, like the integration) */
  readonly lookup?: (hostname: string) => Promise<LookupAddress>;
  /**
   * With no HTTP request to send, the longest wait after the handshake for a post-handshake alert, close or
   * reset (settle.ts); the wait ends earlier once the server's post-handshake flight has been read.
   * @default min(250, timeoutMs / 2)
   */
  readonly postHandshakeGraceMs?: number;
  /**
   * Warm the code paths the phases use before the first probe of the process starts its clock (one probe of
   * a throwaway loopback server: warm-up.ts), so a fresh process times the network, not the runtime.
   * @default true
   */
  readonly warmUp?: boolean;
  /**
   * Secure contexts, built once per distinct TLS material (CA bundle, client certificate and key, ciphers,
   * versions) and reused. @default one cache for the whole process (at most 64 materials)
   */
  readonly tlsContexts?: TlsContextCache;
  /**
   * OAuth tokens kept between runs (token-cache.ts): the probe Lambda's module-scope cache, the CLI's
   * per-process one. @default none: every run requests a token
   */
  readonly tokens?: TokenStore;
  /** The environment `proxy: env` reads (HTTPS_PROXY, HTTP_PROXY, NO_PROXY). @default process.env */
  readonly env?: ProxyEnvironment;
}

export interface ProbeManyOptions {
  /** Called with each result as soon as it is ready, in completion order. */
  readonly onResult?: (result: ProbeResult) => void;
  /** Probes in flight at once. @default MAX_PROBES_IN_FLIGHT (lambdas/core/policy/deployment.ts) */
  readonly concurrency?: number;
}

/**
 * Probes many processors concurrently; results come back in input order, onResult fires as each finishes.
 * Up to MAX_PROBES_IN_FLIGHT run at once (normally all of them: probes wait on the network, so none may
 * hold up another); each probe's own timeouts and budget start when it starts.
 */
export async function probeMany(
  processors: readonly ProcessorConfig[],
  deps: ProbeDeps,
  opts: ProbeManyOptions = {},
): Promise<ProbeResult[]> {
  const results: ProbeResult[] = new Array(processors.length);
  let next = 0;
  const worker = async () => {
    while (next < processors.length) {
      const i = next++;
      const p = processors[i] as ProcessorConfig;
      const r = await probe(p, deps);
      results[i] = r;
      opts.onResult?.(r);
    }
  };
  const n = Math.max(1, Math.min(opts.concurrency ?? MAX_PROBES_IN_FLIGHT, processors.length));
  await Promise.all(Array.from({ length: n }, worker));
  return results;
}

/** Probes one processor. Never throws for a failing processor: the failure is in the result. */
export async function probe(processor: ProcessorConfig, deps: ProbeDeps): Promise<ProbeResult> {
  // Before the run exists: its clock starts after the warm-up.
  if (deps.warmUp !== false) await warmUp(run);
  return run(processor, deps);
}

async function run(processor: ProcessorConfig, deps: ProbeDeps): Promise<ProbeResult> {
  const run = new RunState(processor, deps);
  let failure: Fail | undefined;
  try {
    const inputs = await resolveInputs(run);
    const clientCertSent = checkOwnClientCert(run, inputs);
    const target = targetOf(inputs.url, inputs.servername, true);
    const conn = await open(run, target, inputs, clientCertSent);
    await exchange(run, conn, inputs, target);
  } catch (err) {
    failure =
      err instanceof Fail
        ? err
        : new Fail('CONFIG_ERROR', `internal error in the probe engine: ${describeError(err)}`);
  } finally {
    // Outermost first: destroying a TCP socket under a live TLSSocket crashes Node 20 (SIGSEGV).
    for (const s of run.sockets.reverse()) s.destroy();
  }
  return result(run, failure);
}

/**
 * After the handshake: for OAuth, a kept or fresh token and the request with it (oauth.ts); else the
 * configured request with the credentials (http.ts); with no request to send, the post-handshake check
 * (settle.ts).
 */
async function exchange(run: RunState, conn: Conn, inputs: Inputs, main: Target): Promise<void> {
  const creds = inputs.creds;
  const request = run.p.auth?.request;
  const headers: Record<string, string> = { 'user-agent': 'payprobe', accept: '*/*', ...request?.headers };
  if (creds?.type === 'oauth2-client-credentials')
    return oauthExchange(run, conn, inputs, creds, main, headers);
  if (creds) Object.assign(headers, credentialHeaders(creds));
  if (!request) return settle(run, conn, main);
  await sendConfiguredRequest(run, conn, inputs, main, headers);
}

/** The ProbeResult of a finished run; every detail passes through the run's redaction. */
function result(run: RunState, failure: Fail | undefined): ProbeResult {
  const p = run.p;
  // The post-handshake wait is its own figure: totalMs (TotalTime, SLOW_RESPONSE) is the probe's work.
  const totalMs = round(run.clock() - run.t0 - (run.timings.settleMs ?? 0));
  if (!failure && totalMs > p.slowResponseMs) {
    run.warn('SLOW_RESPONSE', `total ${totalMs} ms is above slowResponseMs ${p.slowResponseMs} ms`);
  }
  const cls = failure?.cls ?? null;
  const stage = cls ? stageOf(cls) : null;
  // Through a proxy, every failure after the tunnel names both hops (connection.ts adds them to the
  // connection's own failures; the request's are named here).
  const route = run.proxy?.route;
  const detail =
    failure && route && stage !== 'proxy' && stage !== 'config' && !failure.detail.includes(route)
      ? `${failure.detail} (${route})`
      : failure?.detail;
  return {
    processor: p.name,
    ok: !failure,
    stage,
    class: cls,
    detail: detail !== undefined ? run.redact(detail) : null,
    warnings: run.warnings.map((w) => ({ ...w, detail: run.redact(w.detail) })),
    timings: {
      dnsMs: roundOrNull(run.timings.dnsMs),
      connectMs: roundOrNull(run.timings.connectMs),
      ...(run.proxy || run.timings.proxyMs !== null || failure?.cls.startsWith('PROXY_')
        ? { proxyMs: roundOrNull(run.timings.proxyMs) }
        : {}),
      tlsMs: roundOrNull(run.timings.tlsMs),
      firstByteMs: roundOrNull(run.timings.firstByteMs),
      settleMs: roundOrNull(run.timings.settleMs),
      totalMs,
    },
    tls: run.tls
      ? {
          protocol: run.tls.protocol,
          cipher: run.tls.cipher,
          serverCert: run.tls.chain[0] ?? null,
          chain: run.tls.chain,
          clientCert: run.tls.clientCert,
        }
      : null,
    http: run.httpAttempted ? { status: run.status } : null,
    ...(run.proxy ? { proxy: { url: run.proxy.url } } : {}),
    address: run.address,
    startedAt: run.startedAt,
    inputs: { ...run.inputs },
    inputDates: { ...run.inputDates },
  };
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}

function roundOrNull(ms: number | null): number | null {
  return ms === null ? null : round(ms);
}
