/**
 * `payprobe audit`: static rules over a validated config and what its secrets contain. Each finding names the
 * rule, its severity, the config field to change, what is wrong, why it matters and how to fix it.
 *
 * - error: the config would probe the wrong thing, probe insecurely, or never page anyone (exit status 1).
 * - warning: a weakness worth fixing; the monitor still works.
 * - info: something the audit could not check, or a fact worth knowing (an unverified preset detail).
 *
 * Secret contents (our client certificate and key, the CA bundle, API keys whose prefix tells test from live)
 * are read through a SecretResolver. A reference that cannot be read here (an AWS reference without
 * credentials) is reported as "not checked", never as a failure of the audit. No finding ever contains a
 * secret value: messages name references (`secretsManager payprobe/x`), never what they hold.
 */
import { createPrivateKey, type KeyObject, X509Certificate } from 'node:crypto';
import type { LoadedConfig, ProcessorConfig } from '../config/load';
import { type Environment, hostEnvironment, PRESETS } from '../config/presets';
import { parseCipherList, parsePins, parseTlsVersion, shortValue } from '../config/referenced-values';
import type { SecretRef, TlsVersion } from '../config/schema';
import { TLS_VERSIONS } from '../config/schema';
import { describeRef, isSecretRef, type SecretResolver } from '../secrets/resolver';

export type Severity = 'error' | 'warning' | 'info';

export interface RuleInfo {
  readonly severity: Severity;
  /** One line: what the rule looks for (the docs' rule table). */
  readonly what: string;
  readonly why: string;
  /** The general fix; a finding may carry a more specific one. */
  readonly fix: string;
}

