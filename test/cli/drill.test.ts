/**
 * `payprobe drill`: every scenario runs to completion with --answer (the real engine against servers on
 * 127.0.0.1, the real page renderer), prints the pages, the verdict on the answer and the runbook, applies the
 * fix, and leaves no listener and no file behind; no drill credential is ever printed. The seed drill also runs
 * as a user runs it, through the command (the "done when").
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { PassThrough } from 'node:stream';
import { drill } from '../../cli/commands/drill';
import { run } from '../../cli/main';
import { DRILL_SECRET_PREFIX, SCENARIOS, scenarioNamed } from '../../testbed/drill/scenarios';
import { CLI_NODE_ARGS } from '../support/cli';
import { capturedIo } from '../support/cli-capture';

const ROOT = path.resolve(__dirname, '../..');

function capture() {
  const io = capturedIo({ cwd: ROOT, env: { NO_COLOR: '1' }, tty: false });
  return { io, out: io.out, err: io.err };
}

/** Listening servers and open sockets of this process. */
function network(): number {
  return process.getActiveResourcesInfo().filter((r) => r === 'TCPServerWrap' || r === 'TCPSocketWrap')
    .length;
}

/** Listening servers (a closed one leaves the list once libuv has run its close callback). */
async function listeners(): Promise<number> {
  const count = () => process.getActiveResourcesInfo().filter((r) => r === 'TCPServerWrap').length;
  for (let i = 0; i < 5 && count() > 0; i++) await new Promise((r) => setImmediate(r));
  return count();
}

/** Sockets the drill destroyed close within a few event-loop turns: wait for the count to come back down. */
async function settled(to: number): Promise<number> {
  for (let i = 0; i < 100 && network() > to; i++) await new Promise((r) => setTimeout(r, 20));
  return network();
}

/**
 * Per scenario: the right answer, the classes paged, how many pages arrive (the seed's three processors failing
 * alike fold into one incident page, as deployed), the incident page's subject where there is one, the verdict.
 */
const EXPECTED: Record<
  string,
  { answer: string; classes: string[]; pages: number; incident?: string; verdict: string | null }
> = {
  seed: {
    answer: 'ours',
    classes: ['CERT_UNTRUSTED'],
    pages: 1,
    // SNS caps a subject at 100 characters: the source is cut with a marker (the body names it whole).
    incident:
      '[CRITICAL] 3 of 3 processors failing (tls CERT_UNTRUSTED): secretsManager drill/gateway/ca-bundl...',
    verdict:
      'verdict: 3 of 3 processors fail alike at stage tls (CERT_UNTRUSTED): the cause is most likely on our side; common factor: tls.ca: secretsManager drill/gateway/ca-bundle (version v1 -> v2; changed nearest the onset)',
  },
  'expired-server-cert': {
    answer: 'theirs',
    classes: ['CERT_EXPIRED'],
    pages: 1,
    verdict: "verdict: acme fails at stage tls (CERT_EXPIRED): the change is on the processor's side",
  },
  'unregistered-client-cert': {
    answer: 'ours',
    classes: ['CLIENT_CERT_REJECTED'],
    pages: 1,
    verdict: null,
  },
  'rotated-credentials': { answer: 'ours', classes: ['AUTH_REJECTED'], pages: 1, verdict: null },
  'proxy-refusing': { answer: 'ours', classes: ['PROXY_REFUSED'], pages: 1, verdict: null },
};

test('every scenario has its expectation here', () => {
  expect(SCENARIOS.map((s) => s.id).sort()).toEqual(Object.keys(EXPECTED).sort());
});

