/* Dropping root (see privdrop.h). */
#include "privdrop.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <unistd.h>

int lookup_user(const char *user, uid_t *uid, gid_t *gid, char *err, size_t errlen)
{
	struct passwd *pw;

	errno = 0;
	pw = getpwnam(user);
	if (!pw) {
		snprintf(err, errlen,
			 "user \"%s\" does not exist: create it (useradd --system %s) or set "
			 "\"user\" in the configuration",
			 user, user);
		return -1;
	}
	*uid = pw->pw_uid;
	*gid = pw->pw_gid;
	return 0;
}

gid_t lookup_group(const char *group)
{
	struct group *gr = getgrnam(group);

	return gr ? gr->gr_gid : (gid_t)-1;
}

/* Every capability set empty, checked rather than assumed. */
static int no_capabilities_left(char *err, size_t errlen)
{
	cap_t caps = cap_get_proc();
	cap_t none = cap_init();
	int same = caps && none && cap_compare(caps, none) == 0;

	cap_free(caps);
	cap_free(none);
	if (!same) {
		snprintf(err, errlen, "capabilities remain after dropping root");
		return -1;
	}
	return 0;
}

int drop_privileges(uid_t uid, gid_t gid, gid_t extra_gid, char *err, size_t errlen)
{
	gid_t groups[1] = { extra_gid };

	if (geteuid() == 0) {
		if (setgroups(extra_gid == (gid_t)-1 ? 0 : 1, groups) < 0 ||
		    setresgid(gid, gid, gid) < 0 || setresuid(uid, uid, uid) < 0) {
			snprintf(err, errlen, "cannot become uid %ld: %s", (long)uid,
				 strerror(errno));
			return -1;
		}
		if (uid != 0 && no_capabilities_left(err, errlen) < 0)
			return -1;
	}
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
		snprintf(err, errlen, "no_new_privs: %s", strerror(errno));
		return -1;
	}
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0) {
		snprintf(err, errlen, "dumpable: %s", strerror(errno));
		return -1;
	}
	return 0;
}
