/**
 * The world an incident replay changes: a fleet of loopback payment processors (testbed servers behind
 * fixed switchboard ports, ../switchboard.ts) and the integration settings the probes read from the emulator
 * (the gateway's CA bundle in SSM, one API key per processor in Secrets Manager).
 *
 * - `ReplayFleet` lives for a whole test file: its ports are synthesized into the stack. Every processor
 *   trusts the gateway CA bundle from one SSM parameter (GATEWAY_CA_PARAMETER: the setting every
 *   processor references, the seed incident's) and authenticates with a bearer token from its own secret.
 *   `reset()` gives every processor a fresh token and a healthy backend before each replay.
 * - `ReplayWorld` is one replay's handle on both sides: the steps of a scenario call it (change a
 *   parameter, rotate a credential, let a processor serve an expired certificate).
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  CreateSecretCommand,
  PutSecretValueCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { DynamoDb } from '../../lambdas/glue/dynamodb';
import { createPki } from '../pki';
import { type SimKind, type SimulatedProcessor, Testbed } from '../servers';
import { type Switchboard, startSwitchboard } from '../switchboard';
import type { MotoClientConfig } from './moto';
import type { StackParameter, StackTable } from './stack-functions';

/** The SSM parameter with the gateway's CA bundle: every processor of the fleet references it. */
export const GATEWAY_CA_PARAMETER = '/payprobe/gateway/ca-bundle';

/** The payprobe command of this checkout: Node arguments that run its TypeScript sources through tsx. */
const PAYPROBE_CLI = [
  '--import',
  pathToFileURL(require.resolve('tsx')).href,
  path.join(__dirname, '..', '..', 'cli', 'payprobe.ts'),
];

/** One run of the payprobe CLI during a replay. */
export interface CliRun {
  readonly args: readonly string[];
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * The fleet's LatencyHigh budget: far above anything a loopback probe takes even on a loaded machine, so
 * the alarm's state does not depend on real time (a cold start under load once took over 2 s).
 */
export const REPLAY_LATENCY_BUDGET_MS = 30_000;

/** The Secrets Manager secret with a processor's API key. */
export function apiKeySecret(processor: string): string {
  return `payprobe/${processor}/api-key`;
}

/** A processor of the fleet: its fixed endpoint and the API key it accepts now. */
export interface FleetProcessor {
  readonly name: string;
  readonly switchboard: Switchboard;
  /** The token the processor's backends accept (and its secret holds, once the world is seeded). */
  token: string;
  /** The backend kind connections go to now. */
  kind: SimKind;
}

export class ReplayFleet {
  /** Every token handed out: no page and no log line may contain one. */
  readonly issuedSecrets: string[] = [];
  private readonly byName = new Map<string, FleetProcessor>();
  private backends = new Map<string, Promise<SimulatedProcessor>>();

  private constructor(
    private readonly bed: Testbed,
    /** The root the gateway trusts (the fleet's servers chain to it), PEM. */
    readonly gatewayCa: string,
    /** The root of another PKI, as a sandbox CA bundle put in place by mistake, PEM. */
    readonly sandboxCa: string,
  ) {}

  static async start(names: readonly string[]): Promise<ReplayFleet> {
    const [bed, sandbox] = await Promise.all([Testbed.start(), createPki({ name: 'sandbox-gateway' })]);
    const fleet = new ReplayFleet(bed, bed.pki.caPem, sandbox.caPem);
    for (const name of names) {
      const token = fleet.newToken();
      const backend = await fleet.backend('healthy', token);
      const switchboard = await startSwitchboard({ port: backend.port });
      fleet.byName.set(name, { name, switchboard, token, kind: 'healthy' });
    }
    return fleet;
  }

  get processors(): readonly FleetProcessor[] {
    return [...this.byName.values()];
  }

  processor(name: string): FleetProcessor {
    const p = this.byName.get(name);
    if (!p)
      throw new Error(`no processor ${name} in the replay fleet (${[...this.byName.keys()].join(', ')})`);
    return p;
  }

  /** The payprobe config of the fleet (YAML): what the stack is synthesized from. */
  configYaml(): string {
    return [
      '# Written by testbed/aws/replay-world.ts: the replay fleet, every processor on a loopback switchboard.',
      'defaults:',
      '  intervalSeconds: 60',
      `  tls: { ca: { ssm: ${GATEWAY_CA_PARAMETER} } }`,
      '  # Real loopback timings on a busy CI machine must not move LatencyHigh: no replay is about latency.',
      `  alarms: { latencyBudgetMs: ${REPLAY_LATENCY_BUDGET_MS} }`,
      'processors:',
      ...this.processors.flatMap((p) => [
        `  - name: ${p.name}`,
        `    endpoint: ${p.switchboard.url}`,
        '    auth:',
        '      request: { path: /v1/balance }',
        `      credentials: { type: bearer, token: { secretsManager: ${apiKeySecret(p.name)} } }`,
      ]),
      '',
    ].join('\n');
  }

  /** The value each setting holds before a replay starts, by Secrets Manager id or SSM name. */
  initialValues(): { secrets: Map<string, string>; parameters: Map<string, string> } {
    return {
      secrets: new Map(this.processors.map((p) => [apiKeySecret(p.name), p.token])),
      parameters: new Map([[GATEWAY_CA_PARAMETER, this.gatewayCa]]),
    };
  }

  /** Before a replay: every processor healthy, with a fresh token; backends of earlier replays closed. */
  async reset(): Promise<void> {
    const old = this.backends;
    this.backends = new Map();
    for (const p of this.processors) {
      p.token = this.newToken();
      await this.serve(p.name, 'healthy');
    }
    await Promise.all([...old.values()].map(async (b) => (await b).close()));
  }

