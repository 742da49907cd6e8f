/**
 * The verdict's pure rules (lambdas/core/diagnosis/snapshot.ts, verdict.ts): which differences count as a
 * change and whose side they are on, how changes are ranked around the onset, when failures are "alike"
 * (class, window, minimum), when a shared setting is evidence of our side (changed near the onset, or read by
 * no passing processor) and when it is only weak context, which shared setting is marked as changed nearest
 * the onset, several groups at once, and the `verdict` object of `check --json`.
 */
import type { ProcessorConfig } from '../../../lambdas/core/config/load';
import type { ProbeResult } from '../../../lambdas/core/contract/result';
import {
  type Change,
  rankChanges,
  sideOf,
  snapshotChanges,
  snapshotOf,
} from '../../../lambdas/core/diagnosis/snapshot';
import {
  correlate,
  firstFailing,
  type Observation,
  verdictJson,
  verdictLine,
  verdictSettings,
} from '../../../lambdas/core/diagnosis/verdict';
import { FAILING, LEAF, passing, processorFromYaml } from '../../support/probe';

const processor = (name: string, ca: string, extra = '') =>
  processorFromYaml(`
processors:
  - name: ${name}
    endpoint: https://${name}.example
    tls: { ca: ${ca}${extra} }
`);

const FLEET: ProcessorConfig[] = [
  processor('acme', '{ ssm: /gw/ca }'),
  processor('bolt', '{ ssm: /gw/ca }'),
  processor('coral', '{ ssm: /gw/ca }'),
  processor('delta', '{ file: delta-ca.pem }'),
];

const ONSET = '2026-03-02T14:02:00.000Z';
const caChange = (processor: string, at: string | null = '2026-03-02T14:01:00.000Z') => ({
  kind: 'setting' as const,
  side: 'ours' as const,
  field: 'tls.ca',
  before: 'sha256:aaaa@7',
  after: 'sha256:bbbb@8',
  at,
  processor,
});

function failing(
  processor: string,
  since: string | null = ONSET,
  changes: Change[] | null = null,
): Observation {
  return {
    processor,
    ok: false,
    stage: 'tls',
    class: 'CERT_UNTRUSTED',
    since,
    changes,
    inputs: { 'tls.ca': 'sha256:bbbb@8' },
    inputDates: { 'tls.ca': '2026-03-02T14:01:00.000Z' },
  };
}
const ok = (processor: string): Observation => ({ processor, ok: true, stage: null, class: null });
const settings = verdictSettings();

describe('what changed between the last passing probe and the failing one', () => {
  const good = snapshotOf(passing({ address: '10.0.0.1', inputs: { 'tls.ca': 'sha256:aaaa@7' } }));

  test("a new issuer and leaf are the processor's side; a setting version is ours", () => {
    const reissued = { ...LEAF, issuer: 'CN=Other CA', fingerprint256: 'CC:DD' };
    const theirs = snapshotOf(
      passing({
        address: '10.0.0.1',
        inputs: { 'tls.ca': 'sha256:aaaa@7' },
        tls: {
          ...(passing().tls as NonNullable<ProbeResult['tls']>),
          serverCert: reissued,
          chain: [reissued],
        },
      }),
    );
    const changes = snapshotChanges(good, theirs);
    expect(changes.map((c) => [c.kind, c.side, c.after])).toEqual([
      ['server-issuer', 'theirs', 'CN=Other CA'],
      ['server-leaf', 'theirs', expect.stringContaining('CC:DD')],
    ]);
    expect(sideOf(changes)).toBe('theirs');
    const ours = snapshotOf(passing({ address: '10.0.0.1', inputs: { 'tls.ca': 'sha256:bbbb@8' } }));
    expect(sideOf(snapshotChanges(good, ours))).toBe('ours');
  });

  test('a failure that never reached TLS or DNS is not a change of chain or address', () => {
    const dnsFailure = snapshotOf({ ...(FAILING.dns as ProbeResult), inputs: { 'tls.ca': 'sha256:aaaa@7' } });
    expect(snapshotChanges(good, dnsFailure)).toEqual([]);
  });

  test('dated changes at or before the onset come first, nearest first; undated next; after the onset last', () => {
    const c = (field: string, at: string | null, kind: Change['kind'] = 'setting'): Change => ({
      kind,
      side: kind === 'setting' ? 'ours' : 'theirs',
      field,
      before: 'a',
      after: 'b',
      at,
    });
    const ranked = rankChanges(
      [
        c('late', '2026-03-02T14:05:00.000Z'),
        c('address', null, 'address'),
        c('early', '2026-03-02T13:00:00.000Z'),
        c('issuer', null, 'server-issuer'),
        c('nearest', '2026-03-02T14:01:00.000Z'),
      ],
      ONSET,
    );
    expect(ranked.map((x) => x.field)).toEqual(['nearest', 'early', 'issuer', 'address', 'late']);
  });
});

