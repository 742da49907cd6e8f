/**
 * The error tables behind the classification, for errors the loopback fleet cannot produce (a dropped SYN,
 * alerts only other TLS stacks send). The fleet tests cover the rest end to end.
 */
import { describeError } from '../../../lambdas/core/checks/errors';
import {
  classifyConnectError,
  classifyHandshakeError,
  classifyPostHandshakeError,
} from '../../../lambdas/core/engine/tls-errors';

const err = (code: string, message = code) => Object.assign(new Error(message), { code });
const before = { keyExchanged: false, clientCertSent: false };

describe('describeError', () => {
  it('shortens an OpenSSL message to the reason and the alert number', () => {
    const e = err(
      'ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE',
      '80:error:0A000410:SSL routines:ssl3_read_bytes:sslv3 alert handshake failure:../ssl/record/rec_layer_s3.c:1601:SSL alert number 40\n',
    );
    expect(describeError(e)).toBe(
      'ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE: sslv3 alert handshake failure (alert 40)',
    );
  });

  it('keeps a plain message that already names its code', () => {
    expect(describeError(err('ECONNREFUSED', 'connect ECONNREFUSED 10.0.0.1:443'))).toBe(
      'connect ECONNREFUSED 10.0.0.1:443',
    );
  });
});

describe('connect errors', () => {
  it.each([
    ['ETIMEDOUT', 'CONNECT_TIMEOUT'],
    ['ECONNREFUSED', 'CONNECT_REFUSED'],
    ['EHOSTUNREACH', 'CONNECT_REFUSED'],
    ['ENETUNREACH', 'CONNECT_REFUSED'],
  ])('%s → %s', (code, cls) => {
    expect(classifyConnectError(err(code)).class).toBe(cls);
  });
});

describe('handshake errors', () => {
  it.each([
    ['ERR_SSL_TLSV1_ALERT_UNKNOWN_CA', before, 'CLIENT_CERT_REJECTED'],
    ['ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE', before, 'CLIENT_CERT_REJECTED'],
    ['ERR_SSL_SSLV3_ALERT_CERTIFICATE_EXPIRED', before, 'CLIENT_CERT_REJECTED'],
    ['ERR_SSL_UNSUPPORTED_PROTOCOL', before, 'TLS_VERSION_MISMATCH'],
    ['ERR_SSL_NO_PROTOCOLS_AVAILABLE', before, 'TLS_VERSION_MISMATCH'],
    ['ERR_SSL_PACKET_LENGTH_TOO_LONG', before, 'TLS_PROTOCOL_ERROR'],
    ['ERR_SSL_CA_MD_TOO_WEAK', before, 'CERT_UNTRUSTED'],
    ['ERR_SSL_EE_KEY_TOO_SMALL', before, 'CERT_UNTRUSTED'],
    ['ERR_SSL_TLSV1_UNRECOGNIZED_NAME', before, 'TLS_HANDSHAKE_REJECTED'],
    ['ERR_SSL_TLSV1_ALERT_INTERNAL_ERROR', before, 'TLS_HANDSHAKE_REJECTED'],
    ['ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE', before, 'TLS_HANDSHAKE_REJECTED'],
    [
      'ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE',
      { keyExchanged: true, clientCertSent: false },
      'CLIENT_CERT_REJECTED',
    ],
    ['ECONNRESET', { keyExchanged: true, clientCertSent: false }, 'TLS_CONNECTION_RESET'],
    ['ECONNRESET', { keyExchanged: false, clientCertSent: true }, 'TLS_CONNECTION_RESET'],
    ['ECONNRESET', { keyExchanged: true, clientCertSent: true }, 'CLIENT_CERT_REJECTED'],
  ] as const)('%s with %j → %s', (code, ctx, cls) => {
    expect(classifyHandshakeError(err(code), ctx).class).toBe(cls);
  });
});

describe('errors after the handshake', () => {
  const ctx = { keyExchanged: true, protocol: 'TLSv1.3' };
  it.each([
    ['ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED', false, 'CLIENT_CERT_REJECTED'],
    ['ERR_SSL_TLSV1_ALERT_UNKNOWN_CA', true, 'CLIENT_CERT_REJECTED'],
    ['ECONNRESET', true, 'CLIENT_CERT_REJECTED'],
    ['ECONNRESET', false, 'HTTP_ERROR'],
    ['ERR_SSL_DECRYPTION_FAILED_OR_BAD_RECORD_MAC', false, 'TLS_HANDSHAKE_REJECTED'],
  ] as const)('%s (client cert sent: %s) → %s', (code, clientCertSent, cls) => {
    expect(classifyPostHandshakeError(err(code), { ...ctx, clientCertSent }).class).toBe(cls);
  });
});
