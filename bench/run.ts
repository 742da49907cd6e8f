/**
 * `npm run bench`: measures payprobe on this machine and prints one line per figure with its target and
 * PASS or MISS (a script, not a test: nothing here fails the build). Loopback only, bounded loops; about two
 * minutes on 2 cores. Figures (docs/readme/performance.md explains each):
 *   1 probe overhead vs a bare tls.connect + GET        4 Lambda artifact size and cold init
 *   2 timing accuracy behind a delay-injecting proxy    5 detection time and monthly cost from the synthesized template
 *   3 fan-out: probes/s and peak memory at N = 50, 200, 500
 * Options: --only 1,3 runs a subset; --json also prints every figure as one JSON document at the end.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseConfig } from '../lambdas/core/config';
import { probe } from '../lambdas/core/probe';
import type { ProbeResult } from '../lambdas/core/result';
import { SecretSources } from '../lambdas/core/secret-sources';
import { createPki, type Issued, type TestPki } from '../lambdas/testbed/pki';
import { figureArtifacts } from './artifacts';
import { type Listening, rawTlsGet, startDelayProxy, startEndpoint } from './loopback';
import { median, quantile, round } from './stats';
import { figureDetectionAndCost } from './template';

export const REPO = path.resolve(__dirname, '..');

export interface Figure {
  readonly id: string;
  readonly title: string;
  /** The measured value in words. */
  readonly value: string;
  readonly target: string;
  readonly pass: boolean;
  readonly data?: unknown;
}

const TOKEN = 'bench-token-not-a-secret';
const AUTH_PATH = '/v1/balance';

function processorYaml(port: number, name = 'bench'): string {
  return `processors:
  - name: ${name}
    endpoint: https://127.0.0.1:${port}
    timeoutMs: 5000
    tls: { ca: { env: BENCH_CA } }
    auth:
      request: { method: GET, path: ${AUTH_PATH} }
      credentials: { type: bearer, token: { env: BENCH_TOKEN } }
`;
}

function benchEnv(pki: TestPki): NodeJS.ProcessEnv {
  return { BENCH_CA: pki.caPem, BENCH_TOKEN: TOKEN };
}

function mustPass(r: ProbeResult): ProbeResult {
  if (!r.ok) throw new Error(`probe failed: ${r.stage} ${r.class}: ${r.detail}`);
  return r;
}

/** Figure 1: full probe vs tls.connect + one raw GET, interleaved, on the same loopback endpoint. */
async function figureOverhead(pki: TestPki, cert: Issued): Promise<Figure> {
  const endpoint = await startEndpoint({ chain: cert.chain, key: cert.key, token: TOKEN });
  try {
    const [processor] = parseConfig(processorYaml(endpoint.port), 'bench-overhead.yaml').processors;
    if (!processor) throw new Error('no processor');
    const env = benchEnv(pki);
    const full = async () => {
      const t0 = performance.now();
      mustPass(await probe(processor, { secrets: new SecretSources({ env }) }));
      return performance.now() - t0;
    };
    const bare = async () => {
      const t0 = performance.now();
      const status = await rawTlsGet({ port: endpoint.port, ca: pki.caPem, path: AUTH_PATH, token: TOKEN });
      if (status !== 200) throw new Error(`baseline got HTTP ${status}`);
      return performance.now() - t0;
    };
    for (let i = 0; i < 30; i++) {
      await full();
      await bare();
    }
    const runs = 300;
    const a: number[] = [];
    const b: number[] = [];
    for (let i = 0; i < runs; i++) {
      if (i % 2 === 0) {
        a.push(await full());
        b.push(await bare());
      } else {
        b.push(await bare());
        a.push(await full());
      }
    }
    const ratio = median(a) / median(b);
    return {
      id: '1',
      title: 'probe overhead',
      value: `payprobe median ${round(median(a), 2)} ms vs tls.connect+GET ${round(median(b), 2)} ms over ${runs} interleaved runs each: ratio ${round(ratio, 3)}`,
      target: 'ratio <= 1.15',
      pass: ratio <= 1.15,
      data: {
        runs,
        payprobeMedianMs: median(a),
        baselineMedianMs: median(b),
        payprobeP90Ms: quantile(a, 0.9),
        baselineP90Ms: quantile(b, 0.9),
        ratio,
      },
    };
  } finally {
    await endpoint.close();
  }
}

