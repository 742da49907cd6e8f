/**
 * Forward-proxy rules: credentials that would go to the proxy in clear text (an http:// proxy URL, read from
 * its reference when the integration's own setting is referenced), and `proxy: env`, which only the CLI on
 * the gateway host can use (an error in a deployed config, as `cdk synth` refuses it; information otherwise).
 */
import type { ProcessorConfig } from '../../config/load';
import { checkProxyUrl } from '../../config/referenced-values';
import { describeRef, isSecretRef } from '../../secrets/resolver';
import type { AuditContext } from '../context';

/** proxy-credentials-plaintext and proxy-env for processor `i`. */
export async function proxyRules(ctx: AuditContext, p: ProcessorConfig, i: number): Promise<void> {
  const proxy = p.proxy;
  if (proxy === undefined) return;
  const field = ctx.origin(i, 'proxy');
  if (proxy === 'env') {
    ctx.add(
      'proxy-env',
      p.name,
      field,
      ctx.deployed
        ? 'proxy: env cannot be deployed: a deployed probe function has no HTTPS_PROXY (cdk synth refuses it)'
        : 'proxy: env: the proxy is whatever HTTPS_PROXY/NO_PROXY say where payprobe check runs',
      ctx.deployed ? { severity: 'error' } : {},
    );
    return;
  }
  if (!proxy.credentials) return;
  const url = proxy.url;
  const setting = isSecretRef(url)
    ? await ctx.setting<URL>(p, i, 'proxy.url', url, checkProxyUrl)
    : { value: new URL(url), source: '' };
  if (setting?.value.protocol !== 'http:') return;
  const password = proxy.credentials.password;
  ctx.add(
    'proxy-credentials-plaintext',
    p.name,
    ctx.origin(i, isSecretRef(url) ? 'proxy.url' : 'proxy.credentials'),
    `the proxy credentials (password from ${describeRef(password)}) go to ${setting.value.host}${setting.source} over plain http://, in clear text on every CONNECT`,
    {
      fix: `use the proxy's TLS listener: proxy.url: https://${setting.value.host} (with proxy.ca for a private CA)`,
    },
  );
}
