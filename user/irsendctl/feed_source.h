/*
 * The pages a feeder sends: the PNM images of several inputs (files, or
 * "-" for standard input) one after the other, each input holding one or
 * more concatenated images.
 */
#ifndef IRSENDCTL_FEED_SOURCE_H
#define IRSENDCTL_FEED_SOURCE_H

#include <stdbool.h>
#include <stdio.h>

#include "pnm.h"

struct feed_input {
	const char *name; /* as given; "-" is standard input */
	FILE *in;
	bool regular; /* a regular file of known size */
	uint64_t size;
};

struct feed_source {
	const char *prog; /* message prefix */
	struct feed_input *inputs;
	int count;
	int current;
	struct pnm_reader reader;
};

/* Open every input up front, so a typo fails before anything is sent: 0, or -1 after a message. */
int feed_source_open(struct feed_source *s, const char *prog, char **names, int count);

void feed_source_close(struct feed_source *s);

/* The next image of all inputs: 1, 0 after the last, -1 after a message. */
int feed_source_next(struct feed_source *s, struct pnm_image *img);

/*
 * Whether img, whose header was just read, is certainly the last page: it
 * ends the last input, a regular file. A pipe cannot tell in advance.
 */
bool feed_source_is_last(const struct feed_source *s, const struct pnm_image *img);

/* The next rows of the current image: 0, or -1 after a message. */
int feed_source_read_rows(struct feed_source *s, void *buf, uint32_t rows);

/* The current input as messages name it. */
const char *feed_source_name(const struct feed_source *s);

#endif
