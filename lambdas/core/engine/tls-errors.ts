/**
 * Maps Node/OpenSSL errors to failure classes. One table per phase, because the same error means different
 * things at different points: a reset during the handshake is TLS_CONNECTION_RESET, a reset right after a
 * handshake in which we presented a client certificate is almost always the server refusing that certificate.
 */
import { describeError, errorCode } from '../checks/errors';
import type { FailureClass } from '../contract/classes';

export interface Classified {
  readonly class: FailureClass;
  readonly detail: string;
}

/** What the engine knew when the error arrived. */
export interface TlsErrorContext {
  /** Key material had been derived (the `keylog` event fired): the server got past ServerHello. */
  readonly keyExchanged: boolean;
  /** We presented a client certificate. */
  readonly clientCertSent: boolean;
}

const ALERT_CLIENT_CERT = new Set([
  'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED',
  'ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE',
  'ERR_SSL_SSLV3_ALERT_UNSUPPORTED_CERTIFICATE',
  'ERR_SSL_SSLV3_ALERT_CERTIFICATE_REVOKED',
  'ERR_SSL_SSLV3_ALERT_CERTIFICATE_EXPIRED',
  'ERR_SSL_SSLV3_ALERT_CERTIFICATE_UNKNOWN',
  'ERR_SSL_TLSV1_ALERT_UNKNOWN_CA',
  'ERR_SSL_TLSV1_ALERT_ACCESS_DENIED',
]);

const VERSION = new Set([
  'ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION',
  'ERR_SSL_UNSUPPORTED_PROTOCOL',
  'ERR_SSL_NO_PROTOCOLS_AVAILABLE',
  'ERR_SSL_WRONG_SSL_VERSION',
  'ERR_SSL_VERSION_TOO_LOW',
  'ERR_SSL_VERSION_TOO_HIGH',
  'ERR_SSL_TLSV1_ALERT_INAPPROPRIATE_FALLBACK',
  'ERR_SSL_UNSUPPORTED_SSL_VERSION',
]);

/** The peer answered with something that is not TLS (plaintext HTTP, SSH banner, ...). */
const NOT_TLS = new Set([
  'ERR_SSL_WRONG_VERSION_NUMBER',
  'ERR_SSL_PACKET_LENGTH_TOO_LONG',
  'ERR_SSL_HTTP_REQUEST',
  'ERR_SSL_HTTPS_PROXY_REQUEST',
  'ERR_SSL_UNKNOWN_PROTOCOL',
  'ERR_SSL_RECORD_LENGTH_MISMATCH',
  'ERR_SSL_BAD_PACKET_LENGTH',
  'ERR_SSL_RECORD_LAYER_FAILURE',
  'ERR_SSL_UNEXPECTED_RECORD',
  'ERR_SSL_UNEXPECTED_MESSAGE',
]);

/** OpenSSL's security level refused a certificate of the server's chain during the handshake. */
const WEAK_CERT = new Set([
  'ERR_SSL_CA_MD_TOO_WEAK',
  'ERR_SSL_EE_KEY_TOO_SMALL',
  'ERR_SSL_CA_KEY_TOO_SMALL',
  'ERR_SSL_KEY_TOO_SMALL',
]);

const RESET_CODES = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED', 'ERR_STREAM_PREMATURE_CLOSE']);

const certRequiredHint = (ctx: TlsErrorContext) =>
  ctx.clientCertSent
    ? 'the server refused our client certificate'
    : 'the server requires a client certificate and none is configured (tls.clientCert/tls.clientKey)';

/** An error before `secureConnect`. */
export function classifyHandshakeError(err: unknown, ctx: TlsErrorContext): Classified {
  const code = errorCode(err) ?? '';
  const what = describeError(err);
  if (ALERT_CLIENT_CERT.has(code))
    return { class: 'CLIENT_CERT_REJECTED', detail: `${certRequiredHint(ctx)}: ${what}` };
  if (VERSION.has(code))
    return {
      class: 'TLS_VERSION_MISMATCH',
      detail: `no common TLS version (check tls.minVersion/maxVersion): ${what}`,
    };
  if (WEAK_CERT.has(code))
    return {
      class: 'CERT_UNTRUSTED',
      detail: `the server's certificate chain has a weak signature algorithm or a key size too small for OpenSSL's security level: ${what}`,
    };
  if (NOT_TLS.has(code))
    return {
      class: 'TLS_PROTOCOL_ERROR',
      detail: `the peer does not speak TLS on this port (plaintext HTTP?): ${what}`,
    };
  if (code === 'ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE' && ctx.keyExchanged) {
    // In TLS 1.2 a missing or refused client certificate is a plain handshake_failure alert; it comes after
    // the key exchange, whereas "no shared cipher" comes straight after ClientHello.
    return {
      class: 'CLIENT_CERT_REJECTED',
      detail: `${certRequiredHint(ctx)} (handshake_failure after the key exchange): ${what}`,
    };
  }
  if (RESET_CODES.has(code) || code === '') {
    if (ctx.keyExchanged && ctx.clientCertSent) {
      return {
        class: 'CLIENT_CERT_REJECTED',
        detail: `the server closed the connection after the key exchange, once it had our client certificate: it most likely refused it (${what})`,
      };
    }
    return {
      class: 'TLS_CONNECTION_RESET',
      detail: `the peer reset or closed the connection during the TLS handshake: ${what}`,
    };
  }
  if (code.startsWith('ERR_SSL_') && code.includes('ALERT')) {
    return { class: 'TLS_HANDSHAKE_REJECTED', detail: `the server sent a handshake alert: ${what}` };
  }
  return { class: 'TLS_HANDSHAKE_REJECTED', detail: `the TLS handshake failed: ${what}` };
}

