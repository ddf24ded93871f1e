// SPDX-License-Identifier: GPL-2.0
/*
 * OpenSSL server contexts for smtpd.
 */
#include <stdio.h>
#include <string.h>

#include <openssl/err.h>

#include "tls_server.h"

/* TLS 1.2: forward secrecy and AEAD only (Mozilla "intermediate", 2023). */
#define TLS12_CIPHERS                                                                              \
	"ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"                               \
	"ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"                               \
	"ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:"                               \
	"DHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES256-GCM-SHA384:DHE-RSA-CHACHA20-POLY1305"

/* "what: first OpenSSL reason" into err; clears the queue. */
static void ssl_reason(char *err, size_t errlen, const char *what)
{
	unsigned long e = ERR_get_error();
	const char *r = e ? ERR_reason_error_string(e) : NULL;

	snprintf(err, errlen, "%s: %s", what, r ? r : "failed");
	ERR_clear_error();
}

SSL_CTX *irs_tls_server_ctx_new(const char *cert_chain_pem, const char *key_pem, int min_version,
				char *err, size_t errlen)
{
	char what[4200];
	SSL_CTX *ctx;

	if (min_version && min_version != TLS1_2_VERSION && min_version != TLS1_3_VERSION) {
		snprintf(err, errlen, "TLS server: only TLS 1.2 or 1.3 may be the minimum");
		return NULL;
	}
	if (!cert_chain_pem) {
		snprintf(err, errlen, "TLS server: no certificate");
		return NULL;
	}
	ERR_clear_error();
	ctx = SSL_CTX_new(TLS_server_method());
	if (!ctx) {
		ssl_reason(err, errlen, "TLS server context");
		return NULL;
	}
	SSL_CTX_set_min_proto_version(ctx, min_version ? min_version : TLS1_2_VERSION);
	SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION |
					 SSL_OP_CIPHER_SERVER_PREFERENCE);
	/* idle sessions keep no read/write buffers: a device's memory is small */
	SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS);
	SSL_CTX_set_dh_auto(ctx, 1);
	SSL_CTX_set_session_id_context(ctx, (const unsigned char *)"irsend-smtpd", 12);
	if (!SSL_CTX_set_cipher_list(ctx, TLS12_CIPHERS)) {
		ssl_reason(err, errlen, "TLS server ciphers");
		goto fail;
	}
	if (SSL_CTX_use_certificate_chain_file(ctx, cert_chain_pem) != 1) {
		snprintf(what, sizeof(what), "certificate %s", cert_chain_pem);
		ssl_reason(err, errlen, what);
		goto fail;
	}
	key_pem = key_pem ? key_pem : cert_chain_pem;
	if (SSL_CTX_use_PrivateKey_file(ctx, key_pem, SSL_FILETYPE_PEM) != 1) {
		snprintf(what, sizeof(what), "private key %s", key_pem);
		ssl_reason(err, errlen, what);
		goto fail;
	}
	if (SSL_CTX_check_private_key(ctx) != 1) {
		snprintf(what, sizeof(what), "private key %s does not match certificate %s",
			 key_pem, cert_chain_pem);
		ssl_reason(err, errlen, what);
		goto fail;
	}
	return ctx;
fail:
	SSL_CTX_free(ctx);
	return NULL;
}
