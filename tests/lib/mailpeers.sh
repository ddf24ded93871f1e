# Real mail servers for the host tests of the SMTP/POP clients: source this
# file from a bash test, then
#
#   mailpeers_start DIR [postfix] [dovecot] [krb5] [cyrus]
#                                   (none given: the first three)
#   ... test against $MAILPEERS_* ...
#   mailpeers_stop                                  (also run at exit)
#
# Everything runs on 127.0.0.1, on high ports chosen at start, with private
# configuration and state under DIR (created if missing): the host's own
# /etc/postfix/main.cf, Dovecot and Kerberos services are never used or
# touched. Needs root (Postfix and Dovecot drop privileges to system users
# that mailpeers_start creates if missing) and the packages of
# scripts/setup-deps.
#
# Peers and ports (variables exported by mailpeers_start):
#   Postfix (one master, one smtpd per variant), Cyrus SASL over sasldb with
#   $MAILPEERS_SASL_MECHS; every message is delivered to a file:
#   MAILPEERS_SMTP_PORT          (a) STARTTLS optional; AUTH also without TLS
#   MAILPEERS_SMTP_TLSREQ_PORT   (b) STARTTLS required, AUTH only after TLS
#                                    (530 5.7.0 Must issue a STARTTLS command first)
#   MAILPEERS_SMTP_NOAUTH_PORT   (c) no AUTH (STARTTLS optional)
#   MAILPEERS_SMTPS_PORT         (d) implicit TLS (port-465 style)
#   MAILPEERS_SMTP_CCERT_PORT    (e) TLS required + client certificate from
#                                    the test CA demanded (#842)
#   MAILPEERS_SMTP_PLAIN_PORT        no TLS, no AUTH
#   MAILPEERS_SMTP_BADTLS_PORT       STARTTLS offered, every handshake fails (#841)
#   MAILPEERS_SMTP_SMALL_PORT        like (a), SIZE $MAILPEERS_SMTP_SMALL_LIMIT
#   MAILPEERS_SMTP_DISCARD_PORT      like (a), messages accepted and discarded
#   MAILPEERS_SMTP_POPB4_PORT        no AUTH; relays (to $MAILPEERS_REMOTE_DOMAIN)
#                                    only for a client address that logged in
#                                    to the POP3 server within
#                                    $MAILPEERS_POPB4SMTP_WINDOW seconds
#   MAILPEERS_SMTP_GSSAPI_PORT       AUTH GSSAPI only (with krb5), service
#                                    principal smtp/$MAILPEERS_HOSTNAME: a
#                                    client names the host "localhost", not
#                                    127.0.0.1
#   (a)-(e) offer no SCRAM-*-PLUS: Postfix hands Cyrus no channel binding,
#   so a SCRAM client over TLS sends the gs2 flag "n" or "y", not "p".
#   The AUTH port refuses a wrong password with 535 5.7.8; the client
#   certificate port answers a client without one with "421 4.7.1 ...
#   No client certificate presented" right after the handshake; the broken
#   TLS port fails the handshake of any TLS 1.2+ client.
#   Relaying: mail to @$MAILPEERS_DOMAIN is accepted from anyone; any other
#   domain (e.g. $MAILPEERS_REMOTE_DOMAIN) only after AUTH (554 5.7.1
#   Relay access denied otherwise). Mail to any user at the address literal
#   [127.0.0.1] is taken as local (a serverless I-Fax arriving at a device).
#   Every accepted message, whatever the
#   domain, lands in $MAILPEERS_MAILDIR/<recipient>/<id>.eml (LF line ends,
#   Postfix's Received: header first; mailpeers_strip_received removes it)
#   with the envelope in <id>.env ("sender ADDR", "recipient ADDR").
#   Dovecot (with dovecot): POP3 with USER/PASS, APOP, STLS, AUTH PLAIN LOGIN
#   CRAM-MD5 on MAILPEERS_POP3_PORT, implicit TLS on MAILPEERS_POP3S_PORT,
#   the submission service on MAILPEERS_SUBMISSION_PORT (relays to the
#   plain Postfix port), mailbox (Maildir) $MAILPEERS_POP_MAILDIR with one
#   message in it at start.
#   Two more Dovecot instances (with dovecot), POP3 only, same user and
#   password, same mailbox $MAILPEERS_POP_MAILDIR:
#   MAILPEERS_POP3_NOTLS_PORT    ssl = no: no STLS in CAPA (USER/PASS, APOP,
#                                AUTH PLAIN LOGIN CRAM-MD5 in plaintext);
#                                log $MAILPEERS_POP3_NOTLS_LOG
#   MAILPEERS_POP3_NOAPOP_PORT   no apop in auth_mechanisms: no timestamp in
#                                the greeting (a client has nothing to digest);
#                                STLS, USER/PASS, AUTH PLAIN LOGIN CRAM-MD5 as
#                                on the main one;
#                                log $MAILPEERS_POP3_NOAPOP_LOG
#   Each logs "Login: user=<...>, method=M, ..., TLS" for a login and
#   "Disconnected (no auth attempts ...)" when none was tried.
#   No POP3 server packaged in Debian 12 lacks UIDL or can turn it off
#   (Dovecot, Cyrus, Courier, popa3d, solid-pop3d and GNU mailutils pop3d
#   all answer it; qpopper and Citadel are not packaged): that case is
#   only in pop3_test.c's scripted server.
#   Cyrus (with cyrus; cyrus-common installed, cyrus-pop3d unpacked by
#   scripts/setup-deps since it conflicts with dovecot-pop3d): pop3d and
#   lmtpd of a private Cyrus IMAP (its own master, imapd.conf,
#   configdirectory, partition and sasldb under $MAILPEERS_DIR/cyrus, run
#   as user cyrus):
#   MAILPEERS_CYRUS_POP3_PORT        CAPA SASL NTLM PLAIN LOGIN (PLAIN and
#                                    LOGIN offered without TLS too), STLS,
#                                    USER/PASS, APOP (timestamp in the
#                                    greeting), UIDL
#   MAILPEERS_CYRUS_POP3_LOGIN_PORT  the same, with SASL LOGIN only
#   Both serve the test user's INBOX (made at the first delivery or login);
#   messages go in with mailpeers_cyrus_deliver (cyrdeliver -> LMTP ->
#   lmtpd, the path an MTA uses). Cyrus logs to syslog only: its master
#   runs in a mount namespace whose /dev/log is a socket of ours, written
#   to $MAILPEERS_CYRUS_LOG ("login: localhost [127.0.0.1] USER MECH[+TLS]
#   User logged in", "badlogin: ...", and "counts: ..." at every session's
#   end).
#   MIT Kerberos (with krb5): realm $MAILPEERS_REALM, KDC on
#   MAILPEERS_KDC_PORT (config $MAILPEERS_KRB5_CONFIG) and the same database
#   served by a KDC whose clock is $MAILPEERS_KDC_SKEW off (libfaketime) on
#   MAILPEERS_KDC_SKEW_PORT (config $MAILPEERS_KRB5_CONFIG_SKEW: kinit
#   succeeds, the library adopts the KDC's clock (kdc_timesync), and the SMTP
#   server refuses GSSAPI with 535 5.7.8, its log saying "Clock skew too
#   great"; config $MAILPEERS_KRB5_CONFIG_SKEW_NOSYNC, kdc_timesync = 0: the
#   KDC itself refuses the pre-authentication with KRB_AP_ERR_SKEW);
#   principals $MAILPEERS_KRB5_PRINCIPAL (password $MAILPEERS_PASSWORD) and
#   $MAILPEERS_KRB5_SERVICE (keytab $MAILPEERS_KEYTAB).
#   Credentials: $MAILPEERS_USER / $MAILPEERS_PASSWORD everywhere (SASL,
#   POP3, Kerberos); NTLM domain $MAILPEERS_NTLM_DOMAIN.
#   TLS: test CA $MAILPEERS_CA, server certificate for localhost and
#   127.0.0.1, client certificate $MAILPEERS_CLIENT_CERT / _KEY (same CA).
#
# Functions:
#   mailpeers_wait_delivery RCPT [TIMEOUT_S]  prints the path of the oldest
#       delivered message for RCPT not returned before; 1 on timeout
#   mailpeers_count RCPT                      messages delivered to RCPT
#   mailpeers_clear                           forget every delivered message
#   mailpeers_strip_received FILE             the message without Postfix's
#                                             leading Received: header(s)
#   mailpeers_popb4smtp_reset                 close every POP-before-SMTP window
#   mailpeers_cyrus_deliver FILE              FILE into the Cyrus INBOX of
#                                             $MAILPEERS_USER (0: delivered)
#   mailpeers_cyrus_count                     messages in that INBOX
#   mailpeers_log                             tail of every peer's log (debug)
# mailpeers_start also writes every MAILPEERS_* variable to
# $MAILPEERS_DIR/mailpeers.env (KEY=VALUE lines) for programs in other
# languages. MAILPEERS_KEEP=1 keeps DIR after mailpeers_stop;
# MAILPEERS_BASE_PORT forces the first port (the others follow it).
#
# By hand: `bash tests/lib/mailpeers.sh run [DIR] [peers...]` starts the
# peers, prints their variables and keeps them up until Ctrl-C.

