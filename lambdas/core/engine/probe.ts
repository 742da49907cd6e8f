/**
 * The probe engine: DNS, TCP, TLS with the integration's own settings, then one authenticated request over
 * the same connection, classified into exactly one failure class. Used by the Lambda handler, the CLI and
 * the tests. A failed probe is data: probe() never throws for a failing processor.
 *
 * How a run goes (docs/engine.md has the full story):
 * 1. resolve every input (endpoint, CA, client cert/key, credentials) through the SecretResolver;
 * 2. check our own client certificate (readable, key matches, not expired);
 * 3. dns.lookup, TCP connect, TLS handshake with rejectUnauthorized:false, so the chain is always read;
 * 4. verify separately: dates, trust (OpenSSL's verdict), host name, pins;
 * 5. the OAuth token request and/or the configured request, over the same socket; status → class.
 * Every phase is bounded by timeoutMs and the whole run by budgetMs; timings come from one monotonic clock.
 */
import { lookup as dnsLookup } from 'node:dns/promises';
import * as net from 'node:net';
import { performance } from 'node:perf_hooks';
import * as tls from 'node:tls';
import type { ProcessorConfig } from '../config/load';
import { parseCipherList, parsePins, parseTlsVersion, shortValue } from '../config/referenced-values';
import type { Credentials, SecretRef, TlsVersion, ValueOrRef } from '../config/schema';
import { type FailureClass, stageOf } from '../contract/classes';
import type { CertSummary, ProbeResult, TlsInfo, Warning } from '../contract/result';
import {
  describeRef,
  isSecretRef,
  type ResolvedValue,
  SecretError,
  type SecretResolver,
} from '../secrets/resolver';
import {
  type ChainCert,
  checkClientCert,
  dayCount,
  daysSince,
  daysUntil,
  formatName,
  peerChain,
  pemBlocks,
  summarize,
} from './cert-info';
import { ExchangeError, type ExchangeResponse, exchange } from './http-request';
import { publicFingerprint, secretFingerprint } from './inputs';
import { defaultTlsContexts, type TlsContextCache } from './tls-context';
import {
  type Classified,
  classifyConnectError,
  classifyHandshakeError,
  classifyPostHandshakeError,
  describeError,
  errorCode,
  untrustedHint,
} from './tls-errors';

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
   * With no HTTP request to send, how long to wait after the handshake for a post-handshake rejection
   * (TLS 1.3 client certificates, servers that drop us right after the handshake).
   * @default min(250, timeoutMs / 2)
   */
  readonly postHandshakeGraceMs?: number;
  /**
   * Secure contexts, built once per distinct TLS material (CA bundle, client certificate and key, ciphers,
   * versions) and reused. @default one cache for the whole process (at most 64 materials)
   */
  readonly tlsContexts?: TlsContextCache;
}

export interface ProbeManyOptions {
  /** Called with each result as soon as it is ready, in completion order. */
  readonly onResult?: (result: ProbeResult) => void;
  /** Probes in flight at once. @default 32 */
  readonly concurrency?: number;
}

/** Probes many processors concurrently; results come back in input order, onResult fires as each finishes. */
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
  const n = Math.max(1, Math.min(opts.concurrency ?? 32, processors.length));
  await Promise.all(Array.from({ length: n }, worker));
  return results;
}

export async function probe(processor: ProcessorConfig, deps: ProbeDeps): Promise<ProbeResult> {
  return new ProbeRun(processor, deps).run();
}

/** A classified failure; thrown inside a run and turned into the result. */
class Fail extends Error {
  constructor(
    readonly cls: FailureClass,
    readonly detail: string,
  ) {
    super(detail);
  }
}

type Phase = 'dns' | 'connect' | 'tls' | 'http';
const TIMEOUT_CLASS: Record<Phase, FailureClass> = {
  dns: 'DNS_FAILURE',
  connect: 'CONNECT_TIMEOUT',
  tls: 'TLS_HANDSHAKE_TIMEOUT',
  http: 'RESPONSE_TIMEOUT',
};

interface Inputs {
  readonly url: URL;
  readonly servername?: string;
  readonly ca?: string;
  readonly clientCert?: string;
  readonly clientKey?: string;
  readonly passphrase?: string;
  readonly minVersion: TlsVersion;
  readonly maxVersion?: TlsVersion;
  readonly ciphers?: string;
  readonly pins?: readonly string[];
  /** auth.request.path as read (a referenced one checked to start with /). */
  readonly requestPath?: string;
  readonly creds?: ResolvedCredentials;
}

/** The outcome of checking a value read from a reference (referenced-values.ts). */
type Checked<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly problem: string };

const VERSION_LIST = 'TLSv1, TLSv1.1, TLSv1.2 or TLSv1.3';

function checkVersion(s: string): Checked<TlsVersion> {
  const v = parseTlsVersion(s);
  return v
    ? { ok: true, value: v }
    : { ok: false, problem: `holds ${shortValue(s.trim())}, not a TLS version (expected ${VERSION_LIST})` };
}

function checkCiphers(s: string): Checked<string> {
  const v = parseCipherList(s);
  return v !== undefined
    ? { ok: true, value: v }
    : {
        ok: false,
        problem: `holds ${shortValue(s.trim())}, not an OpenSSL cipher list (one line, e.g. ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES256-GCM-SHA384)`,
      };
}

function checkPins(s: string): Checked<readonly string[]> {
  const r = parsePins(s);
  return r.ok ? { ok: true, value: r.pins } : { ok: false, problem: r.problem };
}

function checkPath(s: string): Checked<string> {
  const v = s.trim();
  return v.startsWith('/') && !/[\s]/.test(v)
    ? { ok: true, value: v }
    : { ok: false, problem: 'does not hold a request path (one line starting with /, e.g. /v1/balance)' };
}

function checkTokenUrl(s: string): Checked<string> {
  const v = s.trim();
  return v !== '' && !/[\s]/.test(v)
    ? { ok: true, value: v }
    : {
        ok: false,
        problem: 'does not hold a token URL (an https:// URL or a path starting with /, one line)',
      };
}

