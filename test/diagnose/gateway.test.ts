/**
 * The gateway alarm without a verdict (lambdas/diagnose/gateway.ts): held (no page, no RESOLVED) when the
 * history table already shows enough processors failing but with different classes (each pages through its own
 * alarm); paged as before when the history is unavailable or off, or shows too few failing yet.
 */
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import type { ProcessorConfig } from '../../lambdas/core/config/model';
import { gatewayAlarmName } from '../../lambdas/core/contract/alarm-names';
import type { FailureClass } from '../../lambdas/core/contract/classes';
import type { Engine } from '../../lambdas/core/contract/engine';
import { heldKey } from '../../lambdas/core/diagnosis/incident';
import { snapshotOf } from '../../lambdas/core/diagnosis/snapshot';
import { type DiagnoseDeps, handleAlarmEvent } from '../../lambdas/diagnose/diagnose';
import { MemoryHistory } from '../../testbed/memory-history';
import { alarmEvent, CRITICAL_ARN, readPublish, WARNING_ARN } from '../support/diagnose';
import { stripeProcessor } from '../support/probe';
import { failed } from '../support/results';

const sns = mockClient(SNSClient);
const GATEWAY = 'PayProbe';
const ALARM = gatewayAlarmName(GATEWAY);
const FLEET = ['acme', 'bolt', 'coral'];
const NOW = Date.parse('2025-03-01T10:03:30.000Z');
/** The ALARM's state timestamp; the matching OK carries it as previousState.timestamp. */
const ALARM_AT = '2025-03-01T10:03:10.123+0000';
const OK_AT = '2025-03-01T10:30:00.000+0000';

const engine: Engine = async () => {
  throw new Error('the gateway alarm never re-probes');
};

function deps(history: MemoryHistory | undefined): DiagnoseDeps {
  return {
    processors: new Map<string, ProcessorConfig>(FLEET.map((name) => [name, stripeProcessor({ name })])),
    topics: { critical: CRITICAL_ARN, warning: WARNING_ARN },
    sns: new SNSClient({ region: 'eu-west-1' }),
    secrets: { resolve: async () => ({ value: 'unused' }) },
    engine,
    gateway: GATEWAY,
    now: () => NOW,
    ...(history ? { history } : {}),
  };
}

/** Records a failing run of `processor` with `cls`, a minute before NOW, as its probe function would. */
async function failing(
  history: MemoryHistory,
  processor: string,
  cls: FailureClass,
  agoMs = 60_000,
): Promise<void> {
  const at = new Date(NOW - agoMs).toISOString();
  const result = failed(processor, { class: cls, stage: 'tls', startedAt: at });
  await history.recordFailure(processor, {
    at,
    last: at,
    stage: 'tls',
    class: cls,
    snapshot: snapshotOf(result),
    lastPassAt: null,
  });
}

const gatewayAlarm = () => alarmEvent(ALARM, 'ALARM', 'OK', { state: ALARM_AT });
const gatewayOk = () => alarmEvent(ALARM, 'OK', 'ALARM', { state: OK_AT, previous: ALARM_AT });
const pages = () => sns.commandCalls(PublishCommand).map((c) => readPublish(c.args[0].input));

beforeEach(() => {
  sns.reset();
  sns.on(PublishCommand).resolves({ MessageId: 'm' });
});

test('two processors failing with two classes: the gateway ALARM is held (no page) and its OK sends no RESOLVED', async () => {
  const history = new MemoryHistory();
  await failing(history, 'acme', 'CERT_EXPIRED');
  await failing(history, 'bolt', 'CLIENT_CERT_REJECTED');

  const held = await handleAlarmEvent(gatewayAlarm(), deps(history));
  expect(held).toMatchObject({ action: 'ignored' });
  expect(held.action === 'ignored' && held.reason).toMatch(
    /held: 2 processors failing with 2 classes, none shared by 2 \(acme CERT_EXPIRED, bolt CLIENT_CERT_REJECTED\)/,
  );
  expect(history.incident(heldKey(ALARM))?.value).toMatchObject({ alarm: ALARM, alarmAt: ALARM_AT });

  const ok = await handleAlarmEvent(gatewayOk(), deps(history));
  expect(ok).toMatchObject({ action: 'ignored' });
  expect(ok.action === 'ignored' && ok.reason).toContain('was held');
  expect(pages()).toHaveLength(0);
});