MAILPEERS_LIB=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/mailpeers
_mp_pids=()
_mp_postfix_pid=
_mp_dovecot_pid=
_mp_started_dir=
_mp_rm_dir=0

# shellcheck source=tests/lib/peers.sh
. "$(dirname "${BASH_SOURCE[0]}")/peers.sh"

_mp_log() { echo "# mailpeers: $*" >&2; }

# _mp_subst IN OUT: fill the @NAME@ placeholders of a template.
_mp_subst() {
	local in=$1 out=$2 k args=()
	for k in "${!_mp_vals[@]}"; do
		args+=(-e "s|@$k@|${_mp_vals[$k]//|/\\|}|g")
	done
	sed "${args[@]}" "$in" >"$out"
}

# _mp_port_busy PORT: true when something listens on 127.0.0.1:PORT (TCP).
_mp_port_busy() { peers_port_busy "$@"; }

# _mp_wait_port PORT SECONDS: wait for a listener.
_mp_wait_port() { peers_wait_port "$@"; }

_mp_pick_ports() {
	local base p ok try
	for ((try = 0; try < 20; try++)); do
		if [ -n "${MAILPEERS_BASE_PORT:-}" ]; then
			base=$MAILPEERS_BASE_PORT
		else
			base=$((10000 + (RANDOM % 220) * 100))
		fi
		ok=1
		for ((p = base; p < base + 40; p++)); do
			if _mp_port_busy "$p"; then ok=0; break; fi
		done
		[ $ok = 1 ] && { echo "$base"; return 0; }
		[ -n "${MAILPEERS_BASE_PORT:-}" ] && break
	done
	return 1
}

# _mp_ensure_user NAME: a system user (and group) that owns test mail.
_mp_ensure_user() {
	getent passwd "$1" >/dev/null && return 0
	getent group "$1" >/dev/null || groupadd --system "$1" 2>/dev/null || true
	useradd --system --gid "$1" --no-create-home --home-dir /nonexistent \
		--shell /usr/sbin/nologin "$1" 2>/dev/null || getent passwd "$1" >/dev/null
}

_mp_ensure_users() {
	local u
	# The packages create postfix/postdrop and dovecot/dovenull; recreate
	# them if an install was done without its maintainer scripts.
	getent group postdrop >/dev/null || groupadd --system postdrop
	_mp_ensure_user postfix || return 1
	_mp_ensure_user dovecot || return 1
	_mp_ensure_user dovenull || return 1
	_mp_ensure_user "$MAILPEERS_MAIL_USER" || return 1
	for u in postfix "$MAILPEERS_MAIL_USER"; do
		getent passwd "$u" >/dev/null || { _mp_log "cannot create user $u"; return 1; }
	done
}

_mp_make_tls() {
	local t=$MAILPEERS_DIR/tls
	mkdir -p "$t"
	(
		cd "$t" || exit 1
		openssl req -x509 -newkey rsa:2048 -nodes -days 2 -sha256 \
			-keyout ca.key -out ca.crt -subj "/O=irsend tests/CN=irsend test CA" \
			-addext basicConstraints=critical,CA:TRUE \
			-addext keyUsage=critical,keyCertSign,cRLSign &&
		openssl req -newkey rsa:2048 -nodes -keyout server.key -out server.csr \
			-subj "/O=irsend tests/CN=localhost" &&
		printf '%s\n' "subjectAltName=DNS:localhost,IP:127.0.0.1" \
			"basicConstraints=CA:FALSE" "extendedKeyUsage=serverAuth" >server.ext &&
		openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial \
			-days 2 -sha256 -extfile server.ext -out server.crt &&
		openssl req -newkey rsa:2048 -nodes -keyout client.key -out client.csr \
			-subj "/O=irsend tests/CN=irsend device" &&
		printf '%s\n' "basicConstraints=CA:FALSE" "extendedKeyUsage=clientAuth" >client.ext &&
		openssl x509 -req -in client.csr -CA ca.crt -CAkey ca.key -CAcreateserial \
			-days 2 -sha256 -extfile client.ext -out client.crt
	) >"$t/openssl.log" 2>&1 || { _mp_log "openssl failed: $(tail -3 "$t/openssl.log")"; return 1; }
	chmod 644 "$t"/*.crt "$t"/*.key
}

_mp_start_krb5() {
	local k=$MAILPEERS_DIR/krb5 ft i
	mkdir -p "$k"
	_mp_vals[TIMESYNC]=1
	_mp_vals[KDCPORT]=$MAILPEERS_KDC_PORT
	_mp_subst "$MAILPEERS_LIB/krb5.conf.in" "$MAILPEERS_KRB5_CONFIG"
	_mp_vals[KDCPORT]=$MAILPEERS_KDC_SKEW_PORT
	_mp_subst "$MAILPEERS_LIB/krb5.conf.in" "$MAILPEERS_KRB5_CONFIG_SKEW"
	_mp_vals[TIMESYNC]=0
	_mp_subst "$MAILPEERS_LIB/krb5.conf.in" "$MAILPEERS_KRB5_CONFIG_SKEW_NOSYNC"
	_mp_vals[KDCPORT]=$MAILPEERS_KDC_PORT
	_mp_vals[DB]=$k/db/principal
	_mp_vals[KLOG]=$k/kdc.log
	_mp_subst "$MAILPEERS_LIB/kdc.conf.in" "$k/kdc.conf"
	_mp_vals[KDCPORT]=$MAILPEERS_KDC_SKEW_PORT
	_mp_vals[DB]=$k/db-skew/principal
	_mp_vals[KLOG]=$k/kdc-skew.log
	_mp_subst "$MAILPEERS_LIB/kdc.conf.in" "$k/kdc-skew.conf"
	: >"$k/kadm5.acl"
	mkdir -p "$k/db"
	(
		export KRB5_CONFIG=$MAILPEERS_KRB5_CONFIG KRB5_KDC_PROFILE=$k/kdc.conf
		kdb5_util -r "$MAILPEERS_REALM" -P irsend-master-key create -s &&
		kadmin.local -r "$MAILPEERS_REALM" <<-EOF
			addprinc -pw $MAILPEERS_PASSWORD +requires_preauth $MAILPEERS_USER
			addprinc -randkey smtp/$MAILPEERS_HOSTNAME
			ktadd -k $MAILPEERS_KEYTAB smtp/$MAILPEERS_HOSTNAME
		EOF
	) >"$k/setup.log" 2>&1 || { _mp_log "krb5 setup failed: $(tail -3 "$k/setup.log")"; return 1; }
	grep -qi error "$k/setup.log" && { _mp_log "krb5 setup: $(grep -i error "$k/setup.log")"; return 1; }
	cp -a "$k/db" "$k/db-skew"
	chown postfix "$MAILPEERS_KEYTAB"
	chmod 600 "$MAILPEERS_KEYTAB"

	KRB5_CONFIG=$MAILPEERS_KRB5_CONFIG KRB5_KDC_PROFILE=$k/kdc.conf \
		krb5kdc -n -r "$MAILPEERS_REALM" >"$k/kdc.out" 2>&1 &
	_mp_pids+=($!)
	ft=$(ls /usr/lib/*/faketime/libfaketime.so.1 2>/dev/null | head -1)
	[ -n "$ft" ] || { _mp_log "libfaketime not found (package faketime)"; return 1; }
	KRB5_CONFIG=$MAILPEERS_KRB5_CONFIG_SKEW KRB5_KDC_PROFILE=$k/kdc-skew.conf \
		LD_PRELOAD=$ft FAKETIME=$MAILPEERS_KDC_SKEW FAKETIME_DONT_FAKE_MONOTONIC=1 \
		krb5kdc -n -r "$MAILPEERS_REALM" >"$k/kdc-skew.out" 2>&1 &
	_mp_pids+=($!)
	for i in $MAILPEERS_KDC_PORT $MAILPEERS_KDC_SKEW_PORT; do
		_mp_wait_port "$i" 10 || { _mp_log "KDC on port $i did not start: $(cat "$k"/kdc*.out)"; return 1; }
	done
}

