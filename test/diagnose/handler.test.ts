/**
 * The diagnose Lambda end to end: the deployed handler (environment contract, Powertools-cached secrets over
 * a mocked Secrets Manager, the real probe engine) against simulated processors on 127.0.0.1, asserting the
 * exact SNS Publish calls at the SDK boundary: topic, subject, attributes, body sections, the JSON for
 * webhooks, and that no secret value appears anywhere in them.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import type { ProcessorConfig } from '../../lambdas/core/config/load';
import { SnapshotRecorder } from '../../lambdas/core/diagnosis/history';
import { probe } from '../../lambdas/core/engine/probe';
import { createHandler, type DiagnoseHandler } from '../../lambdas/diagnose/handler';
import { MemoryHistory } from '../../testbed/memory-history';
import { type SimulatedProcessor, Testbed } from '../../testbed/servers';
import {
  ALARM_REASON,
  alarmEvent,
  CRITICAL_ARN,
  headings,
  OK_REASON,
  readPublish,
  section,
  WARNING_ARN,
} from '../support/diagnose';

const TOKEN = 'sk_live_51HdiagnoseSecretToken0001';
const ROTATED = 'sk_live_51HdiagnoseRotatedToken0002';

const sns = mockClient(SNSClient);
const sm = mockClient(SecretsManagerClient);

let bed: Testbed;
let sims: Record<'mtls' | 'expired' | 'untrusted' | 'api' | 'expiring', SimulatedProcessor>;
let configs: Record<string, ProcessorConfig>;
/** Every secret value the testbed holds: none may appear in a Publish call. */
let secretValues: string[];
let handler: DiagnoseHandler;
/** The history table the handler reads (the probe functions' records). */
let history: MemoryHistory;

const FULL_SECTIONS = [
  'SUMMARY',
  'SINCE',
  'SERVER CERTIFICATE CHAIN (as presented, leaf first)',
  'OUR CLIENT CERTIFICATE',
  'PHASE TIMINGS',
  'WHAT CHANGED SINCE THE LAST GOOD PROBE',
];

beforeAll(async () => {
  bed = await Testbed.start();
  sims = await bed.fleet({
    mtls: 'client-cert-tls12',
    expired: 'expired',
    untrusted: 'untrusted-root',
    api: { kind: 'healthy', options: { credentials: { type: 'bearer', token: TOKEN } } },
    expiring: 'expiring-soon',
  });
  const list = await Promise.all([
    // Our client certificate is from a CA the processor does not trust.
    bed.processor('acquirer', sims.mtls, { clientCert: 'other-ca' }),
    bed.processor('legacy-bank', sims.expired),
    bed.processor('newpay', sims.untrusted),
    bed.processor('stripe', sims.api),
    bed.processor('renewing', sims.expiring),
  ]);
  configs = Object.fromEntries(list.map((c) => [c.name, c]));
  secretValues = [
    TOKEN,
    ROTATED,
    (await bed.clientCert('valid')).key,
    (await bed.clientCert('other-ca')).key,
  ];
});

afterAll(async () => {
  await bed.close();
});

beforeEach(() => {
  sns.reset();
  sm.reset();
  sns.on(PublishCommand).resolves({ MessageId: 'msg-1' });
  // Secrets Manager answers from the testbed's store, with its version ids (as the real service would).
  sm.on(GetSecretValueCommand).callsFake(async (input: { SecretId: string }) => {
    const v = await bed.secrets.resolve({ secretsManager: input.SecretId });
    return { SecretString: v.value, VersionId: v.version };
  });
  history = new MemoryHistory();
  handler = createHandler({
    history,
    env: {
      PAYPROBE_PROCESSORS: JSON.stringify(configs),
      PAYPROBE_TOPIC_CRITICAL_ARN: CRITICAL_ARN,
      PAYPROBE_TOPIC_WARNING_ARN: WARNING_ARN,
      PAYPROBE_SECRET_TTL_SECONDS: '0',
    },
    sns: new SNSClient({ region: 'eu-west-1' }),
    secretsManager: new SecretsManagerClient({ region: 'eu-west-1' }),
    ssm: new SSMClient({ region: 'eu-west-1' }),
    logger: new Logger({ logLevel: 'SILENT' }),
  });
});

