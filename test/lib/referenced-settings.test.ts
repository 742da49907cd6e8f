/**
 * TLS and auth settings read from the integration's own references: the deployment rules see them like any
 * other reference (found with their field, { env } refused, { file } bundled), and the synthesized function
 * may read exactly those SSM parameters and secrets.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { type ProcessorConfig, parseConfig } from '../../lambdas/core/config/load';
import { parseProcessorEnv } from '../../lambdas/glue/deployed-config';
import type { ProcessorMonitor } from '../../lib/constructs/processor-monitor';
import { deployProcessor, secretRefs } from '../../lib/deploy/deployed-processor';
import { flatten, must, resources, synthConfig, Template } from '../support/cdk';

const dir = mkdtempSync(path.join(tmpdir(), 'payprobe-referenced-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
writeFileSync(path.join(dir, 'ciphers.txt'), 'ECDHE-RSA-AES128-GCM-SHA256\n');

const REFERENCED = `
  - name: bank
    endpoint: https://api.bank.example
    tls:
      minVersion: { ssm: /payments/bank/tls-min-version }
      maxVersion: { ssm: /payments/bank/tls-max-version }
      ciphers: { file: ciphers.txt }
      pins: { secretsManager: payments/bank/pins }
    auth:
      request: { path: { ssm: /payments/bank/health-path }, headers: { env: not-a-ref } }
      credentials:
        type: oauth2-client-credentials
        tokenUrl: { ssm: /payments/bank/token-url }
        scope: { ssm: /payments/bank/scope }
        clientId: bank
        clientSecret: { secretsManager: payments/bank/client-secret }
`;
const at = { file: 'payprobe.yaml', path: 'processors[0]' };

function processor(yaml: string): ProcessorConfig {
  return parseConfig(`processors:\n${yaml}`, path.join(dir, 'payprobe.yaml'))
    .processors[0] as ProcessorConfig;
}

describe('deployment rules', () => {
  test('referenced versions, ciphers, pins, token URL, scope and request path are found; headers stay plain', () => {
    const p = processor(REFERENCED);
    // In the schema's field order.
    expect(secretRefs(p).map((r) => r.field)).toEqual([
      'tls.pins',
      'tls.minVersion',
      'tls.maxVersion',
      'tls.ciphers',
      'auth.request.path',
      'auth.credentials.tokenUrl',
      'auth.credentials.clientSecret',
      'auth.credentials.scope',
    ]);
    const { issues, deployed } = deployProcessor(p, at);
    expect(issues).toEqual([]);
    expect(deployed?.parameterNames).toEqual([
      '/payments/bank/tls-min-version',
      '/payments/bank/tls-max-version',
      '/payments/bank/health-path',
      '/payments/bank/token-url',
      '/payments/bank/scope',
    ]);
    expect(deployed?.secretIds).toEqual(['payments/bank/pins', 'payments/bank/client-secret']);
    // The public cipher list file is bundled, and the deployed config still validates in the Lambda.
    expect(deployed?.files).toEqual([{ source: path.join(dir, 'ciphers.txt'), bundlePath: 'ciphers.txt' }]);
    const env = parseProcessorEnv(deployed?.environmentJson, '/x');
    expect(env.tls.ciphers).toEqual({ file: 'ciphers.txt' });
    expect(env.tls.minVersion).toEqual({ ssm: '/payments/bank/tls-min-version' });
  });

  test('an { env } minVersion cannot be deployed, named by its field', () => {
    const p = processor(`
  - name: bank
    endpoint: https://api.bank.example
    tls: { minVersion: { env: BANK_TLS_MIN } }
`);
    const { issues, deployed } = deployProcessor(p, at);
    expect(deployed).toBeUndefined();
    expect(issues).toEqual([
      expect.objectContaining({
        path: 'processors[0].tls.minVersion',
        message: expect.stringMatching(/\{ env: BANK_TLS_MIN \} cannot be deployed/),
      }),
    ]);
  });
});

describe('synthesized IAM grants', () => {
  interface Statement {
    Sid?: string;
    Action: string | string[];
    Resource: unknown;
  }

  test('the probe function may read the referenced minVersion parameter and pins secret', () => {
    const file = path.join(dir, 'payprobe.yaml');
    writeFileSync(
      file,
      `alerting: { critical: [{ email: oncall@example.com }] }\nprocessors:\n${REFERENCED}`,
    );
    const { stacks } = synthConfig(file);
    const stack = must(stacks[0], 'the stack');
    const template = Template.fromStack(stack);
    const monitor = must(stack.monitors[0], 'the monitor') as ProcessorMonitor;
    const roleId = stack.getLogicalId(monitor.probe.role.node.defaultChild as never);
    const statements = Object.values(resources(template, 'AWS::IAM::Policy'))
      .filter((p) => (flatten(p.Properties.Roles) as string[]).includes(`<${roleId}>`))
      .flatMap((p) => (flatten(p.Properties.PolicyDocument) as { Statement: Statement[] }).Statement);
    // The probe's reads of the integration's settings (the live audit's own state parameter aside).
    const granted = (action: string) =>
      statements
        .filter((s) => s.Sid !== 'LiveAuditState' && [s.Action].flat().includes(action))
        .flatMap((s) => [s.Resource].flat());
    expect(granted('ssm:GetParameter')).toEqual(
      expect.arrayContaining([
        'arn:<AWS::Partition>:ssm:<AWS::Region>:<AWS::AccountId>:parameter/payments/bank/tls-min-version',
        expect.stringMatching(/:parameter\/payments\/bank\/tls-max-version$/),
        expect.stringMatching(/:parameter\/payments\/bank\/health-path$/),
        expect.stringMatching(/:parameter\/payments\/bank\/token-url$/),
        expect.stringMatching(/:parameter\/payments\/bank\/scope$/),
      ]),
    );
    expect(granted('ssm:GetParameter')).toHaveLength(5);
    expect(granted('secretsmanager:GetSecretValue')).toEqual(
      expect.arrayContaining([expect.stringMatching(/:secret:payments\/bank\/pins-\?\?\?\?\?\?$/)]),
    );
  });
});
