/**
 * The handler's failure paths: CloudWatch refusing the metrics fails the invocation loudly; an engine that
 * throws is still published as a failure and logged; a broken deployment config throws after logging and
 * publishing; and no secret reaches the logs or the metrics on any path.
 */
import { PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import 'aws-sdk-client-mock-jest';
import { ConfigError, type ProcessorConfig } from '../../lambdas/core/config/load';
import type { ProbeResult } from '../../lambdas/core/contract/result';
import type { ProbeDeps } from '../../lambdas/core/engine/probe';
import { createHandler, type HandlerOptions } from '../../lambdas/probe/handler';
import { PublishError } from '../../lambdas/probe/run';
import {
  capturedLogger,
  lambdaContext,
  mockedAwsClients,
  passing,
  scheduledEvent,
  stripeProcessor,
  virtualClock,
} from '../support/probe';

const { cloudwatch, secretsManager, ssm, cw, sm } = mockedAwsClients();

const SECRET = 'sk_live_51HxSuperSecretValueDoNotLog';

beforeEach(() => {
  sm.on(GetSecretValueCommand).resolves({ SecretString: SECRET, VersionId: 'v1' });
});

function setup(engine: HandlerOptions['engine'], processor: ProcessorConfig = stripeProcessor()) {
  const log = capturedLogger();
  const handler = createHandler({
    env: { PAYPROBE_PROCESSOR: JSON.stringify(processor) },
    cloudwatch,
    secretsManager,
    ssm,
    logger: log.logger,
    // Failed probes are re-probed after this pause (3 s in production).
    confirmPauseMs: 1,
    ...(engine ? { engine } : {}),
  });
  const metricsText = () => JSON.stringify(cw.commandCalls(PutMetricDataCommand).map((c) => c.args[0].input));
  return { handler, log, metricsText };
}

/** Reads the token like the real engine, then behaves as `then` says. */
function readingToken(then: (token: string) => ProbeResult | never) {
  return async (p: ProcessorConfig, deps: ProbeDeps): Promise<ProbeResult> => {
    const creds = p.auth?.credentials;
    if (creds?.type !== 'bearer') throw new Error('bearer expected');
    const token = await deps.secrets.resolve(creds.token, p.baseDir);
    return then(token.value);
  };
}

describe('PutMetricData failing after the SDK retries', () => {
  it('rejects the invocation with PublishError and logs the error first', async () => {
    cw.on(PutMetricDataCommand).rejects(
      Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }),
    );
    const { handler, log } = setup(async () => passing());
    const err = await handler(scheduledEvent(), lambdaContext()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PublishError);
    expect((err as Error).message).toBe('PutMetricData failed for processor stripe: Rate exceeded');
    const logged = log
      .lines()
      .find((l) => l.level === 'ERROR' && l.message.startsWith('PutMetricData failed'));
    expect(logged).toMatchObject({
      error: { name: 'ThrottlingException', message: 'Rate exceeded' },
      processor: 'stripe',
    });
    // The result itself was logged before the publish was attempted: the data is not lost.
    expect(log.lines().some((l) => l.message === 'probe passed')).toBe(true);
  });

  it('stops a sub-minute invocation at the first failed publish', async () => {
    cw.on(PutMetricDataCommand).rejects(new Error('AccessDenied'));
    let runs = 0;
    const handler = createHandler({
      env: { PAYPROBE_PROCESSOR: JSON.stringify(stripeProcessor({ intervalSeconds: 10, budgetMs: 9000 })) },
      cloudwatch,
      logger: capturedLogger().logger,
      clock: virtualClock(),
      engine: async () => {
        runs++;
        return passing();
      },
    });
    await expect(handler(scheduledEvent(), lambdaContext(60_000))).rejects.toThrow(PublishError);
    expect(runs).toBe(1);
  });
});

