/**
 * EventBridge event patterns (testbed/aws/event-pattern.ts) on the user guide's examples ("Amazon
 * EventBridge event patterns", "Content filtering") and on the rule lib/constructs/diagnosis.ts synthesizes
 * for the diagnose function; operators it does not implement fail by name.
 */
import { matchesEventPattern } from '../../../testbed/aws/event-pattern';

const ec2Event = {
  source: 'aws.ec2',
  'detail-type': 'EC2 Instance State-change Notification',
  resources: ['arn:aws:ec2:us-east-1:123456789012:instance/i-1234567890abcdef0'],
  detail: { 'instance-id': 'i-1234567890abcdef0', state: 'terminated', c: { d: ['x', 'y'] } },
};

describe('matchesEventPattern', () => {
  it('matches when every field matches one of its values, at any depth', () => {
    expect(matchesEventPattern({ source: ['aws.ec2'] }, ec2Event)).toBe(true);
    expect(
      matchesEventPattern({ source: ['aws.ec2'], detail: { state: ['running', 'terminated'] } }, ec2Event),
    ).toBe(true);
    expect(matchesEventPattern({ source: ['aws.ec2'], detail: { state: ['running'] } }, ec2Event)).toBe(
      false,
    );
    expect(matchesEventPattern({ detail: { missing: ['x'] } }, ec2Event)).toBe(false);
  });

  it('matches a list in the event when any element matches', () => {
    expect(matchesEventPattern({ detail: { c: { d: ['y'] } } }, ec2Event)).toBe(true);
    expect(matchesEventPattern({ resources: [{ prefix: 'arn:aws:ec2:' }] }, ec2Event)).toBe(true);
    expect(matchesEventPattern({ detail: { c: { d: ['z'] } } }, ec2Event)).toBe(false);
  });

  it('applies prefix, suffix, equals-ignore-case, anything-but and exists', () => {
    const on = (leaf: unknown[]) => matchesEventPattern({ detail: { state: leaf } }, ec2Event);
    expect(on([{ prefix: 'term' }])).toBe(true);
    expect(on([{ prefix: 'run' }])).toBe(false);
    expect(on([{ suffix: 'nated' }])).toBe(true);
    expect(on([{ 'equals-ignore-case': 'TERMINATED' }])).toBe(true);
    expect(on([{ 'anything-but': 'running' }])).toBe(true);
    expect(on([{ 'anything-but': ['running', 'terminated'] }])).toBe(false);
    expect(on([{ 'anything-but': { prefix: 'term' } }])).toBe(false);
    expect(on([{ exists: true }])).toBe(true);
    expect(on([{ exists: false }])).toBe(false);
    expect(matchesEventPattern({ detail: { missing: [{ exists: false }] } }, ec2Event)).toBe(true);
  });

  it('routes the stack diagnose rule: payprobe alarms of its processors going to ALARM or OK', () => {
    // The EventPattern lib/constructs/diagnosis.ts synthesizes (the e2e replays use the synthesized one).
    const pattern = {
      source: ['aws.cloudwatch'],
      'detail-type': ['CloudWatch Alarm State Change'],
      detail: {
        alarmName: [{ prefix: 'PayProbe-stripe-' }, { prefix: 'PayProbe-paypal-' }],
        state: { value: ['ALARM', 'OK'] },
      },
    };
    const event = (alarmName: string, value: string) => ({
      source: 'aws.cloudwatch',
      'detail-type': 'CloudWatch Alarm State Change',
      detail: { alarmName, state: { value }, previousState: { value: 'OK' } },
    });
    expect(matchesEventPattern(pattern, event('PayProbe-stripe-HandshakeFailing', 'ALARM'))).toBe(true);
    expect(matchesEventPattern(pattern, event('PayProbe-paypal-AuthRejected', 'OK'))).toBe(true);
    expect(matchesEventPattern(pattern, event('PayProbe-stripe-HandshakeFailing', 'INSUFFICIENT_DATA'))).toBe(
      false,
    );
    expect(matchesEventPattern(pattern, event('PayProbe-DiagnoseErrors-PayProbe', 'ALARM'))).toBe(false);
    expect(
      matchesEventPattern(pattern, { ...event('PayProbe-stripe-X', 'ALARM'), source: 'aws.events' }),
    ).toBe(false);
  });

  it('fails by name on what it does not implement', () => {
    expect(() =>
      matchesEventPattern({ detail: { n: [{ numeric: ['>', 0] }] } }, { detail: { n: 1 } }),
    ).toThrow(/matcher "numeric" is not supported/);
    expect(() => matchesEventPattern({ $or: [{ source: ['a'] }] }, {})).toThrow(/\$or is not supported/);
    expect(() => matchesEventPattern({ source: 'aws.ec2' }, ec2Event)).toThrow(/must be a list or an object/);
  });
});
