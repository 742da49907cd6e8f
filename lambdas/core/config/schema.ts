/**
 * The configuration file's schema (docs/contracts.md "Configuration"). One schema serves the CLI,
 * the Lambda and the CDK app, so a file that passes here deploys and probes the same way everywhere.
 * Unknown fields are errors: a typo must never silently disable a check.
 */
import { en } from 'zod/locales';
import * as z from 'zod/mini';

// zod/mini, zod's tree-shakable API: ~35 KB in each Lambda bundle where the classic API took ~100 KB. It loads
// no locale by itself, and the messages issues.ts passes on are zod's English ones.
z.config(en());

/**
 * Length limits of every text field (docs/cli.md "Configuration reference"): a config is written by a
 * person, so anything longer is a mistake (a pasted file, a runaway template) and would otherwise be probed,
 * deployed into a Lambda's environment and printed. DNS: 253 characters a name, 63 a label (RFC 1035).
 */
export const LIMITS = {
  hostname: 253,
  label: 63,
  url: 2048,
  path: 2048,
  headerName: 256,
  headerValue: 8192,
  headers: 50,
  body: 65_536,
  /** Secrets Manager ids and ARNs, SSM names. */
  sourceId: 2048,
  envName: 256,
  filePath: 4096,
  /** Client ids, user names, scopes, preset names, cipher lists. */
  text: 1024,
  list: 64,
} as const;

/** At most `max` characters, saying what the field is when it is longer. */
const atMost = (max: number, what: string) =>
  z.maxLength(max, `too long: at most ${max.toLocaleString('en-US')} characters (${what})`);

/** At most `max` items in a list. */
const atMostItems = (max: number, what: string) => z.maxLength(max, `too many ${what}: at most ${max}`);

/** An HTTP header name: an RFC 9110 token. */
const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** An HTTP header value a request can carry: tab and visible characters, no CR, LF or other controls. */
const HEADER_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;

/** The DNS name rule for a host: at most 253 characters, each dot-separated label at most 63. */
function hostProblem(host: string): string | undefined {
  const name = host.replace(/\.$/, '');
  if (name.length > LIMITS.hostname)
    return `host name of ${name.length.toLocaleString('en-US')} characters: a DNS name has at most ${LIMITS.hostname}`;
  const label = name.split('.').find((l) => l.length > LIMITS.label);
  if (label !== undefined)
    return `host name label of ${label.length.toLocaleString('en-US')} characters: a DNS label has at most ${LIMITS.label}`;
  return undefined;
}

/** A check that a URL's host (when it parses as an absolute URL) follows the DNS name rule. */
const urlHost = z.superRefine((v: string, ctx) => {
  if (v.length > LIMITS.url) return; // too long already says enough
  let host: string;
  try {
    host = new URL(v).hostname;
  } catch {
    return; // not an absolute URL: another check says so
  }
  const problem = hostProblem(host.startsWith('[') ? '' : host);
  if (problem) ctx.issues.push({ code: 'custom', message: problem, input: v });
});

/** A host name (SNI): the DNS name rule. */
const hostName = z.superRefine((v: string, ctx) => {
  if (v.length > LIMITS.hostname) return; // too long already says enough
  const problem = hostProblem(v);
  if (problem) ctx.issues.push({ code: 'custom', message: problem, input: v });
});

/** Where a secret (or any value the integration itself reads) comes from. Exactly one key. */
export const SecretRefSchema = z.union([
  z.strictObject({
    secretsManager: z
      .string()
      .check(
        z.minLength(1),
        atMost(LIMITS.sourceId, 'a Secrets Manager secret id or ARN'),
        z.describe('Secrets Manager secret id or ARN'),
      ),
  }),
  z.strictObject({
    ssm: z
      .string()
      .check(
        z.minLength(1),
        atMost(LIMITS.sourceId, 'an SSM parameter name'),
        z.describe('SSM parameter name'),
      ),
  }),
  z.strictObject({
    env: z
      .string()
      .check(
        atMost(LIMITS.envName, 'an environment variable name'),
        z.regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an environment variable name'),
      ),
  }),
  z.strictObject({
    file: z
      .string()
      .check(
        z.minLength(1),
        atMost(LIMITS.filePath, 'a file path'),
        z.describe('path, relative to the config file'),
      ),
  }),
]);
export type SecretRef = z.infer<typeof SecretRefSchema>;

