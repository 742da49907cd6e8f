/**
 * Maintenance windows in the config: what validates, what is an error naming its field (a window in the past,
 * overlapping windows, an unknown processor, half a window, a cron with numbered weekdays), and which window
 * holds a processor's pages at a given time.
 */
import { ConfigError, parseConfig } from '../../../lambdas/core/config/load';
import {
  activeMaintenance,
  parseDuration,
  resolveMaintenance,
} from '../../../lambdas/core/config/maintenance';

const HOUR = 3600_000;
const iso = (ms: number) => new Date(Math.floor(ms / 60_000) * 60_000).toISOString();

const config = (maintenance: string) => `
processors:
  - { name: stripe, endpoint: https://api.stripe.com }
  - { name: paypal, endpoint: https://api.paypal.com }
maintenance:
${maintenance}`;

function issuesOf(text: string): { path: string; message: string }[] {
  try {
    parseConfig(text, 'maint.yaml');
  } catch (err) {
    if (err instanceof ConfigError) return err.issues.map((i) => ({ path: i.path, message: i.message }));
    throw err;
  }
  return [];
}

describe('valid windows', () => {
  it('a one-off window and a recurring one load, normalised, with their reasons', () => {
    const start = iso(Date.now() + 2 * HOUR);
    const end = iso(Date.now() + 4 * HOUR);
    const loaded = parseConfig(
      config(`  - { processors: [stripe], start: "${start}", end: "${end}", reason: certificate rotation }
  - { processors: [paypal, stripe], cron: "0 3 * * SUN", duration: 1h30m, timezone: Europe/Berlin, reason: weekly }`),
      'maint.yaml',
    );
    expect(loaded.maintenance).toEqual([
      { index: 0, processors: ['stripe'], reason: 'certificate rotation', kind: 'once', start, end },
      {
        index: 1,
        processors: ['paypal', 'stripe'],
        reason: 'weekly',
        kind: 'recurring',
        cron: '0 3 * * SUN',
        durationMinutes: 90,
        timezone: 'Europe/Berlin',
      },
    ]);
  });

  it('no maintenance section means no windows', () => {
    const loaded = parseConfig('processors:\n  - { name: a, endpoint: https://a.example }\n', 'x.yaml');
    expect(loaded.maintenance).toEqual([]);
  });

  it('windows are judged at the clock the caller gives (a replay on a simulated clock)', () => {
    const text = config(
      '  - { processors: [stripe], start: "2020-01-01T02:00Z", end: "2020-01-01T04:00Z", reason: then }',
    );
    expect(() => parseConfig(text, 'maint.yaml')).toThrow(/in the past/);
    const loaded = parseConfig(text, 'maint.yaml', { now: Date.UTC(2020, 0, 1, 1, 0) });
    expect(loaded.maintenance?.map((w) => w.reason)).toEqual(['then']);
  });

  it('durations read as days, hours and minutes', () => {
    expect(['90m', '2h', '1h30m', '1d', ''].map(parseDuration)).toEqual([90, 120, 90, 1440, undefined]);
  });
});

