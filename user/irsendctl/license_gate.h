/* Options irsendctl itself enforces, read from the SoftID record in NVRAM. */
#ifndef IRSENDCTL_LICENSE_GATE_H
#define IRSENDCTL_LICENSE_GATE_H

/*
 * 0 when option is active on the device behind fd; otherwise -1 after
 * saying on stderr that what needs it (pending: from the agent's next
 * start; a damaged record or no disk: why).
 */
int license_gate(int fd, unsigned int option, const char *prog, const char *what);

#endif