/** The one Publish call of this test, read back; fails unless exactly one was made. */
function onlyPublish() {
  expect(sns).toHaveReceivedCommandTimes(PublishCommand, 1);
  const input = sns.commandCalls(PublishCommand)[0]?.args[0].input;
  if (!input) throw new Error('no Publish');
  return readPublish(input);
}

function expectNoSecret(): void {
  const everything = JSON.stringify(sns.commandCalls(PublishCommand).map((c) => c.args[0].input));
  for (const v of secretValues) expect(everything).not.toContain(v);
  expect(everything).not.toContain('PRIVATE KEY');
}

function expectPublishShape(p: ReturnType<typeof readPublish>): void {
  expect(p.input.MessageStructure).toBe('json');
  expect(Object.keys(p.messages).sort()).toEqual(
    ['default', 'email', 'email-json', 'firehose', 'http', 'https', 'lambda', 'sms', 'sqs'].sort(),
  );
  expect(p.messages.default).toBe(p.text);
  expect(p.messages.sms).toBe(p.input.Subject);
  for (const k of ['http', 'sqs', 'lambda', 'firehose', 'email-json'])
    expect(p.messages[k]).toBe(p.messages.https);
  expect(p.document.text).toBe(p.text);
  expect(p.document.subject).toBe(p.input.Subject);
  expect((p.input.Subject ?? '').length).toBeLessThan(100);
  expect(p.input.Subject).toMatch(/^[\x20-\x7e]+$/);
}

