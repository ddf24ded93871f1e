// SPDX-License-Identifier: GPL-2.0
/*
 * TLS session reuse for FTPS data connections (RFC 4217 10.2): servers such
 * as vsftpd (require_ssl_reuse, its default) accept a data connection only
 * when its handshake resumes the control connection's session, which ties
 * the data connection to the client that logged in.
 *
 * conn.h makes every session itself, so the reuse is hooked on the OpenSSL
 * context of the one send that owns it: the first connection to shake
 * hands is the control one and its session is kept when it arrives (after
 * the handshake for TLS 1.2, with the NewSessionTicket that follows it for
 * TLS 1.3); every other connection gets that session set as its handshake
 * starts, before the ClientHello is written.
 */
#include <pthread.h>
#include <stdlib.h>

#include <openssl/ssl.h>

#include "ftp_priv.h"

struct ftp_tls_reuse {
	SSL_CTX *ctx;
	const SSL *control;
	SSL_SESSION *session; /* the control connection's latest session; ours */
	int last_resumed;
	int last_fd; /* the socket of the last data connection to shake hands */
};

static int ctx_index = -1;
static pthread_once_t index_once = PTHREAD_ONCE_INIT;

static void index_init(void)
{
	ctx_index = SSL_CTX_get_ex_new_index(0, NULL, NULL, NULL, NULL);
}

static struct ftp_tls_reuse *reuse_of(const SSL *ssl)
{
	return SSL_CTX_get_ex_data(SSL_get_SSL_CTX(ssl), ctx_index);
}

static int new_session(SSL *ssl, SSL_SESSION *sess)
{
	struct ftp_tls_reuse *r = reuse_of(ssl);

	if (!r || ssl != r->control)
		return 0; /* sessions of data connections are not needed: OpenSSL frees them */
	SSL_SESSION_free(r->session);
	r->session = sess;
	return 1; /* the reference is ours now */
}

static void info(const SSL *ssl, int where, int ret)
{
	struct ftp_tls_reuse *r = reuse_of(ssl);

	(void)ret;
	if (!r)
		return;
	if (where & SSL_CB_HANDSHAKE_START) {
		if (!r->control) {
			r->control = ssl;
		} else if (ssl != r->control && r->session) {
			/*
			 * OpenSSL hands the info callback a const SSL; setting the session
			 * here is still what SSL_set_session() before SSL_connect() does:
			 * the ClientHello that offers it is built after this returns.
			 */
			SSL_set_session((SSL *)ssl, r->session);
		}
	}
	if ((where & SSL_CB_HANDSHAKE_DONE) && ssl != r->control) {
		r->last_resumed = SSL_session_reused((SSL *)ssl);
		r->last_fd = SSL_get_fd(ssl);
	}
}

struct ftp_tls_reuse *ftp_tls_reuse_new(struct irs_tls_ctx *t)
{
	struct ftp_tls_reuse *r = calloc(1, sizeof(*r));
	SSL *probe;

	if (r)
		r->last_fd = -1;
	pthread_once(&index_once, index_init);
	if (!r || ctx_index < 0)
		goto fail;
	/* tls.h keeps its SSL_CTX to itself; any session it makes leads to it. */
	probe = irs_tls_session(t, "localhost");
	if (!probe)
		goto fail;
	r->ctx = SSL_get_SSL_CTX(probe);
	SSL_free(probe);
	if (!SSL_CTX_set_ex_data(r->ctx, ctx_index, r))
		goto fail;
	SSL_CTX_set_session_cache_mode(r->ctx,
				       SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL_STORE);
	SSL_CTX_sess_set_new_cb(r->ctx, new_session);
	SSL_CTX_set_info_callback(r->ctx, info);
	return r;
fail:
	free(r);
	return NULL;
}

int ftp_tls_reuse_last_resumed(const struct ftp_tls_reuse *r)
{
	return r && r->last_resumed;
}

int ftp_tls_reuse_last_fd(const struct ftp_tls_reuse *r)
{
	return r ? r->last_fd : -1;
}

void ftp_tls_reuse_free(struct ftp_tls_reuse *r)
{
	if (!r)
		return;
	/* The context outlives us only until irs_tls_ctx_free(); unhook anyway. */
	SSL_CTX_set_ex_data(r->ctx, ctx_index, NULL);
	SSL_CTX_set_info_callback(r->ctx, NULL);
	SSL_CTX_sess_set_new_cb(r->ctx, NULL);
	SSL_SESSION_free(r->session);
	free(r);
}
