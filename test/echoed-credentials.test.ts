/**
 * A hostile server that echoes the credentials it was sent, in every encoding (test/support/encodings.ts),
 * into a redirect's Location (host, path, query, fragment), its headers and its body: for bearer, basic,
 * header and both OAuth client-auth modes (client_secret_basic and client_secret_post), each with its own
 * credential. Through the real engine, no credential leaves payprobe in any encoding (nor any 8-character
 * run of one) on any output path: the CLI's JSON document and JUnit file (a processor per type and
 * encoding), its table and logfmt lines, the probe Lambda's log and metrics, and the page with its log (a
 * processor per type whose server puts every encoding into one answer).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { parseConfig } from '../lambdas/core/config/load';
import type { ProbeResult } from '../lambdas/core/contract/result';
import { REDACTED } from '../lambdas/core/text/redact';
import { createHandler as createDiagnoseHandler } from '../lambdas/diagnose/handler';
import { createHandler as createProbeHandler } from '../lambdas/probe/handler';
import { type CliRun, runCli } from './support/cli-capture';
import { alarmEvent, CRITICAL_ARN, WARNING_ARN } from './support/diagnose';
import { type EchoServer, startEchoServer } from './support/echo-server';
import { leaks, secretEncodings } from './support/encodings';
import { capturedLogger, lambdaContext, mockedAwsClients, scheduledEvent } from './support/probe';

const TYPES = ['bearer', 'basic', 'header', 'oauth-basic', 'oauth-post'] as const;
type CredentialType = (typeof TYPES)[number];
/** One credential per type, each with characters every encoding treats differently. */
const SECRETS: Record<CredentialType, string> = {
  bearer: 'sk_live_9Zq"x/+ é<&>',
  basic: 'Pa55 w0rd/+"é<&>:x',
  header: 'hk_Live=9Zq/+ é<&>"',
  'oauth-basic': 'cs_Basic:9Zq/+ é<&>"',
  'oauth-post': 'cs_Post&9Zq/+ é<&>"=',
};
const ALL_SECRETS = Object.values(SECRETS);
const ENCODINGS = secretEncodings(SECRETS.bearer).length;
const envName = (type: CredentialType) => `ECHO_${type.replace('-', '_').toUpperCase()}`;
/** No run this long of any encoding may be left: what a URL parser keeps of a cut or mangled echo. */
const FRAGMENT = 8;

jest.setTimeout(180_000);

const { cloudwatch, secretsManager, ssm, cw, sm } = mockedAwsClients();
const sns = mockClient(SNSClient);

let server: EchoServer;
let dir: string;

