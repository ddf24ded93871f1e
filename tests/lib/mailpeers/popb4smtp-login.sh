#!/bin/sh
# Dovecot postlogin script (script-login): a POP3 login from $IP opens the
# POP-before-SMTP window of that address, then the session goes on.
touch "@POPB4@/ip-$IP" 2>/dev/null
exec "$@"
