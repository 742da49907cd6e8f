/**
 * Certificate dates, one rule for all: the probe engine, the audit, metric publishing and the alarms judge a
 * certificate's validity and its expiry warning window the same way. The alarms (CertExpiring,
 * ClientCertExpiring) fire when DaysToExpiry is LessThanOrEqualToThreshold the window, so a certificate
 * with exactly `window` days left warns everywhere (docs/engine.md "Failure classes", docs/audit.md).
 */

/** Milliseconds in a day: the unit of every day count below. */
export const DAY_MS = 86_400_000;

/**
 * Whole days from `now` to `validTo`, negative once expired: the DaysToExpiry metric and `daysToExpiry` in a
 * result. Rounded toward zero, so a certificate that expired 1.2 days ago reads -1 ("expired 1 day ago").
 */
export function daysUntil(validTo: Date, now: Date): number {
  return Math.trunc((validTo.getTime() - now.getTime()) / DAY_MS);
}

/** Whole days since `date` (for "expired N days ago"). */
export function daysSince(date: Date, now: Date): number {
  return Math.floor((now.getTime() - date.getTime()) / DAY_MS);
}

/** "1 day", "3 days". */
export function dayCount(n: number): string {
  return `${n} day${Math.abs(n) === 1 ? '' : 's'}`;
}

/** Past its notAfter. A certificate is valid through the very millisecond of notAfter, as OpenSSL has it. */
export function isExpired(validTo: Date, now: Date): boolean {
  return now.getTime() > validTo.getTime();
}

/** Before its notBefore. */
export function isNotYetValid(validFrom: Date, now: Date): boolean {
  return now.getTime() < validFrom.getTime();
}

/**
 * The alarm's rule: `daysLeft` (from daysUntil) is at or below the warning window. True for an expired
 * certificate too, as the alarm fires for it; expiryStatus() tells the two apart.
 */
export function isWithinExpiryWindow(daysLeft: number, windowDays: number): boolean {
  return daysLeft <= windowDays;
}

/**
 * What a day count means against a warning window: `expired` below zero, `expiring` from 0 up to and
 * including the window (a warning: CERT_EXPIRING_SOON, CLIENT_CERT_EXPIRING_SOON, client-cert-expiring),
 * `valid` beyond it.
 */
export function expiryStatus(daysLeft: number, windowDays: number): 'expired' | 'expiring' | 'valid' {
  if (daysLeft < 0) return 'expired';
  return isWithinExpiryWindow(daysLeft, windowDays) ? 'expiring' : 'valid';
}
