/**
 * The gateway alarm in the diagnose function (`PayProbe-ProcessorsFailing-<gateway>`, lib/constructs/
 * gateway-alarm.ts): it fires when several processors fail in the same minute, possibly before any
 * processor's own alarm has decided. Nothing to re-probe: the verdict comes from the history table's records
 * (lambdas/core/diagnosis/verdict.ts, the largest group failing alike), and the alarm opens or joins the
 * incident like a processor's alarm does (lambdas/core/diagnosis/incident.ts), with the same page
 * (./publish.ts publishIncident). Without a verdict:
 *
 * - held: the history table is readable and already shows N or more processors failing, but no class shared
 *   by N of them (two causes, e.g. CERT_EXPIRED and CLIENT_CERT_REJECTED). Each processor's own alarm pages
 *   its own cause, so the gateway's page would be noise: nothing is published, the outcome says why, and a
 *   small item (./incidents.ts recordHeld) marks the ALARM held so its OK sends no RESOLVED either.
 * - paged: the history is unavailable or the deployment keeps none (the gateway alarm is then the only
 *   cross-processor signal), or the table shows fewer than N processors failing (their probes have not
 *   recorded the failure yet: the early warning stays). The alarm's own page goes out, saying why.
 *
 * On OK the alarm leaves the incident it joined; otherwise a held ALARM ends silently and a paged one gets its
 * own RESOLVED (also when the store cannot say which it was: a stray RESOLVED beats a page never resolved).
 */

import type { HistoryStore } from '../core/diagnosis/history';
import { onAlarm, onOk } from '../core/diagnosis/incident';
import {
  buildGatewayNotification,
  buildIncidentResolvedNotification,
  type MemberLine,
} from '../core/diagnosis/incident-page';
import type { AlarmStateChange } from '../core/diagnosis/notification';
import { correlate, verdictSettings } from '../core/diagnosis/verdict';
import type { DiagnoseDeps, DiagnoseOutcome } from './diagnose';
import { observations, readHeld, readHistory, recordHeld, settle } from './incidents';
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
      // A held ALARM joined no incident (it was held only because none took it): it ends without a page.
      // When the store cannot say, the RESOLVED goes out: a stray RESOLVED is less harmful than a page that
      // did go out and is never resolved.
      const held = await readHeld(deps.history, alarm.alarmName, alarm.previousState.timestamp);
      if (held.status === 'held') {
        return ignored(
          deps,
          `alarm ${alarm.alarmName}: ALARM -> OK; its ALARM was held (${held.held.reason}), so no RESOLVED`,
        );
      }
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
  const n = settings.minProcessors;
  const largestClass = Math.max(0, ...countBy(failing.map((f) => f.class)).values());
  if (settled.status === 'none' && !verdict && failing.length >= n && largestClass < n) {
    return hold(alarm, failing, n, deps, deps.history, nowMs);
  }
  const why =
    settled.status === 'unavailable'
      ? `the incident record is unavailable (${settled.reason})`
      : failing.length < n
        ? `the history table shows ${failing.length} of the ${n} or more processors failing (their probes may not have recorded the failure yet)`
        : `the history table shows no ${n} processors failing alike (with one class, their failures starting within ${settings.windowMs / 60_000} minutes of each other)`;
  return publish(deps, 'critical', buildGatewayNotification({ alarm, gateway, why, failing }));
}

/**
 * N or more processors failing, no class shared by N: each pages through its own alarm, so the gateway's ALARM
 * publishes nothing. The hold is stored for the OK; if that write fails the OK will send a stray RESOLVED
 * (logged here), which is less harmful than paging noise now.
 */
async function hold(
  alarm: AlarmStateChange,
  failing: readonly MemberLine[],
  minProcessors: number,
  deps: DiagnoseDeps,
  store: HistoryStore,
  nowMs: number,
): Promise<DiagnoseOutcome> {
  const classes = new Set(failing.map((f) => f.class));
  const reason =
    `${failing.length} processors failing with ${classes.size} classes, none shared by ${minProcessors} ` +
    `(${failing.map((f) => `${f.processor} ${f.class}`).join(', ')}): each pages through its own alarm`;
  const stored = await recordHeld(store, {
    alarm: alarm.alarmName,
    alarmAt: alarm.state.timestamp,
    heldAt: new Date(nowMs).toISOString(),
    reason,
  });
  if (stored.status === 'unavailable') {
    deps.logger?.warn?.('the held gateway ALARM could not be stored: its OK will send a RESOLVED', {
      alarm: alarm.alarmName,
      reason: stored.reason,
    });
  }
  return ignored(deps, `alarm ${alarm.alarmName} held: ${reason}`);
}

function countBy<T>(values: readonly T[]): Map<T, number> {
  const out = new Map<T, number>();
  for (const v of values) out.set(v, (out.get(v) ?? 0) + 1);
  return out;
}