/** Every rule, in report order. Ids are stable: scripts may filter on them. */
export const RULES = {
  'endpoint-not-https': {
    severity: 'error',
    what: 'the endpoint or the OAuth token URL is not https://',
    why: 'credentials and payment data would cross the network in clear text; PCI DSS 4.0 Req 4.2.1 requires strong cryptography in transit',
    fix: 'use the https:// URL of the processor',
  },
  'tls-verify-disabled': {
    severity: 'error',
    what: 'tls.verify is false',
    why: 'without certificate verification the probe passes against any server, including an interceptor, and misses expired or untrusted certificates: the failures it exists to catch',
    fix: 'remove tls.verify (it defaults to true); for a private CA set tls.ca instead',
  },
  'tls-min-version-too-low': {
    severity: 'error',
    what: 'tls.minVersion is below TLSv1.2',
    why: 'PCI DSS 4.0 Req 4.2.1 allows only secure protocol versions with no fallback; TLS 1.0/1.1 are early TLS, not allowed since 2018-06-30, and most processors refuse them',
    fix: 'set tls.minVersion: TLSv1.2 (or TLSv1.3 where the processor supports it)',
  },
  'tls-max-version-too-low': {
    severity: 'error',
    what: 'tls.maxVersion is below TLSv1.2',
    why: 'the probe could only negotiate early TLS, which processors refuse and PCI DSS 4.0 Req 4.2.1 forbids',
    fix: 'remove tls.maxVersion or set it to TLSv1.2 or TLSv1.3',
  },
  'tls-version-range-empty': {
    severity: 'error',
    what: 'tls.minVersion is above tls.maxVersion',
    why: 'no protocol version satisfies both: every probe fails before the handshake',
    fix: 'make tls.maxVersion at least tls.minVersion',
  },
  'weak-ciphers': {
    severity: 'error',
    what: 'tls.ciphers enables NULL, anonymous, export, RC4, DES/3DES or MD5 suites',
    why: 'these suites are broken; PCI DSS 4.0 Req 4.2.1 requires strong cryptography, and a probe that negotiates them does not reflect a compliant integration',
    fix: 'remove the weak suites from tls.ciphers or exclude them with "!", e.g. "HIGH:!aNULL:!MD5:!RC4:!3DES"',
  },
  'pin-without-backup': {
    severity: 'warning',
    what: 'tls.pins holds a single pin',
    why: 'when the processor rotates its key, the only pin stops matching and every probe fails with CERT_PIN_MISMATCH until the config is redeployed',
    fix: 'add a backup pin (the next key, or the issuing CA key) next to the current one',
  },
  'pinning-discouraged': {
    severity: 'warning',
    what: 'tls.pins is set for a processor whose docs advise against pinning (Stripe, Worldpay, Razorpay, Authorize.net)',
    why: 'these processors change certificates and CAs without notice (e.g. Worldpay DigiCert to Sectigo 2023, Authorize.net Entrust to DigiCert 2024-25); a pin turns a routine rotation into an outage page',
    fix: 'remove tls.pins; rely on CA validation and the certificate-expiry warnings instead',
  },
  'sandbox-host-in-production': {
    severity: 'error',
    what: 'the endpoint is a sandbox/test host but the processor is marked production',
    why: 'the probe would watch the sandbox while production payments fail unobserved',
    fix: 'point endpoint at the production host, or set environment: sandbox if this monitor is meant for the sandbox',
  },
  'production-host-in-sandbox': {
    severity: 'error',
    what: 'the endpoint is a production host but the processor is marked sandbox',
    why: 'the probe sends sandbox credentials to production (or production ones where nobody expects them) and pages on a monitor labelled as a sandbox',
    fix: 'point endpoint at the sandbox host, or set environment: production',
  },
  'test-key-in-production': {
    severity: 'error',
    what: 'a processor marked production uses a test-mode API key (e.g. sk_test_)',
    why: 'the probe authenticates against the test mode: it passes while live credentials may be revoked or wrong',
    fix: 'store the live key in the referenced secret, or set environment: sandbox',
  },
  'live-key-in-sandbox': {
    severity: 'error',
    what: 'a processor marked sandbox uses a live API key (e.g. sk_live_)',
    why: 'a live key is handled with sandbox care (wider access, lower alert severity); the monitor is mislabelled',
    fix: 'use the test-mode key for a sandbox monitor, or set environment: production',
  },
  'local-secret-source': {
    severity: 'error',
    what: 'a credential comes from { file } or { env }, or any value from { env }, in a config that is deployed',
    why: 'deployed probes read Secrets Manager and SSM only: an { env } reference never resolves there, and a credential in a file would be bundled into the Lambda code asset, readable by anyone who can download the function',
    fix: 'store the value in Secrets Manager ({ secretsManager: NAME }) or an SSM SecureString ({ ssm: NAME }); run `payprobe audit --local` for a config used only by `payprobe check`',
  },
  'secret-inline': {
    severity: 'error',
    what: 'a credential is written into the config: an Authorization/API-key header, a key in the URL, or a known key format',
    why: 'the config file is committed, synthesised into the CloudFormation template and printed by tools; a credential there is leaked',
    fix: 'move the credential into auth.credentials with a secret reference ({ secretsManager: NAME }) and rotate the exposed one',
  },
  'secret-unreadable': {
    severity: 'error',
    what: 'a { file } or { env } reference cannot be read',
    why: 'every probe of this processor would fail with CONFIG_ERROR',
    fix: 'create the file (paths are relative to the config file) or set the environment variable',
  },
  'client-cert-invalid': {
    severity: 'error',
    what: 'the client certificate or key is not valid PEM, or the key cannot be decrypted',
    why: 'every probe would fail with CONFIG_ERROR before connecting',
    fix: 'store the PEM certificate in tls.clientCert and the PEM private key in tls.clientKey (with tls.clientKeyPassphrase when it is encrypted)',
  },
  'client-cert-expired': {
    severity: 'error',
    what: 'our client certificate is expired or not yet valid',
    why: 'the processor rejects the mTLS handshake: the integration is down (CLIENT_CERT_EXPIRED)',
    fix: 'renew the client certificate with the processor and store the new one (and its key) in the referenced secrets',
  },
  'client-cert-expiring': {
    severity: 'warning',
    what: 'our client certificate expires within tls.clientCertExpiryWarningDays',
    why: 'renewing an mTLS certificate usually needs the processor to register it: start before it expires',
    fix: 'request a new client certificate from the processor now and plan the switch',
  },
  'client-key-mismatch': {
    severity: 'error',
    what: 'tls.clientKey is not the private key of tls.clientCert',
    why: 'the handshake cannot be completed: every probe fails with CONFIG_ERROR (often after a renewal that replaced only one of the two)',
    fix: 'store the key that belongs to the certificate (or the certificate that belongs to the key)',
  },
  'ca-invalid': {
    severity: 'error',
    what: 'tls.ca holds no valid PEM certificate',
    why: 'the extra trust would be ignored or fail to load: probes fail with CONFIG_ERROR or CERT_UNTRUSTED',
    fix: 'store one or more PEM certificates ("-----BEGIN CERTIFICATE-----") in the referenced CA bundle',
  },
  'referenced-value-invalid': {
    severity: 'error',
    what: 'a reference for tls.minVersion/maxVersion, tls.ciphers, tls.pins, auth.credentials.tokenUrl or auth.request.path holds a value that field does not accept',
    why: 'every probe of this processor fails with CONFIG_ERROR; if the integration reads the same value, it is misconfigured too',
    fix: 'store a valid value in the referenced parameter: a TLS version (TLSv1.2), an OpenSSL cipher list, pins "sha256/BASE64=" separated by commas or newlines, a token URL, or a path starting with /',
  },
  'no-auth-check': {
    severity: 'warning',
    what: 'no authenticated request is configured (handshake-only probing)',
    why: 'a handshake-only probe passes while the processor rejects the credentials (AUTH_REJECTED is never seen)',
    fix: 'add auth.credentials and auth.request (a cheap read-only call), or use a preset that has one',
  },
  'expect-status-accepts-rejection': {
    severity: 'error',
    what: 'auth.expectStatus includes 401, 403 or 407',
    why: 'a rejected credential would count as success: the auth check can never fail',
    fix: 'list only the statuses of an accepted request in auth.expectStatus (usually 200)',
  },
  'no-critical-subscriber': {
    severity: 'error',
    what: 'alerting.critical has no subscriber',
    why: 'critical alarms (handshake, auth, availability, probe not running) would fire into a topic nobody reads',
    fix: 'add at least one subscriber to alerting.critical, e.g. { email: oncall@example.com } or a pager { https: ... } URL',
  },
  'no-warning-subscriber': {
    severity: 'warning',
    what: 'alerting.warning has no subscriber',
    why: 'certificate-expiry and latency warnings go unread until they become a critical outage',
    fix: 'add a subscriber to alerting.warning, e.g. the payments team mailing list',
  },
  'timeout-not-below-interval': {
    severity: 'error',
    what: 'timeoutMs or budgetMs is not below the probe interval',
    why: 'runs would overlap and a hanging processor would delay the next probe and its metrics',
    fix: 'lower timeoutMs/budgetMs below intervalSeconds × 1000, or raise intervalSeconds',
  },
  'budget-near-interval': {
    severity: 'warning',
    what: 'budgetMs leaves less than 1 s of the interval for publishing metrics',
    why: 'a probe that uses its whole budget finishes so late that publishing can spill into the next run',
    fix: 'set budgetMs at least 1000 ms below the interval (or remove it: the default leaves room)',
  },
  'duplicate-name': {
    severity: 'error',
    what: 'two processors have the same name',
    why: 'the name is the metric dimension: their metrics and alarms would mix',
    fix: 'give each processor a unique name',
  },
  'duplicate-endpoint': {
    severity: 'warning',
    what: 'two processors probe the same endpoint with the same credentials',
    why: 'the same outage pages twice and the probes cost double',
    fix: 'remove one of them, or give them different credentials or environments if both are meant',
  },
  'bundled-file': {
    severity: 'info',
    what: 'a non-secret value (CA bundle, client certificate) comes from { file }',
    why: 'the file is packaged with the deployed function: a change needs a redeploy, and the probe does not follow the integration if the integration reads it from elsewhere',
    fix: 'fine for a stable public file; to probe with the integration’s live setting, reference the SSM parameter or secret the integration reads',
  },
  'preset-unverified': {
    severity: 'info',
    what: 'the preset has details that are not confirmed by the processor’s docs',
    why: 'the request or status the preset assumes may differ from the processor’s real behaviour',
    fix: 'confirm with `payprobe check` against the sandbox, and override auth.request / auth.expectStatus if needed',
  },
  'not-checked': {
    severity: 'info',
    what: 'a secret the audit needs could not be read here (e.g. an AWS reference without credentials)',
    why: 'the rules that depend on its content (client certificate, key, CA, key mode, referenced TLS versions, ciphers and pins, token URL) were skipped',
    fix: 'run the audit with AWS credentials for the account (AWS_PROFILE / AWS_REGION), or trust `payprobe check`',
  },
} as const satisfies Record<string, RuleInfo>;

