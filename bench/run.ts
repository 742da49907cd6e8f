/**
 * `npm run bench`: measures payprobe on this machine and prints one line per figure with its target and
 * PASS or MISS (a script, not a test: nothing here fails the build). Loopback only, bounded loops; about two
 * minutes on 2 cores. Figures (docs/performance.md explains each):
 *   1 probe overhead vs a bare tls.connect + GET        5 detection time and monthly cost from the synthesized template
 *   2 timing accuracy behind a delay-injecting proxy    6 the first probe of a fresh process (bench/timings.ts)
 *   3 fan-out: probes/s and peak memory at N = 50, 200, 500   7 300 processors, 100 silent (bench/fleet.ts)
 *   4 Lambda artifact size and cold init                8 healthy mTLS handshake-only vs a bare handshake
 *   2p proxyMs through a forward proxy slow to answer CONNECT
 *   9 CLI start: `payprobe --version` beside `node -e 0` (bench/cli-start.ts)
 *  10 500 processors in one region: synth time, bundles, stacks, resources per processor, cost (bench/scale.ts)
 * Options: --only 1,3 runs a subset; --json also prints every figure as one JSON document at the end.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Timings } from '../lambdas/core/contract/result';
import { createPki, type Issued, type TestPki } from '../testbed/pki';
import { startHostileProxy } from '../testbed/proxies/hostile';
import { figureArtifacts } from './artifacts';
import { runChild } from './child';
import { builtCli, figureCliStart } from './cli-start';
import type { Figure } from './common';
import { figureSilentFleet } from './fleet';
import { type Listening, startDelayProxy, startEndpoint } from './loopback';
import { figureScale } from './scale';
import { median, quantile, round } from './stats';
import { figureDetectionAndCost } from './template';
import { figureFreshProcess, figureMtlsHandshake } from './timings';

const TOKEN = 'bench-token-not-a-secret';
const AUTH_PATH = '/v1/balance';

function benchEnv(pki: TestPki): NodeJS.ProcessEnv {
  return { BENCH_CA: pki.caPem, BENCH_TOKEN: TOKEN };
}

/** Figure 1: full probe vs tls.connect + one raw GET, interleaved, on the same loopback endpoint (in a child). */
async function figureOverhead(pki: TestPki, cert: Issued, dir: string): Promise<Figure> {
  const endpoint = await startEndpoint({ chain: cert.chain, key: cert.key, token: TOKEN });
  try {
    const runs = 300;
    const caFile = path.join(dir, 'overhead-ca.pem');
    writeFileSync(caFile, pki.caPem);
    const measure = async (mode: 'config-ca' | 'default-store') => {
      const env = mode === 'config-ca' ? benchEnv(pki) : { BENCH_TOKEN: TOKEN, NODE_EXTRA_CA_CERTS: caFile };
      const run = await runChild(
        process.execPath,
        ['--require', 'tsx/cjs', 'bench/overhead-child.ts', String(endpoint.port), String(runs), mode],
        env,
        180_000,
      );
      const line = run.stdout.trim().split('\n').at(-1) ?? '';
      if (run.code !== 0 || !line.startsWith('{'))
        throw new Error(`overhead child (${mode}) failed: ${run.stderr.slice(-400)}`);
      const r = JSON.parse(line) as { payprobe: number[]; baseline: number[] };
      return {
        mode,
        payprobeMedianMs: median(r.payprobe),
        baselineMedianMs: median(r.baseline),
        payprobeP90Ms: quantile(r.payprobe, 0.9),
        baselineP90Ms: quantile(r.baseline, 0.9),
        ratio: median(r.payprobe) / median(r.baseline),
      };
    };
    const ca = await measure('config-ca');
    const store = await measure('default-store');
    const describe = (m: typeof ca) =>
      `${round(m.payprobeMedianMs, 2)} ms vs ${round(m.baselineMedianMs, 2)} ms = ratio ${round(m.ratio, 2)}`;
    return {
      id: '1',
      title: 'probe overhead',
      value:
        `payprobe vs tls.connect+GET, medians of ${runs} interleaved runs each: CA from the config (tls.ca) ` +
        `${describe(ca)}; CA in the default trust store (as with a public certificate) ${describe(store)}`,
      target: 'ratio <= 1.15 (both)',
      pass: ca.ratio <= 1.15 && store.ratio <= 1.15,
      data: { runs, configCa: ca, defaultStore: store },
    };
  } finally {
    await endpoint.close();
  }
}

