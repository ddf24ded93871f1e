/* The SMB backup folder (backup.server\backup.path) as a bk_io. */
#ifndef IRSENDD_BACKUP_SMB_H
#define IRSENDD_BACKUP_SMB_H

#include <stddef.h>

#include "box_backup.h"

struct settings_store;

/* Connect with the settings of the moment: the io, or NULL with code (#7xx/#8xx) and why. */
struct bk_io *backup_smb_open(const struct settings_store *u, int (*cancelled)(void *), void *arg,
			      unsigned int *code, char *why, size_t whylen);
void backup_smb_close(struct bk_io *io);

#endif
