#include "pop_session.h"

#include <pthread.h>
#include <string.h>

static pthread_mutex_t pop_lock = PTHREAD_MUTEX_INITIALIZER;

void pop_session_lock(void)
{
	pthread_mutex_lock(&pop_lock);
}

void pop_session_unlock(void)
{
	pthread_mutex_unlock(&pop_lock);
}

void pop_session_opts(const struct settings_store *user, const struct settings_store *service,
		      struct irs_tls_ctx *tls, struct pop3_opts *o)
{
	const char *auth = settings_store_get(user, "pop.auth");
	long long port = settings_store_get_int(user, "pop.port");

	*o = (struct pop3_opts)POP3_OPTS_INIT;
	o->host = settings_store_get(user, "pop.server");
	o->port = (unsigned int)(port ? port : settings_store_get_int(service, "POP3N"));
	o->user = settings_store_get(user, "pop.user");
	o->password = settings_store_get(user, "pop.password");
	o->auth = strcmp(auth, "apop") == 0	 ? POP3_AUTH_APOP
		  : strcmp(auth, "popauth") == 0 ? POP3_AUTH_SASL
						 : POP3_AUTH_STANDARD;
	o->stls = settings_store_get_bool(user, "pop.stls");
	o->implicit_tls = settings_store_get_bool(user, "pop.implicit_tls");
	o->tls = tls;
	o->timeout_ms = (int)settings_store_get_int(user, "net.timeout") * 1000;
	o->oauth2_command = settings_store_get(user, "pop.oauth2_command");
	if (settings_store_get_bool(user, "pop.cram_md5") &&
	    !settings_store_get_int(service, "NS-CMD5"))
		o->mechs |= POP3_MECH_CRAM_MD5;
	if (settings_store_get_bool(user, "pop.scram"))
		o->mechs |= POP3_MECH_SCRAM_SHA256;
	if (settings_store_get_int(service, "NS-NTLM"))
		o->mechs &= ~(unsigned int)POP3_MECH_NTLM;
	if (settings_store_get_int(service, "NS-PLNWS"))
		o->mechs &= ~(unsigned int)(POP3_MECH_PLAIN | POP3_MECH_LOGIN);
	if (settings_store_get_int(service, "NS-LGN"))
		o->mechs &= ~(unsigned int)POP3_MECH_LOGIN;
}
