#include "json.h"

static void put_escaped(FILE *out, const char *s)
{
	fputc('"', out);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		switch (*p) {
		case '"':
			fputs("\\\"", out);
			break;
		case '\\':
			fputs("\\\\", out);
			break;
		case '\n':
			fputs("\\n", out);
			break;
		case '\t':
			fputs("\\t", out);
			break;
		default:
			if (*p < 0x20)
				fprintf(out, "\\u%04x", *p);
			else
				fputc(*p, out);
		}
	}
	fputc('"', out);
}

/* Comma and key before every value. */
static void begin_value(struct json_writer *w, const char *key)
{
	if (w->need_comma)
		fputc(',', w->out);
	if (key) {
		put_escaped(w->out, key);
		fputc(':', w->out);
	}
	w->need_comma = true;
}

void json_begin(struct json_writer *w, FILE *out)
{
	w->out = out;
	w->depth = 0;
	w->need_comma = false;
}

static void open_container(struct json_writer *w, const char *key, char c)
{
	begin_value(w, key);
	fputc(c, w->out);
	w->depth++;
	w->need_comma = false;
}

static void close_container(struct json_writer *w, char c)
{
	fputc(c, w->out);
	w->depth--;
	w->need_comma = true;
}

void json_object_open(struct json_writer *w, const char *key)
{
	open_container(w, key, '{');
}

void json_object_close(struct json_writer *w)
{
	close_container(w, '}');
}

void json_array_open(struct json_writer *w, const char *key)
{
	open_container(w, key, '[');
}

void json_array_close(struct json_writer *w)
{
	close_container(w, ']');
}

void json_string(struct json_writer *w, const char *key, const char *value)
{
	begin_value(w, key);
	put_escaped(w->out, value);
}

void json_uint(struct json_writer *w, const char *key, unsigned long long value)
{
	begin_value(w, key);
	fprintf(w->out, "%llu", value);
}

void json_end(struct json_writer *w)
{
	fputc('\n', w->out);
	fflush(w->out);
}
