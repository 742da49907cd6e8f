/**
 * Reading Node and OpenSSL errors, one way everywhere: the error code when there is one, OpenSSL's reason
 * instead of its whole error stack, and never the input that failed to parse (a key or certificate could be
 * quoted by a careless message). The probe engine's failure classes (engine/tls-errors.ts) and the audit's
 * certificate rules build their details from these.
 */

/** The error's `code` (ECONNREFUSED, ERR_SSL_..., ERR_OSSL_...), when it has a string one. */
export function errorCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' ? code : undefined;
}

/**
 * "ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE: sslv3 alert handshake failure (alert 40)" from OpenSSL's
 * "8010..:error:0A000410:SSL routines:ssl3_read_bytes:sslv3 alert handshake failure:file:line:SSL alert number 40".
 */
export function describeError(err: unknown): string {
  const code = errorCode(err);
  const message = String((err as { message?: unknown } | undefined)?.message ?? err);
  let text = message.split('\n')[0] ?? message;
  const openssl = /:error:[0-9A-F]+:[^:]*:[^:]*:([^:]+):/.exec(message);
  if (openssl?.[1]) {
    text = openssl[1];
    const alert = /SSL alert number (\d+)/.exec(message);
    if (alert) text += ` (alert ${alert[1]})`;
  }
  return code && !text.includes(code) ? `${code}: ${text}` : text;
}

/**
 * The error code, or else the first line of the message (at most 120 characters): a short reason for a
 * parse failure that never echoes the input (ERR_OSSL_PEM_NO_START_LINE, ERR_MISSING_PASSPHRASE).
 */
export function errorSummary(err: unknown): string {
  const code = errorCode(err);
  if (code !== undefined) return code;
  const message = (err as { message?: unknown } | undefined)?.message;
  return typeof message === 'string' ? (message.split('\n')[0]?.slice(0, 120) ?? 'error') : 'error';
}
