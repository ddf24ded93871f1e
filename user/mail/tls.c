// SPDX-License-Identifier: GPL-2.0
/*
 * OpenSSL client contexts for the mail protocols: trust, version floor,
 * optional pin and client certificate, and the judgement of failures.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509v3.h>

#include "tls.h"

struct irs_tls_ctx {
	SSL_CTX *ctx;
	int verify;
	int has_pin;
	unsigned char pin[32];
	int has_client_cert;
};

/* Per-session flags, kept in the SSL's ex_data as a small integer. */
#define FLAG_CERT_REQUESTED 1u

static int ex_index = -1;
static pthread_once_t ex_once = PTHREAD_ONCE_INIT;

static void ex_init(void)
{
	ex_index = SSL_get_ex_new_index(0, NULL, NULL, NULL, NULL);
}

static unsigned int flags_of(SSL *ssl)
{
	return (unsigned int)(uintptr_t)SSL_get_ex_data(ssl, ex_index);
}

/*
 * OpenSSL calls this only when the server sent a CertificateRequest, and
 * only after the server's own certificate was checked: a failure once it
 * has run (with no certificate of ours) is about our missing certificate,
 * not about the server's.
 */
static int cert_cb(SSL *ssl, void *arg)
{
	(void)arg;
	/* A configured certificate answers the request; only a missing one is our failure. */
	if (SSL_get_certificate(ssl))
		return 1;
	SSL_set_ex_data(ssl, ex_index, (void *)(uintptr_t)(flags_of(ssl) | FLAG_CERT_REQUESTED));
	return 1;
}

int irs_tls_cert_requested(SSL *ssl)
{
	return ssl && (flags_of(ssl) & FLAG_CERT_REQUESTED);
}

int irs_tls_version_parse(const char *s)
{
	if (s && !strcmp(s, "1.2"))
		return TLS1_2_VERSION;
	if (s && !strcmp(s, "1.3"))
		return TLS1_3_VERSION;
	return 0;
}

static int parse_pin(const char *hex, unsigned char out[32])
{
	if (strlen(hex) != 64)
		return -1;
	for (int i = 0; i < 32; i++) {
		unsigned int v;

		if (sscanf(hex + 2 * i, "%2x", &v) != 1 ||
		    !strchr("0123456789abcdefABCDEF", hex[2 * i]) ||
		    !strchr("0123456789abcdefABCDEF", hex[2 * i + 1]))
			return -1;
		out[i] = (unsigned char)v;
	}
	return 0;
}

/* The first OpenSSL error's text, or fallback; clears the queue. */
static void ssl_reason(char *err, size_t errlen, const char *what, const char *fallback)
{
	unsigned long e = ERR_get_error();
	char buf[200];

	if (e)
		ERR_error_string_n(e, buf, sizeof(buf));
	snprintf(err, errlen, "%s: %s", what, e ? buf : fallback);
	ERR_clear_error();
}

/* 1 when dir holds c_rehash links ("5ad8a5d6.0"): OpenSSL can look issuers up there. */
static int hashed_dir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int found = 0;

	if (!d)
		return 0;
	while (!found && (e = readdir(d))) {
		const char *n = e->d_name;
		size_t i = 0;

		while (i < 8 && ((n[i] >= '0' && n[i] <= '9') || (n[i] >= 'a' && n[i] <= 'f')))
			i++;
		found = i == 8 && n[8] == '.' && n[9] >= '0' && n[9] <= '9';
	}
	closedir(d);
	return found;
}

/* 1 when SSL_CERT_FILE is unset or names the default bundle under another name. */
static int default_bundle(const char *file)
{
	char *a, *b;
	int same;

	if (!file || !*file)
		return 1;
	a = realpath(file, NULL);
	b = realpath(X509_get_default_cert_file(), NULL);
	same = a && b && !strcmp(a, b);
	free(a);
	free(b);
	return same;
}

