/**
 * The one redactor's rules (lambdas/core/text/redact.ts): whole values and every encoding of them, the
 * minimum length, fragments in untrusted text, deep copies. The encoded forms come from
 * test/support/encodings.ts, written out by hand, so a form the redactor stops masking fails the test.
 */
import { xmlEscape } from '../../../lambdas/core/text/escape';
import {
  FRAGMENT_LENGTH,
  MIN_SECRET_LENGTH,
  makeRedactor,
  REDACTED,
} from '../../../lambdas/core/text/redact';
import { leakedEncodings, secretEncodings } from '../../support/encodings';

const SECRET = 's3cR"et <Value>/+é';

describe('whole values', () => {
  it('replaces secret values, also as they appear escaped in JSON and XML', () => {
    const redact = makeRedactor(['s3cr"et<value>', 'tok_12345']);
    expect(redact.text('a tok_12345 b')).toBe(`a ${REDACTED} b`);
    expect(redact.text(JSON.stringify({ d: 's3cr"et<value>' }))).toBe(`{"d":"${REDACTED}"}`);
    expect(redact.text(xmlEscape('s3cr"et<value>'))).toBe(REDACTED);
  });

  it('masks a value with the white space around it trimmed, as a file or a copy-paste carries it', () => {
    expect(makeRedactor(['  tok_12345\n']).text('Bearer tok_12345')).toBe(`Bearer ${REDACTED}`);
  });

  it(`ignores values shorter than ${MIN_SECRET_LENGTH} characters (they would shred ordinary words)`, () => {
    expect(makeRedactor(['ab']).text('ab cab')).toBe('ab cab');
    expect(makeRedactor(['abcd']).text('x abcd y')).toBe(`x ${REDACTED} y`);
  });

  it('leaves text without a secret unchanged, base64 and URLs included', () => {
    const redact = makeRedactor([SECRET, 'tok_live_4eC39HqLyjWDarjtT1zdp7dc']);
    const other = Buffer.from('another value entirely').toString('base64');
    const text = `GET /v1/balance HTTP/1.1 ${other} https://api.example.com/a%20b`;
    expect(redact.text(text)).toBe(text);
  });
});

describe('every encoding', () => {
  const redact = makeRedactor([SECRET]);

  it.each(secretEncodings(SECRET))('masks the value %s', (_form, encoded) => {
    const out = redact.text(`before ${encoded} after`);
    expect(out).toContain(REDACTED);
    expect(out.startsWith('before ')).toBe(true);
    expect(out.endsWith(' after')).toBe(true);
    expect(leakedEncodings(out, SECRET)).toEqual([]);
  });

  it('masks a Basic header whole: nothing of the user:password encoding is left', () => {
    const header = `Authorization: Basic ${Buffer.from(`merchant:${SECRET}`).toString('base64')}\r\n`;
    expect(redact.text(header)).toBe(`Authorization: Basic ${REDACTED}\r\n`);
  });
});

describe('untrusted text', () => {
  it(`masks any ${FRAGMENT_LENGTH}-character fragment of a secret, as a parser error quotes one`, () => {
    const redact = makeRedactor(['{"token":"tok_live_4eC39HqLyjWDarjtT1zdp7dc"}']);
    const message = 'Unexpected token in JSON at position 12: "tok_live_4eC39Hq...';
    const out = redact.untrusted(message);
    expect(out).not.toContain('tok_live_4eC39Hq');
    expect(out).toContain(REDACTED);
    expect(out.startsWith('Unexpected token in JSON')).toBe(true);
    // Trusted text keeps fragments: only whole values are masked there.
    expect(redact.text(message)).toBe(message);
  });
});

describe('what a URL parser or a server does to a value', () => {
  const redact = makeRedactor([SECRET]);

  it('masks a value URL-encoded in any mix: some characters encoded, some not, hex in either case', () => {
    const mixed = 's3cR%22et%20<Val%75e>%2f+%c3%A9';
    expect(redact.text(`/leak/${mixed}?x`)).toBe(`/leak/${REDACTED}?x`);
  });

  it('masks a value lower-cased in a host name', () => {
    const host = `https://${Buffer.from(SECRET).toString('base64url').toLowerCase()}.evil.example/`;
    const out = redact.text(host);
    expect(out).toMatch(/^https:.*\[REDACTED\]\.evil\.example\/$/);
    expect(leakedEncodings(out, SECRET)).toEqual([]);
  });

  it("masks a value whose UTF-8 was read as Latin-1 (a server's UTF-8 header read by Node's client)", () => {
    const mojibake = Buffer.from(SECRET, 'utf8').toString('latin1');
    expect(redact.text(`to ${encodeURI(mojibake)}`)).toBe(`to ${REDACTED}`);
  });

  it("masks OAuth client_secret_basic's Basic header, which form-encodes the secret before base64", () => {
    const form = new URLSearchParams({ s: SECRET }).toString().slice(2);
    const header = `Basic ${Buffer.from(`client-id:${form}`).toString('base64')}`;
    expect(redact.text(header)).toBe(`Basic ${REDACTED}`);
  });

  it("masks what a URL's path keeps of a value: cut at # or ?, with backslashes turned into slashes", () => {
    const secret = 'sk_live_9Zq"x/+ é<&>';
    const entities = secret.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
    const cut = `https://evil.example/leak/${entities.slice(0, entities.indexOf('#'))}`;
    const json = JSON.stringify(secret).slice(1, -1);
    const mangled = `https://evil.example/leak/${json.replace(/\\/g, '/')}`;
    const r = makeRedactor([secret]);
    expect(r.text(cut)).toBe(`https://evil.example/leak/${REDACTED}`);
    expect(r.text(mangled)).toBe(`https://evil.example/leak/${REDACTED}`);
    // Shorter than FRAGMENT_LENGTH, what is left before the cut would match ordinary words: left alone.
    expect(makeRedactor(['ab"cdefgh']).text('x/ab&')).toBe('x/ab&');
  });
});

describe('values', () => {
  it('masks every string of a deep copy and leaves the original alone', () => {
    const redact = makeRedactor(['tok_12345']);
    const original = { detail: 'rejected tok_12345', nested: [{ d: 'tok_12345' }], n: 3 };
    expect(redact.value(original)).toEqual({
      detail: `rejected ${REDACTED}`,
      nested: [{ d: REDACTED }],
      n: 3,
    });
    expect(original.detail).toBe('rejected tok_12345');
  });
});
