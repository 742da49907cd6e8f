/**
 * The gateway alarm in the diagnose function (`PayProbe-ProcessorsFailing-<gateway>`, lib/constructs/
 * gateway-alarm.ts): it fires when several processors fail in the same minute, possibly before any
 * processor's own alarm has decided. Nothing to re-probe: the verdict comes from the history table's records
 * (lambdas/core/diagnosis/verdict.ts, the largest group failing alike), and the alarm opens or joins the
 * incident like a processor's alarm does (lambdas/core/diagnosis/incident.ts), with the same page
 * (./publish.ts publishIncident). Without a verdict (history
 * unavailable, or no group failing alike in it), the alarm's own page goes out, saying why; on OK it leaves
 * the incident, or gets its own RESOLVED.
 */
import { onAlarm, onOk } from '../core/diagnosis/incident';
import {
  buildGatewayNotification,
  buildIncidentResolvedNotification,
  type MemberLine,
} from '../core/diagnosis/incident-page';
import type { AlarmStateChange } from '../core/diagnosis/notification';
import { correlate, verdictSettings } from '../core/diagnosis/verdict';
import type { DiagnoseDeps, DiagnoseOutcome } from './diagnose';
import { observations, readHistory, settle } from './incidents';
import { folded, ignored, publish, publishIncident } from './publish';

export async function handleGatewayAlarm(
  alarm: AlarmStateChange,
  gateway: string,
  deps: DiagnoseDeps,
): Promise<DiagnoseOutcome> {
  const now = deps.now ?? Date.now;
  const configs = [...deps.processors.values()];
  const settings = deps.verdict ?? verdictSettings();
  if (alarm.state.value === 'OK' && alarm.previousState.value === 'ALARM') {
    if (deps.history) {
      const iso = new Date(now()).toISOString();
      const settled = await settle(deps.history, (incidents) => onOk(incidents, alarm.alarmName, iso));
      if (settled.status === 'written') {
        const d = settled.decision;
        if (d.action === 'resolve')
          return publish(deps, 'critical', buildIncidentResolvedNotification({ incident: d.next, alarm }));
        return folded(deps, d.next.id, `${alarm.alarmName} left incident ${d.next.id}`);
      }
    }
    return publish(deps, 'critical', buildGatewayNotification({ alarm, gateway, why: '', failing: [] }));
  }
  if (alarm.state.value !== 'ALARM') {
    return ignored(
      deps,
      `alarm ${alarm.alarmName}: ${alarm.previousState.value} -> ${alarm.state.value} needs no page`,
    );
  }
  const read = await readHistory(
    deps.history,
    configs.map((c) => c.name),
  );
  if (read.status !== 'ok' || !deps.history) {
    const why =
      read.status === 'unavailable'
        ? `history unavailable (${read.reason})`
        : 'this deployment keeps no history table';
    return publish(deps, 'critical', buildGatewayNotification({ alarm, gateway, why, failing: [] }));
  }
  const nowMs = now();
  const obs = observations(configs, read.records, nowMs);
  const failing: MemberLine[] = obs
    .filter((o) => !o.ok)
    .map((o) => ({ processor: o.processor, class: o.class, since: o.since ?? null }));
  const verdict = correlate(obs, configs, { settings });
  const settled = await settle(deps.history, (incidents) =>
    onAlarm(incidents, {
      alarm: alarm.alarmName,
      processor: null,
      verdict,
      now: new Date(nowMs).toISOString(),
    }),
  );
  if (settled.status === 'written') {
    return publishIncident(deps, {
      decision: settled.decision,
      verdict,
      alarm,
      configs,
      records: read.records,
      observations: obs,
      nowMs,
    });
  }
  const why =
    settled.status === 'unavailable'
      ? `the incident record is unavailable (${settled.reason})`
      : `the history table shows fewer than ${settings.minProcessors} processors failing alike (with one class; their probes may not have recorded the failure yet)`;
  return publish(deps, 'critical', buildGatewayNotification({ alarm, gateway, why, failing }));
}
