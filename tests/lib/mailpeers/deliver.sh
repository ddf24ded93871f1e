#!/bin/sh
# Postfix pipe(8) delivery of the test peers: deliver.sh MAILDIR SENDER RCPT
# stores the message exactly as Postfix hands it over (LF line ends, its
# Received: header first) in MAILDIR/<rcpt lowercased>/<id>.eml, and the
# envelope in <id>.env; the .eml appears atomically (rename).
umask 022
dir=$1/$(printf '%s' "$3" | tr 'A-Z/' 'a-z_')
mkdir -p "$dir" || exit 75
id=$(date +%s.%N).$$
cat >"$dir/.$id.tmp" || exit 75
printf 'sender %s\nrecipient %s\n' "$2" "$3" >"$dir/$id.env" || exit 75
mv "$dir/.$id.tmp" "$dir/$id.eml" || exit 75
exit 0
