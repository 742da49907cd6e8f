/**
 * The diagnose Lambda and maintenance windows: it reacts to alarm state changes, which a CloudWatch mute rule
 * does not stop, so it must know the windows itself. No page for an ALARM inside a window of its processor, no
 * RESOLVED for an ALARM that began and ended inside one; outside, and for other processors, pages as usual. The windows
 * come from the environment the stack sets (PAYPROBE_MAINTENANCE).
 */
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { ConfigError, type ProcessorConfig } from '../../lambdas/core/config/load';
import type { MaintenanceWindow } from '../../lambdas/core/config/maintenance';
import type { Engine } from '../../lambdas/core/contract/engine';
import { type DiagnoseDeps, handleAlarmEvent } from '../../lambdas/diagnose/diagnose';
import { readDiagnoseEnv } from '../../lambdas/diagnose/env';
import {
  alarmEvent,
  CRITICAL_ARN,
  MAINTENANCE_CONFIG,
  STRIPE_WINDOW,
  WARNING_ARN,
} from '../support/diagnose';
import { passed } from '../support/results';

const sns = mockClient(SNSClient);
const config = MAINTENANCE_CONFIG;
const WINDOW = STRIPE_WINDOW;
const engine: Engine = async (p) => passed(p.name);

function deps(maintenance: readonly MaintenanceWindow[] = [WINDOW]): DiagnoseDeps {
  return {
    processors: new Map(config.processors.map((p): [string, ProcessorConfig] => [p.name, p])),
    topics: { critical: CRITICAL_ARN, warning: WARNING_ARN },
    sns: new SNSClient({ region: 'eu-west-1' }),
    secrets: { resolve: async () => ({ value: 'x' }) },
    engine,
    maintenance,
  };
}

beforeEach(() => {
  sns.reset();
  sns.on(PublishCommand).resolves({ MessageId: 'm' });
});

test('an ALARM inside a window of its processor pages nobody and says why', async () => {
  const out = await handleAlarmEvent(
    alarmEvent('PayProbe-stripe-HandshakeFailing', 'ALARM', 'OK', { state: '2025-03-01T10:20:00.000+0000' }),
    deps(),
  );
  expect(out).toEqual({
    action: 'ignored',
    reason: expect.stringMatching(
      /stripe is in maintenance\[0\] \(Stripe certificate rotation\) until 2025-03-01T11:00:00.000Z: no page/,
    ),
  });
  expect(sns).not.toHaveReceivedCommand(PublishCommand);
});

test('the same ALARM after the window, or for a processor outside it, pages', async () => {
  await handleAlarmEvent(
    alarmEvent('PayProbe-stripe-HandshakeFailing', 'ALARM', 'OK', { state: '2025-03-01T11:00:00.000+0000' }),
    deps(),
  );
  await handleAlarmEvent(
    alarmEvent('PayProbe-adyen-HandshakeFailing', 'ALARM', 'OK', { state: '2025-03-01T10:20:00.000+0000' }),
    deps(),
  );
  expect(sns).toHaveReceivedCommandTimes(PublishCommand, 2);
});

test('no RESOLVED for an ALARM that began and ended inside the window; a RESOLVED for one paged before or after it', async () => {
  const inside = await handleAlarmEvent(
    alarmEvent('PayProbe-stripe-HandshakeFailing', 'OK', 'ALARM', {
      state: '2025-03-01T10:40:00.000+0000',
      previous: '2025-03-01T10:10:00.000+0000',
    }),
    deps(),
  );
  expect(inside).toMatchObject({
    action: 'ignored',
    reason: expect.stringMatching(/was never paged: no RESOLVED/),
  });
  expect(sns).not.toHaveReceivedCommand(PublishCommand);
  // Still in ALARM when the window closed at 11:00: the mute rule ran the held ALARM action then, so on-call
  // was paged and must hear of the recovery.
  const outlasted = await handleAlarmEvent(
    alarmEvent('PayProbe-stripe-HandshakeFailing', 'OK', 'ALARM', {
      state: '2025-03-01T11:30:00.000+0000',
      previous: '2025-03-01T10:10:00.000+0000',
    }),
    deps(),
  );
  expect(outlasted).toMatchObject({ action: 'published', subject: expect.stringMatching(/^\[RESOLVED\]/) });
  const before = await handleAlarmEvent(
    alarmEvent('PayProbe-stripe-HandshakeFailing', 'OK', 'ALARM', {
      state: '2025-03-01T10:30:00.000+0000',
      previous: '2025-03-01T09:50:00.000+0000',
    }),
    deps(),
  );
  expect(before).toMatchObject({ action: 'published', subject: expect.stringMatching(/^\[RESOLVED\]/) });
});

test('the windows come from PAYPROBE_MAINTENANCE; a broken value is a ConfigError naming the variable', () => {
  const base = {
    PAYPROBE_PROCESSORS: JSON.stringify(
      Object.fromEntries(config.processors.map((p) => [p.name, { ...p, baseDir: '/var/task' }])),
    ),
    PAYPROBE_TOPIC_CRITICAL_ARN: CRITICAL_ARN,
    PAYPROBE_TOPIC_WARNING_ARN: WARNING_ARN,
    LAMBDA_TASK_ROOT: '/var/task',
  };
  expect(readDiagnoseEnv({ ...base, PAYPROBE_MAINTENANCE: JSON.stringify([WINDOW]) }).maintenance).toEqual([
    WINDOW,
  ]);
  expect(readDiagnoseEnv(base).maintenance).toEqual([]);
  expect(() => readDiagnoseEnv({ ...base, PAYPROBE_MAINTENANCE: '{"not":"a list"}' })).toThrow(ConfigError);
  expect(() => readDiagnoseEnv({ ...base, PAYPROBE_MAINTENANCE: '[' })).toThrow(/PAYPROBE_MAINTENANCE/);
});
