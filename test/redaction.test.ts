/**
 * No secret leaves payprobe in any encoding, on any output path: the CLI's table, logfmt lines, JSON
 * document and JUnit file; the probe Lambda's logs and metrics; the diagnose Lambda's page and logs; the
 * preflight's failure reason and logs. Each path runs for real (the CLI command, the handlers with their
 * clients mocked at the SDK boundary) around an engine stand-in that reads the credential and then leaks it
 * into its result in every encoding of test/support/encodings.ts, or throws it in an error message: the one
 * redactor must catch every form on every path.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { check } from '../cli/commands/check';
import type { CliIo } from '../cli/io';
import type { ProcessorConfig } from '../lambdas/core/config/model';
import { configReferences } from '../lambdas/core/config/references';
import type { EngineDeps, ManyEngine } from '../lambdas/core/contract/engine';
import type { ProbeResult } from '../lambdas/core/contract/result';
import { REDACTED } from '../lambdas/core/text/redact';
import { createHandler as createDiagnoseHandler } from '../lambdas/diagnose/handler';
import { createHandler as createPreflightHandler } from '../lambdas/preflight/handler';
import { createHandler as createProbeHandler } from '../lambdas/probe/handler';
import { alarmEvent, CRITICAL_ARN, WARNING_ARN } from './support/diagnose';
import { leakedEncodings, secretEncodings } from './support/encodings';
import {
  capturedLogger,
  LEAF,
  lambdaContext,
  mockedAwsClients,
  passing,
  scheduledEvent,
  stripeProcessor,
} from './support/probe';

const SECRET = 'sk_live_9Zq"x/+ é<&>';
const LEAK = secretEncodings(SECRET)
  .map(([, encoded]) => encoded)
  .join(' | ');

const { cloudwatch, secretsManager, ssm, cw, sm } = mockedAwsClients();
const sns = mockClient(SNSClient);

beforeEach(() => {
  sm.on(GetSecretValueCommand).resolves({ SecretString: SECRET, VersionId: 'v1' });
  sns.reset();
  sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
});

/** Reads every credential of the processor, as the engine does, so the resolver knows the secret. */
async function readCredentials(p: ProcessorConfig, deps: EngineDeps): Promise<void> {
  for (const { ref, credential } of configReferences(p)) {
    if (credential) await deps.secrets.resolve(ref, p.baseDir);
  }
}

/** A result that leaks the secret in every encoding: detail, warning, server certificate subject. */
function leaking(processor: string, ok: boolean): ProbeResult {
  const leaf = { ...LEAF, subject: `CN=${LEAK}` };
  return {
    ...passing({ processor }),
    ok,
    ...(ok
      ? { warnings: [{ class: 'SLOW_RESPONSE', detail: `echoed ${LEAK}` }] }
      : { stage: 'auth', class: 'AUTH_REJECTED', detail: `echoed ${LEAK}`, http: { status: 401 } }),
    tls: {
      protocol: 'TLSv1.3',
      cipher: 'TLS_AES_128_GCM_SHA256',
      serverCert: leaf,
      chain: [leaf],
      clientCert: null,
    },
  };
}

const leakingEngine = async (p: ProcessorConfig, deps: EngineDeps): Promise<ProbeResult> => {
  await readCredentials(p, deps);
  return leaking(p.name, false);
};

const throwingEngine = async (p: ProcessorConfig, deps: EngineDeps): Promise<ProbeResult> => {
  await readCredentials(p, deps);
  throw new Error(`unexpected answer: ${LEAK}`);
};

const leakingMany: ManyEngine = async (processors, deps, options) => {
  const results: ProbeResult[] = [];
  for (const [i, p] of processors.entries()) {
    await readCredentials(p, deps);
    const r = leaking(p.name, i % 2 === 1);
    options?.onResult?.(r);
    results.push(r);
  }
  return results;
};

/** Every output path, producing all the text it sends out. */
const PATHS: Record<string, () => Promise<string>> = {
  'CLI table (terminal)': async () => cli([], true),
  'CLI logfmt lines (pipe) and summary': async () => cli([], false),
  'CLI --json document and --junit file': async () => cli(['--json', '--junit', 'junit.xml'], false),
  'probe Lambda logs and metrics, leaking result': async () => probeHandler(leakingEngine),
  'probe Lambda logs and metrics, engine throwing': async () => probeHandler(throwingEngine),
  'diagnose Lambda page and logs, leaking result': async () => diagnoseHandler(leakingEngine),
  'diagnose Lambda page, logs and error, engine throwing': async () => diagnoseHandler(throwingEngine),
  'preflight failure reason and logs': async () => preflightHandler(),
};