test('the OK of a gateway ALARM that paged still sends its RESOLVED, even after an earlier ALARM was held', async () => {
  const history = new MemoryHistory();
  await failing(history, 'acme', 'CERT_EXPIRED');
  await failing(history, 'bolt', 'CLIENT_CERT_REJECTED');
  await handleAlarmEvent(gatewayAlarm(), deps(history));
  expect(pages()).toHaveLength(0);

  // A later episode with the table down: the ALARM pages; the held item of the earlier one must not silence it.
  const later = '2025-03-01T12:00:00.000+0000';
  await handleAlarmEvent(alarmEvent(ALARM, 'ALARM', 'OK', { state: later }), {
    ...deps(history),
    history: Object.assign(Object.create(history), {
      readProcessors: () => Promise.reject(new Error('down')),
    }),
  });
  await handleAlarmEvent(
    alarmEvent(ALARM, 'OK', 'ALARM', { state: '2025-03-01T12:30:00.000+0000', previous: later }),
    deps(history),
  );
  expect(pages().map((p) => p.input.MessageAttributes?.event?.StringValue)).toEqual(['gateway', 'resolved']);
  expect(pages()[1]?.input.Subject).toMatch(/RESOLVED/);
});

test('history unavailable: the gateway ALARM pages saying so, and its OK sends a RESOLVED (as before)', async () => {
  const history = new MemoryHistory();
  await failing(history, 'acme', 'CERT_EXPIRED');
  await failing(history, 'bolt', 'CLIENT_CERT_REJECTED');
  history.fault = 'fail';

  const paged = await handleAlarmEvent(gatewayAlarm(), deps(history));
  const ok = await handleAlarmEvent(gatewayOk(), deps(history));
  expect(paged).toMatchObject({ action: 'published', event: 'gateway' });
  expect(ok).toMatchObject({ action: 'published', event: 'resolved' });
  expect(pages()[0]?.text).toContain('history unavailable');
  expect(pages()[1]?.input.Subject).toMatch(/RESOLVED/);
});

test('no history table: the gateway ALARM pages and its OK sends a RESOLVED (as before)', async () => {
  await handleAlarmEvent(gatewayAlarm(), deps(undefined));
  await handleAlarmEvent(gatewayOk(), deps(undefined));
  expect(pages()).toHaveLength(2);
  expect(pages()[0]?.text).toContain('this deployment keeps no history table');
  expect(pages()[1]?.input.Subject).toMatch(/RESOLVED/);
});

test('fewer than N processors recorded failing yet: the gateway ALARM pages (the early warning) and its OK resolves it', async () => {
  const history = new MemoryHistory();
  await failing(history, 'acme', 'CERT_EXPIRED');

  const paged = await handleAlarmEvent(gatewayAlarm(), deps(history));
  expect(paged).toMatchObject({ action: 'published', event: 'gateway' });
  expect(pages()[0]?.text).toContain('the history table shows 1 of the 2 or more processors failing');
  expect(history.incident(heldKey(ALARM))).toBeUndefined();

  await handleAlarmEvent(gatewayOk(), deps(history));
  expect(pages()).toHaveLength(2);
  expect(pages()[1]?.input.Subject).toMatch(/RESOLVED/);
});

test('a held ALARM whose hold cannot be stored still pages no one; its OK then sends a (stray) RESOLVED', async () => {
  const history = new MemoryHistory();
  await failing(history, 'acme', 'CERT_EXPIRED');
  await failing(history, 'bolt', 'CLIENT_CERT_REJECTED');
  const noWrites = Object.assign(Object.create(history), {
    writeIncident: () => Promise.reject(new Error('ServiceUnavailable')),
  });
  const held = await handleAlarmEvent(gatewayAlarm(), { ...deps(history), history: noWrites });
  expect(held).toMatchObject({ action: 'ignored' });
  expect(pages()).toHaveLength(0);
  await handleAlarmEvent(gatewayOk(), deps(history));
  expect(pages()).toHaveLength(1);
  expect(pages()[0]?.input.Subject).toMatch(/RESOLVED/);
});

test('N processors failing with one class but onsets too far apart: no verdict, yet not held: the gateway pages', async () => {
  const history = new MemoryHistory();
  await failing(history, 'acme', 'CERT_EXPIRED', 40 * 60_000); // onset 40 minutes ago (window: 10)
  await failing(history, 'acme', 'CERT_EXPIRED');
  await failing(history, 'bolt', 'CERT_EXPIRED');

  const paged = await handleAlarmEvent(gatewayAlarm(), deps(history));
  expect(paged).toMatchObject({ action: 'published', event: 'gateway' });
  expect(pages()[0]?.text).toContain('the history table shows no 2 processors failing alike');
});