function checkScope(s: string): Checked<string> {
  const v = s.trim();
  return /^[\x20-\x7e]*$/.test(v)
    ? { ok: true, value: v }
    : { ok: false, problem: 'does not hold an OAuth scope (one line of printable ASCII)' };
}

type ResolvedCredentials =
  | { readonly type: 'bearer'; readonly token: string }
  | { readonly type: 'basic'; readonly username: string; readonly password: string }
  | { readonly type: 'header'; readonly name: string; readonly value: string }
  | {
      readonly type: 'oauth2-client-credentials';
      readonly tokenUrl: string;
      readonly clientId: string;
      readonly clientSecret: string;
      readonly clientAuth: 'basic' | 'post';
      readonly scope?: string;
    };

/** An open connection: the socket requests go over, and what the handshake told us. */
interface Conn {
  readonly socket: tls.TLSSocket | net.Socket;
  readonly isTls: boolean;
  readonly protocol: string | null;
  readonly clientCertSent: boolean;
  /** The first error seen on the socket after it was established (e.g. a TLS 1.3 alert). */
  lateError(): unknown;
}

interface Target {
  readonly url: URL;
  readonly hostname: string;
  readonly port: number;
  /** SNI and host name check (undefined for IP literals with no configured server name). */
  readonly servername?: string;
  /** The name the certificate must cover. */
  readonly identity: string;
  /** The main endpoint (timings, chain, pins) or an auxiliary one (a token endpoint on another host). */
  readonly main: boolean;
}

/** Node's codes for a request it refuses to build (bad header name or value). */
const INVALID_REQUEST_CODES = new Set([
  'ERR_INVALID_CHAR',
  'ERR_INVALID_HTTP_TOKEN',
  'ERR_HTTP_INVALID_HEADER_VALUE',
  'ERR_UNESCAPED_CHARACTERS',
]);

/** An access_token fit for `Authorization: Bearer <token>`: printable ASCII, no spaces or control characters. */
const USABLE_TOKEN = /^[\x21-\x7e]+$/;

const HTTP_REASON: Record<number, string> = { 401: 'Unauthorized', 403: 'Forbidden' };

class ProbeRun {
  private readonly clock: () => number;
  private readonly now: Date;
  private readonly startedAt: string;
  private t0 = 0;
  private deadline = Number.POSITIVE_INFINITY;
  private readonly timings: {
    dnsMs: number | null;
    connectMs: number | null;
    tlsMs: number | null;
    firstByteMs: number | null;
  } = {
    dnsMs: null,
    connectMs: null,
    tlsMs: null,
    firstByteMs: null,
  };
  private tlsInfo: {
    protocol: string | null;
    cipher: string | null;
    chain: CertSummary[];
    clientCert: TlsInfo['clientCert'];
  } | null = null;
  private status: number | null = null;
  private httpAttempted = false;
  private readonly warnings: Warning[] = [];
  private readonly inputs: Record<string, string> = {};
  private readonly secretValues = new Set<string>();
  /** Fields whose value this run read from a reference (for messages that name the source). */
  private readonly referenced = new Map<string, SecretRef>();
  private readonly sockets: net.Socket[] = [];
  private mainTarget: Target | undefined;

  constructor(
    private readonly p: ProcessorConfig,
    private readonly deps: ProbeDeps,
  ) {
    this.clock = deps.clock ?? (() => performance.now());
    this.now = (deps.now ?? (() => new Date()))();
    this.startedAt = this.now.toISOString();
  }

  async run(): Promise<ProbeResult> {
    this.t0 = this.clock();
    this.deadline = this.t0 + this.p.budgetMs;
    let failure: Fail | undefined;
    try {
      const inputs = await this.resolveInputs();
      const clientCertSent = this.checkOwnClientCert(inputs);
      const target = this.targetOf(inputs.url, inputs.servername, true);
      this.mainTarget = target;
      const conn = await this.open(target, inputs, clientCertSent);
      await this.talk(conn, inputs);
    } catch (err) {
      failure =
        err instanceof Fail
          ? err
          : new Fail('CONFIG_ERROR', `internal error in the probe engine: ${describeError(err)}`);
    } finally {
      // Outermost first: destroying a TCP socket under a live TLSSocket crashes Node 20 (SIGSEGV).
      for (const s of this.sockets.reverse()) s.destroy();
    }
    const totalMs = round(this.clock() - this.t0);
    if (!failure && totalMs > this.p.slowResponseMs) {
      this.warnings.push({
        class: 'SLOW_RESPONSE',
        detail: `total ${totalMs} ms is above slowResponseMs ${this.p.slowResponseMs} ms`,
      });
    }
    const cls = failure?.cls ?? null;
    return {
      processor: this.p.name,
      ok: !failure,
      stage: cls ? stageOf(cls) : null,
      class: cls,
      detail: failure ? this.redact(failure.detail) : null,
      warnings: this.warnings.map((w) => ({ ...w, detail: this.redact(w.detail) })),
      timings: {
        dnsMs: roundOrNull(this.timings.dnsMs),
        connectMs: roundOrNull(this.timings.connectMs),
        tlsMs: roundOrNull(this.timings.tlsMs),
        firstByteMs: roundOrNull(this.timings.firstByteMs),
        totalMs,
      },
      tls: this.tlsInfo
        ? {
            protocol: this.tlsInfo.protocol,
            cipher: this.tlsInfo.cipher,
            serverCert: this.tlsInfo.chain[0] ?? null,
            chain: this.tlsInfo.chain,
            clientCert: this.tlsInfo.clientCert,
          }
        : null,
      http: this.httpAttempted ? { status: this.status } : null,
      startedAt: this.startedAt,
      inputs: { ...this.inputs },
    };
  }

  // ---------------------------------------------------------------- inputs

