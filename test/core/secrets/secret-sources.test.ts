/**
 * The CLI's secret sources: env, file (relative to the config file), Secrets Manager and SSM at the SDK
 * boundary (aws-sdk-client-mock). Each reference is read once per run; errors name the reference, never a value.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import {
  GetSecretValueCommand,
  ResourceNotFoundException,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { GetParameterCommand, ParameterNotFound, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { parseConfig } from '../../../lambdas/core/config/load';
import { SecretError } from '../../../lambdas/core/secrets/resolver';
import { awsSourcesUsed, credentialRefs, SecretSources } from '../../../lambdas/core/secrets/sources';

const sm = mockClient(SecretsManagerClient);
const ssm = mockClient(SSMClient);

beforeEach(() => {
  sm.reset();
  ssm.reset();
});

async function rejection(p: Promise<unknown>): Promise<SecretError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(SecretError);
    return err as SecretError;
  }
  throw new Error('expected a SecretError');
}

describe('Secrets Manager', () => {
  it('returns SecretString with its VersionId', async () => {
    sm.on(GetSecretValueCommand, { SecretId: 'payprobe/stripe/api-key' }).resolves({
      SecretString: 'sk_test_fromsm',
      VersionId: 'v-1111',
    });
    const sources = new SecretSources({ secretsManager: new SecretsManagerClient({ region: 'eu-west-1' }) });
    await expect(sources.resolve({ secretsManager: 'payprobe/stripe/api-key' }, '/x')).resolves.toEqual({
      value: 'sk_test_fromsm',
      version: 'v-1111',
    });
  });

  it('decodes SecretBinary', async () => {
    sm.on(GetSecretValueCommand).resolves({
      SecretBinary: new TextEncoder().encode('binary-secret'),
      VersionId: 'v2',
    });
    const sources = new SecretSources({ secretsManager: new SecretsManagerClient({ region: 'eu-west-1' }) });
    await expect(sources.resolve({ secretsManager: 'bin' }, '/x')).resolves.toEqual({
      value: 'binary-secret',
      version: 'v2',
    });
  });

  it('turns a missing secret into a SecretError naming the reference', async () => {
    sm.on(GetSecretValueCommand).rejects(
      new ResourceNotFoundException({
        message: "Secrets Manager can't find the specified secret.",
        $metadata: {},
      }),
    );
    const sources = new SecretSources({ secretsManager: new SecretsManagerClient({ region: 'eu-west-1' }) });
    const err = await rejection(sources.resolve({ secretsManager: 'payprobe/missing' }, '/x'));
    expect(err.message).toBe(
      'cannot read secretsManager payprobe/missing: not found (ResourceNotFoundException); check the name and the region',
    );
    expect(err.ref).toEqual({ secretsManager: 'payprobe/missing' });
  });

  it('reports access denied with the AWS error name', async () => {
    const denied = Object.assign(
      new Error('User is not authorized to perform: secretsmanager:GetSecretValue'),
      {
        name: 'AccessDeniedException',
      },
    );
    sm.on(GetSecretValueCommand).rejects(denied);
    const sources = new SecretSources({ secretsManager: new SecretsManagerClient({ region: 'eu-west-1' }) });
    const err = await rejection(sources.resolve({ secretsManager: 'payprobe/x' }, '/x'));
    expect(err.message).toMatch(
      /^cannot read secretsManager payprobe\/x: AccessDeniedException: User is not authorized/,
    );
  });

  it('rejects a secret with no value', async () => {
    sm.on(GetSecretValueCommand).resolves({ VersionId: 'v1' });
    const sources = new SecretSources({ secretsManager: new SecretsManagerClient({ region: 'eu-west-1' }) });
    const err = await rejection(sources.resolve({ secretsManager: 'empty' }, '/x'));
    expect(err.message).toBe('cannot read secretsManager empty: the secret has no value');
  });

  it('fails clearly when no client was given', async () => {
    const err = await rejection(new SecretSources({}).resolve({ secretsManager: 'a' }, '/x'));
    expect(err.message).toBe('cannot read secretsManager a: no Secrets Manager client configured');
  });
});

describe('SSM', () => {
  it('reads WithDecryption and returns the parameter Version', async () => {
    ssm
      .on(GetParameterCommand)
      .resolves({ Parameter: { Name: '/payprobe/paypal/client-id', Value: 'client-123', Version: 7 } });
    const sources = new SecretSources({ ssm: new SSMClient({ region: 'eu-west-1' }) });
    await expect(sources.resolve({ ssm: '/payprobe/paypal/client-id' }, '/x')).resolves.toEqual({
      value: 'client-123',
      version: '7',
    });
    expect(ssm).toHaveReceivedCommandWith(GetParameterCommand, {
      Name: '/payprobe/paypal/client-id',
      WithDecryption: true,
    });
  });

  it('turns a missing parameter into a SecretError naming the reference', async () => {
    ssm.on(GetParameterCommand).rejects(new ParameterNotFound({ message: '', $metadata: {} }));
    const sources = new SecretSources({ ssm: new SSMClient({ region: 'eu-west-1' }) });
    const err = await rejection(sources.resolve({ ssm: '/nope' }, '/x'));
    expect(err.message).toBe(
      'cannot read ssm /nope: not found (ParameterNotFound); check the name and the region',
    );
  });
});

describe('memoization (once per run)', () => {
  it('reads each reference once, even when requested concurrently', async () => {
    sm.on(GetSecretValueCommand).resolves({ SecretString: 'tok', VersionId: 'v1' });
    ssm.on(GetParameterCommand).resolves({ Parameter: { Value: 'p', Version: 1 } });
    const sources = new SecretSources({
      secretsManager: new SecretsManagerClient({ region: 'eu-west-1' }),
      ssm: new SSMClient({ region: 'eu-west-1' }),
    });
    await Promise.all([
      sources.resolve({ secretsManager: 'a' }, '/x'),
      sources.resolve({ secretsManager: 'a' }, '/y'),
      sources.resolve({ secretsManager: 'b' }, '/x'),
      sources.resolve({ ssm: '/p' }, '/x'),
    ]);
    await sources.resolve({ secretsManager: 'a' }, '/x');
    await sources.resolve({ ssm: '/p' }, '/x');
    expect(sm).toHaveReceivedCommandTimes(GetSecretValueCommand, 2);
    expect(ssm).toHaveReceivedCommandTimes(GetParameterCommand, 1);
  });

  it('reads again in a new run (a new instance)', async () => {
    sm.on(GetSecretValueCommand).resolves({ SecretString: 'tok' });
    const client = new SecretsManagerClient({ region: 'eu-west-1' });
    await new SecretSources({ secretsManager: client }).resolve({ secretsManager: 'a' }, '/x');
    await new SecretSources({ secretsManager: client }).resolve({ secretsManager: 'a' }, '/x');
    expect(sm).toHaveReceivedCommandTimes(GetSecretValueCommand, 2);
  });

  it('creates a lazily given client once, on first use only', async () => {
    sm.on(GetSecretValueCommand).resolves({ SecretString: 'tok' });
    const factory = jest.fn(() => new SecretsManagerClient({ region: 'eu-west-1' }));
    const sources = new SecretSources({ secretsManager: factory, env: { T: 'x' } });
    await sources.resolve({ env: 'T' }, '/x');
    expect(factory).not.toHaveBeenCalled();
    await Promise.all([
      sources.resolve({ secretsManager: 'a' }, '/x'),
      sources.resolve({ secretsManager: 'b' }, '/x'),
    ]);
    expect(factory).toHaveBeenCalledTimes(1);
  });

  it('peeks only at values already read, without reading', async () => {
    const sources = new SecretSources({ env: { T: 'value-t' } });
    expect(sources.peek({ env: 'T' }, '/x')).toBeUndefined();
    await sources.resolve({ env: 'T' }, '/x');
    expect(sources.peek({ env: 'T' }, '/x')).toBe('value-t');
  });
});

describe('env and file', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'payprobe-secrets-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('reads an environment variable', async () => {
    await expect(
      new SecretSources({ env: { API_KEY: 'abc123' } }).resolve({ env: 'API_KEY' }, dir),
    ).resolves.toEqual({
      value: 'abc123',
    });
  });

  it('names a missing or empty environment variable', async () => {
    const sources = new SecretSources({ env: { EMPTY: '' } });
    expect((await rejection(sources.resolve({ env: 'NOPE' }, dir))).message).toBe(
      'cannot read env NOPE: environment variable NOPE is not set',
    );
    expect((await rejection(sources.resolve({ env: 'EMPTY' }, dir))).message).toBe(
      'cannot read env EMPTY: environment variable EMPTY is empty',
    );
  });

  it('reads a file relative to the config directory and drops the final newline', async () => {
    writeFileSync(path.join(dir, 'token.txt'), 'file-token\n');
    await expect(new SecretSources().resolve({ file: 'token.txt' }, dir)).resolves.toEqual({
      value: 'file-token',
    });
  });

  it('keeps a PEM intact apart from trailing newlines', async () => {
    const pem = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----';
    writeFileSync(path.join(dir, 'ca.pem'), `${pem}\n\n`);
    await expect(new SecretSources().resolve({ file: 'ca.pem' }, dir)).resolves.toEqual({ value: pem });
  });

  it('names a missing file with its absolute path', async () => {
    const err = await rejection(new SecretSources().resolve({ file: 'certs/none.pem' }, dir));
    expect(err.message).toBe(
      `cannot read file certs/none.pem: no such file: ${path.join(dir, 'certs/none.pem')} (paths are relative to the config file's directory)`,
    );
  });

  it('never puts a value into an error', async () => {
    writeFileSync(path.join(dir, 'empty.txt'), '\n');
    sm.on(GetSecretValueCommand).rejects(new Error('boom'));
    const sources = new SecretSources({
      env: { A: 'hunter2-secret' },
      secretsManager: new SecretsManagerClient({ region: 'eu-west-1' }),
    });
    await sources.resolve({ env: 'A' }, dir);
    const errs = [
      await rejection(sources.resolve({ file: 'empty.txt' }, dir)),
      await rejection(sources.resolve({ secretsManager: 'x' }, dir)),
    ];
    for (const e of errs) expect(e.message).not.toContain('hunter2-secret');
  });
});

describe('which sources a config uses', () => {
  const cfg = (processors: string) =>
    parseConfig(`processors:\n${processors}`, '/c/payprobe.yaml').processors;

  it('finds Secrets Manager and SSM references anywhere, including value-or-reference fields', () => {
    expect(awsSourcesUsed(cfg('  - { name: a, endpoint: https://a.example }\n'))).toEqual({
      secretsManager: false,
      ssm: false,
    });
    expect(
      awsSourcesUsed(
        cfg(
          '  - { name: a, endpoint: https://a.example, auth: { credentials: { type: bearer, token: { secretsManager: s } } } }\n',
        ),
      ),
    ).toEqual({ secretsManager: true, ssm: false });
    expect(awsSourcesUsed(cfg('  - { name: a, endpoint: { ssm: /payments/url } }\n'))).toEqual({
      secretsManager: false,
      ssm: true,
    });
    expect(
      awsSourcesUsed(cfg('  - { name: a, endpoint: https://a.example, tls: { ca: { env: CA } } }\n')),
    ).toEqual({
      secretsManager: false,
      ssm: false,
    });
  });

  it('lists the credential references of each type', () => {
    const [bearer, basic, header, oauth, mtls] = cfg(
      [
        '  - { name: a, endpoint: https://a.example, auth: { credentials: { type: bearer, token: { env: T } } } }',
        '  - { name: b, endpoint: https://a.example, auth: { credentials: { type: basic, username: u, password: { env: P } } } }',
        '  - { name: c, endpoint: https://a.example, auth: { credentials: { type: header, name: X-Key, value: { env: H } } } }',
        '  - { name: d, endpoint: https://a.example, auth: { credentials: { type: oauth2-client-credentials, tokenUrl: /t, clientId: i, clientSecret: { env: S } } } }',
        '  - { name: e, endpoint: https://a.example, tls: { clientCert: { file: c.pem }, clientKey: { file: k.pem } } }',
        '',
      ].join('\n'),
    );
    expect([bearer, basic, header, oauth, mtls].map((p) => (p ? credentialRefs(p) : []))).toEqual([
      [{ env: 'T' }],
      [{ env: 'P' }],
      [{ env: 'H' }],
      [{ env: 'S' }],
      [{ file: 'k.pem' }],
    ]);
  });
});

describe('AWS setup problems', () => {
  it('says what to set when the region or credentials are missing', async () => {
    sm.on(GetSecretValueCommand).rejects(new Error('Region is missing'));
    ssm.on(GetParameterCommand).rejects(
      Object.assign(new Error('Could not load credentials from any providers'), {
        name: 'CredentialsProviderError',
      }),
    );
    const sources = new SecretSources({
      secretsManager: new SecretsManagerClient({ region: 'eu-west-1' }),
      ssm: new SSMClient({ region: 'eu-west-1' }),
    });
    expect((await rejection(sources.resolve({ secretsManager: 'a' }, '/x'))).message).toBe(
      'cannot read secretsManager a: no AWS region: set AWS_REGION (or a region in your AWS profile)',
    );
    expect((await rejection(sources.resolve({ ssm: '/a' }, '/x'))).message).toBe(
      'cannot read ssm /a: no AWS credentials (Could not load credentials from any providers): set AWS_PROFILE or the standard AWS credential variables',
    );
  });
});
