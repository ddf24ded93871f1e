/*
 * TLS client side of the mail protocols (SMTP STARTTLS and port 465, POP3
 * STLS and port 995): one OpenSSL context per configuration, one session
 * per connection, and the classification of failures into what the
 * operator is told (#841: no TLS possible; #842: the server wants a client
 * certificate).
 *
 * Trust: by default the server's chain is verified against the system
 * store plus the optional device trust store (ca_file, ca_dir), and the
 * certificate must name the host we connected to (DNS name, or IP address
 * when host is a literal). pin_sha256 pins the SHA-256 of the server
 * certificate's SubjectPublicKeyInfo (DER), the same value as
 * `openssl x509 -pubkey -noout | openssl pkey -pubin -outform der |
 * sha256sum`; the public key, not the whole certificate, so that a renewal
 * with the same key keeps working. With verify on, the pin is checked on
 * top of the chain; with verify off (the explicit opt-out, for tests and
 * self-signed servers) the pin, when set, is the only check, and without a
 * pin nothing is checked at all.
 *
 * Usage:
 *
 *	struct irs_tls_opts o = IRS_TLS_OPTS_INIT;
 *	o.ca_file = "/var/lib/irsend/trust.pem";
 *	struct irs_tls_ctx *t = irs_tls_ctx_new(&o, err, sizeof(err));
 *	... irs_conn_starttls(conn, t, host) (see conn.h) ...
 *	irs_tls_ctx_free(t);
 *
 * Timeouts and sockets are conn.c's business; this file only configures
 * and judges.
 */
#ifndef IRSEND_MAIL_TLS_H
#define IRSEND_MAIL_TLS_H

#include <stddef.h>

#include <openssl/ssl.h>

struct irs_tls_opts {
	int verify;		 /* 1: chain + host name (default); 0: explicit opt-out */
	int min_version;	 /* TLS1_2_VERSION (default) or TLS1_3_VERSION */
	const char *ca_file;	 /* extra trusted CAs, PEM; NULL: system store only */
	const char *ca_dir;	 /* extra trusted CAs, c_rehash'ed directory; NULL: none */
	const char *pin_sha256;	 /* 64 hex digits of SHA-256(SPKI); NULL or "": no pin */
	const char *client_cert; /* PEM chain presented when asked; NULL: none */
	const char *client_key;	 /* its key; NULL: in client_cert */
};

#define IRS_TLS_OPTS_INIT                                                                          \
	{                                                                                          \
		.verify = 1, .min_version = TLS1_2_VERSION                                         \
	}

/* What went wrong with a handshake (or with the first read after one: TLS 1.3). */
enum irs_tls_result {
	IRS_TLS_OK = 0,
	IRS_TLS_FAILED,	     /* no common version/cipher, alert, broken handshake */
	IRS_TLS_VERIFY,	     /* chain, host name or pin did not check out */
	IRS_TLS_CLIENT_CERT, /* the server asked for a client certificate we lack */
};

struct irs_tls_ctx;

/*
 * A context for opts; NULL with a reason in err (a bad pin, an unreadable
 * trust store or client certificate). opts' strings are copied.
 */
struct irs_tls_ctx *irs_tls_ctx_new(const struct irs_tls_opts *opts, char *err, size_t errlen);
void irs_tls_ctx_free(struct irs_tls_ctx *t);

/*
 * A session for one connection to host (used for SNI and the name check);
 * NULL on allocation failure. Whether the server asked for a client
 * certificate is remembered in the session for irs_tls_classify().
 */
SSL *irs_tls_session(struct irs_tls_ctx *t, const char *host);

/* After a successful SSL_connect: the pin check. IRS_TLS_OK or IRS_TLS_VERIFY. */
enum irs_tls_result irs_tls_check_peer(struct irs_tls_ctx *t, SSL *ssl, char *err, size_t errlen);

/*
 * Judge a failed handshake or a failed first exchange after one (TLS 1.3
 * servers refuse a missing client certificate only after the client has
 * finished). Reads and clears the OpenSSL error queue; err gets a short
 * reason with no secrets (there are none in a handshake).
 */
enum irs_tls_result irs_tls_classify(SSL *ssl, char *err, size_t errlen);

/* 1 when the server sent a CertificateRequest and we had no certificate to give. */
int irs_tls_cert_requested(SSL *ssl);

/* "1.2" -> TLS1_2_VERSION, "1.3" -> TLS1_3_VERSION; 0 for anything else. */
int irs_tls_version_parse(const char *s);

#endif