describe('the verdict across processors', () => {
  test('three failing alike at one stage within the window: our side, the shared parameter marked as changed nearest the onset', () => {
    const v = correlate(
      [failing('acme', ONSET, [caChange('acme')]), failing('bolt'), failing('coral'), ok('delta')],
      FLEET,
      { settings },
    );
    expect(v).toMatchObject({ scope: 'ours', processors: ['acme', 'bolt', 'coral'], total: 4, since: ONSET });
    expect(v && verdictJson(v)).toEqual({
      scope: 'ours',
      processors: ['acme', 'bolt', 'coral'],
      stage: 'tls',
      classes: ['CERT_UNTRUSTED'],
      commonFactors: [
        'tls.ca: ssm /gw/ca (version 7 -> 8, changed 2026-03-02T14:01:00.000Z; changed nearest the onset)',
      ],
      weakFactors: [],
      otherGroups: [],
    });
  });

  test('a shared setting changed since the last passing probe is marked even when its source dates the change after the onset', () => {
    const late = caChange('acme', '2026-03-02T14:30:00.000Z');
    const v = correlate([failing('acme', ONSET, [late]), failing('bolt')], FLEET, { settings });
    expect(v?.factors[0]).toMatchObject({ nearest: true, change: { at: '2026-03-02T14:30:00.000Z' } });
    // With no change at all (and the current version dated long before), nothing is marked.
    const old = { ...failing('bolt'), inputDates: { 'tls.ca': '2026-01-01T00:00:00.000Z' } };
    const none = correlate([{ ...old, processor: 'acme', changes: [] }, old], FLEET, { settings });
    expect(none?.factors.some((f) => f.nearest)).toBe(false);
  });

  test('failures that started further apart than the window are not one incident', () => {
    const v = correlate([failing('acme'), failing('bolt', '2026-03-02T15:00:00.000Z')], FLEET, {
      settings,
      subject: 'acme',
    });
    expect(v).toBeNull();
    const wide = verdictSettings({ windowMinutes: 60 });
    expect(
      correlate([failing('acme'), failing('bolt', '2026-03-02T15:00:00.000Z')], FLEET, {
        settings: wide,
        subject: 'acme',
      })?.processors,
    ).toEqual(['acme', 'bolt']);
  });

  test('fewer failing than minProcessors make no verdict; different stages are not alike', () => {
    expect(
      correlate([failing('acme'), failing('bolt')], FLEET, {
        settings: verdictSettings({ minProcessors: 3 }),
      }),
    ).toBeNull();
    const auth: Observation = { ...failing('bolt'), stage: 'auth', class: 'AUTH_REJECTED' };
    expect(correlate([failing('acme'), auth], FLEET, { settings })).toBeNull();
    // Three of one class reach minProcessors 3; two of one class and one of another do not.
    const three = verdictSettings({ minProcessors: 3 });
    expect(
      correlate([failing('acme'), failing('bolt'), failing('coral')], FLEET, { settings: three })?.processors,
    ).toEqual(['acme', 'bolt', 'coral']);
    const expired: Observation = { ...failing('coral'), class: 'CERT_EXPIRED' };
    expect(correlate([failing('acme'), failing('bolt'), expired], FLEET, { settings: three })).toBeNull();
  });

  test('one processor whose server facts alone changed: their side, naming the change', () => {
    const issuer: Change = {
      kind: 'server-issuer',
      side: 'theirs',
      field: 'server.issuer',
      before: 'CN=Old CA',
      after: 'CN=New CA',
      at: null,
    };
    const v = correlate([failing('delta', ONSET, [issuer]), ok('acme')], FLEET, { settings });
    expect(v && verdictJson(v)).toEqual({
      scope: 'theirs',
      processors: ['delta'],
      stage: 'tls',
      classes: ['CERT_UNTRUSTED'],
      commonFactors: ['server.issuer: CN=Old CA -> CN=New CA'],
      weakFactors: [],
      otherGroups: [],
    });
    // The same processor with one of our settings changed too: no verdict on whose side.
    expect(correlate([failing('delta', ONSET, [issuer, caChange('delta')])], FLEET, { settings })).toBeNull();
    // Unknown history: no verdict for one processor.
    expect(correlate([failing('delta', ONSET, null)], FLEET, { settings })).toBeNull();
  });

  test('a setting also read by a processor that passes is weak context, after the one they alone share', () => {
    const fleet = [
      processor(
        'acme',
        '{ ssm: /gw/ca }',
        ', clientCert: { ssm: /gw/client }, clientKey: { secretsManager: gw/client-key }',
      ),
      processor(
        'bolt',
        '{ ssm: /gw/ca }',
        ', clientCert: { ssm: /gw/client }, clientKey: { secretsManager: gw/client-key }',
      ),
      processor('delta', '{ ssm: /gw/ca }'),
    ];
    const old = { ...failing('acme'), inputDates: { 'tls.ca': '2026-01-01T00:00:00.000Z' } };
    const v = correlate([old, { ...old, processor: 'bolt' }, ok('delta')], fleet, { settings });
    expect(v?.scope).toBe('ours');
    expect(v && verdictJson(v)).toMatchObject({
      commonFactors: [
        expect.stringMatching(/^tls\.clientCert: ssm \/gw\/client/),
        'tls.clientKey: secretsManager gw/client-key',
      ],
      weakFactors: [expect.stringMatching(/^tls\.ca: ssm \/gw\/ca .*also read by 1 passing processor\)$/)],
    });
  });
});