export type RuleId = keyof typeof RULES;
export const RULE_IDS = Object.keys(RULES) as RuleId[];

export interface Finding {
  readonly rule: RuleId;
  readonly severity: Severity;
  /** The processor concerned; null for config-wide findings (alerting). */
  readonly processor: string | null;
  /** Dotted path of the field to change, e.g. processors[1].tls.minVersion or defaults.tls.verify. */
  readonly field: string;
  /** What is wrong, concretely. Never contains a secret value. */
  readonly message: string;
  readonly why: string;
  readonly fix: string;
}

export interface AuditSummary {
  readonly processors: number;
  readonly errors: number;
  readonly warnings: number;
  readonly infos: number;
  /** No error-level finding. */
  readonly ok: boolean;
}

export interface AuditReport {
  readonly file: string;
  readonly findings: readonly Finding[];
  readonly summary: AuditSummary;
}

export interface AuditOptions {
  /** Reads secret contents for the certificate, key, CA and key-mode rules. @default none: those rules report not-checked */
  readonly secrets?: SecretResolver;
  /** Wall clock for certificate dates. @default () => new Date() */
  readonly now?: () => Date;
  /**
   * The config is deployed (Lambdas read Secrets Manager and SSM only): { env } references and credentials from
   * { file } are errors. False for a config used only by `payprobe check` on one machine. @default true
   */
  readonly deployed?: boolean;
  /** Give up reading one secret after this long and report it as not checked. @default 5000 */
  readonly secretTimeoutMs?: number;
}

/**
 * Hosts of processors without a preset (Authorize.net), with the presets' own sandboxHosts/productionHosts
 * the audit's host table. Matching includes subdomains.
 */
const EXTRA_HOSTS: Readonly<Record<Environment, readonly string[]>> = {
  sandbox: ['apitest.authorize.net'],
  production: ['api.authorize.net'],
};
/** Processors whose documentation advises against certificate pinning (../shared/processors.md). */
const PINNING_DISCOURAGED: readonly {
  name: string;
  presets: readonly string[];
  domains: readonly string[];
}[] = [
  { name: 'Stripe', presets: ['stripe'], domains: ['stripe.com'] },
  { name: 'Worldpay', presets: ['worldpay'], domains: ['worldpay.com'] },
  { name: 'Razorpay', presets: ['razorpay'], domains: ['razorpay.com'] },
  { name: 'Authorize.net', presets: [], domains: ['authorize.net'] },
];
/** Razorpay puts the mode in the key id (the Basic user name), which presets' keyPrefixes do not cover. */
const USERNAME_PREFIXES: Readonly<Record<string, Readonly<Record<Environment, readonly string[]>>>> = {
  razorpay: { sandbox: ['rzp_test_'], production: ['rzp_live_'] },
};
/** Credential formats recognisable anywhere in the config (a leaked literal). */
const KEY_LITERAL =
  /\b(sk|rk)_(live|test)_[A-Za-z0-9]{8,}|\bFLWSECK(_TEST)?-[A-Za-z0-9]{8,}|\brzp_(live|test)_[A-Za-z0-9]{8,}/;
const CREDENTIAL_HEADER =
  /^(authorization|proxy-authorization|cookie|x-api-key|api-key|apikey|x-auth-token|x-access-token)$|(secret|token|password|passwd|api[-_]?key)/i;
const CREDENTIAL_QUERY =
  /^(api[-_]?key|apikey|key|secret|client[-_]?secret|token|access[-_]?token|password|passwd|sig|signature)$/i;
const WEAK_CIPHER_TOKENS = new Set([
  'NULL',
  'ENULL',
  'ANULL',
  'EXPORT',
  'EXP',
  'LOW',
  'RC4',
  'DES',
  '3DES',
  'MD5',
  'ADH',
  'AECDH',
  'IDEA',
  'SEED',
  'RC2',
]);
const BUDGET_HEADROOM_MS = 1000;
const DAY_MS = 86_400_000;

/** Runs every rule over a loaded config. Never throws for what it finds; only a bug throws. */
export async function audit(config: LoadedConfig, options: AuditOptions = {}): Promise<AuditReport> {
  const ctx = new AuditContext(config, options);
  ctx.configWide();
  await Promise.all(config.processors.map((p, i) => ctx.processor(p, i)));
  ctx.duplicates();
  const findings = sortFindings(ctx.findings, config.processors);
  const count = (s: Severity) => findings.filter((f) => f.severity === s).length;
  const errors = count('error');
  return {
    file: config.file,
    findings,
    summary: {
      processors: config.processors.length,
      errors,
      warnings: count('warning'),
      infos: count('info'),
      ok: errors === 0,
    },
  };
}

function sortFindings(findings: readonly Finding[], processors: readonly ProcessorConfig[]): Finding[] {
  const order = new Map(processors.map((p, i) => [p.name, i] as const));
  const sev: Record<Severity, number> = { error: 0, warning: 1, info: 2 };
  const rule = new Map(RULE_IDS.map((r, i) => [r, i] as const));
  const key = (f: Finding) => (f.processor === null ? -1 : (order.get(f.processor) ?? processors.length));
  return [...findings].sort(
    (a, b) =>
      key(a) - key(b) ||
      sev[a.severity] - sev[b.severity] ||
      (rule.get(a.rule) ?? 0) - (rule.get(b.rule) ?? 0) ||
      a.field.localeCompare(b.field),
  );
}

type Read = { ok: true; value: string } | { ok: false };

class AuditContext {
  readonly findings: Finding[] = [];
  private readonly now: Date;
  private readonly deployed: boolean;
  private readonly timeoutMs: number;
  /** Resolved endpoint URL per processor index (after reading an endpoint reference). */
  private readonly endpoints = new Map<number, string>();

