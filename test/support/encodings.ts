/**
 * Every encoding a secret can take on its way out of payprobe, written out by hand (not taken from the
 * redactor, so a form the redactor stops masking fails the tests): as is, JSON- and XML/HTML-escaped,
 * URL-encoded with `%20` or `+` and either case of hex (or mixed, or every byte encoded), base64 and base64url
 * on its own and inside a Basic header at each of the three alignments (also OAuth's client_secret_basic,
 * which form-encodes the secret before base64), hex, and folded to lower or upper case (a host name in a
 * URL comes back lower-cased). The redaction tests search every output for each of these, in any letter
 * case, and search the output with its percent-escapes decoded for the value itself.
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

/** Every byte percent-encoded, unreserved characters too, hex alternating upper and lower case. */
function everyByteMixedCase(s: string): string {
  return [...Buffer.from(s, 'utf8')]
    .map((byte, i) => {
      const hex = byte.toString(16).padStart(2, '0');
      return `%${i % 2 ? hex.toUpperCase() : hex.toLowerCase()}`;
    })
    .join('');
}

/** Form-encoding as URLSearchParams writes it (`+` for a space). */
const form = (s: string) => new URLSearchParams({ s }).toString().slice(2);

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
    ['URL-encoded, every byte, mixed-case hex', everyByteMixedCase(secret)],
    ['OAuth client_secret_basic header', `Basic ${b64(`${form('payprobe-client')}:${form(secret)}`)}`],
    ['base64url, lower-cased (a host name)', b64url(secret).toLowerCase()],
    ['hex', Buffer.from(secret, 'utf8').toString('hex')],
    ['lower-cased', secret.toLowerCase()],
    ['upper-cased', secret.toUpperCase()],
  ];
}

/** Percent-escapes decoded where they decode (leniently: a stray `%` stays). */
function percentDecoded(text: string): string {
  return text.replace(/(?:%[0-9a-fA-F]{2})+/g, (run) => {
    try {
      return decodeURIComponent(run);
    } catch {
      return run;
    }
  });
}

/**
 * The names of the encodings of `secret` found in `text`, in any letter case, and `percent-decoded` when the
 * text with its percent-escapes decoded holds the value: [] when nothing leaked.
 */
export function leakedEncodings(text: string, secret: string): string[] {
  const folded = text.toLowerCase();
  const found = secretEncodings(secret)
    .filter(([, encoded]) => folded.includes(encoded.toLowerCase()))
    .map(([name]) => name);
  const decoded = percentDecoded(text).toLowerCase();
  return decoded.includes(secret.toLowerCase()) && !found.includes('raw')
    ? [...found, 'percent-decoded']
    : found;
}

/** Text compared as the redactor compares it: lower case, `\\` as `/`, percent-escapes decoded. */
function comparable(text: string): string {
  return percentDecoded(text).toLowerCase().replace(/\\/g, '/');
}

/**
 * Runs of `length` characters of any encoding of `secret` found in `text` (compared in any case, with
 * percent-escapes decoded and `\\` read as `/`, as a URL parser leaves them): what is left of a value a
 * server cut or a parser mangled. [] when nothing leaked.
 */
export function leakedFragments(text: string, secret: string, length: number): string[] {
  const pieces = new Set<string>();
  for (const [, encoded] of [...secretEncodings(secret), ['decoded', secret] as const]) {
    const form = comparable(encoded);
    for (let i = 0; i + length <= form.length; i++) pieces.add(form.slice(i, i + length));
  }
  const haystack = comparable(text);
  const found = new Set<string>();
  for (let i = 0; i + length <= haystack.length; i++) {
    const piece = haystack.slice(i, i + length);
    if (pieces.has(piece)) found.add(piece);
  }
  return [...found];
}

/** What `text` holds of one secret: its encodings and, when searched for, its runs. */
export interface Leak {
  readonly secret: string;
  readonly encodings: string[];
  readonly fragments: string[];
}

/**
 * The secrets `text` leaks: for each, the encodings found (leakedEncodings) and, with `fragment`, the runs of
 * that many characters (leakedFragments). [] when none leaked: `expect(leaks(output, secrets)).toEqual([])`
 * names the secret and what of it leaked when one does.
 */
export function leaks(text: string, secrets: readonly string[], fragment?: number): Leak[] {
  return secrets
    .map((secret) => ({
      secret,
      encodings: leakedEncodings(text, secret),
      fragments: fragment === undefined ? [] : leakedFragments(text, secret, fragment),
    }))
    .filter((l) => l.encodings.length > 0 || l.fragments.length > 0);
}
