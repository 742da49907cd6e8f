/**
 * `proxy: env`: the forward proxy the way tools on the gateway host find it, from HTTPS_PROXY (https
 * targets), HTTP_PROXY (http targets) and NO_PROXY, upper or lower case (lower case wins, as in curl). The CLI
 * on the gateway host reads its own environment; a deployed Lambda has none of these unless they are set on
 * the function (docs/cli.md "proxy"). Hand-written rather than the proxy-from-env package: that package
 * reads process.env only, and the engine takes its environment from ProbeDeps so tests and the CLI pass one.
 *
 * NO_PROXY: comma- or space-separated entries; `*` matches every host; `host` and `.host` match the host and
 * its subdomains; `host:port` only that port; an IP literal matches itself (no CIDR ranges).
 */
import * as net from 'node:net';
import { proxyUrlProblem } from '../config/schema';

/** The environment `proxy: env` reads. */
export type ProxyEnvironment = Readonly<Record<string, string | undefined>>;

/** A proxy URL from the environment, without its user info; the credentials apart (they are secrets). */
export interface EnvProxy {
  /** The variable it came from (HTTPS_PROXY, http_proxy, ...). */
  readonly variable: string;
  readonly url: URL;
  readonly credentials?: { readonly username: string; readonly password: string };
}

export interface EnvProxies {
  readonly https?: EnvProxy;
  readonly http?: EnvProxy;
  readonly noProxy: readonly string[];
}

/** The first variable of `names` that is set and not empty, with its name. */
function pick(env: ProxyEnvironment, names: readonly string[]): { name: string; value: string } | undefined {
  for (const name of names) {
    const value = env[name]?.trim();
    if (value) return { name, value };
  }
  return undefined;
}

/**
 * Reads the proxy variables. Throws an Error naming the variable (never its value, which may hold a
 * password) when one is set but not a usable proxy URL.
 */
export function readEnvProxies(env: ProxyEnvironment): EnvProxies {
  const parse = (names: readonly string[]): EnvProxy | undefined => {
    const found = pick(env, names);
    if (!found) return undefined;
    // curl and most tools take a bare host:port as http://host:port.
    const text = /^[a-z][a-z0-9+.-]*:\/\//i.test(found.value) ? found.value : `http://${found.value}`;
    let url: URL;
    try {
      url = new URL(text);
    } catch {
      throw new Error(`${found.name} is not a URL (expected http://[user:password@]host:port)`);
    }
    const username = decode(url.username);
    const password = decode(url.password);
    url.username = '';
    url.password = '';
    const problem = proxyUrlProblem(url.href);
    if (problem) throw new Error(`${found.name} ${problem}`);
    return {
      variable: found.name,
      url,
      ...(username !== '' || password !== '' ? { credentials: { username, password } } : {}),
    };
  };
  const https = parse(['https_proxy', 'HTTPS_PROXY']);
  const http = parse(['http_proxy', 'HTTP_PROXY']);
  const noProxy = (pick(env, ['no_proxy', 'NO_PROXY'])?.value ?? '')
    .split(/[\s,]+/)
    .map((e) => e.trim().toLowerCase())
    .filter((e) => e !== '');
  return { ...(https ? { https } : {}), ...(http ? { http } : {}), noProxy };
}

function decode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** The proxy for a target URL, or undefined when the environment sends it direct. */
export function envProxyFor(proxies: EnvProxies, target: URL): EnvProxy | undefined {
  const proxy = target.protocol === 'https:' ? proxies.https : proxies.http;
  if (!proxy) return undefined;
  const host = target.hostname.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  const port = target.port || (target.protocol === 'https:' ? '443' : '80');
  return proxies.noProxy.some((entry) => noProxyMatches(entry, host, port)) ? undefined : proxy;
}

function noProxyMatches(entry: string, host: string, port: string): boolean {
  if (entry === '*') return true;
  let name = entry;
  let entryPort: string | undefined;
  const bracketed = /^\[(.*)\](?::(\d+))?$/.exec(entry);
  if (bracketed) {
    name = bracketed[1] as string;
    entryPort = bracketed[2];
  } else if (net.isIP(entry) === 0) {
    const m = /^(.*):(\d+)$/.exec(entry);
    if (m) {
      name = m[1] as string;
      entryPort = m[2];
    }
  }
  if (entryPort !== undefined && entryPort !== port) return false;
  if (net.isIP(name) !== 0 || net.isIP(host) !== 0) return name === host;
  const bare = name.replace(/^\*?\./, '');
  return host === bare || host.endsWith(`.${bare}`);
}

/** Every credential value in the proxy variables, for a redactor (the values, never printed). */
export function envProxySecrets(env: ProxyEnvironment): string[] {
  try {
    const p = readEnvProxies(env);
    return [p.https, p.http].flatMap((x) =>
      x?.credentials ? [x.credentials.password, x.credentials.username].filter((v) => v !== '') : [],
    );
  } catch {
    return [];
  }
}
