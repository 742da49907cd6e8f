/**
 * The simulated processors: each kind reproduces one way a processor connection breaks (certificate faults,
 * client-certificate demands, legacy TLS, cipher alerts, OAuth, redirects, slowness, errors, plaintext,
 * silence, resets, refused and dropped connections), with the types that describe them. Testbed.start()
 * (servers.ts) starts one; docs/engine.md "The loopback testbed" lists the kinds.
 */
import { randomBytes } from 'node:crypto';
import * as http from 'node:http';
import type * as tls from 'node:tls';
import { DAY_MS } from '../../lambdas/core/checks/expiry';
import type { TlsVersion } from '../../lambdas/core/config/schema';
import { type CertOptions, type Issued, selfSignedCert, type TestPki } from '../pki';
import { apiHandler } from './api';
import {
  httpsServer,
  LOOPBACK,
  listen,
  REFUSED_PORT,
  rawServer,
  synDroppingPort,
  tracked,
} from './listeners';

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
  'weak-signature',
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
  'closes-after-handshake',
  'resets-after-handshake',
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
  /** The body of an authorized answer. @default a Stripe-like balance object (an error object from 400 up) */
  readonly body?: { readonly text: string; readonly contentType?: string };
  /** Stream an endless body (no content-length) after the head of an authorized answer. @default false */
  readonly endlessBody?: boolean;
  /** Delay before answering. @default 0 (1500 for 'slow') */
  readonly delayMs?: number;
  /** For 'redirect': the Location. */
  readonly redirectTo?: string;
  /** Server certificate options (hosts, validity, weak signature, OCSP URL). */
  readonly cert?: CertOptions;
  /**
   * Staple an OCSP response to every handshake that asks for one (Node's 'OCSPRequest' event), given the
   * server certificate: e.g. testbed/ocsp.ts fetchOcspResponse. @default none stapled
   */
  readonly staple?: (cert: Issued) => Buffer | Promise<Buffer>;
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

/** What starting a kind needs from its testbed: the PKI that signs its certificates, and a root nobody trusts. */
export interface ProcessorEnv {
  readonly pki: TestPki;
  unknownCa(): Promise<TestPki>;
}

/** Starts one simulated processor of `kind`; its close() stops it. */
export async function startProcessor(
  kind: SimKind,
  options: SimOptions,
  env: ProcessorEnv,
): Promise<SimulatedProcessor> {
  const base = { kind, host: LOOPBACK, requiresClientCert: false };
  const done = (
    port: number,
    close: () => Promise<void>,
    extra: Partial<SimulatedProcessor> = {},
  ): SimulatedProcessor => {
    return { ...base, url: `https://${LOOPBACK}:${port}`, port, requests: [], close, ...extra };
  };
  const https = async (
    cert: Issued,
    chain: string,
    tlsOpts: Partial<tls.TlsOptions> = {},
    extra: Partial<SimulatedProcessor> = {},
    o: SimOptions = options,
  ) => {
    const s = await httpsServer({
      cert: chain,
      key: cert.key,
      issued: cert,
      options: o,
      tls: tlsOpts,
      ...(kind === 'closes-after-handshake' ? { afterHandshake: 'close' as const } : {}),
      ...(kind === 'resets-after-handshake' ? { afterHandshake: 'reset' as const } : {}),
    });
    return done(s.port, s.close, {
      requests: s.requests,
      serverCert: cert,
      ...(o.credentials ? { credentials: o.credentials } : {}),
      ...(o.oauth ? { oauth: { ...o.oauth, path: o.oauth.path ?? '/oauth/token' } } : {}),
      ...extra,
    });
  };
  const leaf = (o: CertOptions = {}) => env.pki.serverCert({ ...options.cert, ...o });

  switch (kind) {
    case 'healthy': {
      const c = await leaf();
      return https(c, c.chain);
    }
    case 'expiring-soon': {
      const c = await leaf({ notBefore: new Date(Date.now() - 80 * DAY_MS), validDays: 85 });
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
      const c = await (await env.unknownCa()).serverCert(options.cert);
      return https(c, c.chain);
    }
    case 'incomplete-chain': {
      const c = await leaf();
      return https(c, c.cert); // the leaf alone, without its intermediate
    }
    case 'weak-signature': {
      // Signed with ECDSA-with-SHA1 (or, with cert.weak 'rsa512', a 512-bit RSA key): the server has to
      // drop to SECLEVEL=0 to present it at all; a client at the default level refuses the chain.
      const weak = options.cert?.weak ?? 'sha1';
      const c = await leaf({ weak });
      return https(c, c.chain, {
        ciphers: 'DEFAULT@SECLEVEL=0',
        ...(weak === 'rsa512' ? { maxVersion: 'TLSv1.2' as const } : {}),
      });
    }
    case 'client-cert-tls12':
    case 'client-cert-tls13': {
      const c = await leaf();
      const v: TlsVersion = kind === 'client-cert-tls12' ? 'TLSv1.2' : 'TLSv1.3';
      return https(
        c,
        c.chain,
        { requestCert: true, rejectUnauthorized: true, ca: env.pki.caPem, minVersion: v, maxVersion: v },
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
      // Reads and drops what the client sends (so a client's close is seen and the socket freed), never answers.
      const s = await rawServer((sock) => sock.resume());
      return done(s.port, s.close);
    }
    case 'reset': {
      const s = await rawServer((sock) => sock.once('data', () => sock.resetAndDestroy()));
      return done(s.port, s.close);
    }
    case 'closes-after-handshake':
    case 'resets-after-handshake': {
      // The handshake completes (TLS 1.2 or 1.3, as the client caps it), then the server hangs up at once.
      const c = await leaf();
      return https(c, c.chain);
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
