/**
 * Rule cases for the auth check, alerting, timing, duplicates, bundled files, presets and
 * references that cannot be read.
 * Each case: a config that fires the rule (naming `field`) and a close variant that stays quiet.
 */
import { SecretSources } from '../../../../lambdas/core/secrets/sources';
import { type Case, fx, load, mtls, p0, patched, withSecrets } from '../fixtures';

export const AUTH_ALERTING_CONFIG_CASES: Case[] = [
  {
    name: 'no auth section (handshake-only probing)',
    rule: 'no-auth-check',
    field: 'processors[0].auth',
    fires: () => ({ config: load((c) => delete p0(c).auth) }),
    quiet: () => ({ config: load() }),
  },
  {
    name: 'a request without credentials',
    rule: 'no-auth-check',
    field: 'processors[0].auth.credentials',
    fires: () => ({ config: load((c) => delete p0(c).auth.credentials) }),
    quiet: () => ({ config: load() }),
  },
  {
    name: 'credentials without a request to use them',
    rule: 'no-auth-check',
    field: 'processors[0].auth.request',
    fires: () => ({ config: load((c) => delete p0(c).auth.request) }),
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
    name: '401 counted as success',
    rule: 'expect-status-accepts-rejection',
    field: 'processors[0].auth.expectStatus',
    fires: () => ({ config: load((c) => (p0(c).auth.expectStatus = [200, 401])) }),
    quiet: () => ({ config: load((c) => (p0(c).auth.expectStatus = [200, 204])) }),
  },
  {
    name: 'no alerting section',
    rule: 'no-critical-subscriber',
    field: 'alerting.critical',
    fires: () => ({ config: load((c) => delete c.alerting) }),
    quiet: () => ({ config: load() }),
  },
  {
    name: 'an empty critical list',
    rule: 'no-critical-subscriber',
    field: 'alerting.critical',
    fires: () => ({ config: load((c) => (c.alerting.critical = [])) }),
    quiet: () => ({
      config: load((c) => (c.alerting.critical = [{ https: 'https://events.example.com/hook' }])),
    }),
  },
  {
    name: 'no warning subscriber',
    rule: 'no-warning-subscriber',
    field: 'alerting.warning',
    severity: 'warning',
    fires: () => ({ config: load((c) => delete c.alerting.warning) }),
    quiet: () => ({ config: load() }),
  },
  {
    name: 'a timeout equal to the interval (built in code; the loader rejects it in files)',
    rule: 'timeout-not-below-interval',
    field: 'processors[0].timeoutMs',
    fires: () => ({
      config: patched((cfg) => ({
        ...cfg,
        processors: cfg.processors.map((p) => ({ ...p, timeoutMs: 60000 })),
      })),
    }),
    quiet: () => ({
      config: patched((cfg) => ({
        ...cfg,
        processors: cfg.processors.map((p) => ({ ...p, timeoutMs: 59000 })),
      })),
    }),
  },
  {
    name: 'a budget of 9.5 s at a 10-s interval',
    rule: 'budget-near-interval',
    field: 'processors[0].budgetMs',
    fires: () => ({ config: load((c) => Object.assign(p0(c), { intervalSeconds: 10, budgetMs: 9500 })) }),
    quiet: () => ({ config: load((c) => Object.assign(p0(c), { intervalSeconds: 10 })) }),
  },
  {
    name: 'two processors with one name (built in code; the loader rejects it in files)',
    rule: 'duplicate-name',
    field: 'processors[1].name',
    fires: () => ({
      config: patched((cfg) => {
        const p = cfg.processors[0];
        if (!p) throw new Error('no processor');
        return { ...cfg, processors: [p, { ...p, endpoint: 'https://api2.acme.example' }] };
      }),
    }),
    quiet: () => ({
      config: patched((cfg) => {
        const p = cfg.processors[0];
        if (!p) throw new Error('no processor');
        return { ...cfg, processors: [p, { ...p, name: 'acme-2', endpoint: 'https://api2.acme.example' }] };
      }),
    }),
  },
  {
    name: 'two processors probing one endpoint with the same credentials',
    rule: 'duplicate-endpoint',
    field: 'processors[1].endpoint',
    severity: 'warning',
    fires: () => ({
      config: load((c) =>
        c.processors.push({ ...p0(c), name: 'acme-copy', endpoint: 'https://API.acme.example/' }),
      ),
    }),
    quiet: () => ({
      config: load((c) =>
        c.processors.push({
          ...p0(c),
          name: 'acme-eu',
          auth: { ...p0(c).auth, credentials: { type: 'bearer', token: { secretsManager: 'acme/eu-key' } } },
        }),
      ),
    }),
  },
  {
    name: 'a CA bundle from a file (bundled with the function)',
    rule: 'bundled-file',
    field: 'processors[0].tls.ca',
    severity: 'info',
    fires: () => ({
      config: load((c) => (p0(c).tls = { ca: { file: 'ca.pem' } })),
      options: { secrets: new SecretSources({ env: {} }) },
    }),
    quiet: () =>
      withSecrets((c) => {
        p0(c).tls = { ca: { ssm: '/payments/acme/ca' } };
        return { 'ssm /payments/acme/ca': fx.pki.caPem };
      }),
  },
  {
    name: "a preset with unverified details (braintree's bad-credentials status)",
    rule: 'preset-unverified',
    field: 'processors[0].preset',
    severity: 'info',
    fires: () => ({
      config: load(
        (c) =>
          (c.processors[0] = {
            name: 'braintree',
            preset: 'braintree',
            auth: {
              credentials: { type: 'basic', username: 'public', password: { secretsManager: 'bt/private' } },
            },
          }),
      ),
    }),
    quiet: () => ({
      config: load(
        (c) =>
          (c.processors[0] = {
            name: 'square',
            preset: 'square',
            auth: { credentials: { type: 'bearer', token: { secretsManager: 'sq/token' } } },
          }),
      ),
    }),
  },
  {
    name: 'a client certificate in Secrets Manager that cannot be read offline',
    rule: 'not-checked',
    field: 'processors[0].tls.clientCert',
    severity: 'info',
    fires: () =>
      withSecrets((c) => {
        mtls(fx.good.cert, fx.good.key)(c);
        return {};
      }),
    quiet: () => withSecrets(mtls(fx.good.cert, fx.good.key)),
  },
];