  private async resolveInputs(): Promise<Inputs> {
    const p = this.p;
    const secretField = async (field: string, ref: SecretRef | undefined): Promise<string | undefined> => {
      if (!ref) return undefined;
      const v = await this.resolve(field, ref);
      this.secretValues.add(v.value);
      this.inputs[field] = secretFingerprint(v);
      return v.value;
    };
    const publicField = async (
      field: string,
      v: ValueOrRef<string> | undefined,
      fingerprint: (s: string) => string,
    ) => {
      if (v === undefined) return undefined;
      const r = isSecretRef(v) ? await this.resolve(field, v) : { value: v };
      this.inputs[field] = `${fingerprint(r.value)}${r.version !== undefined ? `@${r.version}` : ''}`;
      return r.value;
    };
    const referencedField = async <T>(
      field: string,
      v: T | SecretRef | undefined,
      check: (s: string) => Checked<T>,
      fingerprint: (value: T) => string,
    ): Promise<T | undefined> => {
      if (v === undefined) return undefined;
      if (!isSecretRef(v)) return v as T;
      const r = await this.resolve(field, v);
      const c = check(r.value);
      if (!c.ok) throw new Fail('CONFIG_ERROR', `${field}: ${describeRef(v)} ${c.problem}`);
      this.referenced.set(field, v);
      this.inputs[field] = `${fingerprint(c.value)}${r.version !== undefined ? `@${r.version}` : ''}`;
      return c.value;
    };
    const work = async (): Promise<Inputs> => {
      const endpoint = (await publicField('endpoint', p.endpoint, publicUrl)) as string;
      let url: URL;
      try {
        url = new URL(endpoint);
      } catch {
        throw new Fail('CONFIG_ERROR', 'endpoint is not a URL (expected https://host[:port][/base-path])');
      }
      if (url.protocol !== 'https:' && url.protocol !== 'http:') {
        throw new Fail('CONFIG_ERROR', `endpoint scheme ${url.protocol} is not supported (https or http)`);
      }
      // Checked before any credential is read: a plaintext http endpoint may be probed, but never with them.
      if (url.protocol === 'http:' && p.auth?.credentials) {
        throw new Fail(
          'CONFIG_ERROR',
          'endpoint: credentials are never sent over plaintext http: use https (or remove auth.credentials to probe it without them)',
        );
      }
      const oauth =
        p.auth?.credentials?.type === 'oauth2-client-credentials' ? p.auth.credentials : undefined;
      const tokenUrl = await referencedField(
        'auth.credentials.tokenUrl',
        oauth?.tokenUrl,
        checkTokenUrl,
        publicUrl,
      );
      if (oauth && tokenUrl !== undefined && !isSecretRef(oauth.tokenUrl))
        this.inputs['auth.credentials.tokenUrl'] = publicUrl(tokenUrl);
      if (tokenUrl !== undefined && /^http:/i.test(tokenUrl)) {
        throw new Fail(
          'CONFIG_ERROR',
          `auth.credentials.tokenUrl${isSecretRef(oauth?.tokenUrl) ? ` (${describeRef(oauth.tokenUrl)})` : ''}: credentials are never sent over plaintext http: use https`,
        );
      }
      const servername = await publicField('tls.servername', p.tls.servername, (s) => s);
      const ca = await publicField('tls.ca', p.tls.ca, publicFingerprint);
      if (ca !== undefined && pemBlocks(ca).length === 0) {
        // OpenSSL would skip it silently and every probe would fail as CERT_UNTRUSTED: name the real cause.
        throw new Fail(
          'CONFIG_ERROR',
          `tls.ca: ${p.tls.ca ? describeRef(p.tls.ca) : 'the CA bundle'} holds no PEM certificate (expected "-----BEGIN CERTIFICATE-----" blocks)`,
        );
      }
      const minVersion = (await referencedField<TlsVersion>(
        'tls.minVersion',
        p.tls.minVersion,
        checkVersion,
        (v) => v,
      )) as TlsVersion;
      const maxVersion = await referencedField<TlsVersion>(
        'tls.maxVersion',
        p.tls.maxVersion,
        checkVersion,
        (v) => v,
      );
      if (maxVersion !== undefined && rankOf(maxVersion) < rankOf(minVersion)) {
        throw new Fail(
          'CONFIG_ERROR',
          `tls.minVersion ${minVersion}${this.from('tls.minVersion')} is above tls.maxVersion ${maxVersion}${this.from('tls.maxVersion')}: no TLS version is left; change the one the integration reads`,
        );
      }
      const ciphers = await referencedField('tls.ciphers', p.tls.ciphers, checkCiphers, publicFingerprint);
      const pins = await referencedField<readonly string[]>('tls.pins', p.tls.pins, checkPins, (list) =>
        publicFingerprint(list.join(',')),
      );
      const requestPath = await referencedField(
        'auth.request.path',
        p.auth?.request?.path,
        checkPath,
        publicUrl,
      );
      const clientCert = await publicField('tls.clientCert', p.tls.clientCert, publicFingerprint);
      const clientKey = await secretField('tls.clientKey', p.tls.clientKey);
      const passphrase = await secretField('tls.clientKeyPassphrase', p.tls.clientKeyPassphrase);
      const scope = await referencedField(
        'auth.credentials.scope',
        oauth?.scope,
        checkScope,
        publicFingerprint,
      );
      const creds = await this.resolveCredentials(p.auth?.credentials, secretField, publicField, {
        tokenUrl,
        scope,
      });
      return {
        url,
        servername,
        ca,
        clientCert,
        clientKey,
        passphrase,
        minVersion,
        ...(maxVersion !== undefined ? { maxVersion } : {}),
        ...(ciphers !== undefined ? { ciphers } : {}),
        ...(pins !== undefined ? { pins } : {}),
        ...(requestPath !== undefined ? { requestPath } : {}),
        creds,
      };
    };
    return this.bounded(
      work(),
      this.p.budgetMs,
      () =>
        new Fail(
          'CONFIG_ERROR',
          `reading the secrets took longer than the probe budget (${this.p.budgetMs} ms)`,
        ),
    );
  }

