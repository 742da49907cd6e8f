/**
 * Certificate-authority changes processors announced, the facts behind the ca-change-announced rule
 * (docs/audit.md). Each names the processor (by preset and host), the CA it leaves and the one it moves to,
 * and when: processors publish a month or a year, so a change is a period, and the rule fires while the
 * warning window overlaps it. The dates are as precise as the public record we have (a year where only the
 * year is known): check the processor's own notice before planning on a day.
 */

export interface CaChange {
  /** Processor name as people say it. */
  readonly processor: string;
  /** Presets this applies to. */
  readonly presets: readonly string[];
  /** Endpoint domains this applies to (subdomains included). */
  readonly domains: readonly string[];
  /** The CA the processor moves away from (matched, case-insensitively, against the chain's issuer names). */
  readonly from: string;
  /** The CA it moves to (matched against the CA bundle's subjects). */
  readonly to: string;
  /** First day of the change period (ISO date, UTC). */
  readonly start: string;
  /** Last day of the change period (ISO date, UTC). */
  readonly end: string;
  /** Where it was announced. */
  readonly source: string;
}

export const CA_CHANGES: readonly CaChange[] = [
  {
    processor: 'Braintree',
    presets: ['braintree'],
    domains: ['braintree-api.com', 'braintreegateway.com'],
    from: 'DigiCert',
    to: 'DigiCert Global Root G2',
    start: '2024-01-01',
    end: '2024-12-31',
    source: 'Braintree root certificate change (2024); year only',
  },
  {
    processor: 'Worldpay',
    presets: ['worldpay'],
    domains: ['worldpay.com'],
    from: 'DigiCert',
    to: 'Sectigo',
    start: '2023-01-01',
    end: '2023-12-31',
    source: 'Worldpay DigiCert to Sectigo (2023); year only',
  },
  {
    processor: 'Authorize.net',
    presets: [],
    domains: ['authorize.net'],
    from: 'Entrust',
    to: 'DigiCert Global Root G2',
    start: '2024-10-01',
    end: '2025-06-30',
    source: 'Authorize.net Entrust to DigiCert G2 (2024-25)',
  },
  {
    processor: 'Stripe',
    presets: ['stripe'],
    domains: ['stripe.com'],
    from: 'DigiCert Global Root CA',
    to: 'DigiCert Global Root G5',
    start: '2025-01-01',
    end: '2025-12-31',
    source: 'Stripe DigiCert G5 (2025); year only',
  },
];

/** The warning window of the rule: the processor's certificate warning days, but at least this many. */
export const CA_CHANGE_MIN_WINDOW_DAYS = 30;
