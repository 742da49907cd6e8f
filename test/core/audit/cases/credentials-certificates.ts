/**
 * Rule cases for hosts and environments, key modes, secret sources, inline credentials and the
 * client-certificate and CA rules.
 * Each case: a config that fires the rule (naming `field`) and a close variant that stays quiet.
 */

import { SecretSources } from '../../../../lambdas/core/secrets/sources';
import { type Case, fx, load, mtls, p0, paypal, razorpay, stripe, withSecrets } from '../fixtures';

export const CREDENTIAL_CERTIFICATE_CASES: Case[] = [
  {
    name: "PayPal's sandbox host on a processor marked production (by default)",
    rule: 'sandbox-host-in-production',
    field: 'processors[0].endpoint',
    fires: () => ({
      config: load((c) => (c.processors[0] = paypal({ endpoint: 'https://api-m.sandbox.paypal.com' }))),
    }),
    quiet: () => ({
      config: load(
        (c) =>
          (c.processors[0] = paypal({
            endpoint: 'https://api-m.sandbox.paypal.com',
            environment: 'sandbox',
          })),
      ),
    }),
  },
  {
    name: 'a host that looks like a sandbox (a warning: it is a guess)',
    rule: 'sandbox-host-in-production',
    field: 'processors[0].endpoint',
    severity: 'warning',
    fires: () => ({ config: load((c) => (p0(c).endpoint = 'https://api-test.acme.example')) }),
    quiet: () => ({ config: load((c) => (p0(c).endpoint = 'https://api.acme.example')) }),
  },
  {
    name: "a per-account Checkout.com sandbox host (subdomain of the preset's sandbox host)",
    rule: 'sandbox-host-in-production',
    field: 'processors[0].endpoint',
    fires: () => ({
      config: load(
        (c) =>
          (c.processors[0] = {
            name: 'cko',
            preset: 'checkout-com',
            endpoint: 'https://pk123.api.sandbox.checkout.com',
            auth: { credentials: { type: 'bearer', token: { secretsManager: 'cko/key' } } },
          }),
      ),
    }),
    quiet: () => ({
      config: load(
        (c) =>
          (c.processors[0] = {
            name: 'cko',
            preset: 'checkout-com',
            endpoint: 'https://pk123.api.checkout.com',
            auth: { credentials: { type: 'bearer', token: { secretsManager: 'cko/key' } } },
          }),
      ),
    }),
  },
  {
    name: "Authorize.net's test host without a preset",
    rule: 'sandbox-host-in-production',
    field: 'processors[0].endpoint',
    fires: () => ({ config: load((c) => (p0(c).endpoint = 'https://apitest.authorize.net')) }),
    quiet: () => ({
      config: load((c) =>
        Object.assign(p0(c), { endpoint: 'https://apitest.authorize.net', environment: 'sandbox' }),
      ),
    }),
  },
  {
    name: "PayPal's production host on a processor marked sandbox",
    rule: 'production-host-in-sandbox',
    field: 'processors[0].endpoint',
    fires: () => ({
      config: load(
        (c) => (c.processors[0] = paypal({ endpoint: 'https://api-m.paypal.com', environment: 'sandbox' })),
      ),
    }),
    quiet: () => ({ config: load((c) => (c.processors[0] = paypal({ environment: 'sandbox' }))) }),
  },
  {
    name: 'a Stripe test-mode key on a production processor',
    rule: 'test-key-in-production',
    field: 'processors[0].auth.credentials.token',
    fires: () =>
      withSecrets((c) => {
        c.processors[0] = stripe();
        return { 'secretsManager stripe/key': 'sk_test_0123456789abcdef' };
      }),
    quiet: () =>
      withSecrets((c) => {
        c.processors[0] = stripe();
        return { 'secretsManager stripe/key': 'sk_live_0123456789abcdef' };
      }),
  },
  {
    name: 'a Razorpay test key id (the Basic user name) on a production processor',
    rule: 'test-key-in-production',
    field: 'processors[0].auth.credentials.username',
    fires: () => ({ config: load((c) => (c.processors[0] = razorpay('rzp_test_0123456789'))) }),
    quiet: () => ({ config: load((c) => (c.processors[0] = razorpay('rzp_live_0123456789'))) }),
  },
  {
    name: 'a Stripe test key on a processor that spells out api.stripe.com instead of the preset',
    rule: 'test-key-in-production',
    field: 'processors[0].auth.credentials.token',
    fires: () =>
      withSecrets((c) => {
        p0(c).endpoint = 'https://api.stripe.com';
        p0(c).auth.credentials.token = { secretsManager: 'stripe/key' };
        return { 'secretsManager stripe/key': 'rk_test_0123456789abcdef' };
      }),
    quiet: () =>
      withSecrets((c) => {
        p0(c).auth.credentials.token = { secretsManager: 'stripe/key' };
        return { 'secretsManager stripe/key': 'rk_test_0123456789abcdef' };
      }),
  },
  {
    name: 'a Stripe live key on a sandbox processor',
    rule: 'live-key-in-sandbox',
    field: 'processors[0].auth.credentials.token',
    fires: () =>
      withSecrets((c) => {
        c.processors[0] = { ...stripe(), environment: 'sandbox' };
        return { 'secretsManager stripe/key': 'sk_live_0123456789abcdef' };
      }),
    quiet: () =>
      withSecrets((c) => {
        c.processors[0] = { ...stripe(), environment: 'sandbox' };
        return { 'secretsManager stripe/key': 'sk_test_0123456789abcdef' };
      }),
  },
  {
    name: 'a Checkout.com older-platform test key (sk_test_, raw in Authorization) on a production processor',
    rule: 'test-key-in-production',
    field: 'processors[0].auth.credentials.value',
    fires: () =>
      withSecrets((c) => {
        c.processors[0] = checkoutLegacy();
        return { 'secretsManager cko/key': 'sk_test_0b9b5db6-f223-49d0-b68f-f6643dd4f808' };
      }),
    quiet: () =>
      withSecrets((c) => {
        c.processors[0] = checkoutLegacy();
        return { 'secretsManager cko/key': 'sk_0b9b5db6-f223-49d0-b68f-f6643dd4f808' };
      }),
  },
  {
    name: 'a Checkout.com live key (sk_ without sbox/test) on a sandbox processor',
    rule: 'live-key-in-sandbox',
    field: 'processors[0].auth.credentials.value',
    fires: () =>
      withSecrets((c) => {
        c.processors[0] = checkoutLegacy('sandbox');
        return { 'secretsManager cko/key': 'sk_0b9b5db6-f223-49d0-b68f-f6643dd4f808' };
      }),
    quiet: () =>
      withSecrets((c) => {
        c.processors[0] = checkoutLegacy('sandbox');
        return { 'secretsManager cko/key': 'sk_sbox_m73dzbpy7cf3gfd46xr4yj5xo4e' };
      }),
  },
  {
    name: 'an API token from an environment variable in a deployed config',
    rule: 'local-secret-source',
    field: 'processors[0].auth.credentials.token',
    fires: () => ({ config: load((c) => (p0(c).auth.credentials.token = { env: 'ACME_TOKEN' })) }),
    quiet: () => ({
      config: load((c) => (p0(c).auth.credentials.token = { env: 'ACME_TOKEN' })),
      options: { deployed: false },
    }),
  },
  {
    name: 'a client key from a file in a deployed config',
    rule: 'local-secret-source',
    field: 'processors[0].tls.clientKey',
    fires: () =>
      withSecrets((c) => {
        p0(c).tls = { clientCert: { secretsManager: 'acme/cert' }, clientKey: { file: 'client.key' } };
        return { 'secretsManager acme/cert': fx.good.cert, 'file client.key': fx.good.key };
      }),
    quiet: () => withSecrets(mtls(fx.good.cert, fx.good.key)),
  },
  {
    name: 'an Authorization header written into the request',
    rule: 'secret-inline',
    field: 'processors[0].auth.request.headers.Authorization',
    fires: () => ({ config: load((c) => (p0(c).auth.request.headers = { Authorization: 'Bearer abc123' })) }),
    quiet: () => ({ config: load((c) => (p0(c).auth.request.headers = { Accept: 'application/json' })) }),
  },
  {
    name: 'user credentials in the endpoint URL',
    rule: 'secret-inline',
    field: 'processors[0].endpoint',
    fires: () => ({ config: load((c) => (p0(c).endpoint = 'https://user:hunter22@api.acme.example')) }),
    quiet: () => ({ config: load((c) => (p0(c).endpoint = 'https://api.acme.example/v2')) }),
  },
  {
    name: 'an API key in the request query string',
    rule: 'secret-inline',
    field: 'processors[0].auth.request.path',
    fires: () => ({ config: load((c) => (p0(c).auth.request.path = '/v1/ping?api_key=abc123')) }),
    quiet: () => ({ config: load((c) => (p0(c).auth.request.path = '/v1/ping?count=1')) }),
  },
  {
    name: 'a Stripe key pasted into the request body',
    rule: 'secret-inline',
    field: 'processors[0].auth.request.body',
    fires: () => ({ config: load((c) => (p0(c).auth.request.body = '{"key":"sk_live_0123456789abcdef"}')) }),
    quiet: () => ({ config: load((c) => (p0(c).auth.request.body = '{"query":"query { ping }"}')) }),
  },
  {
    name: 'a CA bundle file that does not exist (read by the real CLI resolver)',
    rule: 'secret-unreadable',
    field: 'processors[0].tls.ca',
    fires: () => ({
      config: load((c) => (p0(c).tls = { ca: { file: 'missing.pem' } })),
      options: { secrets: new SecretSources({ env: {} }) },
    }),
    quiet: () => ({
      config: load((c) => (p0(c).tls = { ca: { file: 'ca.pem' } })),
      options: { secrets: new SecretSources({ env: {} }) },
    }),
  },
  {
    name: 'a client certificate that is not PEM',
    rule: 'client-cert-invalid',
    field: 'processors[0].tls.clientCert',
    fires: () => withSecrets(mtls('not a certificate', fx.good.key)),
    quiet: () => withSecrets(mtls(fx.good.cert, fx.good.key)),
  },
  {
    name: 'an encrypted client key with the wrong passphrase',
    rule: 'client-cert-invalid',
    field: 'processors[0].tls.clientKey',
    fires: () =>
      withSecrets((c) => {
        const values = mtls(fx.good.cert, fx.good.encryptedKey('right horse'))(c);
        p0(c).tls.clientKeyPassphrase = { secretsManager: 'acme/pass' };
        return { ...values, 'secretsManager acme/pass': 'wrong battery' };
      }),
    quiet: () =>
      withSecrets((c) => {
        const values = mtls(fx.good.cert, fx.good.encryptedKey('right horse'))(c);
        p0(c).tls.clientKeyPassphrase = { secretsManager: 'acme/pass' };
        return { ...values, 'secretsManager acme/pass': 'right horse' };
      }),
  },
  {
    name: 'an expired client certificate',
    rule: 'client-cert-expired',
    field: 'processors[0].tls.clientCert',
    fires: () => withSecrets(mtls(fx.expired.cert, fx.expired.key)),
    quiet: () => withSecrets(mtls(fx.good.cert, fx.good.key)),
  },
  {
    name: 'a client certificate that is not valid yet',
    rule: 'client-cert-expired',
    field: 'processors[0].tls.clientCert',
    fires: () => withSecrets(mtls(fx.notYet.cert, fx.notYet.key)),
    quiet: () => withSecrets(mtls(fx.good.chain, fx.good.key)),
  },
  {
    name: 'a client certificate expiring in 10 days (window 21)',
    rule: 'client-cert-expiring',
    field: 'processors[0].tls.clientCert',
    severity: 'warning',
    fires: () => withSecrets(mtls(fx.expiring.cert, fx.expiring.key)),
    quiet: () =>
      withSecrets((c) => {
        const v = mtls(fx.expiring.cert, fx.expiring.key)(c);
        p0(c).tls.clientCertExpiryWarningDays = 7;
        return v;
      }),
  },
  {
    name: 'a client key that belongs to another certificate',
    rule: 'client-key-mismatch',
    field: 'processors[0].tls.clientKey',
    fires: () => withSecrets(mtls(fx.good.cert, fx.other.key)),
    quiet: () => withSecrets(mtls(fx.other.cert, fx.other.key)),
  },
  {
    name: 'a CA bundle with no certificate in it',
    rule: 'ca-invalid',
    field: 'processors[0].tls.ca',
    fires: () =>
      withSecrets((c) => {
        p0(c).tls = { ca: { ssm: '/payments/acme/ca' } };
        return { 'ssm /payments/acme/ca': 'corporate root goes here' };
      }),
    quiet: () =>
      withSecrets((c) => {
        p0(c).tls = { ca: { ssm: '/payments/acme/ca' } };
        return { 'ssm /payments/acme/ca': `${fx.pki.caPem}${fx.pki.intermediate.cert}` };
      }),
  },
];

/** Checkout.com with an older-platform key: the raw key in Authorization (header credential). */
function checkoutLegacy(environment: 'production' | 'sandbox' = 'production') {
  return {
    name: 'cko',
    preset: 'checkout-com',
    environment,
    endpoint: `https://pk123.api${environment === 'sandbox' ? '.sandbox' : ''}.checkout.com`,
    auth: { credentials: { type: 'header', name: 'Authorization', value: { secretsManager: 'cko/key' } } },
  };
}
