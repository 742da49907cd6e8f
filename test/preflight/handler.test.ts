/**
 * The preflight custom-resource handler (lambdas/preflight/handler.ts): its responses to CloudFormation's
 * Create, Update and Delete events, the rollback guard, and real probes of a loopback TLS server with the
 * real engine (secrets from a mocked Secrets Manager at the SDK boundary).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SSMClient } from '@aws-sdk/client-ssm';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { parseConfig } from '../../lambdas/core/config/load';
import type { ManyEngine } from '../../lambdas/core/contract/engine';
import type { ProbeResult } from '../../lambdas/core/contract/result';
import { createHandler, type HandlerOptions, PHYSICAL_RESOURCE_ID } from '../../lambdas/preflight/handler';
import { createPki } from '../../testbed/pki';

const STACK_ID = 'arn:aws:cloudformation:eu-west-1:123456789012:stack/PayProbe/abc';
const GOOD_TOKEN = 'sk_live_preflightGoodToken123';

const cfn = mockClient(CloudFormationClient);
const sm = mockClient(SecretsManagerClient);

beforeEach(() => {
  cfn.reset();
  sm.reset();
  cfn.on(DescribeStacksCommand).resolves({
    Stacks: [{ StackName: 'PayProbe', StackStatus: 'UPDATE_IN_PROGRESS', CreationTime: new Date() }],
  });
});

function event(
  type: 'Create' | 'Update' | 'Delete',
  processorsJson: string,
  extra: Record<string, string> = {},
): CloudFormationCustomResourceEvent {
  const base = {
    ServiceToken: 'arn:aws:lambda:eu-west-1:123456789012:function:provider',
    ResponseURL: 'https://cloudformation-custom-resource-response.example/',
    StackId: STACK_ID,
    RequestId: 'req-1',
    LogicalResourceId: 'Preflight',
    ResourceType: 'Custom::PayProbePreflight',
    ResourceProperties: { ServiceToken: 'x', ProcessorsJson: processorsJson, RetryDelayMs: '0', ...extra },
  };
  if (type === 'Create') return { ...base, RequestType: 'Create' };
  if (type === 'Update') {
    return {
      ...base,
      RequestType: 'Update',
      PhysicalResourceId: PHYSICAL_RESOURCE_ID,
      OldResourceProperties: { ServiceToken: 'x' },
    };
  }
  return { ...base, RequestType: 'Delete', PhysicalResourceId: PHYSICAL_RESOURCE_ID };
}

/** Captures what the handler logs, as the objects it passes (Powertools Logger signature). */
function capture() {
  const lines: unknown[] = [];
  const log = (message: string, ...extra: unknown[]) => lines.push({ message, extra });
  return { lines, logger: { info: log, warn: log, error: log } as unknown as HandlerOptions['logger'] };
}

function handlerWith(probeMany: ManyEngine, extra: Partial<HandlerOptions> = {}) {
  const log = capture();
  const handler = createHandler({
    env: {},
    secretsManager: new SecretsManagerClient({ region: 'eu-west-1' }),
    ssm: new SSMClient({ region: 'eu-west-1' }),
    cloudformation: new CloudFormationClient({ region: 'eu-west-1' }),
    logger: log.logger,
    probeMany,
    sleep: async () => {},
    ...extra,
  });
  return { handler, log };
}

const ONE = JSON.stringify({
  stripe: {
    ...parseConfig(
      'processors:\n  - name: stripe\n    preset: stripe\n    auth: { credentials: { type: bearer, token: { secretsManager: payprobe/stripe/api-key } } }\n',
      '/x/payprobe.yaml',
    ).processors[0],
    baseDir: '/var/task',
  },
});

const ok = (n: string): ProbeResult => ({
  processor: n,
  ok: true,
  stage: null,
  class: null,
  detail: null,
  warnings: [],
  timings: { dnsMs: 1, connectMs: 1, tlsMs: 1, firstByteMs: 1, totalMs: 4 },
  tls: null,
  http: { status: 200 },
  startedAt: new Date().toISOString(),
  inputs: {},
});
const passingProbe: ManyEngine = async (ps) => ps.map((p) => ok(p.name));
const failingProbe: ManyEngine = async (ps) =>
  ps.map((p) => ({
    ...ok(p.name),
    ok: false,
    stage: 'tls',
    class: 'CERT_UNTRUSTED',
    detail: 'unable to get local issuer certificate (UNABLE_TO_GET_ISSUER_CERT_LOCALLY)',
  }));