/**
 * An error after `secureConnect`, before the response: in TLS 1.3 the server's verdict on our client
 * certificate (or on its absence) arrives here, on the first read.
 */
export function classifyPostHandshakeError(
  err: unknown,
  ctx: TlsErrorContext & { readonly protocol: string | null },
): Classified {
  const code = errorCode(err) ?? '';
  const what = describeError(err);
  if (ALERT_CLIENT_CERT.has(code) || code === 'ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE') {
    return {
      class: 'CLIENT_CERT_REJECTED',
      detail: `${certRequiredHint(ctx)} (after the handshake, on first read): ${what}`,
    };
  }
  if (code.startsWith('ERR_SSL_'))
    return { class: 'TLS_HANDSHAKE_REJECTED', detail: `TLS error after the handshake: ${what}` };
  if (RESET_CODES.has(code) || code === '') {
    if (ctx.clientCertSent) {
      return {
        class: 'CLIENT_CERT_REJECTED',
        detail: `the server closed the connection right after the ${ctx.protocol ?? 'TLS'} handshake without answering, once it had our client certificate: it most likely refused it (${what})`,
      };
    }
    return {
      class: 'HTTP_ERROR',
      detail: `the server closed the connection before sending a response: ${what}`,
    };
  }
  return { class: 'HTTP_ERROR', detail: `request failed: ${what}` };
}

/** An error from the TCP connect. */
export function classifyConnectError(err: unknown): Classified {
  const code = errorCode(err) ?? '';
  const what = describeError(err);
  if (code === 'ETIMEDOUT') return { class: 'CONNECT_TIMEOUT', detail: `TCP connect timed out: ${what}` };
  if (code === 'ECONNREFUSED')
    return { class: 'CONNECT_REFUSED', detail: `nothing listens on the port (connection refused): ${what}` };
  return { class: 'CONNECT_REFUSED', detail: `no TCP connection: ${what}` };
}

/** Server certificate verification codes (socket.authorizationError) that mean "not trusted". */
const UNTRUSTED_HINTS: Record<string, string> = {
  DEPTH_ZERO_SELF_SIGNED_CERT: 'the server certificate is self-signed',
  SELF_SIGNED_CERT_IN_CHAIN:
    'the chain ends in a root that is not trusted (add it with tls.ca if it is your private CA)',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
    'the issuer is unknown: an untrusted root, or a missing intermediate (tls.ca)',
  UNABLE_TO_GET_ISSUER_CERT: 'the issuer certificate could not be found',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE:
    'the leaf cannot be verified: the server did not send its intermediate certificate (incomplete chain), or its root is unknown',
  CERT_SIGNATURE_FAILURE: 'a certificate signature does not verify',
  CERT_REVOKED: 'the certificate is revoked',
  INVALID_CA: 'an issuer in the chain is not a valid CA',
  CERT_CHAIN_TOO_LONG: 'the chain is too long',
  PATH_LENGTH_EXCEEDED: 'the chain exceeds a CA path length',
  INVALID_PURPOSE: 'the certificate is not valid for TLS server authentication',
  CERT_UNTRUSTED: 'the root is not trusted for this purpose',
  CERT_REJECTED: 'the root is marked as rejected',
  CA_MD_TOO_WEAK: 'a certificate in the chain has a weak signature algorithm (MD5 or SHA-1)',
  EE_KEY_TOO_SMALL: "the server certificate's key size is too small",
  CA_KEY_TOO_SMALL: "an issuer's key size is too small",
};

export function untrustedHint(code: string): string {
  return UNTRUSTED_HINTS[code] ?? 'the chain does not verify';
}