  constructor(
    private readonly config: LoadedConfig,
    private readonly options: AuditOptions,
  ) {
    this.now = (options.now ?? (() => new Date()))();
    this.deployed = options.deployed ?? true;
    this.timeoutMs = options.secretTimeoutMs ?? 5000;
  }

  private add(
    rule: RuleId,
    processor: string | null,
    field: string,
    message: string,
    extra: { fix?: string; severity?: Severity } = {},
  ): void {
    const info = RULES[rule];
    this.findings.push({
      rule,
      severity: extra.severity ?? info.severity,
      processor,
      field,
      message,
      why: info.why,
      fix: extra.fix ?? info.fix,
    });
  }

  /**
   * Where a processor's setting comes from, for the finding's field: the processor's own field, else the
   * defaults' field, else the preset (for fields a preset fills), else the processor's field as if unset.
   */
  private origin(i: number, dotted: string, presetFills = false): string {
    const raw = this.config.raw;
    if (getPath(raw.processors[i], dotted) !== undefined) return `processors[${i}].${dotted}`;
    if (getPath(raw.defaults, dotted) !== undefined) return `defaults.${dotted}`;
    if (presetFills && raw.processors[i]?.preset !== undefined) return `processors[${i}].preset`;
    return `processors[${i}].${dotted}`;
  }

  configWide(): void {
    const alerting = this.config.raw.alerting;
    if ((alerting?.critical?.length ?? 0) === 0) {
      this.add(
        'no-critical-subscriber',
        null,
        'alerting.critical',
        alerting?.critical
          ? 'alerting.critical is an empty list'
          : 'alerting.critical is not set: critical alarms page nobody',
      );
    }
    if ((alerting?.warning?.length ?? 0) === 0) {
      this.add('no-warning-subscriber', null, 'alerting.warning', 'alerting.warning has no subscriber');
    }
  }

  async processor(p: ProcessorConfig, i: number): Promise<void> {
    const at = (field: string) => `processors[${i}].${field}`;
    const preset = p.preset !== undefined ? PRESETS[p.preset] : undefined;
    if (preset?.unverified) {
      this.add('preset-unverified', p.name, at('preset'), `preset "${p.preset}": ${preset.unverified}`);
    }

    // Endpoint: a plain URL, or a reference the integration itself reads.
    const endpointField = this.origin(i, 'endpoint', true);
    let endpoint: string | undefined;
    if (isSecretRef(p.endpoint)) {
      const read = await this.read(
        p,
        p.endpoint,
        endpointField,
        'the endpoint checks (HTTPS, sandbox/production host)',
      );
      if (read.ok) endpoint = read.value.trim();
    } else {
      endpoint = p.endpoint;
    }
    const url = endpoint !== undefined ? parseUrl(endpoint) : undefined;
    if (endpoint !== undefined) {
      this.endpoints.set(i, endpoint);
      if (!url) {
        const source = isSecretRef(p.endpoint) ? ` read from ${describeRef(p.endpoint)}` : '';
        this.add('endpoint-not-https', p.name, endpointField, `the endpoint${source} is not a URL`, {
          fix: 'store the processor base URL, e.g. https://api.example.com, in the referenced parameter',
        });
      } else if (url.protocol !== 'https:') {
        this.add(
          'endpoint-not-https',
          p.name,
          endpointField,
          `endpoint uses ${url.protocol.replace(':', '')}:// (${url.host})`,
          {
            fix: `use https://${url.host}${url.pathname === '/' ? '' : url.pathname}`,
          },
        );
      }
      if (url) this.inlineUrl(p, url, endpointField);
    }
    const creds = p.auth?.credentials;
    if (creds?.type === 'oauth2-client-credentials' && creds.tokenUrl !== undefined) {
      const field = this.origin(i, 'auth.credentials.tokenUrl', true);
      let value: string | undefined;
      if (isSecretRef(creds.tokenUrl)) {
        const read = await this.read(p, creds.tokenUrl, field, 'the token URL check (HTTPS)');
        if (read.ok) {
          value = read.value.trim();
          if (value === '' || /\s/.test(value)) {
            this.add(
              'referenced-value-invalid',
              p.name,
              field,
              `${describeRef(creds.tokenUrl)} does not hold a token URL (an https:// URL or a path starting with /, one line)`,
            );
            value = undefined;
          }
        }
      } else {
        value = creds.tokenUrl;
      }
      const tokenUrl = value !== undefined ? parseUrl(value) : undefined;
      if (tokenUrl && tokenUrl.protocol !== 'https:') {
        const source = isSecretRef(creds.tokenUrl) ? ` read from ${describeRef(creds.tokenUrl)}` : '';
        this.add(
          'endpoint-not-https',
          p.name,
          field,
          `the OAuth token URL${source} uses ${tokenUrl.protocol.replace(':', '')}://: the client secret would be sent in clear text`,
          {
            fix: `use https://${tokenUrl.host}${tokenUrl.pathname}, or a path relative to the endpoint`,
          },
        );
      }
    }

    await this.tls(p, i);
    if (url) this.environment(p, i, url, endpointField);
    this.auth(p, i);
    this.timing(p, i);
    this.sources(p, i);
    await Promise.all([this.clientCert(p, i), this.ca(p, i), this.keyMode(p, i, url)]);
  }

  /**
   * A setting that may come from a reference: the plain value, or the referenced one read and checked.
   * Undefined when unset, unreadable (reported by read()) or invalid (reported as referenced-value-invalid).
   */
  private async setting<T>(
    p: ProcessorConfig,
    i: number,
    dotted: string,
    v: T | SecretRef | undefined,
    check: (s: string) => { ok: true; value: T } | { ok: false; problem: string },
  ): Promise<{ value: T; source: string } | undefined> {
    if (v === undefined) return undefined;
    if (!isSecretRef(v)) return { value: v as T, source: '' };
    const field = this.origin(i, dotted);
    const read = await this.read(p, v, field, `the ${dotted} rules`);
    if (!read.ok) return undefined;
    const c = check(read.value);
    if (!c.ok) {
      this.add('referenced-value-invalid', p.name, field, `${dotted}: ${describeRef(v)} ${c.problem}`);
      return undefined;
    }
    return { value: c.value, source: ` (from ${describeRef(v)})` };
  }

