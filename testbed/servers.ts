/**
 * Simulated payment processors on 127.0.0.1 (ephemeral ports) for tests, `payprobe demo` and benchmarks:
 * real TLS servers with the testbed PKI, each reproducing one way a processor connection breaks.
 *
 *   const bed = await Testbed.start();
 *   const api = await bed.start('healthy', { credentials: { type: 'bearer', token: 'sk_test_1' } });
 *   const config = await bed.processor('stripe', api);          // endpoint, CA, credentials filled in
 *   const result = await probe(config, bed.deps());
 *   await bed.close();
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as http from 'node:http';
import * as https from 'node:https';
import * as net from 'node:net';
import type * as tls from 'node:tls';
import type { ProcessorConfig, ResolvedAuth } from '../lambdas/core/config/load';
import type { Credentials, SecretRef, TlsVersion } from '../lambdas/core/config/schema';
import type { ProbeDeps } from '../lambdas/core/engine/probe';
import { MemorySecrets } from './memory-secrets';
import { type CertOptions, createPki, type Issued, selfSignedCert, type TestPki } from './pki';

export const LOOPBACK = '127.0.0.1';

/** What a simulated processor does. */
export const SIM_KINDS = [
  'healthy',
  'expiring-soon',
  'expired',
  'not-yet-valid',
  'wrong-host',
  'self-signed',
  'untrusted-root',
  'incomplete-chain',
  'client-cert-tls12',
  'client-cert-tls13',
  'legacy-tls',
  'cipher-alert',
  'oauth',
  'redirect',
  'slow',
  'error',
  'plaintext',
  'silent',
  'reset',
  'refused',
  'syn-dropped',
] as const;
export type SimKind = (typeof SIM_KINDS)[number];

/** The credential a simulated API accepts; anything else gets 401. */
export type ExpectedCredentials =
  | { readonly type: 'bearer'; readonly token: string }
  | { readonly type: 'basic'; readonly username: string; readonly password: string }
  | { readonly type: 'header'; readonly name: string; readonly value: string };

export interface SimOptions {
  /** Credential the API requires (401 otherwise). @default none: every request is accepted */
  readonly credentials?: ExpectedCredentials;
  /** For 'oauth': the client the token endpoint accepts (401 {"error":"invalid_client"} otherwise). */
  readonly oauth?: {
    readonly clientId: string;
    readonly clientSecret: string;
    /** @default '/oauth/token' */
    readonly path?: string;
    /** Status of the invalid_client answer (RFC 6749 allows 400 or 401). @default 401 */
    readonly invalidClientStatus?: 400 | 401;
    /** Answer the token request with `connection: close` and hang up after it. @default false */
    readonly tokenConnectionClose?: boolean;
    /** The access_token to issue, instead of a fresh random one per request. @default random */
    readonly accessToken?: string;
  };
  /** Status of an authorized request. @default 200 (500 for 'error') */
  readonly status?: number;
  /** Stream an endless body (no content-length) after the head of an authorized answer. @default false */
  readonly endlessBody?: boolean;
  /** Delay before answering. @default 0 (1500 for 'slow') */
  readonly delayMs?: number;
  /** For 'redirect': the Location. */
  readonly redirectTo?: string;
  /** Server certificate options (hosts, validity). */
  readonly cert?: CertOptions;
}

export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
  /** The SNI server name the client sent (TLS servers only). */
  readonly servername?: string;
  /** The client's port: requests with different ports came over different connections. */
  readonly remotePort?: number;
}

export interface SimulatedProcessor {
  readonly kind: SimKind;
  /** https://127.0.0.1:PORT (http:// for 'plaintext' is still given as https: it is the port a TLS client dials). */
  readonly url: string;
  readonly host: string;
  readonly port: number;
  /** Requests the server read (healthy-style servers only). */
  readonly requests: readonly RecordedRequest[];
  /** The credential it accepts, when any. */
  readonly credentials?: ExpectedCredentials;
  readonly oauth?: { readonly clientId: string; readonly clientSecret: string; readonly path: string };
  /** TLS settings of the integration this fault needs to show (e.g. a cipher list for 'cipher-alert'). */
  readonly clientTls?: {
    readonly ciphers?: string;
    readonly maxVersion?: TlsVersion;
    readonly minVersion?: TlsVersion;
  };
  /** The certificate the server presents, when TLS. */
  readonly serverCert?: Issued;
  /** Whether the server demands a client certificate. */
  readonly requiresClientCert: boolean;
  close(): Promise<void>;
}

