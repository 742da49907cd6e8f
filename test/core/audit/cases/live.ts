/**
 * Rule cases for the rules the live audit brought (issue #17): cipher suites without forward secrecy or with
 * CBC as OpenSSL expands the list, sandbox/test and expired roots in the CA bundle, a weak client certificate,
 * pins no presented certificate matches, and an announced change of certificate authority.
 * Each case: a config that fires the rule (naming `field`) and a close variant that stays quiet.
 */
import { DAY_MS } from '../../../../lambdas/core/checks/expiry';
import { createPki } from '../../../../testbed/pki';
import { type Case, fx, load, mtls, PIN_A, PIN_B, p0, stripe, withSecrets } from '../fixtures';

const NOW = new Date('2026-12-06T12:00:00Z');
const CHANGE = {
  processor: 'Stripe',
  presets: ['stripe'],
  domains: ['stripe.com'],
  from: 'DigiCert Global Root CA',
  to: 'DigiCert Global Root G5',
  start: '2027-01-01',
  end: '2027-01-31',
  source: 'test fixture',
};
const CHAIN = [
  { subject: 'CN=api.stripe.com', issuer: 'CN=DigiCert Global Root CA', pin: PIN_A },
  {
    subject: 'CN=DigiCert Global Root CA',
    issuer: 'CN=DigiCert Global Root CA',
    pin: `sha256/${'C'.repeat(43)}=`,
  },
];

/** CA bundles made once per run (key generation is the slow part). */
const roots = {} as { sandbox: string; expired: string };
beforeAll(async () => {
  const [sandbox, expired] = await Promise.all([
    createPki({ name: 'Acme Sandbox' }),
    createPki({ name: 'Old Gateway', now: new Date(Date.now() - 4000 * DAY_MS) }),
  ]);
  roots.sandbox = sandbox.root.cert;
  roots.expired = expired.root.cert;
});

export const LIVE_RULE_CASES: Case[] = [
  {
    name: 'a cipher list whose expansion allows RSA key exchange and CBC (HIGH)',
    rule: 'ciphers-no-forward-secrecy',
    field: 'processors[0].tls.ciphers',
    fires: () => ({ config: load((c) => (p0(c).tls = { ciphers: 'HIGH:!aNULL' })) }),
    quiet: () => ({ config: load((c) => (p0(c).tls = { ciphers: 'ECDHE+AESGCM:ECDHE+CHACHA20' })) }),
  },
  {
    name: 'a pin that matches no certificate the server presents, beside one that does',
    rule: 'pin-not-presented',
    field: 'processors[0].tls.pins',
    fires: () => ({
      config: load((c) => (p0(c).tls = { pins: [PIN_A, PIN_B] })),
      options: { serverChain: CHAIN },
    }),
    quiet: () => ({
      config: load((c) => (p0(c).tls = { pins: [PIN_A, CHAIN[1]?.pin] })),
      options: { serverChain: CHAIN },
    }),
  },
  {
    name: "Stripe's announced CA change inside the warning window",
    rule: 'ca-change-announced',
    field: 'processors[0].preset',
    fires: () => ({
      config: load((c) => (c.processors[0] = stripe())),
      options: { now: () => NOW, caChanges: [CHANGE], serverChain: CHAIN },
    }),
    quiet: () => ({
      config: load((c) => (c.processors[0] = stripe())),
      options: { now: () => new Date(NOW.getTime() - 90 * DAY_MS), caChanges: [CHANGE] },
    }),
  },
  {
    name: 'a client certificate signed with SHA-1',
    rule: 'client-cert-weak',
    field: 'processors[0].tls.clientCert',
    fires: () => withSecrets(mtls(fx.weak.cert, fx.weak.key)),
    quiet: () => withSecrets(mtls(fx.good.cert, fx.good.key)),
  },
  {
    name: 'a sandbox root in the CA bundle of a production processor',
    rule: 'ca-test-root',
    field: 'processors[0].tls.ca',
    fires: () =>
      withSecrets((c) => {
        p0(c).tls = { ca: { ssm: '/payments/acme/ca' } };
        return { 'ssm /payments/acme/ca': `${fx.pki.caPem}\n${roots.sandbox}` };
      }),
    quiet: () =>
      withSecrets((c) => {
        p0(c).environment = 'sandbox';
        p0(c).endpoint = 'https://api.sandbox.acme.example';
        p0(c).tls = { ca: { ssm: '/payments/acme/ca' } };
        return { 'ssm /payments/acme/ca': `${fx.pki.caPem}\n${roots.sandbox}` };
      }),
  },
  {
    name: 'an expired root in the CA bundle',
    rule: 'ca-expired',
    field: 'processors[0].tls.ca',
    fires: () =>
      withSecrets((c) => {
        p0(c).tls = { ca: { ssm: '/payments/acme/ca' } };
        return { 'ssm /payments/acme/ca': `${fx.pki.caPem}\n${roots.expired}` };
      }),
    quiet: () =>
      withSecrets((c) => {
        p0(c).tls = { ca: { ssm: '/payments/acme/ca' } };
        return { 'ssm /payments/acme/ca': fx.pki.caPem };
      }),
  },
];
