/**
 * Rule cases for the endpoint and TLS rules: https, verification, versions, ciphers, pins and
 * referenced values.
 * Each case: a config that fires the rule (naming `field`) and a close variant that stays quiet.
 */

import { SecretSources } from '../../../../lambdas/core/secrets/sources';
import { type Case, fx, load, PIN_A, PIN_B, p0, patched, stripe, withSecrets } from '../fixtures';

export const ENDPOINT_TLS_CASES: Case[] = [
  {
    name: 'a plain-HTTP endpoint',
    rule: 'endpoint-not-https',
    field: 'processors[0].endpoint',
    fires: () => ({ config: load((c) => (p0(c).endpoint = 'http://api.acme.example')) }),
    quiet: () => ({ config: load() }),
  },
  {
    name: 'a plain-HTTP OAuth token URL',
    rule: 'endpoint-not-https',
    field: 'processors[0].auth.credentials.tokenUrl',
    fires: () => ({
      config: load((c) => {
        p0(c).auth = {
          credentials: {
            type: 'oauth2-client-credentials',
            tokenUrl: 'http://auth.acme.example/token',
            clientId: 'id',
            clientSecret: { secretsManager: 'acme/secret' },
          },
        };
      }),
    }),
    quiet: () => ({
      config: load((c) => {
        p0(c).auth = {
          credentials: {
            type: 'oauth2-client-credentials',
            tokenUrl: '/oauth/token',
            clientId: 'id',
            clientSecret: { secretsManager: 'acme/secret' },
          },
        };
      }),
    }),
  },
  {
    name: 'an endpoint read from SSM that turns out to be plain HTTP',
    rule: 'endpoint-not-https',
    field: 'processors[0].endpoint',
    fires: () =>
      withSecrets((c) => {
        p0(c).endpoint = { ssm: '/payments/acme/url' };
        return { 'ssm /payments/acme/url': 'http://api.acme.example\n' };
      }),
    quiet: () =>
      withSecrets((c) => {
        p0(c).endpoint = { ssm: '/payments/acme/url' };
        return { 'ssm /payments/acme/url': 'https://api.acme.example' };
      }),
  },
  {
    name: 'certificate verification disabled on the processor',
    rule: 'tls-verify-disabled',
    field: 'processors[0].tls.verify',
    fires: () => ({ config: load((c) => (p0(c).tls = { verify: false })) }),
    quiet: () => ({ config: load((c) => (p0(c).tls = { verify: true })) }),
  },
  {
    name: 'certificate verification disabled in defaults (the finding names the defaults field)',
    rule: 'tls-verify-disabled',
    field: 'defaults.tls.verify',
    fires: () => ({ config: load((c) => (c.defaults = { tls: { verify: false } })) }),
    quiet: () => ({ config: load((c) => (c.defaults = { tls: { verify: true } })) }),
  },
  {
    name: 'revocation checks off for a production processor',
    rule: 'tls-revocation-off',
    field: 'processors[0].tls.revocation',
    fires: () => ({ config: load((c) => (p0(c).tls = { revocation: 'off' })) }),
    quiet: () => ({ config: load((c) => (p0(c).tls = { revocation: 'stapled' })) }),
  },
  {
    name: 'revocation checks off in defaults for a production processor (the finding names the defaults field)',
    rule: 'tls-revocation-off',
    field: 'defaults.tls.revocation',
    fires: () => ({ config: load((c) => (c.defaults = { tls: { revocation: 'off' } })) }),
    quiet: () => ({
      config: load((c) => {
        c.defaults = { tls: { revocation: 'off' } };
        p0(c).environment = 'sandbox';
        p0(c).endpoint = 'https://api.sandbox.acme.example';
      }),
    }),
  },
  {
    name: 'a minimum TLS version of 1.1',
    rule: 'tls-min-version-too-low',
    field: 'processors[0].tls.minVersion',
    fires: () => ({ config: load((c) => (p0(c).tls = { minVersion: 'TLSv1.1' })) }),
    quiet: () => ({ config: load((c) => (p0(c).tls = { minVersion: 'TLSv1.3' })) }),
  },
  {
    name: 'a minimum TLS version read from an { env } reference that holds TLSv1.1',
    rule: 'tls-min-version-too-low',
    field: 'processors[0].tls.minVersion',
    fires: () => ({
      config: load((c) => (p0(c).tls = { minVersion: { env: 'ACME_TLS_MIN' } })),
      options: { secrets: new SecretSources({ env: { ACME_TLS_MIN: 'TLSv1.1\n' } }), deployed: false },
    }),
    quiet: () => ({
      config: load((c) => (p0(c).tls = { minVersion: { env: 'ACME_TLS_MIN' } })),
      options: { secrets: new SecretSources({ env: { ACME_TLS_MIN: 'TLSv1.2' } }), deployed: false },
    }),
  },
  {
    name: 'weak suites in a cipher list read from SSM',
    rule: 'weak-ciphers',
    field: 'processors[0].tls.ciphers',
    fires: () =>
      withSecrets((c) => {
        p0(c).tls = { ciphers: { ssm: '/payments/acme/ciphers' } };
        return { 'ssm /payments/acme/ciphers': 'ECDHE-RSA-AES128-GCM-SHA256:DES-CBC3-SHA' };
      }),
    quiet: () =>
      withSecrets((c) => {
        p0(c).tls = { ciphers: { ssm: '/payments/acme/ciphers' } };
        return { 'ssm /payments/acme/ciphers': 'ECDHE-RSA-AES128-GCM-SHA256:!3DES' };
      }),
  },
  {
    name: 'a single pin read from SSM (no backup)',
    rule: 'pin-without-backup',
    field: 'processors[0].tls.pins',
    fires: () =>
      withSecrets((c) => {
        p0(c).tls = { pins: { ssm: '/payments/acme/pins' } };
        return { 'ssm /payments/acme/pins': `${PIN_A}\n` };
      }),
    quiet: () =>
      withSecrets((c) => {
        p0(c).tls = { pins: { ssm: '/payments/acme/pins' } };
        return { 'ssm /payments/acme/pins': `${PIN_A},\n${PIN_B}` };
      }),
  },
  {
    name: 'a referenced minimum TLS version that is not a TLS version',
    rule: 'referenced-value-invalid',
    field: 'processors[0].tls.minVersion',
    fires: () =>
      withSecrets((c) => {
        p0(c).tls = { minVersion: { ssm: '/payments/acme/tls-min' } };
        return { 'ssm /payments/acme/tls-min': 'TLSv9' };
      }),
    quiet: () =>
      withSecrets((c) => {
        p0(c).tls = { minVersion: { ssm: '/payments/acme/tls-min' } };
        return { 'ssm /payments/acme/tls-min': 'TLSv1.3' };
      }),
  },
  {
    name: 'a referenced pin list with a malformed entry',
    rule: 'referenced-value-invalid',
    field: 'processors[0].tls.pins',
    fires: () =>
      withSecrets((c) => {
        p0(c).tls = { pins: { ssm: '/payments/acme/pins' } };
        return { 'ssm /payments/acme/pins': `${PIN_A},sha256/short=` };
      }),
    quiet: () =>
      withSecrets((c) => {
        p0(c).tls = { pins: { ssm: '/payments/acme/pins' } };
        return { 'ssm /payments/acme/pins': `${PIN_A},${PIN_B}` };
      }),
  },
  {
    name: 'an OAuth token URL read from SSM that is plain HTTP',
    rule: 'endpoint-not-https',
    field: 'processors[0].auth.credentials.tokenUrl',
    fires: () =>
      withSecrets((c) => {
        p0(c).auth = {
          request: { path: '/v1/ping' },
          credentials: {
            type: 'oauth2-client-credentials',
            tokenUrl: { ssm: '/payments/acme/token-url' },
            clientId: 'id',
            clientSecret: { secretsManager: 'acme/secret' },
          },
        };
        return { 'ssm /payments/acme/token-url': 'http://auth.acme.example/token' };
      }),
    quiet: () =>
      withSecrets((c) => {
        p0(c).auth = {
          request: { path: '/v1/ping' },
          credentials: {
            type: 'oauth2-client-credentials',
            tokenUrl: { ssm: '/payments/acme/token-url' },
            clientId: 'id',
            clientSecret: { secretsManager: 'acme/secret' },
          },
        };
        return { 'ssm /payments/acme/token-url': 'https://auth.acme.example/token' };
      }),
  },
  {
    name: 'a maximum TLS version of 1.1',
    rule: 'tls-max-version-too-low',
    field: 'processors[0].tls.maxVersion',
    fires: () => ({ config: load((c) => (p0(c).tls = { minVersion: 'TLSv1', maxVersion: 'TLSv1.1' })) }),
    quiet: () => ({ config: load((c) => (p0(c).tls = { maxVersion: 'TLSv1.2' })) }),
  },
  {
    name: 'a minimum version above the maximum (the loader rejects it; a config built by other code)',
    rule: 'tls-version-range-empty',
    field: 'processors[0].tls.maxVersion',
    fires: () => ({
      config: patched((cfg) => ({
        ...cfg,
        processors: cfg.processors.map((p) => ({
          ...p,
          tls: { ...p.tls, minVersion: 'TLSv1.3' as const, maxVersion: 'TLSv1.2' as const },
        })),
      })),
    }),
    quiet: () => ({ config: load((c) => (p0(c).tls = { minVersion: 'TLSv1.2', maxVersion: 'TLSv1.3' })) }),
  },
  {
    name: 'an RC4 suite in the cipher list',
    rule: 'weak-ciphers',
    field: 'processors[0].tls.ciphers',
    fires: () => ({ config: load((c) => (p0(c).tls = { ciphers: 'ECDHE-RSA-AES128-GCM-SHA256:RC4-SHA' })) }),
    quiet: () => ({ config: load((c) => (p0(c).tls = { ciphers: 'HIGH:!aNULL:!MD5:!RC4:!3DES' })) }),
  },
  {
    name: 'a single pin',
    rule: 'pin-without-backup',
    field: 'processors[0].tls.pins',
    fires: () => ({ config: load((c) => (p0(c).tls = { pins: [fx.good.pin] })) }),
    quiet: () => ({ config: load((c) => (p0(c).tls = { pins: [fx.good.pin, fx.other.pin] })) }),
  },
  {
    name: 'pins on a Stripe preset',
    rule: 'pinning-discouraged',
    field: 'processors[0].tls.pins',
    fires: () =>
      withSecrets((c) => {
        c.processors[0] = { ...stripe(), tls: { pins: [fx.good.pin, fx.other.pin] } };
        return { 'secretsManager stripe/key': 'sk_live_0123456789abcdef' };
      }),
    quiet: () => ({ config: load((c) => (p0(c).tls = { pins: [fx.good.pin, fx.other.pin] })) }),
  },
  {
    name: 'pins on an Authorize.net endpoint without a preset',
    rule: 'pinning-discouraged',
    field: 'processors[0].tls.pins',
    fires: () => ({
      config: load((c) => {
        p0(c).endpoint = 'https://api.authorize.net';
        p0(c).tls = { pins: [fx.good.pin, fx.other.pin] };
      }),
    }),
    quiet: () => ({ config: load((c) => (p0(c).endpoint = 'https://api.authorize.net')) }),
  },
  {
    name: 'proxy credentials sent to a plain http:// proxy',
    rule: 'proxy-credentials-plaintext',
    field: 'processors[0].proxy.credentials',
    fires: () => ({
      config: load(
        (c) =>
          (p0(c).proxy = {
            url: 'http://proxy.internal:3128',
            credentials: { username: 'gw', password: { secretsManager: 'gw/proxy-pass' } },
          }),
      ),
    }),
    quiet: () => ({
      config: load(
        (c) =>
          (p0(c).proxy = {
            url: 'https://proxy.internal:3129',
            credentials: { username: 'gw', password: { secretsManager: 'gw/proxy-pass' } },
          }),
      ),
    }),
  },
  {
    name: 'proxy credentials with a proxy URL read from SSM that turns out to be http:// (in defaults)',
    rule: 'proxy-credentials-plaintext',
    field: 'defaults.proxy.url',
    fires: () =>
      withSecrets((c) => {
        c.defaults = {
          proxy: {
            url: { ssm: '/gw/proxy-url' },
            credentials: { username: 'gw', password: { secretsManager: 'gw/proxy-pass' } },
          },
        };
        return { 'ssm /gw/proxy-url': 'http://proxy.internal:3128\n' };
      }),
    quiet: () =>
      withSecrets((c) => {
        c.defaults = { proxy: { url: { ssm: '/gw/proxy-url' } } };
        return { 'ssm /gw/proxy-url': 'http://proxy.internal:3128' };
      }),
  },
  {
    name: 'proxy: env in a deployed config (an error there, as cdk synth refuses it)',
    rule: 'proxy-env',
    field: 'processors[0].proxy',
    severity: 'error',
    fires: () => ({ config: load((c) => (p0(c).proxy = 'env')) }),
    quiet: () => ({ config: load((c) => (p0(c).proxy = 'none')) }),
  },
  {
    name: 'proxy: env for the CLI on the gateway host (information)',
    rule: 'proxy-env',
    field: 'defaults.proxy',
    severity: 'info',
    fires: () => ({ config: load((c) => (c.defaults = { proxy: 'env' })), options: { deployed: false } }),
    quiet: () => ({ config: load(), options: { deployed: false } }),
  },
];
