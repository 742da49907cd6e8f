/**
 * Certificates a hostile server presents, served for real on 127.0.0.1 and probed by the real engine:
 * a 64 KB subject, 64 KB of SANs, and a subject full of C1, bidi, separator and invisible characters.
 * The page (diagnose Lambda, SNS mocked at the SDK boundary) fits SNS's limit in every protocol variant
 * with every field bounded and marked, and no output (page text and JSON, CLI table, logfmt, JSON, JUnit)
 * carries one of those characters raw: people see visible escapes, JSON parses back to the same value.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { PublishCommand, type PublishCommandInput, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { parseConfig } from '../lambdas/core/config/load';
import type { ProbeResult } from '../lambdas/core/contract/result';
import { SNS_MAX_BYTES } from '../lambdas/core/diagnosis/page-size';
import { createHandler as createDiagnoseHandler } from '../lambdas/diagnose/handler';
import { createHandler as createProbeHandler } from '../lambdas/probe/handler';
import { createPki, type TestPki } from '../testbed/pki';
import { httpsServer } from '../testbed/processors/listeners';
import { type CliRun, runCli } from './support/cli-capture';
import { alarmEvent, CRITICAL_ARN, readPublish, WARNING_ARN } from './support/diagnose';
import { hostileCert } from './support/hostile-certs';
import { capturedLogger, lambdaContext, mockedAwsClients, scheduledEvent } from './support/probe';

/** Characters that must never reach a terminal, an e-mail or a log line raw, with their visible escape. */
const HOSTILE: [string, string][] = [
  ['\u009b', '\\u009b'],
  ['\u0085', '\\u0085'],
  ['\u202e', '\\u202e'],
  ['\u202a', '\\u202a'],
  ['\u2066', '\\u2066'],
  ['\u2069', '\\u2069'],
  ['\u200e', '\\u200e'],
  ['\u200f', '\\u200f'],
  ['\u061c', '\\u061c'],
  ['\u2028', '\\u2028'],
  ['\u2029', '\\u2029'],
  ['\u200b', '\\u200b'],
  ['\ufeff', '\\ufeff'],
];
const HOSTILE_CN = `pay${HOSTILE.map(([c]) => c).join('x')}ments.example`;

function rawHostile(text: string): string[] {
  return HOSTILE.filter(([c]) => text.includes(c)).map(([, shown]) => shown);
}

const { cloudwatch, secretsManager, ssm, sm } = mockedAwsClients();
const sns = mockClient(SNSClient);

let pki: TestPki;
let closers: (() => Promise<void>)[] = [];
let dir: string;
const urls: Record<'bigSubject' | 'bigSans' | 'hostile', string> = {
  bigSubject: '',
  bigSans: '',
  hostile: '',
};

beforeAll(async () => {
  pki = await createPki();
  const other = await createPki({ name: 'hostile' });
  const serve = async (cert: { chain: string; key: string }) => {
    const s = await httpsServer({ cert: cert.chain, key: cert.key });
    closers.push(s.close);
    return `https://127.0.0.1:${s.port}`;
  };
  // Untrusted root: CERT_UNTRUSTED, whose detail names the leaf's subject.
  urls.bigSubject = await serve(await hostileCert(other, { subject: [{ CN: ['s'.repeat(64 * 1024)] }] }));
  // Trusted, but no name covers 127.0.0.1: CERT_HOSTNAME_MISMATCH, whose detail lists every SAN.
  const sans = Array.from(
    { length: 1400 },
    (_, i) => `host-${String(i).padStart(4, '0')}-${'n'.repeat(24)}.example`,
  );
  urls.bigSans = await serve(
    await hostileCert(pki, { subject: [{ CN: ['sans'] }], dnsNames: sans, loopbackIp: false }),
  );
  urls.hostile = await serve(
    await hostileCert(other, {
      subject: [{ CN: [HOSTILE_CN] }, { O: ['\u202eKNAB\u202c Ltd\u2028Fake: line'] }],
    }),
  );
  dir = mkdtempSync(path.join(tmpdir(), 'payprobe-hostile-'));
  writeFileSync(path.join(dir, 'ca.pem'), pki.caPem);
  writeFileSync(path.join(dir, 'payprobe.yaml'), configYaml('{ file: ca.pem }'));
});
afterAll(async () => {
  await Promise.all(closers.map((c) => c()));
  closers = [];
  rmSync(dir, { recursive: true, force: true });
});
beforeEach(() => {
  sm.on(GetSecretValueCommand).resolves({ SecretString: pki.caPem, VersionId: 'v1' });
  sns.reset();
  sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
});

