/**
 * The live audit in the probe function, with its AWS clients mocked at the SDK boundary: the integration's
 * settings live in SSM and Secrets Manager; each is changed to a risky value, and the audit run that follows
 * must report exactly one finding naming the rule, the field and the reference's version, publish
 * AuditFindings, page once on the warning topic, stay quiet while nothing changes and report the fix as
 * resolved. The findings state lives in the mocked SSM parameter, so it survives a new handler (cold start).
 */
import { PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { GetParameterCommand, PutParameterCommand } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { DAY_MS } from '../../lambdas/core/checks/expiry';
import { AUDIT_EVENT } from '../../lambdas/core/contract/env-names';
import type { ProbeResult } from '../../lambdas/core/contract/result';
import { createHandler } from '../../lambdas/probe/handler';
import { createPki, type Issued, type TestPki } from '../../testbed/pki';
import {
  capturedLogger,
  lambdaContext,
  mockedAwsClients,
  passing,
  processorFromYaml,
} from '../support/probe';

const TOPIC = 'arn:aws:sns:eu-west-1:111122223333:payprobe-warning';
const STATE = 'payprobe-audit-state-gw';

const PROCESSOR = processorFromYaml(`
processors:
  - name: gw
    endpoint: https://gw.payments.example
    tls:
      minVersion: { ssm: /gw/tls-min }
      ciphers: { ssm: /gw/ciphers }
      ca: { ssm: /gw/ca-bundle }
      clientCert: { secretsManager: gw/client-cert }
      clientKey: { secretsManager: gw/client-key }
    auth:
      request: { method: GET, path: /v1/ping }
      credentials: { type: bearer, token: { secretsManager: gw/api-key } }
`);

const { cloudwatch, secretsManager, ssm, cw, sm, ps } = mockedAwsClients();
const sns = new SNSClient({ region: 'eu-west-1' });
const sn = mockClient(sns);

/** SSM parameters and secrets as the integration keeps them: every write makes a new version. */
class Store {
  readonly values = new Map<string, { value: string; version: number }>();
  set(name: string, value: string): void {
    this.values.set(name, { value, version: (this.values.get(name)?.version ?? 0) + 1 });
  }
}

let store: Store;
let pki: TestPki;
let good: Issued;
let weak: Issued;
let sandboxRootPem: string;
let expiredRootPem: string;

beforeAll(async () => {
  pki = await createPki();
  [good, weak] = await Promise.all([pki.clientCert(), pki.clientCert({ weak: 'sha1' })]);
  sandboxRootPem = (await createPki({ name: 'Acme Sandbox' })).root.cert;
  expiredRootPem = (await createPki({ name: 'Old Gateway', now: new Date(Date.now() - 4000 * DAY_MS) })).root
    .cert;
});

/** The safe settings every case starts from. */
function safeSettings(s: Store): void {
  s.set('/gw/tls-min', 'TLSv1.2');
  s.set('/gw/ciphers', 'ECDHE+AESGCM:ECDHE+CHACHA20');
  s.set('/gw/ca-bundle', pki.caPem);
  s.set('gw/client-cert', good.cert);
  s.set('gw/client-key', good.key);
  s.set('gw/api-key', 'sk_live_not_checked_here_0123456789');
}

beforeEach(() => {
  store = new Store();
  safeSettings(store);
  store.set(STATE, 'none');
  sn.reset();
  sn.on(PublishCommand).resolves({ MessageId: 'm-1' });
  ps.on(GetParameterCommand).callsFake(async (input: { Name: string }) => {
    const v = store.values.get(input.Name);
    if (!v) throw Object.assign(new Error(`${input.Name} not found`), { name: 'ParameterNotFound' });
    return { Parameter: { Name: input.Name, Value: v.value, Version: v.version, Type: 'String' } };
  });
  ps.on(PutParameterCommand).callsFake(async (input: { Name: string; Value: string }) => {
    store.set(input.Name, input.Value);
    return { Version: store.values.get(input.Name)?.version };
  });
  sm.on(GetSecretValueCommand).callsFake(async (input: { SecretId: string }) => {
    const v = store.values.get(input.SecretId);
    if (!v) throw Object.assign(new Error('not found'), { name: 'ResourceNotFoundException' });
    return { SecretString: v.value, VersionId: `v${v.version}` };
  });
});

/** A fresh handler (a cold start) wired to the mocks; the engine passes without a chain to judge. */
function handler(engine: () => Promise<ProbeResult> = async () => passing({ processor: 'gw' })) {
  const log = capturedLogger();
  const h = createHandler({
    env: {
      PAYPROBE_PROCESSOR: JSON.stringify(PROCESSOR),
      PAYPROBE_SECRET_TTL_SECONDS: '0',
      PAYPROBE_AUDIT_TOPIC_ARN: TOPIC,
      PAYPROBE_AUDIT_STATE_PARAMETER: STATE,
    },
    cloudwatch,
    secretsManager,
    ssm,
    sns,
    logger: log.logger,
    engine,
    confirmPauseMs: 1,
  });
  return { run: () => h(AUDIT_EVENT, lambdaContext()), h, log };
}

const pages = () => sn.commandCalls(PublishCommand).map((c) => c.args[0].input);
const auditFindings = () =>
  cw
    .commandCalls(PutMetricDataCommand)
    .flatMap((c) => c.args[0].input.MetricData ?? [])
    .filter((d) => d.MetricName === 'AuditFindings')
    .map((d) => ({ value: d.Value, dimensions: d.Dimensions }));

interface RiskyCase {
  readonly name: string;
  readonly change: (s: Store) => void;
  readonly rule: string;
  readonly field: string;
  readonly reference: string;
  /** The version the change made. */
  readonly version: string;
}

const CASES: RiskyCase[] = [
  {
    name: 'the minimum TLS version parameter set to TLSv1',
    change: (s) => s.set('/gw/tls-min', 'TLSv1'),
    rule: 'tls-min-version-too-low',
    field: 'tls.minVersion',
    reference: 'ssm /gw/tls-min',
    version: '2',
  },
  {
    name: 'a cipher list allowing RSA key exchange and CBC',
    change: (s) => s.set('/gw/ciphers', 'HIGH:!aNULL'),
    rule: 'ciphers-no-forward-secrecy',
    field: 'tls.ciphers',
    reference: 'ssm /gw/ciphers',
    version: '2',
  },
  {
    name: 'the CA bundle pointed at a sandbox root',
    change: (s) => s.set('/gw/ca-bundle', `${pki.caPem}\n${sandboxRootPem}`),
    rule: 'ca-test-root',
    field: 'tls.ca',
    reference: 'ssm /gw/ca-bundle',
    version: '2',
  },
  {
    name: 'a CA bundle with an expired root',
    change: (s) => s.set('/gw/ca-bundle', `${pki.caPem}\n${expiredRootPem}`),
    rule: 'ca-expired',
    field: 'tls.ca',
    reference: 'ssm /gw/ca-bundle',
    version: '2',
  },
  {
    name: 'our client certificate renewed with a SHA-1 signature',
    change: (s) => {
      s.set('gw/client-cert', weak.cert);
      s.set('gw/client-key', weak.key);
    },
    rule: 'client-cert-weak',
    field: 'tls.clientCert',
    reference: 'secretsManager gw/client-cert',
    version: 'v2',
  },
];

describe('a risky live value', () => {
  test('the safe settings have no finding and page nothing', async () => {
    const out = await handler().run();
    expect(out.audit).toMatchObject({ findings: 0, opened: [], resolved: [], error: null });
    expect(pages()).toEqual([]);
    expect(auditFindings()).toEqual([{ value: 0, dimensions: [{ Name: 'Processor', Value: 'gw' }] }]);
  });

  test.each(CASES.map((c) => [c.name, c] as const))(
    '%s: one finding with rule, field and reference version, paged once, then resolved',
    async (_name, c) => {
      c.change(store);
      const first = await handler().run();
      expect(first.audit).toMatchObject({ findings: 1, opened: [c.rule], resolved: [], error: null });
      expect(auditFindings().map((m) => m.value)).toEqual([1]);
      expect(pages()).toHaveLength(1);
      const page = pages()[0];
      expect(page?.TopicArn).toBe(TOPIC);
      expect(page?.Subject).toBe('[WARNING] gw: live audit - 1 new finding');
      const doc = JSON.parse(JSON.parse(page?.Message ?? '{}').https);
      expect(doc.opened).toEqual([
        expect.objectContaining({
          rule: c.rule,
          field: c.field,
          reference: { name: c.reference, version: c.version },
        }),
      ]);
      const text: string = JSON.parse(page?.Message ?? '{}').default;
      expect(text).toContain(`reference:  ${c.reference} (version ${c.version})`);
      expect(text).toContain(`fix:        `);
      // Never a value from Secrets Manager.
      expect(page?.Message).not.toContain('sk_live_not_checked_here');
      expect(page?.Message).not.toContain('BEGIN');

      // Unchanged: counted again, not paged again (a new handler: the state is in SSM, not in memory).
      const again = await handler().run();
      expect(again.audit).toMatchObject({ findings: 1, opened: [], resolved: [] });
      expect(pages()).toHaveLength(1);
      expect(auditFindings().map((m) => m.value)).toEqual([1, 1]);

      // Fixed: reported resolved, once.
      safeSettings(store);
      const fixed = await handler().run();
      expect(fixed.audit).toMatchObject({ findings: 0, opened: [], resolved: [c.rule] });
      expect(pages()).toHaveLength(2);
      expect(pages()[1]?.Subject).toBe('[RESOLVED] gw: live audit - 1 resolved');
      expect(auditFindings().map((m) => m.value)).toEqual([1, 1, 0]);
      await handler().run();
      expect(pages()).toHaveLength(2);
    },
  );

  test('the page says why it matters, PCI DSS 4.2.1 included, and the fix', async () => {
    store.set('/gw/tls-min', 'TLSv1.1');
    await handler().run();
    const text: string = JSON.parse(pages()[0]?.Message ?? '{}').default;
    expect(text).toContain('NEW ERROR  tls-min-version-too-low');
    expect(text).toContain('PCI DSS 4.0 Req 4.2.1');
    expect(text).toContain('set tls.minVersion: TLSv1.2');
  });

  test('a second risky change while the first stays open pages only the new one', async () => {
    store.set('/gw/tls-min', 'TLSv1');
    await handler().run();
    store.set('/gw/ciphers', 'AES128-SHA');
    const out = await handler().run();
    expect(out.audit).toMatchObject({ findings: 2, opened: ['ciphers-no-forward-secrecy'] });
    expect(pages()).toHaveLength(2);
    const text: string = JSON.parse(pages()[1]?.Message ?? '{}').default;
    expect(text).toContain('Still open (paged before):\n  tls-min-version-too-low  tls.minVersion');
  });
});

describe('when the live audit runs', () => {
  test('right after a probe run that saw an input change, with no schedule event', async () => {
    let n = 0;
    const engine = async () =>
      passing({
        processor: 'gw',
        inputs: { 'tls.minVersion': n++ === 0 ? 'version:1' : 'version:2' },
      });
    const { h } = handler(engine);
    const first = await h({} as never, lambdaContext());
    expect(first.audit).toBeUndefined();
    store.set('/gw/tls-min', 'TLSv1');
    const second = await h({} as never, lambdaContext());
    expect(second.audit).toMatchObject({
      trigger: 'input-changed',
      findings: 1,
      opened: ['tls-min-version-too-low'],
    });
    expect(pages()).toHaveLength(1);
  });

  test('a probe run without an input change does not audit', async () => {
    const { h } = handler();
    await h({} as never, lambdaContext());
    const out = await h({} as never, lambdaContext());
    expect(out.audit).toBeUndefined();
    expect(auditFindings()).toEqual([]);
  });

  test('a page SNS refuses is not recorded as sent: the next run pages it', async () => {
    store.set('/gw/tls-min', 'TLSv1');
    sn.on(PublishCommand)
      .rejectsOnce(Object.assign(new Error('denied'), { name: 'AuthorizationError' }))
      .resolves({ MessageId: 'm-2' });
    const first = await handler().run();
    expect(first.audit?.error).toMatch(/publishing the audit page: AuthorizationError/);
    expect(store.values.get(STATE)?.value).toBe('none');
    const second = await handler().run();
    expect(second.audit).toMatchObject({ opened: ['tls-min-version-too-low'], error: null });
    expect(pages()).toHaveLength(2);
  });

  test('a state it cannot read pages nothing rather than twice, and the invocation still succeeds', async () => {
    store.values.delete(STATE);
    store.set('/gw/tls-min', 'TLSv1');
    const out = await handler().run();
    expect(out.audit?.error).toMatch(/reading the audit state/);
    expect(pages()).toEqual([]);
    expect(auditFindings().map((m) => m.value)).toEqual([1]);
  });

  test('a function without the audit variables only probes', async () => {
    const log = capturedLogger();
    const h = createHandler({
      env: { PAYPROBE_PROCESSOR: JSON.stringify(PROCESSOR), PAYPROBE_SECRET_TTL_SECONDS: '0' },
      cloudwatch,
      secretsManager,
      ssm,
      sns,
      logger: log.logger,
      engine: async () => passing({ processor: 'gw' }),
    });
    const out = await h(AUDIT_EVENT, lambdaContext());
    expect(out.audit).toBeUndefined();
    expect(log.raw()).toContain('nothing audited');
  });
});
