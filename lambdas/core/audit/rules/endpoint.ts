/**
 * Endpoint rules: the endpoint and the OAuth token URL are https (read from their references when the
 * integration's own setting is referenced), and the endpoint's host belongs to the environment the processor
 * is marked with (sandbox hosts in production, production hosts in a sandbox), by the presets' host tables.
 */
import type { ProcessorConfig } from '../../config/load';
import { type Environment, hostEnvironment, PRESETS, presetNamed } from '../../config/presets';
import { checkTokenUrl } from '../../config/referenced-values';
import { describeRef, isSecretRef } from '../../secrets/resolver';
import { type AuditContext, hostIn, parseUrl } from '../context';
import { inlineUrlRules } from './credentials';

/**
 * Hosts of processors without a preset (Authorize.net), with the presets' own sandboxHosts/productionHosts
 * the audit's host table. Matching includes subdomains.
 */
const EXTRA_HOSTS: Readonly<Record<Environment, readonly string[]>> = {
  sandbox: ['apitest.authorize.net'],
  production: ['api.authorize.net'],
};

/** The endpoint as read (kept in the context for the other rules) and the field it comes from. */
export interface EndpointRead {
  readonly url: URL | undefined;
  readonly field: string;
}

/** endpoint-not-https for the endpoint (and secret-inline for credentials in its URL). */
export async function endpointRules(ctx: AuditContext, p: ProcessorConfig, i: number): Promise<EndpointRead> {
  // Endpoint: a plain URL, or a reference the integration itself reads.
  const field = ctx.origin(i, 'endpoint', true);
  let endpoint: string | undefined;
  if (isSecretRef(p.endpoint)) {
    const read = await ctx.read(p, p.endpoint, field, 'the endpoint checks (HTTPS, sandbox/production host)');
    if (read.ok) endpoint = read.value.trim();
  } else {
    endpoint = p.endpoint;
  }
  const url = endpoint !== undefined ? parseUrl(endpoint) : undefined;
  if (endpoint !== undefined) {
    ctx.endpoints.set(i, endpoint);
    if (!url) {
      const source = isSecretRef(p.endpoint) ? ` read from ${describeRef(p.endpoint)}` : '';
      ctx.add('endpoint-not-https', p.name, field, `the endpoint${source} is not a URL`, {
        fix: 'store the processor base URL, e.g. https://api.example.com, in the referenced parameter',
      });
    } else if (url.protocol !== 'https:') {
      ctx.add(
        'endpoint-not-https',
        p.name,
        field,
        `endpoint uses ${url.protocol.replace(':', '')}:// (${url.host})`,
        {
          fix: `use https://${url.host}${url.pathname === '/' ? '' : url.pathname}`,
        },
      );
    }
    if (url) inlineUrlRules(ctx, p, url, field);
  }
  return { url, field };
}

/** endpoint-not-https for the OAuth token URL; referenced-value-invalid when its reference holds no URL. */
export async function tokenUrlRules(ctx: AuditContext, p: ProcessorConfig, i: number): Promise<void> {
  const creds = p.auth?.credentials;
  if (creds?.type !== 'oauth2-client-credentials' || creds.tokenUrl === undefined) return;
  const field = ctx.origin(i, 'auth.credentials.tokenUrl', true);
  let value: string | undefined;
  if (isSecretRef(creds.tokenUrl)) {
    const read = await ctx.read(p, creds.tokenUrl, field, 'the token URL check (HTTPS)');
    if (read.ok) {
      const c = checkTokenUrl(read.value);
      if (c.ok) value = c.value;
      else ctx.add('referenced-value-invalid', p.name, field, `${describeRef(creds.tokenUrl)} ${c.problem}`);
    }
  } else {
    value = creds.tokenUrl;
  }
  const tokenUrl = value !== undefined ? parseUrl(value) : undefined;
  if (tokenUrl && tokenUrl.protocol !== 'https:') {
    const source = isSecretRef(creds.tokenUrl) ? ` read from ${describeRef(creds.tokenUrl)}` : '';
    ctx.add(
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

/** sandbox-host-in-production and production-host-in-sandbox. */
export function environmentRules(
  ctx: AuditContext,
  p: ProcessorConfig,
  i: number,
  endpoint: EndpointRead,
): void {
  if (!endpoint.url) return;
  const host = endpoint.url.hostname.toLowerCase();
  const known = hostEnvironmentOf(p, host);
  const byDefault = ctx.config.raw.processors[i]?.environment === undefined ? ' (the default)' : '';
  if (p.environment === 'production' && known === 'sandbox') {
    ctx.add(
      'sandbox-host-in-production',
      p.name,
      endpoint.field,
      `${host} is a sandbox host, but environment is production${byDefault}`,
    );
  } else if (p.environment === 'production' && known === undefined && looksLikeSandbox(host)) {
    ctx.add(
      'sandbox-host-in-production',
      p.name,
      endpoint.field,
      `${host} looks like a sandbox/test host, but environment is production${byDefault}`,
      { severity: 'warning' },
    );
  } else if (p.environment === 'sandbox' && known === 'production') {
    ctx.add(
      'production-host-in-sandbox',
      p.name,
      endpoint.field,
      `${host} is a production host, but environment is sandbox`,
    );
  }
}

/** The environment a host belongs to: the processor's preset first, then every preset, then EXTRA_HOSTS. */
function hostEnvironmentOf(p: ProcessorConfig, host: string): Environment | undefined {
  const own = p.preset !== undefined ? presetNamed(p.preset) : undefined;
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

function looksLikeSandbox(host: string): boolean {
  if (host.includes('sandbox')) return true;
  return host
    .split(/[.-]/)
    .some((t) => ['test', 'testing', 'staging', 'stage', 'uat', 'qa', 'dev'].includes(t));
}
