/**
 * Alerting rules, config-wide: critical alarms must reach someone (no-critical-subscriber), and warnings
 * should (no-warning-subscriber), or a certificate-expiry warning goes unread until it is an outage.
 */
import type { AuditContext } from '../context';

export function alertingRules(ctx: AuditContext): void {
  const alerting = ctx.config.raw.alerting;
  if ((alerting?.critical?.length ?? 0) === 0) {
    ctx.add(
      'no-critical-subscriber',
      null,
      'alerting.critical',
      alerting?.critical
        ? 'alerting.critical is an empty list'
        : 'alerting.critical is not set: critical alarms page nobody',
    );
  }
  if ((alerting?.warning?.length ?? 0) === 0) {
    ctx.add('no-warning-subscriber', null, 'alerting.warning', 'alerting.warning has no subscriber');
  }
}