/** Figure 2: phase timings behind a proxy that delays the handshake by 150 ms and the response by 100 ms. */
async function figureAccuracy(pki: TestPki, cert: Issued, dir: string): Promise<Figure> {
  const handshakeDelayMs = 150;
  const responseDelayMs = 100;
  const endpoint = await startEndpoint({ chain: cert.chain, key: cert.key, token: TOKEN });
  const proxy = await startDelayProxy({ upstreamPort: endpoint.port, handshakeDelayMs, responseDelayMs });
  try {
    const runs = 21;
    const caFile = path.join(dir, 'accuracy-ca.pem');
    writeFileSync(caFile, pki.caPem);
    const measure = async (mode: 'config-ca' | 'default-store') => {
      const env = mode === 'config-ca' ? benchEnv(pki) : { BENCH_TOKEN: TOKEN, NODE_EXTRA_CA_CERTS: caFile };
      const run = await runChild(
        process.execPath,
        ['--require', 'tsx/cjs', 'bench/accuracy-child.ts', String(proxy.port), String(runs), mode],
        env,
        120_000,
      );
      const line = run.stdout.trim().split('\n').at(-1) ?? '';
      if (run.code !== 0 || !line.startsWith('{'))
        throw new Error(`accuracy child (${mode}) failed: ${run.stderr.slice(-400)}`);
      const { timings } = JSON.parse(line) as { timings: Timings[] };
      return {
        mode,
        tlsErrorMs: median(timings.map((t) => (t.tlsMs ?? Number.NaN) - handshakeDelayMs)),
        firstByteErrorMs: median(timings.map((t) => (t.firstByteMs ?? Number.NaN) - responseDelayMs)),
        dnsMs: median(timings.map((t) => t.dnsMs ?? 0)),
        connectMs: median(timings.map((t) => t.connectMs ?? Number.NaN)),
      };
    };
    const ca = await measure('config-ca');
    const store = await measure('default-store');
    const ok = (m: typeof ca) =>
      Math.abs(m.tlsErrorMs) <= 10 && Math.abs(m.firstByteErrorMs) <= 10 && m.dnsMs <= 2 && m.connectMs <= 2;
    const describe = (m: typeof ca) =>
      `tlsMs - ${handshakeDelayMs} = ${round(m.tlsErrorMs, 1)} ms, firstByteMs - ${responseDelayMs} = ` +
      `${round(m.firstByteErrorMs, 1)} ms, dnsMs ${round(m.dnsMs, 2)}, connectMs ${round(m.connectMs, 2)}`;
    return {
      id: '2',
      title: 'timing accuracy',
      value: `medians of ${runs}: CA from the config: ${describe(ca)}; CA in the default trust store: ${describe(store)}`,
      target: 'within +/-10 ms; dns and connect <= 2 ms on loopback (both)',
      pass: ok(ca) && ok(store),
      data: { runs, handshakeDelayMs, responseDelayMs, configCa: ca, defaultStore: store },
    };
  } finally {
    await proxy.close();
    await endpoint.close();
  }
}

