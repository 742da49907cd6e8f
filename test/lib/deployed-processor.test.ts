/**
 * The deployment rules (no CDK synthesis here): which references deploy, where files go in the bundle,
 * what the function may read, alarm M-of-N resolution and construct ids.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { type ProcessorConfig, parseConfig } from '../../lambdas/core/config/load';
import { parseProcessorEnv } from '../../lambdas/glue/deployed-config';
import { DETECTION_TARGET_SECONDS, defaultDetectionTimes, failureMOfN } from '../../lib/alarms/alarm-policy';
import { deployProcessor, deployProcessors, secretRefs } from '../../lib/deploy/deployed-processor';
import { processorConstructId, regionConstructId } from '../../lib/deploy/ids';

const dir = mkdtempSync(path.join(tmpdir(), 'payprobe-deploy-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
mkdirSync(path.join(dir, 'config', 'certs'), { recursive: true });
writeFileSync(
  path.join(dir, 'config', 'certs', 'ca.pem'),
  '-----BEGIN CERTIFICATE-----\nx\n-----END CERTIFICATE-----\n',
);
writeFileSync(path.join(dir, 'common-ca.pem'), '-----BEGIN CERTIFICATE-----\ny\n-----END CERTIFICATE-----\n');

function processor(yaml: string): ProcessorConfig {
  const loaded = parseConfig(`processors:\n${yaml}`, path.join(dir, 'config', 'payprobe.yaml'));
  return loaded.processors[0] as ProcessorConfig;
}
const at = { file: 'payprobe.yaml', path: 'processors[0]' };

describe('secret references', () => {
  test('every reference is found with its field path; request headers are plain text', () => {
    const p = processor(`
  - name: bank
    endpoint: { ssm: /payments/bank/endpoint }
    tls:
      ca: { file: certs/ca.pem }
      clientCert: { secretsManager: bank/cert }
      clientKey: { secretsManager: bank/key }
    auth:
      request: { path: /ping, headers: { file: not-a-ref } }
      credentials: { type: oauth2-client-credentials, tokenUrl: /token, clientId: { ssm: /bank/id }, clientSecret: { secretsManager: bank/secret } }
`);
    expect(secretRefs(p).map((r) => r.field)).toEqual([
      'endpoint',
      'tls.ca',
      'tls.clientCert',
      'tls.clientKey',
      'auth.credentials.clientId',
      'auth.credentials.clientSecret',
    ]);
    const { issues, deployed } = deployProcessor(p, at);
    expect(issues).toEqual([]);
    expect(deployed?.secretIds).toEqual(['bank/cert', 'bank/key', 'bank/secret']);
    expect(deployed?.parameterNames).toEqual(['/payments/bank/endpoint', '/bank/id']);
  });
});

describe('{ file } references', () => {
  test('a public file inside the config directory keeps its relative path in the bundle', () => {
    const p = processor(`
  - name: bank
    endpoint: https://api.bank.example
    tls: { ca: { file: ./certs/../certs/ca.pem } }
`);
    const { deployed } = deployProcessor(p, at);
    expect(deployed?.files).toEqual([
      { source: path.join(dir, 'config', 'certs', 'ca.pem'), bundlePath: 'certs/ca.pem' },
    ]);
    const env = parseProcessorEnv(deployed?.environmentJson, '/x');
    expect(env.tls.ca).toEqual({ file: 'certs/ca.pem' });
    expect(env.baseDir).toBe('/var/task');
  });

  test('a file outside the config directory gets a place of its own inside the bundle', () => {
    const p = processor(`
  - name: bank
    endpoint: https://api.bank.example
    tls: { ca: { file: ../common-ca.pem } }
`);
    const { deployed } = deployProcessor(p, at);
    expect(deployed?.files).toEqual([
      { source: path.join(dir, 'common-ca.pem'), bundlePath: 'payprobe-files/common-ca.pem' },
    ]);
    // The probe Lambda refuses references that leave the bundle; the rewritten one stays inside.
    expect(parseProcessorEnv(deployed?.environmentJson, '/x').tls.ca).toEqual({
      file: 'payprobe-files/common-ca.pem',
    });
  });

  test('a missing file, and credentials or keys in files, are refused with the field and what to do', () => {
    const p = processor(`
  - name: bank
    endpoint: https://api.bank.example
    tls:
      ca: { file: certs/missing.pem }
      clientCert: { file: certs/ca.pem }
      clientKey: { file: certs/key.pem }
      clientKeyPassphrase: { env: KEY_PASS }
    auth:
      credentials: { type: header, name: X-API-Key, value: { file: api-key.txt } }
`);
    const { issues, deployed } = deployProcessor(p, at);
    expect(deployed).toBeUndefined();
    expect(issues.map((i) => [i.file, i.path])).toEqual([
      ['payprobe.yaml', 'processors[0].tls.ca'],
      ['payprobe.yaml', 'processors[0].tls.clientKey'],
      ['payprobe.yaml', 'processors[0].tls.clientKeyPassphrase'],
      ['payprobe.yaml', 'processors[0].auth.credentials.value'],
    ]);
    expect(issues[0]?.message).toMatch(/not found/);
    expect(issues[1]?.message).toMatch(/credential or key.*Secrets Manager or SSM Parameter Store/);
    expect(issues[2]?.message).toMatch(/\{ env: KEY_PASS \} cannot be deployed/);
  });
});

test('a processor config too large for a Lambda environment is refused', () => {
  const p = processor(`
  - name: bank
    endpoint: https://api.bank.example
    auth:
      request: { method: POST, path: /ping, body: '${'x'.repeat(4000)}' }
`);
  const { issues } = deployProcessor(p, at);
  expect(issues).toEqual([
    expect.objectContaining({
      path: 'processors[0]',
      message: expect.stringMatching(/environment allows 4096 bytes/),
    }),
  ]);
});

describe('several processors in one function', () => {
  const bank = processor(`
  - name: bank
    endpoint: https://api.bank.example
    tls: { ca: { file: certs/ca.pem } }
    auth:
      credentials: { type: bearer, token: { secretsManager: shared/token } }
`);
  const acquirer = processor(`
  - name: acquirer
    endpoint: { ssm: /acquirer/url }
    tls: { ca: { file: certs/ca.pem } }
    auth:
      credentials: { type: bearer, token: { secretsManager: shared/token } }
`);

  test("each processor's files and baseDir live under processors/<name>/; secrets are listed once", () => {
    const { issues, deployed } = deployProcessors([bank, acquirer], 'payprobe.yaml');
    expect(issues).toEqual([]);
    const source = path.join(dir, 'config', 'certs', 'ca.pem');
    expect(deployed?.files).toEqual([
      { source, bundlePath: 'processors/bank/certs/ca.pem' },
      { source, bundlePath: 'processors/acquirer/certs/ca.pem' },
    ]);
    expect(deployed?.configs.bank).toMatchObject({
      baseDir: '/var/task/processors/bank',
      tls: { ca: { file: 'certs/ca.pem' } },
    });
    expect(deployed?.secretIds).toEqual(['shared/token']);
    expect(deployed?.parameterNames).toEqual(['/acquirer/url']);
  });

  test('problems name each processor by index in the file, or by name without one', () => {
    const bad = {
      ...acquirer,
      auth: { ...acquirer.auth, credentials: { type: 'bearer', token: { env: 'T' } } },
    };
    const paths = (file?: string) =>
      deployProcessors([bank, bad as typeof acquirer], file).issues.map((i) => `${i.file}: ${i.path}`);
    expect(paths('payprobe.yaml')).toEqual(['payprobe.yaml: processors[1].auth.credentials.token']);
    expect(paths()).toEqual(['the payprobe config: processors[name=acquirer].auth.credentials.token']);
  });

  test('the environment size limit can be left out where the configs travel another way', () => {
    const large = processor(`
  - name: large
    endpoint: https://api.large.example
    auth:
      request: { method: POST, path: /ping, body: '${'x'.repeat(4000)}' }
`);
    expect(deployProcessors([large], 'payprobe.yaml').deployed).toBeUndefined();
    const { issues, deployed } = deployProcessors([large], 'payprobe.yaml', { checkEnvironmentSize: false });
    expect(issues).toEqual([]);
    expect(Object.keys(deployed?.configs ?? {})).toEqual(['large']);
  });
});

describe('alarm M-of-N', () => {
  const base = (alarms: string, interval = 60) =>
    processor(`
  - name: bank
    endpoint: https://api.bank.example
    intervalSeconds: ${interval}
    alarms: ${alarms}
`);

  test('defaults depend on the interval and meet the detection targets', () => {
    // 60 s: one failed probe, already confirmed by the probe's re-probe; the window spans 15 minutes of probes
    // at every interval (recovery takes that long without a failure).
    expect(failureMOfN(base('{}'), at).mOfN).toEqual({ datapointsToAlarm: 1, evaluationPeriods: 15 });
    expect(failureMOfN(base('{}', 30), at).mOfN).toEqual({ datapointsToAlarm: 2, evaluationPeriods: 30 });
    expect(failureMOfN(base('{}', 20), at).mOfN).toEqual({ datapointsToAlarm: 2, evaluationPeriods: 45 });
    expect(failureMOfN(base('{}', 10), at).mOfN).toEqual({ datapointsToAlarm: 3, evaluationPeriods: 90 });
    for (const interval of [10, 20, 30, 60] as const) {
      const p = base('{}', interval);
      const t = defaultDetectionTimes(interval, p.budgetMs);
      expect(t.worstSeconds).toBeLessThanOrEqual(DETECTION_TARGET_SECONDS[interval]);
    }
  });

  test('setting one of M and N adjusts the other; M above N is an error on the field', () => {
    expect(failureMOfN(base('{ evaluationPeriods: 2 }', 10), at).mOfN).toEqual({
      datapointsToAlarm: 2,
      evaluationPeriods: 2,
    });
    expect(failureMOfN(base('{ datapointsToAlarm: 4 }'), at).mOfN).toEqual({
      datapointsToAlarm: 4,
      evaluationPeriods: 15,
    });
    expect(failureMOfN(base('{ datapointsToAlarm: 20 }'), at).mOfN).toEqual({
      datapointsToAlarm: 20,
      evaluationPeriods: 20,
    });
    expect(failureMOfN(base('{ datapointsToAlarm: 4, evaluationPeriods: 3 }'), at).issues).toEqual([
      expect.objectContaining({
        path: 'processors[0].alarms.datapointsToAlarm',
        message: expect.stringMatching(/M ≤ N/),
      }),
    ]);
  });
});

test('construct ids are deterministic PascalCase', () => {
  expect(['stripe', 'checkout-com', 'mpesa-daraja', '3ds-gw'].map(processorConstructId)).toEqual([
    'Stripe',
    'CheckoutCom',
    'MpesaDaraja',
    '3dsGw',
  ]);
  expect(regionConstructId('ap-southeast-2')).toBe('ApSoutheast2');
});
