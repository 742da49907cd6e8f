/**
 * Every encoding a secret can take on its way out of payprobe, written out by hand (not taken from the
 * redactor, so a form the redactor stops masking fails the tests): as is, JSON- and XML/HTML-escaped,
 * URL-encoded with `%20` or `+` and either case of hex, base64 and base64url on its own and inside a Basic
 * header at each of the three alignments. The redaction tests search every output for each of these.
 */

const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');
const b64url = (s: string) => Buffer.from(s, 'utf8').toString('base64url');

/** RFC 3986 percent-encoding: everything but the unreserved characters, upper-case hex. */
function percentEncoded(s: string): string {
  return [...Buffer.from(s, 'utf8')]
    .map((byte) => {
      const c = String.fromCharCode(byte);
      return /[A-Za-z0-9\-._~]/.test(c) ? c : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
    })
    .join('');
}

/** [name, encoded] for each form of `secret`. */
export function secretEncodings(secret: string): [string, string][] {
  const json = JSON.stringify(secret).slice(1, -1);
  const uEscaped = json.replace(
    /[^\x20-\x7e]|[<>&']/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
  const html = secret.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  const xml = secret
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
  const url = percentEncoded(secret);
  const lowerHex = (s: string) => s.replace(/%[0-9A-F]{2}/g, (e) => e.toLowerCase());
  const plus = (s: string) => s.replace(/%20/g, '+');
  return [
    ['raw', secret],
    ['JSON-escaped', json],
    ['JSON inside a JSON string', JSON.stringify(json).slice(1, -1)],
    ['JSON with \\/', json.replace(/\//g, '\\/')],
    ['JSON with \\u escapes, lower hex', uEscaped],
    [
      'JSON with \\u escapes, upper hex',
      uEscaped.replace(/\\u([0-9a-f]{4})/g, (_m, h: string) => `\\u${h.toUpperCase()}`),
    ],
    ['XML-escaped', xml],
    ['HTML numeric entities', html],
    ['URL-encoded, %20, upper hex', url],
    ['URL-encoded, %20, lower hex', lowerHex(url)],
    ['form-encoded, +, upper hex', plus(url)],
    ['form-encoded, +, lower hex', lowerHex(plus(url))],
    ['base64', b64(secret)],
    ['base64url', b64url(secret)],
    ['Basic header', `Basic ${b64(`merchant:${secret}`)}`],
    ['Basic header, second alignment', `Basic ${b64(`mx:${secret}`)}`],
    ['Basic header, third alignment', `Basic ${b64(`m:${secret}`)}`],
    ['base64url inside a token', `eyJ0.${b64url(`{"k":"${secret}"}`)}.sig`],
  ];
}

/** The names of the encodings of `secret` found in `text`: [] when nothing leaked. */
export function leakedEncodings(text: string, secret: string): string[] {
  return secretEncodings(secret)
    .filter(([, encoded]) => text.includes(encoded))
    .map(([name]) => name);
}
