/**
 * `proxy: env`: which proxy the environment gives a target, the way curl reads HTTPS_PROXY, HTTP_PROXY and
 * NO_PROXY, and the credentials in a proxy URL's user info kept apart from the URL.
 */
import { envProxyFor, envProxySecrets, readEnvProxies } from '../../../lambdas/core/engine/proxy-env';

const proxied = (env: Record<string, string>, target: string) =>
  envProxyFor(readEnvProxies(env), new URL(target))?.url.href;

describe('readEnvProxies and envProxyFor', () => {
  it('HTTPS_PROXY serves https targets and HTTP_PROXY http ones', () => {
    const env = { HTTPS_PROXY: 'http://secure.proxy:3128', HTTP_PROXY: 'http://plain.proxy:8080' };
    expect(proxied(env, 'https://api.stripe.com')).toBe('http://secure.proxy:3128/');
    expect(proxied(env, 'http://api.stripe.com')).toBe('http://plain.proxy:8080/');
    expect(proxied({ HTTP_PROXY: 'http://plain.proxy:8080' }, 'https://api.stripe.com')).toBeUndefined();
  });

  it('takes a bare host:port as http://, like curl', () => {
    expect(proxied({ HTTPS_PROXY: 'proxy.internal:3128' }, 'https://a.example')).toBe(
      'http://proxy.internal:3128/',
    );
  });

  it.each([
    ['*', 'https://api.stripe.com', undefined],
    ['stripe.com', 'https://api.stripe.com', undefined],
    ['.stripe.com', 'https://api.stripe.com', undefined],
    ['stripe.com', 'https://notstripe.com', 'http://p:1/'],
    ['api.stripe.com:443', 'https://api.stripe.com', undefined],
    ['api.stripe.com:8443', 'https://api.stripe.com', 'http://p:1/'],
    ['10.0.0.5', 'https://10.0.0.5:8443', undefined],
    ['10.0.0.5', 'https://10.0.0.50', 'http://p:1/'],
    ['[::1]:443', 'https://[::1]', undefined],
    ['other.example, STRIPE.com', 'https://api.stripe.com', undefined],
  ])('NO_PROXY=%s for %s gives %s', (noProxy, target, expected) => {
    expect(proxied({ HTTPS_PROXY: 'http://p:1', NO_PROXY: noProxy }, target)).toBe(expected);
  });

  it('keeps the user info apart, decoded, and the URL without it', () => {
    const p = readEnvProxies({ HTTPS_PROXY: 'http://gw%40corp:pa%3Ass@proxy:3128' });
    expect(p.https?.url.href).toBe('http://proxy:3128/');
    expect(p.https?.credentials).toEqual({ username: 'gw@corp', password: 'pa:ss' });
    expect(envProxySecrets({ HTTPS_PROXY: 'http://gw:s3cret-pass@proxy:3128' })).toEqual([
      's3cret-pass',
      'gw',
    ]);
  });

  it('refuses a proxy URL it cannot use, naming the variable and never the value', () => {
    expect(() => readEnvProxies({ HTTPS_PROXY: 'socks5://u:hunter22@p:1080' })).toThrow(
      /^HTTPS_PROXY scheme socks5: is not supported/,
    );
    expect(() => readEnvProxies({ https_proxy: 'http://p:3128/path?x=hunter22' })).toThrow(
      /^https_proxy has a path/,
    );
    expect(() => readEnvProxies({ HTTPS_PROXY: 'http://[bad' })).toThrow(/^HTTPS_PROXY is not a URL/);
  });
});