describe('config errors name the field', () => {
  const future = (h: number) => iso(Date.now() + h * HOUR);
  it.each([
    [
      'a window in the past',
      `  - { processors: [stripe], start: "2020-01-01T02:00Z", end: "2020-01-01T04:00Z", reason: old }`,
      'maintenance[0].end',
      /in the past: the window is over, remove the entry/,
    ],
    [
      'an unknown processor',
      `  - { processors: [stripe, adyen], start: "${future(1)}", end: "${future(2)}", reason: x }`,
      'maintenance[0].processors[1]',
      /unknown processor "adyen": expected one of stripe, paypal/,
    ],
    [
      'overlapping one-off windows of one processor',
      `  - { processors: [stripe], start: "${future(1)}", end: "${future(3)}", reason: a }
  - { processors: [paypal, stripe], start: "${future(2)}", end: "${future(4)}", reason: b }`,
      'maintenance[1]',
      /overlaps maintenance\[0\] for processor stripe .*merge them or move one/,
    ],
    [
      'a one-off window inside a recurring one',
      `  - { processors: [stripe], cron: "0 * * * *", duration: 30m, reason: hourly }
  - { processors: [stripe], start: "${future(5)}", end: "${future(6)}", reason: b }`,
      'maintenance[1]',
      /overlaps maintenance\[0\] for processor stripe/,
    ],
    [
      'a recurring window longer than its recurrence',
      `  - { processors: [stripe], cron: "0 * * * *", duration: 2h, reason: x }`,
      'maintenance[0].duration',
      /longer than the time between two windows/,
    ],
    [
      'start without end',
      `  - { processors: [stripe], start: "${future(1)}", reason: x }`,
      'maintenance[0].end',
      /required with start/,
    ],
    [
      'both forms at once',
      `  - { processors: [stripe], start: "${future(1)}", end: "${future(2)}", cron: "0 3 * * SUN", duration: 1h, reason: x }`,
      'maintenance[0]',
      /either start and end .* or cron and duration/,
    ],
    [
      'a time without a zone',
      `  - { processors: [stripe], start: "2099-01-01T02:00", end: "2099-01-01T04:00Z", reason: x }`,
      'maintenance[0].start',
      /not an ISO 8601 time with a zone/,
    ],
    [
      'weekdays by number',
      `  - { processors: [stripe], cron: "0 3 * * 0", duration: 1h, reason: x }`,
      'maintenance[0].cron',
      /day-of-week as \* or by name/,
    ],
    [
      'a six-field cron',
      `  - { processors: [stripe], cron: "0 0 3 * * SUN", duration: 1h, reason: x }`,
      'maintenance[0].cron',
      /has 6 fields: give five/,
    ],
    [
      'a window of more than 15 days',
      `  - { processors: [stripe], start: "${future(1)}", end: "${future(24 * 16)}", reason: x }`,
      'maintenance[0].end',
      /at most 15 days/,
    ],
    [
      'an unknown time zone',
      `  - { processors: [stripe], cron: "0 3 * * SUN", duration: 1h, timezone: Mars/Olympus, reason: x }`,
      'maintenance[0].timezone',
      /unknown time zone "Mars\/Olympus"/,
    ],
    [
      'no reason',
      `  - { processors: [stripe], cron: "0 3 * * SUN", duration: 1h }`,
      'maintenance[0].reason',
      /./,
    ],
  ])('%s', (_name, entries, path, message) => {
    const issues = issuesOf(config(entries));
    expect(issues).toEqual(expect.arrayContaining([{ path, message: expect.stringMatching(message) }]));
  });
});

describe('which window holds a processor at a time', () => {
  const now = Date.UTC(2026, 6, 4, 12, 0); // a Saturday
  const { windows } = resolveMaintenance(
    [
      { processors: ['stripe'], reason: 'once', start: '2026-07-04T11:00Z', end: '2026-07-04T13:00Z' },
      {
        processors: ['paypal'],
        reason: 'weekly',
        cron: '0 3 * * SUN',
        duration: '2h',
        timezone: 'Europe/Berlin',
      },
    ],
    ['stripe', 'paypal'],
    'x.yaml',
    now,
  );

  it('a one-off window: inside and at its end', () => {
    expect(activeMaintenance(windows, 'stripe', now)?.window.reason).toBe('once');
    expect(activeMaintenance(windows, 'stripe', Date.UTC(2026, 6, 4, 13, 0))).toBeUndefined();
    expect(activeMaintenance(windows, 'paypal', now)).toBeUndefined();
  });

  it('a recurring window in its time zone: Sunday 03:00-05:00 Berlin is 01:00-03:00 UTC in July', () => {
    const hit = activeMaintenance(windows, 'paypal', Date.UTC(2026, 6, 5, 1, 0));
    expect(hit).toEqual({
      window: expect.objectContaining({ reason: 'weekly' }),
      end: Date.UTC(2026, 6, 5, 3, 0),
    });
    expect(activeMaintenance(windows, 'paypal', Date.UTC(2026, 6, 5, 3, 0))).toBeUndefined();
    expect(activeMaintenance(windows, 'paypal', Date.UTC(2026, 6, 5, 0, 59))).toBeUndefined();
  });
});
