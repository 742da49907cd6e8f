/**
 * The configuration file's schema (../shared/DESIGN.md "Configuration file"). One schema serves the CLI,
 * the Lambda and the CDK app, so a file that passes here deploys and probes the same way everywhere.
 * Unknown fields are errors: a typo must never silently disable a check.
 */
import * as z from 'zod';

/** Where a secret (or any value the integration itself reads) comes from. Exactly one key. */
export const SecretRefSchema = z.union([
  z.strictObject({ secretsManager: z.string().min(1).describe('Secrets Manager secret id or ARN') }),
  z.strictObject({ ssm: z.string().min(1).describe('SSM parameter name') }),
  z.strictObject({ env: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an environment variable name') }),
  z.strictObject({ file: z.string().min(1).describe('path, relative to the config file') }),
]);
export type SecretRef = z.infer<typeof SecretRefSchema>;

/** A plain value, or a reference to where the integration reads it (resolved on every run). */
const valueOrRef = <T extends z.ZodTypeAny>(plain: T) => z.union([plain, SecretRefSchema]);

export const TLS_VERSIONS = ['TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'] as const;
export type TlsVersion = (typeof TLS_VERSIONS)[number];

export const INTERVALS = [10, 20, 30, 60] as const;

const TlsSchema = z.strictObject({
  /** SNI and hostname check; default: the endpoint host. */
  servername: valueOrRef(z.string().min(1)).optional(),
  /** Extra trust (PEM bundle); default: Node's public roots. */
  ca: SecretRefSchema.optional(),
  /** Our client certificate for mTLS (PEM). */
  clientCert: SecretRefSchema.optional(),
  /** Our client key for mTLS (PEM). */
  clientKey: SecretRefSchema.optional(),
  /** Passphrase of the client key. */
  clientKeyPassphrase: SecretRefSchema.optional(),
  /** Public-key pins: "sha256/BASE64" of a certificate's SubjectPublicKeyInfo. */
  pins: z
    .array(z.string().regex(/^sha256\/[A-Za-z0-9+/]{43}=$/, 'a pin of the form sha256/BASE64SPKI='))
    .optional(),
  minVersion: z.enum(TLS_VERSIONS).optional(),
  maxVersion: z.enum(TLS_VERSIONS).optional(),
  /** OpenSSL cipher list, as the integration sets it. */
  ciphers: z.string().min(1).optional(),
  /** Verify the server certificate. Only for a test bench: `payprobe audit` flags false as an error. */
  verify: z.boolean().optional(),
  /** Warn when the server certificate expires within this many days. */
  certExpiryWarningDays: z.number().int().min(0).max(365).optional(),
  /** Warn when our client certificate expires within this many days. */
  clientCertExpiryWarningDays: z.number().int().min(0).max(365).optional(),
});

const CredentialsSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('bearer'), token: SecretRefSchema }),
  z.strictObject({ type: z.literal('basic'), username: valueOrRef(z.string()), password: SecretRefSchema }),
  z.strictObject({
    type: z.literal('header'),
    name: z.string().regex(/^[A-Za-z0-9-]+$/, 'an HTTP header name'),
    value: SecretRefSchema,
  }),
  z.strictObject({
    type: z.literal('oauth2-client-credentials'),
    /** Token URL; a path is taken relative to the endpoint. Presets fill it. */
    tokenUrl: z.string().min(1).optional(),
    clientId: valueOrRef(z.string().min(1)),
    clientSecret: SecretRefSchema,
    /** client_secret_basic (default) or client_secret_post. */
    clientAuth: z.enum(['basic', 'post']).optional(),
    scope: z.string().optional(),
  }),
]);
export type Credentials = z.infer<typeof CredentialsSchema>;

const HTTP_METHODS = ['GET', 'HEAD', 'POST', 'OPTIONS'] as const;

const AuthSchema = z.strictObject({
  /** The one cheap, side-effect-free request that proves the credentials. */
  request: z
    .strictObject({
      method: z.enum(HTTP_METHODS).optional(),
      path: z.string().startsWith('/', 'a path starting with /'),
      headers: z.record(z.string(), z.string()).optional(),
      body: z.string().optional(),
    })
    .optional(),
  credentials: CredentialsSchema.optional(),
  /** Statuses that count as success. @default [200] */
  expectStatus: z.array(z.number().int().min(100).max(599)).min(1).optional(),
});

