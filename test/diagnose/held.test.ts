/**
 * Held alarm notifications (lambdas/diagnose/held.ts): a processor with maintenance windows has its alarms act
 * on the held-alarms topic the diagnose function subscribes to. CloudWatch publishes there on every ALARM; only
 * the notification it held back until a window ended (the ALARM began inside the window and outlasted it) pages,
 * once, as the usual diagnosis saying it outlasted the maintenance. The rule alone, then through the handler.
 */
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import type { ProcessorConfig } from '../../lambdas/core/config/load';
import type { MaintenanceWindow } from '../../lambdas/core/config/maintenance';
import type { Engine } from '../../lambdas/core/contract/engine';
import { parseAlarmInput, parseSnsAlarmNotification } from '../../lambdas/diagnose/alarm-event';
import { type DiagnoseDeps, handleAlarmEvent } from '../../lambdas/diagnose/diagnose';
import { heldNotification } from '../../lambdas/diagnose/held';
import {
  alarmEvent,
  alarmNotification,
  CRITICAL_ARN,
  HELD_ARN,
  MAINTENANCE_CONFIG,
  readPublish,
  STRIPE_WINDOW,
  WARNING_ARN,
} from '../support/diagnose';
import { failed } from '../support/results';

const sns = mockClient(SNSClient);
const config = MAINTENANCE_CONFIG;
const WINDOW = STRIPE_WINDOW;
const RECURRING: MaintenanceWindow = {
  index: 1,
  processors: ['stripe'],
  reason: 'weekly patching',
  kind: 'recurring',
  cron: '0 3 * * SUN',
  durationMinutes: 120,
  timezone: 'UTC',
};
const AT_END = Date.parse('2025-03-01T11:00:05.000Z');
const engine: Engine = async (p) =>
  failed(p.name, { stage: 'tls', class: 'CERT_EXPIRED', detail: 'certificate has expired' });

function deps(now = AT_END): DiagnoseDeps {
  return {
    processors: new Map(config.processors.map((p): [string, ProcessorConfig] => [p.name, p])),
    topics: { critical: CRITICAL_ARN, warning: WARNING_ARN },
    sns: new SNSClient({ region: 'eu-west-1' }),
    secrets: { resolve: async () => ({ value: 'x' }) },
    engine,
    maintenance: [WINDOW],
    now: () => now,
  };
}

const notified = (state: 'ALARM' | 'OK', previous: 'ALARM' | 'OK', at: string, alarm = 'stripe') =>
  parseSnsAlarmNotification(alarmNotification(`PayProbe-${alarm}-HandshakeFailing`, state, previous, at));

beforeEach(() => {
  sns.reset();
  sns.on(PublishCommand).resolves({ MessageId: 'm' });
});

describe('the held-notification rule', () => {
  test('an ALARM that began inside a window that has ended is held: it pages, naming the window', () => {
    const alarm = notified('ALARM', 'OK', '2025-03-01T10:20:00.000+0000');
    expect(alarm && heldNotification(alarm, 'stripe', [WINDOW], AT_END)).toEqual({
      page: true,
      window: { index: 0, reason: 'Stripe certificate rotation', end: '2025-03-01T11:00:00.000Z' },
    });
  });

  test('an ALARM outside every window is the notification beside the EventBridge page: ignored', () => {
    const alarm = notified('ALARM', 'OK', '2025-03-01T11:20:00.000+0000');
    expect(alarm && heldNotification(alarm, 'stripe', [WINDOW], AT_END + 20 * 60_000)).toEqual({
      page: false,
      reason: expect.stringMatching(
        /began outside stripe's maintenance windows \(the EventBridge event paged it\)/,
      ),
    });
    // Another processor's window changes nothing.
    const other = notified('ALARM', 'OK', '2025-03-01T10:20:00.000+0000', 'adyen');
    expect(other && heldNotification(other, 'adyen', [WINDOW], AT_END)).toMatchObject({ page: false });
  });

  test('OK and INSUFFICIENT_DATA notifications never page', () => {
    const ok = notified('OK', 'ALARM', '2025-03-01T10:20:00.000+0000');
    expect(ok && heldNotification(ok, 'stripe', [WINDOW], AT_END)).toEqual({
      page: false,
      reason: expect.stringMatching(/OK is not a held ALARM/),
    });
  });

  test('a notification while its window is still open is not yet the held one', () => {
    const alarm = notified('ALARM', 'OK', '2025-03-01T10:20:00.000+0000');
    expect(alarm && heldNotification(alarm, 'stripe', [WINDOW], Date.parse('2025-03-01T10:30:00Z'))).toEqual({
      page: false,
      reason: expect.stringMatching(
        /maintenance\[0\] \(Stripe certificate rotation\) lasts until 2025-03-01T11:00:00.000Z/,
      ),
    });
  });

  test('a recurring window holds the ALARMs that began in its occurrence', () => {
    // Sunday 2025-03-02 03:00-05:00 UTC.
    const alarm = notified('ALARM', 'OK', '2025-03-02T04:10:00.000+0000');
    expect(
      alarm && heldNotification(alarm, 'stripe', [RECURRING], Date.parse('2025-03-02T05:00:10Z')),
    ).toEqual({
      page: true,
      window: { index: 1, reason: 'weekly patching', end: '2025-03-02T05:00:00.000Z' },
    });
  });
});

