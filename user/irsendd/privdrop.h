/* Giving up root once the agent holds what only root can open. */
#ifndef IRSENDD_PRIVDROP_H
#define IRSENDD_PRIVDROP_H

#include <stddef.h>
#include <sys/types.h>

/* The uid and gid of user: 0, or -1 with err. */
int lookup_user(const char *user, uid_t *uid, gid_t *gid, char *err, size_t errlen);
/* The gid of group, or (gid_t)-1 when there is no such group. */
gid_t lookup_group(const char *group);

/*
 * Become uid/gid with extra_gid as the only supplementary group (-1:
 * none), keep no capability and forbid gaining any (no_new_privs). Not
 * root to begin with: only no_new_privs. 0, or -1 with err.
 */
int drop_privileges(uid_t uid, gid_t gid, gid_t extra_gid, char *err, size_t errlen);

#endif