  private async tls(p: ProcessorConfig, i: number): Promise<void> {
    const t = p.tls;
    const version = (s: string) => {
      const v = parseTlsVersion(s);
      return v
        ? { ok: true as const, value: v }
        : {
            ok: false as const,
            problem: `holds ${shortValue(s.trim())}, not a TLS version (expected TLSv1, TLSv1.1, TLSv1.2 or TLSv1.3)`,
          };
    };
    const [minSetting, maxSetting, cipherSetting, pinSetting] = await Promise.all([
      this.setting<TlsVersion>(p, i, 'tls.minVersion', t.minVersion, version),
      this.setting<TlsVersion>(p, i, 'tls.maxVersion', t.maxVersion, version),
      this.setting<string>(p, i, 'tls.ciphers', t.ciphers, (s) => {
        const v = parseCipherList(s);
        return v !== undefined
          ? { ok: true as const, value: v }
          : { ok: false as const, problem: `holds ${shortValue(s.trim())}, not an OpenSSL cipher list` };
      }),
      this.setting<readonly string[]>(p, i, 'tls.pins', t.pins, (s) => {
        const r = parsePins(s);
        return r.ok ? { ok: true as const, value: r.pins } : { ok: false as const, problem: r.problem };
      }),
    ]);
    if (t.verify === false) {
      this.add(
        'tls-verify-disabled',
        p.name,
        this.origin(i, 'tls.verify'),
        'tls.verify is false: the server certificate is not checked',
      );
    }
    const rank = (v: TlsVersion) => TLS_VERSIONS.indexOf(v);
    const min = minSetting ? rank(minSetting.value) : undefined;
    if (minSetting && min !== undefined && min < rank('TLSv1.2')) {
      this.add(
        'tls-min-version-too-low',
        p.name,
        this.origin(i, 'tls.minVersion'),
        `tls.minVersion is ${minSetting.value}${minSetting.source}: early TLS is accepted`,
      );
    }
    if (maxSetting) {
      const max = rank(maxSetting.value);
      if (max < rank('TLSv1.2')) {
        this.add(
          'tls-max-version-too-low',
          p.name,
          this.origin(i, 'tls.maxVersion'),
          `tls.maxVersion is ${maxSetting.value}${maxSetting.source}: only early TLS can be negotiated`,
        );
      }
      if (minSetting && min !== undefined && min > max) {
        this.add(
          'tls-version-range-empty',
          p.name,
          this.origin(i, 'tls.maxVersion'),
          `tls.minVersion ${minSetting.value}${minSetting.source} is above tls.maxVersion ${maxSetting.value}${maxSetting.source}`,
        );
      }
    }
    if (cipherSetting) {
      const weak = weakCiphers(cipherSetting.value);
      if (weak.length > 0) {
        // Suite names are public and short; the list itself may be long, so only the weak entries are shown.
        this.add(
          'weak-ciphers',
          p.name,
          this.origin(i, 'tls.ciphers'),
          `tls.ciphers${cipherSetting.source} enables weak suites: ${weak.join(', ')}`,
        );
      }
    }
    const pins = pinSetting?.value ?? [];
    if (pins.length > 0 && new Set(pins).size === 1) {
      this.add(
        'pin-without-backup',
        p.name,
        this.origin(i, 'tls.pins'),
        `tls.pins${pinSetting?.source ?? ''} has one pin and no backup`,
      );
    }
    if (pins.length > 0) {
      const host = this.hostOf(i);
      const who = PINNING_DISCOURAGED.find(
        (d) =>
          (p.preset !== undefined && d.presets.includes(p.preset)) ||
          (host !== undefined && d.domains.some((dom) => hostIn(host, dom))),
      );
      if (who) {
        this.add(
          'pinning-discouraged',
          p.name,
          this.origin(i, 'tls.pins'),
          `${who.name} advises against certificate pinning, but tls.pins${pinSetting?.source ?? ''} is set`,
        );
      }
    }
  }

  private hostOf(i: number): string | undefined {
    const e = this.endpoints.get(i);
    return e !== undefined ? parseUrl(e)?.hostname.toLowerCase() : undefined;
  }

  private environment(p: ProcessorConfig, i: number, url: URL, field: string): void {
    const host = url.hostname.toLowerCase();
    const known = hostEnvironmentOf(p, host);
    const byDefault = this.config.raw.processors[i]?.environment === undefined ? ' (the default)' : '';
    if (p.environment === 'production' && known === 'sandbox') {
      this.add(
        'sandbox-host-in-production',
        p.name,
        field,
        `${host} is a sandbox host, but environment is production${byDefault}`,
      );
    } else if (p.environment === 'production' && known === undefined && looksLikeSandbox(host)) {
      this.add(
        'sandbox-host-in-production',
        p.name,
        field,
        `${host} looks like a sandbox/test host, but environment is production${byDefault}`,
        { severity: 'warning' },
      );
    } else if (p.environment === 'sandbox' && known === 'production') {
      this.add(
        'production-host-in-sandbox',
        p.name,
        field,
        `${host} is a production host, but environment is sandbox`,
      );
    }
  }