/*
 * The system trust store. SSL_CTX_set_default_verify_paths() parses the
 * whole CA bundle file (Debian: 140 certificates, about 17 ms of CPU with
 * OpenSSL 3) for every context, that is for every mail job; the hashed
 * directory of the same certificates (Debian's /etc/ssl/certs, kept in step
 * with the bundle by update-ca-certificates) is read lazily, only the
 * issuers a chain needs. So the directory alone when it is hashed, unless
 * SSL_CERT_FILE names another bundle or SSL_CERT_DIR a list; both otherwise.
 */
static int system_trust(SSL_CTX *ctx)
{
	const char *dir = getenv(X509_get_default_cert_dir_env());

	if (!dir || !*dir)
		dir = X509_get_default_cert_dir();
	if (!strchr(dir, ':') && default_bundle(getenv(X509_get_default_cert_file_env())) &&
	    hashed_dir(dir))
		return SSL_CTX_set_default_verify_dir(ctx);
	return SSL_CTX_set_default_verify_paths(ctx);
}

struct irs_tls_ctx *irs_tls_ctx_new(const struct irs_tls_opts *opts, char *err, size_t errlen)
{
	struct irs_tls_ctx *t = calloc(1, sizeof(*t));
	int minv = opts->min_version ? opts->min_version : TLS1_2_VERSION;

	pthread_once(&ex_once, ex_init);
	if (!t || ex_index < 0) {
		snprintf(err, errlen, "out of memory");
		free(t);
		return NULL;
	}
	t->verify = opts->verify;
	if (opts->pin_sha256 && *opts->pin_sha256) {
		if (parse_pin(opts->pin_sha256, t->pin)) {
			snprintf(err, errlen, "tls pin: expected 64 hex digits");
			goto fail;
		}
		t->has_pin = 1;
	}
	t->ctx = SSL_CTX_new(TLS_client_method());
	if (!t->ctx) {
		ssl_reason(err, errlen, "tls context", "out of memory");
		goto fail;
	}
	if (minv != TLS1_2_VERSION && minv != TLS1_3_VERSION) {
		snprintf(err, errlen, "tls: minimum version must be 1.2 or 1.3");
		goto fail;
	}
	SSL_CTX_set_min_proto_version(t->ctx, minv);
	/* Non-blocking sockets: a write may be retried with a moved buffer and complete in parts.
	 */
	SSL_CTX_set_mode(t->ctx,
			 SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	SSL_CTX_set_cert_cb(t->ctx, cert_cb, NULL);
	if (t->verify) {
		SSL_CTX_set_verify(t->ctx, SSL_VERIFY_PEER, NULL);
		if (system_trust(t->ctx) != 1) {
			ssl_reason(err, errlen, "tls system trust store", "cannot load");
			goto fail;
		}
	} else {
		SSL_CTX_set_verify(t->ctx, SSL_VERIFY_NONE, NULL);
	}
	if ((opts->ca_file && *opts->ca_file) || (opts->ca_dir && *opts->ca_dir)) {
		const char *f = opts->ca_file && *opts->ca_file ? opts->ca_file : NULL;
		const char *d = opts->ca_dir && *opts->ca_dir ? opts->ca_dir : NULL;

		if (SSL_CTX_load_verify_locations(t->ctx, f, d) != 1) {
			ssl_reason(err, errlen, "tls trust store", "cannot load");
			goto fail;
		}
	}
	if (opts->client_cert && *opts->client_cert) {
		const char *key = opts->client_key && *opts->client_key ? opts->client_key
									: opts->client_cert;

		if (SSL_CTX_use_certificate_chain_file(t->ctx, opts->client_cert) != 1 ||
		    SSL_CTX_use_PrivateKey_file(t->ctx, key, SSL_FILETYPE_PEM) != 1 ||
		    SSL_CTX_check_private_key(t->ctx) != 1) {
			ssl_reason(err, errlen, "tls client certificate", "cannot load");
			goto fail;
		}
		t->has_client_cert = 1;
	}
	return t;
fail:
	irs_tls_ctx_free(t);
	return NULL;
}

void irs_tls_ctx_free(struct irs_tls_ctx *t)
{
	if (!t)
		return;
	SSL_CTX_free(t->ctx);
	OPENSSL_cleanse(t->pin, sizeof(t->pin));
	free(t);
}

SSL *irs_tls_session(struct irs_tls_ctx *t, const char *host)
{
	SSL *ssl = SSL_new(t->ctx);
	unsigned char addr[16];
	int literal;

	if (!ssl)
		return NULL;
	SSL_set_ex_data(ssl, ex_index, (void *)(uintptr_t)0);
	literal = inet_pton(AF_INET, host, addr) == 1 || inet_pton(AF_INET6, host, addr) == 1;
	/* SNI carries names only (RFC 6066); an address is checked against the IP SANs. */
	if (!literal && SSL_set_tlsext_host_name(ssl, host) != 1)
		goto fail;
	if (t->verify) {
		if (literal) {
			if (X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), host) != 1)
				goto fail;
		} else {
			SSL_set_hostflags(ssl, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
			if (SSL_set1_host(ssl, host) != 1)
				goto fail;
		}
	}
	return ssl;
fail:
	SSL_free(ssl);
	return NULL;
}

