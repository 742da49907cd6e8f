/**
 * Credential rules: credentials written into the config (headers, URL userinfo or query, request body, known
 * key formats), references a deployed probe cannot read or would bundle ({ env }, credentials from { file }),
 * and API keys whose prefix says test mode in production or live mode in a sandbox. Messages name fields
 * and references, never a value (docs/audit.md).
 */
import type { ProcessorConfig } from '../../config/load';
import { type Environment, PRESETS, presetNamed } from '../../config/presets';
import { type ConfigReference, configReferences } from '../../config/references';
import { describeRef, isSecretRef } from '../../secrets/resolver';
import { type AuditContext, parseUrl } from '../context';

/** Razorpay puts the mode in the key id (the Basic user name), which presets' keyPrefixes do not cover. */
const USERNAME_PREFIXES: Readonly<Record<string, Readonly<Record<Environment, readonly string[]>>>> = {
  razorpay: { sandbox: ['rzp_test_'], production: ['rzp_live_'] },
};
/** Credential formats recognisable anywhere in the config (a leaked literal). */
const KEY_LITERAL =
  /\b(sk|rk)_(live|test|sbox)_[A-Za-z0-9]{8,}|\bFLWSECK(_TEST)?-[A-Za-z0-9]{8,}|\brzp_(live|test)_[A-Za-z0-9]{8,}/;
const CREDENTIAL_HEADER =
  /^(authorization|proxy-authorization|cookie|x-api-key|api-key|apikey|x-auth-token|x-access-token)$|(secret|token|password|passwd|api[-_]?key)/i;
const CREDENTIAL_QUERY =
  /^(api[-_]?key|apikey|key|secret|client[-_]?secret|token|access[-_]?token|password|passwd|sig|signature)$/i;

/** secret-inline in auth.request: credential headers, key literals in headers and body, keys in the query. */
export function inlineRequestRules(ctx: AuditContext, p: ProcessorConfig, i: number): void {
  const req = p.auth?.request;
  if (!req) return;
  const field = ctx.origin(i, 'auth.request', true);
  for (const [name, value] of Object.entries(req.headers)) {
    if (CREDENTIAL_HEADER.test(name)) {
      ctx.add(
        'secret-inline',
        p.name,
        `${field}.headers.${name}`,
        `header "${name}" is written into the config (its value is not shown)`,
        {
          fix: 'remove the header and set auth.credentials with a secret reference (type header: { name, value: { secretsManager: NAME } })',
        },
      );
    } else if (KEY_LITERAL.test(value)) {
      ctx.add(
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
  if (reqUrl) inlineQuery(ctx, p, reqUrl, `${field}.path`);
  if (req.body !== undefined && KEY_LITERAL.test(req.body)) {
    ctx.add(
      'secret-inline',
      p.name,
      `${field}.body`,
      'auth.request.body holds what looks like an API key (not shown)',
    );
  }
}

/** secret-inline in an endpoint URL: user:password@host, or a credential in the query. */
export function inlineUrlRules(ctx: AuditContext, p: ProcessorConfig, url: URL, field: string): void {
  if (url.username !== '' || url.password !== '') {
    ctx.add(
      'secret-inline',
      p.name,
      field,
      'the endpoint URL carries user credentials (user:password@host; not shown)',
      {
        fix: `remove the credentials from the URL (https://${url.host}) and use auth.credentials of type basic with a secret reference`,
      },
    );
  }
  inlineQuery(ctx, p, url, field);
}

function inlineQuery(ctx: AuditContext, p: ProcessorConfig, url: URL, field: string): void {
  for (const [name, value] of url.searchParams) {
    if ((CREDENTIAL_QUERY.test(name) && value !== '') || KEY_LITERAL.test(value)) {
      ctx.add('secret-inline', p.name, field, `query parameter "${name}" carries a credential (not shown)`);
    }
  }
}

/** local-secret-source and bundled-file: { env } / { file } references in a deployed config. */
export function sourceRules(ctx: AuditContext, p: ProcessorConfig, i: number): void {
  if (!ctx.deployed) return;
  for (const { field, ref, credential } of refsOf(p)) {
    const where = ctx.origin(i, field);
    if ('env' in ref) {
      ctx.add(
        'local-secret-source',
        p.name,
        where,
        `${field} comes from environment variable ${ref.env}, which deployed probes do not have`,
      );
    } else if ('file' in ref && credential) {
      ctx.add(
        'local-secret-source',
        p.name,
        where,
        `${field} (a credential) comes from file ${ref.file}: it would be bundled into the deployed function`,
      );
    } else if ('file' in ref) {
      ctx.add(
        'bundled-file',
        p.name,
        where,
        `${field} comes from file ${ref.file}, packaged with the deployed function`,
      );
    }
  }
}

/** test-key-in-production and live-key-in-sandbox, for processors whose keys carry their mode. */
export async function keyModeRules(
  ctx: AuditContext,
  p: ProcessorConfig,
  i: number,
  url: URL | undefined,
): Promise<void> {
  const creds = p.auth?.credentials;
  if (!creds) return;
  const name = presetNameFor(p, url?.hostname.toLowerCase());
  const preset = name !== undefined ? presetNamed(name) : undefined;
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
    const field = ctx.origin(i, c.field);
    let value: string | undefined;
    if (typeof c.value === 'string') value = c.value;
    else if (isSecretRef(c.value)) {
      const read = await ctx.read(p, c.value, field, 'the test/live key check');
      if (read.ok) value = read.value.trim();
    }
    if (value === undefined) continue;
    const mode = keyMode(c.prefixes, value);
    if (!mode || mode.env === p.environment) continue;
    const src = isSecretRef(c.value) ? describeRef(c.value) : c.field;
    if (mode.env === 'sandbox') {
      ctx.add(
        'test-key-in-production',
        p.name,
        field,
        `${src} holds a test-mode key (${mode.prefix}...), but environment is production`,
      );
    } else {
      ctx.add(
        'live-key-in-sandbox',
        p.name,
        field,
        `${src} holds a live key (${mode.prefix}...), but environment is sandbox`,
      );
    }
  }
}

/** Every reference in a processor, with its field (relative to the processor) and whether it is a credential. */
export function refsOf(p: ProcessorConfig): readonly ConfigReference[] {
  return configReferences(p);
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