// ------------------------------------------------------------------ low-level servers

interface HttpsServerOptions {
  readonly cert: string;
  readonly key: string;
  readonly options?: SimOptions;
  readonly tls?: Partial<tls.TlsOptions>;
}

function credentialOk(expected: ExpectedCredentials | undefined, req: http.IncomingMessage): boolean {
  if (!expected) return true;
  switch (expected.type) {
    case 'bearer':
      return req.headers.authorization === `Bearer ${expected.token}`;
    case 'basic':
      return (
        req.headers.authorization ===
        `Basic ${Buffer.from(`${expected.username}:${expected.password}`).toString('base64')}`
      );
    case 'header':
      return req.headers[expected.name.toLowerCase()] === expected.value;
  }
}

function oauthClient(req: http.IncomingMessage, body: string): { id?: string; secret?: string } {
  const auth = req.headers.authorization;
  if (auth?.startsWith('Basic ')) {
    const [id, secret] = Buffer.from(auth.slice(6), 'base64').toString().split(':');
    const dec = (s: string | undefined) =>
      s === undefined ? undefined : decodeURIComponent(s.replace(/\+/g, ' '));
    return { id: dec(id), secret: dec(secret) };
  }
  const form = new URLSearchParams(body);
  return { id: form.get('client_id') ?? undefined, secret: form.get('client_secret') ?? undefined };
}

const json = (
  res: http.ServerResponse,
  status: number,
  body: unknown,
  headers: http.OutgoingHttpHeaders = {},
) => {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
};

/** The API handler shared by every HTTPS kind: OAuth token endpoint, credential check, redirect, delay, status. */
function apiHandler(o: SimOptions, requests: RecordedRequest[]): http.RequestListener {
  const issued = new Set<string>();
  const tokenPath = o.oauth?.path ?? '/oauth/token';
  return (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString();
      const sni = (req.socket as tls.TLSSocket & { servername?: string | false }).servername;
      requests.push({
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        body,
        ...(typeof sni === 'string' ? { servername: sni } : {}),
        ...(req.socket.remotePort !== undefined ? { remotePort: req.socket.remotePort } : {}),
      });
      const answer = () => {
        if (o.redirectTo) {
          res.writeHead(302, { location: o.redirectTo, 'content-length': 0 });
          res.end();
          return;
        }
        if (o.oauth && req.url?.split('?')[0] === tokenPath) {
          const c = oauthClient(req, body);
          if (req.method !== 'POST' || new URLSearchParams(body).get('grant_type') !== 'client_credentials') {
            json(res, 400, { error: 'unsupported_grant_type' });
          } else if (c.id === o.oauth.clientId && c.secret === o.oauth.clientSecret) {
            const token = o.oauth.accessToken ?? `tok_${randomBytes(12).toString('hex')}`;
            issued.add(token);
            json(
              res,
              200,
              { access_token: token, token_type: 'Bearer', expires_in: 3600 },
              o.oauth.tokenConnectionClose ? { connection: 'close' } : {},
            );
          } else {
            json(res, o.oauth.invalidClientStatus ?? 401, {
              error: 'invalid_client',
              error_description: 'Client Authentication failed',
            });
          }
          return;
        }
        const bearer = req.headers.authorization?.startsWith('Bearer ')
          ? req.headers.authorization.slice(7)
          : undefined;
        const authorized = o.oauth
          ? bearer !== undefined && issued.has(bearer)
          : credentialOk(o.credentials, req);
        if (!authorized) {
          json(
            res,
            401,
            { error: { type: 'invalid_request_error', message: 'Invalid API key provided' } },
            { 'www-authenticate': 'Bearer error="invalid_token"' },
          );
          return;
        }
        const status = o.status ?? 200;
        if (o.endlessBody) {
          res.writeHead(status, { 'content-type': 'application/json' });
          const chunk = Buffer.alloc(16 * 1024, ' ');
          const pump = () => {
            while (!res.destroyed && res.write(chunk)) {
              // fill the socket until it pushes back
            }
            if (!res.destroyed) res.once('drain', pump);
          };
          pump();
          return;
        }
        json(
          res,
          status,
          status < 400
            ? { object: 'balance', available: [{ amount: 0, currency: 'usd' }] }
            : { error: 'internal' },
        );
      };
      if (o.delayMs) setTimeout(answer, o.delayMs);
      else answer();
    });
  };
}

