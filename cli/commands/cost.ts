/**
 * `payprobe cost [--config FILE|-] [--json [FILE|-]] [--no-group-dashboards]`: the monthly AWS bill of a config before deploying it,
 * per processor (all regions) and in total, from the cost model in lambdas/core/cost/cost.ts. Exit 0; 2 on an
 * invalid config. The options are defined in ./index.ts; this module is the implementation.
 */
import {
  type CostEstimate,
  type CostLine,
  estimateCost,
  invocationSeconds,
  PUBLISHES_PER_INCIDENT,
  perRunMetrics,
} from '../../lambdas/core/cost/cost';
import { PRICES, type PriceKey } from '../../lambdas/core/cost/pricing';
import { TOKEN_REFRESH_MS } from '../../lambdas/core/engine/token-cache';
import { readConfig } from '../config-input';
import { type CliIo, EXIT } from '../io';
import { jsonDocument, targetOf, writeDocument } from '../voice';

export interface CostCliOptions {
  readonly config?: string;
  /** `true` (the flag alone) or `-`: the document on stdout instead of the table; a path: to that file. */
  readonly json?: string | boolean;
  /** false with `--no-group-dashboards`: the construct's `groupDashboards: false`. @default true */
  readonly groupDashboards?: boolean;
}

/** `payprobe cost`: prints the estimate; exit 0 (2 on an invalid config, thrown as ConfigError). */
export async function runCost(opts: CostCliOptions, io: CliIo): Promise<number> {
  const json = targetOf(opts.json, io.cwd);
  const config = await readConfig(opts.config, io);
  const input = {
    ...(config.raw.regions ? { regions: config.raw.regions } : {}),
    ...(config.raw.alerting ? { alerting: config.raw.alerting } : {}),
    ...(config.raw.audit ? { audit: config.raw.audit } : {}),
    ...(opts.groupDashboards === false ? { groupDashboards: false } : {}),
  };
  const estimate = estimateCost({ ...input, processors: config.processors });
  if (json?.kind !== 'stdout') io.stdout.write(renderCost(estimate));
  if (json) {
    const summary = {
      ok: true,
      totalUsd: estimate.totalUsd,
      processors: estimate.processors.length,
      regions: estimate.regions.length,
    };
    writeDocument(json, jsonDocument('cost', summary, { ...estimate }), io.stdout, '--json');
  }
  return EXIT.ok;
}

/** Cost columns of the table: which price keys each one adds up. */
const COLUMNS: readonly { readonly title: string; readonly prices: readonly PriceKey[] }[] = [
  { title: 'LAMBDA', prices: ['lambdaRequest', 'lambdaArmGbSecond', 'schedulerInvocation'] },
  { title: 'METRICS', prices: ['customMetricMonth'] },
  { title: 'PUTMETRICDATA', prices: ['putMetricDataRequest'] },
  { title: 'ALARMS', prices: ['alarmStandardMonth', 'alarmHighResolutionMonth'] },
  { title: 'SNS', prices: ['snsPublish', 'snsEmailDelivery', 'snsHttpsDelivery', 'snsSmsUs'] },
  { title: 'LOGS', prices: ['logsIngestionGb', 'logsStorageGbMonth', 'logsInsightsGbScanned'] },
  { title: 'SECRETS', prices: ['secretsManagerApiCall'] },
  { title: 'HISTORY', prices: ['dynamoDbWriteUnit', 'dynamoDbReadUnit', 'dynamoDbStorageGbMonth'] },
];

/** A rate with at most one decimal: 4, 6.7. */
function formatRate(n: number): string {
  return Number.isInteger(n) ? String(n) : n.toFixed(1);
}

export function usd(n: number): string {
  return `$${n.toFixed(2)}`;
}

/** The live audit's lines (lambdas/core/cost/audit-cost.ts): a column of their own. */
const isAudit = (l: CostLine) => l.item.startsWith('live audit:');

function columnSum(lines: readonly CostLine[], prices: readonly PriceKey[]): number {
  return lines.filter((l) => !isAudit(l) && prices.includes(l.price)).reduce((n, l) => n + l.usd, 0);
}

function auditSum(lines: readonly CostLine[]): number {
  return lines.filter(isAudit).reduce((n, l) => n + l.usd, 0);
}