/** Figure 2: phase timings behind a proxy that delays the handshake by 150 ms and the response by 100 ms. */
async function figureAccuracy(pki: TestPki, cert: Issued): Promise<Figure> {
  const handshakeDelayMs = 150;
  const responseDelayMs = 100;
  const endpoint = await startEndpoint({ chain: cert.chain, key: cert.key, token: TOKEN });
  const proxy = await startDelayProxy({ upstreamPort: endpoint.port, handshakeDelayMs, responseDelayMs });
  try {
    const [processor] = parseConfig(processorYaml(proxy.port), 'bench-accuracy.yaml').processors;
    if (!processor) throw new Error('no processor');
    const env = benchEnv(pki);
    const runs = 21;
    const tls: number[] = [];
    const fb: number[] = [];
    const dns: number[] = [];
    const connect: number[] = [];
    for (let i = 0; i < runs; i++) {
      const r = mustPass(await probe(processor, { secrets: new SecretSources({ env }) }));
      tls.push((r.timings.tlsMs ?? Number.NaN) - handshakeDelayMs);
      fb.push((r.timings.firstByteMs ?? Number.NaN) - responseDelayMs);
      dns.push(r.timings.dnsMs ?? 0);
      connect.push(r.timings.connectMs ?? Number.NaN);
    }
    const tlsErr = median(tls);
    const fbErr = median(fb);
    const pass = Math.abs(tlsErr) <= 10 && Math.abs(fbErr) <= 10 && median(dns) <= 2 && median(connect) <= 2;
    return {
      id: '2',
      title: 'timing accuracy',
      value:
        `tlsMs - ${handshakeDelayMs} = ${round(tlsErr, 1)} ms, firstByteMs - ${responseDelayMs} = ${round(fbErr, 1)} ms ` +
        `(medians of ${runs}); dnsMs ${round(median(dns), 2)}, connectMs ${round(median(connect), 2)}`,
      target: 'within +/-10 ms; dns and connect <= 2 ms on loopback',
      pass,
      data: {
        runs,
        tlsErrorMs: tlsErr,
        firstByteErrorMs: fbErr,
        dnsMs: median(dns),
        connectMs: median(connect),
        tlsErrors: tls,
        firstByteErrors: fb,
      },
    };
  } finally {
    await proxy.close();
    await endpoint.close();
  }
}

interface ChildRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly wallMs: number;
}

function runChild(
  cmd: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  timeoutMs: number,
): Promise<ChildRun> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(cmd, [...args], {
      cwd: REPO,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, wallMs: performance.now() - t0 });
    });
  });
}

function openFileLimit(): number | undefined {
  try {
    const m = /Max open files\s+(\d+|unlimited)/.exec(readFileSync('/proc/self/limits', 'utf8'));
    return m?.[1] === 'unlimited' ? Number.POSITIVE_INFINITY : m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
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
          .join('; ') + (cli ? `; real CLI at N=${max}: ${cli}` : ''),
      target: '>= 300 probes/s, <= 200 MB at N = 500',
      pass,
      data: { rows, cli },
    };
  } finally {
    await Promise.all(endpoints.map((e) => e.close()));
    rmSync(dir, { recursive: true, force: true });
  }
}

function fanOutConfig(endpoints: readonly Listening[]): string {
  const lines = ['defaults:', '  timeoutMs: 10000', '  tls: { ca: { file: ca.pem } }', 'processors:'];
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

/** `payprobe check --json` as a user runs it, under /usr/bin/time -v when available. */
async function realCliRun(file: string, n: number): Promise<string | undefined> {
  const time = existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;
  const cliArgs = [path.join(REPO, 'cli', 'payprobe.js'), 'check', '--config', file, '--json'];
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
  const figures: Figure[] = [];
  const steps: [string, string, () => Promise<Figure | Figure[]>][] = [
    ['1', 'probe overhead', () => figureOverhead(pki, cert)],
    ['2', 'timing accuracy', () => figureAccuracy(pki, cert)],
    ['3', 'fan-out', () => figureFanOut(pki, cert)],
    ['4', 'Lambda artifacts', () => figureArtifacts()],
    ['5', 'detection time and cost', () => figureDetectionAndCost()],
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
