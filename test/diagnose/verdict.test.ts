/**
 * One incident, one verdict (issue #12), through the deployed handlers: real loopback processors, the real
 * probe function (its SnapshotRecorder writing to a history store shared like the table) and the real
 * diagnose function, SSM / Secrets Manager / SNS / CloudWatch mocked at the SDK boundary. A shared SSM
 * parameter changes and every processor fails: one incident page naming it and its versions, one RESOLVED.
 * One processor's certificate is re-issued by another CA: a page on the processor's side naming the issuer.
 * A store that hangs or is down: the page still goes out, saying the history is unavailable. A new handler
 * instance (a cold start) still knows the last good probe.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { GetParameterCommand } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import type { ProcessorConfig } from '../../lambdas/core/config/load';
import { gatewayAlarmName } from '../../lambdas/core/contract/alarm-names';
import { createHandler as createDiagnose } from '../../lambdas/diagnose/handler';
import { HISTORY_TIMEOUT_MS } from '../../lambdas/diagnose/incidents';
import { createHandler as createProbe } from '../../lambdas/probe/handler';
import { MemoryHistory } from '../../testbed/memory-history';
import { createPki } from '../../testbed/pki';
import { type SimulatedProcessor, Testbed } from '../../testbed/servers';
import { type Switchboard, startSwitchboard } from '../../testbed/switchboard';
import { alarmEvent, CRITICAL_ARN, readPublish, WARNING_ARN } from '../support/diagnose';
import {
  answerSecretsFrom,
  lambdaContext,
  mockedAwsClients,
  scheduledEvent,
  virtualClock,
} from '../support/probe';

const { cloudwatch, secretsManager, ssm, cw, sm, ps } = mockedAwsClients();
const snsClient = new SNSClient({ region: 'eu-west-1' });
const sns = mockClient(snsClient);

const CA_PARAMETER = '/gw/ca-bundle';
const FLEET = ['acme', 'bolt', 'coral'] as const;
const silent = () => new Logger({ logLevel: 'SILENT' });

let bed: Testbed;
let sims: Record<(typeof FLEET)[number], SimulatedProcessor>;
let stranger: SimulatedProcessor;
let sandboxCaPem: string;
/** bolt's endpoint: a fixed port whose backend a test can switch (a re-issued certificate). */
let boltFront: Switchboard;
let configs: ProcessorConfig[];

/** The SSM parameter as the service holds it: value, version, and when that version was created. */
let parameter: { value: string; version: number; modified: Date };
function putParameter(value: string, modified = new Date()): void {
  parameter = { value, version: parameter.version + 1, modified };
}

beforeAll(async () => {
  bed = await Testbed.start();
  sims = await bed.fleet({ acme: 'healthy', bolt: 'healthy', coral: 'healthy' });
  stranger = await bed.start('untrusted-root');
  sandboxCaPem = (await createPki()).caPem;
  boltFront = await startSwitchboard({ port: sims.bolt.port });
  const tls = { ca: { ssm: CA_PARAMETER } };
  configs = [
    await bed.processor('acme', sims.acme, { tls }),
    await bed.processor('bolt', boltFront.url, { tls }),
    await bed.processor('coral', sims.coral, { tls }),
  ];
}, 60_000);

afterAll(async () => {
  await boltFront.close();
  await bed.close();
});

answerSecretsFrom(sm, () => bed.secrets);

beforeEach(() => {
  parameter = { value: bed.pki.caPem, version: 1, modified: new Date(Date.now() - 86_400_000) };
  boltFront.route({ port: sims.bolt.port });
  ps.on(GetParameterCommand).callsFake(async (input: { Name: string }) => {
    if (input.Name !== CA_PARAMETER)
      throw Object.assign(new Error('no such parameter'), { name: 'ParameterNotFound' });
    return {
      Parameter: {
        Name: CA_PARAMETER,
        Type: 'String',
        Value: parameter.value,
        Version: parameter.version,
        LastModifiedDate: parameter.modified,
      },
    };
  });
  sns.reset();
  sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
});