enum irs_tls_result irs_tls_check_peer(struct irs_tls_ctx *t, SSL *ssl, char *err, size_t errlen)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	X509 *cert;
	unsigned char *der = NULL;
	int len, ok;

	if (!t->has_pin)
		return IRS_TLS_OK;
	cert = SSL_get1_peer_certificate(ssl);
	if (!cert) {
		snprintf(err, errlen, "tls: server sent no certificate to check the pin against");
		return IRS_TLS_VERIFY;
	}
	len = i2d_PUBKEY(X509_get0_pubkey(cert), &der);
	ok = len > 0 && EVP_Digest(der, (size_t)len, md, &mdlen, EVP_sha256(), NULL) == 1 &&
	     mdlen == 32 && CRYPTO_memcmp(md, t->pin, 32) == 0;
	OPENSSL_free(der);
	X509_free(cert);
	if (!ok) {
		snprintf(err, errlen, "tls: server public key does not match the pinned SHA-256");
		return IRS_TLS_VERIFY;
	}
	return IRS_TLS_OK;
}

enum irs_tls_result irs_tls_classify(SSL *ssl, char *err, size_t errlen)
{
	/* OpenSSL computes a verify result even with SSL_VERIFY_NONE: it counts only when we
	 * verify. */
	long vr = ssl && (SSL_get_verify_mode(ssl) & SSL_VERIFY_PEER) ? SSL_get_verify_result(ssl)
								      : X509_V_OK;
	unsigned long e;
	int verify_failed = vr != X509_V_OK;
	char first[200] = "";

	while ((e = ERR_get_error()) != 0) {
		if (!first[0])
			ERR_error_string_n(e, first, sizeof(first));
		if (ERR_GET_REASON(e) == SSL_R_CERTIFICATE_VERIFY_FAILED)
			verify_failed = 1;
	}
	if (verify_failed) {
		snprintf(err, errlen, "tls: server certificate not trusted: %s",
			 vr != X509_V_OK ? X509_verify_cert_error_string(vr) : first);
		return IRS_TLS_VERIFY;
	}
	if (irs_tls_cert_requested(ssl)) {
		snprintf(err, errlen, "tls: the server requires a client certificate%s%s",
			 first[0] ? ": " : "", first);
		return IRS_TLS_CLIENT_CERT;
	}
	snprintf(err, errlen, "tls handshake failed: %s",
		 first[0] ? first : "connection closed during the handshake");
	return IRS_TLS_FAILED;
}
