/**
 * The declarative parts of the replay engine (testbed/aws/replay.ts) that need no emulator: the step
 * builders scenarios are written with and the alarm states a result implies at a time. The engine itself
 * runs in test/e2e/replays.e2e.test.ts.
 */
import type { AlarmTransition } from '../../../testbed/aws/alarm-evaluator';
import {
  alarmStatesAt,
  at,
  intermittent,
  type ReplayResult,
  rotateCredential,
  serve,
  setParameter,
} from '../../../testbed/aws/replay';

describe('scenario steps', () => {
  it('places a step at a minute from the onset and says what it does', () => {
    expect(at(3, serve('bolt-pay', 'expired'))).toMatchObject({ at: 3, what: 'bolt-pay serves expired' });
    expect(at(0, rotateCredential('acme-pay')).what).toBe("acme-pay's API key rotated in Secrets Manager");
    expect(
      at(
        0,
        setParameter('/p', () => 'v'),
      ).what,
    ).toBe('SSM parameter /p changes');
  });

  it('turns an intermittent pattern into the switches between the bad and the healthy backend', () => {
    const steps = intermittent('coral-pay', 'reset', 'xx..x.', 2);
    expect(steps.map((s) => `${s.at} ${s.what}`)).toEqual([
      '2 coral-pay serves reset',
      '4 coral-pay serves healthy',
      '6 coral-pay serves reset',
      '7 coral-pay serves healthy',
    ]);
    expect(() => intermittent('coral-pay', 'reset', 'x-x')).toThrow(/only x and \. allowed/);
  });
});

describe('alarmStatesAt', () => {
  it('replays the transitions up to a time over every alarm, INSUFFICIENT_DATA before the first', () => {
    const transition = (name: string, at: number, value: string) =>
      ({ alarm: { name }, at, current: { value } }) as unknown as AlarmTransition;
    const r = {
      alarms: ['A', 'B', 'C'],
      transitions: [transition('A', 60, 'OK'), transition('B', 60, 'OK'), transition('A', 120, 'ALARM')],
    } as unknown as ReplayResult;
    expect(alarmStatesAt(r, 60)).toEqual({ A: 'OK', B: 'OK', C: 'INSUFFICIENT_DATA' });
    expect(alarmStatesAt(r, 120)).toEqual({ A: 'ALARM', B: 'OK', C: 'INSUFFICIENT_DATA' });
  });
});