test.each(Object.keys(PATHS))('%s: no encoding of a secret', async (name) => {
  const output = await (PATHS[name] as () => Promise<string>)();
  // The leak reached this path (else the test could not fail) and was masked there.
  expect(output).toContain(REDACTED);
  expect(leakedEncodings(output, SECRET)).toEqual([]);
});

async function cli(args: string[], tty: boolean): Promise<string> {
  const dir = mkdtempSync(path.join(tmpdir(), 'payprobe-redaction-'));
  try {
    writeFileSync(
      path.join(dir, 'payprobe.yaml'),
      [
        'processors:',
        '  - name: bearer',
        '    endpoint: https://bearer.example',
        '    auth: { credentials: { type: bearer, token: { env: LEAK_TOKEN } } }',
        '  - name: basic',
        '    endpoint: https://basic.example',
        '    auth: { credentials: { type: basic, username: merchant, password: { env: LEAK_TOKEN } } }',
        '',
      ].join('\n'),
    );
    const out: string[] = [];
    const io: CliIo = {
      stdout: { isTTY: tty, write: (s: string) => out.push(s) },
      stderr: { write: (s: string) => out.push(s) },
      cwd: dir,
      env: { LEAK_TOKEN: SECRET },
    };
    await check({ processor: [], json: args.includes('--json'), ...junit(args) }, io, leakingMany);
    const files = args.includes('--junit') ? [readFileSync(path.join(dir, 'junit.xml'), 'utf8')] : [];
    return [...out, ...files].join('\n');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function junit(args: string[]): { junit?: string } {
  const i = args.indexOf('--junit');
  return i >= 0 ? { junit: args[i + 1] as string } : {};
}

async function probeHandler(engine: typeof leakingEngine): Promise<string> {
  const log = capturedLogger();
  const handler = createProbeHandler({
    env: { PAYPROBE_PROCESSOR: JSON.stringify(stripeProcessor()) },
    cloudwatch,
    secretsManager,
    ssm,
    logger: log.logger,
    confirmPauseMs: 1,
    engine,
  });
  await handler(scheduledEvent(), lambdaContext());
  const metrics = cw.commandCalls(PutMetricDataCommand).map((c) => JSON.stringify(c.args[0].input));
  return [log.raw(), ...metrics].join('\n');
}

async function diagnoseHandler(engine: typeof leakingEngine): Promise<string> {
  const log = capturedLogger();
  const handler = createDiagnoseHandler({
    env: {
      PAYPROBE_PROCESSORS: JSON.stringify({ stripe: stripeProcessor() }),
      PAYPROBE_TOPIC_CRITICAL_ARN: CRITICAL_ARN,
      PAYPROBE_TOPIC_WARNING_ARN: WARNING_ARN,
    },
    sns: new SNSClient({ region: 'eu-west-1' }),
    secretsManager,
    ssm,
    logger: log.logger,
    engine,
  });
  const error = await handler(alarmEvent('PayProbe-stripe-AuthRejected', 'ALARM', 'OK')).then(
    () => '',
    (err: unknown) => String(err),
  );
  const pages = sns.commandCalls(PublishCommand).map((c) => JSON.stringify(c.args[0].input));
  expect(pages).toHaveLength(1);
  return [log.raw(), error, ...pages].join('\n');
}

async function preflightHandler(): Promise<string> {
  const log = capturedLogger();
  const handler = createPreflightHandler({
    env: {},
    secretsManager,
    ssm,
    logger: log.logger,
    probeMany: leakingMany,
    sleep: async () => {},
  });
  const event = {
    RequestType: 'Create',
    ServiceToken: 'arn:aws:lambda:eu-west-1:123456789012:function:provider',
    ResponseURL: 'https://cloudformation-custom-resource-response.example/',
    StackId: 'arn:aws:cloudformation:eu-west-1:123456789012:stack/PayProbe/abc',
    RequestId: 'req-1',
    LogicalResourceId: 'Preflight',
    ResourceType: 'Custom::PayProbePreflight',
    ResourceProperties: {
      ServiceToken: 'x',
      ProcessorsJson: JSON.stringify({ stripe: stripeProcessor() }),
      RetryDelayMs: '0',
    },
  } as CloudFormationCustomResourceEvent;
  const reason = await handler(event).then(
    () => 'the preflight passed',
    (err: unknown) => String(err),
  );
  return [log.raw(), reason].join('\n');
}