  private auth(p: ProcessorConfig, i: number): void {
    const auth = p.auth;
    const creds = auth?.credentials;
    if (!auth || (!auth.request && !creds)) {
      this.add(
        'no-auth-check',
        p.name,
        `processors[${i}].auth`,
        'no auth section: only DNS, TCP and TLS are probed',
      );
    } else if (!creds) {
      this.add(
        'no-auth-check',
        p.name,
        this.origin(i, 'auth.credentials'),
        'auth.request is sent without credentials: it proves the HTTP path, not the credentials',
      );
    } else if (!auth.request && creds.type !== 'oauth2-client-credentials') {
      this.add(
        'no-auth-check',
        p.name,
        this.origin(i, 'auth.request', true),
        `auth.credentials (${creds.type}) is set but no auth.request uses it`,
        {
          fix: 'add auth.request: a cheap read-only call that needs the credentials, e.g. { method: GET, path: /v1/balance }',
        },
      );
    }
    const rejecting = (auth?.expectStatus ?? []).filter((s) => s === 401 || s === 403 || s === 407);
    if (rejecting.length > 0) {
      this.add(
        'expect-status-accepts-rejection',
        p.name,
        this.origin(i, 'auth.expectStatus', true),
        `auth.expectStatus accepts ${rejecting.join(', ')}: rejected credentials would pass`,
      );
    }
    const req = auth?.request;
    if (req) {
      const field = this.origin(i, 'auth.request', true);
      for (const [name, value] of Object.entries(req.headers)) {
        if (CREDENTIAL_HEADER.test(name)) {
          this.add(
            'secret-inline',
            p.name,
            `${field}.headers.${name}`,
            `header "${name}" is written into the config (its value is not shown)`,
            {
              fix: 'remove the header and set auth.credentials with a secret reference (type header: { name, value: { secretsManager: NAME } })',
            },
          );
        } else if (KEY_LITERAL.test(value)) {
          this.add(
            'secret-inline',
            p.name,
            `${field}.headers.${name}`,
            `header "${name}" holds what looks like an API key (its value is not shown)`,
          );
        }
      }
      // A referenced path is the integration's own setting, not written into the config: no inline check.
      const reqUrl =
        typeof req.path === 'string' ? parseUrl(`https://placeholder.invalid${req.path}`) : undefined;
      if (reqUrl) this.inlineQuery(p, reqUrl, `${field}.path`);
      if (req.body !== undefined && KEY_LITERAL.test(req.body)) {
        this.add(
          'secret-inline',
          p.name,
          `${field}.body`,
          'auth.request.body holds what looks like an API key (not shown)',
        );
      }
    }
  }

  private inlineUrl(p: ProcessorConfig, url: URL, field: string): void {
    if (url.username !== '' || url.password !== '') {
      this.add(
        'secret-inline',
        p.name,
        field,
        'the endpoint URL carries user credentials (user:password@host; not shown)',
        {
          fix: `remove the credentials from the URL (https://${url.host}) and use auth.credentials of type basic with a secret reference`,
        },
      );
    }
    this.inlineQuery(p, url, field);
  }

  private inlineQuery(p: ProcessorConfig, url: URL, field: string): void {
    for (const [name, value] of url.searchParams) {
      if ((CREDENTIAL_QUERY.test(name) && value !== '') || KEY_LITERAL.test(value)) {
        this.add(
          'secret-inline',
          p.name,
          field,
          `query parameter "${name}" carries a credential (not shown)`,
        );
      }
    }
  }

  private timing(p: ProcessorConfig, i: number): void {
    const intervalMs = p.intervalSeconds * 1000;
    if (p.timeoutMs >= intervalMs) {
      this.add(
        'timeout-not-below-interval',
        p.name,
        this.origin(i, 'timeoutMs'),
        `timeoutMs ${p.timeoutMs} is not below the ${p.intervalSeconds}-s interval`,
      );
    }
    if (p.budgetMs >= intervalMs) {
      this.add(
        'timeout-not-below-interval',
        p.name,
        this.origin(i, 'budgetMs'),
        `budgetMs ${p.budgetMs} is not below the ${p.intervalSeconds}-s interval`,
      );
    } else if (intervalMs - p.budgetMs < BUDGET_HEADROOM_MS) {
      this.add(
        'budget-near-interval',
        p.name,
        this.origin(i, 'budgetMs'),
        `budgetMs ${p.budgetMs} leaves ${intervalMs - p.budgetMs} ms of the ${p.intervalSeconds}-s interval`,
      );
    }
  }

  /** { env } / { file } references in a deployed config. */
  private sources(p: ProcessorConfig, i: number): void {
    if (!this.deployed) return;
    for (const { field, ref, credential } of refsOf(p)) {
      const where = this.origin(i, field);
      if ('env' in ref) {
        this.add(
          'local-secret-source',
          p.name,
          where,
          `${field} comes from environment variable ${ref.env}, which deployed probes do not have`,
        );
      } else if ('file' in ref && credential) {
        this.add(
          'local-secret-source',
          p.name,
          where,
          `${field} (a credential) comes from file ${ref.file}: it would be bundled into the deployed function`,
        );
      } else if ('file' in ref) {
        this.add(
          'bundled-file',
          p.name,
          where,
          `${field} comes from file ${ref.file}, packaged with the deployed function`,
        );
      }
    }
  }

  private async clientCert(p: ProcessorConfig, i: number): Promise<void> {
    const { clientCert, clientKey, clientKeyPassphrase } = p.tls;
    if (!clientCert) return;
    const certField = this.origin(i, 'tls.clientCert');
    const keyField = this.origin(i, 'tls.clientKey');
    const purpose = 'the client certificate rules (expiry, key match)';
    const [certRead, keyRead, passRead] = await Promise.all([
      this.read(p, clientCert, certField, purpose),
      clientKey ? this.read(p, clientKey, keyField, purpose) : Promise.resolve<Read>({ ok: false }),
      clientKeyPassphrase
        ? this.read(p, clientKeyPassphrase, this.origin(i, 'tls.clientKeyPassphrase'), purpose)
        : Promise.resolve(undefined),
    ]);
    if (!certRead.ok) return;
    let cert: X509Certificate;
    try {
      cert = new X509Certificate(certRead.value);
    } catch (err) {
      this.add(
        'client-cert-invalid',
        p.name,
        certField,
        `${describeRef(clientCert)} is not a PEM certificate (${errCode(err)})`,
      );
      return;
    }
    const validTo = new Date(cert.validTo);
    const validFrom = new Date(cert.validFrom);
    const days = Math.floor((validTo.getTime() - this.now.getTime()) / DAY_MS);
    if (validTo.getTime() <= this.now.getTime()) {
      this.add(
        'client-cert-expired',
        p.name,
        certField,
        `our client certificate expired on ${validTo.toISOString()} (${-days} days ago)`,
      );
    } else if (validFrom.getTime() > this.now.getTime()) {
      this.add(
        'client-cert-expired',
        p.name,
        certField,
        `our client certificate is not valid before ${validFrom.toISOString()}`,
        {
          fix: 'check the clock and the certificate dates; store the certificate that is valid now',
        },
      );
    } else if (days < p.tls.clientCertExpiryWarningDays) {
      this.add(
        'client-cert-expiring',
        p.name,
        certField,
        `our client certificate expires on ${validTo.toISOString()} (in ${days} days; warning window ${p.tls.clientCertExpiryWarningDays})`,
      );
    }
    if (!clientKey || !keyRead.ok || (clientKeyPassphrase && !passRead?.ok)) return;
    let key: KeyObject;
    try {
      key = createPrivateKey({ key: keyRead.value, ...(passRead?.ok ? { passphrase: passRead.value } : {}) });
    } catch (err) {
      this.add(
        'client-cert-invalid',
        p.name,
        keyField,
        `${describeRef(clientKey)} is not a usable PEM private key (${errCode(err)})`,
        {
          fix: 'store the PEM private key; if it is encrypted, set tls.clientKeyPassphrase to the reference of its passphrase',
        },
      );
      return;
    }
    if (!cert.checkPrivateKey(key)) {
      this.add(
        'client-key-mismatch',
        p.name,
        keyField,
        `${describeRef(clientKey)} is not the private key of the certificate in ${describeRef(clientCert)}`,
      );
    }
  }

