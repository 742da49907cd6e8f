/**
 * Bench figure 5: detection time and monthly cost, read from the SYNTHESIZED stack of payprobe.example.yaml
 * (in-process, bundling skipped). Detection: the HandshakeFailing alarm's Period and DatapointsToAlarm and the
 * deployed probe budget, through the model in lib/alarms/alarm-policy.ts (`detectionTimes`, the one the stack test
 * uses). Cost: lambdas/core/cost/cost.ts with the template's function MemorySize, log retention, alarms by
 * resolution, dashboards and KMS keys (one metrics mode: lambdas/core/policy/publishing.ts), judged against the
 * target.
 */
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { loadConfigFile, type ProcessorConfig } from '../lambdas/core/config/load';
import { alarmName } from '../lambdas/core/contract/alarm-names';
import {
  type CostAssumptions,
  DEFAULT_ASSUMPTIONS,
  deployedFactsFromTemplate,
  estimateCost,
  historyUsage,
} from '../lambdas/core/cost/cost';
import { HOURS_PER_MONTH, PRICES } from '../lambdas/core/cost/pricing';
import { MIN_WRITE_GAP_MS } from '../lambdas/core/diagnosis/history';
import { DEFAULT_FUNCTION_MEMORY_MB } from '../lambdas/core/policy/deployment';
import { confirmsFailures } from '../lambdas/core/policy/probe-policy';
import { parseProcessorEnv } from '../lambdas/glue/deployed-config';
import { detectionTimes } from '../lib/alarms/alarm-policy';
import { addPayProbeStacks } from '../lib/constructs/payprobe-app';
import { EXAMPLE_CONFIG, type Figure } from './common';
import { round } from './stats';

interface Resource {
  readonly Type: string;
  readonly Properties?: Record<string, unknown>;
}

export interface SynthesizedExample {
  readonly template: { Resources: Record<string, Resource> };
  readonly synthMs: number;
}

export function synthesizeExample(): SynthesizedExample {
  const t0 = performance.now();
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const [stack] = addPayProbeStacks(app, loadConfigFile(EXAMPLE_CONFIG));
  if (!stack) throw new Error('the example config produced no stack');
  const template = Template.fromStack(stack).toJSON() as SynthesizedExample['template'];
  return { template, synthMs: performance.now() - t0 };
}

/** The deployed processors, read back from each probe function's PAYPROBE_PROCESSOR. */
function deployedProcessors(
  resources: Record<string, Resource>,
): { processor: ProcessorConfig; fn: Resource }[] {
  const out: { processor: ProcessorConfig; fn: Resource }[] = [];
  for (const r of Object.values(resources)) {
    if (r.Type !== 'AWS::Lambda::Function') continue;
    const vars = (r.Properties?.Environment as { Variables?: Record<string, unknown> } | undefined)
      ?.Variables;
    const json = vars?.PAYPROBE_PROCESSOR;
    if (typeof json === 'string') out.push({ processor: parseProcessorEnv(json, '/var/task'), fn: r });
  }
  return out;
}

function alarmOf(resources: Record<string, Resource>, name: string): Record<string, unknown> {
  const found = Object.values(resources).find(
    (r) => r.Type === 'AWS::CloudWatch::Alarm' && r.Properties?.AlarmName === name,
  );
  if (!found?.Properties) throw new Error(`alarm ${name} not in the synthesized template`);
  return found.Properties;
}