  /** New connections to the processor reach a backend of `kind` that accepts its current token. */
  async serve(name: string, kind: SimKind): Promise<void> {
    const p = this.processor(name);
    const backend = await this.backend(kind, p.token);
    p.switchboard.route({ port: backend.port });
    p.kind = kind;
  }

  /** The processor now accepts only a new token (the old one is revoked); returns it. */
  async rotateToken(name: string): Promise<string> {
    const p = this.processor(name);
    p.token = this.newToken();
    await this.serve(name, p.kind);
    return p.token;
  }

  async close(): Promise<void> {
    await Promise.all(this.processors.map((p) => p.switchboard.close()));
    await this.bed.close();
  }

  private backend(kind: SimKind, token: string): Promise<SimulatedProcessor> {
    const key = `${kind}/${token}`;
    let b = this.backends.get(key);
    if (!b) {
      b = this.bed.start(kind, { credentials: { type: 'bearer', token } });
      this.backends.set(key, b);
    }
    return b;
  }

  private newToken(): string {
    const token = `sk_live_e2e_${randomBytes(12).toString('hex')}`;
    this.issuedSecrets.push(token);
    return token;
  }
}

/** One replay's changes to the world, on both sides: the emulator's settings and the fleet's endpoints. */
export class ReplayWorld {
  /** Every CLI run, in order. */
  readonly cliRuns: CliRun[] = [];
  private readonly ssm: SSMClient;
  private readonly secretsManager: SecretsManagerClient;

  constructor(
    readonly fleet: ReplayFleet,
    private readonly aws: { clientConfig: MotoClientConfig; env: Readonly<Record<string, string>> },
    /** The fleet's config file (what the stack was synthesized from). */
    readonly configFile: string,
  ) {
    this.ssm = new SSMClient(aws.clientConfig);
    this.secretsManager = new SecretsManagerClient(aws.clientConfig);
  }

  /** Creates the secrets and parameters the stack's functions may read, with the fleet's initial values. */
  async seed(grants: {
    secrets: Iterable<string>;
    parameters: Iterable<string>;
    /** The stack's DynamoDB tables (the history table), created empty as CloudFormation would. */
    tables?: Iterable<StackTable>;
    /** The SSM parameters the stack creates (the live audit's state), with their template values. */
    stackParameters?: Iterable<StackParameter>;
  }): Promise<void> {
    const dynamo = new DynamoDb({ env: { ...this.aws.env }, credentials: this.aws.clientConfig.credentials });
    for (const t of grants.tables ?? []) {
      await dynamo.call('CreateTable', {
        TableName: t.name,
        KeySchema: t.keySchema,
        AttributeDefinitions: t.attributeDefinitions,
        BillingMode: 'PAY_PER_REQUEST',
      });
    }
    const initial = this.fleet.initialValues();
    for (const id of new Set(grants.secrets)) {
      const value = initial.secrets.get(id);
      if (value === undefined) throw new Error(`the replay world has no value for secret ${id}`);
      await this.secretsManager.send(new CreateSecretCommand({ Name: id, SecretString: value }));
    }
    const owned = new Set<string>();
    for (const p of grants.stackParameters ?? []) {
      await this.setParameter(p.name, p.value);
      owned.add(p.name.replace(/^\//, ''));
    }
    for (const arnName of new Set(grants.parameters)) {
      if (owned.has(arnName)) continue;
      const name = [...initial.parameters.keys()].find((n) => n.replace(/^\//, '') === arnName);
      if (name === undefined) throw new Error(`the replay world has no value for parameter ${arnName}`);
      await this.setParameter(name, initial.parameters.get(name) as string);
    }
  }

  /** PutParameter with Overwrite: a new version of the parameter. */
  async setParameter(name: string, value: string): Promise<void> {
    await this.ssm.send(
      new PutParameterCommand({ Name: name, Value: value, Type: 'String', Overwrite: true }),
    );
  }

  /** PutSecretValue: a new version of the secret (AWSCURRENT). */
  async putSecret(id: string, value: string): Promise<void> {
    await this.secretsManager.send(new PutSecretValueCommand({ SecretId: id, SecretString: value }));
  }

  /** A credential rotation as it happens: the processor accepts only the new key, the secret holds it. */
  async rotateCredential(processor: string): Promise<void> {
    const token = await this.fleet.rotateToken(processor);
    await this.putSecret(apiKeySecret(processor), token);
  }

  /**
   * Runs `payprobe ARGS` as an operator would, with the emulator as its AWS (it reads the same secrets and
   * parameters); `{config}` in an argument stands for the fleet's config file.
   */
  cli(args: readonly string[]): Promise<CliRun> {
    const argv = args.map((a) => a.replace('{config}', this.configFile));
    return new Promise((resolve) => {
      execFile(
        process.execPath,
        [...PAYPROBE_CLI, ...argv],
        {
          env: {
            PATH: process.env.PATH ?? '',
            ...this.aws.env,
            AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
          },
          timeout: 60_000,
        },
        (error, stdout, stderr) => {
          const code = (error as { code?: unknown } | null)?.code;
          const run = {
            args: argv,
            exitCode: typeof code === 'number' ? code : error ? 1 : 0,
            stdout,
            stderr,
          };
          this.cliRuns.push(run);
          resolve(run);
        },
      );
    });
  }

  destroy(): void {
    this.ssm.destroy();
    this.secretsManager.destroy();
  }
}
