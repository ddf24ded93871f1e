/* Just enough JSON output for --json: objects, arrays, strings, numbers. */
#ifndef IRSEND_JSON_H
#define IRSEND_JSON_H

#include <stdbool.h>
#include <stdio.h>

struct json_writer {
	FILE *out;
	int depth;
	bool need_comma;
};

void json_begin(struct json_writer *w, FILE *out);
void json_object_open(struct json_writer *w, const char *key);
void json_object_close(struct json_writer *w);
void json_array_open(struct json_writer *w, const char *key);
void json_array_close(struct json_writer *w);
/* key is NULL inside arrays. */
void json_string(struct json_writer *w, const char *key, const char *value);
void json_uint(struct json_writer *w, const char *key, unsigned long long value);
/* Ends the document with a newline. */
void json_end(struct json_writer *w);

#endif