describe('ALARM: re-probe and publish the diagnosis', () => {
  test('client certificate rejected: critical page with the runbook and our certificate validity', async () => {
    const out = await handler(alarmEvent('PayProbe-acquirer-HandshakeFailing', 'ALARM', 'OK'));
    expect(out).toMatchObject({ action: 'published', topicArn: CRITICAL_ARN });
    const p = onlyPublish();
    expectPublishShape(p);
    expect(p.input.TopicArn).toBe(CRITICAL_ARN);
    expect(p.input.Subject).toBe('[CRITICAL] acquirer: TLS handshake failing - CLIENT_CERT_REJECTED');
    expect(p.input.MessageAttributes).toEqual({
      processor: { DataType: 'String', StringValue: 'acquirer' },
      severity: { DataType: 'String', StringValue: 'critical' },
      stage: { DataType: 'String', StringValue: 'tls' },
      class: { DataType: 'String', StringValue: 'CLIENT_CERT_REJECTED' },
      event: { DataType: 'String', StringValue: 'diagnosis' },
    });
    expect(headings(p.text)).toEqual([...FULL_SECTIONS, 'RUNBOOK: CLIENT_CERT_REJECTED', 'ALARM']);
    const summary = section(p.text, 'SUMMARY');
    expect(summary).toContain('  Stage:     tls');
    expect(summary).toContain('  Class:     CLIENT_CERT_REJECTED');
    expect(summary.find((l) => l.startsWith('  Detail:'))).toMatch(/client certificate/i);
    expect(section(p.text, 'SINCE')).toEqual([
      '  PayProbe-acquirer-HandshakeFailing: OK -> ALARM at 2025-03-01T10:03:10.123Z',
      '  the failing datapoints it evaluated start at 2025-03-01T10:00:00.000Z',
      '  it had been OK since 2025-02-27T08:00:00.000Z',
      `  alarm reason: ${ALARM_REASON}`,
    ]);
    expect(section(p.text, 'OUR CLIENT CERTIFICATE')).toEqual([
      expect.stringMatching(/^ {2}valid to \S+ \(\d+ days left\)$/),
    ]);
    expect(p.text).toContain(
      'First check: Check that the certificate in the clientCert secret is the one registered',
    );
    // Commands name the real endpoint and the client-certificate secret reference (never its value).
    expect(p.text).toContain(
      `$ openssl s_client -connect 127.0.0.1:${sims.mtls.port} -servername 127.0.0.1 -tls1_2 -cert client.pem -key client.key`,
    );
    expect(p.text).toMatch(
      /\$ aws secretsmanager describe-secret --secret-id testbed\/acquirer-\d+\/client-cert/,
    );
    expect(p.text).toContain('Full runbook: docs/runbooks/CLIENT_CERT_REJECTED.md');
    expect(p.document).toMatchObject({
      schema: 'payprobe.notification/v1',
      event: 'diagnosis',
      processor: 'acquirer',
      severity: 'critical',
      alarm: {
        name: 'PayProbe-acquirer-HandshakeFailing',
        kind: 'HandshakeFailing',
        state: 'ALARM',
        previousState: 'OK',
      },
      diagnosis: {
        class: 'CLIENT_CERT_REJECTED',
        stage: 'tls',
        runbook: 'docs/runbooks/CLIENT_CERT_REJECTED.md',
      },
      result: { processor: 'acquirer', ok: false, class: 'CLIENT_CERT_REJECTED' },
    });
    // The webhook's first check names the real secret reference, like the email.
    expect(p.document.diagnosis?.firstCheck).toMatch(/--secret-id testbed\/acquirer-\d+\/client-cert/);
    expectNoSecret();
  });

  test('expired server certificate: the chain shows which certificate expired', async () => {
    await handler(alarmEvent('PayProbe-legacy-bank-HandshakeFailing', 'ALARM', 'OK'));
    const p = onlyPublish();
    expectPublishShape(p);
    expect(p.input.TopicArn).toBe(CRITICAL_ARN);
    expect(p.input.Subject).toBe('[CRITICAL] legacy-bank: TLS handshake failing - CERT_EXPIRED');
    expect(p.input.MessageAttributes?.class?.StringValue).toBe('CERT_EXPIRED');
    expect(p.input.MessageAttributes?.stage?.StringValue).toBe('tls');
    expect(headings(p.text)).toEqual([...FULL_SECTIONS, 'RUNBOOK: CERT_EXPIRED', 'ALARM']);
    const chain = section(p.text, 'SERVER CERTIFICATE CHAIN');
    expect(chain[0]).toMatch(/^ {2}\[0\] subject .*CN=localhost/);
    expect(chain.join('\n')).toMatch(/valid {3}\S+ to \S+ \(EXPIRED \d+ days? ago\)/);
    expect(chain.join('\n')).toMatch(/\[1\] subject CN=payprobe-testbed Issuing CA/);
    expect(section(p.text, 'OUR CLIENT CERTIFICATE')).toEqual(['  none configured (no mutual TLS)']);
    expect(p.text).toContain(`-connect 127.0.0.1:${sims.expired.port} -servername 127.0.0.1 -showcerts`);
    expectNoSecret();
  });

  test('untrusted chain: the OpenSSL code is in the detail and the runbook asks for the CA bundle', async () => {
    await handler(alarmEvent('PayProbe-newpay-HandshakeFailing', 'ALARM', 'INSUFFICIENT_DATA'));
    const p = onlyPublish();
    expectPublishShape(p);
    expect(p.input.Subject).toBe('[CRITICAL] newpay: TLS handshake failing - CERT_UNTRUSTED');
    expect(p.input.MessageAttributes?.class?.StringValue).toBe('CERT_UNTRUSTED');
    const detail = section(p.text, 'SUMMARY').find((l) => l.startsWith('  Detail:'));
    expect(detail).toMatch(
      /UNABLE_TO_GET_ISSUER_CERT_LOCALLY|UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED_CERT_IN_CHAIN/,
    );
    expect(p.text).toContain('-showcerts -CAfile ca.pem');
    expect(section(p.text, 'SINCE')[0]).toBe(
      '  PayProbe-newpay-HandshakeFailing: INSUFFICIENT_DATA -> ALARM at 2025-03-01T10:03:10.123Z',
    );
    expect(section(p.text, 'SERVER CERTIFICATE CHAIN').join('\n')).toMatch(/issuer .*unknown-ca/);
    expectNoSecret();
  });

  test('auth rejected after a key rotation: the page names the changed input version', async () => {
    // The probe function recorded a passing run in the history table (the real engine, the real recorder).
    await new SnapshotRecorder(history).record(
      await probe(configs.stripe as ProcessorConfig, bed.deps()),
      Date.now(),
    );
    // Someone stores a wrong key as a new secret version.
    const tokenRef = configs.stripe?.auth?.credentials;
    if (tokenRef?.type !== 'bearer' || !('secretsManager' in tokenRef.token))
      throw new Error('bearer expected');
    const id = tokenRef.token.secretsManager;
    bed.secrets.put(id, ROTATED, 'v2');
    try {
      await handler(
        alarmEvent('PayProbe-stripe-AuthRejected', 'ALARM', 'OK', { state: '2025-03-01T10:13:10.000+0000' }),
      );
    } finally {
      bed.secrets.put(id, TOKEN, 'v1');
    }
    const p = onlyPublish();
    expectPublishShape(p);
    expect(p.input.TopicArn).toBe(CRITICAL_ARN);
    expect(p.input.Subject).toBe('[CRITICAL] stripe: credentials rejected - AUTH_REJECTED');
    expect(p.input.MessageAttributes).toEqual({
      processor: { DataType: 'String', StringValue: 'stripe' },
      severity: { DataType: 'String', StringValue: 'critical' },
      stage: { DataType: 'String', StringValue: 'auth' },
      class: { DataType: 'String', StringValue: 'AUTH_REJECTED' },
      event: { DataType: 'String', StringValue: 'diagnosis' },
    });
    expect(headings(p.text)).toEqual([...FULL_SECTIONS, 'RUNBOOK: AUTH_REJECTED', 'ALARM']);
    expect(section(p.text, 'PHASE TIMINGS')).toContainEqual('  http status 401');
    const changes = section(p.text, 'WHAT CHANGED SINCE THE LAST GOOD PROBE');
    expect(changes[0]).toMatch(
      /^ {2}since the last passing probe \(\S+; failing since \S+\), nearest the onset first:$/,
    );
    expect(changes[1]).toMatch(
      /^ {2}1\. auth\.credentials\.token \(secretsManager testbed\/stripe-\d+\/token\): version v1 -> v2 \[our side\]$/,
    );
    expect(p.document.inputs?.changes).toEqual([
      { field: 'auth.credentials.token', before: 'version:v1', after: 'version:v2' },
    ]);
    expect(p.text).toMatch(/--secret-id testbed\/stripe-\d+\/token/);
    expect(p.text).toContain(`https://127.0.0.1:${sims.api.port}/v1/balance`);
    expectNoSecret();
  });

  test('a re-probe that passes says so, with the alarm reason and what to look at', async () => {
    await handler(alarmEvent('PayProbe-stripe-HandshakeFailing', 'ALARM', 'OK'));
    const p = onlyPublish();
    expectPublishShape(p);
    expect(p.input.Subject).toBe('[CRITICAL] stripe: TLS handshake failing - re-probe passed');
    expect(p.input.MessageAttributes).toEqual({
      processor: { DataType: 'String', StringValue: 'stripe' },
      severity: { DataType: 'String', StringValue: 'critical' },
      stage: { DataType: 'String', StringValue: 'tls' },
      class: { DataType: 'String', StringValue: 'OK' },
      event: { DataType: 'String', StringValue: 'reprobe-passed' },
    });
    expect(p.text).toContain('the probe PASSED');
    expect(p.text).toContain(`The alarm fired on earlier runs: ${ALARM_REASON}`);
    expect(p.text).toContain('the failure is intermittent');
    expect(headings(p.text)).toEqual([...FULL_SECTIONS, 'RUNBOOK', 'ALARM']);
    expect(p.document.diagnosis).toBeNull();
    expect(p.document.result?.ok).toBe(true);
    expectNoSecret();
  });

  test('a warning alarm goes to the warning topic with the warning class', async () => {
    await handler(alarmEvent('PayProbe-renewing-CertExpiring', 'ALARM', 'OK'));
    const p = onlyPublish();
    expectPublishShape(p);
    expect(p.input.TopicArn).toBe(WARNING_ARN);
    expect(p.input.Subject).toBe('[WARNING] renewing: server certificate expiring - CERT_EXPIRING_SOON');
    expect(p.input.MessageAttributes?.severity?.StringValue).toBe('warning');
    expect(p.input.MessageAttributes?.class?.StringValue).toBe('CERT_EXPIRING_SOON');
    expect(section(p.text, 'SUMMARY').find((l) => l.startsWith('  Detail:'))).toMatch(/\d+ days?/);
    expect(headings(p.text)).toContain('RUNBOOK: CERT_EXPIRING_SOON');
  });
});