  private async resolveCredentials(
    c: Credentials | undefined,
    secret: (field: string, ref: SecretRef | undefined) => Promise<string | undefined>,
    plain: (
      field: string,
      v: ValueOrRef<string> | undefined,
      fp: (s: string) => string,
    ) => Promise<string | undefined>,
    oauth: { tokenUrl?: string; scope?: string },
  ): Promise<ResolvedCredentials | undefined> {
    if (!c) return undefined;
    const f = 'auth.credentials';
    const hashed = (s: string) => secretFingerprint({ value: s });
    switch (c.type) {
      case 'bearer':
        return { type: 'bearer', token: (await secret(`${f}.token`, c.token)) as string };
      case 'basic':
        return {
          type: 'basic',
          username: (await plain(`${f}.username`, c.username, hashed)) as string,
          password: (await secret(`${f}.password`, c.password)) as string,
        };
      case 'header':
        return { type: 'header', name: c.name, value: (await secret(`${f}.value`, c.value)) as string };
      case 'oauth2-client-credentials': {
        if (!oauth.tokenUrl)
          throw new Fail(
            'CONFIG_ERROR',
            'auth.credentials.tokenUrl is required for oauth2-client-credentials',
          );
        return {
          type: c.type,
          tokenUrl: oauth.tokenUrl,
          clientId: (await plain(`${f}.clientId`, c.clientId, hashed)) as string,
          clientSecret: (await secret(`${f}.clientSecret`, c.clientSecret)) as string,
          clientAuth: c.clientAuth ?? 'basic',
          ...(oauth.scope !== undefined ? { scope: oauth.scope } : {}),
        };
      }
    }
  }

  private async resolve(field: string, ref: SecretRef): Promise<ResolvedValue> {
    try {
      return await this.deps.secrets.resolve(ref, this.p.baseDir);
    } catch (err) {
      if (err instanceof SecretError) throw new Fail('CONFIG_ERROR', `${field}: ${err.message}`);
      throw new Fail('CONFIG_ERROR', `${field}: cannot read ${describeRef(ref)}: ${describeError(err)}`);
    }
  }

  /** Our client certificate, before connecting. Returns whether one will be presented. */
  private checkOwnClientCert(inputs: Inputs): boolean {
    if (inputs.clientCert === undefined && inputs.clientKey === undefined) return false;
    if (inputs.clientCert === undefined || inputs.clientKey === undefined) {
      throw new Fail('CONFIG_ERROR', 'mTLS needs both tls.clientCert and tls.clientKey');
    }
    const check = checkClientCert(inputs.clientCert, inputs.clientKey, inputs.passphrase, this.now);
    const cert = check.cert;
    if (cert) {
      this.tlsInfo = {
        protocol: null,
        cipher: null,
        chain: [],
        clientCert: { validTo: cert.validTo.toISOString(), daysToExpiry: daysUntil(cert.validTo, this.now) },
      };
    }
    if (!check.ok) throw new Fail(check.class, check.detail);
    const days = daysUntil(check.cert.validTo, this.now);
    if (days <= this.p.tls.clientCertExpiryWarningDays) {
      this.warnings.push({
        class: 'CLIENT_CERT_EXPIRING_SOON',
        detail: `our client certificate ${formatName(check.cert.x509.subject)} expires in ${days} days (${check.cert.validTo.toISOString()})`,
      });
    }
    return true;
  }

  private targetOf(url: URL, servername: string | undefined, main: boolean): Target {
    const hostname = url.hostname.replace(/^\[(.*)\]$/, '$1');
    const port = url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80;
    const sni = servername ?? (net.isIP(hostname) ? undefined : hostname);
    return {
      url,
      hostname,
      port,
      ...(sni !== undefined ? { servername: sni } : {}),
      identity: servername ?? hostname,
      main,
    };
  }

  // ---------------------------------------------------------------- timing helpers

