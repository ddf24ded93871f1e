/* Inside backup and restore: the state and report files. */
#ifndef IRSEND_BOX_BACKUP_PRIV_H
#define IRSEND_BOX_BACKUP_PRIV_H

#include "box_backup.h"

/* restore_dir/state and restore_dir/report.json, written atomically: 0 or -1 (errno). */
int bk_state_write(const char *restore_dir, enum bk_restore_state s);
int bk_report_write(const char *restore_dir, const struct bk_report *r);

#endif