describe('OK after ALARM: RESOLVED', () => {
  test('a short RESOLVED page with the time spent in ALARM, and no re-probe', async () => {
    const before = sims.api.requests.length;
    await handler(
      alarmEvent('PayProbe-stripe-AuthRejected', 'OK', 'ALARM', {
        previous: '2025-03-01T10:03:10.000+0000',
        state: '2025-03-01T10:20:40.000+0000',
      }),
    );
    const p = onlyPublish();
    expectPublishShape(p);
    expect(p.input.TopicArn).toBe(CRITICAL_ARN);
    expect(p.input.Subject).toBe('[RESOLVED] stripe: credentials rejected - OK after 18 min');
    expect(p.input.MessageAttributes).toEqual({
      processor: { DataType: 'String', StringValue: 'stripe' },
      severity: { DataType: 'String', StringValue: 'critical' },
      stage: { DataType: 'String', StringValue: 'auth' },
      class: { DataType: 'String', StringValue: 'OK' },
      event: { DataType: 'String', StringValue: 'resolved' },
    });
    expect(p.text.split('\n').slice(0, 6)).toEqual([
      '[RESOLVED] stripe: credentials rejected - OK after 18 min',
      '',
      'PayProbe-stripe-AuthRejected is OK again after 18 min in ALARM.',
      '  ALARM since: 2025-03-01T10:03:10.000Z',
      '  OK since:    2025-03-01T10:20:40.000Z',
      `  reason:      ${OK_REASON}`,
    ]);
    expect(p.document).toMatchObject({
      event: 'resolved',
      durationSeconds: 1050,
      result: null,
      diagnosis: null,
    });
    expect(sims.api.requests.length).toBe(before);
    expect(sm).not.toHaveReceivedCommand(GetSecretValueCommand);
  });
});

