#include "pnm.h"

#include <errno.h>
#include <stdarg.h>
#include <string.h>

/* Digits of a number kept for messages; longer ones end in "...". */
#define NUMBER_TEXT_MAX 24

static void fail(struct pnm_reader *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void fail(struct pnm_reader *r, const char *fmt, ...)
{
	int n = 0;
	va_list ap;

	if (r->images)
		n = snprintf(r->error, sizeof(r->error), "image %u: ", r->images);
	va_start(ap, fmt);
	vsnprintf(r->error + n, sizeof(r->error) - n, fmt, ap);
	va_end(ap);
}

/* A byte as a message shows it: 'x' or 0x1b. */
static const char *show_byte(int c, char buf[8])
{
	if (c >= 0x21 && c < 0x7f)
		snprintf(buf, 8, "'%c'", c);
	else
		snprintf(buf, 8, "0x%02x", (unsigned int)c & 0xff);
	return buf;
}

static bool is_space(int c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

static bool is_digit(int c)
{
	return c >= '0' && c <= '9';
}

static int next_byte(struct pnm_reader *r)
{
	int c = getc(r->in);

	if (c != EOF)
		r->offset++;
	return c;
}

/* A header byte: like netpbm, a comment from '#' to the end of its line reads as '\n'. */
static int header_byte(struct pnm_reader *r)
{
	int c = next_byte(r);

	if (c != '#')
		return c;
	do
		c = next_byte(r);
	while (c != EOF && c != '\n' && c != '\r');
	return c == EOF ? EOF : '\n';
}

static bool read_failed(struct pnm_reader *r, const char *what)
{
	if (!ferror(r->in))
		return false;
	fail(r, "read error in the %s: %s", what, strerror(errno));
	return true;
}

/*
 * The next number of the header, which ends with one whitespace byte (or
 * a comment); the limits are checked here so that absurd values never
 * reach any size computation.
 */
static bool read_number(struct pnm_reader *r, const char *what, uint64_t min, uint64_t max,
			uint64_t *value)
{
	char text[NUMBER_TEXT_MAX + 4], b[8];
	size_t len = 0;
	uint64_t v = 0;
	bool huge = false;
	int c;

	do
		c = header_byte(r);
	while (is_space(c));
	if (c == EOF) {
		if (!read_failed(r, "header"))
			fail(r, "the header ends early: end of input before the %s", what);
		return false;
	}
	if (!is_digit(c)) {
		fail(r, "%s: expected a number, found %s", what, show_byte(c, b));
		return false;
	}
	for (; is_digit(c); c = header_byte(r)) {
		if (len < NUMBER_TEXT_MAX)
			text[len++] = (char)c;
		else if (len == NUMBER_TEXT_MAX)
			memcpy(text + len++, "...", 3);
		if (__builtin_mul_overflow(v, 10, &v) || __builtin_add_overflow(v, c - '0', &v))
			huge = true;
	}
	text[len > NUMBER_TEXT_MAX ? NUMBER_TEXT_MAX + 3 : len] = '\0';
	if (c == EOF) {
		if (!read_failed(r, "header"))
			fail(r, "the header ends early: end of input after the %s", what);
		return false;
	}
	if (!is_space(c)) {
		fail(r, "%s %s: expected whitespace after the number, found %s", what, text,
		     show_byte(c, b));
		return false;
	}
	if (huge || v > max) {
		fail(r, "%s %s is too large (at most %llu)", what, text, (unsigned long long)max);
		return false;
	}
	if (v < min) {
		fail(r, "%s %s is invalid (at least %llu)", what, text, (unsigned long long)min);
		return false;
	}
	*value = v;
	return true;
}

/* The pixel data stopped short, after rows_done whole rows. */
static void data_ended(struct pnm_reader *r, uint64_t rows_done)
{
	if (ferror(r->in))
		fail(r, "read error in the pixel data: %s", strerror(errno));
	else
		fail(r, "truncated: the data ends after %llu of %u rows",
		     (unsigned long long)rows_done, r->height);
	r->rows_left = 0;
}

/* Skip the rows of the current image the caller did not read. */
static bool skip_rows(struct pnm_reader *r)
{
	uint64_t left = (uint64_t)r->rows_left * r->row_bytes, done = 0;
	char buf[8192];

	while (done < left) {
		size_t n = left - done < sizeof(buf) ? (size_t)(left - done) : sizeof(buf);
		size_t got = fread(buf, 1, n, r->in);

		r->offset += got;
		done += got;
		if (got < n) {
			data_ended(r, r->height - r->rows_left + done / r->row_bytes);
			return false;
		}
	}
	r->rows_left = 0;
	return true;
}

/* Image type from the magic number "P4", "P5" or "P6": its bits per pixel, or 0. */
static unsigned int read_magic(struct pnm_reader *r)
{
	static const char *const plain[] = { "PBM 'P1'", "PGM 'P2'", "PPM 'P3'" };
	int c = next_byte(r);

	switch (c) {
	case '4':
		return 1;
	case '5':
		return 8;
	case '6':
		return 24;
	case '1':
	case '2':
	case '3':
		fail(r, "plain (ASCII) %s is not supported: only binary P4, P5 and P6",
		     plain[c - '1']);
		return 0;
	case EOF:
		if (!read_failed(r, "header"))
			fail(r, "the header ends early: end of input after 'P'");
		return 0;
	default:
		fail(r, "'P%c' is not a supported PNM format: only binary P4, P5 and P6",
		     c >= 0x21 && c < 0x7f ? c : '?');
		return 0;
	}
}

int pnm_next_image(struct pnm_reader *r, struct pnm_image *img)
{
	uint64_t width, height, maxval = 255;
	unsigned int bpp;
	char b[8];
	int c;

	r->error[0] = '\0';
	if (!skip_rows(r))
		return -1;
	/* Whitespace between images is allowed, as netpbm allows it. */
	do
		c = next_byte(r);
	while (is_space(c));
	if (c == EOF)
		return read_failed(r, "input") ? -1 : 0;
	if (c != 'P') {
		if (r->images)
			fail(r,
			     "junk after the image at byte %llu (%s): expected another "
			     "image or the end of the input",
			     (unsigned long long)r->offset - 1, show_byte(c, b));
		else
			fail(r, "not a PNM image (starts with %s; expected P4, P5 or P6)",
			     show_byte(c, b));
		return -1;
	}
	r->images++;
	bpp = read_magic(r);
	if (!bpp)
		return -1;
	c = header_byte(r);
	if (!is_space(c)) {
		fail(r, "expected whitespace after the magic number 'P%c', found %s",
		     bpp == 1	? '4'
		     : bpp == 8 ? '5'
				: '6',
		     c == EOF ? "the end" : show_byte(c, b));
		return -1;
	}
	if (!read_number(r, "width", 1, PNM_MAX_WIDTH, &width) ||
	    !read_number(r, "height", 1, PNM_MAX_HEIGHT, &height))
		return -1;
	if (bpp != 1) {
		if (!read_number(r, "maxval", 1, UINT16_MAX, &maxval))
			return -1;
		if (maxval > 255) {
			fail(r, "maxval %llu (16-bit samples) is not supported: only maxval 255",
			     (unsigned long long)maxval);
			return -1;
		}
		if (maxval != 255) {
			fail(r, "maxval %llu is not supported: only maxval 255",
			     (unsigned long long)maxval);
			return -1;
		}
	}
	img->width = (uint32_t)width;
	img->height = (uint32_t)height;
	img->bpp = bpp;
	if (!pnm_page_size(img->width, img->height, bpp, &img->row_bytes, &img->data_bytes)) {
		fail(r, "size of a %llux%llu image overflows", (unsigned long long)width,
		     (unsigned long long)height);
		return -1;
	}
	r->height = img->height;
	r->rows_left = img->height;
	r->row_bytes = img->row_bytes;
	return 1;
}

int pnm_read_rows(struct pnm_reader *r, void *buf, uint32_t rows)
{
	size_t want, got;

	if (!rows || rows > r->rows_left) {
		fail(r, "asked for %u rows with %u left", rows, r->rows_left);
		return -1;
	}
	want = (size_t)rows * r->row_bytes;
	got = fread(buf, 1, want, r->in);
	r->offset += got;
	if (got == want) {
		r->rows_left -= rows;
		return 0;
	}
	data_ended(r, r->height - r->rows_left + got / r->row_bytes);
	return -1;
}

void pnm_reader_init(struct pnm_reader *r, FILE *in)
{
	memset(r, 0, sizeof(*r));
	r->in = in;
}

const char *pnm_error(const struct pnm_reader *r)
{
	return r->error;
}

bool pnm_page_size(uint32_t width, uint32_t height, unsigned int bpp, size_t *row_bytes,
		   uint64_t *data_bytes)
{
	uint64_t bits, row;

	if (bpp != 1 && bpp != 8 && bpp != 24)
		return false;
	if (__builtin_mul_overflow((uint64_t)width, bpp, &bits) ||
	    __builtin_add_overflow(bits, 7, &bits))
		return false;
	row = bits / 8;
	if (row > SIZE_MAX || __builtin_mul_overflow(row, (uint64_t)height, data_bytes))
		return false;
	*row_bytes = (size_t)row;
	return true;
}

int pnm_format_header(char *buf, size_t size, uint32_t width, uint32_t height, unsigned int bpp)
{
	int n;

	if (!width || !height)
		return -1;
	switch (bpp) {
	case 1:
		n = snprintf(buf, size, "P4\n%u %u\n", width, height);
		break;
	case 8:
	case 24:
		n = snprintf(buf, size, "P%c\n%u %u\n255\n", bpp == 8 ? '5' : '6', width, height);
		break;
	default:
		return -1;
	}
	return n < 0 || (size_t)n >= size ? -1 : n;
}

const char *pnm_extension(unsigned int bpp)
{
	switch (bpp) {
	case 1:
		return "pbm";
	case 8:
		return "pgm";
	case 24:
		return "ppm";
	default:
		return NULL;
	}
}