function listen(server: net.Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, LOOPBACK, () => resolve((server.address() as net.AddressInfo).port));
  });
}

/** Tracks sockets so close() ends kept-alive and stalled connections too (TLS sockets before the TCP under them). */
function tracked(server: net.Server): () => Promise<void> {
  const sockets = new Set<net.Socket>();
  const secure = new Set<tls.TLSSocket>();
  server.on('connection', (s: net.Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => undefined);
  });
  server.on('secureConnection', (s: tls.TLSSocket) => {
    secure.add(s);
    s.on('close', () => secure.delete(s));
    s.on('error', () => undefined);
  });
  server.on('tlsClientError', () => undefined);
  return () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      for (const s of secure) s.destroy();
      for (const s of sockets) s.destroy();
    });
}

async function httpsServer(
  o: HttpsServerOptions,
): Promise<{ port: number; requests: RecordedRequest[]; close: () => Promise<void> }> {
  const requests: RecordedRequest[] = [];
  const server = https.createServer(
    { cert: o.cert, key: o.key, ...o.tls },
    apiHandler(o.options ?? {}, requests),
  );
  server.keepAliveTimeout = 1000;
  const close = tracked(server);
  const port = await listen(server);
  return { port, requests, close };
}

async function rawServer(
  onConnection: (s: net.Socket) => void,
): Promise<{ port: number; close: () => Promise<void> }> {
  const server = net.createServer(onConnection);
  const close = tracked(server);
  const port = await listen(server);
  return { port, close };
}

/**
 * A port with nothing listening: connecting is refused. Port 1 (tcpmux) rather than an ephemeral port that
 * was bound and released: a released ephemeral port can be taken at once by another test server (seen in CI:
 * the "refused" probe reached a TLS server and failed CERT_HOSTNAME_MISMATCH).
 */
export const REFUSED_PORT = 1;

/**
 * A port whose SYNs go unanswered, the way a firewall that drops packets behaves, on loopback: a listener
 * in a child process that never accepts (its thread sleeps in Atomics.wait), its accept queue filled by
 * idle connections. Linux then drops further SYNs, so a connect only times out.
 */
export async function synDroppingPort(): Promise<{ port: number; close: () => Promise<void> }> {
  const script = `const s = require('node:net').createServer().listen({ port: 0, host: '${LOOPBACK}', backlog: 1 }, () => {
  process.stdout.write(s.address().port + '\\n');
  setTimeout(() => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 120000), 20);
});`;
  const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('error', reject);
    child.stdout.once('data', (d) => resolve(Number(String(d).trim())));
  });
  await new Promise((r) => setTimeout(r, 100)); // the child is asleep: nothing accepts any more
  const fillers: net.Socket[] = [];
  for (let i = 0; i < 3; i++) {
    const c = net.connect(port, LOOPBACK);
    c.on('error', () => undefined);
    fillers.push(c);
    await new Promise((r) => setTimeout(r, 20));
  }
  return {
    port,
    close: async () => {
      for (const f of fillers) f.destroy();
      child.kill('SIGKILL');
    },
  };
}

// ------------------------------------------------------------------ the testbed