describe.each(SCENARIOS.map((s) => [s.id] as const))('payprobe drill %s --answer', (id) => {
  test('runs to completion: pages, the call, the runbook, the fix; nothing left behind', async () => {
    const expected = EXPECTED[id] as (typeof EXPECTED)[string];
    const before = await settled(0);
    const listening = await listeners();
    // A temp folder of its own (the machine's is shared with other runs): the drill must leave it empty.
    const tmp = mkdtempSync(path.join(tmpdir(), 'payprobe-drill-test-'));
    const saved = process.env.TMPDIR;
    process.env.TMPDIR = tmp;
    const c = capture();
    let code: number;
    try {
      code = await run(['drill', id, '--answer', expected.answer], c.io);
    } finally {
      if (saved === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = saved;
    }
    const out = c.out();
    expect({ code, err: c.err() }).toEqual({ code: 0, err: '' });
    expect(out.match(/^----- page \d+ of \d+: subject "\[CRITICAL\] /gm)).toHaveLength(expected.pages);
    if (expected.incident) expect(out).toContain(`----- page 1 of 1: subject "${expected.incident}" -----`);
    for (const cls of expected.classes) {
      if (!expected.incident)
        expect(out).toMatch(
          new RegExp(`^----- page 1 of \\d+: subject ".* - ${cls}( \\(processor's side\\))?" -----$`, 'm'),
        );
      expect(out).toContain(`----- runbook: ${cls} -----`);
    }
    expect(out).toContain('WHAT CHANGED SINCE THE LAST GOOD PROBE');
    // The cross-processor verdict (lambdas/core/diagnosis/verdict.ts) where it has one.
    if (expected.verdict) expect(out).toContain(expected.verdict);
    else expect(out).not.toContain('----- the verdict across processors -----');
    expect(out).toContain(`Your answer: ${expected.answer}. Right.`);
    expect(out).toMatch(/4\. The fix: .+\n( {2}\S+: pass \(.+\)\n)+/);
    expect(out).toMatch(/Drill passed in [\d.]+ s; every processor healthy again; listeners stopped/);
    expect(out).not.toContain(DRILL_SECRET_PREFIX);
    expect(await listeners()).toBe(listening);
    expect(await settled(before)).toBe(before);
    expect(readdirSync(tmp)).toEqual([]);
    rmSync(tmp, { recursive: true, force: true });
  });
});

test('the seed drill shows the live audit page of the sandbox root on the warning topic', async () => {
  const c = capture();
  await run(['drill', 'seed', '--answer', 'ours'], c.io);
  expect(c.out()).toContain('[WARNING] acme: live audit - 1 new finding');
  expect(c.out()).toContain('NEW ERROR  ca-test-root');
  expect(c.out()).toContain('reference:  secretsManager drill/gateway/ca-bundle (version v2)');
});

test("the seed drill's incident page lines up the failing processors' classes in one column", async () => {
  const c = capture();
  await run(['drill', 'seed', '--answer', 'ours'], c.io);
  const lines = c.out().split('\n');
  const start = lines.findIndex((l) => l.trim() === 'FAILING PROCESSORS');
  expect(start).toBeGreaterThan(-1);
  const rows = lines.slice(start + 1, lines.indexOf('', start + 1)).filter((l) => l.trim() !== '');
  expect(rows.length).toBeGreaterThanOrEqual(2);
  // Names of different lengths (the seed's processors), one column for the class.
  expect(new Set(rows.map((r) => r.trim().split(/\s+/)[0]?.length)).size).toBeGreaterThan(1);
  expect(new Set(rows.map((r) => r.search(/[A-Z]{2,}_[A-Z_]+/))).size).toBe(1);
});

test('a wrong answer says what it was and exits 1, still restoring and cleaning up', async () => {
  const before = await settled(0);
  const c = capture();
  const code = await run(['drill', 'expired-server-cert', '--answer', 'ours'], c.io);
  expect(code).toBe(1);
  expect(c.out()).toContain('Your answer: ours. Not this time: it is theirs.');
  expect(c.out()).toContain('every processor healthy again');
  expect(await settled(before)).toBe(before);
});

test('without --answer it asks, and reads the answer from the input', async () => {
  const c = capture();
  const input = new PassThrough();
  input.end('maybe\ntheirs\n');
  const code = await drill(c.io, scenarioNamed('expired-server-cert') as never, undefined, input);
  expect(code).toBe(0);
  expect(c.out()).toContain('ours or theirs? ');
  expect(c.out()).toContain('(type ours or theirs)');
  expect(c.out()).toContain('Your answer: theirs. Right.');
});

test('--list names every scenario; an unknown one and a bad answer are usage errors', async () => {
  const list = capture();
  expect(await run(['drill', '--list'], list.io)).toBe(0);
  for (const s of SCENARIOS) expect(list.out()).toContain(`  ${s.id}`);
  const unknown = capture();
  expect(await run(['drill', 'nope'], unknown.io)).toBe(2);
  expect(unknown.err()).toContain('unknown drill scenario "nope"; scenarios: seed,');
  const bad = capture();
  expect(await run(['drill', 'seed', '--answer', 'maybe'], bad.io)).toBe(2);
  expect(bad.err()).toContain('--answer must be ours or theirs');
});

test('npx payprobe drill seed --answer ours: the page, the answer and the runbook, exit 0', () => {
  const r = spawnSync(process.execPath, [...CLI_NODE_ARGS, 'drill', 'seed', '--answer', 'ours'], {
    cwd: ROOT,
    env: { ...process.env, NO_COLOR: '1' },
    encoding: 'utf8',
    timeout: 60_000,
  });
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  expect(r.stdout).toContain('[CRITICAL] 3 of 3 processors failing (tls CERT_UNTRUSTED)');
  expect(r.stdout).toContain(
    'verdict: 3 of 3 processors fail alike at stage tls (CERT_UNTRUSTED): the cause is most likely on our side',
  );
  expect(r.stdout).toContain('Your answer: ours. Right.');
  expect(r.stdout).toContain('----- runbook: CERT_UNTRUSTED -----');
});
