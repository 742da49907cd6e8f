/**
 * A forward proxy that echoes the proxy account back: its answer to CONNECT (407 and 403) carries the password
 * in every encoding of test/support/encodings.ts, each in the status line's reason phrase, X-Squid-Error,
 * Proxy-Authenticate and the error page, beside the raw Proxy-Authorization header and its decoded
 * `user:password`. One processor per encoding (the proxy picks the encoding from the CONNECT target), through
 * the real engine: no encoding of the proxy password (nor any 8-character run of one) and not the proxy
 * username leaves payprobe on any output path: the CLI's JSON, JUnit, table and logfmt lines, the probe
 * Lambda's log and metrics, the diagnose Lambda's page and log.
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
import { type HostileProxy, startHostileProxy } from '../testbed/proxies/hostile';
import { type CliRun, runCli } from './support/cli-capture';
import { alarmEvent, CRITICAL_ARN, WARNING_ARN } from './support/diagnose';
import { leaks, secretEncodings } from './support/encodings';
import { capturedLogger, lambdaContext, mockedAwsClients, scheduledEvent } from './support/probe';

/** The proxy password, with characters every encoding treats differently (":" is allowed in a password). */
const PASSWORD = 'Pr0xy pa55/+"é<&>:x';
const USERNAME = 'gw-echo-account';
const ENCODINGS = secretEncodings(PASSWORD);
const FRAGMENT = 8;

jest.setTimeout(120_000);

const { cloudwatch, secretsManager, ssm, cw, sm } = mockedAwsClients();
const sns = mockClient(SNSClient);

let proxy: HostileProxy;
let dir: string;

beforeAll(async () => {
  proxy = await startHostileProxy('answer', {
    answer: ({ target, authorization, credentials }) => {
      // The target is echo-N.invalid:443: encoding N, or all of them for echo-all.
      const n = /^echo-(\d+|all)\./.exec(target)?.[1] ?? 'all';
      const leak = n === 'all' ? ENCODINGS.map(([, e]) => e).join(' | ') : (ENCODINGS[Number(n)]?.[1] ?? '');
      const odd = n !== 'all' && Number(n) % 2 === 1;
      return {
        status: odd ? 403 : 407,
        reason: `${odd ? 'Forbidden' : 'Proxy Authentication Required'} ${leak}`,
        headers: {
          'x-squid-error': `ERR_CACHE_ACCESS_DENIED ${leak}`,
          'proxy-authenticate': `Basic realm="${leak}"`,
          'content-type': 'text/html',
        },
        body: `<html><body><p>${leak}</p><p>You sent ${authorization}, that is ${credentials}.</p></body></html>`,
      };
    },
  });
  dir = mkdtempSync(path.join(tmpdir(), 'payprobe-proxy-echo-'));
  writeFileSync(path.join(dir, 'each.yaml'), configYaml('env', 'each'));
  writeFileSync(path.join(dir, 'all.yaml'), configYaml('env', 'all'));
});

afterAll(async () => {
  await proxy.close();
  rmSync(dir, { recursive: true, force: true });
});

beforeEach(() => {
  sm.on(GetSecretValueCommand).resolves({ SecretString: PASSWORD, VersionId: 'v1' });
  sns.reset();
  sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
});

function configYaml(source: 'env' | 'secretsManager', mode: 'each' | 'all'): string {
  const password = source === 'env' ? '{ env: PROXY_PASSWORD }' : '{ secretsManager: gw/proxy-password }';
  const lines = ['processors:'];
  for (const i of mode === 'all' ? ['all'] : ENCODINGS.map((_, k) => String(k))) {
    lines.push(
      `  - name: echo-${i}`,
      `    endpoint: https://echo-${i}.invalid`,
      '    timeoutMs: 10000',
      `    proxy: { url: ${proxy.url}, credentials: { username: ${USERNAME}, password: ${password} } }`,
    );
  }
  return `${lines.join('\n')}\n`;
}