/** The stack as deployed: one probe function per processor, one diagnose function, one history table. */
function deployment(history: MemoryHistory) {
  const clock = virtualClock(Date.now());
  const probeFunctions = () =>
    configs.map((c) =>
      createProbe({
        env: { PAYPROBE_PROCESSOR: JSON.stringify(c), PAYPROBE_SECRET_TTL_SECONDS: '0' },
        cloudwatch,
        secretsManager,
        ssm,
        history,
        clock,
        confirmPauseMs: 1,
        logger: silent(),
      }),
    );
  let probes = probeFunctions();
  const diagnoseFunction = () =>
    createDiagnose({
      env: {
        PAYPROBE_PROCESSORS: JSON.stringify(Object.fromEntries(configs.map((c) => [c.name, c]))),
        PAYPROBE_TOPIC_CRITICAL_ARN: CRITICAL_ARN,
        PAYPROBE_TOPIC_WARNING_ARN: WARNING_ARN,
        PAYPROBE_SECRET_TTL_SECONDS: '0',
      },
      sns: snsClient,
      secretsManager,
      ssm,
      history,
      logger: silent(),
    });
  return {
    diagnose: diagnoseFunction(),
    newDiagnose: diagnoseFunction,
    /** Every probe function runs once, a minute after the previous round (simulated). */
    async minute(only?: readonly string[]): Promise<void> {
      clock.advance(60_000);
      await Promise.all(
        probes
          .filter((_h, i) => !only || only.includes(configs[i]?.name ?? ''))
          .map((h) => h(scheduledEvent(), lambdaContext(60_000, clock))),
      );
    },
    /** A redeploy: every probe function starts cold. */
    redeployProbes(): void {
      probes = probeFunctions();
    },
  };
}

const pages = () => sns.commandCalls(PublishCommand).map((c) => readPublish(c.args[0].input));
const stamp = () => new Date().toISOString().replace('Z', '+0000');
const alarm = (processor: string, state: 'ALARM' | 'OK', previous: 'ALARM' | 'OK') =>
  alarmEvent(`PayProbe-${processor}-HandshakeFailing`, state, previous, { state: stamp() });

test('a shared SSM parameter changes and every processor fails: one incident page naming it and its versions, then one RESOLVED', async () => {
  const history = new MemoryHistory();
  const d = deployment(history);
  await d.minute();
  expect(
    history.writes
      .filter((w) => w.kind === 'pass')
      .map((w) => w.key)
      .sort(),
  ).toEqual([...FLEET]);

  const changedAt = new Date(Date.now() - 30_000);
  putParameter(sandboxCaPem, changedAt);
  await d.minute();
  const outcomes = [];
  for (const p of FLEET) outcomes.push(await d.diagnose(alarm(p, 'ALARM', 'OK')));
  expect(outcomes.map((o) => o.action)).toEqual(['published', 'folded', 'folded']);

  expect(pages()).toHaveLength(1);
  const [page] = pages();
  if (!page) throw new Error('no page');
  expect(page.input.TopicArn).toBe(CRITICAL_ARN);
  expect(page.input.Subject).toBe(
    `[CRITICAL] 3 of 3 processors failing (tls CERT_UNTRUSTED): ssm ${CA_PARAMETER} changed`,
  );
  expect(page.document.verdict).toMatchObject({
    scope: 'ours',
    processors: [...FLEET],
    stage: 'tls',
    classes: ['CERT_UNTRUSTED'],
  });
  const [factor] = page.document.verdict?.commonFactors ?? [];
  expect(factor).toBe(
    `tls.ca: ssm ${CA_PARAMETER} (version 1 -> 2, changed ${changedAt.toISOString()}; changed nearest the onset)`,
  );
  expect(page.text).toContain('the cause is most likely on our side');
  expect(page.text).toContain(`  * ${factor}`);
  expect(page.input.MessageAttributes?.processor?.StringValue).toBe(FLEET.join(','));

  // Restored: the probes pass, the alarms return to OK; the first two leave silently, the last resolves.
  putParameter(bed.pki.caPem);
  await d.minute();
  const resolved = [];
  for (const p of FLEET) resolved.push(await d.diagnose(alarm(p, 'OK', 'ALARM')));
  expect(resolved.map((o) => o.action)).toEqual(['folded', 'folded', 'published']);
  expect(pages()).toHaveLength(2);
  expect(pages()[1]?.input.Subject).toMatch(/^\[RESOLVED\] 3 processors OK again after /);
});

