/**
 * The one page of a flapping endpoint: the diagnose Lambda reads the alarm's own evaluated datapoints (one probe
 * a period) and says "intermittent: x of y probes failing" when passes follow the first failure, or when its
 * re-probe passes; a persistent failure is not called intermittent.
 */
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { type ProcessorConfig, parseConfig } from '../../lambdas/core/config/load';
import type { Engine } from '../../lambdas/core/contract/engine';
import { recentProbes } from '../../lambdas/core/diagnosis/recent-probes';
import { type DiagnoseDeps, handleAlarmEvent } from '../../lambdas/diagnose/diagnose';
import { alarmEvent, CRITICAL_ARN, WARNING_ARN } from '../support/diagnose';
import { failed, passed } from '../support/results';

const sns = mockClient(SNSClient);
const [stripe] = parseConfig(
  'processors:\n  - { name: stripe, endpoint: https://api.stripe.com }\n',
  'p.yaml',
).processors as [ProcessorConfig];

function deps(engine: Engine): DiagnoseDeps {
  return {
    processors: new Map([['stripe', stripe]]),
    topics: { critical: CRITICAL_ARN, warning: WARNING_ARN },
    sns: new SNSClient({ region: 'eu-west-1' }),
    secrets: { resolve: async () => ({ value: 'x' }) },
    engine,
  };
}

/** An ALARM event whose reasonData holds these datapoints (oldest first). */
function withDatapoints(points: number[], threshold = 1): Record<string, unknown> {
  const e = alarmEvent('PayProbe-stripe-HandshakeFailing', 'ALARM', 'OK') as {
    detail: { state: { reasonData: string } };
  };
  e.detail.state.reasonData = JSON.stringify({ recentDatapoints: points, threshold });
  return e as unknown as Record<string, unknown>;
}

beforeEach(() => {
  sns.reset();
  sns.on(PublishCommand).resolves({ MessageId: 'm' });
});

test('passes after the first failure in the window: one page that says intermittent, x of y', async () => {
  const out = await handleAlarmEvent(
    withDatapoints([0, 1, 0, 0, 1, 0, 1]),
    deps(async () => failed('stripe')),
  );
  expect(out).toMatchObject({ action: 'published' });
  const input = sns.commandCalls(PublishCommand)[0]?.args[0].input;
  expect(input?.Subject).toContain(
    'TLS handshake failing - intermittent: 3 of 7 probes failing, CERT_EXPIRED',
  );
  const text = (JSON.parse(input?.Message ?? '{}') as { default: string }).default;
  expect(text).toContain(
    "intermittent: 3 of 7 probes failing (the alarm's last 7 probes): the failure comes and goes.",
  );
});

test('the first failure of the window with a passing re-probe is intermittent too', async () => {
  await handleAlarmEvent(
    withDatapoints([0, 0, 0, 1]),
    deps(async () => passed('stripe')),
  );
  expect(sns.commandCalls(PublishCommand)[0]?.args[0].input.Subject).toContain(
    'intermittent: 1 of 4 probes failing',
  );
});

test('a persistent failure (failing since its first failure, re-probe failing) is not called intermittent', async () => {
  await handleAlarmEvent(
    withDatapoints([0, 0, 1, 1, 1]),
    deps(async () => failed('stripe')),
  );
  expect(sns.commandCalls(PublishCommand)[0]?.args[0].input.Subject).not.toContain('intermittent');
});

test('reads the comparison of each probe-period alarm; others tell nothing', () => {
  const state = (points: number[], threshold: number) => ({
    value: 'ALARM' as const,
    reason: '',
    timestamp: '2025-03-01T10:00:00.000+0000',
    reasonData: JSON.stringify({ recentDatapoints: points, threshold }),
  });
  expect(recentProbes('AvailabilityLow', state([100, 0, 100, 0], 90))).toEqual({
    failing: 2,
    total: 4,
    intermittent: true,
  });
  expect(recentProbes('LatencyHigh', state([900, 2100, 2500], 2000))).toEqual({
    failing: 2,
    total: 3,
    intermittent: false,
  });
  expect(recentProbes('CertExpiring', state([3], 21))).toBeNull();
  expect(recentProbes('HandshakeFailing', { ...state([], 1), reasonData: 'not json' })).toBeNull();
});
