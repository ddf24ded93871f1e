/*
 * libsmbclient, configured by us and used by one call at a time.
 *
 * What was found in libsmbclient 4.17 (Debian 12) and is handled here:
 * - Every smbc_new_context() runs its module initialisation again: the
 *   "once" macro (SMB_THREAD_ONCE) runs the function on every call when no
 *   thread implementation is registered, and smbc_thread_posix() is not
 *   exported by Debian's build. That initialisation loads ~/.smb/smb.conf,
 *   or else the system smb.conf plus ~/.smb/smb.conf.append, into the
 *   process-wide loadparm state: a "client ntlmv2 auth = no" there turned
 *   our NTLMv2 logins into refused NTLMv1 ones. So every context gets our
 *   configuration loaded right after it is made (smbc_setConfiguration()
 *   re-initialises the state, from a memfd: nothing on disk), before any
 *   connection. The host's file is still read (and parse errors in it
 *   logged), it no longer decides anything.
 * - The initialisation also sets up logging to stdout, unless a callback
 *   is set already (a callback outranks it in Samba's debug code): ours is
 *   set before the first context, so nothing reaches stdout, whatever log
 *   level the host's file asks for. smbc_setLogCallback() only sets the
 *   global callback; the context it takes is not used, a dummy serves.
 * - smbc_setOptionProtocols() and smbc_setDebug() write that global state
 *   too ("command line" settings that survive reloads), and
 *   smbc_new_context() itself resets the debug level: nothing of it is per
 *   context, hence the process-wide lock held for a whole send.
 * - An "anchor" context, never freed, keeps the count of contexts above
 *   zero: the last smbc_free_context() would otherwise tear all global
 *   state down (gfree_all) after every send.
 * - A failed login falls back to an anonymous one unless
 *   smbc_setOptionNoAutoAnonymousLogin() says not to.
 * - The auth callback's buffers are 256 bytes: longer values are cut, so
 *   longer ones are refused before (smb_send.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <libsmbclient.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "errcodes.h"
#include "smb_priv.h"

/* Every setting that decides how we connect and log in; nothing else is read. */
static const char smb_conf[] = "[global]\n"
			       "\tclient min protocol = SMB2_02\n"
			       "\tclient max protocol = SMB3_11\n"
			       "\tclient ntlmv2 auth = yes\n"
			       "\tclient lanman auth = no\n"
			       "\tclient plaintext auth = no\n"
			       "\tclient use kerberos = off\n"
			       "\tclient smb encrypt = default\n"
			       "\tname resolve order = host\n"
			       "\tdisable netbios = yes\n"
			       "\tlog level = 0\n";

/*
 * libsmbclient's debug levels: the connection phase at 4 shows " session
 * setup ok"; after it, 0. Only level 0 lines (errors) reach opts.trace.
 */
#define DEBUG_CONNECT 4
#define DEBUG_QUIET 0
#define LOCK_POLL_MS 200

struct smb_session {
	SMBCCTX *ctx;
	const struct irs_smb_opts *o;
	struct smb_auth auth;
	int login_ok;
	int quiet;
};

static pthread_mutex_t smb_lock = PTHREAD_MUTEX_INITIALIZER;
static SMBCCTX *smb_anchor;		/* under smb_lock */
static struct smb_session *smb_current; /* the call holding smb_lock, for the log callback */

static void smb_log(void *priv, int level, const char *msg)
{
	struct smb_session *s = smb_current;
	char line[512];
	size_t n;

	(void)priv;
	if (!s || !msg)
		return;
	if (strstr(msg, "session setup ok"))
		s->login_ok = 1;
	if (level > DEBUG_QUIET || !s->o->trace)
		return;
	n = strlen(msg);
	while (n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == ' '))
		n--;
	if (n == 0)
		return;
	snprintf(line, sizeof(line), "libsmbclient: %.*s", (int)n, msg);
	s->o->trace(s->o->trace_arg, line);
}

static void auth_none(SMBCCTX *c, const char *srv, const char *shr, char *wg, int wglen, char *un,
		      int unlen, char *pw, int pwlen)
{
	(void)c, (void)srv, (void)shr, (void)wg, (void)wglen, (void)un, (void)unlen;
	if (pwlen > 0)
		pw[0] = '\0';
}

/* The only way the password reaches libsmbclient. */
static void auth_call(SMBCCTX *c, const char *srv, const char *shr, char *wg, int wglen, char *un,
		      int unlen, char *pw, int pwlen)
{
	struct smb_session *s = smbc_getOptionUserData(c);

	(void)srv, (void)shr;
	snprintf(wg, (size_t)wglen, "%s", s->auth.domain);
	snprintf(un, (size_t)unlen, "%s", s->auth.user);
	snprintf(pw, (size_t)pwlen, "%s", s->auth.password);
}

/* Our configuration into libsmbclient: 0, or -1. */
static int load_conf(SMBCCTX *c)
{
	char path[64];
	int fd = memfd_create("irsend-smb.conf", MFD_CLOEXEC), rc = -1;

	if (fd >= 0) {
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		if (write(fd, smb_conf, sizeof(smb_conf) - 1) == (ssize_t)(sizeof(smb_conf) - 1))
			rc = smbc_setConfiguration(c, path);
		close(fd);
		if (rc == 0)
			return 0;
	}
	/* No memfd or no /proc: a private file, gone once read. */
	snprintf(path, sizeof(path), "/tmp/irsend-smb-XXXXXX");
	fd = mkstemp(path);
	if (fd < 0)
		return -1;
	if (write(fd, smb_conf, sizeof(smb_conf) - 1) == (ssize_t)(sizeof(smb_conf) - 1))
		rc = smbc_setConfiguration(c, path);
	close(fd);
	unlink(path);
	return rc == 0 ? 0 : -1;
}

