/**
 * Simulated payment processors on 127.0.0.1 (ephemeral ports) for tests, `payprobe demo` and benchmarks:
 * real TLS servers with the testbed PKI, each reproducing one way a processor connection breaks
 * (processors/kinds.ts), and configs that probe them the way a correctly configured integration would.
 *
 *   const bed = await Testbed.start();
 *   const api = await bed.start('healthy', { credentials: { type: 'bearer', token: 'sk_test_1' } });
 *   const config = await bed.processor('stripe', api);          // endpoint, CA, credentials filled in
 *   const result = await probe(config, bed.deps());
 *   await bed.close();
 */
import { DAY_MS } from '../lambdas/core/checks/expiry';
import type { ProcessorConfig, ResolvedAuth } from '../lambdas/core/config/load';
import type { Credentials, ExpectBody, ProxySettings, SecretRef } from '../lambdas/core/config/schema';
import type { ProbeDeps } from '../lambdas/core/engine/probe';
import { MemorySecrets } from './memory-secrets';
import { createPki, type Issued, type TestPki } from './pki';
import {
  type RecordedRequest,
  type SimKind,
  type SimOptions,
  type SimulatedProcessor,
  startProcessor,
} from './processors/kinds';
import { httpsServer, LOOPBACK } from './processors/listeners';
import {
  type PresetSimControl,
  type PresetSimName,
  type PresetSimOptions,
  presetHandler,
} from './processors/preset-sims';
import {
  type HostileProxy,
  type HostileProxyKind,
  type HostileProxyOptions,
  startHostileProxy,
} from './proxies/hostile';
import { type RunningProxy, startTinyproxy, type TinyproxyOptions } from './proxies/tinyproxy';

export {
  type ExpectedCredentials,
  type RecordedRequest,
  SIM_KINDS,
  type SimKind,
  type SimOptions,
  type SimulatedProcessor,
} from './processors/kinds';
export { LOOPBACK, REFUSED_PORT, synDroppingPort } from './processors/listeners';
export {
  PRESET_SIM_CREDENTIALS,
  PRESET_SIM_NAMES,
  type PresetFault,
  type PresetSimName,
  type PresetSimOptions,
} from './processors/preset-sims';
export {
  HOSTILE_PROXY_KINDS,
  type HostileProxy,
  type HostileProxyKind,
  type HostileProxyOptions,
} from './proxies/hostile';
export {
  type RunningProxy,
  TINYPROXY_MISSING,
  type TinyproxyOptions,
  tinyproxyPath,
} from './proxies/tinyproxy';

/** A stand-in for a preset's processor (processors/preset-sims.ts) on 127.0.0.1, with its controls. */
export interface PresetStandIn extends PresetSimControl {
  readonly preset: PresetSimName;
  /** https://127.0.0.1:PORT: the endpoint a config points the preset at. */
  readonly url: string;
  readonly port: number;
  /** Requests it read, in order. */
  readonly requests: readonly RecordedRequest[];
  close(): Promise<void>;
}

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
  /** auth.expectBody for the request. @default none */
  readonly expectBody?: ExpectBody;
  /** The forward proxy to probe through (proxySettings() builds one). @default none */
  readonly proxy?: ProcessorConfig['proxy'];
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
    const sim = await startProcessor(kind, options, { pki: this.pki, unknownCa: () => this.unknownCa() });
    this.closers.push(sim.close);
    return sim;
  }

  /** Starts a stand-in answering as the preset's processor documents (testbed/processors/preset-sims.ts). */
  async startPreset(name: PresetSimName, options: PresetSimOptions = {}): Promise<PresetStandIn> {
    const cert = await this.pki.serverCert();
    const { handler, control } = presetHandler(name, options);
    const server = await httpsServer({ cert: cert.chain, key: cert.key, handler });
    this.closers.push(server.close);
    return {
      preset: name,
      url: `https://${LOOPBACK}:${server.port}`,
      port: server.port,
      requests: server.requests,
      close: server.close,
      ...control,
    };
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
      p =
        variant === 'other-ca'
          ? this.unknownCa().then((o) => o.clientCert())
          : this.pki.clientCert(
              variant === 'expired'
                ? { expired: true }
                : variant === 'expiring-soon'
                  ? { notBefore: new Date(Date.now() - 85 * DAY_MS), validDays: 90 }
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
      tls: {
        minVersion: 'TLSv1.2',
        verify: true,
        revocation: 'stapled',
        certExpiryWarningDays: 21,
        clientCertExpiryWarningDays: 21,
        ...(tlsSettings as Partial<ProcessorConfig['tls']>),
        ...o.tls,
      },
      ...(auth ? { auth } : {}),
      ...(o.proxy ? { proxy: o.proxy } : {}),
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
      ...(o.expectBody ? { expectBody: o.expectBody } : {}),
    };
  }

  /** Starts a real tinyproxy on loopback (an Error with the install hint when it is not installed). */
  async tinyproxy(options: TinyproxyOptions = {}): Promise<RunningProxy> {
    const p = await startTinyproxy(options);
    this.closers.push(p.close);
    return p;
  }

  /** Starts a hand-built proxy that misbehaves in one way (proxies/hostile.ts). */
  async hostileProxy(kind: HostileProxyKind, options: HostileProxyOptions = {}): Promise<HostileProxy> {
    const p = await startHostileProxy(kind, options);
    this.closers.push(p.close);
    return p;
  }

  /** `proxy` settings for a processor: the proxy's URL, credentials and CA stored in this testbed's secrets. */
  proxySettings(
    proxy: RunningProxy | string,
    o: { credentials?: { username: string; password: string }; ca?: string } = {},
  ): ProxySettings {
    const id = `proxy-${++this.counter}`;
    return {
      url: typeof proxy === 'string' ? proxy : proxy.url,
      ...(o.credentials
        ? {
            credentials: {
              username: o.credentials.username,
              password: this.secrets.put(`testbed/${id}/password`, o.credentials.password, 'v1'),
            },
          }
        : {}),
      ...(o.ca !== undefined ? { ca: this.secrets.put(`testbed/${id}/ca`, o.ca, 'v1') } : {}),
    };
  }

  /** Stops every server this testbed started. */
  async close(): Promise<void> {
    await Promise.all(this.closers.splice(0).map((c) => c()));
  }
}
