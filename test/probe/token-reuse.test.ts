/**
 * OAuth tokens in the probe Lambda: the handler keeps them in module scope across warm invocations (a cold
 * start begins empty), the real engine decides their reuse, and a rotation confirmed with fresh secrets gets a
 * fresh token. The handler runs against the PayPal stand-in over real TLS, its secrets read through the
 * Lambda's cached resolver from a mocked Secrets Manager backed by the testbed store.
 */
import { PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import 'aws-sdk-client-mock-jest';
import { type ProcessorConfig, parseConfig } from '../../lambdas/core/config/load';
import { createHandler } from '../../lambdas/probe/handler';
import { PRESET_SIM_CREDENTIALS, type PresetStandIn, Testbed } from '../../testbed/servers';
import {
  answerSecretsFrom,
  capturedLogger,
  lambdaContext,
  mockedAwsClients,
  scheduledEvent,
} from '../support/probe';

const { cloudwatch, secretsManager, ssm, cw, sm } = mockedAwsClients();

let bed: Testbed;
beforeAll(async () => {
  bed = await Testbed.start();
});
afterAll(async () => {
  await bed.close();
});
answerSecretsFrom(sm, () => bed.secrets);

const SECRET_ID = 'payprobe/paypal/client-secret';

function paypalAt(sim: PresetStandIn): ProcessorConfig {
  bed.secrets.put('payprobe/testbed-ca', bed.pki.caPem, 'v1');
  bed.secrets.put(SECRET_ID, PRESET_SIM_CREDENTIALS.paypal.secret, 'v1');
  const p = parseConfig(
    `
processors:
  - name: paypal
    preset: paypal
    endpoint: ${sim.url}
    timeoutMs: 2000
    tls: { ca: { secretsManager: payprobe/testbed-ca } }
    auth:
      credentials:
        type: oauth2-client-credentials
        clientId: ${PRESET_SIM_CREDENTIALS.paypal.id}
        clientSecret: { secretsManager: ${SECRET_ID} }
`,
    '/etc/payprobe/paypal.yaml',
  ).processors[0];
  if (!p) throw new Error('no processor');
  return p;
}

function handlerFor(processor: ProcessorConfig) {
  const log = capturedLogger();
  const handler = createHandler({
    env: { PAYPROBE_PROCESSOR: JSON.stringify(processor) },
    cloudwatch,
    secretsManager,
    ssm,
    logger: log.logger,
    confirmPauseMs: 20,
  });
  return { invoke: () => handler(scheduledEvent(), lambdaContext(30_000)), log };
}

describe('the probe Lambda keeps OAuth tokens across warm invocations', () => {
  it('five warm invocations make one token request; a cold start makes one more; no token in logs or metrics', async () => {
    const sim = await bed.startPreset('paypal');
    const warm = handlerFor(paypalAt(sim));
    for (let i = 0; i < 5; i++) {
      const summary = await warm.invoke();
      expect(summary.runs.map((r) => r.ok)).toEqual([true]);
    }
    expect(sim.tokenRequests()).toBe(1);
    expect(sim.requests.filter((r) => r.path === '/v1/notifications/webhooks')).toHaveLength(5);

    const cold = handlerFor(paypalAt(sim));
    await cold.invoke();
    expect(sim.tokenRequests()).toBe(2);

    const tokens = sim.requests.flatMap((r) =>
      r.path === '/v1/notifications/webhooks' ? [(r.headers.authorization ?? '').slice(7)] : [],
    );
    const published = JSON.stringify(cw.commandCalls(PutMetricDataCommand).map((c) => c.args[0].input));
    for (const token of new Set(tokens)) {
      expect(token.length).toBeGreaterThan(20);
      expect(warm.log.raw() + cold.log.raw() + published).not.toContain(token);
    }
    await sim.close();
  });

  it('client secret rotated at PayPal and in Secrets Manager: the kept token is refused, the confirmation reads the new secret and gets a fresh token; the pass is published', async () => {
    const sim = await bed.startPreset('paypal');
    const { invoke, log } = handlerFor(paypalAt(sim));
    expect((await invoke()).runs[0]).toMatchObject({ ok: true });
    // Rotation: PayPal accepts only the new secret and revokes the old tokens; the store holds the new secret,
    // but the Lambda's secret cache (60 s) still serves the old one to the next run's first probe.
    sim.rotate('pp-sim-secret-0002', { revokeTokens: true });
    bed.secrets.put(SECRET_ID, 'pp-sim-secret-0002', 'v2');
    const summary = await invoke();
    expect(summary.runs[0]).toMatchObject({
      ok: true,
      reprobed: { firstClass: 'AUTH_REJECTED', confirmed: false },
    });
    // Kept token refused, fresh token with the cached old secret refused, then the confirmation's fresh token.
    expect(sim.requests.slice(2).map((r) => `${r.method} ${r.path}`)).toEqual([
      'GET /v1/notifications/webhooks',
      'POST /v1/oauth2/token',
      'POST /v1/oauth2/token',
      'GET /v1/notifications/webhooks',
    ]);
    expect(log.raw()).not.toContain('pp-sim-secret-0002');
    await sim.close();
  });
});
