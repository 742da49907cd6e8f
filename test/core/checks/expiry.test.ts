/**
 * The one expiry rule: a certificate warns when its whole days left are at or below the window (the alarms'
 * LessThanOrEqualToThreshold), the day after the window does not, and a negative count is expired. The
 * engine and the audit both judge our client certificate with it, so they agree at the boundary.
 */

import { audit } from '../../../lambdas/core/audit';
import {
  DAY_MS,
  dayCount,
  daysSince,
  daysUntil,
  expiryStatus,
  isExpired,
  isNotYetValid,
  isWithinExpiryWindow,
} from '../../../lambdas/core/checks/expiry';
import { parseConfig } from '../../../lambdas/core/config/load';
import { probe } from '../../../lambdas/core/engine/probe';
import { Testbed } from '../../../testbed/servers';

describe('isWithinExpiryWindow and expiryStatus', () => {
  it.each([
    [21, 21, true, 'expiring'],
    [22, 21, false, 'valid'],
    [0, 21, true, 'expiring'],
    [0, 0, true, 'expiring'],
    [1, 0, false, 'valid'],
    [-1, 21, true, 'expired'],
    [-30, 0, true, 'expired'],
  ] as const)('%i days left, window %i: within %s, %s', (days, window, within, status) => {
    expect(isWithinExpiryWindow(days, window)).toBe(within);
    expect(expiryStatus(days, window)).toBe(status);
  });
});

describe('day counts', () => {
  const now = new Date('2026-03-02T12:00:00Z');
  it('counts whole days left toward zero, negative once expired', () => {
    expect(daysUntil(new Date(now.getTime() + 21 * DAY_MS + 1), now)).toBe(21);
    expect(daysUntil(new Date(now.getTime() + 22 * DAY_MS - 1), now)).toBe(21);
    expect(daysUntil(new Date(now.getTime() - 1.2 * DAY_MS), now)).toBe(-1);
  });
  it('counts whole days since, for "expired N days ago"', () => {
    expect(daysSince(new Date(now.getTime() - 1.2 * DAY_MS), now)).toBe(1);
    expect(dayCount(1)).toBe('1 day');
    expect(dayCount(-1)).toBe('-1 day');
    expect(dayCount(3)).toBe('3 days');
  });
  it('a certificate is valid through the millisecond of notAfter and from the millisecond of notBefore', () => {
    expect(isExpired(now, now)).toBe(false);
    expect(isExpired(new Date(now.getTime() - 1), now)).toBe(true);
    expect(isNotYetValid(now, now)).toBe(false);
    expect(isNotYetValid(new Date(now.getTime() + 1), now)).toBe(true);
  });
});

describe('engine and audit agree on our client certificate at the window boundary', () => {
  let bed: Testbed;
  beforeAll(async () => {
    bed = await Testbed.start();
  });
  afterAll(() => bed.close());

  /** The engine's warnings and the audit's rules for a client certificate with `daysLeft` days (and an hour) left. */
  async function judge(daysLeft: number, windowDays: number) {
    const now = new Date();
    const cert = await bed.pki.clientCert({
      notBefore: new Date(now.getTime() - 10 * DAY_MS),
      notAfter: new Date(now.getTime() + daysLeft * DAY_MS + 3_600_000),
    });
    const certRef = bed.secrets.put(`boundary/${daysLeft}/${windowDays}/cert`, cert.chain);
    const keyRef = bed.secrets.put(`boundary/${daysLeft}/${windowDays}/key`, cert.key);
    const api = await bed.start('client-cert-tls13');
    const config = await bed.processor('boundary', api, {
      tls: { clientCert: certRef, clientKey: keyRef, clientCertExpiryWarningDays: windowDays },
    });
    const result = await probe(config, bed.deps({ now: () => now }));
    const loaded = parseConfig(
      JSON.stringify({
        alerting: { critical: [{ email: 'a@example.com' }], warning: [{ email: 'b@example.com' }] },
        processors: [
          {
            name: 'boundary',
            endpoint: 'https://api.example.com',
            tls: { clientCert: certRef, clientKey: keyRef, clientCertExpiryWarningDays: windowDays },
          },
        ],
      }),
      '/tmp/boundary.yaml',
    );
    const report = await audit(loaded, { secrets: bed.secrets, now: () => now });
    return {
      engine: result.warnings.some((w) => w.class === 'CLIENT_CERT_EXPIRING_SOON'),
      audit: report.findings.some((f) => f.rule === 'client-cert-expiring'),
      ok: result.ok,
    };
  }

  it('days == window: both warn', async () => {
    expect(await judge(21, 21)).toEqual({ engine: true, audit: true, ok: true });
  });

  it('days == window + 1: neither warns', async () => {
    expect(await judge(22, 21)).toEqual({ engine: false, audit: false, ok: true });
  });
});
