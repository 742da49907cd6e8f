/**
 * The subject line of every page (diagnosis, incident, live audit): printable ASCII, one line, within what SNS
 * accepts. Its own module so a page that needs only the subject (the live audit's, in the probe bundle) does
 * not pull in the runbooks with notification.ts.
 */

/** SNS rejects or rewrites subjects of 100 characters or more, and with non-ASCII characters. */
export const SUBJECT_MAX = 99;

/** Printable ASCII, one line, at most SUBJECT_MAX characters. */
export function fitSubject(prefix: string, rest: string): string {
  const clean = (s: string) =>
    s
      .replace(/\s+/g, ' ')
      .replace(/[\u2013\u2014]/g, '-')
      .replace(/[^\x20-\x7e]/g, '?');
  const p = clean(prefix);
  const r = clean(rest).trimEnd();
  const full = `${p}${r}`;
  if (full.length <= SUBJECT_MAX) return full;
  return `${p}${r.slice(0, Math.max(0, SUBJECT_MAX - p.length - 3))}...`.slice(0, SUBJECT_MAX);
}
