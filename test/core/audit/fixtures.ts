/**
 * Fixtures for the audit tests: a baseline config with no finding, helpers that change it (as JSON, validated
 * like a file), an in-memory SecretResolver, real client certificates from the testbed PKI, and the rule-case
 * shape (a config that fires a rule, and a close one that stays quiet).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { type AuditOptions, audit, type Finding, type RuleId } from '../../../lambdas/core/audit';
import { type LoadedConfig, parseConfig } from '../../../lambdas/core/config/load';
import type { SecretRef } from '../../../lambdas/core/config/schema';
import { describeRef, SecretError, type SecretResolver } from '../../../lambdas/core/secrets/resolver';
import { createPki, type Issued, type TestPki } from '../../../testbed/pki';

export const PIN_A = `sha256/${'A'.repeat(43)}=`;
export const PIN_B = `sha256/${'B'.repeat(43)}=`;
/** The config's folder and the client certificates the rules judge; filled by useAuditFixtures(). */
export const fx = {} as {
  dir: string;
  file: string;
  pki: TestPki;
  good: Issued;
  other: Issued;
  expired: Issued;
  notYet: Issued;
  expiring: Issued;
  weak: Issued;
};

/** Creates the fixtures before a test file's tests and removes the folder after them. */
export function useAuditFixtures(): void {
  beforeAll(async () => {
    fx.dir = mkdtempSync(path.join(tmpdir(), 'payprobe-audit-'));
    fx.file = path.join(fx.dir, 'payprobe.yaml');
    fx.pki = await createPki();
    [fx.good, fx.other, fx.expired, fx.notYet, fx.expiring, fx.weak] = await Promise.all([
      fx.pki.clientCert(),
      fx.pki.clientCert(),
      fx.pki.clientCert({ expired: true }),
      fx.pki.clientCert({ notYetValid: true }),
      fx.pki.clientCert({ validDays: 11 }),
      fx.pki.clientCert({ weak: 'sha1' }),
    ]);
    writeFileSync(path.join(fx.dir, 'ca.pem'), fx.pki.caPem);
  });
  afterAll(() => rmSync(fx.dir, { recursive: true, force: true }));
}

/** Reads references from a map keyed by describeRef(); a missing one fails like an unreachable AWS source. */
export class MapSecrets implements SecretResolver {
  readonly reads: string[] = [];
  constructor(private readonly values: Record<string, string>) {}
  async resolve(ref: SecretRef) {
    const key = describeRef(ref);
    this.reads.push(key);
    const value = this.values[key];
    if (value === undefined)
      throw new SecretError(ref, 'CredentialsProviderError: Could not load credentials');
    return { value };
  }
}

// biome-ignore lint/suspicious/noExplicitAny: test configs are loose JSON, validated by parseConfig like a file
export type Json = Record<string, any>;

/** A config with no findings at all: HTTPS, verified TLS, an auth check from Secrets Manager, both topics. */
export function base(): Json {
  return {
    alerting: { critical: [{ email: 'oncall@example.com' }], warning: [{ email: 'team@example.com' }] },
    processors: [
      {
        name: 'acme',
        endpoint: 'https://api.acme.example',
        auth: {
          request: { method: 'GET', path: '/v1/ping' },
          credentials: { type: 'bearer', token: { secretsManager: 'acme/api-key' } },
        },
      },
    ],
  };
}

export function load(mutate: (c: Json) => void = () => {}): LoadedConfig {
  const c = base();
  mutate(c);
  return parseConfig(JSON.stringify(c), fx.file);
}

/** For states the loader already rejects (a ProcessorConfig built by other code must still be audited). */
export function patched(mutate: (cfg: LoadedConfig) => LoadedConfig): LoadedConfig {
  return mutate(load());
}

export const p0 = (c: Json): Json => c.processors[0];
export const mtls = (cert: string, key: string) => (c: Json) => {
  p0(c).tls = { clientCert: { secretsManager: 'acme/cert' }, clientKey: { secretsManager: 'acme/key' } };
  return { 'secretsManager acme/cert': cert, 'secretsManager acme/key': key };
};

export interface Input {
  readonly config: LoadedConfig;
  readonly options?: AuditOptions;
}

export interface Case {
  readonly name: string;
  readonly rule: RuleId;
  /** The field the finding must name. */
  readonly field: string;
  /** @default the rule's severity */
  readonly severity?: Finding['severity'];
  readonly fires: () => Input;
  readonly quiet: () => Input;
}

export function withSecrets(mutate: (c: Json) => Record<string, string>, extra: AuditOptions = {}): Input {
  let values: Record<string, string> = {};
  const config = load((c) => {
    values = mutate(c);
  });
  return { config, options: { secrets: new MapSecrets(values), ...extra } };
}

export function stripe(): Json {
  return {
    name: 'stripe',
    preset: 'stripe',
    auth: { credentials: { type: 'bearer', token: { secretsManager: 'stripe/key' } } },
  };
}

export function razorpay(keyId: string): Json {
  return {
    name: 'razorpay',
    preset: 'razorpay',
    auth: { credentials: { type: 'basic', username: keyId, password: { secretsManager: 'rzp/secret' } } },
  };
}

export function paypal(extra: Json = {}): Json {
  return {
    name: 'paypal',
    preset: 'paypal',
    auth: {
      credentials: {
        type: 'oauth2-client-credentials',
        clientId: 'client-id',
        clientSecret: { secretsManager: 'paypal/secret' },
      },
    },
    ...extra,
  };
}

export async function run(input: Input): Promise<Finding[]> {
  return [...(await audit(input.config, input.options)).findings];
}