describe('preflight handler responses', () => {
  test('Create with passing probes succeeds with a stable physical id and a summary', async () => {
    const { handler } = handlerWith(passingProbe);
    await expect(handler(event('Create', ONE))).resolves.toEqual({
      PhysicalResourceId: PHYSICAL_RESOURCE_ID,
      Data: { Summary: 'payprobe preflight passed: 1 processor ok' },
    });
  });

  test('Create with a failing probe throws the reason CloudFormation shows', async () => {
    const { handler, log } = handlerWith(failingProbe);
    const err = await handler(event('Create', ONE)).catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toMatch(
      /^payprobe preflight failed: 1 of 1 processor failed on all 2 attempts; the deployment is rolled back\. stripe: tls CERT_UNTRUSTED \(unable to get local issuer certificate/,
    );
    expect((err as Error).stack).toBe(`PreflightFailed: ${(err as Error).message}`);
    expect(JSON.stringify(log.lines)).toContain('preflight failed: failing the deployment');
  });

  test('Attempts from the resource properties bound the retries', async () => {
    let calls = 0;
    const { handler } = handlerWith(async (ps) => {
      calls++;
      return failingProbe(ps, { secrets: { resolve: async () => ({ value: '' }) } });
    });
    await expect(handler(event('Update', ONE, { Attempts: '3' }))).rejects.toThrow(/on all 3 attempts/);
    expect(calls).toBe(3);
  });

  test('Delete probes nothing', async () => {
    let calls = 0;
    const { handler } = handlerWith(async (ps) => {
      calls++;
      return failingProbe(ps, { secrets: { resolve: async () => ({ value: '' }) } });
    });
    await expect(handler(event('Delete', ONE))).resolves.toEqual({
      PhysicalResourceId: PHYSICAL_RESOURCE_ID,
    });
    expect(calls).toBe(0);
  });

  test('an Update while the stack rolls back is skipped, so the rollback itself cannot fail', async () => {
    cfn.on(DescribeStacksCommand).resolves({
      Stacks: [
        { StackName: 'PayProbe', StackStatus: 'UPDATE_ROLLBACK_IN_PROGRESS', CreationTime: new Date() },
      ],
    });
    const { handler } = handlerWith(failingProbe);
    await expect(handler(event('Update', ONE))).resolves.toEqual({
      PhysicalResourceId: PHYSICAL_RESOURCE_ID,
      Data: { Summary: 'skipped during rollback' },
    });
    expect(cfn.commandCalls(DescribeStacksCommand)[0]?.args[0].input).toEqual({ StackName: STACK_ID });
  });

  test('when the stack status cannot be read, an Update still probes (and fails on failure)', async () => {
    cfn
      .on(DescribeStacksCommand)
      .rejects(Object.assign(new Error('not authorized'), { name: 'AccessDenied' }));
    const { handler, log } = handlerWith(failingProbe);
    await expect(handler(event('Update', ONE))).rejects.toThrow(/CERT_UNTRUSTED/);
    expect(JSON.stringify(log.lines)).toContain('cannot read the stack status');
  });

  test('broken processors JSON fails the resource with the field named', async () => {
    const { handler } = handlerWith(passingProbe);
    const bad = JSON.stringify({ stripe: { ...JSON.parse(ONE).stripe, timeoutMs: -1 } });
    await expect(handler(event('Create', bad))).rejects.toThrow(
      /preflight property ProcessorsJson: stripe\.timeoutMs/,
    );
  });
});

describe('preflight handler against a loopback TLS server (real engine)', () => {
  let dir: string;
  let server: Server;
  let port: number;

  beforeAll(async () => {
    const pki = await createPki();
    const leaf = await pki.serverCert();
    dir = mkdtempSync(path.join(tmpdir(), 'payprobe-preflight-'));
    writeFileSync(path.join(dir, 'ca.pem'), pki.caPem);
    server = createServer({ cert: leaf.chain, key: leaf.key }, (req, res) => {
      const good = req.headers.authorization === `Bearer ${GOOD_TOKEN}` && req.url === '/v1/ping';
      res.writeHead(good ? 200 : 401, { 'content-type': 'application/json' });
      res.end(good ? '{"ok":true}' : '{"error":"invalid_api_key"}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });

  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    rmSync(dir, { recursive: true, force: true });
  });

  function loopbackJson(): string {
    const yaml = `
processors:
  - name: loopback
    endpoint: https://127.0.0.1:${port}
    timeoutMs: 2000
    tls: { ca: { file: ca.pem } }
    auth:
      request: { path: /v1/ping }
      credentials: { type: bearer, token: { secretsManager: payprobe/loopback/api-key } }
`;
    const p = parseConfig(yaml, path.join(dir, 'payprobe.yaml')).processors[0];
    return JSON.stringify({ loopback: { ...p, baseDir: dir } });
  }

  function realHandler() {
    const log = capture();
    return {
      log,
      handler: createHandler({
        env: { LAMBDA_TASK_ROOT: dir },
        secretsManager: new SecretsManagerClient({ region: 'eu-west-1' }),
        ssm: new SSMClient({ region: 'eu-west-1' }),
        cloudformation: new CloudFormationClient({ region: 'eu-west-1' }),
        logger: log.logger,
        sleep: async () => {},
      }),
    };
  }

  test('accepted credentials: the deployment goes on', async () => {
    sm.on(GetSecretValueCommand).resolves({ SecretString: GOOD_TOKEN, VersionId: 'v1' });
    const { handler, log } = realHandler();
    await expect(handler(event('Create', loopbackJson()))).resolves.toEqual({
      PhysicalResourceId: PHYSICAL_RESOURCE_ID,
      Data: { Summary: 'payprobe preflight passed: 1 processor ok' },
    });
    expect(JSON.stringify(log.lines)).not.toContain(GOOD_TOKEN);
  });

  test('rejected credentials: AUTH_REJECTED fails the deployment, and the token is in no message or log', async () => {
    const rotatedAway = 'sk_live_revokedToken0987654321';
    sm.on(GetSecretValueCommand).resolves({ SecretString: rotatedAway, VersionId: 'v2' });
    const { handler, log } = realHandler();
    const err = (await handler(event('Update', loopbackJson(), { Attempts: '2' })).catch(
      (e: Error) => e,
    )) as Error;
    expect(err.message).toMatch(/loopback: auth AUTH_REJECTED/);
    expect(err.message).not.toContain(rotatedAway);
    expect(JSON.stringify(log.lines)).not.toContain(rotatedAway);
    // Read again on the second attempt: a secret fixed in between would be picked up.
    expect(sm.commandCalls(GetSecretValueCommand).length).toBe(2);
  });
});