function openFileLimit(): number | undefined {
  try {
    const m = /Max open files\s+(\d+|unlimited)/.exec(readFileSync('/proc/self/limits', 'utf8'));
    return m?.[1] === 'unlimited' ? Number.POSITIVE_INFINITY : m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Figure 2p: through a forward proxy that answers CONNECT 150 ms late (a hand-built proxy in this process,
 * the probe in a child): proxyMs - connectMs (the CONNECT answer) against the delay, and the handshake inside
 * the tunnel unaffected.
 */
async function figureProxyAccuracy(pki: TestPki, cert: Issued): Promise<Figure> {
  const delayMs = 150;
  const runs = 21;
  const endpoint = await startEndpoint({ chain: cert.chain, key: cert.key, token: TOKEN });
  const proxy = await startHostileProxy('forward', { delayMs });
  try {
    const run = await runChild(
      process.execPath,
      [
        '--require',
        'tsx/cjs',
        'bench/accuracy-child.ts',
        String(endpoint.port),
        String(runs),
        'proxy',
        String(proxy.port),
      ],
      benchEnv(pki),
      120_000,
    );
    const line = run.stdout.trim().split('\n').at(-1) ?? '';
    if (run.code !== 0 || !line.startsWith('{'))
      throw new Error(`accuracy child (proxy) failed: ${run.stderr.slice(-400)}`);
    const { timings } = JSON.parse(line) as { timings: Timings[] };
    const answerErrorMs = median(
      timings.map((t) => (t.proxyMs ?? Number.NaN) - (t.connectMs ?? 0) - delayMs),
    );
    const tlsMs = median(timings.map((t) => t.tlsMs ?? Number.NaN));
    const connectMs = median(timings.map((t) => t.connectMs ?? Number.NaN));
    return {
      id: '2p',
      title: 'proxy timing accuracy',
      value: `medians of ${runs}: proxyMs - connectMs - ${delayMs} = ${round(answerErrorMs, 1)} ms; connectMs (to the proxy) ${round(connectMs, 2)}, tlsMs inside the tunnel ${round(tlsMs, 1)}`,
      target: 'within +/-10 ms; tlsMs below the delay (the delay shows only in proxyMs)',
      pass: Math.abs(answerErrorMs) <= 10 && tlsMs < delayMs,
      data: { runs, delayMs, answerErrorMs, connectMs, tlsMs },
    };
  } finally {
    await proxy.close();
    await endpoint.close();
  }
}

/** Figure 3: N loopback endpoints probed concurrently by one process (probeMany, as `payprobe check` does). */
async function figureFanOut(pki: TestPki, cert: Issued): Promise<Figure> {
  const sizes = [50, 200, 500];
  const max = Math.max(...sizes);
  const limit = openFileLimit();
  // Each probe holds a client socket; the endpoints here hold a listener and a server socket each.
  if (limit !== undefined && limit < 3 * max + 200) {
    throw new Error(`open-file limit ${limit} is too low for N = ${max}: run \`ulimit -n 4096\` first`);
  }
  const dir = mkdtempSync(path.join(os.tmpdir(), 'payprobe-bench-'));
  const endpoints: Listening[] = [];
  try {
    for (let i = 0; i < max; i++)
      endpoints.push(await startEndpoint({ chain: cert.chain, key: cert.key, token: TOKEN }));
    writeFileSync(path.join(dir, 'ca.pem'), pki.caPem);
    const rows: { n: number; probesPerSecond: number; rssMb: number; ok: number; ms: number }[] = [];
    for (const n of sizes) {
      const file = path.join(dir, `fanout-${n}.yaml`);
      writeFileSync(file, fanOutConfig(endpoints.slice(0, n)));
      const run = await runChild(
        process.execPath,
        ['--require', 'tsx/cjs', 'bench/fanout-child.ts', file],
        { BENCH_TOKEN: TOKEN },
        120_000,
      );
      const line = run.stdout.trim().split('\n').at(-1) ?? '';
      if (run.code !== 0 || !line.startsWith('{'))
        throw new Error(`fan-out child (N=${n}) failed: ${run.stderr.slice(-500)}`);
      const r = JSON.parse(line) as {
        probes: number;
        ok: number;
        ms: number;
        maxRssKb: number;
        firstFailure: string | null;
      };
      if (r.ok !== n) throw new Error(`fan-out N=${n}: ${n - r.ok} probes failed, first: ${r.firstFailure}`);
      rows.push({ n, probesPerSecond: n / (r.ms / 1000), rssMb: r.maxRssKb / 1024, ok: r.ok, ms: r.ms });
    }
    // For comparison: the same N with the CA in Node's default trust store instead of tls.ca in the config.
    const storeFile = path.join(dir, `fanout-${max}-store.yaml`);
    writeFileSync(storeFile, fanOutConfig(endpoints.slice(0, max), false));
    const storeRun = await runChild(
      process.execPath,
      ['--require', 'tsx/cjs', 'bench/fanout-child.ts', storeFile],
      { BENCH_TOKEN: TOKEN, NODE_EXTRA_CA_CERTS: path.join(dir, 'ca.pem') },
      120_000,
    );
    const storeLine = JSON.parse(storeRun.stdout.trim().split('\n').at(-1) || '{}') as {
      ok?: number;
      ms?: number;
      maxRssKb?: number;
    };
    const store =
      storeLine.ok === max && storeLine.ms !== undefined && storeLine.maxRssKb !== undefined
        ? { probesPerSecond: max / (storeLine.ms / 1000), rssMb: storeLine.maxRssKb / 1024 }
        : undefined;
    // The real CLI once at the largest N, for its wall time and peak RSS as a user sees them.
    const cli = await realCliRun(path.join(dir, `fanout-${max}.yaml`), max);
    const at = rows.find((r) => r.n === max);
    const pass =
      at !== undefined &&
      at.probesPerSecond >= 300 &&
      at.rssMb <= 200 &&
      rows.every((r) => r.probesPerSecond >= 300);
    return {
      id: '3',
      title: 'fan-out',
      value:
        rows
          .map(
            (r) => `N=${r.n}: ${Math.round(r.probesPerSecond)} probes/s, peak RSS ${Math.round(r.rssMb)} MB`,
          )
          .join('; ') +
        (store
          ? `; N=${max} with the CA in the default trust store instead of tls.ca: ` +
            `${Math.round(store.probesPerSecond)} probes/s, ${Math.round(store.rssMb)} MB`
          : '') +
        (cli ? `; real CLI at N=${max}: ${cli}` : ''),
      target: '>= 300 probes/s, <= 200 MB at N = 500',
      pass,
      data: { rows, defaultStoreAtMax: store, cli },
    };
  } finally {
    await Promise.all(endpoints.map((e) => e.close()));
    rmSync(dir, { recursive: true, force: true });
  }
}

function fanOutConfig(endpoints: readonly Listening[], withCa = true): string {
  const trust = withCa ? ['  tls: { ca: { file: ca.pem } }'] : [];
  const lines = ['defaults:', '  timeoutMs: 10000', ...trust, 'processors:'];
  endpoints.forEach((e, i) => {
    lines.push(
      `  - name: ep-${String(i).padStart(4, '0')}`,
      `    endpoint: https://127.0.0.1:${e.port}`,
      '    auth:',
      `      request: { method: GET, path: ${AUTH_PATH} }`,
      '      credentials: { type: bearer, token: { env: BENCH_TOKEN } }',
    );
  });
  return `${lines.join('\n')}\n`;
}

/** `payprobe check --json` as a user runs it (the built CLI), under /usr/bin/time -v when available. */
async function realCliRun(file: string, n: number): Promise<string | undefined> {
  const time = existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;
  const cliArgs = [builtCli(), 'check', '--config', file, '--json'];
  const run = time
    ? await runChild(time, ['-v', process.execPath, ...cliArgs], { BENCH_TOKEN: TOKEN }, 120_000)
    : await runChild(process.execPath, cliArgs, { BENCH_TOKEN: TOKEN }, 120_000);
  let ok = 0;
  try {
    const doc = JSON.parse(run.stdout) as { results: { ok: boolean }[] };
    ok = doc.results.filter((r) => r.ok).length;
  } catch {
    return `did not print a JSON document (exit ${run.code}): ${run.stderr.split('\n').slice(0, 3).join(' ').slice(0, 300)}`;
  }
  const rss = /Maximum resident set size \(kbytes\): (\d+)/.exec(run.stderr);
  return (
    `${ok}/${n} ok, exit ${run.code}, ${round(run.wallMs / 1000, 2)} s wall including start-up` +
    (rss ? `, peak RSS ${Math.round(Number(rss[1]) / 1024)} MB` : '')
  );
}

function line(f: Figure): string {
  return `[${f.id}] ${f.title}: ${f.value} | target ${f.target} | ${f.pass ? 'PASS' : 'MISS'}`;
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const onlyArg = argv.indexOf('--only');
  const only = onlyArg >= 0 ? new Set((argv[onlyArg + 1] ?? '').split(',')) : undefined;
  const json = argv.includes('--json');
  const started = performance.now();
  const cpus = os.cpus();
  process.stdout.write(
    `payprobe bench ${new Date().toISOString()} | node ${process.version} | ${os.platform()} ${os.arch()} | ` +
      `${cpus.length} cores (${cpus[0]?.model.trim() ?? '?'}) | ${Math.round(os.totalmem() / 2 ** 30)} GB | ` +
      `load ${os
        .loadavg()
        .map((l) => l.toFixed(1))
        .join(' ')}\n`,
  );
  if ((os.loadavg()[0] ?? 0) > cpus.length) {
    process.stdout.write(
      'note: the machine is busy (load above the core count): timings will be pessimistic\n',
    );
  }
  const pki = await createPki({ name: 'payprobe-bench' });
  const cert = await pki.serverCert();
  const work = mkdtempSync(path.join(os.tmpdir(), 'payprobe-bench-'));
  const figures: Figure[] = [];
  const steps: [string, string, () => Promise<Figure | Figure[]>][] = [
    ['1', 'probe overhead', () => figureOverhead(pki, cert, work)],
    ['2', 'timing accuracy', () => figureAccuracy(pki, cert, work)],
    ['2p', 'proxy timing accuracy', () => figureProxyAccuracy(pki, cert)],
    ['3', 'fan-out', () => figureFanOut(pki, cert)],
    ['4', 'Lambda artifacts', () => figureArtifacts()],
    ['5', 'detection time and cost', () => figureDetectionAndCost()],
    ['6', 'first probe of a fresh process', () => figureFreshProcess(pki, cert)],
    ['7', 'fleet with silent processors', () => figureSilentFleet(pki, cert)],
    ['8', 'healthy mTLS, handshake only', () => figureMtlsHandshake(pki, cert)],
    ['9', 'CLI start', () => figureCliStart()],
    ['10', '500 processors in one region', () => figureScale(500)],
  ];
  for (const [id, title, step] of steps) {
    if (only && !only.has(id)) continue;
    try {
      const out = await step();
      for (const f of Array.isArray(out) ? out : [out]) {
        figures.push(f);
        process.stdout.write(`${line(f)}\n`);
      }
    } catch (err) {
      const f: Figure = {
        id,
        title,
        value: `ERROR ${err instanceof Error ? err.message : String(err)}`,
        target: '-',
        pass: false,
      };
      figures.push(f);
      process.stdout.write(`${line(f)}\n`);
    }
  }
  rmSync(work, { recursive: true, force: true });
  const passed = figures.filter((f) => f.pass).length;
  process.stdout.write(
    `${passed}/${figures.length} figures on target, ${round((performance.now() - started) / 1000, 1)} s\n`,
  );
  if (json) process.stdout.write(`${JSON.stringify({ figures }, null, 2)}\n`);
}

if (require.main === module) {
  main().catch((err: unknown) => {
    process.stderr.write(`bench: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 1;
  });
}