export interface ProcessorOptions {
  readonly timeoutMs?: number;
  /** @default 2 × timeoutMs */
  readonly budgetMs?: number;
  readonly slowResponseMs?: number;
  readonly maxBodyBytes?: number;
  /** Extra TLS settings (merged over the ones the testbed derives). */
  readonly tls?: Partial<ProcessorConfig['tls']>;
  /** Add the testbed root as tls.ca. @default true */
  readonly trustTestbedCa?: boolean;
  /** Which credentials to configure, from the simulated processor's expected ones. @default 'valid' */
  readonly credentials?: 'valid' | 'wrong' | 'none';
  /** Which client certificate to configure. @default 'valid' when the processor requires one, else 'none' */
  readonly clientCert?: 'valid' | 'expired' | 'expiring-soon' | 'other-ca' | 'wrong-key' | 'none';
  /** Replaces the derived auth settings entirely. */
  readonly auth?: ResolvedAuth;
  /** The request to send with the credentials. @default GET /v1/balance (none for 'oauth') */
  readonly request?: ResolvedAuth['request'] | null;
  readonly expectStatus?: readonly number[];
}

export interface TestbedOptions {
  /** Reuse an existing PKI. @default a new one */
  readonly pki?: TestPki;
}

/** A throwaway PKI, an in-memory secret store and any number of simulated processors; close() ends them all. */
export class Testbed {
  readonly secrets = new MemorySecrets();
  private readonly closers: (() => Promise<void>)[] = [];
  private counter = 0;
  private otherPki?: Promise<TestPki>;
  private readonly clientCerts = new Map<string, Promise<Issued>>();

  private constructor(readonly pki: TestPki) {}

  static async start(options: TestbedOptions = {}): Promise<Testbed> {
    return new Testbed(options.pki ?? (await createPki()));
  }

  /** Probe dependencies reading this testbed's secrets. */
  deps(extra: Partial<ProbeDeps> = {}): ProbeDeps {
    return { secrets: this.secrets, ...extra };
  }