describe('parsing an SNS-delivered alarm notification', () => {
  test('maps the notification onto the same state change as the EventBridge event', () => {
    const input = parseAlarmInput(
      alarmNotification('PayProbe-stripe-HandshakeFailing', 'ALARM', 'OK', '2025-03-01T10:20:00.000+0000'),
    );
    expect(input).toEqual({
      via: 'notification',
      alarm: {
        alarmName: 'PayProbe-stripe-HandshakeFailing',
        alarmArn: 'arn:aws:cloudwatch:eu-west-1:123456789012:alarm:PayProbe-stripe-HandshakeFailing',
        region: 'eu-west-1',
        account: '123456789012',
        time: '2025-03-01T11:00:05.000Z',
        state: {
          value: 'ALARM',
          reason: expect.stringMatching(/^Threshold Crossed/),
          timestamp: '2025-03-01T10:20:00.000+0000',
        },
        previousState: { value: 'OK', reason: '', timestamp: '' },
      },
    });
    expect(parseAlarmInput(alarmEvent('PayProbe-stripe-HandshakeFailing', 'ALARM', 'OK'))?.via).toBe('event');
  });

  test('a malformed record, message or notification is not an alarm notification', () => {
    const good = alarmNotification(
      'PayProbe-stripe-HandshakeFailing',
      'ALARM',
      'OK',
      '2025-03-01T10:20:00.000+0000',
    );
    const record = (good.Records as { Sns: Record<string, unknown> }[])[0] as {
      Sns: Record<string, unknown>;
    };
    const withMessage = (Message: string) => ({
      Records: [{ EventSource: 'aws:sns', Sns: { ...record.Sns, Message } }],
    });
    expect(parseSnsAlarmNotification(withMessage('not json'))).toBeNull();
    expect(
      parseSnsAlarmNotification(withMessage(JSON.stringify({ AlarmName: 'x', NewStateValue: 'MAYBE' }))),
    ).toBeNull();
    expect(parseSnsAlarmNotification(withMessage(JSON.stringify({ NewStateValue: 'ALARM' })))).toBeNull();
    expect(parseSnsAlarmNotification({ Records: [] })).toBeNull();
    expect(parseSnsAlarmNotification({ Records: [record, record] })).toBeNull();
    expect(parseSnsAlarmNotification({ Records: [{ ...record, EventSource: 'aws:sqs' }] })).toBeNull();
  });
});

describe('the handler with SNS-delivered notifications', () => {
  test('a held notification is the usual diagnosed page, saying the failure outlasted the maintenance', async () => {
    const out = await handleAlarmEvent(
      alarmNotification('PayProbe-stripe-HandshakeFailing', 'ALARM', 'OK', '2025-03-01T10:20:00.000+0000'),
      deps(),
    );
    expect(out).toMatchObject({ action: 'published', topicArn: CRITICAL_ARN, event: 'diagnosis' });
    expect(sns).toHaveReceivedCommandTimes(PublishCommand, 1);
    const [call] = sns.commandCalls(PublishCommand);
    if (!call) throw new Error('no Publish');
    const page = readPublish(call.args[0].input);
    expect(page.text).toContain(
      'The failure outlasted maintenance[0] (Stripe certificate rotation), which ended at 2025-03-01T11:00:00.000Z',
    );
    expect(page.input.Subject).toMatch(/CERT_EXPIRED/);
  });

  test('the notification beside an EventBridge page, an OK one and a malformed one publish nothing', async () => {
    const outside = await handleAlarmEvent(
      alarmNotification('PayProbe-stripe-HandshakeFailing', 'ALARM', 'OK', '2025-03-01T11:20:00.000+0000'),
      deps(AT_END + 20 * 60_000),
    );
    expect(outside).toEqual({
      action: 'ignored',
      reason: expect.stringMatching(/EventBridge event paged it/),
    });
    const ok = await handleAlarmEvent(
      alarmNotification('PayProbe-stripe-HandshakeFailing', 'OK', 'ALARM', '2025-03-01T11:20:00.000+0000'),
      deps(),
    );
    expect(ok).toMatchObject({ action: 'ignored' });
    const broken = await handleAlarmEvent(
      { Records: [{ EventSource: 'aws:sns', Sns: { TopicArn: HELD_ARN, Message: '{' } }] },
      deps(),
    );
    expect(broken).toMatchObject({
      action: 'ignored',
      reason: expect.stringMatching(/^not a CloudWatch alarm/),
    });
    expect(sns).not.toHaveReceivedCommand(PublishCommand);
  });
});
