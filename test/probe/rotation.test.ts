/**
 * Secret rotation and the 60-s confirmation, at the SDK boundary: the handler with the real probe engine
 * against loopback processors (real TLS, real certificates), its secrets read through the Lambda's cached
 * resolver from a mocked Secrets Manager backed by the testbed store. A secret is rotated between the first
 * probe and its confirmation; a failure the rotation explains must be confirmed with the value read afresh
 * (not the one cached before the rotation), so the run publishes the pass and nothing pages.
 */
import { PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import 'aws-sdk-client-mock-jest';
import type { ProcessorConfig } from '../../lambdas/core/config/load';
import type { ProbeResult } from '../../lambdas/core/contract/result';
import { probe } from '../../lambdas/core/engine/probe';
import { confirmationFor } from '../../lambdas/core/policy/probe-policy';
import { createHandler } from '../../lambdas/probe/handler';
import { Testbed } from '../../testbed/servers';
import {
  answerSecretsFrom,
  capturedLogger,
  lambdaContext,
  mockedAwsClients,
  scheduledEvent,
} from '../support/probe';

const { cloudwatch, secretsManager, ssm, cw, sm } = mockedAwsClients();

const OLD_TOKEN = 'sk_test_rotatedAwayOldToken_1';
const NEW_TOKEN = 'sk_test_rotatedInNewToken_2';
let bed: Testbed;

beforeAll(async () => {
  bed = await Testbed.start();
});
afterAll(async () => {
  await bed.close();
});
answerSecretsFrom(sm, () => bed.secrets);

function secretId(ref: unknown): string {
  const id = (ref as { secretsManager?: string } | undefined)?.secretsManager;
  if (!id) throw new Error('not a Secrets Manager reference');
  return id;
}

/**
 * Runs one 60-s invocation with the real engine; `rotate` runs right after the first probe, before the
 * confirmation. The secret TTL is the deployed default (60 s): without a forced read the cache would serve
 * the pre-rotation value to the confirmation.
 */
async function runAcrossRotation(processor: ProcessorConfig, rotate: () => void) {
  const log = capturedLogger();
  let probes = 0;
  const handler = createHandler({
    env: { PAYPROBE_PROCESSOR: JSON.stringify(processor) },
    cloudwatch,
    secretsManager,
    ssm,
    logger: log.logger,
    confirmPauseMs: 20,
    engine: async (p, deps): Promise<ProbeResult> => {
      const r = await probe(p, deps);
      if (++probes === 1) rotate();
      return r;
    },
  });
  const summary = await handler(scheduledEvent(), lambdaContext(30_000));
  const puts = cw.commandCalls(PutMetricDataCommand).map((c) => c.args[0].input);
  expect(puts).toHaveLength(1);
  const metric = (name: string) => puts[0]?.MetricData?.find((d) => d.MetricName === name);
  const text = JSON.stringify(puts) + log.raw();
  return { summary, probes, metric, text, logs: log.lines() };
}

function tokenId(processor: ProcessorConfig): string {
  const credentials = processor.auth?.credentials;
  if (credentials?.type !== 'bearer') throw new Error('not a bearer processor');
  return secretId(credentials.token);
}

function readsOf(id: string): number {
  return sm.commandCalls(GetSecretValueCommand).filter((c) => c.args[0].input.SecretId === id).length;
}

describe('a failure a rotated secret explains is confirmed with the secret read afresh', () => {
  it('AUTH_REJECTED with the cached old API token, token rotated: the confirmation reads the new one and the pass is published', async () => {
    const api = await bed.start('healthy', { credentials: { type: 'bearer', token: NEW_TOKEN } });
    const processor = await bed.processor('rotated-token', api);
    const id = tokenId(processor);
    bed.secrets.put(id, OLD_TOKEN, 'v1');

    const r = await runAcrossRotation(processor, () => bed.secrets.put(id, NEW_TOKEN, 'v2'));

    expect(r.probes).toBe(2);
    expect(r.summary.runs).toEqual([
      expect.objectContaining({ ok: true, reprobed: { firstClass: 'AUTH_REJECTED', confirmed: false } }),
    ]);
    expect(r.metric('Success')?.Value).toBe(1);
    expect(r.metric('AuthFailure')?.Value).toBe(0);
    expect(r.metric('Failure')).toBeUndefined();
    // Read once for the first probe (then cached), once more for the confirmation despite the 60-s TTL.
    expect(readsOf(id)).toBe(2);
    expect(r.logs.find((l) => l.message.startsWith('probe failed: AUTH_REJECTED'))?.message).toMatch(
      /read afresh/,
    );
    expect(r.text).not.toContain(OLD_TOKEN);
    expect(r.text).not.toContain(NEW_TOKEN);
  });

  it('CLIENT_CERT_REJECTED with the cached old client certificate, certificate rotated: the pass is published', async () => {
    const api = await bed.start('client-cert-tls13');
    const processor = await bed.processor('rotated-client-cert', api);
    const certId = secretId(processor.tls.clientCert);
    const keyId = secretId(processor.tls.clientKey);
    const valid = {
      cert: await bed.secrets.resolve({ secretsManager: certId }),
      key: await bed.secrets.resolve({ secretsManager: keyId }),
    };
    const stale = await bed.clientCert('other-ca');
    bed.secrets.put(certId, stale.chain, 'v1');
    bed.secrets.put(keyId, stale.key, 'v1');

    const r = await runAcrossRotation(processor, () => {
      bed.secrets.put(certId, valid.cert.value, 'v2');
      bed.secrets.put(keyId, valid.key.value, 'v2');
    });

    expect(r.summary.runs).toEqual([
      expect.objectContaining({
        ok: true,
        reprobed: { firstClass: 'CLIENT_CERT_REJECTED', confirmed: false },
      }),
    ]);
    expect(r.metric('Success')?.Value).toBe(1);
    expect(r.metric('HandshakeFailure')?.Value).toBe(0);
    expect(readsOf(certId)).toBe(2);
    expect(readsOf(keyId)).toBe(2);
    expect(r.text).not.toContain(stale.key.split('\n')[1] as string);
  });

  it('CLIENT_CERT_EXPIRED with the cached expired client certificate, renewed after it expired: the pass is published', async () => {
    const api = await bed.start('client-cert-tls13');
    const processor = await bed.processor('renewed-client-cert', api);
    const certId = secretId(processor.tls.clientCert);
    const keyId = secretId(processor.tls.clientKey);
    const valid = {
      cert: await bed.secrets.resolve({ secretsManager: certId }),
      key: await bed.secrets.resolve({ secretsManager: keyId }),
    };
    const expired = await bed.clientCert('expired');
    bed.secrets.put(certId, expired.chain, 'v1');
    bed.secrets.put(keyId, expired.key, 'v1');

    const r = await runAcrossRotation(processor, () => {
      bed.secrets.put(certId, valid.cert.value, 'v2');
      bed.secrets.put(keyId, valid.key.value, 'v2');
    });

    expect(r.probes).toBe(2);
    expect(r.summary.runs).toEqual([
      expect.objectContaining({
        ok: true,
        reprobed: { firstClass: 'CLIENT_CERT_EXPIRED', confirmed: false },
      }),
    ]);
    expect(r.metric('Success')?.Value).toBe(1);
    expect(r.metric('HandshakeFailure')?.Value).toBe(0);
    expect(r.metric('Failure')).toBeUndefined();
    // Read once for the first probe (then cached), once more for the confirmation despite the 60-s TTL.
    expect(readsOf(certId)).toBe(2);
    expect(readsOf(keyId)).toBe(2);
    expect(r.logs.find((l) => l.message.startsWith('probe failed: CLIENT_CERT_EXPIRED'))?.message).toMatch(
      /read afresh/,
    );
    expect(r.text).not.toContain(expired.key.split('\n')[1] as string);
    expect(r.text).not.toContain(valid.key.value.split('\n')[1] as string);
  });

  it('an expired client certificate that was not renewed is still confirmed and published as CLIENT_CERT_EXPIRED', async () => {
    const api = await bed.start('client-cert-tls13');
    const processor = await bed.processor('expired-client-cert', api, { clientCert: 'expired' });
    const certId = secretId(processor.tls.clientCert);

    const r = await runAcrossRotation(processor, () => undefined);

    expect(r.probes).toBe(2);
    expect(r.summary.runs).toEqual([
      expect.objectContaining({
        ok: false,
        class: 'CLIENT_CERT_EXPIRED',
        reprobed: { firstClass: 'CLIENT_CERT_EXPIRED', confirmed: true },
      }),
    ]);
    expect(r.metric('HandshakeFailure')?.Value).toBe(1);
    expect(r.metric('Failure')?.Dimensions?.[1]?.Value).toBe('CLIENT_CERT_EXPIRED');
    expect(readsOf(certId)).toBe(2);
  });

  it('CERT_UNTRUSTED with the cached old CA bundle, bundle rotated: the pass is published', async () => {
    const api = await bed.start('healthy');
    const processor = await bed.processor('rotated-ca', api);
    const caId = secretId(processor.tls.ca);
    const otherCa = await bed.clientCert('other-ca');
    // A bundle that does not hold the testbed root (the processor moved to a new CA).
    bed.secrets.put(caId, otherCa.chain, 'v1');

    const r = await runAcrossRotation(processor, () => bed.secrets.put(caId, bed.pki.caPem, 'v2'));

    expect(r.summary.runs).toEqual([
      expect.objectContaining({ ok: true, reprobed: { firstClass: 'CERT_UNTRUSTED', confirmed: false } }),
    ]);
    expect(r.metric('Success')?.Value).toBe(1);
    expect(readsOf(caId)).toBe(2);
  });

  it('CONFIG_ERROR from a secret read that failed: re-probed (it used not to be), the read succeeds and the pass is published', async () => {
    const api = await bed.start('healthy', { credentials: { type: 'bearer', token: NEW_TOKEN } });
    const processor = await bed.processor('secret-read-fails', api);
    const id = tokenId(processor);
    bed.secrets.delete(id);

    // Between the probes the secret is back (e.g. replicated or restored): the first read failed.
    const r = await runAcrossRotation(processor, () => bed.secrets.put(id, NEW_TOKEN, 'v2'));

    expect(r.probes).toBe(2);
    expect(r.summary.runs).toEqual([
      expect.objectContaining({ ok: true, reprobed: { firstClass: 'CONFIG_ERROR', confirmed: false } }),
    ]);
    expect(r.metric('Success')?.Value).toBe(1);
  });

  it('a credential that is really wrong is still confirmed and published as AUTH_REJECTED', async () => {
    const api = await bed.start('healthy', { credentials: { type: 'bearer', token: NEW_TOKEN } });
    const processor = await bed.processor('wrong-token', api, { credentials: 'wrong' });
    const id = tokenId(processor);

    const r = await runAcrossRotation(processor, () => undefined);

    expect(r.summary.runs).toEqual([
      expect.objectContaining({
        ok: false,
        class: 'AUTH_REJECTED',
        reprobed: { firstClass: 'AUTH_REJECTED', confirmed: true },
      }),
    ]);
    expect(r.metric('AuthFailure')?.Value).toBe(1);
    expect(readsOf(id)).toBe(2);
  });
});

describe('other failures are confirmed with the cached secrets', () => {
  it('HTTP_ERROR is re-probed without reading the secrets again', async () => {
    const api = await bed.start('error', { credentials: { type: 'bearer', token: NEW_TOKEN } });
    const processor = await bed.processor('http-error', api);
    const id = tokenId(processor);

    const r = await runAcrossRotation(processor, () => undefined);

    expect(r.probes).toBe(2);
    expect(r.summary.runs[0]).toMatchObject({ ok: false, class: 'HTTP_ERROR' });
    expect(readsOf(id)).toBe(1);
  });

  it('a CONFIG_ERROR that no secret read caused is not re-probed', async () => {
    const api = await bed.start('healthy');
    const processor = await bed.processor('bad-config', api);
    // Read fine, but holds no PEM certificate: broken configuration, which a re-probe cannot change.
    bed.secrets.put(secretId(processor.tls.ca), 'not a certificate', 'v1');
    const r = await runAcrossRotation(processor, () => undefined);
    expect(r.probes).toBe(1);
    expect(r.summary.runs[0]).toMatchObject({ ok: false, class: 'CONFIG_ERROR', reprobed: null });
  });
});

describe('confirmationFor', () => {
  it.each([
    ['AUTH_REJECTED', false, 'fresh'],
    ['CLIENT_CERT_REJECTED', false, 'fresh'],
    ['CERT_UNTRUSTED', false, 'fresh'],
    ['CERT_PIN_MISMATCH', false, 'fresh'],
    ['CONFIG_ERROR', true, 'fresh'],
    ['CONFIG_ERROR', false, 'none'],
    ['CLIENT_CERT_EXPIRED', false, 'fresh'],
    ['TLS_CONNECTION_RESET', false, 'cached'],
    ['HTTP_ERROR', true, 'cached'],
  ] as const)('at 60 s: %s (secret read failed: %s) -> %s', (cls, failedRead, expected) => {
    expect(confirmationFor(60, cls, failedRead)).toBe(expected);
  });

  it('never re-probes in the sub-minute modes', () => {
    for (const s of [10, 20, 30]) {
      expect(confirmationFor(s, 'AUTH_REJECTED')).toBe('none');
      expect(confirmationFor(s, 'CONFIG_ERROR', true)).toBe('none');
    }
  });
});
