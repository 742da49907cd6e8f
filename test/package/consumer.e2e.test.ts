/**
 * payprobe as a user gets it: `npm pack` of dist/ (built by the e2e run's global setup, as `prepare` builds it
 * for `npm pack` and `npm publish`), then a scratch CDK app with
 * its own aws-cdk-lib and constructs installs it offline from the npm cache, once from the tarball and once
 * linked (`file:` the repository), type-checks with tsc (NodeNext, as `cdk init` sets it up), and
 * synthesizes three stacks with plain Node (no esbuild, no TypeScript at synth): a config written inline
 * with defineConfig paging through the app's own topics, the starter config `payprobe init --preset stripe`
 * writes, and a config whose processor has a `{ file }` CA bundle. The templates must have the functions,
 * alarms and topics; the assets the prebuilt handler with the CA beside it. The tarball's own file list is
 * asserted too. Part of the e2e run (`npm run test:e2e`): packing and two installs take minutes.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { REPO } from '../support/paths';
import { installOffline, type PayProbeSource, writeScratchApp } from '../support/scratch-app';

const MINUTES = 60_000;
const work = mkdtempSync(path.join(tmpdir(), 'payprobe-consumer-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

interface Packed {
  readonly filename: string;
  readonly size: number;
  readonly entryCount: number;
  readonly files: { path: string; size: number }[];
}
let packed: Packed;

beforeAll(() => {
  // dist/ is fresh (test/support/build-dist.ts): packed as it is, without building it a second time.
  const out = execFileSync('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', work], {
    cwd: REPO,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 10 * MINUTES,
  });
  packed = (JSON.parse(out.slice(out.indexOf('['))) as Packed[])[0] as Packed;
}, 11 * MINUTES);

test('the tarball: compiled library with declarations, prebuilt handlers, the CLI, the schema; no tests, bench, CI or TypeScript sources', () => {
  const files = packed.files.map((f) => f.path);
  expect(files).toEqual(
    expect.arrayContaining([
      'package.json',
      'README.md',
      'dist/lib/index.js',
      'dist/lib/index.d.ts',
      'dist/lambdas/core/config/api.js',
      'dist/lambdas/core/config/api.d.ts',
      'dist/handlers/probe/index.js',
      'dist/handlers/diagnose/index.js',
      'dist/handlers/preflight/index.js',
      'dist/cli/payprobe.mjs',
      'schema/payprobe.schema.json',
      'docs/contracts.md',
    ]),
  );
  const outside = files.filter(
    (f) =>
      /^(test|bench|\.ci|scripts|testbed|bin|cli|lib|lambdas|examples)\//.test(f) ||
      (f.endsWith('.ts') && !f.endsWith('.d.ts')),
  );
  expect(outside).toEqual([]);
  // For the report: size and file count of what users download.
  process.stdout.write(`packed ${packed.filename}: ${packed.size} bytes, ${packed.entryCount} files\n`);
});

/** The scratch app's sources: three stacks from the three ways of giving payprobe a config. */
const APP = `import { App, Stack } from 'aws-cdk-lib';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { loadConfigFile, PayProbe } from 'payprobe';
import { defineConfig } from 'payprobe/config';

const app = new App();
const env = { account: '111122223333', region: 'eu-west-1' };

// A config written in TypeScript, paging through the app's own topics.
const inline = new Stack(app, 'Inline', { env });
new PayProbe(inline, 'PayProbe', {
  config: defineConfig({
    processors: [
      {
        name: 'inline-pay',
        preset: 'stripe',
        auth: { credentials: { type: 'bearer', token: { secretsManager: 'payprobe/inline-pay/api-key' } } },
      },
    ],
  }),
  criticalTopic: new Topic(inline, 'Pager'),
  warningTopic: new Topic(inline, 'Chat'),
});

// What \`npx payprobe init --preset stripe\` wrote.
new PayProbe(new Stack(app, 'Starter', { env }), 'PayProbe', { config: loadConfigFile('payprobe.yaml') });

// A processor with a CA bundle from a file, bundled next to the handler.
new PayProbe(new Stack(app, 'Files', { env }), 'PayProbe', { config: loadConfigFile('files.yaml') });

app.synth();
`;