  private async ca(p: ProcessorConfig, i: number): Promise<void> {
    if (!p.tls.ca) return;
    const field = this.origin(i, 'tls.ca');
    const read = await this.read(p, p.tls.ca, field, 'the CA bundle check');
    if (!read.ok) return;
    const blocks = read.value.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
    const valid = blocks.filter((b) => {
      try {
        new X509Certificate(b);
        return true;
      } catch {
        return false;
      }
    });
    if (valid.length === 0) {
      this.add('ca-invalid', p.name, field, `${describeRef(p.tls.ca)} holds no valid PEM certificate`);
    } else if (valid.length < blocks.length) {
      this.add(
        'ca-invalid',
        p.name,
        field,
        `${describeRef(p.tls.ca)}: ${blocks.length - valid.length} of ${blocks.length} certificates do not parse`,
      );
    }
  }

  /** Test-mode keys in production and live keys in a sandbox, for processors whose keys carry their mode. */
  private async keyMode(p: ProcessorConfig, i: number, url: URL | undefined): Promise<void> {
    const creds = p.auth?.credentials;
    if (!creds) return;
    const name = presetNameFor(p, url?.hostname.toLowerCase());
    const preset = name !== undefined ? PRESETS[name] : undefined;
    if (!preset) return;
    const candidates: {
      field: string;
      value: unknown;
      prefixes: Readonly<Record<Environment, readonly string[]>> | undefined;
    }[] = [];
    const secretPrefixes = preset.keyPrefixes;
    if (creds.type === 'bearer')
      candidates.push({ field: 'auth.credentials.token', value: creds.token, prefixes: secretPrefixes });
    if (creds.type === 'header')
      candidates.push({ field: 'auth.credentials.value', value: creds.value, prefixes: secretPrefixes });
    if (creds.type === 'basic') {
      candidates.push(
        {
          field: 'auth.credentials.username',
          value: creds.username,
          prefixes: USERNAME_PREFIXES[name as string],
        },
        { field: 'auth.credentials.password', value: creds.password, prefixes: secretPrefixes },
      );
    }
    for (const c of candidates) {
      if (!c.prefixes) continue;
      const field = this.origin(i, c.field);
      let value: string | undefined;
      if (typeof c.value === 'string') value = c.value;
      else if (isSecretRef(c.value)) {
        const read = await this.read(p, c.value, field, 'the test/live key check');
        if (read.ok) value = read.value.trim();
      }
      if (value === undefined) continue;
      const mode = keyMode(c.prefixes, value);
      if (!mode || mode.env === p.environment) continue;
      const src = isSecretRef(c.value) ? describeRef(c.value) : c.field;
      if (mode.env === 'sandbox') {
        this.add(
          'test-key-in-production',
          p.name,
          field,
          `${src} holds a test-mode key (${mode.prefix}...), but environment is production`,
        );
      } else {
        this.add(
          'live-key-in-sandbox',
          p.name,
          field,
          `${src} holds a live key (${mode.prefix}...), but environment is sandbox`,
        );
      }
    }
  }

  duplicates(): void {
    const byName = new Map<string, number>();
    const byTarget = new Map<string, number>();
    this.config.processors.forEach((p, i) => {
      const prev = byName.get(p.name);
      if (prev !== undefined) {
        this.add(
          'duplicate-name',
          p.name,
          `processors[${i}].name`,
          `"${p.name}" is also the name of processors[${prev}]`,
        );
      } else {
        byName.set(p.name, i);
      }
      const endpoint = this.endpoints.get(i);
      if (endpoint === undefined) return;
      const target = JSON.stringify([
        normalizeUrl(endpoint),
        p.environment,
        p.tls.servername ?? null,
        p.auth?.credentials ?? null,
        p.tls.clientCert ?? null,
      ]);
      const other = byTarget.get(target);
      if (other !== undefined) {
        const otherName = this.config.processors[other]?.name ?? `processors[${other}]`;
        this.add(
          'duplicate-endpoint',
          p.name,
          this.origin(i, 'endpoint', true),
          `probes ${normalizeUrl(endpoint)} ${p.auth?.credentials ? 'with the same credentials as' : 'without credentials, like'} "${otherName}" (processors[${other}])`,
        );
      } else {
        byTarget.set(target, i);
      }
    });
  }