/** A plain value, or a reference to where the integration reads it (resolved on every run). */
const valueOrRef = <T extends z.ZodMiniType>(plain: T) => z.union([plain, SecretRefSchema]);

export const TLS_VERSIONS = ['TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'] as const;
export type TlsVersion = (typeof TLS_VERSIONS)[number];

/** A public-key pin: "sha256/" and the base64 SHA-256 of a SubjectPublicKeyInfo. */
export const PIN = /^sha256\/[A-Za-z0-9+/]{43}=$/;

export const INTERVALS = [10, 20, 30, 60] as const;

/**
 * Revocation checks (`tls.revocation`): `off`; `stapled` checks an OCSP response the server staples; `ocsp`
 * also asks the OCSP responder named in the certificate when nothing usable is stapled.
 */
export const REVOCATION_MODES = ['off', 'stapled', 'ocsp'] as const;
export type RevocationMode = (typeof REVOCATION_MODES)[number];

const TlsSchema = z.strictObject({
  /** SNI and hostname check; default: the endpoint host. */
  servername: z.optional(
    valueOrRef(z.string().check(z.minLength(1), atMost(LIMITS.hostname, 'a DNS name'), hostName)),
  ),
  /** Extra trust (PEM bundle); default: Node's public roots. */
  ca: z.optional(SecretRefSchema),
  /** Our client certificate for mTLS (PEM). */
  clientCert: z.optional(SecretRefSchema),
  /** Our client key for mTLS (PEM). */
  clientKey: z.optional(SecretRefSchema),
  /** Passphrase of the client key. */
  clientKeyPassphrase: z.optional(SecretRefSchema),
  /**
   * Public-key pins: "sha256/BASE64" of a certificate's SubjectPublicKeyInfo. A reference holds the list
   * separated by commas or newlines; it is checked when read (probe time).
   */
  pins: z.optional(
    valueOrRef(
      z
        .array(z.string().check(z.regex(PIN, 'a pin of the form sha256/BASE64SPKI=')))
        .check(atMostItems(LIMITS.list, 'pins')),
    ),
  ),
  /** A reference must hold one of TLS_VERSIONS; checked when read (probe time). */
  minVersion: z.optional(valueOrRef(z.enum(TLS_VERSIONS))),
  maxVersion: z.optional(valueOrRef(z.enum(TLS_VERSIONS))),
  /** OpenSSL cipher list, as the integration sets it. */
  ciphers: z.optional(
    valueOrRef(z.string().check(z.minLength(1), atMost(LIMITS.text, 'an OpenSSL cipher list'))),
  ),
  /** Verify the server certificate. Only for a test bench: `payprobe audit` flags false as an error. */
  verify: z.optional(z.boolean()),
  /** OCSP revocation check of the server certificate (REVOCATION_MODES); default `stapled`. */
  revocation: z.optional(z.enum(REVOCATION_MODES)),
  /** Warn when the server certificate expires within this many days. */
  certExpiryWarningDays: z.optional(z.number().check(z.int(), z.gte(0), z.lte(365))),
  /** Warn when our client certificate expires within this many days. */
  clientCertExpiryWarningDays: z.optional(z.number().check(z.int(), z.gte(0), z.lte(365))),
});

/** How an OAuth token is requested (oauth2-client-credentials `tokenMethod`). */
export const TOKEN_METHODS = ['POST', 'GET'] as const;

const CredentialsSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('bearer'), token: SecretRefSchema }),
  z.strictObject({
    type: z.literal('basic'),
    username: valueOrRef(z.string().check(atMost(LIMITS.text, 'a user name'))),
    password: SecretRefSchema,
  }),
  z.strictObject({
    type: z.literal('header'),
    name: z
      .string()
      .check(
        atMost(LIMITS.headerName, 'an HTTP header name'),
        z.regex(/^[A-Za-z0-9-]+$/, 'an HTTP header name'),
      ),
    value: SecretRefSchema,
  }),
  z.strictObject({
    type: z.literal('oauth2-client-credentials'),
    /** Token URL; a path is taken relative to the endpoint. Presets fill it. */
    tokenUrl: z.optional(
      valueOrRef(z.string().check(z.minLength(1), atMost(LIMITS.url, 'a URL or path'), urlHost)),
    ),
    clientId: valueOrRef(z.string().check(z.minLength(1), atMost(LIMITS.text, 'an OAuth client id'))),
    clientSecret: SecretRefSchema,
    /** client_secret_basic (default) or client_secret_post. */
    clientAuth: z.optional(z.enum(['basic', 'post'])),
    scope: z.optional(valueOrRef(z.string().check(atMost(LIMITS.text, 'an OAuth scope')))),
    /**
     * How the token is requested: POST with the form (RFC 6749, the default), or GET with grant_type in the
     * query and the client in a Basic header (M-Pesa Daraja). Presets fill it. @default POST
     */
    tokenMethod: z.optional(z.enum(TOKEN_METHODS)),
  }),
]);
export type Credentials = z.infer<typeof CredentialsSchema>;

/**
 * What is wrong with a forward-proxy URL, or undefined when it is usable: http:// or https:// (TLS to the
 * proxy itself), a host and optionally a port, nothing else. User info is refused: credentials are references
 * (`proxy.credentials`), never text in a URL that is printed, logged and fingerprinted. Shared by the schema
 * (a plain URL) and the engine (a referenced one, read at probe time).
 */