  /** The time a phase may take: timeoutMs, or what is left of the budget if that is less. */
  private limit(phase: Phase): { ms: number; why: string } {
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

  private bounded<T>(work: Promise<T>, ms: number, onTimeout: () => Fail): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => reject(onTimeout()), ms);
      work.then(
        (v) => {
          clearTimeout(timer);
          resolve(v);
        },
        (e) => {
          clearTimeout(timer);
          reject(e);
        },
      );
    });
  }

  // ---------------------------------------------------------------- dns, tcp, tls

  /**
   * DNS, TCP and TLS to `target`, verified. `record` false for a second connection to the main endpoint (after
   * the token endpoint closed the first): the result keeps the first connection's timings, chain and warnings.
   */
  private async open(target: Target, inputs: Inputs, clientCertSent: boolean, record = true): Promise<Conn> {
    const main = target.main && record;
    const where = target.main ? '' : `token endpoint ${target.url.host}: `;
    const fail = (c: Classified) => new Fail(c.class, `${where}${c.detail}`);

    // DNS
    let address = target.hostname;
    let family = net.isIP(target.hostname);
    const tDns = this.clock();
    if (family === 0) {
      const lim = this.limit('dns');
      const lookup = this.deps.lookup ?? ((h: string) => dnsLookup(h));
      try {
        const r = await this.bounded(lookup(target.hostname), lim.ms, () =>
          fail({ class: 'DNS_FAILURE', detail: `no answer resolving ${target.hostname} within ${lim.why}` }),
        );
        address = r.address;
        family = r.family;
      } catch (err) {
        if (err instanceof Fail) throw err;
        throw fail({
          class: 'DNS_FAILURE',
          detail: `${target.hostname} does not resolve: ${describeError(err)}`,
        });
      }
    }
    if (main) this.timings.dnsMs = this.clock() - tDns;

    if (target.url.protocol === 'http:') {
      const tConnect = this.clock();
      const tcp = await this.connectTcp(address, family, target.port, (c) => fail(c));
      if (main) this.timings.connectMs = this.clock() - tConnect;
      let late: unknown;
      tcp.on('error', (e) => {
        late ??= e;
      });
      return { socket: tcp, isTls: false, protocol: null, clientCertSent: false, lateError: () => late };
    }

    // TCP then TLS on one socket. The secure context comes from the cache, before anything is dialled (built
    // there when the material is new, so neither clock includes it).
    const context = this.secureContext(inputs, clientCertSent);
    const tConnect = this.clock();
    let tTls = 0;
    const { socket, peer } = await this.connectTls(
      address,
      family,
      target,
      context,
      clientCertSent,
      fail,
      () => {
        tTls = this.clock();
        if (main) this.timings.connectMs = tTls - tConnect;
      },
    );
    if (main) this.timings.tlsMs = this.clock() - tTls;
    let late: unknown;
    socket.on('error', (e) => {
      late ??= e;
    });
    socket.on('close', () => {
      late ??= Object.assign(new Error('the server closed the connection'), { code: 'ECONNRESET' });
    });

    const protocol = socket.getProtocol();
    const chain = peerChain(socket, peer);
    if (main) {
      this.tlsInfo = {
        protocol,
        cipher: socket.getCipher()?.name ?? null,
        chain: chain.map((c) => summarize(c, this.now)),
        clientCert: this.tlsInfo?.clientCert ?? null,
      };
      const leaf = chain[0];
      if (leaf) {
        const days = daysUntil(leaf.validTo, this.now);
        if (days >= 0 && days <= this.p.tls.certExpiryWarningDays) {
          this.warnings.push({
            class: 'CERT_EXPIRING_SOON',
            detail: `server certificate ${leaf.subject} expires in ${days} days (${leaf.validTo.toISOString()})`,
          });
        }
      }
    }
    this.verify(socket, chain, peer, target, inputs, (c) => fail(c));
    return { socket, isTls: true, protocol, clientCertSent, lateError: () => late };
  }

  private connectTcp(
    address: string,
    family: number,
    port: number,
    fail: (c: Classified) => Fail,
  ): Promise<net.Socket> {
    const lim = this.limit('connect');
    return new Promise((resolve, reject) => {
      const sock = net.connect({ host: address, port, ...(family ? { family } : {}) });
      this.sockets.push(sock);
      const timer = setTimeout(() => {
        sock.destroy();
        reject(
          fail({
            class: 'CONNECT_TIMEOUT',
            detail: `no TCP connection to ${address}:${port} within ${lim.why}`,
          }),
        );
      }, lim.ms);
      sock.once('connect', () => {
        clearTimeout(timer);
        sock.removeAllListeners('error');
        resolve(sock);
      });
      sock.on('error', (err) => {
        clearTimeout(timer);
        reject(fail(classifyConnectError(err)));
      });
    });
  }

  /** The secure context for this probe's TLS material; CONFIG_ERROR when OpenSSL refuses the material. */
  private secureContext(inputs: Inputs, clientCertSent: boolean): tls.SecureContext {
    try {
      // The resolved values: a changed referenced version or cipher list is new material, a new context.
      return (this.deps.tlsContexts ?? defaultTlsContexts).get({
        ...(inputs.ca !== undefined ? { ca: inputs.ca } : {}),
        ...(clientCertSent ? { cert: inputs.clientCert, key: inputs.clientKey } : {}),
        ...(clientCertSent && inputs.passphrase !== undefined ? { passphrase: inputs.passphrase } : {}),
        minVersion: inputs.minVersion,
        ...(inputs.maxVersion !== undefined ? { maxVersion: inputs.maxVersion } : {}),
        ...(inputs.ciphers !== undefined ? { ciphers: inputs.ciphers } : {}),
      });
    } catch (err) {
      throw new Fail(
        'CONFIG_ERROR',
        `OpenSSL rejected the TLS settings (tls.ca, tls.ciphers, min/maxVersion${this.tlsSources()}): ${describeError(err)}`,
      );
    }
  }

  /**
   * TCP connect and TLS handshake on one TLSSocket (one socket object instead of a net.Socket wrapped by
   * tls.connect: ~0.08 ms less per probe). Errors and timeouts before the TCP connection are connect failures,
   * after it handshake failures; `onConnected` runs when TCP is up, just before Node sends the ClientHello.
   * Resolves with the socket and, when the chain verified, the certificate Node read for its own host name
   * check (`getPeerCertificate(true)`, the whole chain), so it is not converted a second time.
   */
  private connectTls(
    address: string,
    family: number,
    target: Target,
    secureContext: tls.SecureContext,
    clientCertSent: boolean,
    fail: (c: Classified) => Fail,
    onConnected: () => void,
  ): Promise<{ socket: tls.TLSSocket; peer: tls.PeerCertificate | undefined }> {
    const connectLim = this.limit('connect');
    let peer: tls.PeerCertificate | undefined;
    let socket: tls.TLSSocket;
    try {
      socket = tls.connect({
        host: address,
        port: target.port,
        ...(family ? { family } : {}),
        secureContext,
        ...(target.servername !== undefined ? { servername: target.servername } : {}),
        // Verification is done separately (verify()), so the chain is read even when it does not verify.
        rejectUnauthorized: false,
        // Node calls this after a chain verified, with getPeerCertificate(true); verify() checks the name.
        checkServerIdentity: (_host, cert) => {
          peer = cert;
          return undefined;
        },
        ALPNProtocols: ['http/1.1'],
      });
    } catch (err) {
      return Promise.reject(
        new Fail(
          'CONFIG_ERROR',
          `OpenSSL rejected the TLS settings (tls.ca, tls.ciphers, min/maxVersion${this.tlsSources()}): ${describeError(err)}`,
        ),
      );
    }
    this.sockets.push(socket as unknown as net.Socket);
    let keyExchanged = false;
    socket.once('keylog', () => {
      keyExchanged = true;
    });
    return new Promise((resolve, reject) => {
      let connected = false;
      let settled = false;
      let timer: NodeJS.Timeout;
      const settle = (fn: () => void) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        socket.removeListener('error', onError);
        socket.removeListener('close', onClose);
        fn();
      };
      const onError = (err: Error) =>
        settle(() =>
          reject(
            fail(
              connected
                ? classifyHandshakeError(err, { keyExchanged, clientCertSent })
                : classifyConnectError(err),
            ),
          ),
        );
      const onClose = () => {
        const closed = Object.assign(
          new Error(
            connected
              ? 'the connection closed during the TLS handshake'
              : 'the connection closed before it was up',
          ),
          { code: 'ECONNRESET' },
        );
        onError(closed);
      };
      timer = setTimeout(
        () =>
          settle(() => {
            socket.destroy();
            reject(
              fail({
                class: 'CONNECT_TIMEOUT',
                detail: `no TCP connection to ${address}:${target.port} within ${connectLim.why}`,
              }),
            );
          }),
        connectLim.ms,
      );
      // Before Node's own 'connect' listener, which sends the ClientHello: the TLS clock includes it.
      socket.prependOnceListener('connect', () => {
        if (settled) return;
        connected = true;
        clearTimeout(timer);
        onConnected();
        let lim: { ms: number; why: string };
        try {
          lim = this.limit('tls');
        } catch (err) {
          settle(() => {
            socket.destroy();
            reject(err);
          });
          return;
        }
        timer = setTimeout(
          () =>
            settle(() => {
              socket.destroy();
              reject(
                fail({
                  class: 'TLS_HANDSHAKE_TIMEOUT',
                  detail: `TCP connected but no TLS handshake answer within ${lim.why}${keyExchanged ? ' (stalled after the key exchange)' : ''}`,
                }),
              );
            }),
          lim.ms,
        );
      });
      socket.on('error', onError);
      socket.on('close', onClose);
      socket.once('secureConnect', () => settle(() => resolve({ socket, peer })));
    });
  }

  /** Verification, separate from reading: dates, trust, host name, pins. */
  private verify(
    socket: tls.TLSSocket,
    chain: readonly ChainCert[],
    peer: tls.PeerCertificate | undefined,
    target: Target,
    inputs: Inputs,
    fail: (c: Classified) => Fail,
  ): void {
    const t = this.p.tls;
    const leaf = chain[0];
    if (!leaf) throw fail({ class: 'TLS_PROTOCOL_ERROR', detail: 'the server presented no certificate' });
    if (t.verify) {
      const authErr = socket.authorizationError as unknown as string | Error | null;
      let authCode = authErr
        ? typeof authErr === 'string'
          ? authErr
          : ((authErr as { code?: string }).code ?? authErr.message)
        : null;
      // Node reports its own host name check here too; ours runs below with the configured server name.
      if (authCode?.startsWith('ERR_TLS_CERT_ALTNAME')) authCode = null;
      // Dates first, on our own clock, for every certificate presented: an expired certificate is reported
      // with its dates whatever else is wrong with the chain.
      for (const [i, c] of chain.entries()) {
        const which = i === 0 ? 'server certificate' : `chain certificate #${i}`;
        const name = c.subject;
        if (this.now.getTime() > c.validTo.getTime()) {
          throw fail({
            class: 'CERT_EXPIRED',
            detail: `${which} ${name} expired on ${c.validTo.toISOString()} (${dayCount(daysSince(c.validTo, this.now))} ago; valid from ${c.validFrom.toISOString()})${authCode ? ` [${authCode}]` : ''}`,
          });
        }
        if (this.now.getTime() < c.validFrom.getTime()) {
          throw fail({
            class: 'CERT_NOT_YET_VALID',
            detail: `${which} ${name} is not valid until ${c.validFrom.toISOString()} (check the server's clock or a too-early certificate rollout)${authCode ? ` [${authCode}]` : ''}`,
          });
        }
      }
      if (authCode === 'CERT_HAS_EXPIRED') {
        throw fail({ class: 'CERT_EXPIRED', detail: `a certificate in the chain has expired [${authCode}]` });
      }
      if (authCode === 'CERT_NOT_YET_VALID') {
        throw fail({
          class: 'CERT_NOT_YET_VALID',
          detail: `a certificate in the chain is not yet valid [${authCode}]`,
        });
      }
      if (authCode) {
        throw fail({
          class: 'CERT_UNTRUSTED',
          detail: `${authCode}: ${untrustedHint(authCode)}; leaf ${formatName(leaf.x509.subject)} issued by ${formatName(leaf.x509.issuer)}`,
        });
      }
      const idErr = tls.checkServerIdentity(target.identity, peer ?? socket.getPeerCertificate());
      if (idErr) {
        const names = leaf.x509.subjectAltName ?? `CN ${formatName(leaf.x509.subject)}`;
        throw fail({
          class: 'CERT_HOSTNAME_MISMATCH',
          detail: `the certificate does not cover ${target.identity} (${(idErr as Error & { code?: string }).code ?? 'ERR_TLS_CERT_ALTNAME_INVALID'}); it covers ${names}`,
        });
      }
    }
    const pins = inputs.pins;
    if (target.main && pins && pins.length > 0) {
      const presented = chain.map((c) => c.pin);
      if (!presented.some((pin) => pins.includes(pin))) {
        throw fail({
          class: 'CERT_PIN_MISMATCH',
          detail: `no certificate in the chain matches tls.pins${this.from('tls.pins')}; the chain's pins are ${presented.join(', ')} (leaf first)`,
        });
      }
    }
  }

  // ---------------------------------------------------------------- http

  private async talk(first: Conn, inputs: Inputs): Promise<void> {
    let conn = first;
    const auth = this.p.auth;
    const creds = inputs.creds;
    const request = auth?.request;
    const headers: Record<string, string> = { 'user-agent': 'payprobe', accept: '*/*', ...request?.headers };
    const requestPath = inputs.requestPath ?? '/';
    // A referenced path is shown without its query (it may carry a key); a plain one as written.
    const shownPath = this.referenced.has('auth.request.path') ? publicUrl(requestPath) : requestPath;

    if (creds?.type === 'oauth2-client-credentials') {
      const tokenTarget = this.tokenTarget(creds.tokenUrl, inputs);
      const sameOrigin = tokenTarget.url.origin === inputs.url.origin;
      const tokenConn = sameOrigin ? conn : await this.open(tokenTarget, inputs, conn.clientCertSent);
      const token = await this.requestToken(
        tokenConn,
        tokenTarget,
        creds,
        sameOrigin && request !== undefined,
      );
      if (!request) return;
      headers.authorization = `Bearer ${token.token}`;
      this.secretValues.add(token.token);
      // The token endpoint may close the shared connection (`connection: close`, or simply hanging up): the
      // request then goes over a fresh one to the same host with the same TLS settings, not over a dead socket.
      if (sameOrigin && !token.reusable)
        conn = await this.open(tokenTarget, inputs, conn.clientCertSent, false);
      // http.status is the configured request's from here on, not the token response's.
      this.status = null;
    } else if (creds) {
      Object.assign(headers, credentialHeaders(creds));
    }

    if (!request) {
      await this.settleAfterHandshake(conn);
      return;
    }
    const res = await this.send(conn, {
      method: request.method,
      path: joinPath(inputs.url, requestPath),
      headers,
      ...(request.body !== undefined ? { body: request.body } : {}),
      keepAlive: false,
      what: `${request.method} ${shownPath}`,
    });
    this.status = res.status;
    const expect = auth?.expectStatus ?? [200];
    if (expect.includes(res.status)) return;
    if (res.status === 401 || res.status === 403) {
      throw new Fail(
        'AUTH_REJECTED',
        `${request.method} ${shownPath} answered ${res.status} ${HTTP_REASON[res.status]}${authHint(res)}: the credentials were refused`,
      );
    }
    if (res.status >= 300 && res.status < 400) {
      throw new Fail(
        'HTTP_ERROR',
        `${request.method} ${shownPath} answered ${res.status} ${redirectNote(res, inputs.url)}`,
      );
    }
    throw new Fail(
      'HTTP_ERROR',
      `${request.method} ${shownPath} answered ${res.status}, expected ${expect.join(' or ')}`,
    );
  }

  private tokenTarget(tokenUrl: string, inputs: Inputs): Target {
    if (tokenUrl.startsWith('/')) {
      const url = new URL(inputs.url.href);
      url.pathname = joinPath(inputs.url, tokenUrl).split('?')[0] ?? '/';
      return { ...this.targetOf(inputs.url, inputs.servername, true), url };
    }
    let url: URL;
    try {
      url = new URL(tokenUrl);
    } catch {
      throw new Fail(
        'CONFIG_ERROR',
        `auth.credentials.tokenUrl${this.from('auth.credentials.tokenUrl')} is neither a path (/...) nor an absolute URL`,
      );
    }
    if (url.origin === inputs.url.origin)
      return { ...this.targetOf(inputs.url, inputs.servername, true), url };
    return this.targetOf(url, undefined, false);
  }

  private async requestToken(
    conn: Conn,
    target: Target,
    creds: Extract<ResolvedCredentials, { type: 'oauth2-client-credentials' }>,
    keepAlive: boolean,
  ): Promise<{ token: string; reusable: boolean }> {
    const form = new URLSearchParams({ grant_type: 'client_credentials' });
    if (creds.scope) form.set('scope', creds.scope);
    const headers: Record<string, string> = {
      'user-agent': 'payprobe',
      accept: 'application/json',
      'content-type': 'application/x-www-form-urlencoded',
    };
    if (creds.clientAuth === 'post') {
      form.set('client_id', creds.clientId);
      form.set('client_secret', creds.clientSecret);
    } else {
      // RFC 6749 2.3.1: client id and secret are form-encoded before base64.
      const enc = (s: string) => new URLSearchParams({ s }).toString().slice(2);
      headers.authorization = `Basic ${Buffer.from(`${enc(creds.clientId)}:${enc(creds.clientSecret)}`).toString('base64')}`;
    }
    const path = `${target.url.pathname}${target.url.search}`;
    const res = await this.send(conn, {
      method: 'POST',
      path,
      headers,
      body: form.toString(),
      keepAlive,
      what: `token request POST ${target.url.pathname}`,
      host: target,
    });
    this.status = res.status;
    const body = parseJson(res.body);
    const error =
      typeof body?.error === 'string' && /^[a-z_]{1,40}$/.test(body.error) ? body.error : undefined;
    if (res.status >= 200 && res.status < 300) {
      const token = body?.access_token;
      if (typeof token === 'string' && token.length > 0) {
        // The token goes into an Authorization header: CR/LF or other control characters would make the request
        // unbuildable, and that fault is the token endpoint's, not the config's. The value is never printed.
        if (!USABLE_TOKEN.test(token)) {
          throw new Fail(
            'HTTP_ERROR',
            `token endpoint ${target.url.pathname} answered ${res.status}, but the token endpoint returned an unusable access_token (characters outside printable ASCII, such as CR/LF, that a header cannot carry)`,
          );
        }
        const connection = res.headers.connection;
        const reusable =
          keepAlive &&
          !/\bclose\b/i.test(typeof connection === 'string' ? connection : '') &&
          conn.lateError() === undefined &&
          !conn.socket.destroyed &&
          conn.socket.writable &&
          !conn.socket.readableEnded;
        return { token, reusable };
      }
      throw new Fail(
        'HTTP_ERROR',
        `token endpoint ${target.url.pathname} answered ${res.status} without an access_token${res.truncated ? ' (response larger than maxBodyBytes)' : ''}`,
      );
    }
    const what = `token endpoint ${target.url.pathname} answered ${res.status}${error ? ` ${error}` : ''}`;
    if (
      res.status === 401 ||
      res.status === 403 ||
      error === 'invalid_client' ||
      error === 'unauthorized_client'
    ) {
      throw new Fail('AUTH_REJECTED', `${what}: the client id/secret were refused`);
    }
    if (res.status >= 300 && res.status < 400)
      throw new Fail('HTTP_ERROR', `${what} ${redirectNote(res, target.url)}`);
    throw new Fail('HTTP_ERROR', what);
  }

  private async send(
    conn: Conn,
    r: {
      method: string;
      path: string;
      headers: Record<string, string>;
      body?: string;
      keepAlive: boolean;
      what: string;
      host?: Target;
    },
  ): Promise<ExchangeResponse> {
    this.httpAttempted = true;
    const classifyLate = (err: unknown): Fail => {
      if (!conn.isTls)
        return new Fail(
          'HTTP_ERROR',
          `${r.what}: the connection failed before a response: ${describeError(err)}`,
        );
      const c = classifyPostHandshakeError(err, {
        keyExchanged: true,
        clientCertSent: conn.clientCertSent,
        protocol: conn.protocol,
      });
      return new Fail(c.class, `${c.class === 'HTTP_ERROR' ? `${r.what}: ` : ''}${c.detail}`);
    };
    const early = conn.lateError();
    if (early !== undefined || conn.socket.destroyed) throw classifyLate(early);
    const lim = this.limit('http');
    const target = r.host ?? this.mainTarget;
    if (!target) throw new Error('no target');
    try {
      const res = await exchange({
        socket: conn.socket,
        method: r.method,
        path: r.path,
        host: hostHeader(target),
        headers: r.headers,
        ...(r.body !== undefined ? { body: r.body } : {}),
        keepAlive: r.keepAlive,
        timeoutMs: lim.ms,
        maxBodyBytes: this.p.maxBodyBytes,
        clock: this.clock,
      });
      if (this.timings.firstByteMs === null) this.timings.firstByteMs = res.firstByteMs;
      return res;
    } catch (err) {
      if (!(err instanceof ExchangeError)) throw err;
      const causeCode = errorCode(err.cause);
      if (
        err.kind === 'invalid-request' ||
        (causeCode !== undefined && INVALID_REQUEST_CODES.has(causeCode))
      ) {
        throw new Fail(
          'CONFIG_ERROR',
          `${r.what}: the request cannot be built (a header name or a credential value holds invalid characters): ${describeError(err.cause)}`,
        );
      }
      if (err.kind === 'timeout')
        throw new Fail('RESPONSE_TIMEOUT', `${r.what}: no response within ${lim.why} after the handshake`);
      if (err.kind === 'body-timeout')
        throw new Fail(
          'RESPONSE_TIMEOUT',
          `${r.what}: the response head came but the body stalled past ${lim.why}`,
        );
      throw classifyLate(conn.lateError() ?? err.cause);
    }
  }

  /**
   * With nothing to send: give the server a moment to reject us after the handshake (TLS 1.3 delivers a
   * client-certificate verdict only after our Finished; some servers hang up on a refused certificate).
   */
  private async settleAfterHandshake(conn: Conn): Promise<void> {
    if (!conn.isTls) return;
    const tls13 = conn.protocol === 'TLSv1.3';
    if (!tls13 && !conn.clientCertSent) return;
    const remaining = this.deadline - this.clock();
    const grace = Math.max(
      0,
      Math.min(this.deps.postHandshakeGraceMs ?? Math.min(250, this.p.timeoutMs / 2), remaining - 1),
    );
    const socket = conn.socket as tls.TLSSocket;
    await new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        socket.removeListener('session', onSession);
        socket.removeListener('close', done);
        socket.removeListener('error', done);
        resolve();
      };
      // Without a client certificate a TLS 1.3 session ticket means the server accepted our Finished.
      const onSession = () => {
        if (!conn.clientCertSent) done();
      };
      const timer = setTimeout(done, grace);
      socket.on('session', onSession);
      socket.on('close', done);
      socket.on('error', done);
      socket.resume();
    });
    const late = conn.lateError();
    if (late !== undefined) {
      const c = classifyPostHandshakeError(late, {
        keyExchanged: true,
        clientCertSent: conn.clientCertSent,
        protocol: conn.protocol,
      });
      throw new Fail(
        c.class === 'HTTP_ERROR' ? 'TLS_CONNECTION_RESET' : c.class,
        c.class === 'HTTP_ERROR'
          ? `the server closed the connection right after the handshake: ${describeError(late)}`
          : c.detail,
      );
    }
  }

  /** " (from ssm NAME)" when this run read `field` from a reference, else "". */
  private from(field: string): string {
    const ref = this.referenced.get(field);
    return ref ? ` (from ${describeRef(ref)})` : '';
  }

  /** "; tls.ciphers from ssm NAME" for each TLS setting this run read from a reference. */
  private tlsSources(): string {
    return ['tls.minVersion', 'tls.maxVersion', 'tls.ciphers']
      .flatMap((f) => {
        const ref = this.referenced.get(f);
        return ref ? [`; ${f} from ${describeRef(ref)}`] : [];
      })
      .join('');
  }

  private redact(text: string): string {
    let out = text;
    for (const v of this.secretValues) if (v.length >= 4) out = out.split(v).join('[redacted]');
    return out;
  }
}

