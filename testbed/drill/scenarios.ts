/**
 * The incidents `payprobe drill` plays (docs/training.md): each starts healthy processors on 127.0.0.1 with a
 * throwaway PKI, breaks one thing the way it broke in real life, and can put it back. The config references
 * its settings in an in-memory secret store ({ secretsManager: ... }, versions included), so a change of a
 * gateway setting is a new version of a secret, exactly what a deployed probe sees (InputChanged).
 *
 * Every scenario asks the one question on-call must answer first: is the cause ours (our gateway, our
 * settings, our certificates) or theirs (the processor)?
 */
import { randomBytes } from 'node:crypto';
import { DAY_MS } from '../../lambdas/core/checks/expiry';
import type { ProcessorConfig } from '../../lambdas/core/config/model';
import { MemorySecrets } from '../memory-secrets';
import { createPki, type TestPki } from '../pki';
import { DrillProxy } from './proxy';
import { DrillServer } from './server';

export type Side = 'ours' | 'theirs';

/** A scenario, set up: the processors to probe, and how to break and restore the world. */
export interface DrillStage {
  readonly processors: readonly ProcessorConfig[];
  readonly secrets: MemorySecrets;
  /** Makes the incident happen. */
  breakIt(): Promise<void> | void;
  /** Applies the fix (the runbook's), so the last probe passes. */
  restore(): Promise<void> | void;
  /** Stops every listener. */
  close(): Promise<void>;
}

export interface DrillScenario {
  readonly id: string;
  readonly title: string;
  /** What the trainee is told before the pages arrive. */
  readonly setting: string;
  readonly answer: Side;
  /** What happened, told after the answer. */
  readonly story: string;
  /** The fix the drill applies before the last probe. */
  readonly fix: string;
  /** Needs a stage of the engine this build does not have yet (shown by --list). */
  readonly pending?: string;
  setup(): Promise<DrillStage>;
}

/** Drill credentials start with this, so tests can assert none is ever printed. */
export const DRILL_SECRET_PREFIX = 'sk_drill_';

/** Every drill credential made in this process, for masking output (they are random per run). */
const ISSUED: string[] = [];

function token(): string {
  const t = `${DRILL_SECRET_PREFIX}${randomBytes(12).toString('hex')}`;
  ISSUED.push(t);
  return t;
}

/** The credentials the drills made so far. */
export function drillCredentials(): readonly string[] {
  return ISSUED;
}

/** A processor as a config file would give it: settings by reference, production, 60-s probing. */
function processor(
  name: string,
  url: string,
  refs: { ca: string; token: string; clientCert?: string; clientKey?: string; proxy?: string },
): ProcessorConfig {
  return {
    ...(refs.proxy ? { proxy: { url: refs.proxy } } : {}),
    name,
    environment: 'production',
    endpoint: url,
    intervalSeconds: 60,
    timeoutMs: 2000,
    budgetMs: 4000,
    slowResponseMs: 1500,
    maxBodyBytes: 65536,
    tls: {
      minVersion: 'TLSv1.2',
      verify: true,
      revocation: 'stapled',
      certExpiryWarningDays: 21,
      clientCertExpiryWarningDays: 21,
      ca: { secretsManager: refs.ca },
      ...(refs.clientCert ? { clientCert: { secretsManager: refs.clientCert } } : {}),
      ...(refs.clientKey ? { clientKey: { secretsManager: refs.clientKey } } : {}),
    },
    auth: {
      request: { method: 'GET', path: '/v1/balance', headers: {} },
      credentials: { type: 'bearer', token: { secretsManager: refs.token } },
      expectStatus: [200],
    },
    alarms: {},
    baseDir: process.cwd(),
  } as ProcessorConfig;
}

async function closeAll(servers: readonly DrillServer[]): Promise<void> {
  await Promise.all(servers.map((s) => s.close()));
}

