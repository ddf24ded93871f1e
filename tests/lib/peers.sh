# What the test peers (mailpeers.sh, sambapeer.sh, ftppeer.sh, cupspeer.sh)
# share: sourced by each of them.
#
#   peers_port_busy PORT            something listens on 127.0.0.1:PORT
#   peers_wait_port PORT SECONDS    0 once something listens, 1 after SECONDS
#   peers_chain_exit_trap STOPFN    run STOPFN first at exit, then whatever
#                                   EXIT trap the test already had (once)

peers_port_busy() {
	(exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

peers_wait_port() {
	local i n=$(($2 * 20))
	for ((i = 0; i < n; i++)); do
		peers_port_busy "$1" && return 0
		sleep 0.05
	done
	return 1
}

peers_chain_exit_trap() {
	local p old=
	p=$(trap -p EXIT)
	case $p in *"$1"*) return 0 ;; esac
	# "trap -- 'CMD' EXIT", quoted for the shell: let the shell unquote it
	[ -n "$p" ] && old=$(eval "_peers_trap_cmd() { printf %s \"\$2\"; }; _peers_trap_cmd ${p#trap }")
	# shellcheck disable=SC2064
	trap "$1; $old" EXIT
}