beforeAll(async () => {
  server = await startEchoServer(secretEncodings);
  dir = mkdtempSync(path.join(tmpdir(), 'payprobe-echo-'));
  writeFileSync(path.join(dir, 'ca.pem'), server.caPem);
  writeFileSync(path.join(dir, 'each.yaml'), configYaml('env'));
  writeFileSync(path.join(dir, 'all.yaml'), configYaml('env', 'all'));
});
afterAll(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

beforeEach(() => {
  server.received.length = 0;
  sm.on(GetSecretValueCommand).callsFake(async (input: { SecretId: string }) => ({
    SecretString:
      input.SecretId === 'echo/ca' ? server.caPem : SECRETS[input.SecretId.slice(5) as CredentialType],
    VersionId: 'v1',
  }));
  sns.reset();
  sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
});

/**
 * One processor per credential type and encoding (`each`), or per credential type with every encoding in
 * one answer (`all`); `source` says where secrets are read from.
 */
function configYaml(source: 'env' | 'secretsManager', mode: 'each' | 'all' = 'each'): string {
  const ca = source === 'env' ? '{ file: ca.pem }' : '{ secretsManager: echo/ca }';
  const lines = ['processors:'];
  for (const type of TYPES) {
    const secret = source === 'env' ? `{ env: ${envName(type)} }` : `{ secretsManager: echo/${type} }`;
    for (const i of mode === 'all' ? ['all'] : Array.from({ length: ENCODINGS }, (_, k) => String(k))) {
      lines.push(
        `  - name: ${type}-${i}`,
        `    endpoint: ${server.url}`,
        // Generous: 120 handshakes at once on a busy 2-core machine must not time out before the echo.
        '    timeoutMs: 15000',
        '    budgetMs: 30000',
        `    tls: { ca: ${ca} }`,
        '    auth:',
      );
      const request = `      request: { path: /e/${i}/v1/balance }`;
      if (type === 'bearer') lines.push(request, `      credentials: { type: bearer, token: ${secret} }`);
      if (type === 'basic')
        lines.push(request, `      credentials: { type: basic, username: merchant, password: ${secret} }`);
      if (type === 'header')
        lines.push(request, `      credentials: { type: header, name: x-api-key, value: ${secret} }`);
      if (type.startsWith('oauth'))
        lines.push(
          `      credentials: { type: oauth2-client-credentials, tokenUrl: /e/${i}/oauth/token, clientId: payprobe-client, clientSecret: ${secret}, clientAuth: ${type === 'oauth-basic' ? 'basic' : 'post'} }`,
        );
    }
  }
  return `${lines.join('\n')}\n`;
}

const PROCESSORS = TYPES.length * ENCODINGS;

/** Every request the server answered carried a real credential, so every echo held one; all were sent. */
function expectEveryEchoHeldTheSecret(processors = PROCESSORS): void {
  expect(server.received.length).toBeGreaterThanOrEqual(processors);
  expect(server.received.filter((s) => !ALL_SECRETS.includes(s))).toEqual([]);
  expect(new Set(server.received).size).toBe(ALL_SECRETS.length);
}

/** No encoding of any credential, and no run of FRAGMENT characters of one. */
function expectNoLeak(output: string): void {
  expect(leaks(output, ALL_SECRETS, FRAGMENT)).toEqual([]);
}

/** `payprobe check` over `each.yaml` (a processor per encoding) or `all.yaml` (every encoding at once). */
function cli(config: 'each' | 'all', args: string[], tty: boolean): Promise<CliRun> {
  return runCli(['check', '--config', `${config}.yaml`, ...args], {
    cwd: dir,
    env: Object.fromEntries(TYPES.map((t) => [envName(t), SECRETS[t]])),
    tty,
  });
}

/** Each answer holds every encoding: many masks per processor. */
function expectMasked(output: string): void {
  expect(output.split(REDACTED).length - 1).toBeGreaterThanOrEqual(TYPES.length * ENCODINGS);
}

describe('the CLI', () => {
  // A processor per credential type and encoding for --json and --junit, each result checked; the table and
  // logfmt lines get every encoding in one answer per credential type.
  it('writes no encoding of an echoed credential into --json or --junit', async () => {
    const { output, stdout } = await cli('each', ['--json', '--junit', 'junit.xml'], false);
    const junit = readFileSync(path.join(dir, 'junit.xml'), 'utf8');
    expectEveryEchoHeldTheSecret();
    const results = (JSON.parse(stdout) as { results: ProbeResult[] }).results;
    // Each probe saw the redirect (the echo reached the detail) and the detail was masked there.
    expect(results).toHaveLength(PROCESSORS);
    for (const r of results) {
      expect({ processor: r.processor, class: r.class }).toEqual({
        processor: r.processor,
        class: 'HTTP_ERROR',
      });
      expect(r.detail).toContain(REDACTED);
    }
    expectNoLeak(output);
    expectNoLeak(junit);
  });

  it('prints no encoding of an echoed credential in the table', async () => {
    const { code, output } = await cli('all', [], true);
    expect(code).toBe(1);
    expectEveryEchoHeldTheSecret(TYPES.length);
    expectMasked(output);
    expectNoLeak(output);
  });

  it('prints no encoding of an echoed credential in logfmt lines', async () => {
    const { output } = await cli('all', [], false);
    expectEveryEchoHeldTheSecret(TYPES.length);
    expectMasked(output);
    expectNoLeak(output);
  });
});

describe('the Lambdas', () => {
  // One processor per credential type, its server echoing every encoding in one answer: the same masking
  // as on the CLI, through the Lambdas' own paths, at a fifth of the probes.
  const processors = () =>
    parseConfig(configYaml('secretsManager', 'all'), path.join(dir, 'deployed.yaml')).processors;

  it('log and publish no encoding of an echoed credential from the probe function', async () => {
    const log = capturedLogger();
    const list = processors();
    await Promise.all(
      list.map((p) =>
        createProbeHandler({
          env: { PAYPROBE_PROCESSOR: JSON.stringify(p) },
          cloudwatch,
          secretsManager,
          ssm,
          logger: log.logger,
          confirmPauseMs: 1,
        })(scheduledEvent(), lambdaContext()),
      ),
    );
    expectEveryEchoHeldTheSecret(TYPES.length);
    const metrics = cw.commandCalls(PutMetricDataCommand).map((c) => JSON.stringify(c.args[0].input));
    const output = [log.raw(), ...metrics].join('\n');
    expectMasked(output);
    expectNoLeak(output);
  });

  it('page and log no encoding of an echoed credential from the diagnose function', async () => {
    const log = capturedLogger();
    const list = processors();
    const handler = createDiagnoseHandler({
      env: {
        PAYPROBE_PROCESSORS: JSON.stringify(Object.fromEntries(list.map((p) => [p.name, p]))),
        PAYPROBE_TOPIC_CRITICAL_ARN: CRITICAL_ARN,
        PAYPROBE_TOPIC_WARNING_ARN: WARNING_ARN,
      },
      sns: new SNSClient({ region: 'eu-west-1' }),
      secretsManager,
      ssm,
      logger: log.logger,
    });
    // One event at a time, as one diagnose instance handles them.
    for (const p of list) await handler(alarmEvent(`PayProbe-${p.name}-HandshakeFailing`, 'ALARM', 'OK'));
    expectEveryEchoHeldTheSecret(TYPES.length);
    const pages = sns.commandCalls(PublishCommand).map((c) => JSON.stringify(c.args[0].input));
    expect(pages).toHaveLength(TYPES.length);
    const output = [log.raw(), ...pages].join('\n');
    expectMasked(output);
    expectNoLeak(output);
  });
});
