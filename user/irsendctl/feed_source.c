#include "feed_source.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const char *input_name(const struct feed_input *in)
{
	return strcmp(in->name, "-") ? in->name : "standard input";
}

int feed_source_open(struct feed_source *s, const char *prog, char **names, int count)
{
	bool have_stdin = false;
	struct stat st;

	memset(s, 0, sizeof(*s));
	s->prog = prog;
	s->inputs = calloc((size_t)count, sizeof(*s->inputs));
	if (!s->inputs) {
		fprintf(stderr, "%s: out of memory\n", prog);
		return -1;
	}
	for (s->count = 0; s->count < count; s->count++) {
		struct feed_input *in = &s->inputs[s->count];

		in->name = names[s->count];
		if (!strcmp(in->name, "-")) {
			if (have_stdin) {
				fprintf(stderr, "%s: standard input ('-') given twice\n", prog);
				goto fail;
			}
			have_stdin = true;
			in->in = stdin;
		} else {
			in->in = fopen(in->name, "rbe");
			if (!in->in) {
				fprintf(stderr, "%s: cannot open %s: %s\n", prog, in->name,
					strerror(errno));
				goto fail;
			}
		}
		if (!fstat(fileno(in->in), &st) && S_ISREG(st.st_mode)) {
			in->regular = true;
			in->size = (uint64_t)st.st_size;
		}
	}
	pnm_reader_init(&s->reader, s->inputs[0].in);
	return 0;
fail:
	feed_source_close(s);
	return -1;
}

void feed_source_close(struct feed_source *s)
{
	for (int i = 0; i < s->count; i++) {
		if (s->inputs[i].in && s->inputs[i].in != stdin)
			fclose(s->inputs[i].in);
	}
	free(s->inputs);
	s->inputs = NULL;
	s->count = 0;
}

int feed_source_next(struct feed_source *s, struct pnm_image *img)
{
	for (;;) {
		int ret = pnm_next_image(&s->reader, img);

		if (ret > 0)
			return 1;
		if (ret < 0) {
			fprintf(stderr, "%s: %s: %s\n", s->prog, feed_source_name(s),
				pnm_error(&s->reader));
			return -1;
		}
		if (!s->reader.images) {
			fprintf(stderr, "%s: %s: empty, no PNM image in it\n", s->prog,
				feed_source_name(s));
			return -1;
		}
		if (s->current + 1 >= s->count)
			return 0;
		s->current++;
		pnm_reader_init(&s->reader, s->inputs[s->current].in);
	}
}

bool feed_source_is_last(const struct feed_source *s, const struct pnm_image *img)
{
	const struct feed_input *in = &s->inputs[s->current];
	off_t pos;

	if (s->current != s->count - 1 || !in->regular)
		return false;
	pos = ftello(in->in);
	return pos >= 0 && (uint64_t)pos + img->data_bytes == in->size;
}

int feed_source_read_rows(struct feed_source *s, void *buf, uint32_t rows)
{
	if (!pnm_read_rows(&s->reader, buf, rows))
		return 0;
	fprintf(stderr, "%s: %s: %s\n", s->prog, feed_source_name(s), pnm_error(&s->reader));
	return -1;
}

const char *feed_source_name(const struct feed_source *s)
{
	return input_name(&s->inputs[s->current]);
}