const seed: DrillScenario = {
  id: 'seed',
  title: 'every handshake fails at once (the incident payprobe comes from)',
  setting:
    'Three processors (acme, bolt, cargo) are probed through the payment gateway. The gateway reads one CA bundle, shared by all three, from Secrets Manager (drill/gateway/ca-bundle).',
  answer: 'ours',
  story:
    'A change to the gateway replaced the shared CA bundle (drill/gateway/ca-bundle, version v2) with the sandbox root. Every processor presents the same certificates as before; our gateway no longer trusts them. Three processors failing at once, at the same stage, after one shared input changed: ours, not theirs. The postmortem lost three hours to chasing the processors.',
  fix: 'put the production CA bundle back (restore version v1 of drill/gateway/ca-bundle) and have the change reviewed; the live audit flags a sandbox root in a production bundle (ca-test-root).',
  async setup() {
    const [pki, sandbox] = await Promise.all([
      createPki({ name: 'Drill Payments' }),
      createPki({ name: 'Gateway Sandbox' }),
    ]);
    const secrets = new MemorySecrets();
    const servers: DrillServer[] = [];
    const names = ['acme', 'bolt', 'cargo'];
    const certs = await Promise.all(names.map(() => pki.serverCert()));
    const tokens = names.map(() => token());
    for (const [i, name] of names.entries()) {
      const server = await DrillServer.start({ cert: certs[i] as never, token: tokens[i] as string });
      servers.push(server);
      secrets.put(`drill/${name}/api-key`, tokens[i] as string, 'v1');
    }
    secrets.put('drill/gateway/ca-bundle', pki.caPem, 'v1');
    const processors = names.map((name, i) =>
      processor(name, (servers[i] as DrillServer).url, {
        ca: 'drill/gateway/ca-bundle',
        token: `drill/${name}/api-key`,
      }),
    );
    return {
      processors,
      secrets,
      breakIt: () => void secrets.put('drill/gateway/ca-bundle', sandbox.root.cert, 'v2'),
      restore: () => void secrets.put('drill/gateway/ca-bundle', pki.caPem, 'v3'),
      close: () => closeAll(servers),
    };
  },
};

const expiredServerCert: DrillScenario = {
  id: 'expired-server-cert',
  title: "a processor's server certificate expires",
  setting: 'One processor (acme) is probed with its API key and our CA bundle, both in Secrets Manager.',
  answer: 'theirs',
  story:
    "acme's server certificate expired: their renewal did not happen. None of our inputs changed; the page's dates show the certificate's validity ended. Theirs: open a ticket with acme (their status page, their support), keep the incident open, and do not change our trust settings to make the error go away.",
  fix: 'acme installs a renewed certificate (the drill has the server present one).',
  async setup() {
    const pki = await createPki({ name: 'Drill Payments' });
    const [good, expired] = await Promise.all([
      pki.serverCert(),
      pki.serverCert({
        notBefore: new Date(Date.now() - 400 * DAY_MS),
        notAfter: new Date(Date.now() - DAY_MS),
      }),
    ]);
    const secrets = new MemorySecrets();
    const t = token();
    const server = await DrillServer.start({ cert: good, token: t });
    secrets.put('drill/acme/api-key', t, 'v1');
    secrets.put('drill/acme/ca-bundle', pki.caPem, 'v1');
    return {
      processors: [
        processor('acme', server.url, { ca: 'drill/acme/ca-bundle', token: 'drill/acme/api-key' }),
      ],
      secrets,
      breakIt: () => server.present(expired),
      restore: () => server.present(good),
      close: () => server.close(),
    };
  },
};

/** Two PKIs: the processor trusts client certificates of the registered one only. */
async function clientPkis(): Promise<{ pki: TestPki; registered: TestPki; renewed: TestPki }> {
  const [pki, registered, renewed] = await Promise.all([
    createPki({ name: 'Drill Payments' }),
    createPki({ name: 'Our Client CA 2025' }),
    createPki({ name: 'Our Client CA 2026' }),
  ]);
  return { pki, registered, renewed };
}