  /** Starts one simulated processor. */
  async start(kind: SimKind, options: SimOptions = {}): Promise<SimulatedProcessor> {
    const base = { kind, host: LOOPBACK, requiresClientCert: false };
    const done = (
      port: number,
      close: () => Promise<void>,
      extra: Partial<SimulatedProcessor> = {},
    ): SimulatedProcessor => {
      this.closers.push(close);
      return { ...base, url: `https://${LOOPBACK}:${port}`, port, requests: [], close, ...extra };
    };
    const https = async (
      cert: Issued,
      chain: string,
      tlsOpts: Partial<tls.TlsOptions> = {},
      extra: Partial<SimulatedProcessor> = {},
      o: SimOptions = options,
    ) => {
      const s = await httpsServer({ cert: chain, key: cert.key, options: o, tls: tlsOpts });
      return done(s.port, s.close, {
        requests: s.requests,
        serverCert: cert,
        ...(o.credentials ? { credentials: o.credentials } : {}),
        ...(o.oauth ? { oauth: { ...o.oauth, path: o.oauth.path ?? '/oauth/token' } } : {}),
        ...extra,
      });
    };
    const leaf = (o: CertOptions = {}) => this.pki.serverCert({ ...options.cert, ...o });

    switch (kind) {
      case 'healthy': {
        const c = await leaf();
        return https(c, c.chain);
      }
      case 'expiring-soon': {
        const c = await leaf({ notBefore: new Date(Date.now() - 80 * 86_400_000), validDays: 85 });
        return https(c, c.chain);
      }
      case 'expired': {
        const c = await leaf({ expired: true });
        return https(c, c.chain);
      }
      case 'not-yet-valid': {
        const c = await leaf({ notYetValid: true });
        return https(c, c.chain);
      }
      case 'wrong-host': {
        const c = await leaf({ hosts: ['api.wrong-host.example'] });
        return https(c, c.chain);
      }
      case 'self-signed': {
        const c = await selfSignedCert(options.cert);
        return https(c, c.chain);
      }
      case 'untrusted-root': {
        const c = await (await this.unknownCa()).serverCert(options.cert);
        return https(c, c.chain);
      }
      case 'incomplete-chain': {
        const c = await leaf();
        return https(c, c.cert); // the leaf alone, without its intermediate
      }
      case 'client-cert-tls12':
      case 'client-cert-tls13': {
        const c = await leaf();
        const v: TlsVersion = kind === 'client-cert-tls12' ? 'TLSv1.2' : 'TLSv1.3';
        return https(
          c,
          c.chain,
          { requestCert: true, rejectUnauthorized: true, ca: this.pki.caPem, minVersion: v, maxVersion: v },
          { requiresClientCert: true },
        );
      }
      case 'legacy-tls': {
        const c = await leaf();
        return https(c, c.chain, {
          minVersion: 'TLSv1',
          maxVersion: 'TLSv1.1',
          ciphers: 'DEFAULT@SECLEVEL=0',
        });
      }
      case 'cipher-alert': {
        // The processor accepts only AES-256-GCM on TLS 1.2; the integration offers only AES-128-GCM.
        const c = await leaf();
        return https(
          c,
          c.chain,
          { maxVersion: 'TLSv1.2', ciphers: 'ECDHE-ECDSA-AES256-GCM-SHA384' },
          {
            clientTls: { maxVersion: 'TLSv1.2', ciphers: 'ECDHE-ECDSA-AES128-GCM-SHA256' },
          },
        );
      }
      case 'oauth': {
        const c = await leaf();
        const oauth = options.oauth ?? {
          clientId: 'payprobe-client',
          clientSecret: `cs_${randomBytes(8).toString('hex')}`,
        };
        return https(c, c.chain, {}, {}, { ...options, oauth });
      }
      case 'redirect': {
        const c = await leaf();
        return https(
          c,
          c.chain,
          {},
          {},
          { ...options, redirectTo: options.redirectTo ?? 'https://login.elsewhere.example/v1/balance' },
        );
      }
      case 'slow': {
        const c = await leaf();
        return https(c, c.chain, {}, {}, { ...options, delayMs: options.delayMs ?? 1500 });
      }
      case 'error': {
        const c = await leaf();
        return https(c, c.chain, {}, {}, { ...options, status: options.status ?? 500 });
      }
      case 'plaintext': {
        const requests: RecordedRequest[] = [];
        const server = http.createServer(apiHandler(options, requests));
        const close = tracked(server);
        const port = await listen(server);
        return done(port, close, { requests });
      }
      case 'silent': {
        const s = await rawServer(() => undefined);
        return done(s.port, s.close);
      }
      case 'reset': {
        const s = await rawServer((sock) => sock.once('data', () => sock.resetAndDestroy()));
        return done(s.port, s.close);
      }
      case 'refused': {
        return done(REFUSED_PORT, async () => undefined);
      }
      case 'syn-dropped': {
        const s = await synDroppingPort();
        return done(s.port, s.close);
      }
    }
  }

  /** Starts several at once: `await bed.fleet({ ok: 'healthy', old: 'expired' })`. */
  async fleet<K extends string>(
    specs: Record<K, SimKind | { kind: SimKind; options?: SimOptions }>,
  ): Promise<Record<K, SimulatedProcessor>> {
    const entries = await Promise.all(
      (Object.entries(specs) as [K, SimKind | { kind: SimKind; options?: SimOptions }][]).map(
        async ([name, spec]) => {
          const s =
            typeof spec === 'string' ? await this.start(spec) : await this.start(spec.kind, spec.options);
          return [name, s] as const;
        },
      ),
    );
    return Object.fromEntries(entries) as Record<K, SimulatedProcessor>;
  }

  /** A second PKI whose root no client trusts. */
  private unknownCa(): Promise<TestPki> {
    this.otherPki ??= createPki({ name: 'unknown-ca' });
    return this.otherPki;
  }