function configYaml(ca: string): string {
  return [
    'processors:',
    ...Object.entries(urls).flatMap(([name, url]) => [
      `  - name: ${name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`,
      `    endpoint: ${url}`,
      `    tls: { ca: ${ca} }`,
    ]),
    '',
  ].join('\n');
}

/** The page the diagnose Lambda publishes for each processor's alarm, probing the real servers. */
async function pages(): Promise<Record<string, PublishCommandInput>> {
  const processors = parseConfig(
    configYaml('{ secretsManager: hostile/ca }'),
    '/etc/payprobe/p.yaml',
  ).processors;
  const handler = createDiagnoseHandler({
    env: {
      PAYPROBE_PROCESSORS: JSON.stringify(Object.fromEntries(processors.map((p) => [p.name, p]))),
      PAYPROBE_TOPIC_CRITICAL_ARN: CRITICAL_ARN,
      PAYPROBE_TOPIC_WARNING_ARN: WARNING_ARN,
    },
    sns: new SNSClient({ region: 'eu-west-1' }),
    secretsManager,
    ssm,
    logger: capturedLogger().logger,
  });
  const out: Record<string, PublishCommandInput> = {};
  for (const p of processors) {
    sns.resetHistory();
    await handler(alarmEvent(`PayProbe-${p.name}-HandshakeFailing`, 'ALARM', 'OK'));
    const input = sns.commandCalls(PublishCommand)[0]?.args[0].input;
    if (!input) throw new Error(`no page for ${p.name}`);
    out[p.name] = input;
  }
  return out;
}

/** Bytes SNS counts for the Publish: message, subject and attributes. */
function publishBytes(input: PublishCommandInput): number {
  const attributes = Object.entries(input.MessageAttributes ?? {}).reduce(
    (sum, [k, v]) =>
      sum +
      Buffer.byteLength(k) +
      Buffer.byteLength(v.DataType ?? '') +
      Buffer.byteLength(v.StringValue ?? ''),
    0,
  );
  return Buffer.byteLength(input.Message ?? '') + Buffer.byteLength(input.Subject ?? '') + attributes;
}

