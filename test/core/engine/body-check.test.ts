/**
 * auth.expectBody (lambdas/core/engine/body-check.ts) against loopback processors: a JSON value at a path or
 * a substring must be in the body as read within maxBodyBytes; a mismatch is AUTH_REJECTED when the body
 * speaks of refused credentials, else HTTP_ERROR; the detail shows the start of the body redacted and
 * escaped. The config schema accepts exactly the two documented shapes.
 */
import { ConfigError, parseConfig } from '../../../lambdas/core/config/load';
import type { ExpectBody } from '../../../lambdas/core/config/schema';
import { authRefusal, valueAt } from '../../../lambdas/core/engine/body-check';
import { probe } from '../../../lambdas/core/engine/probe';
import { quoteUntrusted } from '../../../lambdas/core/text/escape';
import { Testbed } from '../../../testbed/servers';

const TOKEN = 'sk_test_bodyCheckSecretToken_77';

let bed: Testbed;
beforeAll(async () => {
  bed = await Testbed.start();
});
afterAll(async () => {
  await bed.close();
});

/** Probes a processor answering 200 with `text` (bearer TOKEN required) against `expectBody`. */
async function probeBody(text: string, expectBody: ExpectBody, maxBodyBytes?: number) {
  const api = await bed.start('healthy', {
    credentials: { type: 'bearer', token: TOKEN },
    body: { text },
  });
  const config = await bed.processor('body', api, {
    expectBody,
    ...(maxBodyBytes !== undefined ? { maxBodyBytes } : {}),
  });
  const r = await probe(config, bed.deps());
  await api.close();
  return r;
}

describe('expectBody: json', () => {
  const body = JSON.stringify({ data: { ping: 'pong', items: [{ id: 7 }] }, ok: true });

  it.each<[string, ExpectBody]>([
    ['a string at a path', { json: { path: 'data.ping', equals: 'pong' } }],
    ['a number in an array', { json: { path: 'data.items.0.id', equals: 7 } }],
    ['a boolean', { json: { path: 'ok', equals: true } }],
    ['a path that merely holds a value', { json: { path: 'data.items' } }],
  ])('passes with %s', async (_what, expectBody) => {
    expect(await probeBody(body, expectBody)).toMatchObject({ ok: true, class: null });
  });

  it('HTTP_ERROR when the value differs, naming path, found and expected values', async () => {
    const r = await probeBody(body, { json: { path: 'data.ping', equals: 'PONG' } });
    expect(r).toMatchObject({ ok: false, class: 'HTTP_ERROR', stage: 'http', http: { status: 200 } });
    expect(r.detail).toMatch(
      /^GET \/v1\/balance answered 200, but data\.ping is `pong`, expected "PONG"; the body begins `\{"data"/,
    );
  });

  it('HTTP_ERROR when the path is missing, and for a body that is not JSON', async () => {
    const missing = await probeBody(body, { json: { path: 'data.pong' } });
    expect(missing).toMatchObject({ class: 'HTTP_ERROR' });
    expect(missing.detail).toMatch(/the body has no data\.pong \(expected a value\)/);
    const html = await probeBody('<html><body>Welcome</body></html>', { json: { path: 'data.ping' } });
    expect(html.detail).toMatch(/the body is not JSON \(expected data\.ping: a value\)/);
  });

  it('never resolves a path through the prototype (constructor, __proto__)', async () => {
    expect(valueAt({}, 'constructor')).toBeUndefined();
    expect(valueAt({}, '__proto__')).toBeUndefined();
    expect(await probeBody('{}', { json: { path: 'constructor.name' } })).toMatchObject({ ok: false });
  });

  it('AUTH_REJECTED when a 200 body carries an authentication error (GraphQL errorClass)', async () => {
    const r = await probeBody(
      JSON.stringify({ errors: [{ message: 'no', extensions: { errorClass: 'AUTHENTICATION' } }] }),
      { json: { path: 'data.ping', equals: 'pong' } },
    );
    expect(r).toMatchObject({ ok: false, class: 'AUTH_REJECTED', stage: 'auth', http: { status: 200 } });
    expect(r.detail).toMatch(/: the credentials were refused \(errorClass AUTHENTICATION\)$/);
  });
});

describe('expectBody: contains', () => {
  it('passes when the body contains the text, HTTP_ERROR naming it when not', async () => {
    expect(await probeBody('{"status":"up"}', { contains: '"up"' })).toMatchObject({ ok: true });
    const r = await probeBody('{"status":"down"}', { contains: '"up"' });
    expect(r).toMatchObject({ ok: false, class: 'HTTP_ERROR' });
    expect(r.detail).toContain('the body does not contain "\\"up\\""');
  });

  it('AUTH_REJECTED when the body says so in words', async () => {
    const r = await probeBody('<h1>401 Unauthorized</h1>', { contains: 'access_token' });
    expect(r).toMatchObject({ ok: false, class: 'AUTH_REJECTED' });
  });

  it('is bounded by maxBodyBytes: text beyond the cap is not found, and the detail says why', async () => {
    const text = `{"pad":"${'x'.repeat(5000)}","access_token":"abc"}`;
    expect(await probeBody(text, { contains: 'access_token' })).toMatchObject({ ok: true });
    const r = await probeBody(text, { contains: 'access_token' }, 1024);
    expect(r).toMatchObject({ ok: false, class: 'HTTP_ERROR' });
    expect(r.detail).toContain('(only the first 1024 bytes were read: maxBodyBytes)');
  });

  it('an endless body ends at the cap too', async () => {
    const api = await bed.start('healthy', {
      credentials: { type: 'bearer', token: TOKEN },
      endlessBody: true,
    });
    const config = await bed.processor('endless', api, {
      expectBody: { contains: 'pong' },
      maxBodyBytes: 4096,
    });
    const r = await probe(config, bed.deps());
    expect(r).toMatchObject({ ok: false, class: 'HTTP_ERROR' });
    expect(r.detail).toMatch(/only the first 4096 bytes were read/);
  });
});

describe('the excerpt of a body in a detail', () => {
  it('masks the run’s secrets (also echoed in part), escapes control and bidi characters, and is bounded', async () => {
    const text = `{"echo":"Bearer ${TOKEN}","part":"${TOKEN.slice(3, 20)}","color":"\u001b[31mred\u001b[0m","rtl":"\u202egnp.exe","more":"${'y'.repeat(400)}"}`;
    const r = await probeBody(text, { json: { path: 'data.ping', equals: 'pong' } });
    const detail = r.detail ?? '';
    expect(detail).not.toContain(TOKEN);
    expect(detail).not.toContain(TOKEN.slice(3, 20));
    expect(detail).toContain('[REDACTED]');
    expect(detail).not.toContain('\u001b');
    expect(detail).not.toContain('\u202e');
    expect(detail).toContain('\\u001b[31mred');
    expect(detail).toContain('\\u202egnp.exe');
    expect(detail).toMatch(/`…$/);
    expect(detail.length).toBeLessThan(400);
  });

  it('quoteUntrusted: backticks, backslashes, lone surrogates and line separators never pass raw', () => {
    expect(quoteUntrusted('a`b\\c\nd\u2028e\ud800f', 100)).toBe('`a\\u0060b\\\\c\\u000ad\\u2028e\\ud800f`');
    expect(quoteUntrusted('😀😀😀', 2)).toBe('`😀😀`…');
  });
});