_mp_start_postfix() {
	local pf=$MAILPEERS_DIR/postfix u
	mkdir -p "$pf/etc" "$pf/spool" "$pf/data" "$pf/etc/sasl" "$MAILPEERS_MAILDIR" "$MAILPEERS_DIR/popb4smtp"
	chown "$MAILPEERS_MAIL_USER:" "$MAILPEERS_MAILDIR"
	chmod 755 "$MAILPEERS_MAILDIR"
	chmod 1777 "$MAILPEERS_DIR/popb4smtp"
	echo "$MAILPEERS_POPB4SMTP_WINDOW" >"$MAILPEERS_DIR/popb4smtp/window"
	chmod 644 "$MAILPEERS_DIR/popb4smtp/window"
	chown postfix "$pf/data"
	_mp_vals[PF]=$pf
	if [ -n "${_mp_vals[KRB5]:-}" ]; then
		_mp_vals[GSS_LINE]="# GSSAPI through Cyrus SASL (smtpd-gss.conf), keytab from KRB5_KTNAME\\n@HOST@:@P_GSSAPI@ inet n - n - - smtpd -o smtpd_sasl_path=smtpd-gss"
	else
		_mp_vals[GSS_LINE]="# (no GSSAPI service: started without krb5)"
	fi
	_mp_subst "$MAILPEERS_LIB/master.cf.in" "$pf/etc/master.cf.tmp"
	_mp_subst "$pf/etc/master.cf.tmp" "$pf/etc/master.cf"
	rm -f "$pf/etc/master.cf.tmp"
	_mp_subst "$MAILPEERS_LIB/main.cf.in" "$pf/etc/main.cf"
	_mp_subst "$MAILPEERS_LIB/smtpd.conf.in" "$pf/etc/sasl/smtpd.conf"
	_mp_subst "$MAILPEERS_LIB/smtpd-gss.conf.in" "$pf/etc/sasl/smtpd-gss.conf"
	for u in "$MAILPEERS_HOSTNAME"; do
		echo "$MAILPEERS_PASSWORD" | saslpasswd2 -p -c -f "$pf/etc/sasl/sasldb2" \
			-u "$u" "$MAILPEERS_USER" || { _mp_log "saslpasswd2 failed"; return 1; }
	done
	chgrp postfix "$pf/etc/sasl/sasldb2"
	chmod 640 "$pf/etc/sasl/sasldb2"
	chmod 644 "$pf/etc/sasl"/*.conf
	# the queue as post-install would make it (its "postfix check" takes 2 s)
	for u in active bounce corrupt defer deferred flush hold incoming saved trace private; do
		install -d -o postfix -g root -m 700 "$pf/spool/$u"
	done
	install -d -o postfix -g postdrop -m 710 "$pf/spool/public"
	install -d -o postfix -g postdrop -m 730 "$pf/spool/maildrop"
	install -d -o root -g root -m 755 "$pf/spool/pid"
	# Postfix waits until main.cf is older than a second before it reads it
	touch -d '-10 seconds' "$pf/etc/main.cf" "$pf/etc/master.cf"
	# master itself, in the foreground as our child ("postfix start" would
	# spend seconds on checks of an installation that is not ours)
	MAIL_CONFIG=$pf/etc "$(postconf -dh daemon_directory)/master" -d -c "$pf/etc" \
		>"$pf/start.log" 2>&1 &
	_mp_postfix_pid=$!
	_mp_wait_port "$MAILPEERS_SMTP_PORT" 10 || { _mp_log "postfix does not listen: $(cat "$pf/start.log"; tail -5 "$pf/maillog" 2>/dev/null)"; return 1; }
}

_mp_start_dovecot() {
	local d=$MAILPEERS_DIR/dovecot md u uid gid
	mkdir -p "$d/run" "$d/state" "$d/home"
	md=$MAILPEERS_POP_MAILDIR
	mkdir -p "$md/cur" "$md/new" "$md/tmp"
	printf '%s\r\n' "From: irsend tests <tests@$MAILPEERS_DOMAIN>" \
		"To: $MAILPEERS_USER@$MAILPEERS_DOMAIN" "Subject: first message" \
		"Message-ID: <first@$MAILPEERS_DOMAIN>" "Date: Mon, 1 Jan 2024 00:00:00 +0000" \
		"" "The first message of the POP3 test peer." >"$md/new/1000000000.M1P1.mailpeers"
	uid=$(id -u "$MAILPEERS_MAIL_USER") gid=$(id -g "$MAILPEERS_MAIL_USER")
	chown -R "$uid:$gid" "$d/home"
	printf '%s:{PLAIN}%s:%s:%s::%s::\n' "$MAILPEERS_USER" "$MAILPEERS_PASSWORD" \
		"$uid" "$gid" "$d/home/$MAILPEERS_USER" >"$d/users"
	chown root:dovecot "$d/users"
	chmod 640 "$d/users"
	_mp_vals[DV]=$d
	_mp_vals[MAILUID]=$uid
	_mp_vals[MAILGID]=$gid
	if [ -x /usr/lib/dovecot/submission ]; then
		_mp_vals[PROTOCOLS]="pop3 submission"
	else
		_mp_vals[PROTOCOLS]="pop3"
		MAILPEERS_SUBMISSION_PORT=
	fi
	_mp_subst "$MAILPEERS_LIB/dovecot.conf.in" "$d/dovecot.conf"
	doveconf -c "$d/dovecot.conf" >/dev/null 2>"$d/start.log" || { _mp_log "dovecot: $(cat "$d/start.log")"; return 1; }
	# in the foreground, as our child: stopped and reaped by mailpeers_stop
	dovecot -F -c "$d/dovecot.conf" >>"$d/start.log" 2>&1 &
	_mp_dovecot_pid=$!
	_mp_wait_port "$MAILPEERS_POP3_PORT" 10 || { _mp_log "dovecot does not listen: $(cat "$d/start.log"; tail -5 "$d/dovecot.log" 2>/dev/null)"; return 1; }
}

# _mp_start_dovecot_variant NAME PORT SSL MECHS [PASSDB]: one more Dovecot instance,
# POP3 only on 127.0.0.1:PORT, with the main instance's users and mailbox
# (Dovecot locks the Maildir for concurrent servers); its log is
# $MAILPEERS_DIR/dovecot/NAME/dovecot.log. Started, not waited for.
_mp_start_dovecot_variant() {
	local name=$1 port=$2 ssl=$3 mechs=$4 extra=${5:-} d=$MAILPEERS_DIR/dovecot v
	v=$d/$name
	mkdir -p "$v/run" "$v/state"
	{
		printf '%s\n' "# Private Dovecot variant '$name' of tests/lib/mailpeers.sh" \
			"instance_name = mailpeers-${_mp_vals[ID]}-$name" "base_dir = $v/run" \
			"state_dir = $v/state" "log_path = $v/dovecot.log" "protocols = pop3" \
			"listen = $MAILPEERS_HOST" "hostname = $MAILPEERS_HOSTNAME" "ssl = $ssl"
		[ "$ssl" = no ] || printf '%s\n' "ssl_cert = <$MAILPEERS_DIR/tls/server.crt" \
			"ssl_key = <$MAILPEERS_DIR/tls/server.key" "ssl_min_protocol = TLSv1.2"
		printf '%s\n' "disable_plaintext_auth = no" "auth_mechanisms = $mechs" \
			"first_valid_uid = ${_mp_vals[MAILUID]}" "last_valid_uid = ${_mp_vals[MAILUID]}" \
			"first_valid_gid = ${_mp_vals[MAILGID]}" "mail_location = maildir:~/Maildir" \
			"pop3_uidl_format = %08Xu%08Xv" "stats_writer_socket_path =" ${extra:+"$extra"} \
			"passdb {" "	driver = passwd-file" "	args = scheme=PLAIN username_format=%u $d/users" "}" \
			"userdb {" "	driver = passwd-file" "	args = username_format=%u $d/users" "}" \
			"service pop3-login {" "	inet_listener pop3 {" "		address = $MAILPEERS_HOST" \
			"		port = $port" "	}" "	inet_listener pop3s {" "		port = 0" "	}" "}"
	} >"$v/dovecot.conf"
	doveconf -c "$v/dovecot.conf" >/dev/null 2>"$v/start.log" || { _mp_log "dovecot $name: $(cat "$v/start.log")"; return 1; }
	dovecot -F -c "$v/dovecot.conf" >>"$v/start.log" 2>&1 &
	_mp_pids+=($!)
}

# mailpeers_dovecot_oauth_start PORT URL: (after mailpeers_start ... dovecot)
# a Dovecot POP3 instance on 127.0.0.1:PORT, STLS, whose XOAUTH2 and
# OAUTHBEARER logins are checked by OAuth2 token introspection (RFC 7662,
# POST) at URL; log $MAILPEERS_DIR/dovecot/oauth/dovecot.log. 0 once it listens.
mailpeers_dovecot_oauth_start() {
	local port=$1 url=$2 d=$MAILPEERS_DIR/dovecot
	mkdir -p "$d/oauth"
	printf '%s\n' "introspection_url = $url" "introspection_mode = post" \
		"username_attribute = username" "active_attribute = active" "active_value = true" \
		>"$d/oauth/oauth2.conf.ext"
	_mp_start_dovecot_variant oauth "$port" yes "plain login xoauth2 oauthbearer" \
		"passdb {
	driver = oauth2
	mechanisms = xoauth2 oauthbearer
	args = $d/oauth/oauth2.conf.ext
}" || return 1
	_mp_wait_port "$port" 10 || { _mp_log "dovecot oauth does not listen: $(cat "$d/oauth/start.log")"; return 1; }
}

# The variants: no STLS at all (ssl = no), and no APOP (no timestamp in the
# greeting) but otherwise like the main instance.
_mp_start_dovecot_variants() {
	local d=$MAILPEERS_DIR/dovecot p
	_mp_start_dovecot_variant notls "$MAILPEERS_POP3_NOTLS_PORT" no "plain login cram-md5 apop" || return 1
	_mp_start_dovecot_variant noapop "$MAILPEERS_POP3_NOAPOP_PORT" yes "plain login cram-md5" || return 1
	for p in notls:"$MAILPEERS_POP3_NOTLS_PORT" noapop:"$MAILPEERS_POP3_NOAPOP_PORT"; do
		_mp_wait_port "${p#*:}" 10 || { _mp_log "dovecot ${p%%:*} does not listen: $(cat "$d/${p%%:*}/start.log"; tail -5 "$d/${p%%:*}/dovecot.log" 2>/dev/null)"; return 1; }
	done
}

# Cyrus IMAP's pop3d and lmtpd under their own master (cyrmaster), as user
# cyrus, with a private imapd.conf/cyrus.conf, configdirectory, partition
# and sasldb. Cyrus logs only to syslog: its master runs in a private mount
# namespace whose /dev has the few devices it needs and a /dev/log that is
# our socket, read by a small receiver into $MAILPEERS_CYRUS_LOG.
_mp_start_cyrus() {
	local cy=$MAILPEERS_DIR/cyrus g i bin=/usr/lib/cyrus/bin sink pop3d
	# cyrus-pop3d conflicts with dovecot-pop3d: scripts/setup-deps unpacks it
	for pop3d in /usr/local/lib/irsend-peers/cyrus-pop3d$bin/pop3d $bin/pop3d; do
		[ -x "$pop3d" ] && break
	done
	[ -x "$pop3d" ] && [ -x /usr/sbin/cyrmaster ] && [ -x "$bin/lmtpd" ] ||
		{ _mp_log "Cyrus is not installed (cyrus-common, and cyrus-pop3d unpacked: scripts/setup-deps)"; return 1; }
	_mp_ensure_user cyrus || { _mp_log "cannot create user cyrus"; return 1; }
	g=$(id -gn cyrus)
	mkdir -p "$cy/spool" "$cy/sieve" "$cy/dev"
	for i in db proc socket log msg user quota lock; do
		mkdir -p "$cy/config/$i"
	done
	cat >"$cy/imapd.conf" <<-EOF
		# Private Cyrus instance of tests/lib/mailpeers.sh
		configdirectory: $cy/config
		partition-default: $cy/spool
		defaultpartition: default
		sievedir: $cy/sieve
		proc_path: $cy/config/proc
		mboxname_lockpath: $cy/config/lock
		lmtpsocket: $cy/config/socket/lmtp
		idlesocket: $cy/config/socket/idle
		notifysocket: $cy/config/socket/notify
		servername: $MAILPEERS_HOSTNAME
		syslog_prefix: mailpeers-cyrus
		admins: cyrus
		sasl_pwcheck_method: auxprop
		sasl_auxprop_plugin: sasldb
		sasl_sasldb_path: $cy/sasldb2
		sasl_mech_list: NTLM PLAIN LOGIN
		# the service "pop3login" (MAILPEERS_CYRUS_POP3_LOGIN_PORT): LOGIN only
		pop3login_sasl_mech_list: LOGIN
		# PLAIN and LOGIN offered without TLS too: refusing them is the client's part
		allowplaintext: yes
		# INBOX made at the first delivery or login
		autocreate_quota: 0
		autocreate_post: yes
		tls_server_cert: $MAILPEERS_DIR/tls/server.crt
		tls_server_key: $MAILPEERS_DIR/tls/server.key
		tls_client_ca_file: $MAILPEERS_CA
	EOF
	cat >"$cy/cyrus.conf" <<-EOF
		START {
			recover cmd="$bin/ctl_cyrusdb -C $cy/imapd.conf -r"
		}
		SERVICES {
			pop3 cmd="$pop3d -C $cy/imapd.conf" listen="$MAILPEERS_HOST:$MAILPEERS_CYRUS_POP3_PORT" proto=tcp4
			pop3login cmd="$pop3d -C $cy/imapd.conf" listen="$MAILPEERS_HOST:$MAILPEERS_CYRUS_POP3_LOGIN_PORT" proto=tcp4
			lmtpunix cmd="$bin/lmtpd -C $cy/imapd.conf" listen="$cy/config/socket/lmtp"
		}
	EOF
	echo "$MAILPEERS_PASSWORD" | saslpasswd2 -p -c -f "$cy/sasldb2" -u "$MAILPEERS_HOSTNAME" \
		"$MAILPEERS_USER" || { _mp_log "saslpasswd2 (cyrus) failed"; return 1; }
	chown -R "cyrus:$g" "$cy/config" "$cy/spool" "$cy/sieve" "$cy/sasldb2"
	chmod 600 "$cy/sasldb2"
	chmod 644 "$cy/imapd.conf" "$cy/cyrus.conf"
	: >"$MAILPEERS_CYRUS_LOG"
	sink=$MAILPEERS_DIR/bin/syslog-sink.py
	cat >"$sink" <<-'EOF'
		# A /dev/log stand-in: syslog datagrams on a socket, appended to a
		# file. SIGTERM ends it once the process in PIDFILE is gone (Cyrus's
		# master, shutting down at the same time, logs as it goes: without
		# its /dev/log it hangs), or 8 s later.
		import os, re, signal, socket, sys, time
		path, out, pidfile = sys.argv[1], sys.argv[2], sys.argv[3]
		term = []
		signal.signal(signal.SIGTERM, lambda *a: term.append(time.monotonic()))
		def gone():
		    try:
		        st = open("/proc/%d/stat" % int(open(pidfile).read())).read()
		        return st.rsplit(")", 1)[1].split()[0] == "Z"
		    except (OSError, ValueError, IndexError):
		        return True
		if os.path.exists(path):
		    os.unlink(path)
		s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
		s.bind(path)
		os.chmod(path, 0o666)
		s.settimeout(0.1)
		with open(out, "ab", buffering=0) as f:
		    while not term or not (gone() or time.monotonic() - term[0] > 8):
		        try:
		            d = s.recv(65536)
		        except (socket.timeout, InterruptedError):
		            continue
		        f.write(re.sub(rb"^<\d+>", b"", d).rstrip(b"\0\r\n") + b"\n")
	EOF
	rm -f "$cy/master.pid.mp"
	python3 "$sink" "$cy/log.sock" "$MAILPEERS_CYRUS_LOG" "$cy/master.pid.mp" 2>"$cy/sink.err" &
	local sink_pid=$!
	for ((i = 0; i < 100; i++)); do
		[ -S "$cy/log.sock" ] && break
		sleep 0.05
	done
	[ -S "$cy/log.sock" ] || { _mp_log "syslog receiver: $(cat "$cy/sink.err")"; kill "$sink_pid"; return 1; }
	unshare -m --propagation private /bin/sh -c '
		set -e
		d=$1 log=$2
		shift 2
		mount -t tmpfs -o mode=755,size=64k mailpeers-cyrus-dev "$d"
		for n in null zero full random urandom; do
			: >"$d/$n"
			mount --bind "/dev/$n" "$d/$n"
		done
		ln -s /proc/self/fd "$d/fd"
		ln -s "$log" "$d/log"
		mount --move "$d" /dev
		exec "$@"' sh "$cy/dev" "$cy/log.sock" \
		/usr/sbin/cyrmaster -C "$cy/imapd.conf" -M "$cy/cyrus.conf" -p "$cy/config/master.pid" \
		-L "$cy/master.out" >"$cy/start.log" 2>&1 &
	echo $! >"$cy/master.pid.mp"
	# master first, then the receiver of its last words
	_mp_pids+=($! "$sink_pid")
	for i in "$MAILPEERS_CYRUS_POP3_PORT" "$MAILPEERS_CYRUS_POP3_LOGIN_PORT"; do
		_mp_wait_port "$i" 10 || { _mp_log "cyrus does not listen on $i: $(cat "$cy/start.log" "$cy/master.out" 2>/dev/null; tail -5 "$MAILPEERS_CYRUS_LOG")"; return 1; }
	done
	# Ready: the lmtpd socket is there and the pop3d of each port checked
	# above has ended its session (its "counts:" line). A master told to
	# stop while such a child is still starting can hang until SIGKILL.
	for ((i = 0; i < 200; i++)); do
		[ -S "$cy/config/socket/lmtp" ] &&
			[ "$(grep -c '/pop3\(login\)\?\[[0-9]*\]: counts: ' "$MAILPEERS_CYRUS_LOG")" -ge 2 ] && return 0
		sleep 0.05
	done
	_mp_log "cyrus not ready (lmtpd socket, pop3d sessions): $(tail -5 "$MAILPEERS_CYRUS_LOG")"
	return 1
}

# mailpeers_cyrus_deliver FILE: the message in FILE into the test user's
# Cyrus INBOX the way an MTA hands it over: cyrdeliver, LMTP, lmtpd.
mailpeers_cyrus_deliver() {
	local cy=$MAILPEERS_DIR/cyrus
	[ -r "$1" ] || { _mp_log "mailpeers_cyrus_deliver: cannot read '$1'"; return 1; }
	setpriv --reuid=cyrus --regid="$(id -g cyrus)" --init-groups \
		/usr/sbin/cyrdeliver -C "$cy/imapd.conf" "$MAILPEERS_USER" <"$1"
}

# mailpeers_cyrus_count: messages in the test user's Cyrus INBOX (its
# index, read by mbexamine: no login, nothing in the log); 0 before it exists.
mailpeers_cyrus_count() {
	local n
	n=$(setpriv --reuid=cyrus --regid="$(id -g cyrus)" --init-groups \
		/usr/lib/cyrus/bin/mbexamine -C "$MAILPEERS_DIR/cyrus/imapd.conf" "user/$MAILPEERS_USER" 2>/dev/null |
		sed -n 's/^ *Number of Messages: \([0-9]*\) .*/\1/p')
	echo "${n:-0}"
}