test("a processor joining an open incident sends one update page; its members' other alarms send nothing", async () => {
  const history = new MemoryHistory();
  const d = deployment(history);
  await d.minute();
  putParameter(sandboxCaPem);
  // coral's probe has not run since the change: two of three fail.
  await d.minute(['acme', 'bolt']);
  expect((await d.diagnose(alarm('acme', 'ALARM', 'OK'))).action).toBe('published');
  expect(pages()[0]?.input.Subject).toMatch(/^\[CRITICAL\] 2 of 3 processors failing /);
  expect((await d.diagnose(alarm('bolt', 'ALARM', 'OK'))).action).toBe('folded');
  await d.minute();
  expect((await d.diagnose(alarm('coral', 'ALARM', 'OK'))).action).toBe('published');
  expect(pages()).toHaveLength(2);
  expect(pages()[1]?.input.Subject).toMatch(/^\[CRITICAL\] UPDATE 3 of 3 processors failing /);
  expect(pages()[1]?.text).toContain('coral joined (page 2)');
  expect(pages()[1]?.input.MessageAttributes?.event?.StringValue).toBe('incident-update');
  // Another alarm of a member (its availability alarm) folds in without a page.
  expect(
    (await d.diagnose(alarmEvent('PayProbe-bolt-AvailabilityLow', 'ALARM', 'OK', { state: stamp() }))).action,
  ).toBe('folded');
  expect(pages()).toHaveLength(2);
});

test("the incident page is the same whichever alarm opens it: the gateway alarm or a processor's, about the first to fail", async () => {
  /** The page body without what differs by nature: the alarm that sent it and the times. */
  const body = (text: string) =>
    text
      .replace(/\nALARM\n(?: {2}.*\n)+/, '\nALARM\n')
      .replace(/\d{4}-\d\d-\d\dT[\d:.]+Z/g, '<time>')
      .replace(/-\d{8}T\d{6}Z/g, '-<time>');
  const opened = async (first: 'gateway' | 'acme') => {
    sns.reset();
    sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
    parameter = { value: bed.pki.caPem, version: 1, modified: new Date(Date.now() - 86_400_000) };
    const d = deployment(new MemoryHistory());
    await d.minute();
    putParameter(sandboxCaPem, new Date(Date.now() - 30_000));
    // coral's probe runs first after the change: it is the first to fail, though acme comes first by name.
    await d.minute(['coral']);
    await d.minute(['acme', 'bolt']);
    const gateway = alarmEvent(gatewayAlarmName('PayProbe'), 'ALARM', 'OK', { state: stamp() });
    const order =
      first === 'gateway' ? [gateway, alarm('acme', 'ALARM', 'OK')] : [alarm('acme', 'ALARM', 'OK'), gateway];
    const outcomes = [];
    for (const e of order) outcomes.push((await d.diagnose(e)).action);
    expect(outcomes).toEqual(['published', 'folded']);
    const [page] = pages();
    if (!page) throw new Error('no page');
    return page;
  };
  const byGateway = await opened('gateway');
  const byProcessor = await opened('acme');
  expect(byGateway.text).toContain('WHAT CHANGED SINCE THE LAST GOOD PROBE (coral, the first to fail)');
  expect(byGateway.text).toContain(`1. tls.ca (ssm ${CA_PARAMETER}): version 1 -> 2, changed `);
  expect(byGateway.document.history).toMatchObject({
    status: 'known',
    changes: [{ field: 'tls.ca', side: 'ours' }],
  });
  expect(body(byProcessor.text)).toBe(body(byGateway.text));
  expect(byProcessor.input.Subject).toBe(byGateway.input.Subject);
  expect(body(JSON.stringify(byProcessor.document.history))).toBe(
    body(JSON.stringify(byGateway.document.history)),
  );
});