  /** A client certificate from the testbed PKI (cached per variant). */
  clientCert(variant: 'valid' | 'expired' | 'expiring-soon' | 'other-ca'): Promise<Issued> {
    let p = this.clientCerts.get(variant);
    if (!p) {
      const day = 86_400_000;
      p =
        variant === 'other-ca'
          ? this.unknownCa().then((o) => o.clientCert())
          : this.pki.clientCert(
              variant === 'expired'
                ? { expired: true }
                : variant === 'expiring-soon'
                  ? { notBefore: new Date(Date.now() - 85 * day), validDays: 90 }
                  : {},
            );
      this.clientCerts.set(variant, p);
    }
    return p;
  }

  /** A ProcessorConfig probing `sim` the way a correctly configured integration would (override any part). */
  async processor(
    name: string,
    sim: SimulatedProcessor | string,
    o: ProcessorOptions = {},
  ): Promise<ProcessorConfig> {
    const id = `${name}-${++this.counter}`;
    const url = typeof sim === 'string' ? sim : sim.url;
    const s = typeof sim === 'string' ? undefined : sim;
    const timeoutMs = o.timeoutMs ?? 2000;
    const tlsSettings: Record<string, unknown> = { ...s?.clientTls };
    if (o.trustTestbedCa ?? true) tlsSettings.ca = this.secrets.put(`testbed/${id}/ca`, this.pki.caPem, 'v1');
    const cc = o.clientCert ?? (s?.requiresClientCert ? 'valid' : 'none');
    if (cc !== 'none') {
      const cert = await this.clientCert(cc === 'wrong-key' ? 'valid' : cc);
      const key = cc === 'wrong-key' ? (await this.clientCert('other-ca')).key : cert.key;
      tlsSettings.clientCert = this.secrets.put(`testbed/${id}/client-cert`, cert.chain, 'v1');
      tlsSettings.clientKey = this.secrets.put(`testbed/${id}/client-key`, key, 'v1');
    }
    const auth = o.auth ?? this.auth(id, s, o);
    return {
      name,
      environment: 'production',
      endpoint: url,
      intervalSeconds: 60,
      timeoutMs,
      budgetMs: o.budgetMs ?? timeoutMs * 2,
      slowResponseMs: o.slowResponseMs ?? 1000,
      maxBodyBytes: o.maxBodyBytes ?? 65536,
      metrics: 'full',
      tls: {
        minVersion: 'TLSv1.2',
        verify: true,
        certExpiryWarningDays: 21,
        clientCertExpiryWarningDays: 21,
        ...(tlsSettings as Partial<ProcessorConfig['tls']>),
        ...o.tls,
      },
      ...(auth ? { auth } : {}),
      alarms: {},
      baseDir: process.cwd(),
    };
  }

  private auth(id: string, s: SimulatedProcessor | undefined, o: ProcessorOptions): ResolvedAuth | undefined {
    const which = o.credentials ?? 'valid';
    const put = (field: string, value: string): SecretRef =>
      this.secrets.put(`testbed/${id}/${field}`, which === 'wrong' ? `wrong-${value}` : value, 'v1');
    let credentials: Credentials | undefined;
    if (which !== 'none' && s?.oauth) {
      credentials = {
        type: 'oauth2-client-credentials',
        tokenUrl: s.oauth.path,
        clientId: s.oauth.clientId,
        clientSecret: put('client-secret', s.oauth.clientSecret),
      };
    } else if (which !== 'none' && s?.credentials) {
      const c = s.credentials;
      credentials =
        c.type === 'bearer'
          ? { type: 'bearer', token: put('token', c.token) }
          : c.type === 'basic'
            ? { type: 'basic', username: c.username, password: put('password', c.password) }
            : { type: 'header', name: c.name, value: put('value', c.value) };
    }
    const defaultRequest = s?.oauth ? undefined : { method: 'GET', path: '/v1/balance', headers: {} };
    const request = o.request === null ? undefined : (o.request ?? defaultRequest);
    if (!credentials && !request) return undefined;
    return {
      ...(request ? { request } : {}),
      ...(credentials ? { credentials } : {}),
      expectStatus: o.expectStatus ?? [200],
    };
  }

  /** Stops every server this testbed started. */
  async close(): Promise<void> {
    await Promise.all(this.closers.splice(0).map((c) => c()));
  }
}
