/*
 * A folder on an SMB share kept open for many small operations (the Mail
 * Box backup): exists, mkdir, put and get whole files, size, rename
 * without replacing. Same rules as smb_send.h: our fixed libsmbclient
 * configuration, NTLMv2 only, the password through the auth callback
 * only, the same section 4.3.4 codes. The session holds smb_send's
 * process-wide lock from open to close: SMB sends wait meanwhile.
 *
 * Paths are relative to the folder of opts->dest, '/'-separated.
 */
#ifndef IRSEND_FILE_SMB_TREE_H
#define IRSEND_FILE_SMB_TREE_H

#include <stdint.h>

#include "smb_send.h"

struct irs_smb_tree;

/*
 * Connect, log in and check that the folder exists (opts->exists is not
 * used): 0 with *out, or the failure code with res filled.
 */
unsigned int irs_smb_tree_open(const struct irs_smb_opts *o, struct irs_smb_tree **out,
			       struct irs_smb_result *res);
void irs_smb_tree_close(struct irs_smb_tree *t);

/* 1 exists, 0 does not, -1 failed. */
int irs_smb_tree_exists(struct irs_smb_tree *t, const char *rel);
/* Each: 0, or -1 with irs_smb_tree_error() saying why. */
int irs_smb_tree_mkdir(struct irs_smb_tree *t, const char *rel);
int irs_smb_tree_put(struct irs_smb_tree *t, const char *rel, int fd);
int irs_smb_tree_get(struct irs_smb_tree *t, const char *rel, int fd);
int irs_smb_tree_size(struct irs_smb_tree *t, const char *rel, uint64_t *size);
/* Refused (EEXIST, #801) when to exists: libsmbclient's rename would replace it. */
int irs_smb_tree_rename(struct irs_smb_tree *t, const char *from, const char *to);

/* The last failure: its code (#751, #804, #807, #801, ...) and a line. */
unsigned int irs_smb_tree_error(const struct irs_smb_tree *t, const char **why);

#endif