mailpeers_start() {
	local dir=${1:?usage: mailpeers_start DIR [postfix] [dovecot] [krb5]} w base
	shift
	local want_pf=0 want_dv=0 want_krb=0
	local want_cy=0
	[ $# -eq 0 ] && set -- postfix dovecot krb5
	for w in "$@"; do
		case $w in
		postfix) want_pf=1 ;;
		dovecot) want_dv=1 ;;
		krb5 | kerberos) want_krb=1 ;;
		cyrus) want_cy=1 ;;
		*) _mp_log "unknown peer '$w'"; return 2 ;;
		esac
	done
	[ "$(id -u)" -eq 0 ] || { _mp_log "must run as root"; return 1; }
	[ -e "$dir" ] || _mp_rm_dir=1
	mkdir -p "$dir" || return 1
	chmod 755 "$dir"
	MAILPEERS_DIR=$(cd "$dir" && pwd)
	_mp_started_dir=$MAILPEERS_DIR
	# traversal for the unprivileged daemons
	w=$MAILPEERS_DIR
	while [ "$w" != / ]; do
		w=$(dirname "$w")
		case $(stat -c %A "$w") in
		*x | *t) continue ;;
		esac
		case $w/ in
		/tmp/?* | "${TMPDIR:-/tmp}"/?*) chmod o+x "$w" ;; # a mktemp -d parent
		*)
			_mp_log "$w is not searchable by the mail daemons' users: use a DIR under /tmp"
			return 1
			;;
		esac
	done
	base=$(_mp_pick_ports) || { _mp_log "no free port range"; return 1; }

	export MAILPEERS_DIR
	export MAILPEERS_HOST=127.0.0.1
	export MAILPEERS_HOSTNAME=localhost
	export MAILPEERS_DOMAIN=irsend.test
	export MAILPEERS_REMOTE_DOMAIN=remote.test
	export MAILPEERS_USER=irsuser
	export MAILPEERS_PASSWORD=irs-Pass.7
	export MAILPEERS_NTLM_DOMAIN=IRSEND
	export MAILPEERS_MAIL_USER=irsendmail
	export MAILPEERS_SASL_MECHS="CRAM-MD5 DIGEST-MD5 NTLM PLAIN LOGIN SCRAM-SHA-1 SCRAM-SHA-256"
	export MAILPEERS_CA=$MAILPEERS_DIR/tls/ca.crt
	export MAILPEERS_SERVER_CERT=$MAILPEERS_DIR/tls/server.crt
	export MAILPEERS_CLIENT_CERT=$MAILPEERS_DIR/tls/client.crt
	export MAILPEERS_CLIENT_KEY=$MAILPEERS_DIR/tls/client.key
	export MAILPEERS_MAILDIR=$MAILPEERS_DIR/mail
	export MAILPEERS_POP_MAILDIR=$MAILPEERS_DIR/dovecot/home/$MAILPEERS_USER/Maildir
	export MAILPEERS_POPB4SMTP_WINDOW=${MAILPEERS_POPB4SMTP_WINDOW:-60}
	export MAILPEERS_SMTP_SMALL_LIMIT=1048576
	export MAILPEERS_SMTP_PORT=$base
	export MAILPEERS_SMTP_TLSREQ_PORT=$((base + 1))
	export MAILPEERS_SMTP_NOAUTH_PORT=$((base + 2))
	export MAILPEERS_SMTPS_PORT=$((base + 3))
	export MAILPEERS_SMTP_CCERT_PORT=$((base + 4))
	export MAILPEERS_SMTP_PLAIN_PORT=$((base + 5))
	export MAILPEERS_SMTP_BADTLS_PORT=$((base + 6))
	export MAILPEERS_SMTP_SMALL_PORT=$((base + 7))
	export MAILPEERS_SMTP_DISCARD_PORT=$((base + 8))
	export MAILPEERS_SMTP_POPB4_PORT=$((base + 9))
	export MAILPEERS_SMTP_GSSAPI_PORT=$((base + 10))
	export MAILPEERS_POP3_PORT=$((base + 20))
	export MAILPEERS_POP3S_PORT=$((base + 21))
	export MAILPEERS_SUBMISSION_PORT=$((base + 22))
	export MAILPEERS_POP3_NOTLS_PORT=$((base + 23))
	export MAILPEERS_POP3_NOAPOP_PORT=$((base + 24))
	export MAILPEERS_POP3_NOTLS_LOG=$MAILPEERS_DIR/dovecot/notls/dovecot.log
	export MAILPEERS_POP3_NOAPOP_LOG=$MAILPEERS_DIR/dovecot/noapop/dovecot.log
	export MAILPEERS_CYRUS_POP3_PORT=$((base + 25))
	export MAILPEERS_CYRUS_POP3_LOGIN_PORT=$((base + 26))
	export MAILPEERS_CYRUS_LOG=$MAILPEERS_DIR/cyrus/cyrus.log
	export MAILPEERS_KDC_PORT=$((base + 30))
	export MAILPEERS_KDC_SKEW_PORT=$((base + 31))
	export MAILPEERS_REALM=IRSEND.TEST
	export MAILPEERS_KDC_SKEW=-10m
	export MAILPEERS_KRB5_CONFIG=$MAILPEERS_DIR/krb5/krb5.conf
	export MAILPEERS_KRB5_CONFIG_SKEW=$MAILPEERS_DIR/krb5/krb5-skew.conf
	export MAILPEERS_KRB5_CONFIG_SKEW_NOSYNC=$MAILPEERS_DIR/krb5/krb5-skew-nosync.conf
	export MAILPEERS_KEYTAB=$MAILPEERS_DIR/krb5/smtp.keytab
	export MAILPEERS_KRB5_PRINCIPAL=$MAILPEERS_USER@$MAILPEERS_REALM
	export MAILPEERS_KRB5_SERVICE=smtp/$MAILPEERS_HOSTNAME@$MAILPEERS_REALM

	declare -gA _mp_vals=(
		[DIR]=$MAILPEERS_DIR [HOST]=$MAILPEERS_HOST [HOSTNAME]=$MAILPEERS_HOSTNAME
		[DOMAIN]=$MAILPEERS_DOMAIN [TLS]=$MAILPEERS_DIR/tls [BIN]=$MAILPEERS_DIR/bin
		[MAILDIR]=$MAILPEERS_MAILDIR [MAILUSER]=$MAILPEERS_MAIL_USER
		[POPB4]=$MAILPEERS_DIR/popb4smtp [MECHS]=$MAILPEERS_SASL_MECHS
		[SMALL_LIMIT]=$MAILPEERS_SMTP_SMALL_LIMIT
		[P_SMTP]=$MAILPEERS_SMTP_PORT [P_TLSREQ]=$MAILPEERS_SMTP_TLSREQ_PORT
		[P_NOAUTH]=$MAILPEERS_SMTP_NOAUTH_PORT [P_SMTPS]=$MAILPEERS_SMTPS_PORT
		[P_CCERT]=$MAILPEERS_SMTP_CCERT_PORT [P_PLAIN]=$MAILPEERS_SMTP_PLAIN_PORT
		[P_BADTLS]=$MAILPEERS_SMTP_BADTLS_PORT [P_SMALL]=$MAILPEERS_SMTP_SMALL_PORT
		[P_DISCARD]=$MAILPEERS_SMTP_DISCARD_PORT [P_POPB4]=$MAILPEERS_SMTP_POPB4_PORT
		[P_GSSAPI]=$MAILPEERS_SMTP_GSSAPI_PORT [P_POP3]=$MAILPEERS_POP3_PORT
		[P_POP3S]=$MAILPEERS_POP3S_PORT [P_SUBMISSION]=$MAILPEERS_SUBMISSION_PORT
		[REALM]=$MAILPEERS_REALM [KRB5_CONFIG]=$MAILPEERS_KRB5_CONFIG
		[KEYTAB]=$MAILPEERS_KEYTAB [ID]=$base
	)
	[ $want_krb = 1 ] && _mp_vals[KRB5]=1
	_mp_install_trap

	_mp_ensure_users || return 1
	mkdir -p "$MAILPEERS_DIR/bin"
	_mp_subst "$MAILPEERS_LIB/deliver.sh" "$MAILPEERS_DIR/bin/deliver.sh"
	_mp_subst "$MAILPEERS_LIB/popb4smtp-policy.py" "$MAILPEERS_DIR/bin/popb4smtp-policy.py"
	_mp_subst "$MAILPEERS_LIB/popb4smtp-login.sh" "$MAILPEERS_DIR/bin/popb4smtp-login.sh"
	chmod 755 "$MAILPEERS_DIR/bin" "$MAILPEERS_DIR/bin"/*
	_mp_make_tls || return 1
	if [ $want_krb = 1 ]; then
		_mp_start_krb5 || return 1
	else
		unset MAILPEERS_KDC_PORT MAILPEERS_KDC_SKEW_PORT MAILPEERS_KRB5_CONFIG \
			MAILPEERS_KRB5_CONFIG_SKEW MAILPEERS_KRB5_CONFIG_SKEW_NOSYNC MAILPEERS_KEYTAB MAILPEERS_SMTP_GSSAPI_PORT
	fi
	if [ $want_pf = 1 ]; then
		_mp_start_postfix || return 1
	fi
	if [ $want_dv = 1 ]; then
		_mp_start_dovecot || return 1
	fi
	if [ $want_dv = 1 ]; then
		_mp_start_dovecot_variants || return 1
	else
		unset MAILPEERS_POP3_NOTLS_PORT MAILPEERS_POP3_NOAPOP_PORT MAILPEERS_POP3_NOTLS_LOG \
			MAILPEERS_POP3_NOAPOP_LOG
	fi
	if [ $want_cy = 1 ]; then
		_mp_start_cyrus || return 1
	else
		unset MAILPEERS_CYRUS_POP3_PORT MAILPEERS_CYRUS_POP3_LOGIN_PORT MAILPEERS_CYRUS_LOG
	fi
	# for programs that are not bash: KEY=VALUE lines (shell-quoted)
	local v
	for v in $(compgen -v MAILPEERS_); do
		printf '%s=%q\n' "$v" "${!v}"
	done >"$MAILPEERS_DIR/mailpeers.env"
	return 0
}

# Chain mailpeers_stop in front of whatever EXIT trap the test has.
_mp_install_trap() { peers_chain_exit_trap mailpeers_stop; }

# _mp_kill_wait PID: SIGTERM to a child of ours, SIGKILL if it still runs
# after 5 s, and reap it (a dead child stays a zombie until then).
_mp_kill_wait() {
	local p=$1 i st
	# Safe under set -e: a peer that is gone already, or its exit status, is no error.
	kill "$p" 2>/dev/null || true
	for ((i = 0; i < 100; i++)); do
		st=$(cut -d' ' -f3 "/proc/$p/stat" 2>/dev/null || true)
		[ -z "$st" ] || [ "$st" = Z ] && break
		sleep 0.05
	done
	if [ -n "$st" ] && [ "$st" != Z ]; then
		kill -9 "$p" 2>/dev/null || true
	fi
	wait "$p" 2>/dev/null || true
	return 0
}

mailpeers_stop() {
	local d=${_mp_started_dir:-} p i
	[ -n "$d" ] || return 0
	# SIGTERM to every peer at once (a Dovecot takes a second to stop, and
	# there are three); each is then waited for, in the order below
	for p in $_mp_dovecot_pid $_mp_postfix_pid "${_mp_pids[@]}"; do
		kill "$p" 2>/dev/null || true
	done
	if [ -n "$_mp_dovecot_pid" ]; then
		_mp_kill_wait "$_mp_dovecot_pid"
		_mp_dovecot_pid=
	fi
	if [ -n "$_mp_postfix_pid" ]; then
		# SIGTERM, what "postfix stop" sends: master stops its children
		_mp_kill_wait "$_mp_postfix_pid"
		_mp_postfix_pid=
	fi
	for p in "${_mp_pids[@]}"; do
		_mp_kill_wait "$p"
	done
	_mp_pids=()
	_mp_started_dir=
	if [ "${MAILPEERS_KEEP:-0}" != 1 ] && [ "$_mp_rm_dir" = 1 ]; then
		rm -rf "$d"
	elif [ "${MAILPEERS_KEEP:-0}" != 1 ]; then
		rm -rf "$d/postfix/spool" "$d/dovecot/run"
	fi
	return 0
}

# mailpeers_wait_delivery RCPT [TIMEOUT]: the oldest message delivered to
# RCPT that no earlier call returned.
mailpeers_wait_delivery() {
	local rcpt dir f t=${2:-10} i seen
	rcpt=$(printf '%s' "$1" | tr 'A-Z/' 'a-z_')
	dir=$MAILPEERS_MAILDIR/$rcpt
	seen=$MAILPEERS_DIR/.seen
	for ((i = 0; i <= t * 20; i++)); do
		for f in "$dir"/*.eml; do
			[ -e "$f" ] || continue
			grep -qxF "$f" "$seen" 2>/dev/null && continue
			echo "$f" >>"$seen"
			echo "$f"
			return 0
		done
		sleep 0.05
	done
	return 1
}

mailpeers_count() {
	local rcpt n=0 f
	rcpt=$(printf '%s' "$1" | tr 'A-Z/' 'a-z_')
	for f in "$MAILPEERS_MAILDIR/$rcpt"/*.eml; do
		[ -e "$f" ] && n=$((n + 1))
	done
	echo $n
}

mailpeers_clear() {
	find "$MAILPEERS_MAILDIR" -mindepth 1 -delete 2>/dev/null
	rm -f "$MAILPEERS_DIR/.seen"
}

# mailpeers_strip_received FILE: the message without the Received: header(s)
# Postfix put in front of it.
mailpeers_strip_received() {
	awk 'BEGIN { top = 1 }
		top && /^Received:/ { skip = 1; next }
		top && skip && /^[ \t]/ { next }
		{ top = 0; skip = 0; print }' "$1"
}

mailpeers_popb4smtp_reset() {
	rm -f "$MAILPEERS_DIR/popb4smtp"/ip-*
}

mailpeers_log() {
	local f
	for f in "$MAILPEERS_DIR/postfix/maillog" "$MAILPEERS_DIR/dovecot/dovecot.log" \
		"$MAILPEERS_DIR/krb5/kdc.log" "$MAILPEERS_DIR/krb5/kdc-skew.log" \
		"$MAILPEERS_DIR/dovecot/notls/dovecot.log" "$MAILPEERS_DIR/dovecot/noapop/dovecot.log" \
		"$MAILPEERS_DIR/cyrus/cyrus.log"; do
		[ -f "$f" ] && { echo "== $f"; tail -n "${1:-30}" "$f"; }
	done
}

# mailpeers_relay_start TARGET_PORT: one more Postfix (its own master,
# queue and log under $MAILPEERS_DIR/relay) that relays every message it
# takes to 127.0.0.1:TARGET_PORT, for the tests of an SMTP server of ours
# (tests/host/smtpd_peers.sh). Call it after mailpeers_start (its users,
# test CA and directory); mailpeers_stop stops it too. Exports:
#   MAILPEERS_RELAY_PORT          its smtpd (no TLS, no AUTH, open to
#                                 127.0.0.1); relays with
#                                 smtp_tls_security_level=may
#   MAILPEERS_RELAY_ENCRYPT_PORT  the same, relaying with
#                                 smtp_tls_security_level=encrypt
#   MAILPEERS_RELAY_CONFIG        its config directory (sendmail -C,
#                                 postqueue -c, postsuper -c: local
#                                 submission relays with "may")
#   MAILPEERS_RELAY_LOG           its log (TLS, status=sent/deferred lines)
# Its client trusts $MAILPEERS_CA, passes DSN parameters on, retries a
# deferred message every second or two, and adds only its Received:
# header to what it relays (no header rewriting). The ports are in the
# range mailpeers_start checked (its base + 35 and + 36).
mailpeers_relay_start() {
	local target=${1:?usage: mailpeers_relay_start TARGET_PORT} r u dd
	[ -n "${_mp_started_dir:-}" ] || { _mp_log "mailpeers_relay_start: mailpeers_start first"; return 1; }
	r=$MAILPEERS_DIR/relay
	export MAILPEERS_RELAY_PORT=$((MAILPEERS_SMTP_PORT + 35))
	export MAILPEERS_RELAY_ENCRYPT_PORT=$((MAILPEERS_SMTP_PORT + 36))
	export MAILPEERS_RELAY_CONFIG=$r/etc
	export MAILPEERS_RELAY_LOG=$r/maillog
	mkdir -p "$r/etc" "$r/spool" "$r/data"
	chown postfix "$r/data"
	cat >"$r/etc/main.cf" <<-EOF
		# Relay Postfix of tests/lib/mailpeers.sh: everything to 127.0.0.1:$target.
		compatibility_level = 3.6
		config_directory = $r/etc
		queue_directory = $r/spool
		data_directory = $r/data
		mail_owner = postfix
		setgid_group = postdrop
		myhostname = relay.$MAILPEERS_DOMAIN
		mydomain = $MAILPEERS_DOMAIN
		myorigin = \$mydomain
		mydestination =
		local_recipient_maps =
		inet_interfaces = 127.0.0.1
		inet_protocols = ipv4
		mynetworks = 127.0.0.0/8
		smtpd_relay_restrictions = permit_mynetworks, reject
		local_header_rewrite_clients =
		alias_maps =
		alias_database =
		biff = no
		maillog_file = $r/maillog
		maillog_file_prefixes = $MAILPEERS_DIR
		smtpd_banner = \$myhostname ESMTP irsend relay peer
		relayhost = [127.0.0.1]:$target
		smtp_tls_security_level = may
		smtp_tls_CAfile = $MAILPEERS_CA
		smtp_tls_loglevel = 1
		smtp_tls_session_cache_database =
		smtpd_tls_security_level = none
		smtpd_sasl_auth_enable = no
		message_size_limit = 10240000
		queue_run_delay = 1s
		minimal_backoff_time = 1s
		maximal_backoff_time = 2s
		smtp_connect_timeout = 5s
		smtpd_error_sleep_time = 0
		smtpd_client_connection_rate_limit = 0
		notify_classes =
	EOF
	cat >"$r/etc/master.cf" <<-EOF
		# service type private unpriv chroot wakeup maxproc command
		127.0.0.1:$MAILPEERS_RELAY_PORT inet n - n - - smtpd
		127.0.0.1:$MAILPEERS_RELAY_ENCRYPT_PORT inet n - n - - smtpd -o content_filter=relayenc:[127.0.0.1]:$target
		relayenc  unix  -       -       n       -       -       smtp -o smtp_tls_security_level=encrypt
		pickup    unix  n       -       n       60      1       pickup
		cleanup   unix  n       -       n       -       0       cleanup
		qmgr      unix  n       -       n       300     1       qmgr
		tlsmgr    unix  -       -       n       1000?   1       tlsmgr
		rewrite   unix  -       -       n       -       -       trivial-rewrite
		bounce    unix  -       -       n       -       0       bounce
		defer     unix  -       -       n       -       0       bounce
		trace     unix  -       -       n       -       0       bounce
		verify    unix  -       -       n       -       1       verify
		flush     unix  n       -       n       1000?   0       flush
		proxymap  unix  -       -       n       -       -       proxymap
		smtp      unix  -       -       n       -       -       smtp
		relay     unix  -       -       n       -       -       smtp
		showq     unix  n       -       n       -       -       showq
		error     unix  -       -       n       -       -       error
		retry     unix  -       -       n       -       -       error
		discard   unix  -       -       n       -       -       discard
		anvil     unix  -       -       n       -       1       anvil
		scache    unix  -       -       n       -       1       scache
		postlog   unix-dgram n  -       n       -       1       postlogd
	EOF
	for u in active bounce corrupt defer deferred flush hold incoming saved trace private; do
		install -d -o postfix -g root -m 700 "$r/spool/$u"
	done
	install -d -o postfix -g postdrop -m 710 "$r/spool/public"
	install -d -o postfix -g postdrop -m 730 "$r/spool/maildrop"
	install -d -o root -g root -m 755 "$r/spool/pid"
	touch -d '-10 seconds' "$r/etc/main.cf" "$r/etc/master.cf"
	dd=$(postconf -dh daemon_directory)
	MAIL_CONFIG=$r/etc "$dd/master" -d -c "$r/etc" >"$r/start.log" 2>&1 &
	_mp_pids+=($!)
	_mp_wait_port "$MAILPEERS_RELAY_PORT" 10 && _mp_wait_port "$MAILPEERS_RELAY_ENCRYPT_PORT" 10 ||
		{ _mp_log "relay postfix does not listen: $(cat "$r/start.log"; tail -5 "$r/maillog" 2>/dev/null)"; return 1; }
}

# mailpeers_relay_queue_empty [TIMEOUT_S]: wait until the relay has
# nothing left to send (0), or say it still has (1).
mailpeers_relay_queue_empty() {
	local i t=${1:-10}
	for ((i = 0; i <= t * 10; i++)); do
		[ -z "$(find "$MAILPEERS_DIR/relay/spool"/{incoming,active,deferred,maildrop} -type f 2>/dev/null)" ] && return 0
		sleep 0.1
	done
	return 1
}

# mailpeers_relay_flush: drop whatever the relay still holds (deferred
# messages of a test that expected them to stay).
mailpeers_relay_flush() {
	postsuper -c "$MAILPEERS_RELAY_CONFIG" -d ALL >/dev/null 2>&1 || true
}

# Run directly (not sourced): start the peers and keep them up until Ctrl-C.
if [ "${BASH_SOURCE[0]}" = "$0" ]; then
	set -u
	case ${1:-} in
	run)
		shift
		d=${1:-$(mktemp -d /tmp/mailpeers.XXXXXX)}
		[ $# -gt 0 ] && shift
		mailpeers_start "$d" "$@" || { mailpeers_log; exit 1; }
		cat "$MAILPEERS_DIR/mailpeers.env"
		echo "# mail peers up under $MAILPEERS_DIR; Ctrl-C stops them" >&2
		trap 'kill $_mp_sleeper 2>/dev/null; exit 0' INT TERM
		while :; do
			sleep 3600 &
			_mp_sleeper=$!
			wait $_mp_sleeper
		done
		;;
	*)
		echo "usage: bash $0 run [DIR] [postfix] [dovecot] [krb5] [cyrus]   (or source it from a test)" >&2
		exit 2
		;;
	esac
fi
