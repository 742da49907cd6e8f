/**
 * `payprobe demo` (`npm run demo`): starts simulated processors on 127.0.0.1 with a throwaway PKI (the testbed
 * of testbed/), writes a real config file for them into a temp dir, and runs it through the same path
 * as `payprobe check`: config validation, the CLI's secret sources, the real probe engine, the table.
 * Everything is cleaned up afterwards, also on Ctrl-C. Exit 0: the demo working is not a probe failure.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { loadConfigFile } from '../../lambdas/core/config/load';
import { SecretSources } from '../../lambdas/core/secrets/sources';
import { type SimulatedProcessor, Testbed } from '../../testbed/servers';
import { type CliIo, EXIT } from '../io';
import { redactingStream } from '../output';
import { paletteFor } from '../voice';
import { credentialRedactor, report } from './check';

/** Environment variables the demo config reads its credentials from (set for the demo's resolver only). */
const TOKEN_VAR = 'PAYPROBE_DEMO_API_KEY';
const WRONG_TOKEN_VAR = 'PAYPROBE_DEMO_OLD_API_KEY';
/** Demo credentials start with this, so tests can assert none is ever printed. */
export const DEMO_SECRET_PREFIX = 'sk_demo_';

const SLOW_DELAY_MS = 1000;
const SLOW_RESPONSE_MS = 500;

interface DemoRow {
  readonly name: string;
  readonly explain: string;
}

const ROWS: readonly DemoRow[] = [
  { name: 'healthy', explain: 'certificate verified against the demo CA, API key accepted (HTTP 200): PASS' },
  {
    name: 'expired-cert',
    explain:
      'the server certificate expired yesterday: CERT_EXPIRED at stage tls, with its dates in the detail',
  },
  {
    name: 'mtls-required',
    explain:
      'the processor demands a client certificate we did not configure: CLIENT_CERT_REJECTED (in TLS 1.3 this surfaces only on the first read after the handshake)',
  },
  {
    name: 'rotated-key',
    explain:
      'TLS is fine but the configured API key was rotated away: AUTH_REJECTED (HTTP 401) at stage auth',
  },
  {
    name: 'slow',
    explain: `answers after ${SLOW_DELAY_MS} ms, above slowResponseMs ${SLOW_RESPONSE_MS}: passes with a SLOW_RESPONSE warning`,
  },
];

/** Everything the demo created, removed by cleanup() (idempotent, safe from a signal handler). */
class DemoResources {
  bed?: Testbed;
  dir?: string;
  private closed = false;

  async cleanup(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.dir) rmSync(this.dir, { recursive: true, force: true });
    await this.bed?.close();
  }
}

export async function demo(io: CliIo): Promise<number> {
  const resources = new DemoResources();
  const onSignal = (signal: NodeJS.Signals) => {
    io.stderr.write(`\npayprobe demo: ${signal}, cleaning up\n`);
    void resources.cleanup().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  let closing: string;
  try {
    closing = await runDemo(io, resources);
  } finally {
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
    await resources.cleanup();
  }
  io.stdout.write(closing);
  return EXIT.ok;
}

/** Runs the demo and returns the closing text, printed once everything is cleaned up. */
async function runDemo(io: CliIo, resources: DemoResources): Promise<string> {
  const started = Date.now();
  const out = io.stdout;
  out.write(
    'payprobe demo: simulated payment processors on 127.0.0.1, a throwaway PKI, the real probe engine.\n',
  );

  const bed = await Testbed.start();
  resources.bed = bed;
  const token = `${DEMO_SECRET_PREFIX}${randomBytes(12).toString('hex')}`;
  const oldToken = `${DEMO_SECRET_PREFIX}${randomBytes(12).toString('hex')}`;
  const credentials = { type: 'bearer', token } as const;
  const sims: Record<string, SimulatedProcessor> = await bed.fleet({
    healthy: { kind: 'healthy', options: { credentials } },
    'expired-cert': { kind: 'expired', options: { credentials } },
    'mtls-required': { kind: 'client-cert-tls13', options: { credentials } },
    'rotated-key': { kind: 'healthy', options: { credentials } },
    slow: { kind: 'slow', options: { credentials, delayMs: SLOW_DELAY_MS } },
  });

  const dir = mkdtempSync(path.join(tmpdir(), 'payprobe-demo-'));
  resources.dir = dir;
  writeFileSync(path.join(dir, 'demo-ca.pem'), bed.pki.caPem);
  const configFile = path.join(dir, 'payprobe.yaml');
  writeFileSync(configFile, demoConfig(sims));
  out.write(`Config: ${configFile} (removed when the demo ends)\n\n`);

  // The same path as `payprobe check`: validate the file, resolve { env } and { file } references, probe.
  const config = loadConfigFile(configFile);
  const env = { ...io.env, [TOKEN_VAR]: token, [WRONG_TOKEN_VAR]: oldToken };
  const secrets = new SecretSources({ env });
  const redactor = credentialRedactor(config.processors, secrets);
  const stdout = redactingStream({ write: (s: string) => out.write(s), isTTY: true }, redactor);
  const stderr = redactingStream(io.stderr, redactor);
  const results = await report({
    processors: config.processors,
    deps: { secrets },
    redactor,
    stdout,
    stderr,
    quiet: false,
    palette: paletteFor(io.stdout, io.env),
  });

  out.write('\nWhat each row shows:\n');
  const width = Math.max(...ROWS.map((r) => r.name.length));
  for (const row of ROWS) out.write(`  ${row.name.padEnd(width)}  ${row.explain}\n`);
  const failed = results.filter((r) => !r.ok).length;
  return [
    '',
    `A real \`payprobe check\` with these results would exit 1 (${failed} failed); the demo exits 0 because it worked.`,
    `Finished in ${((Date.now() - started) / 1000).toFixed(1)} s; servers stopped, temporary files removed.`,
    'Next: a payprobe.yaml for your processors, then probe them:',
    '  npx payprobe init --preset stripe     # or your processor: --preset paypal, adyen, ... (README "Processor presets")',
    '  npx payprobe check',
    '',
  ].join('\n');
}

/** The demo's config file: what a user would write, with credentials from { env } and the CA from { file }. */
function demoConfig(sims: Record<string, SimulatedProcessor>): string {
  const lines = [
    '# Written by `payprobe demo`: simulated processors on 127.0.0.1.',
    'defaults:',
    '  timeoutMs: 2500',
    '  tls: { ca: { file: demo-ca.pem } }',
    'processors:',
  ];
  for (const row of ROWS) {
    const sim = sims[row.name];
    if (!sim) throw new Error(`demo: no simulated processor ${row.name}`);
    const tokenVar = row.name === 'rotated-key' ? WRONG_TOKEN_VAR : TOKEN_VAR;
    lines.push(
      `  - name: ${row.name}`,
      `    endpoint: ${sim.url}`,
      ...(row.name === 'slow' ? [`    slowResponseMs: ${SLOW_RESPONSE_MS}`] : []),
      '    auth:',
      '      request: { method: GET, path: /v1/balance }',
      `      credentials: { type: bearer, token: { env: ${tokenVar} } }`,
    );
  }
  return `${lines.join('\n')}\n`;
}