/** The human-readable table, totals, the Synthetics comparison and the assumptions. */
export function renderCost(e: CostEstimate): string {
  const out: string[] = [];
  out.push(
    `payprobe cost: monthly estimate in USD at ${e.pricingRegion} list prices (checked ${e.pricesChecked}; ` +
      `${e.hoursPerMonth} h a month; free tier not applied)`,
  );
  out.push(
    `regions: ${e.regions.join(', ')} (every item below is per region, MONTH covers all ${e.regions.length})`,
  );
  const d = e.deployment;
  if (d.shards > 0) {
    out.push(
      `stacks: the main stack (${d.mainStackProcessors} processors) and ${d.shards} shard stacks (${e.processors.length - d.mainStackProcessors} processors), ` +
        `${d.groups} diagnose functions, ${d.dashboards} dashboards (docs/deploy.md "Limits and sharding")`,
    );
  }
  out.push('');
  const header = ['PROCESSOR', 'INTERVAL', ...COLUMNS.map((c) => c.title), 'AUDIT', 'PER REGION', 'MONTH'];
  const rows: string[][] = e.processors.map((p) => [
    p.processor,
    `${p.intervalSeconds} s`,
    ...COLUMNS.map((c) => usd(columnSum(p.lines, c.prices))),
    usd(auditSum(p.lines)),
    usd(p.usdPerRegion),
    usd(p.usd),
  ]);
  const sharedDetail = e.shared.lines
    .filter((l) => l.quantity > 0)
    .map((l) => `${l.item} ${usd(l.usd)}`)
    .join(', ');
  const blank = [...COLUMNS, 'AUDIT'].map(() => '');
  rows.push(['shared', '', ...blank, usd(e.shared.usdPerRegion), usd(e.shared.usd)]);
  rows.push(['TOTAL', '', ...blank, '', usd(e.totalUsd)]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const fmt = (r: readonly string[]) =>
    r
      .map((cell, i) => (i < 2 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  out.push(fmt(header));
  for (const r of rows) out.push(fmt(r));
  out.push('');
  out.push(`shared, per region: ${sharedDetail || 'nothing'}`);
  const audited = e.processors.find((p) => p.usage.audit);
  if (audited?.usage.audit) {
    const u = audited.usage.audit;
    const alarm = audited.lines.find((l) => isAudit(l) && l.price === 'alarmStandardMonth')?.usd ?? 0;
    const total = auditSum(audited.lines);
    out.push(
      `live audit (AUDIT), per processor and region: ${usd(total)} (${total.toFixed(4)}): its AuditFindings alarm ${usd(alarm)}, ` +
        `the rest ${(total - alarm).toFixed(4)} for ${formatRate(u.runsPerMonth)} audit runs a month (AuditFindings, Lambda, Scheduler, pages); ` +
        'no always-on resource (the probe function audits itself; its state is a free SSM parameter).',
    );
  }
  out.push(
    `For comparison: a 1-minute CloudWatch Synthetics canary costs ${usd(e.synthetics.usdPerProcessor)} a month per ` +
      `processor and region in canary runs alone (${e.synthetics.runsPerMonth.toLocaleString('en-US')} runs at ` +
      `$${PRICES.syntheticsCanaryRun.usd}), ${usd(e.synthetics.usd)} for this config; canaries cannot run more ` +
      'often than once a minute.',
  );
  const [first] = e.processors;
  if (first) {
    const h = first.usage.history;
    const historyUsd = columnSum(first.lines, [
      'dynamoDbWriteUnit',
      'dynamoDbReadUnit',
      'dynamoDbStorageGbMonth',
    ]);
    out.push(
      `HISTORY is the history table (DynamoDB on-demand: last passing probe, failures, incidents): ${h.writes.toLocaleString('en-US')} writes ` +
        `(${Math.round(h.writeUnits).toLocaleString('en-US')} write units) and ${Math.round(h.readUnits).toLocaleString('en-US')} read units ` +
        `a processor-month, $${historyUsd.toFixed(4)} for ${first.processor} (target: at most $0.05 a processor-month).`,
    );
  }
  const oauth = e.processors.filter((p) => p.usage.tokenRequestsPerHour > 0);
  if (oauth.length > 0) {
    out.push(
      `OAuth token requests to the processor (no AWS cost; tokens are reused for up to ${TOKEN_REFRESH_MS / 60_000} minutes): ` +
        `${oauth.map((p) => `${p.processor} ${formatRate(p.usage.tokenRequestsPerHour)} an hour`).join(', ')} per region in steady state, ` +
        'plus one per cold start and one per probe attempt while the credentials are refused.',
    );
  }
  const a = e.assumptions;
  const subMinute = [...new Set(e.processors.map((p) => p.intervalSeconds).filter((i) => i < 60))].sort(
    (x, y) => x - y,
  );
  out.push('');
  out.push('Assumptions (lambdas/core/cost/cost.ts):');
  out.push(
    `  Lambda ${a.memoryMb} MB arm64, one invocation a minute; a probe takes ${a.probeSeconds} s plus ` +
      `${a.invocationOverheadSeconds} s handler overhead per invocation (${invocationSeconds(60, a).toFixed(1)} s billed at 60 s)` +
      (subMinute.length > 0
        ? `; sub-minute modes sleep between probes inside the invocation: ${subMinute
            .map((i) => `${i} s -> ${invocationSeconds(i, a).toFixed(1)} s billed`)
            .join(', ')}`
        : ''),
  );
  out.push(
    `  metrics are billed for the hours they receive data: ${perRunMetrics().join(', ')} (with mTLS) all month; ` +
      `InputChanged ${a.inputChangeHoursPerMonth} h; Failure by class: ${a.failureClassesPerMonth} classes x ` +
      `${a.failingHoursPerClass} h (every run fails; at 60 s each failure is re-probed); one PutMetricData per probe run; ` +
      'the phase timings are in the probe log, not metrics',
  );
  out.push(
    `  ${a.criticalIncidentsPerMonth} critical + ${a.warningIncidentsPerMonth} warning alarm incidents a month, each ` +
      `${PUBLISHES_PER_INCIDENT} publishes to every subscriber (the diagnose page and its RESOLVED; ` +
      "one more, the alarm's own notification, with alerting.directAlarmNotifications)",
  );
  out.push(
    `  logs ${a.logBytesPerProbe} B a probe + ${a.logBytesPerInvocation} B an invocation, kept ${a.logRetentionDays} days; ` +
      `${a.dashboardViewsPerMonth} dashboard views a month of ${a.dashboardRangeHours} h each (Logs Insights scans); ` +
      `secrets cached ${a.secretCacheTtlSeconds} s; SSM parameters are free; EventBridge Scheduler at its list price ` +
      '(14 million invocations a month in an account are free)',
  );
  const unverified = (Object.keys(PRICES) as PriceKey[]).filter((k) => PRICES[k].verified === 'unverified');
  out.push(
    `  prices not verified against the AWS page: ${unverified.map((k) => PRICES[k].unit.split(' (')[0]).join('; ')}`,
  );
  return `${out.join('\n')}\n`;
}
