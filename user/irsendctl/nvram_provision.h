/*
 * Writing a provisioning record (irsend-lms provision) into NVRAM: the
 * serial and the device key, as the factory does once per device.
 */
#ifndef IRSENDCTL_NVRAM_PROVISION_H
#define IRSENDCTL_NVRAM_PROVISION_H

#include <stdbool.h>

#include "nvram_store.h"

/*
 * Read the record at path ("-": standard input) and write it to store.
 * A device that has another serial is refused unless force. Returns the
 * exit status, after a message.
 */
int nvram_provision(const struct nvram_store *store, const char *path, bool force,
		    const char *prog);

#endif