export async function figureDetectionAndCost(): Promise<Figure[]> {
  const { template, synthMs } = synthesizeExample();
  const resources = template.Resources;
  const deployed = deployedProcessors(resources);
  const figures: Figure[] = [];

  for (const [interval, targetSeconds] of [
    [60, 180],
    [10, 60],
  ] as const) {
    const d = deployed.find((x) => x.processor.intervalSeconds === interval);
    if (!d) throw new Error(`the example config has no processor at a ${interval}-s interval`);
    const p = d.processor;
    const a = alarmOf(resources, alarmName(p.name, 'HandshakeFailing'));
    const periodSeconds = Number(a.Period);
    const m = Number(a.DatapointsToAlarm ?? a.EvaluationPeriods);
    const n = Number(a.EvaluationPeriods);
    const times = detectionTimes({
      intervalSeconds: p.intervalSeconds,
      periodSeconds,
      datapointsToAlarm: m,
      budgetMs: p.budgetMs,
    });
    figures.push({
      id: `5-detect-${interval}s`,
      title: `detection at ${interval} s (${p.name})`,
      value:
        `HandshakeFailing period ${periodSeconds} s, ${m} of ${n}, probe budget ${p.budgetMs / 1000} s` +
        `${confirmsFailures(p.intervalSeconds) ? ', failures confirmed by a re-probe' : ''}, published <= ${round(times.publishSeconds, 1)} s ` +
        `after the slot start, function timeout ${String(d.fn.Properties?.Timeout)} s: worst ` +
        `${round(times.worstSeconds, 0)} s, mean ${round(times.meanSeconds, 0)} s, best ${round(times.bestSeconds, 0)} s ` +
        'from failure onset',
      target: `worst case <= ${targetSeconds} s`,
      pass: times.worstSeconds <= targetSeconds,
      data: {
        processor: p.name,
        periodSeconds,
        datapointsToAlarm: m,
        evaluationPeriods: n,
        budgetMs: p.budgetMs,
        ...times,
      },
    });
  }

  const config = loadConfigFile(EXAMPLE_CONFIG);
  const facts = deployedFactsFromTemplate(template);
  const processors = deployed.map((x) => x.processor);
  const price = (ps: typeof processors) =>
    estimateCost(
      {
        processors: ps,
        ...(config.raw.regions ? { regions: config.raw.regions } : {}),
        ...(config.raw.alerting ? { alerting: config.raw.alerting } : {}),
      },
      {},
      facts,
    );
  const estimate = price(processors);
  const at60 = estimate.processors.find((c) => c.intervalSeconds === 60);
  if (!at60) throw new Error('no 60-s processor to price');
  const memory = facts.processors[at60.processor]?.memoryMb;
  const top = (lines: typeof at60.lines) =>
    [...lines]
      .sort((x, y) => y.usd - x.usd)
      .slice(0, 4)
      .map((l) => `${l.item} $${l.usd.toFixed(2)}`)
      .join(', ');
  const others = estimate.processors
    .filter((c) => c !== at60)
    .map((c) => `${c.processor} at ${c.intervalSeconds} s $${c.usd.toFixed(2)}`)
    .join('; ');
  figures.push({
    id: '5-cost',
    title: `monthly cost per processor at 60 s (${at60.processor}, the default configuration)`,
    value:
      `$${at60.usd.toFixed(2)} (${top(at60.lines)}; memory ${memory} MB from the template` +
      `${memory !== DEFAULT_FUNCTION_MEMORY_MB ? `, cost.ts assumes ${DEFAULT_FUNCTION_MEMORY_MB} MB` : ''}); ` +
      `shared per region $${estimate.shared.usdPerRegion.toFixed(2)} (${estimate.shared.lines
        .filter((l) => l.quantity > 0)
        .map((l) => l.item)
        .join(', ')}); ${others}; ` +
      `Synthetics 1-min canary $${estimate.synthetics.usdPerProcessor.toFixed(2)} in runs alone ` +
      `(${estimate.synthetics.runsPerMonth} x $${PRICES.syntheticsCanaryRun.usd}); template synthesized in ${round(synthMs / 1000, 1)} s`,
    target: '<= $3.50 per processor-month at 60 s (stretch $3.00), judged on the default the example deploys',
    pass: at60.usd <= 3.5,
    data: { estimate, facts },
  });

  // The history table: typical, failing all month, and the facts changing on every run (bounded by the
  // recorder's write gaps). Priced with the model's own prices and the example's fleet size.
  const fleet = processors.length;
  const historyUsd = (over: Partial<CostAssumptions>) => {
    const u = historyUsage({ ...DEFAULT_ASSUMPTIONS, ...over }, fleet);
    return (
      u.writeUnits * PRICES.dynamoDbWriteUnit.usd +
      u.readUnits * PRICES.dynamoDbReadUnit.usd +
      u.storedGb * PRICES.dynamoDbStorageGbMonth.usd
    );
  };
  const typical = historyUsd({});
  const failingAllMonth = historyUsd({ failureClassesPerMonth: 1, failingHoursPerClass: HOURS_PER_MONTH });
  const changingEveryRun = historyUsd({
    snapshotChangesPerMonth: (HOURS_PER_MONTH * 3_600_000) / MIN_WRITE_GAP_MS,
  });
  const worst = Math.max(typical, failingAllMonth, changingEveryRun);
  figures.push({
    id: '5-history',
    title: 'history table cost per processor-month at 60 s (DynamoDB on-demand)',
    value:
      `typical $${typical.toFixed(4)} (${Math.round(historyUsage(DEFAULT_ASSUMPTIONS, fleet).writes)} writes); ` +
      `failing all month $${failingAllMonth.toFixed(4)}; facts changing on every run $${changingEveryRun.toFixed(4)}`,
    target: '<= $0.05 per processor-month, also failing all month or changing on every run',
    pass: worst <= 0.05,
    data: { typical, failingAllMonth, changingEveryRun, fleet },
  });
  return figures;
}
