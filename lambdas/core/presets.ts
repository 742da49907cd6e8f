/**
 * Presets for well-known payment processors: endpoint, one cheap read-only authenticated request and the
 * credential type. Anything set explicitly in the config wins. Facts and their confidence: README "Presets"
 * and ../shared/processors.md. Where a host needs a per-merchant prefix, the preset has no production
 * endpoint and the config must give one.
 */
import type { AuthSettings, Credentials } from './config-schema';

export type Environment = 'sandbox' | 'production';

export interface Preset {
  /** Production and sandbox base URLs; undefined where the host is per merchant (the config must set it). */
  readonly endpoint: Readonly<Record<Environment, string | undefined>>;
  /** Hosts that belong to the sandbox, for the audit's production/sandbox mix-up rule. */
  readonly sandboxHosts: readonly string[];
  /** The request that proves the credentials; none where the OAuth token request itself is the check. */
  readonly request?: NonNullable<AuthSettings['request']>;
  /** The credential type the request needs; the config supplies the secret references. */
  readonly credentialType: Credentials['type'];
  /** For oauth2-client-credentials: the token URL (a path is relative to the endpoint). */
  readonly tokenUrl?: string;
  readonly expectStatus: readonly number[];
  /** What we are unsure of, printed by the README and `payprobe audit`. */
  readonly unverified?: string;
}

export const PRESETS: Readonly<Record<string, Preset>> = {
  stripe: {
    endpoint: { production: 'https://api.stripe.com', sandbox: 'https://api.stripe.com' },
    sandboxHosts: [],
    request: { method: 'GET', path: '/v1/balance' },
    credentialType: 'bearer',
    expectStatus: [200],
  },
  paypal: {
    endpoint: { production: 'https://api-m.paypal.com', sandbox: 'https://api-m.sandbox.paypal.com' },
    sandboxHosts: ['api-m.sandbox.paypal.com', 'api.sandbox.paypal.com'],
    credentialType: 'oauth2-client-credentials',
    tokenUrl: '/v1/oauth2/token',
    expectStatus: [200],
  },
  adyen: {
    endpoint: { production: undefined, sandbox: 'https://checkout-test.adyen.com' },
    sandboxHosts: ['checkout-test.adyen.com'],
    request: {
      method: 'POST',
      path: '/v71/paymentMethods',
      headers: { 'content-type': 'application/json' },
    },
    credentialType: 'header',
    expectStatus: [200],
    unverified:
      'production host is per company ({PREFIX}-checkout-live.adyenpayments.com/checkout): set endpoint; the request body must name your merchantAccount',
  },
  braintree: {
    endpoint: {
      production: 'https://payments.braintree-api.com',
      sandbox: 'https://payments.sandbox.braintree-api.com',
    },
    sandboxHosts: ['payments.sandbox.braintree-api.com'],
    request: {
      method: 'POST',
      path: '/graphql',
      headers: { 'content-type': 'application/json', 'braintree-version': '2019-01-01' },
      body: '{"query":"query { ping }"}',
    },
    credentialType: 'basic',
    expectStatus: [200],
    unverified: 'the status for bad credentials is not documented (probably 401)',
  },
  square: {
    endpoint: { production: 'https://connect.squareup.com', sandbox: 'https://connect.squareupsandbox.com' },
    sandboxHosts: ['connect.squareupsandbox.com'],
    request: { method: 'GET', path: '/v2/locations' },
    credentialType: 'bearer',
    expectStatus: [200],
  },
  'checkout-com': {
    endpoint: { production: undefined, sandbox: undefined },
    sandboxHosts: ['api.sandbox.checkout.com', 'access.sandbox.checkout.com'],
    request: { method: 'GET', path: '/payments/pay_payprobe0000000000000000000' },
    credentialType: 'bearer',
    expectStatus: [404],
    unverified:
      'no documented ping: the preset requests an unknown payment id, where 404 means the key was accepted; hosts are per account ({prefix}.api[.sandbox].checkout.com): set endpoint',
  },
  'mpesa-daraja': {
    endpoint: { production: 'https://api.safaricom.co.ke', sandbox: 'https://sandbox.safaricom.co.ke' },
    sandboxHosts: ['sandbox.safaricom.co.ke'],
    request: { method: 'GET', path: '/oauth/v1/generate?grant_type=client_credentials' },
    credentialType: 'basic',
    expectStatus: [200],
    unverified: 'production host from a third-party source; the HTTP status for bad credentials is not documented',
  },
  paystack: {
    endpoint: { production: 'https://api.paystack.co', sandbox: 'https://api.paystack.co' },
    sandboxHosts: [],
    request: { method: 'GET', path: '/balance' },
    credentialType: 'bearer',
    expectStatus: [200],
  },
  flutterwave: {
    endpoint: { production: 'https://api.flutterwave.com', sandbox: 'https://api.flutterwave.com' },
    sandboxHosts: [],
    request: { method: 'GET', path: '/v3/balances' },
    credentialType: 'bearer',
    expectStatus: [200],
    unverified: 'the read-only endpoint (GET /v3/balances) is not confirmed by the docs',
  },
};

export const PRESET_NAMES = Object.keys(PRESETS);