const AlarmsSchema = z.strictObject({
  /** Datapoints in the evaluation window (the N of M-of-N). */
  evaluationPeriods: z.number().int().min(1).max(60).optional(),
  /** Breaching datapoints that raise the alarm (the M of M-of-N). */
  datapointsToAlarm: z.number().int().min(1).max(60).optional(),
  /** Availability (percent of successful probes) below which the critical alarm fires. */
  availabilityThreshold: z.number().min(0).max(100).optional(),
  /** Warning when TotalTime p90 exceeds this many milliseconds. */
  latencyBudgetMs: z.number().int().positive().optional(),
});

/** Fields that may be set in `defaults` and overridden per processor. */
const ProbeSettingsShape = {
  /** Probe spacing: 60 (one probe a minute), or 10, 20 or 30 for sub-minute probing. @default 60 */
  intervalSeconds: z
    .number()
    .refine(
      (n): n is 10 | 20 | 30 | 60 => (INTERVALS as readonly number[]).includes(n),
      'one of 10, 20, 30 or 60 (seconds)',
    )
    .optional(),
  /** Per-phase timeout in milliseconds. */
  timeoutMs: z.number().int().min(100).max(60000).optional(),
  /** Whole-probe budget in milliseconds. @default 3 × timeoutMs, capped 1 s under the interval */
  budgetMs: z.number().int().min(100).max(120000).optional(),
  /** SLOW_RESPONSE warning above this total time. */
  slowResponseMs: z.number().int().positive().optional(),
  /** Cap on the response body read, in bytes. */
  maxBodyBytes: z.number().int().min(0).max(1048576).optional(),
  tls: TlsSchema.optional(),
  alarms: AlarmsSchema.optional(),
};

const SubscriptionSchema = z.union([
  z.strictObject({ email: z.email() }),
  z.strictObject({ https: z.url({ protocol: /^https$/ }) }),
  z.strictObject({
    sms: z.string().regex(/^\+[1-9][0-9]{6,14}$/, 'a phone number in E.164 form, e.g. +14155550100'),
  }),
]);
export type Subscription = z.infer<typeof SubscriptionSchema>;

export const PROCESSOR_NAME = /^[a-z0-9](?:[a-z0-9-]{0,62})$/;

const ProcessorSchema = z.strictObject({
  name: z.string().regex(PROCESSOR_NAME, 'lower-case letters, digits and "-" (the metric dimension)'),
  /** Fills endpoint, auth request and credential type for a known processor; explicit fields win. */
  preset: z.string().optional(),
  /** Which of the preset's hosts to use. @default production */
  environment: z.enum(['sandbox', 'production']).optional(),
  endpoint: valueOrRef(z.url({ protocol: /^https?$/ })).optional(),
  auth: AuthSchema.optional(),
  ...ProbeSettingsShape,
});

export const ConfigSchema = z.strictObject({
  defaults: z.strictObject(ProbeSettingsShape).optional(),
  /** Deploy the same monitors into each of these regions (one stack each). */
  regions: z
    .array(z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'an AWS region, e.g. eu-west-1'))
    .min(1)
    .optional(),
  /** Run every probe during `cdk deploy` and roll back on a critical failure. @default false */
  preflight: z.boolean().optional(),
  alerting: z
    .strictObject({
      critical: z.array(SubscriptionSchema).optional(),
      warning: z.array(SubscriptionSchema).optional(),
    })
    .optional(),
  processors: z.array(ProcessorSchema).min(1, 'at least one processor'),
});

export type RawConfig = z.infer<typeof ConfigSchema>;
export type RawProcessor = z.infer<typeof ProcessorSchema>;
export type TlsSettings = z.infer<typeof TlsSchema>;
export type AuthSettings = z.infer<typeof AuthSchema>;
export type AlarmSettings = z.infer<typeof AlarmsSchema>;
export type ValueOrRef<T> = T | SecretRef;
