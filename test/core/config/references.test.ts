/**
 * The one walker over config references (lambdas/core/config/references.ts): every field that holds a
 * reference, with its path and whether it is a credential, found where the schema accepts a reference and
 * nowhere else (request headers and bodies are text, whatever their names).
 */
import { parseConfig } from '../../../lambdas/core/config/load';
import { CREDENTIAL_FIELDS, configReferences, isSecretRef } from '../../../lambdas/core/config/references';

function processors(yaml: string) {
  return parseConfig(`processors:\n${yaml}`, '/etc/payprobe/payprobe.yaml').processors;
}

test('finds every reference with its field path, in the order of the config, credentials flagged', () => {
  const [bank] = processors(`
  - name: bank
    endpoint: { ssm: /payments/bank/endpoint }
    tls:
      servername: { env: BANK_SNI }
      ca: { file: certs/ca.pem }
      clientCert: { secretsManager: bank/cert }
      clientKey: { secretsManager: bank/key }
      clientKeyPassphrase: { ssm: /bank/passphrase }
      pins: { secretsManager: bank/pins }
      minVersion: { ssm: /bank/min-version }
    auth:
      request: { path: { ssm: /bank/health-path }, headers: { file: not-a-ref, env: HOME }, body: '{"env":"x"}' }
      credentials:
        type: oauth2-client-credentials
        tokenUrl: { ssm: /bank/token-url }
        clientId: { ssm: /bank/id }
        clientSecret: { secretsManager: bank/secret }
        scope: payments.read
`);
  expect(configReferences(bank ?? fail()).map((r) => [r.field, Object.keys(r.ref)[0], r.credential])).toEqual(
    [
      ['endpoint', 'ssm', false],
      ['tls.servername', 'env', false],
      ['tls.ca', 'file', false],
      ['tls.clientCert', 'secretsManager', false],
      ['tls.clientKey', 'secretsManager', true],
      ['tls.clientKeyPassphrase', 'ssm', true],
      ['tls.pins', 'secretsManager', false],
      ['tls.minVersion', 'ssm', false],
      ['auth.request.path', 'ssm', false],
      ['auth.credentials.tokenUrl', 'ssm', false],
      ['auth.credentials.clientId', 'ssm', false],
      ['auth.credentials.clientSecret', 'secretsManager', true],
    ],
  );
});

test.each([
  ['bearer', '{ type: bearer, token: { env: T } }', 'auth.credentials.token'],
  ['basic', '{ type: basic, username: { env: U }, password: { env: P } }', 'auth.credentials.password'],
  ['header', '{ type: header, name: X-Api-Key, value: { env: H } }', 'auth.credentials.value'],
])('the %s credential is the one credential field of its type', (_type, credentials, field) => {
  const [p] = processors(
    `  - { name: a, endpoint: https://a.example, auth: { credentials: ${credentials} } }\n`,
  );
  const refs = configReferences(p ?? fail());
  expect(refs.filter((r) => r.credential).map((r) => r.field)).toEqual([field]);
  expect(CREDENTIAL_FIELDS.has(field)).toBe(true);
});

test('plain values and a processor without references yield nothing', () => {
  const [p] = processors(
    '  - { name: a, endpoint: https://a.example, tls: { pins: ["sha256/' +
      'A'.repeat(43) +
      '="], minVersion: TLSv1.3 } }\n',
  );
  expect(configReferences(p ?? fail())).toEqual([]);
});

test('a reference is an object with exactly one source key holding a string', () => {
  expect(isSecretRef({ ssm: '/a' })).toBe(true);
  expect(isSecretRef({ file: 'ca.pem' })).toBe(true);
  expect(isSecretRef({ ssm: '/a', env: 'B' })).toBe(false);
  expect(isSecretRef({ ssm: 1 })).toBe(false);
  expect(isSecretRef({ path: '/a' })).toBe(false);
  expect(isSecretRef(['/a'])).toBe(false);
  expect(isSecretRef('/a')).toBe(false);
});

function fail(): never {
  throw new Error('no processor');
}