describe('an engine that throws', () => {
  it('is published as a CONFIG_ERROR failure with the error as detail, and logged', async () => {
    const { handler, log } = setup(async () => {
      throw new TypeError("Cannot read properties of undefined (reading 'subject')");
    });
    const summary = await handler(scheduledEvent(), lambdaContext());
    expect(summary.runs).toEqual([expect.objectContaining({ ok: false, class: 'CONFIG_ERROR' })]);
    const [call] = cw.commandCalls(PutMetricDataCommand).map((c) => c.args[0].input);
    const byName = Object.fromEntries((call?.MetricData ?? []).map((d) => [d.MetricName, d]));
    expect(byName.Success?.Value).toBe(0);
    expect(byName.Failure?.Dimensions).toEqual([
      { Name: 'Processor', Value: 'stripe' },
      { Name: 'Class', Value: 'CONFIG_ERROR' },
    ]);
    const failed = log.lines().find((l) => l.message === 'probe failed: CONFIG_ERROR at stage config');
    expect((failed?.result as ProbeResult | undefined)?.detail).toBe(
      "the probe engine threw TypeError: Cannot read properties of undefined (reading 'subject')",
    );
    expect(
      log.lines().some((l) => l.message.startsWith('the probe engine threw') && l.level === 'ERROR'),
    ).toBe(true);
  });

  it('is classified by its Node error code when it has one', async () => {
    const { handler } = setup(async () => {
      throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:443'), { code: 'ECONNREFUSED' });
    });
    const summary = await handler(scheduledEvent(), lambdaContext());
    expect(summary.runs[0]?.class).toBe('CONNECT_REFUSED');
    const [call] = cw.commandCalls(PutMetricDataCommand).map((c) => c.args[0].input);
    expect(call?.MetricData?.find((d) => d.MetricName === 'Failure')?.Dimensions?.[1]?.Value).toBe(
      'CONNECT_REFUSED',
    );
  });

  it('never leaks the secret quoted by an error message into logs or metrics', async () => {
    // V8's JSON.parse error quotes the start of the text: here, the secret.
    const { handler, log, metricsText } = setup(
      readingToken((token) => {
        JSON.parse(token);
        return passing();
      }),
    );
    await handler(scheduledEvent(), lambdaContext());
    expect(log.raw()).toContain('SyntaxError');
    expect(log.raw()).toContain('[REDACTED]');
    for (const fragment of [SECRET, SECRET.slice(0, 10), SECRET.slice(-10)]) {
      expect(log.raw()).not.toContain(fragment);
      expect(metricsText()).not.toContain(fragment);
    }
  });
});

describe('secrets in logs and metrics', () => {
  it('a normal run logs the full result and no secret', async () => {
    const { handler, log, metricsText } = setup(readingToken(() => passing()));
    await handler(scheduledEvent(), lambdaContext());
    const line = log.lines().find((l) => l.message === 'probe passed');
    expect(line).toMatchObject({
      level: 'INFO',
      service: 'payprobe-probe',
      processor: 'stripe',
      result: {
        ok: true,
        timings: { totalMs: 131 },
        tls: { serverCert: { subject: 'CN=api.stripe.com' } },
        http: { status: 200 },
      },
      inputsChanged: [],
    });
    // Fingerprints stay out of the logs; names of changed fields are enough.
    expect(line?.result).not.toHaveProperty('inputs');
    expect(log.raw()).not.toContain(SECRET);
    expect(metricsText()).not.toContain(SECRET);
  });

  it('masks a secret an engine put in a result by mistake', async () => {
    const { handler, log } = setup(
      readingToken((token) =>
        passing({ ok: false, stage: 'auth', class: 'AUTH_REJECTED', detail: `rejected ${token}` }),
      ),
    );
    await handler(scheduledEvent(), lambdaContext());
    expect(log.raw()).not.toContain(SECRET);
    const line = log.lines().find((l) => l.level === 'ERROR' && l.message.startsWith('probe failed'));
    expect((line?.result as ProbeResult | undefined)?.detail).toBe('rejected [REDACTED]');
  });
});

describe('a broken deployment config', () => {
  it('throws ConfigError after logging every issue and publishing CONFIG_ERROR for the processor', async () => {
    const bad = {
      ...stripeProcessor(),
      timeoutMs: 'fast',
      tls: { ...stripeProcessor().tls, minVersion: 'SSLv3' },
    };
    const log = capturedLogger();
    const handler = createHandler({
      env: { PAYPROBE_PROCESSOR: JSON.stringify(bad) },
      cloudwatch,
      logger: log.logger,
    });
    const err = await handler(scheduledEvent(), lambdaContext()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    const logged = log.lines().find((l) => l.message === 'broken configuration: the probe cannot run');
    expect(((logged?.issues ?? []) as { path: string }[]).map((i) => i.path).sort()).toEqual([
      'timeoutMs',
      'tls.minVersion',
    ]);
    const [call] = cw.commandCalls(PutMetricDataCommand).map((c) => c.args[0].input);
    const failure = call?.MetricData?.find((d) => d.MetricName === 'Failure');
    expect(failure?.Dimensions).toEqual([
      { Name: 'Processor', Value: 'stripe' },
      { Name: 'Class', Value: 'CONFIG_ERROR' },
    ]);
  });

  it('throws without publishing when the processor name is unknown', async () => {
    const handler = createHandler({ env: {}, cloudwatch, logger: capturedLogger().logger });
    await expect(handler(scheduledEvent(), lambdaContext())).rejects.toThrow('PAYPROBE_PROCESSOR: not set');
    expect(cw).not.toHaveReceivedCommand(PutMetricDataCommand);
  });
});
