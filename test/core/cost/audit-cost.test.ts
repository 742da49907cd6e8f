/**
 * The live audit in `payprobe cost`: daily audit runs and the runs after input changes, each one invocation
 * and one AuditFindings datapoint in its own hour; the AuditFindings alarm; pages to the warning subscribers.
 * The target is $0.10 per processor-month: the alarm alone is that, and the figure says so.
 */
import { parseConfig } from '../../../lambdas/core/config/load';
import { AUDIT_COST_DEFAULTS } from '../../../lambdas/core/cost/audit-cost';
import { DEFAULT_ASSUMPTIONS, estimateCost } from '../../../lambdas/core/cost/cost';
import { HOURS_PER_MONTH, PRICES } from '../../../lambdas/core/cost/pricing';

function estimate(audit = '') {
  const config = parseConfig(
    `${audit}alerting: { critical: [{ email: a@example.com }], warning: [{ email: b@example.com }] }
processors:
  - name: acme
    endpoint: https://api.acme.example
`,
    '/tmp/payprobe.yaml',
  );
  return estimateCost({
    processors: config.processors,
    ...(config.raw.alerting ? { alerting: config.raw.alerting } : {}),
    ...(config.raw.audit ? { audit: config.raw.audit } : {}),
  });
}

const auditLines = (e: ReturnType<typeof estimate>) =>
  (e.processors[0]?.lines ?? []).filter((l) => l.item.startsWith('live audit:'));
const total = (lines: readonly { usd: number }[]) => lines.reduce((n, l) => n + l.usd, 0);

test('daily by default: 30.4 scheduled runs and the runs after input changes, one alarm, a metric billed per run hour', () => {
  const e = estimate();
  const u = e.processors[0]?.usage.audit;
  const runs = HOURS_PER_MONTH / 24 + DEFAULT_ASSUMPTIONS.inputChangeHoursPerMonth;
  expect(u?.runsPerMonth).toBeCloseTo(runs, 9);
  expect(u?.alarms).toBe(1);
  expect(u?.metricMonths).toBeCloseTo(runs / HOURS_PER_MONTH, 9);
  expect(u?.gbSeconds).toBeCloseTo((256 / 1024) * runs * AUDIT_COST_DEFAULTS.runSeconds, 9);
  const usd = total(auditLines(e));
  // The alarm is $0.10; everything else the audit adds stays under 2 cents.
  expect(usd - PRICES.alarmStandardMonth.usd).toBeGreaterThan(0);
  expect(usd - PRICES.alarmStandardMonth.usd).toBeLessThan(0.02);
});

test('audit.everyHours changes the number of runs, audit.live: false removes every line', () => {
  expect(estimate('audit: { everyHours: 6 }\n').processors[0]?.usage.audit?.schedulerInvocations).toBeCloseTo(
    HOURS_PER_MONTH / 6,
    9,
  );
  const off = estimate('audit: { live: false }\n');
  expect(off.processors[0]?.usage.audit).toBeNull();
  expect(auditLines(off)).toEqual([]);
});
