/**
 * The incident state machine's keys (lambdas/core/diagnosis/incident.ts): an incident is one class failing
 * alike, so two groups failing at the same stage with different classes open two incidents, each with its own
 * page, and an alarm of one group never adds the other's processors to it.
 */
import type { ProcessorConfig } from '../../../lambdas/core/config/load';
import type { Versioned } from '../../../lambdas/core/diagnosis/history';
import { type IncidentRecord, incidentKey, onAlarm } from '../../../lambdas/core/diagnosis/incident';
import { correlate, type Observation, verdictSettings } from '../../../lambdas/core/diagnosis/verdict';
import { processorFromYaml } from '../../support/probe';

const NAMES = ['acme', 'bolt', 'coral', 'delta'] as const;
const FLEET: ProcessorConfig[] = NAMES.map((name) =>
  processorFromYaml(`
processors:
  - name: ${name}
    endpoint: https://${name}.example
    tls: { ca: { ssm: /gw/ca } }
`),
);
const SINCE = '2026-03-02T14:02:00.000Z';
const fails = (processor: string, cls: 'CERT_EXPIRED' | 'CLIENT_CERT_REJECTED'): Observation => ({
  processor,
  ok: false,
  stage: 'tls',
  class: cls,
  since: SINCE,
  changes: [],
});
const OBS = [
  fails('acme', 'CERT_EXPIRED'),
  fails('bolt', 'CERT_EXPIRED'),
  fails('coral', 'CLIENT_CERT_REJECTED'),
  fails('delta', 'CLIENT_CERT_REJECTED'),
];
const settings = verdictSettings();
/** The alarm of a processor's HandshakeFailing, with the verdict about its failure. */
const alarmOf = (processor: string) => ({
  alarm: `PayProbe-${processor}-HandshakeFailing`,
  processor,
  verdict: correlate(OBS, FLEET, { settings, subject: processor }),
  now: SINCE,
});

test('two classes failing at one stage open two incidents, keyed by class; neither joins the other', () => {
  const incidents = new Map<string, Versioned<IncidentRecord>>();
  const first = onAlarm(incidents, alarmOf('acme'));
  expect(first).toMatchObject({
    action: 'open',
    next: { class: 'CERT_EXPIRED', processors: ['acme', 'bolt'] },
  });
  if (first.action === 'none') throw new Error('no decision');
  incidents.set(incidentKey('CERT_EXPIRED'), { value: first.next, version: 1 });

  const second = onAlarm(incidents, alarmOf('coral'));
  expect(second).toMatchObject({
    action: 'open',
    expected: null,
    next: { class: 'CLIENT_CERT_REJECTED', processors: ['coral', 'delta'] },
  });
  if (second.action === 'none') throw new Error('no decision');
  incidents.set(incidentKey('CLIENT_CERT_REJECTED'), { value: second.next, version: 1 });

  // bolt's alarm folds into its own group's incident, silently.
  expect(onAlarm(incidents, alarmOf('bolt'))).toMatchObject({
    action: 'fold',
    next: { class: 'CERT_EXPIRED', processors: ['acme', 'bolt'] },
  });
});