const unregisteredClientCert: DrillScenario = {
  id: 'unregistered-client-cert',
  title: 'a renewed client certificate that was never registered',
  setting:
    'One processor (acme) requires mutual TLS. Our client certificate and key are in Secrets Manager (drill/acme/client-cert, drill/acme/client-key).',
  answer: 'ours',
  story:
    'Our client certificate was renewed (new versions of drill/acme/client-cert and client-key, issued by our new client CA) but the renewed certificate was never registered with acme. acme refuses it in the handshake: CLIENT_CERT_REJECTED right after our inputs changed. Ours: register the new certificate with the processor before switching, or switch back to the registered one until it is.',
  fix: 'switch back to the registered certificate (restore the previous versions) until acme has registered the new one.',
  async setup() {
    const { pki, registered, renewed } = await clientPkis();
    const [cert, oldClient, newClient] = await Promise.all([
      pki.serverCert(),
      registered.clientCert(),
      renewed.clientCert(),
    ]);
    const secrets = new MemorySecrets();
    const t = token();
    const server = await DrillServer.start({ cert, token: t, clientCa: registered.caPem });
    secrets.put('drill/acme/api-key', t, 'v1');
    secrets.put('drill/acme/ca-bundle', pki.caPem, 'v1');
    const use = (c: typeof oldClient, version: string) => {
      secrets.put('drill/acme/client-cert', c.chain, version);
      secrets.put('drill/acme/client-key', c.key, version);
    };
    use(oldClient, 'v1');
    return {
      processors: [
        processor('acme', server.url, {
          ca: 'drill/acme/ca-bundle',
          token: 'drill/acme/api-key',
          clientCert: 'drill/acme/client-cert',
          clientKey: 'drill/acme/client-key',
        }),
      ],
      secrets,
      breakIt: () => use(newClient, 'v2'),
      restore: () => use(oldClient, 'v3'),
      close: () => server.close(),
    };
  },
};

const rotatedCredentials: DrillScenario = {
  id: 'rotated-credentials',
  title: 'rotated credentials',
  setting: 'One processor (acme) is probed with an API key stored in Secrets Manager (drill/acme/api-key).',
  answer: 'ours',
  story:
    "The API key secret was rotated (new version v2 of drill/acme/api-key), but the new key was never activated at acme: every request gets 401, AUTH_REJECTED, starting right after our input changed. Ours: roll the secret back to the previous version (or activate the new key in acme's dashboard) and fix the rotation so it activates before it switches.",
  fix: 'restore the previous version of drill/acme/api-key.',
  async setup() {
    const pki = await createPki({ name: 'Drill Payments' });
    const cert = await pki.serverCert();
    const secrets = new MemorySecrets();
    const t = token();
    const server = await DrillServer.start({ cert, token: t });
    secrets.put('drill/acme/api-key', t, 'v1');
    secrets.put('drill/acme/ca-bundle', pki.caPem, 'v1');
    return {
      processors: [
        processor('acme', server.url, { ca: 'drill/acme/ca-bundle', token: 'drill/acme/api-key' }),
      ],
      secrets,
      breakIt: () => void secrets.put('drill/acme/api-key', token(), 'v2'),
      restore: () => void secrets.put('drill/acme/api-key', t, 'v3'),
      close: () => server.close(),
    };
  },
};

const proxyRefusing: DrillScenario = {
  id: 'proxy-refusing',
  title: "the gateway's forward proxy refuses the processor",
  setting:
    "One processor (acme) is reached the way the gateway reaches it: through the gateway's forward proxy (HTTP CONNECT).",
  answer: 'ours',
  story:
    "A change to the forward proxy's access list dropped acme's host: the proxy answers CONNECT with 403 (X-Squid-Error: ERR_ACCESS_DENIED), PROXY_REFUSED at stage proxy. The processor was never reached; none of the probe's inputs changed. Ours: the proxy is in our path (the page names the route and the proxy's answer); restore the allow-list entry and find the change.",
  fix: "put acme's host back on the proxy's allow-list (the drill's proxy tunnels again).",
  async setup() {
    const pki = await createPki({ name: 'Drill Payments' });
    const cert = await pki.serverCert();
    const secrets = new MemorySecrets();
    const t = token();
    const [server, proxy] = await Promise.all([DrillServer.start({ cert, token: t }), DrillProxy.start()]);
    secrets.put('drill/acme/api-key', t, 'v1');
    secrets.put('drill/acme/ca-bundle', pki.caPem, 'v1');
    return {
      processors: [
        processor('acme', server.url, {
          ca: 'drill/acme/ca-bundle',
          token: 'drill/acme/api-key',
          proxy: proxy.url,
        }),
      ],
      secrets,
      breakIt: () => proxy.refuse(true),
      restore: () => proxy.refuse(false),
      close: async () => {
        await Promise.all([proxy.close(), server.close()]);
      },
    };
  },
};

/** Every scenario, in the order --list shows them. */
export const SCENARIOS: readonly DrillScenario[] = [
  seed,
  expiredServerCert,
  unregisteredClientCert,
  proxyRefusing,
  rotatedCredentials,
];

export function scenarioNamed(id: string): DrillScenario | undefined {
  return SCENARIOS.find((s) => s.id === id);
}
