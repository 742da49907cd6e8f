/**
 * The audit's rule catalogue and report types: every rule id with its severity, what it looks for, why it
 * matters and the general fix, in report order. Ids are stable (scripts filter on them); docs/audit.md's rule
 * table is written from this catalogue. The rules themselves live in rules/*.ts, grouped by concern.
 */
import type { SecretResolver } from '../secrets/resolver';
import type { CaChange } from './ca-changes';

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
  'tls-revocation-off': {
    severity: 'warning',
    what: 'tls.revocation is off for a processor marked production',
    why: 'a revoked server certificate (a compromised key, or a CA mass revocation) then passes every probe; clients that do check revocation refuse it, and nothing pages',
    fix: 'remove tls.revocation (the default, stapled, checks a stapled OCSP response) or set ocsp to ask the responder too',
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
  'ciphers-no-forward-secrecy': {
    severity: 'warning',
    what: 'tls.ciphers allows TLS 1.2 suites with RSA key exchange (no forward secrecy) or CBC (no AEAD), as OpenSSL expands the list',
    why: 'a recorded session with RSA key exchange can be decrypted later by anyone who obtains the server key, and CBC suites are the ones padding-oracle attacks (Lucky13, POODLE-style) target; PCI DSS 4.0 Req 4.2.1 requires strong cryptography',
    fix: 'allow only forward-secret AEAD suites, e.g. tls.ciphers "ECDHE+AESGCM:ECDHE+CHACHA20" (TLS 1.3 suites are not affected)',
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
  'proxy-credentials-plaintext': {
    severity: 'warning',
    what: 'proxy.credentials go to a forward proxy over plain http://',
    why: 'Basic proxy credentials cross the network in clear text to the proxy on every CONNECT: anyone on that segment can read the proxy account (PCI DSS 4.0 Req 8.3.2 wants authentication factors protected in transit)',
    fix: "use the proxy's TLS listener (proxy.url: https://PROXY:PORT, with proxy.ca for a private CA), or a proxy that authenticates the gateway by network (source address) instead of a password",
  },
  'proxy-env': {
    severity: 'info',
    what: 'proxy: env takes the proxy from HTTPS_PROXY/NO_PROXY of the process that probes',
    why: 'it probes the way tools on the gateway host connect, but only there: a deployed probe function has no HTTPS_PROXY and refuses to deploy with it',
    fix: "for a deployed monitor, set proxy.url to the gateway's proxy (a { ssm: ... } reference reads the integration's own setting)",
  },
  'pin-not-presented': {
    severity: 'warning',
    what: 'a pin in tls.pins matches no certificate the server presents now (live audit: the chain the probe saw)',
    why: 'a backup pin for a key that is gone protects nothing: at the next key rotation the remaining pins may match nothing and every handshake fails with CERT_PIN_MISMATCH',
    fix: 'replace the stale pin with the pin of a key the processor uses or has announced (its next key, or its issuing CA key)',
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
  'client-cert-weak': {
    severity: 'error',
    what: 'our client certificate has a weak key (RSA under 2048 bits, EC under 256) or a SHA-1/MD5 signature',
    why: 'processors refuse such certificates (OpenSSL at security level 2 and above does), and PCI DSS 4.0 Req 4.2.1 requires strong cryptography: a renewal with the same weak parameters fails at the first handshake',
    fix: 'request a new client certificate with an RSA 2048+ or EC P-256+ key signed with SHA-256 or better, register it with the processor, and store it with its key',
  },
  'ca-invalid': {
    severity: 'error',
    what: 'tls.ca holds no valid PEM certificate',
    why: 'the extra trust would be ignored or fail to load: probes fail with CONFIG_ERROR or CERT_UNTRUSTED',
    fix: 'store one or more PEM certificates ("-----BEGIN CERTIFICATE-----") in the referenced CA bundle',
  },
  'ca-test-root': {
    severity: 'error',
    what: 'tls.ca trusts a sandbox/test root (its name says test, sandbox, staging, fake ...) for a processor marked production',
    why: 'a test root signs whatever its owner wants: the integration would accept a server certificate nobody vouches for; PCI DSS 4.0 Req 4.2.1 allows only trusted keys and certificates',
    fix: 'remove the test root from the CA bundle the integration reads (or point the reference back at the production bundle)',
  },
  'ca-expired': {
    severity: 'warning',
    what: 'tls.ca holds an expired certificate',
    why: 'an expired root or intermediate trusts nothing any more: if the processor still chains to it, handshakes fail with CERT_UNTRUSTED or CERT_EXPIRED; PCI DSS 4.0 Req 4.2.1 asks for certificates that are valid and not expired',
    fix: 'replace the expired certificate in the CA bundle with its successor (the processor or CA publishes it)',
  },
  'ca-change-announced': {
    severity: 'warning',
    what: 'the processor announced a change of certificate authority that falls inside the warning window (tls.certExpiryWarningDays, at least 30 days)',
    why: 'integrations with their own CA bundle or pins broke at each of these changes (Braintree 2020 and 2024, Worldpay 2023, Authorize.net 2024-25, Stripe 2025): the day the processor switches, every handshake fails',
    fix: "add the new CA's root to the CA bundle the integration reads before the change (keep the old one until it is done), and replace pins of the old CA",
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
  /**
   * The chain the server presented to the probe, leaf first (live audit): the pin-not-presented and
   * ca-change-announced rules judge it. @default none: those rules are skipped
   */
  readonly serverChain?: readonly PresentedCert[];
  /** Announced certificate-authority changes. @default CA_CHANGES (./ca-changes.ts) */
  readonly caChanges?: readonly CaChange[];
}

/** A certificate of the chain a probe saw: its names and its public-key pin. */
export interface PresentedCert {
  readonly subject: string;
  readonly issuer: string;
  /** "sha256/BASE64" of its SubjectPublicKeyInfo. */
  readonly pin: string;
}