const TSCONFIG = {
  compilerOptions: {
    // As \`cdk init app --language typescript\` writes it.
    target: 'ES2022',
    module: 'NodeNext',
    moduleResolution: 'NodeNext',
    lib: ['es2022'],
    strict: true,
    skipLibCheck: true,
    types: ['node'],
    outDir: 'out',
  },
  files: ['app.ts', 'readme.ts'],
};

/** The README's "Use it in your CDK app" TypeScript, as printed there. */
function readmeApp(): string {
  const readme = readFileSync(path.join(REPO, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Use it in your CDK app'));
  const block = /```ts\n([\s\S]*?)```/.exec(section)?.[1];
  if (!block) throw new Error('README: no TypeScript under "Use it in your CDK app"');
  return `${block}app.synth();\n`;
}

interface Template {
  Resources: Record<string, { Type: string; Properties: Record<string, unknown> }>;
}

function resourcesOf(template: Template, type: string) {
  return Object.entries(template.Resources).filter(([, r]) => r.Type === type);
}

const payprobeFunctions = (t: Template) =>
  resourcesOf(t, 'AWS::Lambda::Function').filter(([, r]) =>
    String(r.Properties.Description).startsWith('payprobe:'),
  );
const alarmNames = (t: Template) =>
  resourcesOf(t, 'AWS::CloudWatch::Alarm').map(([, r]) => String(r.Properties.AlarmName));

describe.each<[string, (dir: string) => PayProbeSource]>([
  ['installed from the tarball', () => ({ tarball: path.join(work, packed.filename) })],
  ['linked (file:) to the repository', () => ({ link: REPO })],
])('a CDK app with payprobe %s', (_, source) => {
  let dir: string;
  const templates: Record<string, Template> = {};
  let outdir: string;

  beforeAll(() => {
    dir = mkdtempSync(path.join(work, 'app-'));
    writeScratchApp(dir, source(dir));
    installOffline(dir);
  }, 6 * MINUTES);

  const payprobe = (args: string[], env: NodeJS.ProcessEnv = {}) =>
    spawnSync(
      process.execPath,
      [path.join(dir, 'node_modules', 'payprobe', 'dist', 'cli', 'payprobe.mjs'), ...args],
      {
        cwd: dir,
        encoding: 'utf8',
        env: { PATH: process.env.PATH ?? '', ...env },
        timeout: 2 * MINUTES,
      },
    );

  test(
    'npx payprobe init --preset stripe writes a config that check and audit load without a config error',
    () => {
      expect(payprobe(['--version']).stdout.trim()).toBe(
        (JSON.parse(readFileSync(path.join(REPO, 'package.json'), 'utf8')) as { version: string }).version,
      );
      const init = payprobe(['init', '--preset', 'stripe']);
      expect({ status: init.status, stderr: init.stderr }).toEqual({
        status: 0,
        stderr: expect.stringContaining('wrote payprobe.yaml'),
      });
      const written = readFileSync(path.join(dir, 'payprobe.yaml'), 'utf8');
      // The schema line names the installed package's schema, relative to the config.
      expect(written.split('\n')[0]).toBe(
        '# yaml-language-server: $schema=./node_modules/payprobe/schema/payprobe.schema.json',
      );
      // Never overwritten without --force.
      expect(payprobe(['init']).status).toBe(2);

      // The secret cannot be read here (an AWS endpoint that refuses): a CONFIG_ERROR result, exit 1, not 2.
      const aws = {
        AWS_REGION: 'eu-west-1',
        AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE',
        AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
        AWS_ENDPOINT_URL: 'http://127.0.0.1:9',
        AWS_EC2_METADATA_DISABLED: 'true',
      };
      const check = payprobe(['check', '--json'], aws);
      expect(check.stderr).not.toMatch(/invalid config|cannot read payprobe/);
      expect(check.status).toBe(1);
      expect(JSON.parse(check.stdout)).toMatchObject({
        tool: { name: 'payprobe' },
        results: [{ processor: 'stripe', class: 'CONFIG_ERROR' }],
      });
      const audit = payprobe(['audit', '--json'], aws);
      expect(audit.stderr).not.toMatch(/invalid config/);
      expect([0, 1]).toContain(audit.status);
    },
    5 * MINUTES,
  );

  test(
    'tsc type-checks the app and the README’s: the app’s own Topic is an ITopic, defineConfig types the config',
    () => {
      writeFileSync(path.join(dir, 'app.ts'), APP);
      writeFileSync(path.join(dir, 'readme.ts'), readmeApp());
      writeFileSync(path.join(dir, 'tsconfig.json'), JSON.stringify(TSCONFIG, null, 2));
      cpSync(path.join(REPO, 'test', 'lib', 'fixtures', 'two-processors.yaml'), path.join(dir, 'files.yaml'));
      cpSync(path.join(REPO, 'test', 'lib', 'fixtures', 'certs'), path.join(dir, 'certs'), {
        recursive: true,
      });
      const tsc = spawnSync(
        process.execPath,
        [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.json'],
        {
          cwd: dir,
          encoding: 'utf8',
          timeout: 5 * MINUTES,
        },
      );
      expect(tsc.stdout + tsc.stderr).toBe('');
      expect(tsc.status).toBe(0);
    },
    6 * MINUTES,
  );

  test(
    'plain Node synthesizes it: functions, alarms and topics, from the prebuilt handlers',
    () => {
      outdir = path.join(dir, 'cdk.out');
      const synth = spawnSync(process.execPath, [path.join(dir, 'out', 'app.js')], {
        cwd: dir,
        encoding: 'utf8',
        env: { PATH: process.env.PATH ?? '', CDK_OUTDIR: outdir },
        timeout: 5 * MINUTES,
      });
      expect(synth.status).toBe(0);
      for (const stack of ['Inline', 'Starter', 'Files']) {
        templates[stack] = JSON.parse(
          readFileSync(path.join(outdir, `${stack}.template.json`), 'utf8'),
        ) as Template;
      }
      const inline = templates.Inline as Template;
      // The probe and the diagnose function; the app's two topics and none of payprobe's own.
      expect(payprobeFunctions(inline)).toHaveLength(2);
      const topics = resourcesOf(inline, 'AWS::SNS::Topic').map(([id]) => id);
      expect(topics).toEqual([expect.stringMatching(/^Pager/), expect.stringMatching(/^Chat/)]);
      const handshake = resourcesOf(inline, 'AWS::CloudWatch::Alarm').find(
        ([, r]) => r.Properties.AlarmName === 'PayProbe-inline-pay-HandshakeFailing',
      );
      // The diagnose function pages the app's pager (no action on the alarm); its fallbacks go there directly.
      expect(handshake?.[1].Properties.AlarmActions).toBeUndefined();
      const fallback = resourcesOf(inline, 'AWS::Lambda::EventInvokeConfig').find(
        ([, r]) => r.Properties.DestinationConfig !== undefined,
      );
      expect(fallback?.[1].Properties.DestinationConfig).toEqual({
        OnFailure: { Destination: { Ref: topics[0] } },
      });

      const starter = templates.Starter as Template;
      expect(payprobeFunctions(starter)).toHaveLength(2);
      expect(resourcesOf(starter, 'AWS::SNS::Topic')).toHaveLength(2);
      expect(alarmNames(starter)).toEqual(
        expect.arrayContaining(['PayProbe-stripe-HandshakeFailing', 'PayProbe-stripe-ProbeNotRunning']),
      );
      expect(payprobeFunctions(templates.Files as Template)).toHaveLength(3);
    },
    6 * MINUTES,
  );

  test('each function’s asset is the prebuilt handler, with the processor’s CA bundle beside it', () => {
    const files = templates.Files as Template;
    const acme = payprobeFunctions(files).find(([, r]) =>
      JSON.stringify(r.Properties.Environment).includes('acme-pay'),
    );
    const key = String((acme?.[1].Properties.Code as { S3Key?: string } | undefined)?.S3Key);
    const asset = path.join(outdir, `asset.${key.replace(/\.zip$/, '')}`);
    const installed = path.join(dir, 'node_modules', 'payprobe', 'dist', 'handlers', 'probe', 'index.js');
    expect(readFileSync(path.join(asset, 'index.js')).equals(readFileSync(installed))).toBe(true);
    expect(readFileSync(path.join(asset, 'certs', 'ca.pem'), 'utf8')).toBe(
      readFileSync(path.join(REPO, 'test', 'lib', 'fixtures', 'certs', 'ca.pem'), 'utf8'),
    );
    // Nothing of esbuild was needed: the installed package cannot even find it.
    if ('tarball' in source(dir)) {
      expect(() => require.resolve('esbuild', { paths: [path.dirname(installed)] })).toThrow();
    }
  });
});