/*
 * A context with our configuration in force (smbc_new_context() has just
 * reloaded the host's): NULL on failure.
 */
static SMBCCTX *new_context(void)
{
	SMBCCTX *c = smbc_new_context();

	if (c && load_conf(c)) {
		smbc_free_context(c, 1);
		errno = EINVAL;
		return NULL;
	}
	return c;
}

static int global_init(void)
{
	static SMBCCTX dummy;
	SMBCCTX *c;

	if (smb_anchor)
		return 0;
	smbc_setLogCallback(&dummy, NULL, smb_log);
	c = new_context();
	if (!c)
		return -1;
	smbc_setFunctionAuthDataWithContext(c, auth_none);
	if (!smbc_init_context(c)) {
		smbc_free_context(c, 1);
		return -1;
	}
	smb_anchor = c;
	return 0;
}

/* The lock, polling the cancel check: 0, or IRS_E_CANCELLED. */
static unsigned int take_lock(const struct irs_smb_opts *o)
{
	for (;;) {
		struct timespec t;
		int r;

		if (o->cancelled && o->cancelled(o->cancel_arg))
			return IRS_E_CANCELLED;
		clock_gettime(CLOCK_REALTIME, &t);
		t.tv_nsec += LOCK_POLL_MS * 1000000L;
		if (t.tv_nsec >= 1000000000L) {
			t.tv_sec++;
			t.tv_nsec -= 1000000000L;
		}
		r = pthread_mutex_timedlock(&smb_lock, &t);
		if (r == 0)
			return 0;
	}
}

unsigned int smb_session_begin(struct smb_session **out, const struct irs_smb_opts *o,
			       const struct smb_auth *auth, char *why, size_t whylen)
{
	struct smb_session *s;
	SMBCCTX *c;
	unsigned int code;

	*out = NULL;
	s = calloc(1, sizeof(*s));
	if (!s) {
		snprintf(why, whylen, "out of memory");
		return IRS_E_SERVER;
	}
	s->o = o;
	s->auth = *auth;
	code = take_lock(o);
	if (code) {
		free(s);
		snprintf(why, whylen, "cancelled while another SMB send ran");
		return code;
	}
	smb_current = s;
	if (global_init() || !(c = new_context())) {
		snprintf(why, whylen, "libsmbclient could not be initialised: %s", strerror(errno));
		goto fail;
	}
	s->ctx = c;
	smbc_setDebug(c, DEBUG_CONNECT);
	/* SMB3 encryption needs an SMB3 dialect: never settle for 2.x then. */
	if (!smbc_setOptionProtocols(c, o->encrypt ? "SMB3_00" : "SMB2_02", "SMB3_11")) {
		snprintf(why, whylen, "libsmbclient refused the protocol range");
		goto fail;
	}
	smbc_setPort(c, (uint16_t)(o->port ? o->port : 445));
	smbc_setTimeout(c, o->timeout_ms > 0 ? o->timeout_ms : 20000);
	smbc_setOptionNoAutoAnonymousLogin(c, 1);
	smbc_setOptionUseKerberos(c, 0);
	smbc_setOptionFallbackAfterKerberos(c, 0);
	smbc_setOptionUseCCache(c, 0);
	smbc_setOptionSmbEncryptionLevel(c, o->encrypt ? SMBC_ENCRYPTLEVEL_REQUIRE
						       : SMBC_ENCRYPTLEVEL_DEFAULT);
	/* Not $USER: whoever runs the agent is no SMB user. */
	smbc_setUser(c, auth->user);
	smbc_setWorkgroup(c, auth->domain);
	smbc_setOptionUserData(c, s);
	smbc_setFunctionAuthDataWithContext(c, auth_call);
	if (!smbc_init_context(c)) {
		snprintf(why, whylen, "libsmbclient context: %s", strerror(errno));
		goto fail;
	}
	*out = s;
	return 0;
fail:
	if (s->ctx)
		smbc_free_context(s->ctx, 1);
	smb_current = NULL;
	pthread_mutex_unlock(&smb_lock);
	free(s);
	return IRS_E_SERVER;
}

void smb_session_end(struct smb_session *s)
{
	if (!s)
		return;
	/* 1: close whatever is still open and drop the connections. */
	smbc_free_context(s->ctx, 1);
	smb_current = NULL;
	pthread_mutex_unlock(&smb_lock);
	free(s);
}

void *smb_session_ctx(struct smb_session *s)
{
	return s->ctx;
}

void smb_session_mark(struct smb_session *s)
{
	s->login_ok = 0;
}

int smb_session_login_ok(const struct smb_session *s)
{
	return s->login_ok;
}

void smb_session_connected(struct smb_session *s)
{
	if (!s->quiet)
		smbc_setDebug(s->ctx, DEBUG_QUIET);
	s->quiet = 1;
}