function credentialHeaders(
  c: Exclude<ResolvedCredentials, { type: 'oauth2-client-credentials' }>,
): Record<string, string> {
  switch (c.type) {
    case 'bearer':
      return { authorization: `Bearer ${c.token}` };
    case 'basic':
      return { authorization: `Basic ${Buffer.from(`${c.username}:${c.password}`).toString('base64')}` };
    case 'header':
      return { [c.name.toLowerCase()]: c.value };
  }
}

function hostHeader(t: Target): string {
  const name = t.servername ?? (t.hostname.includes(':') ? `[${t.hostname}]` : t.hostname);
  const defaultPort = t.url.protocol === 'https:' ? 443 : 80;
  return t.port === defaultPort ? name : `${name}:${t.port}`;
}

/** The endpoint's base path joined with a request path: https://h/checkout + /v71/x → /checkout/v71/x. */
function joinPath(base: URL, path: string): string {
  const prefix = base.pathname.replace(/\/+$/, '');
  return `${prefix}${path}`;
}

/**
 * A URL as it may appear in inputs (JSON output, Lambda logs): without userinfo, query string and fragment,
 * which can carry keys (`?api_key=...`). A path (a relative token URL) loses its query and fragment; anything
 * else that is not a URL is hashed.
 */
function publicUrl(s: string): string {
  if (s.startsWith('/')) return s.replace(/[?#].*$/s, '');
  try {
    const u = new URL(s);
    u.username = '';
    u.password = '';
    u.search = '';
    u.hash = '';
    return u.href;
  } catch {
    return publicFingerprint(s);
  }
}

function redirectNote(res: ExchangeResponse, from: URL): string {
  const loc = res.headers.location;
  let to = 'elsewhere';
  if (typeof loc === 'string') {
    try {
      const u = new URL(loc, from);
      to = `${u.origin}${u.pathname}`;
    } catch {
      to = 'an unreadable location';
    }
  }
  return `(redirect to ${to}, not followed: payprobe never follows redirects, so credentials never leave ${from.origin})`;
}

function authHint(res: ExchangeResponse): string {
  const h = res.headers['www-authenticate'];
  const v = Array.isArray(h) ? h[0] : h;
  const m = v ? /error="([a-z_]{1,40})"/.exec(v) : null;
  return m ? ` (${m[1]})` : '';
}

function parseJson(buf: Buffer): Record<string, unknown> | undefined {
  try {
    const v: unknown = JSON.parse(buf.toString('utf8').replace(/^\uFEFF/, ''));
    return typeof v === 'object' && v !== null ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function rankOf(v: TlsVersion): number {
  return ['TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'].indexOf(v);
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}

function roundOrNull(ms: number | null): number | null {
  return ms === null ? null : round(ms);
}