describe('what says the credentials were refused', () => {
  it.each([
    ['{"errors":[{"extensions":{"errorClass":"AUTHORIZATION"}}]}', 'errorClass AUTHORIZATION'],
    ['{"requestId":"1","errorCode":"400.008.01","errorMessage":"x"}', 'errorCode 400.008.01'],
    ['{"error":"invalid_token"}', 'error invalid_token'],
    ['{"status":false,"message":"Invalid key"}', 'the body speaks of authentication'],
    ['Access Denied', 'the body speaks of authentication'],
  ])('%s', (text, why) => {
    expect(authRefusal(text)).toBe(why);
  });

  it.each(['{"error":"internal"}', '{"errorCode":"500.001.1001"}', '<html>Service Unavailable</html>'])(
    'not %s',
    (text) => {
      expect(authRefusal(text)).toBeUndefined();
    },
  );
});

describe('the config schema for auth.expectBody', () => {
  const load = (expectBody: string) =>
    parseConfig(
      `processors:\n  - name: p\n    endpoint: https://api.example.com\n    auth: { expectBody: ${expectBody} }\n`,
      '/etc/payprobe/body.yaml',
    );

  it('accepts the json and contains shapes', () => {
    expect(load('{ json: { path: data.ping, equals: pong } }').processors[0]?.auth?.expectBody).toEqual({
      json: { path: 'data.ping', equals: 'pong' },
    });
    expect(load('{ contains: access_token }').processors[0]?.auth?.expectBody).toEqual({
      contains: 'access_token',
    });
  });

  it.each(['{ json: { path: "" } }', '{ json: { path: "a..b" } }', '{ contains: "" }', '{ matches: x }'])(
    'refuses %s with the field path',
    (bad) => {
      let issues: ConfigError['issues'] = [];
      try {
        load(bad);
      } catch (err) {
        if (!(err instanceof ConfigError)) throw err;
        issues = err.issues;
      }
      expect(issues.length).toBeGreaterThan(0);
      expect(issues[0]?.path).toMatch(/^processors\[0\]\.auth\.expectBody/);
    },
  );
});