test('three alarms at once in three diagnose containers still make one page: the incident record is written conditionally', async () => {
  const history = new MemoryHistory();
  const d = deployment(history);
  await d.minute();
  putParameter(sandboxCaPem);
  await d.minute();
  const outcomes = await Promise.all(FLEET.map((p) => d.newDiagnose()(alarm(p, 'ALARM', 'OK'))));
  expect(outcomes.map((o) => o.action).sort()).toEqual(['folded', 'folded', 'published']);
  expect(pages()).toHaveLength(1);
  expect(history.writes.filter((w) => w.kind === 'incident')).toHaveLength(3);
});

test("one processor's certificate re-issued by another CA: the page says the change is on the processor's side and names the new issuer", async () => {
  const history = new MemoryHistory();
  const d = deployment(history);
  await d.minute();
  boltFront.route({ port: stranger.port });
  await d.minute();
  const outcome = await d.diagnose(alarm('bolt', 'ALARM', 'OK'));
  expect(outcome.action).toBe('published');
  const [page] = pages();
  if (!page) throw new Error('no page');
  const issuer = page.document.result?.tls?.serverCert?.issuer ?? '';
  expect(issuer).not.toBe('');
  expect(page.document.verdict).toMatchObject({ scope: 'theirs', processors: ['bolt'] });
  expect(page.document.verdict?.commonFactors).toContainEqual(expect.stringContaining(issuer));
  expect(page.text).toContain("the change is on the processor's side");
  expect(page.text).toMatch(
    new RegExp(`server\\.issuer: .* -> .*${issuer.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`),
  );
  expect(page.text).not.toContain('the cause is most likely on our side');
});

describe.each([
  ['hangs', 'hang'],
  ['is down', 'fail'],
] as const)('the history store %s', (_what, fault) => {
  test('the probe runs and publishes its metrics, and the page goes out saying the history is unavailable', async () => {
    const history = new MemoryHistory();
    const d = deployment(history);
    await d.minute();
    putParameter(sandboxCaPem);
    history.fault = fault;
    cw.resetHistory();
    await d.minute();
    expect(cw.commandCalls(PutMetricDataCommand)).toHaveLength(FLEET.length);
    const started = Date.now();
    const outcome = await d.diagnose(alarm('acme', 'ALARM', 'OK'));
    // Bounded by the history read's own limit, beside a re-probe that takes milliseconds here.
    expect(Date.now() - started).toBeLessThan(HISTORY_TIMEOUT_MS + 3_000);
    expect(outcome.action).toBe('published');
    const [page] = pages();
    expect(page?.input.Subject).toBe('[CRITICAL] acme: TLS handshake failing - CERT_UNTRUSTED');
    expect(page?.text).toMatch(/ {2}history unavailable: .*\. This page went out without it\./);
    expect(page?.document.history).toMatchObject({ status: 'unavailable' });
  });
});

test('a cold start and a redeploy still know the last good probe: it lives in the store, not in a container', async () => {
  const history = new MemoryHistory();
  const d = deployment(history);
  await d.minute();
  // Redeploy: new probe functions and a new diagnose function; nothing of the old containers survives.
  d.redeployProbes();
  putParameter(sandboxCaPem);
  await d.minute();
  await d.newDiagnose()(alarm('acme', 'ALARM', 'OK'));
  const [page] = pages();
  expect(page?.document.history).toMatchObject({ status: 'known' });
  expect(page?.document.history?.changes?.[0]).toMatchObject({
    field: 'tls.ca',
    source: `ssm ${CA_PARAMETER}`,
    side: 'ours',
  });
  expect(page?.text).toContain(`1. tls.ca (ssm ${CA_PARAMETER}): version 1 -> 2, changed `);
});
