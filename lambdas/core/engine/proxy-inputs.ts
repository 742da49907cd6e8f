/**
 * The proxy part of the inputs phase: which forward proxy a run goes through, read once per run like every
 * other input (docs/engine.md "Through a forward proxy"). `proxy: { url, credentials?, ca? }` is read
 * through the SecretResolver (url and username may be references, the password always is); `proxy: env`
 * reads HTTPS_PROXY / HTTP_PROXY / NO_PROXY from ProbeDeps.env (proxy-env.ts). Credentials become secret
 * values of the run, masked in every detail; inputs get fingerprints, never values.
 */
import { checkProxyUrl } from '../config/referenced-values';
import type { ProxySettings, SecretRef, ValueOrRef } from '../config/schema';
import { describeRef, isSecretRef } from '../secrets/resolver';
import { publicFingerprint, publicUrl, secretFingerprint } from './fingerprints';
import { type EnvProxies, envProxyFor, readEnvProxies } from './proxy-env';
import { Fail, type RunState } from './run-state';

/** One forward proxy, as this run reads it. */
export interface ResolvedProxy {
  /** Scheme, host and port only. */
  readonly url: URL;
  /** How the proxy is named in details: `http://proxy.internal:3128`. */
  readonly shown: string;
  readonly credentials?: { readonly username: string; readonly password: string };
  /** Extra trust for an https:// proxy's own certificate. */
  readonly ca?: string;
  /** Where the credentials came from, for a 407's detail (names references, never values). */
  readonly credentialSource?: string;
}

/** The run's proxy setting: one proxy for every target, or the environment's choice per target. */
export type ProxyChoice =
  | { readonly kind: 'fixed'; readonly proxy: ResolvedProxy }
  | { readonly kind: 'env'; readonly proxies: EnvProxies };

/** The proxy a connection to `target` goes through, or undefined for a direct connection. */
export function proxyFor(choice: ProxyChoice | undefined, target: URL): ResolvedProxy | undefined {
  if (!choice) return undefined;
  if (choice.kind === 'fixed') return choice.proxy;
  const p = envProxyFor(choice.proxies, target);
  if (!p) return undefined;
  return {
    url: p.url,
    shown: shownUrl(p.url),
    ...(p.credentials
      ? { credentials: p.credentials, credentialSource: `the user info of ${p.variable}` }
      : {}),
  };
}

function shownUrl(url: URL): string {
  return url.origin === 'null' ? `${url.protocol}//${url.host}` : url.origin;
}

/** How inputs.ts reads a field: a plain value or a reference, with its fingerprint recorded. */
export interface FieldReaders {
  /** A secret reference: the value, noted for redaction, fingerprinted by version or HMAC. */
  secret(field: string, ref: SecretRef | undefined): Promise<string | undefined>;
  /** A plain value or a reference to public material, fingerprinted by `fingerprint`. */
  public(
    field: string,
    v: ValueOrRef<string> | undefined,
    fingerprint: (s: string) => string,
  ): Promise<string | undefined>;
}

/** Reads the processor's proxy setting; CONFIG_ERROR naming the field (and variable) when it is unusable. */
export async function resolveProxy(run: RunState, read: FieldReaders): Promise<ProxyChoice | undefined> {
  const setting = run.p.proxy;
  if (setting === undefined) return undefined;
  if (setting === 'env') return fromEnvironment(run);
  return { kind: 'fixed', proxy: await fromSettings(run, setting, read) };
}

function fromEnvironment(run: RunState): ProxyChoice {
  let proxies: EnvProxies;
  try {
    proxies = readEnvProxies(run.deps.env ?? process.env);
  } catch (err) {
    throw new Fail('CONFIG_ERROR', `proxy: env: ${(err as Error).message}`);
  }
  for (const p of [proxies.https, proxies.http]) {
    if (!p?.credentials) continue;
    run.secretValues.add(p.credentials.password);
    run.secretValues.add(p.credentials.username);
  }
  const main = proxies.https ?? proxies.http;
  run.inputs.proxy = main ? `env:${main.variable}=${publicUrl(main.url.href)}` : 'env:none';
  if (proxies.noProxy.length > 0) run.inputs['proxy.noProxy'] = publicFingerprint(proxies.noProxy.join(','));
  return { kind: 'env', proxies };
}

async function fromSettings(run: RunState, s: ProxySettings, read: FieldReaders): Promise<ResolvedProxy> {
  let url: URL | undefined;
  if (isSecretRef(s.url)) {
    const text = (await read.public('proxy.url', s.url, publicUrl)) as string;
    const checked = checkProxyUrl(text);
    if (!checked.ok) throw new Fail('CONFIG_ERROR', `proxy.url: ${describeRef(s.url)} ${checked.problem}`);
    run.referenced.set('proxy.url', s.url);
    url = checked.value;
  } else {
    await read.public('proxy.url', s.url, publicUrl);
    url = new URL(s.url.trim());
  }
  const ca = await read.public('proxy.ca', s.ca, publicFingerprint);
  let credentials: ResolvedProxy['credentials'];
  let credentialSource: string | undefined;
  if (s.credentials) {
    const hashed = (v: string) => secretFingerprint({ value: v });
    const username = (await read.public(
      'proxy.credentials.username',
      s.credentials.username,
      hashed,
    )) as string;
    const password = (await read.secret('proxy.credentials.password', s.credentials.password)) as string;
    // The username is no key, but it is half of the proxy account: never printed either.
    run.secretValues.add(username);
    if (username.includes(':') || /[\r\n]/.test(username) || /[\r\n]/.test(password)) {
      throw new Fail(
        'CONFIG_ERROR',
        `proxy.credentials: the username holds ":" or a line break, or the password a line break${fromRef(s.credentials.username)}: Basic proxy authentication cannot carry it`,
      );
    }
    credentials = { username, password };
    credentialSource = `proxy.credentials (username ${isSecretRef(s.credentials.username) ? `from ${describeRef(s.credentials.username)}` : 'as configured'}, password from ${describeRef(s.credentials.password)})`;
  }
  return {
    url,
    shown: shownUrl(url),
    ...(credentials ? { credentials } : {}),
    ...(ca !== undefined ? { ca } : {}),
    ...(credentialSource !== undefined ? { credentialSource } : {}),
  };
}

function fromRef(v: ValueOrRef<string>): string {
  return isSecretRef(v) ? ` (username from ${describeRef(v)})` : '';
}