describe('the page', () => {
  it('fits SNS in every protocol variant when a server sends 64 KB names, each field cut with a marker', async () => {
    const published = await pages();
    for (const [name, expected] of [
      ['big-subject', 'CERT_UNTRUSTED'],
      ['big-sans', 'CERT_HOSTNAME_MISMATCH'],
    ] as const) {
      const input = published[name] as PublishCommandInput;
      expect(publishBytes(input)).toBeLessThanOrEqual(SNS_MAX_BYTES);
      const page = readPublish(input);
      expect(Object.keys(page.messages).sort()).toEqual(
        ['default', 'email', 'email-json', 'firehose', 'http', 'https', 'lambda', 'sms', 'sqs'].sort(),
      );
      // Nothing was shed: the bounded page carries the text and the full (bounded) result everywhere.
      expect(page.document.diagnosis?.class).toBe(expected);
      expect(page.document.text).toBe(page.text);
      expect(page.messages.default).toBe(page.text);
      expect(page.document.result?.detail).toMatch(/…\[truncated [\d,]+ bytes\]$/);
      expect(page.text).toMatch(/Detail: {4}.*…\[truncated [\d,]+ bytes\]\n/);
    }
    const subject =
      (published['big-subject'] &&
        readPublish(published['big-subject']).document.result?.tls?.serverCert?.subject) ??
      '';
    expect(subject).toMatch(/^CN=s+…\[truncated 6\d,\d{3} bytes\]$/);
    expect(Buffer.byteLength(subject)).toBeLessThanOrEqual(1024);
  });

  it('shows C1, bidi, separator and invisible characters from a certificate as visible escapes', async () => {
    const input = (await pages()).hostile as PublishCommandInput;
    const page = readPublish(input);
    expect(page.document.diagnosis?.class).toBe('CERT_UNTRUSTED');
    expect(rawHostile(input.Message ?? '')).toEqual([]);
    expect(rawHostile(page.text)).toEqual([]);
    for (const [, shown] of HOSTILE) expect(page.text).toContain(shown);
    // The subject line stays one line: the forged "Fake: line" is not a line of its own.
    expect(page.text).not.toMatch(/^Fake: line/m);
    // The JSON carries the exact subject (escaped on the wire, the same value parsed).
    expect(page.document.result?.tls?.serverCert?.subject).toContain(HOSTILE_CN);
  });
});

describe('the probe Lambda', () => {
  it('logs a 64 KB certificate subject bounded and marked, not in full on every run', async () => {
    const [processor] = parseConfig(
      configYaml('{ secretsManager: hostile/ca }'),
      '/etc/payprobe/p.yaml',
    ).processors;
    const log = capturedLogger();
    const handler = createProbeHandler({
      env: { PAYPROBE_PROCESSOR: JSON.stringify(processor) },
      cloudwatch,
      secretsManager,
      ssm,
      logger: log.logger,
      confirmPauseMs: 1,
    });
    await handler(scheduledEvent(), lambdaContext());
    const failed = log.lines().find((l) => l.level === 'ERROR');
    expect(failed?.message).toBe('probe failed: CERT_UNTRUSTED at stage tls');
    expect(log.raw()).toContain('[truncated');
    for (const line of log.raw().split('\n')) expect(Buffer.byteLength(line)).toBeLessThan(32 * 1024);
  });
});

describe('the CLI', () => {
  /** Everything the CLI printed, and stdout alone (with a document on stdout, a summary goes to stderr). */
  async function cli(args: string[], tty: boolean): Promise<CliRun> {
    const result = await runCli(['check', ...args], { cwd: dir, tty });
    expect(result.code).toBe(1);
    return result;
  }

  it('prints hostile certificate text escaped and bounded in the table and logfmt lines', async () => {
    for (const tty of [true, false]) {
      const { output } = await cli([], tty);
      expect(rawHostile(output)).toEqual([]);
      for (const [, shown] of HOSTILE) expect(output).toContain(shown);
      for (const line of output.split('\n')) expect(Buffer.byteLength(line)).toBeLessThan(4096 + 200);
      expect(output).toMatch(/…\[truncated 6\d,\d{3} bytes\]/);
    }
  });

  it('writes JSON that parses to the exact subject and JUnit with the subject escaped', async () => {
    const { output, stdout } = await cli(['--json', '--junit', 'junit.xml'], false);
    const junit = readFileSync(path.join(dir, 'junit.xml'), 'utf8');
    expect(rawHostile(output)).toEqual([]);
    expect(rawHostile(junit)).toEqual([]);
    expect(junit).toContain('\\u202e');
    const results = (JSON.parse(stdout) as { results: ProbeResult[] }).results;
    const hostile = results.find((r) => r.processor === 'hostile');
    expect(hostile?.tls?.serverCert?.subject).toContain(HOSTILE_CN);
    // --json keeps values whole: the 64 KB subject is all there.
    const big = results.find((r) => r.processor === 'big-subject');
    expect(big?.tls?.serverCert?.subject.length).toBe(64 * 1024 + 3);
  });
});
