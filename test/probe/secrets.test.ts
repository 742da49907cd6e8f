/**
 * Secrets and parameters in the deployed probe: Secrets Manager and SSM at the SDK boundary
 * (aws-sdk-client-mock), cached across warm invocations for PAYPROBE_SECRET_TTL_SECONDS, re-read after it
 * so a rotated credential is used without a redeploy. Only Date is faked (Powertools' cache expiry reads it).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { GetSecretValueCommand, ResourceNotFoundException } from '@aws-sdk/client-secrets-manager';
import { GetParameterCommand } from '@aws-sdk/client-ssm';
import 'aws-sdk-client-mock-jest';
import type { ProcessorConfig } from '../../lambdas/core/config/load';
import type { ProbeResult } from '../../lambdas/core/contract/result';
import { SecretError } from '../../lambdas/core/secrets/resolver';
import { CachedSecretResolver } from '../../lambdas/glue/cached-secrets';
import { createHandler } from '../../lambdas/probe/handler';
import {
  capturedLogger,
  lambdaContext,
  mockedAwsClients,
  passing,
  scheduledEvent,
  stripeProcessor,
  virtualClock,
} from '../support/probe';

const { cloudwatch, secretsManager, ssm, cw, sm, ps } = mockedAwsClients();

const T0 = Date.parse('2026-03-02T10:00:00.000Z');

beforeEach(() => {
  // Only the wall clock is fake: timers, promises and the SDK run for real.
  jest.useFakeTimers({
    doNotFake: [
      'hrtime',
      'nextTick',
      'performance',
      'queueMicrotask',
      'setImmediate',
      'clearImmediate',
      'setInterval',
      'clearInterval',
      'setTimeout',
      'clearTimeout',
    ],
    now: T0,
  });
});

afterEach(() => {
  jest.useRealTimers();
});

function resolver(ttlSeconds = 60): CachedSecretResolver {
  return new CachedSecretResolver({ secretsManager, ssm, ttlSeconds });
}

describe('CachedSecretResolver', () => {
  it('returns a Secrets Manager value with its VersionId, and an SSM value with its Version', async () => {
    sm.on(GetSecretValueCommand, { SecretId: 'payprobe/stripe/api-key' }).resolves({
      SecretString: 'sk_test_aaa',
      VersionId: 'v-1',
    });
    ps.on(GetParameterCommand, { Name: '/payments/stripe/ca-bundle', WithDecryption: true }).resolves({
      Parameter: { Value: '-----BEGIN CERTIFICATE-----', Version: 7, Type: 'String' },
    });
    const r = resolver();
    await expect(r.resolve({ secretsManager: 'payprobe/stripe/api-key' }, '/var/task')).resolves.toEqual({
      value: 'sk_test_aaa',
      version: 'v-1',
    });
    await expect(r.resolve({ ssm: '/payments/stripe/ca-bundle' }, '/var/task')).resolves.toEqual({
      value: '-----BEGIN CERTIFICATE-----',
      version: '7',
    });
  });

  it('serves a value from the cache within the TTL and reads it again after', async () => {
    sm.on(GetSecretValueCommand)
      .resolvesOnce({ SecretString: 'sk_test_old', VersionId: 'v1' })
      .resolves({ SecretString: 'sk_test_new', VersionId: 'v2' });
    const r = resolver(60);
    const ref = { secretsManager: 'payprobe/stripe/api-key' };
    expect((await r.resolve(ref, '/')).value).toBe('sk_test_old');
    jest.setSystemTime(T0 + 59_000);
    expect((await r.resolve(ref, '/')).value).toBe('sk_test_old');
    expect(sm).toHaveReceivedCommandTimes(GetSecretValueCommand, 1);
    jest.setSystemTime(T0 + 61_000);
    expect(await r.resolve(ref, '/')).toEqual({ value: 'sk_test_new', version: 'v2' });
    expect(sm).toHaveReceivedCommandTimes(GetSecretValueCommand, 2);
  });

  it('fresh(): reads each reference from its source once within the TTL, and refreshes the cache with it', async () => {
    sm.on(GetSecretValueCommand)
      .resolvesOnce({ SecretString: 'sk_test_old', VersionId: 'v1' })
      .resolves({ SecretString: 'sk_test_new', VersionId: 'v2' });
    ps.on(GetParameterCommand).resolves({ Parameter: { Value: 'pem', Version: 1, Type: 'String' } });
    const r = resolver(60);
    const ref = { secretsManager: 'payprobe/stripe/api-key' };
    expect((await r.resolve(ref, '/')).value).toBe('sk_test_old');
    const fresh = r.fresh();
    expect(await fresh.resolve(ref, '/')).toEqual({ value: 'sk_test_new', version: 'v2' });
    // Once per reference per view: a second resolve through it uses the refreshed cache.
    expect((await fresh.resolve(ref, '/')).value).toBe('sk_test_new');
    expect(sm).toHaveReceivedCommandTimes(GetSecretValueCommand, 2);
    // The cache now holds the new value for the plain resolver too, within the TTL.
    expect((await r.resolve(ref, '/')).value).toBe('sk_test_new');
    expect(sm).toHaveReceivedCommandTimes(GetSecretValueCommand, 2);
    await fresh.resolve({ ssm: '/p' }, '/');
    expect(ps).toHaveReceivedCommandTimes(GetParameterCommand, 1);
    expect(r.sensitiveValues()).toEqual(expect.arrayContaining(['sk_test_old', 'sk_test_new']));
  });

  it('makes one call for concurrent reads of one reference', async () => {
    sm.on(GetSecretValueCommand).resolves({ SecretString: 'sk_test_x', VersionId: 'v1' });
    const r = resolver();
    const ref = { secretsManager: 'a' };
    await Promise.all([r.resolve(ref, '/'), r.resolve(ref, '/'), r.resolve(ref, '/')]);
    expect(sm).toHaveReceivedCommandTimes(GetSecretValueCommand, 1);
  });

  it('with TTL 0 reads on every resolve', async () => {
    sm.on(GetSecretValueCommand).resolves({ SecretString: 'sk_test_x', VersionId: 'v1' });
    const r = resolver(0);
    await r.resolve({ secretsManager: 'a' }, '/');
    await r.resolve({ secretsManager: 'a' }, '/');
    expect(sm).toHaveReceivedCommandTimes(GetSecretValueCommand, 2);
  });

  it('turns a missing secret into a SecretError naming the reference, and does not cache the failure', async () => {
    sm.on(GetSecretValueCommand)
      .rejectsOnce(
        new ResourceNotFoundException({
          message: "Secrets Manager can't find the specified secret.",
          $metadata: {},
        }),
      )
      .resolves({ SecretString: 'sk_test_back', VersionId: 'v1' });
    const r = resolver();
    const err = await r.resolve({ secretsManager: 'payprobe/stripe/api-key' }, '/').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SecretError);
    expect((err as Error).message).toBe(
      "cannot read secretsManager payprobe/stripe/api-key: not found (ResourceNotFoundException); check the name, the region and the function's permissions",
    );
    expect((await r.resolve({ secretsManager: 'payprobe/stripe/api-key' }, '/')).value).toBe('sk_test_back');
  });

  it('reports an access-denied error with its AWS name and message', async () => {
    const denied = Object.assign(new Error('User is not authorized to perform: ssm:GetParameter'), {
      name: 'AccessDeniedException',
    });
    ps.on(GetParameterCommand).rejects(denied);
    await expect(resolver().resolve({ ssm: '/x' }, '/')).rejects.toThrow(
      'cannot read ssm /x: AccessDeniedException: User is not authorized to perform: ssm:GetParameter',
    );
  });

  it('refuses { env } references: the deployed function has no secrets in its environment', async () => {
    await expect(resolver().resolve({ env: 'STRIPE_KEY' }, '/')).rejects.toThrow(SecretError);
  });

  it('reads { file } references relative to the bundle directory, without the final newline', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'payprobe-bundle-'));
    try {
      writeFileSync(path.join(dir, 'ca.pem'), 'PEM\n');
      await expect(resolver().resolve({ file: 'ca.pem' }, dir)).resolves.toEqual({ value: 'PEM' });
      await expect(resolver().resolve({ file: 'missing.pem' }, dir)).rejects.toThrow(
        'no such file in the function bundle',
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('lists Secrets Manager values and SecureStrings as sensitive, not plain String parameters', async () => {
    sm.on(GetSecretValueCommand).resolves({ SecretString: 'sk_test_secret', VersionId: 'v1' });
    ps.on(GetParameterCommand, { Name: '/plain' }).resolves({
      Parameter: { Value: 'https://api.example.com', Version: 1, Type: 'String' },
    });
    ps.on(GetParameterCommand, { Name: '/secure' }).resolves({
      Parameter: { Value: 'client-secret-value', Version: 1, Type: 'SecureString' },
    });
    const r = resolver();
    await r.resolve({ secretsManager: 'a' }, '/');
    await r.resolve({ ssm: '/plain' }, '/');
    await r.resolve({ ssm: '/secure' }, '/');
    expect([...r.sensitiveValues()].sort()).toEqual(['client-secret-value', 'sk_test_secret']);
  });
});

describe('the handler across warm invocations', () => {
  /** An engine that reads the bearer token through the resolver, as the real one does. */
  function tokenReadingEngine(seen: string[]) {
    return async (
      p: ProcessorConfig,
      deps: { secrets: { resolve: CachedSecretResolver['resolve'] } },
    ): Promise<ProbeResult> => {
      const creds = p.auth?.credentials;
      if (creds?.type !== 'bearer') throw new Error('test expects bearer credentials');
      const token = await deps.secrets.resolve(creds.token, p.baseDir);
      seen.push(token.value);
      return passing({
        startedAt: new Date().toISOString(),
        inputs: {
          endpoint: 'value:https://api.stripe.com',
          'auth.credentials.token': `version:${token.version}`,
        },
      });
    };
  }

  it('uses the cached secret within the TTL and the rotated one after it, flagging the input change', async () => {
    sm.on(GetSecretValueCommand, { SecretId: 'payprobe/stripe/api-key' })
      .resolvesOnce({ SecretString: 'sk_test_before_rotation', VersionId: 'v1' })
      .resolves({ SecretString: 'sk_test_after_rotation', VersionId: 'v2' });
    const seen: string[] = [];
    const log = capturedLogger();
    const handler = createHandler({
      env: { PAYPROBE_PROCESSOR: JSON.stringify(stripeProcessor()), PAYPROBE_SECRET_TTL_SECONDS: '90' },
      cloudwatch,
      secretsManager,
      ssm,
      logger: log.logger,
      engine: tokenReadingEngine(seen),
    });
    await handler(scheduledEvent(), lambdaContext());
    jest.setSystemTime(T0 + 60_000);
    await handler(scheduledEvent(), lambdaContext());
    expect(sm).toHaveReceivedCommandTimes(GetSecretValueCommand, 1);
    jest.setSystemTime(T0 + 120_000);
    await handler(scheduledEvent(), lambdaContext());
    expect(sm).toHaveReceivedCommandTimes(GetSecretValueCommand, 2);
    expect(seen).toEqual(['sk_test_before_rotation', 'sk_test_before_rotation', 'sk_test_after_rotation']);

    const inputChanged = cw
      .commandCalls(PutMetricDataCommand)
      .map((c) => c.args[0].input.MetricData?.find((d) => d.MetricName === 'InputChanged')?.Value);
    // Published only on the run where the input changed.
    expect(inputChanged).toEqual([undefined, undefined, 1]);
    const changeLog = log.lines().find((l) => l.message === 'probe inputs changed since the last run');
    expect(changeLog).toMatchObject({ fields: ['auth.credentials.token'], processor: 'stripe' });
    // Neither the values nor the fingerprints are logged; only field names.
    expect(log.raw()).not.toContain('sk_test_');
    expect(log.raw()).not.toContain('version:v2');
  });

  it('reads the secret once for all probes of a sub-minute invocation', async () => {
    jest.useRealTimers();
    sm.on(GetSecretValueCommand).resolves({ SecretString: 'sk_test_sub', VersionId: 'v1' });
    const seen: string[] = [];
    const clock = virtualClock(T0);
    const handler = createHandler({
      env: { PAYPROBE_PROCESSOR: JSON.stringify(stripeProcessor({ intervalSeconds: 10, budgetMs: 9000 })) },
      cloudwatch,
      secretsManager,
      ssm,
      logger: capturedLogger().logger,
      engine: tokenReadingEngine(seen),
      clock,
    });
    await handler(scheduledEvent(), lambdaContext(60_000, clock));
    expect(seen).toHaveLength(6);
    expect(sm).toHaveReceivedCommandTimes(GetSecretValueCommand, 1);
  });
});