export function proxyUrlProblem(text: string): string | undefined {
  let url: URL;
  try {
    url = new URL(text.trim());
  } catch {
    return 'not a URL (expected http://host:port or https://host:port)';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    return `scheme ${url.protocol} is not supported for a proxy (http:// or https://)`;
  if (url.username !== '' || url.password !== '')
    return 'holds credentials: put them in proxy.credentials as references (username, password), never in the URL';
  if ((url.pathname !== '/' && url.pathname !== '') || url.search !== '' || url.hash !== '')
    return 'has a path, query or fragment: a forward proxy URL is only scheme, host and port (http://proxy.internal:3128)';
  return undefined;
}

/**
 * The gateway's forward proxy (HTTP CONNECT): `{ url, credentials?, ca? }`, or `env` for HTTPS_PROXY /
 * NO_PROXY from the environment of the process that probes (the CLI on the gateway host; a deployed Lambda
 * has none unless set), or `none` to connect directly (a processor overriding a default proxy).
 */
export const ProxySchema = z.union([
  z.enum(['env', 'none']),
  z.strictObject({
    /** http://host:port or https://host:port (TLS to the proxy); a reference is checked when read. */
    url: valueOrRef(
      z.string().check(
        atMost(LIMITS.url, 'a proxy URL'),
        urlHost,
        z.refine((s) => s.length > LIMITS.url || proxyUrlProblem(s) === undefined, {
          error: (issue) => proxyUrlProblem(String(issue.input)) ?? 'not a proxy URL',
        }),
      ),
    ),
    /** Basic credentials sent only to the proxy, in Proxy-Authorization on the CONNECT request. */
    credentials: z.optional(
      z.strictObject({
        username: valueOrRef(z.string().check(z.minLength(1), atMost(LIMITS.text, 'a user name'))),
        password: SecretRefSchema,
      }),
    ),
    /** Extra trust for an https:// proxy's own certificate (PEM); default: Node's public roots. */
    ca: z.optional(SecretRefSchema),
  }),
]);
export type ProxySettings = Exclude<z.infer<typeof ProxySchema>, string>;

/** AWS ids as CloudFormation takes them. */
export const AWS_ID = {
  vpc: /^vpc-[0-9a-f]{8,17}$/,
  subnet: /^subnet-[0-9a-f]{8,17}$/,
  securityGroup: /^sg-[0-9a-f]{8,17}$/,
} as const;

/**
 * Where the probe function runs (CDK only; the CLI probes from wherever it runs): the integration's VPC, its
 * subnets (private: the functions get no public IP) and security groups. All three ids are needed; model.ts
 * names the missing ones.
 */
const NetworkSchema = z.strictObject({
  vpc: z.strictObject({
    vpcId: z.optional(z.string().check(z.regex(AWS_ID.vpc, 'a VPC id, e.g. vpc-0abc12345def67890'))),
    subnetIds: z.optional(
      z
        .array(z.string().check(z.regex(AWS_ID.subnet, 'a subnet id, e.g. subnet-0abc12345def67890')))
        .check(atMostItems(LIMITS.list, 'subnets')),
    ),
    securityGroupIds: z.optional(
      z
        .array(
          z.string().check(z.regex(AWS_ID.securityGroup, 'a security group id, e.g. sg-0abc12345def67890')),
        )
        .check(atMostItems(LIMITS.list, 'security groups')),
    ),
  }),
});
export type NetworkSettings = z.infer<typeof NetworkSchema>;

const HTTP_METHODS = ['GET', 'HEAD', 'POST', 'OPTIONS'] as const;

/**
 * A check on the configured request's response body (within maxBodyBytes), after its status passed: a JSON
 * value at a dotted path (`data.ping`, `errors.0.code`; present, or equal to `equals`), or a substring.
 * Plain objects in a union, so the JSON Schema generated from this schema can express it.
 */
const ExpectBodySchema = z.union([
  z.strictObject({
    json: z.strictObject({
      /** Dotted path into the JSON body; a number indexes an array. */
      path: z
        .string()
        .check(
          atMost(LIMITS.text, 'a dotted path'),
          z.regex(/^[^.]+(\.[^.]+)*$/, 'a dotted path such as data.ping'),
        ),
      /** The value there; without it the path must merely hold a value (not null). */
      equals: z.optional(
        z.union([z.string().check(atMost(LIMITS.text, 'an expected value')), z.number(), z.boolean()]),
      ),
    }),
  }),
  z.strictObject({ contains: z.string().check(z.minLength(1), atMost(LIMITS.text, 'an expected text')) }),
]);
export type ExpectBody = z.infer<typeof ExpectBodySchema>;

const AuthSchema = z.strictObject({
  /** The one cheap, side-effect-free request that proves the credentials. */
  request: z.optional(
    z.strictObject({
      method: z.optional(z.enum(HTTP_METHODS)),
      /** A reference must hold a path starting with /; checked when read (probe time). */
      path: valueOrRef(
        z.string().check(z.startsWith('/', 'a path starting with /'), atMost(LIMITS.path, 'a request path')),
      ),
      headers: z.optional(
        z
          .record(
            z
              .string()
              .check(
                atMost(LIMITS.headerName, 'an HTTP header name'),
                z.regex(HEADER_NAME, "an HTTP header name (letters, digits and !#$%&'*+-.^_`|~)"),
              ),
            z
              .string()
              .check(
                atMost(LIMITS.headerValue, 'an HTTP header value'),
                z.regex(HEADER_VALUE, 'an HTTP header value: one line, no control characters'),
              ),
          )
          .check(
            z.refine(
              (h) => Object.keys(h).length <= LIMITS.headers,
              `too many headers: at most ${LIMITS.headers}`,
            ),
          ),
      ),
      body: z.optional(z.string().check(atMost(LIMITS.body, 'a request body'))),
    }),
  ),
  credentials: z.optional(CredentialsSchema),
  /** Statuses that count as success. @default [200] */
  expectStatus: z.optional(
    z
      .array(z.number().check(z.int(), z.gte(100), z.lte(599)))
      .check(z.minLength(1), atMostItems(LIMITS.list, 'statuses')),
  ),
  /** What the response body must hold (after expectStatus passed). @default the preset's, else none */
  expectBody: z.optional(ExpectBodySchema),
  /**
   * Adyen: the merchant account the preset's `paymentMethods` request names (required by the adyen preset
   * unless auth.request is set).
   */
  merchantAccount: z.optional(z.string().check(z.minLength(1), atMost(LIMITS.text, 'a merchant account'))),
});

const AlarmsSchema = z.strictObject({
  /** Probes in the evaluation window (the N of M-of-N; one probe per period). Up to 100 (15 min at 10 s is 90). */
  evaluationPeriods: z.optional(z.number().check(z.int(), z.gte(1), z.lte(100))),
  /** Failed probes that raise the alarm (the M of M-of-N). */
  datapointsToAlarm: z.optional(z.number().check(z.int(), z.gte(1), z.lte(100))),
  /** Availability (percent of successful probes) below which the critical alarm fires. */
  availabilityThreshold: z.optional(z.number().check(z.gte(0), z.lte(100))),
  /** Warning when TotalTime p90 exceeds this many milliseconds. */
  latencyBudgetMs: z.optional(z.number().check(z.int(), z.positive())),
});

/** Fields that may be set in `defaults` and overridden per processor. */
const ProbeSettingsShape = {
  /** Probe spacing: 60 (one probe a minute), or 10, 20 or 30 for sub-minute probing. @default 60 */
  intervalSeconds: z.optional(
    // zod/mini's refine does not narrow the output type; the predicate guarantees it.
    z
      .number()
      .check(
        z.refine((n) => (INTERVALS as readonly number[]).includes(n), 'one of 10, 20, 30 or 60 (seconds)'),
      ) as z.ZodMiniType<(typeof INTERVALS)[number], number>,
  ),
  /** Per-phase timeout in milliseconds. */
  timeoutMs: z.optional(z.number().check(z.int(), z.gte(100), z.lte(60000))),
  /** Whole-probe budget in milliseconds. @default 3 × timeoutMs, capped 1 s under the interval */
  budgetMs: z.optional(z.number().check(z.int(), z.gte(100), z.lte(120000))),
  /** SLOW_RESPONSE warning above this total time. */
  slowResponseMs: z.optional(z.number().check(z.int(), z.positive())),
  /** Cap on the response body read, in bytes. */
  maxBodyBytes: z.optional(z.number().check(z.int(), z.gte(0), z.lte(1048576))),
  /**
   * Removed: there is one metrics mode (lambdas/core/policy/publishing.ts). Kept in the schema only to say so,
   * instead of "unknown field", to a config written for an earlier version.
   */
  metrics: z.optional(
    z
      .unknown()
      .check(
        z.refine(
          () => false,
          'removed: every run now publishes only the metrics the alarms watch, and the phase timings are in the probe log and on the dashboard (docs/lambda.md "Metrics"); delete this field',
        ),
      ),
  ),
  tls: z.optional(TlsSchema),
  /** The gateway's forward proxy; a processor's setting replaces the default's whole. */
  proxy: z.optional(ProxySchema),
  /** The VPC placement of the deployed probe; a processor's setting replaces the default's whole. */
  network: z.optional(NetworkSchema),
  alarms: z.optional(AlarmsSchema),
};

const SubscriptionSchema = z.union([
  z.strictObject({ email: z.email().check(atMost(254, 'an email address')) }),
  z.strictObject({ https: z.url({ protocol: /^https$/ }).check(atMost(LIMITS.url, 'a URL'), urlHost) }),
  z.strictObject({
    sms: z.string().check(z.regex(/^\+[1-9][0-9]{6,14}$/, 'a phone number in E.164 form, e.g. +14155550100')),
  }),
]);
export type Subscription = z.infer<typeof SubscriptionSchema>;

export const PROCESSOR_NAME = /^[a-z0-9](?:[a-z0-9-]{0,62})$/;

export const ProcessorSchema = z.strictObject({
  name: z
    .string()
    .check(z.regex(PROCESSOR_NAME, 'lower-case letters, digits and "-" (the metric dimension)')),
  /** Fills endpoint, auth request and credential type for a known processor; explicit fields win. */
  preset: z.optional(z.string().check(atMost(LIMITS.text, 'a preset name'))),
  /** Which of the preset's hosts to use. @default production */
  environment: z.optional(z.enum(['sandbox', 'production'])),
  endpoint: z.optional(
    valueOrRef(z.url({ protocol: /^https?$/ }).check(atMost(LIMITS.url, 'a URL'), urlHost)),
  ),
  auth: z.optional(AuthSchema),
  ...ProbeSettingsShape,
});

/**
 * A maintenance window (lambdas/core/config/maintenance.ts validates the combinations, the processors and the
 * clock): pages for `processors` are held back while it is open; probes and metrics go on.
 */
const MaintenanceSchema = z.strictObject({
  /** The processors whose pages are held back. */
  processors: z
    .array(z.string().check(z.minLength(1), atMost(LIMITS.text, 'a processor name')))
    .check(z.minLength(1, 'at least one processor'), atMostItems(LIMITS.list, 'processors')),
  /** Why: shown by `payprobe check` and in the mute rule's description. */
  reason: z.string().check(z.minLength(1), z.maxLength(200)),
  /** One window: its start, ISO 8601 with a zone (2026-12-01T02:00Z). */
  start: z.optional(z.string().check(atMost(LIMITS.text, 'a date and time'))),
  /** One window: its end. */
  end: z.optional(z.string().check(atMost(LIMITS.text, 'a date and time'))),
  /** A recurring window: "minute hour day-of-month month day-of-week", weekdays by name ("0 3 * * SUN"). */
  cron: z.optional(z.string().check(atMost(LIMITS.text, 'a cron expression'))),
  /** A recurring window: how long each lasts (2h, 90m, 1h30m; up to 15d). */
  duration: z.optional(z.string().check(atMost(LIMITS.text, 'a duration'))),
  /** A recurring window: the IANA time zone of `cron`. @default UTC */
  timezone: z.optional(z.string().check(atMost(LIMITS.text, 'a time zone'))),
});

export const ConfigSchema = z.strictObject({
  defaults: z.optional(z.strictObject(ProbeSettingsShape)),
  /** Deploy the same monitors into each of these regions (one stack each). */
  regions: z.optional(
    z
      .array(
        z
          .string()
          .check(
            atMost(LIMITS.label, 'an AWS region'),
            z.regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'an AWS region, e.g. eu-west-1'),
          ),
      )
      .check(z.minLength(1), atMostItems(LIMITS.list, 'regions')),
  ),
  /** Run every probe during `cdk deploy` and roll back on a critical failure. @default false */
  preflight: z.optional(z.boolean()),
  /** The live audit of the deployed processors' settings (docs/audit.md "Live audit"). */
  audit: z.optional(
    z.strictObject({
      /** Audit the live settings in the deployed stack. @default true */
      live: z.optional(z.boolean()),
      /** Hours between scheduled live audits (an input change also starts one). @default 24 */
      everyHours: z.optional(z.number().check(z.int(), z.gte(1), z.lte(168))),
    }),
  ),
  alerting: z.optional(
    z.strictObject({
      critical: z.optional(z.array(SubscriptionSchema)),
      warning: z.optional(z.array(SubscriptionSchema)),
      /**
       * Also send CloudWatch's own alarm notifications to the topics, beside the diagnose function's one page
       * per incident (for a pager integration that reads CloudWatch's format, e.g. PagerDuty's CloudWatch
       * integration): docs/deploy.md "Who pages". @default false
       */
      directAlarmNotifications: z.optional(z.boolean()),
    }),
  ),
  /**
   * The cross-processor verdict (docs/diagnosis.md "One incident, one verdict"): how many processors failing
   * alike make one incident, and how close together their failures must start.
   */
  verdict: z.optional(
    z.strictObject({
      /** @default 2 */
      minProcessors: z.optional(z.number().check(z.int(), z.gte(2), z.lte(1000))),
      /** @default 10 */
      windowMinutes: z.optional(z.number().check(z.int(), z.gte(1), z.lte(120))),
    }),
  ),
  processors: z.array(ProcessorSchema).check(z.minLength(1, 'at least one processor')),
  /** Maintenance windows: pages held back, probes and metrics go on (docs/deploy.md "Maintenance windows"). */
  maintenance: z.optional(z.array(MaintenanceSchema).check(atMostItems(LIMITS.list, 'maintenance windows'))),
});

export type RawConfig = z.infer<typeof ConfigSchema>;
export type RawProcessor = z.infer<typeof ProcessorSchema>;
export type TlsSettings = z.infer<typeof TlsSchema>;
export type AuthSettings = z.infer<typeof AuthSchema>;
export type AlarmSettings = z.infer<typeof AlarmsSchema>;
export type ValueOrRef<T> = T | SecretRef;