  /** Reads a reference for a rule; reports not-checked (AWS) or secret-unreadable (file/env) when it cannot. */
  private async read(p: ProcessorConfig, ref: SecretRef, field: string, purpose: string): Promise<Read> {
    const resolver = this.options.secrets;
    if (!resolver) {
      this.add(
        'not-checked',
        p.name,
        field,
        `not checked: no secret reader to read ${describeRef(ref)} for ${purpose}`,
      );
      return { ok: false };
    }
    let timer: NodeJS.Timeout | undefined;
    try {
      const value = await Promise.race([
        resolver.resolve(ref, p.baseDir),
        new Promise<never>((_, reject) => {
          timer = setTimeout(
            () => reject(new Error(`no answer within ${this.timeoutMs} ms`)),
            this.timeoutMs,
          );
        }),
      ]);
      return { ok: true, value: value.value };
    } catch (err) {
      // SecretError messages name the reference and the reason, never a value.
      const reason = err instanceof Error ? err.message.replace(/^cannot read [^:]*: /, '') : String(err);
      if ('file' in ref || 'env' in ref) {
        this.add('secret-unreadable', p.name, field, `cannot read ${describeRef(ref)}: ${reason}`);
      } else {
        this.add(
          'not-checked',
          p.name,
          field,
          `not checked: cannot read ${describeRef(ref)} (${reason}), needed for ${purpose}`,
        );
      }
      return { ok: false };
    } finally {
      clearTimeout(timer);
    }
  }
}

/** Every reference in a processor, with its field (relative to the processor) and whether it is a credential. */
export function refsOf(p: ProcessorConfig): { field: string; ref: SecretRef; credential: boolean }[] {
  const out: { field: string; ref: SecretRef; credential: boolean }[] = [];
  const push = (field: string, v: unknown, credential: boolean) => {
    if (isSecretRef(v)) out.push({ field, ref: v as SecretRef, credential });
  };
  push('endpoint', p.endpoint, false);
  push('tls.servername', p.tls.servername, false);
  push('tls.ca', p.tls.ca, false);
  push('tls.clientCert', p.tls.clientCert, false);
  push('tls.clientKey', p.tls.clientKey, true);
  push('tls.clientKeyPassphrase', p.tls.clientKeyPassphrase, true);
  push('tls.minVersion', p.tls.minVersion, false);
  push('tls.maxVersion', p.tls.maxVersion, false);
  push('tls.ciphers', p.tls.ciphers, false);
  push('tls.pins', p.tls.pins, false);
  push('auth.request.path', p.auth?.request?.path, false);
  const c = p.auth?.credentials;
  if (c?.type === 'bearer') push('auth.credentials.token', c.token, true);
  if (c?.type === 'basic') {
    push('auth.credentials.username', c.username, false);
    push('auth.credentials.password', c.password, true);
  }
  if (c?.type === 'header') push('auth.credentials.value', c.value, true);
  if (c?.type === 'oauth2-client-credentials') {
    push('auth.credentials.tokenUrl', c.tokenUrl, false);
    push('auth.credentials.clientId', c.clientId, false);
    push('auth.credentials.scope', c.scope, false);
    push('auth.credentials.clientSecret', c.clientSecret, true);
  }
  return out;
}

/** Cipher-list entries that enable weak suites (entries excluded with "!" or "-" are fine). */
export function weakCiphers(list: string): string[] {
  const weak: string[] = [];
  for (const entry of list.split(/[:, ]+/).filter(Boolean)) {
    if (entry.startsWith('!') || entry.startsWith('-')) continue;
    const name = entry.replace(/^\+/, '');
    const parts = name.toUpperCase().split(/[+-]/);
    if (parts.some((part) => WEAK_CIPHER_TOKENS.has(part) || part === 'CBC3')) weak.push(name);
  }
  return weak;
}

/** The environment a host belongs to: the processor's preset first, then every preset, then EXTRA_HOSTS. */
function hostEnvironmentOf(p: ProcessorConfig, host: string): Environment | undefined {
  const own = p.preset !== undefined ? PRESETS[p.preset] : undefined;
  const fromOwn = own ? hostEnvironment(own, host) : undefined;
  if (fromOwn) return fromOwn;
  for (const preset of Object.values(PRESETS)) {
    const env = hostEnvironment(preset, host);
    if (env) return env;
  }
  if (EXTRA_HOSTS.sandbox.some((h) => hostIn(host, h))) return 'sandbox';
  if (EXTRA_HOSTS.production.some((h) => hostIn(host, h))) return 'production';
  return undefined;
}

/** The processor's preset, or the preset whose endpoint host this is (a config that spells out the endpoint). */
function presetNameFor(p: ProcessorConfig, host: string | undefined): string | undefined {
  if (p.preset !== undefined) return p.preset;
  if (host === undefined) return undefined;
  return Object.entries(PRESETS).find(([, preset]) =>
    [preset.endpoint.production, preset.endpoint.sandbox].some(
      (u) => u !== undefined && parseUrl(u)?.hostname === host,
    ),
  )?.[0];
}

/** Which environment a key belongs to by its prefix (longest prefix wins), and the prefix. */
function keyMode(
  prefixes: Readonly<Record<Environment, readonly string[]>>,
  value: string,
): { env: Environment; prefix: string } | undefined {
  return (['sandbox', 'production'] as const)
    .flatMap((env) => prefixes[env].map((prefix) => ({ env, prefix })))
    .sort((a, b) => b.prefix.length - a.prefix.length)
    .find((m) => value.startsWith(m.prefix));
}

function looksLikeSandbox(host: string): boolean {
  if (host.includes('sandbox')) return true;
  return host
    .split(/[.-]/)
    .some((t) => ['test', 'testing', 'staging', 'stage', 'uat', 'qa', 'dev'].includes(t));
}

function hostIn(host: string, domain: string): boolean {
  return host === domain || host.endsWith(`.${domain}`);
}

function parseUrl(s: string): URL | undefined {
  try {
    return new URL(s);
  } catch {
    return undefined;
  }
}

function normalizeUrl(s: string): string {
  const u = parseUrl(s);
  if (!u) return s;
  return `${u.protocol}//${u.host.toLowerCase()}${u.pathname.replace(/\/+$/, '')}`;
}

function getPath(obj: unknown, dotted: string): unknown {
  let cur: unknown = obj;
  for (const key of dotted.split('.')) {
    if (typeof cur !== 'object' || cur === null) return undefined;
    cur = (cur as Record<string, unknown>)[key];
  }
  return cur;
}

/** The OpenSSL/Node error code or a short message: never echoes the input. */
function errCode(err: unknown): string {
  const e = err as { code?: string; message?: string };
  return e.code ?? e.message?.split('\n')[0] ?? 'invalid';
}