describe('events that need no page', () => {
  test.each([
    ['OK after INSUFFICIENT_DATA', alarmEvent('PayProbe-stripe-AuthRejected', 'OK', 'INSUFFICIENT_DATA')],
    ['ALARM to INSUFFICIENT_DATA', alarmEvent('PayProbe-stripe-AuthRejected', 'INSUFFICIENT_DATA', 'ALARM')],
    ["an alarm that is not payprobe's", alarmEvent('ServerCpuTooHigh', 'ALARM', 'OK')],
    [
      'a processor this function does not diagnose',
      alarmEvent('PayProbe-paypal-HandshakeFailing', 'ALARM', 'OK'),
    ],
    ["the diagnose function's own alarm", alarmEvent('PayProbe-DiagnoseErrors-PayProbe', 'ALARM', 'OK')],
    [
      'another kind of event',
      { source: 'aws.events', 'detail-type': 'Scheduled Event', time: '2025-03-01T10:00:00Z', detail: {} },
    ],
  ])('%s', async (_name, event) => {
    const out = await handler(event);
    expect(out.action).toBe('ignored');
    expect(sns).not.toHaveReceivedCommand(PublishCommand);
  });
});

test('a failed Publish fails the invocation (so the diagnose Errors alarm fires)', async () => {
  sns.on(PublishCommand).rejects(
    Object.assign(new Error('User is not authorized to perform SNS:Publish'), {
      name: 'AuthorizationErrorException',
    }),
  );
  await expect(handler(alarmEvent('PayProbe-legacy-bank-HandshakeFailing', 'ALARM', 'OK'))).rejects.toThrow(
    /not authorized/,
  );
});

test('a broken environment fails loudly, naming the variable', async () => {
  const broken = createHandler({
    env: { PAYPROBE_PROCESSORS: '{}' },
    logger: new Logger({ logLevel: 'SILENT' }),
  });
  await expect(broken(alarmEvent('PayProbe-stripe-AuthRejected', 'ALARM', 'OK'))).rejects.toThrow(
    /PAYPROBE_TOPIC_CRITICAL_ARN: not set/,
  );
});
