/**
 * Escaping and bounding of untrusted text (lambdas/core/text/escape.ts): every control, bidi, separator and
 * invisible character shown as a visible escape; JSON that never carries them raw but parses to the same
 * value; caps at a byte size with a visible marker, never splitting a character or an escape.
 */
import {
  capBytes,
  escapeUntrusted,
  safeJson,
  showUntrusted,
  truncationMarker,
} from '../../../lambdas/core/text/escape';

/** One of each kind of character a server may use to attack a terminal, a log line or a reader. */
const HOSTILE: [string, string][] = [
  ['ESC (C0)', '\u001b'],
  ['NUL', '\u0000'],
  ['DEL', '\u007f'],
  ['CSI (C1)', '\u009b'],
  ['NEL (C1)', '\u0085'],
  ['LRE', '\u202a'],
  ['RLO', '\u202e'],
  ['LRI', '\u2066'],
  ['PDI', '\u2069'],
  ['LRM', '\u200e'],
  ['RLM', '\u200f'],
  ['ALM', '\u061c'],
  ['line separator', '\u2028'],
  ['paragraph separator', '\u2029'],
  ['zero-width space', '\u200b'],
  ['zero-width joiner', '\u200d'],
  ['word joiner', '\u2060'],
  ['BOM', '\ufeff'],
  ['soft hyphen', '\u00ad'],
  ['tag character', '\u{e0041}'],
  ['Hangul filler', '\u3164'],
  ['variation selector', '\ufe0f'],
  ['lone surrogate', '\ud800'],
  ['newline', '\n'],
  ['carriage return', '\r'],
  ['tab', '\t'],
];

describe('escapeUntrusted', () => {
  it.each(HOSTILE)('shows %s as a visible escape', (_name, c) => {
    const out = escapeUntrusted(`a${c}b`);
    expect(out).not.toContain(c);
    expect(out).toMatch(/^a\\(u[0-9a-f]{4}|u\{[0-9a-f]+\}|n|r|t)b$/);
  });

  it('keeps ordinary text, accents, scripts and emoji as they are', () => {
    const text = 'CN=api.example.com, O=Zahlungsverkehr GmbH, L=Zürich, OU=决済 \u{1f512} (é)';
    expect(escapeUntrusted(text)).toBe(text);
  });

  it('writes each escape so a reader can tell what was there', () => {
    expect(escapeUntrusted('evil\u202egnp.exe\u009b2J')).toBe('evil\\u202egnp.exe\\u009b2J');
    expect(escapeUntrusted('x\u{e0041}')).toBe('x\\u{e0041}');
  });
});

describe('safeJson', () => {
  it.each(HOSTILE)('never writes %s raw, and parses back to the same value', (_name, c) => {
    const value = { subject: `CN=a${c}b` };
    const json = safeJson(value);
    expect(json).not.toContain(c);
    expect(JSON.parse(json)).toEqual(value);
  });
});

describe('capBytes', () => {
  it('leaves text that fits alone', () => {
    expect(capBytes('short', 100)).toBe('short');
  });

  it('cuts to the byte size, marker included, and says how much was cut', () => {
    const out = capBytes('x'.repeat(65536), 2048);
    expect(Buffer.byteLength(out)).toBeLessThanOrEqual(2048);
    const kept = out.indexOf('…');
    expect(out.slice(kept)).toBe(truncationMarker(65536 - kept));
    expect(out).toMatch(/…\[truncated 63,\d{3} bytes\]$/);
  });

  it('never splits a character', () => {
    const out = capBytes('é'.repeat(1000), 101);
    expect(out).not.toContain('\ufffd');
    expect(Buffer.byteLength(out)).toBeLessThanOrEqual(101);
  });

  it('never leaves half an escape at the cut', () => {
    for (let max = 40; max < 60; max++) {
      const out = showUntrusted('\u202e'.repeat(100), max);
      expect(out.replace(/…\[.*$/, '')).toMatch(/^(\\u202e)*$/);
      expect(Buffer.byteLength(out)).toBeLessThanOrEqual(max);
    }
  });
});