describe('only evidence says "our side"', () => {
  // The demo's fleet: every processor reads the demo CA file; two fail at stage tls with different classes.
  const demo = ['expired-cert', 'healthy', 'mtls-required', 'rotated-key', 'slow'].map((n) =>
    processor(n, '{ file: demo-ca.pem }'),
  );
  const at = (
    o: Observation,
    cls: Observation['class'],
    stage: Observation['stage'] = 'tls',
  ): Observation => ({
    ...o,
    class: cls,
    stage,
    since: null,
    inputs: { 'tls.ca': 'sha256:dddd' },
    inputDates: {},
  });

  test('an expired server certificate and a rejected client certificate are two causes: no common verdict', () => {
    const obs = [
      at(failing('expired-cert'), 'CERT_EXPIRED'),
      ok('healthy'),
      at(failing('mtls-required'), 'CLIENT_CERT_REJECTED'),
      at(failing('rotated-key'), 'AUTH_REJECTED', 'auth'),
      ok('slow'),
    ];
    expect(correlate(obs, demo, { settings })).toBeNull();
    expect(correlate(obs, demo, { settings, subject: 'expired-cert' })).toBeNull();
  });

  test('three failing CERT_UNTRUSTED whose CA bundle changed before the onset: our side, naming the bundle', () => {
    const fleet = [...FLEET, processor('echo', '{ ssm: /gw/ca }')];
    const v = correlate(
      [
        failing('acme', ONSET, [caChange('acme')]),
        failing('bolt', ONSET, [caChange('bolt')]),
        failing('coral', ONSET, [caChange('coral')]),
        ok('delta'),
        ok('echo'),
      ],
      fleet,
      { settings },
    );
    expect(v?.scope).toBe('ours');
    expect(v?.factors.map((f) => [f.label, f.weight, f.nearest])).toEqual([
      ['tls.ca: ssm /gw/ca', 'changed', true],
    ]);
    expect(v && verdictLine(v)).toBe(
      '3 of 5 processors fail alike at stage tls (CERT_UNTRUSTED): the cause is most likely on our side; common factor: tls.ca: ssm /gw/ca (version 7 -> 8, changed 2026-03-02T14:01:00.000Z; changed nearest the onset; also read by 1 passing processor)',
    );
  });

  test('same class, the shared setting unchanged and read by passing processors too: not our side, weak context only', () => {
    const fleet = [...FLEET, processor('echo', '{ ssm: /gw/ca }')];
    const old = (name: string) => ({
      ...failing(name, ONSET, []),
      inputs: { 'tls.ca': 'sha256:bbbb@8' },
      inputDates: { 'tls.ca': '2026-01-01T00:00:00.000Z' },
    });
    const v = correlate([old('acme'), old('bolt'), old('coral'), ok('delta'), ok('echo')], fleet, {
      settings,
    });
    expect(v).toMatchObject({ scope: 'unknown', processors: ['acme', 'bolt', 'coral'], factors: [] });
    expect(v && verdictJson(v)).toMatchObject({
      scope: 'unknown',
      commonFactors: [],
      weakFactors: [
        'tls.ca: ssm /gw/ca (version 8 since 2026-01-01T00:00:00.000Z; also read by 1 passing processor)',
      ],
    });
    const line = v ? verdictLine(v) : '';
    expect(line).not.toMatch(/our side;|common factor/);
    expect(line).toContain('nothing points to our side yet');
    expect(line).toContain('weak context: tls.ca: ssm /gw/ca');
  });

  test('without history, a shared setting whose current version is dated within the window of the run is the suspect', () => {
    const fleet = [...FLEET, processor('echo', '{ ssm: /gw/ca }')];
    const now = Date.parse('2026-03-02T14:05:00.000Z');
    const cli = (name: string, date: string): Observation => ({
      ...failing(name, null, null),
      inputDates: { 'tls.ca': date },
    });
    const fresh = correlate([cli('acme', ONSET), cli('bolt', ONSET), ok('echo')], fleet, { settings, now });
    expect(fresh?.scope).toBe('ours');
    expect(fresh?.factors[0]).toMatchObject({
      weight: 'changed',
      nearest: true,
      label: 'tls.ca: ssm /gw/ca',
    });
    const stale = '2026-01-01T00:00:00.000Z';
    expect(
      correlate([cli('acme', stale), cli('bolt', stale), ok('echo')], fleet, { settings, now })?.scope,
    ).toBe('unknown');
    // No passing processor reads it: our side even unchanged.
    const alone = FLEET.filter((p) => p.name !== 'coral');
    expect(
      correlate([cli('acme', stale), cli('bolt', stale), ok('delta')], alone, { settings, now })?.scope,
    ).toBe('ours');
  });

  test('two groups at once: the verdict is about the largest, the other is named as its own group', () => {
    const expired = (name: string): Observation => ({ ...failing(name), class: 'CERT_EXPIRED' });
    const fleet = [...FLEET, processor('echo', '{ ssm: /gw/ca }')];
    const obs = [failing('acme'), expired('bolt'), failing('coral'), expired('delta'), failing('echo')];
    const v = correlate(obs, fleet, { settings });
    expect(v).toMatchObject({ processors: ['acme', 'coral', 'echo'], classes: ['CERT_UNTRUSTED'] });
    // bolt reads the same parameter but fails with another class: that does not make it weak context.
    expect(v).toMatchObject({ scope: 'ours', weakFactors: [] });
    expect(v && verdictJson(v).otherGroups).toEqual([
      { stage: 'tls', class: 'CERT_EXPIRED', processors: ['bolt', 'delta'] },
    ]);
    expect(v && verdictLine(v)).toMatch(/; also failing alike: 2 at stage tls \(CERT_EXPIRED\)$/);
    // The diagnosed processor's own group, whichever is larger.
    expect(correlate(obs, fleet, { settings, subject: 'delta' })?.processors).toEqual(['bolt', 'delta']);
  });

  test('the first failing member is the earliest onset, then the name, whatever the config order', () => {
    const v = correlate(
      [failing('coral', '2026-03-02T14:01:00.000Z'), failing('bolt'), failing('acme'), ok('delta')],
      FLEET,
      { settings },
    );
    expect(
      v && firstFailing(v, [failing('coral', '2026-03-02T14:01:00.000Z'), failing('bolt'), failing('acme')]),
    ).toBe('coral');
    expect(v && firstFailing(v, [failing('coral'), failing('bolt'), failing('acme')])).toBe('acme');
  });
});