function expectNoLeak(output: string): void {
  expect(leaks(output, [PASSWORD], FRAGMENT)).toEqual([]);
  expect(output).not.toContain(USERNAME);
  expect(output).not.toContain(Buffer.from(`${USERNAME}:`).toString('base64').slice(0, 12));
}

/** Every CONNECT carried the account, so every answer echoed it. */
function expectProxyEchoed(atLeast: number): void {
  const sent = `Basic ${Buffer.from(`${USERNAME}:${PASSWORD}`).toString('base64')}`;
  expect(proxy.requests.length).toBeGreaterThanOrEqual(atLeast);
  expect(proxy.requests.filter((r) => r.headers['proxy-authorization'] !== sent)).toEqual([]);
}

/** Everything the CLI wrote (`output`), and stdout alone (`stdout`: a --json document; the summary goes to stderr). */
async function cli(config: 'each' | 'all', args: string[], tty: boolean): Promise<CliRun> {
  const result = await runCli(['check', '--config', `${config}.yaml`, ...args], {
    cwd: dir,
    env: { PROXY_PASSWORD: PASSWORD, NO_COLOR: '1' },
    tty,
  });
  expect(result.code).toBe(1);
  return result;
}

describe('the CLI', () => {
  it('writes no encoding of the echoed proxy password into --json or --junit', async () => {
    const { output, stdout } = await cli('each', ['--json', '--junit', 'junit.xml'], false);
    const junit = readFileSync(path.join(dir, 'junit.xml'), 'utf8');
    expectProxyEchoed(ENCODINGS.length);
    const { results } = JSON.parse(stdout) as {
      results: ProbeResult[];
    };
    expect(results).toHaveLength(ENCODINGS.length);
    results.forEach((r, i) => {
      expect({ processor: r.processor, stage: r.stage, class: r.class }).toEqual({
        processor: `echo-${i}`,
        stage: 'proxy',
        class: i % 2 === 1 ? 'PROXY_REFUSED' : 'PROXY_AUTH_REQUIRED',
      });
      // The echo reached the detail, and was masked there.
      expect(r.detail).toContain('X-Squid-Error');
      expect(r.detail).toContain(REDACTED);
    });
    expectNoLeak(output);
    expectNoLeak(junit);
  });

  it('prints no encoding of the echoed proxy password in the table or logfmt lines', async () => {
    for (const tty of [true, false]) {
      const { output } = await cli('all', [], tty);
      expect(output).toContain('PROXY_AUTH_REQUIRED');
      expect(output).toContain(REDACTED);
      expectNoLeak(output);
    }
  });
});

describe('the Lambdas', () => {
  const processor = () =>
    parseConfig(configYaml('secretsManager', 'all'), path.join(dir, 'deployed.yaml')).processors;

  it('log and publish no encoding of the echoed proxy password from the probe function', async () => {
    const log = capturedLogger();
    const [p] = processor();
    await createProbeHandler({
      env: { PAYPROBE_PROCESSOR: JSON.stringify(p) },
      cloudwatch,
      secretsManager,
      ssm,
      logger: log.logger,
      confirmPauseMs: 1,
    })(scheduledEvent(), lambdaContext());
    const metrics = cw.commandCalls(PutMetricDataCommand).map((c) => JSON.stringify(c.args[0].input));
    const output = [log.raw(), ...metrics].join('\n');
    expect(output).toContain('PROXY_AUTH_REQUIRED');
    expect(output).toContain(REDACTED);
    expectNoLeak(output);
  });

  it('page and log no encoding of the echoed proxy password from the diagnose function', async () => {
    const log = capturedLogger();
    const list = processor();
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
    await handler(alarmEvent('PayProbe-echo-all-HandshakeFailing', 'ALARM', 'OK'));
    const pages = sns.commandCalls(PublishCommand).map((c) => JSON.stringify(c.args[0].input));
    expect(pages).toHaveLength(1);
    expect(pages[0]).toContain('PROXY_AUTH_REQUIRED');
    const output = [log.raw(), ...pages].join('\n');
    expect(output).toContain(REDACTED);
    expectNoLeak(output);
  });
});
