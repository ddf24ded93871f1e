/*
 * TLS server side of I-Fax reception (STARTTLS in smtpd.h): an OpenSSL
 * context from the device's key pair and certificate chain (seed 2.1.7;
 * the keys themselves, DefaultKey included, are user/agent/keystore.h's).
 *
 * Settings: TLS 1.2 at least (min_version may raise it to 1.3, never
 * lower it), the server's cipher order, TLS 1.2 suites with forward
 * secrecy and AEAD only (ECDHE or DHE with AES-GCM or ChaCha20-Poly1305:
 * Mozilla's "intermediate" list; OpenSSL's TLS 1.3 suites are all of that
 * kind), OpenSSL's key-exchange groups and automatic DH parameters, no
 * compression, no renegotiation. No client certificate is asked for: mail
 * relays rarely have one, and who may connect is decided by address.
 *
 * The client side of the mail protocols is tls.h.
 *
 * Usage:
 *
 *	char err[256];
 *	SSL_CTX *ctx = irs_tls_server_ctx_new(cert, key, 0, err, sizeof(err));
 *	... smtpd_opts.tls_ctx = ctx ...
 *	SSL_CTX_free(ctx);
 */
#ifndef IRSEND_MAIL_TLS_SERVER_H
#define IRSEND_MAIL_TLS_SERVER_H

#include <stddef.h>

#include <openssl/ssl.h>

/*
 * A server context from PEM files: cert_chain_pem holds the certificate
 * first, then its intermediates; key_pem its private key (NULL: in
 * cert_chain_pem). min_version: 0 (TLS 1.2), TLS1_2_VERSION or
 * TLS1_3_VERSION. NULL with a reason in err (unreadable file, key that
 * does not match, a version below 1.2).
 */
SSL_CTX *irs_tls_server_ctx_new(const char *cert_chain_pem, const char *key_pem, int min_version,
				char *err, size_t errlen);

#endif
