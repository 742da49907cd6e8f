/**
 * The handler with the real probe engine against the loopback fleet (real TLS servers, real certificates):
 * every stage publishes the documented metrics in one call per run (failed runs re-probed first), with no
 * secret in logs or metrics. Secrets come through the Lambda's cached resolver from a mocked Secrets
 * Manager backed by the testbed. The phase timings are in the log line, not in the metrics
 * (lambdas/core/policy/publishing.ts).
 */
import { type MetricDatum, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import type { ProcessorConfig } from '../../lambdas/core/config/load';
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

const TOKEN = 'sk_test_fleetTokenNeverLogged42';
let bed: Testbed;

beforeAll(async () => {
  bed = await Testbed.start();
});
afterAll(async () => {
  await bed.close();
});
answerSecretsFrom(sm, () => bed.secrets);

async function runHandler(processor: ProcessorConfig) {
  const log = capturedLogger();
  const handler = createHandler({
    env: { PAYPROBE_PROCESSOR: JSON.stringify(processor) },
    cloudwatch,
    secretsManager,
    ssm,
    logger: log.logger,
    confirmPauseMs: 20,
  });
  const summary = await handler(scheduledEvent(), lambdaContext(30_000));
  const calls = cw.commandCalls(PutMetricDataCommand).map((c) => c.args[0].input);
  expect(calls).toHaveLength(1);
  const data = calls[0]?.MetricData ?? [];
  const text = JSON.stringify(calls) + log.raw();
  expect(text).not.toContain(TOKEN);
  return { summary, data, log };
}

function names(data: readonly MetricDatum[]): string[] {
  return data.map((d) => {
    const cls = d.Dimensions?.find((x) => x.Name === 'Class')?.Value;
    return cls
      ? `${d.MetricName}/${cls}=${d.Value}`
      : `${d.MetricName}${d.MetricName?.endsWith('Time') || d.MetricName?.endsWith('Expiry') ? '' : `=${d.Value}`}`;
  });
}

const bearer = { credentials: { type: 'bearer' as const, token: TOKEN } };

it('a healthy processor: the alarm metrics, no failure; the phase timings in the log line', async () => {
  const api = await bed.start('healthy', bearer);
  const { data, log, summary } = await runHandler(await bed.processor('fleet-ok', api));
  expect(names(data)).toEqual([
    'Success=1',
    'HandshakeFailure=0',
    'AuthFailure=0',
    'TotalTime',
    'CertDaysToExpiry',
  ]);
  expect(summary.runs[0]?.reprobed).toBeNull();
  expect(api.requests).toHaveLength(1);
  expect(api.requests[0]?.headers.authorization).toBe(`Bearer ${TOKEN}`);
  const passed = log.lines().find((l) => l.message === 'probe passed');
  expect(passed).toMatchObject({
    result: { tls: { serverCert: { subject: expect.any(String) }, chain: expect.any(Array) } },
  });
  // What the dashboard's Logs Insights widget reads: every phase of the run, as numbers.
  expect(passed).toMatchObject({
    result: {
      timings: {
        dnsMs: expect.any(Number),
        connectMs: expect.any(Number),
        tlsMs: expect.any(Number),
        firstByteMs: expect.any(Number),
      },
    },
  });
  // The metric carries the certificate days the log line shows.
  const days = (passed?.result as { tls?: { serverCert?: { daysToExpiry?: number } } } | undefined)?.tls
    ?.serverCert?.daysToExpiry;
  expect(days).toBeGreaterThan(80);
  expect(data.find((d) => d.MetricName === 'CertDaysToExpiry')?.Value).toBe(days);
});

it('dns: an unresolvable name', async () => {
  const p = await bed.processor('fleet-dns', 'https://payprobe-no-such-host.invalid', { timeoutMs: 1500 });
  const { data } = await runHandler(p);
  expect(names(data)).toEqual(
    expect.arrayContaining(['Success=0', 'HandshakeFailure=0', 'Failure/DNS_FAILURE=1']),
  );
  expect(names(data)).not.toContain('TotalTime');
});

it('connect: nothing listening', async () => {
  const api = await bed.start('refused');
  const { data } = await runHandler(await bed.processor('fleet-refused', api));
  expect(names(data)).toEqual(
    expect.arrayContaining(['Success=0', 'HandshakeFailure=0', 'AuthFailure=0', 'Failure/CONNECT_REFUSED=1']),
  );
  expect(names(data)).not.toContain('CertDaysToExpiry');
});

it('tls: an expired server certificate still publishes CertDaysToExpiry (negative)', async () => {
  const api = await bed.start('expired', bearer);
  const { data } = await runHandler(await bed.processor('fleet-expired', api));
  expect(names(data)).toEqual(
    expect.arrayContaining([
      'Success=0',
      'HandshakeFailure=1',
      'AuthFailure=0',
      'CertDaysToExpiry',
      'Failure/CERT_EXPIRED=1',
    ]),
  );
  expect(data.find((d) => d.MetricName === 'CertDaysToExpiry')?.Value).toBeLessThan(0);
});

it('tls with mTLS: ClientCertDaysToExpiry is published on every run while our certificate is inside its warning window', async () => {
  const api = await bed.start('client-cert-tls12', bearer);
  const p = await bed.processor('fleet-mtls', api);
  const { data } = await runHandler({ ...p, tls: { ...p.tls, clientCertExpiryWarningDays: 365 } });
  expect(names(data)).toEqual(expect.arrayContaining(['Success=1', 'ClientCertDaysToExpiry']));
});

it('auth: rejected credentials, confirmed by a re-probe', async () => {
  const api = await bed.start('healthy', bearer);
  const { data, summary } = await runHandler(
    await bed.processor('fleet-auth', api, { credentials: 'wrong' }),
  );
  expect(summary.runs[0]?.reprobed).toEqual({ firstClass: 'AUTH_REJECTED', confirmed: true });
  expect(api.requests).toHaveLength(2);
  expect(names(data)).toEqual(
    expect.arrayContaining([
      'Success=0',
      'HandshakeFailure=0',
      'AuthFailure=1',
      'CertDaysToExpiry',
      'Failure/AUTH_REJECTED=1',
    ]),
  );
});

it('http: a server error', async () => {
  const api = await bed.start('error', bearer);
  const { data } = await runHandler(await bed.processor('fleet-http', api));
  expect(names(data)).toEqual(expect.arrayContaining(['Success=0', 'AuthFailure=0', 'Failure/HTTP_ERROR=1']));
});

it('config: a secret that cannot be read', async () => {
  const api = await bed.start('healthy', bearer);
  const p = await bed.processor('fleet-config', api);
  const creds = p.auth?.credentials;
  if (creds?.type !== 'bearer' || !('secretsManager' in creds.token))
    throw new Error('bearer secret expected');
  bed.secrets.delete(creds.token.secretsManager);
  const { data, log, summary } = await runHandler(p);
  expect(names(data)).toEqual(['Success=0', 'HandshakeFailure=0', 'AuthFailure=0', 'Failure/CONFIG_ERROR=1']);
  // A secret that cannot be read is re-probed with the secret read afresh (it may be mid-rotation), and the
  // confirmed failure is published.
  expect(summary.runs[0]?.reprobed).toEqual({ firstClass: 'CONFIG_ERROR', confirmed: true });
  const failed = log.lines().find((l) => l.level === 'ERROR' && l.message.startsWith('probe failed'));
  expect(JSON.stringify(failed)).toContain(creds.token.secretsManager);
});
