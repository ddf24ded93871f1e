// SPDX-License-Identifier: GPL-2.0
/*
 * Encoder throughput on A4 600 dpi 1-bit pages (4960 x 7016, the simulated
 * ADF's kind of content: text-like glyph lines, a ruled line and a
 * dithered photo block): our MMR TIFF and our PDF (G4) paths, on one core
 * and with a worker pool on every core, next to libtiff's own tool,
 * "tiffcp -c g4", converting the same pages from an uncompressed TIFF, in
 * the same run. Every path ends with its output synced to disk (ours
 * syncs by design; tiffcp's output is synced after it exits), so the
 * comparison is like for like.
 *
 * Each path runs ROUNDS times and its best time counts, so that a busy
 * machine (other jobs on the two cores) disturbs the ratios less.
 *
 * Usage: encode_bench [PAGES [DIR]]   (default 40 pages, in a directory under /tmp)
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <tiffio.h>

#include "encoder.h"
#include "testpage.h"

#define DISTINCT 8 /* different pages, cycled: realistic caches, short setup */
#define ROUNDS 3

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void die(const char *what, const char *why)
{
	fprintf(stderr, "encode_bench: %s: %s\n", what, why);
	exit(1);
}

static long file_size(const char *path)
{
	struct stat st;

	return stat(path, &st) ? -1 : (long)st.st_size;
}

/* The pages as one uncompressed multi-page TIFF: tiffcp's input. */
static void write_input(const char *path, struct testpage *pages, int n, int count)
{
	TIFF *tif = TIFFOpen(path, "w8");

	if (!tif)
		die(path, "cannot create");
	for (int i = 0; i < count; i++) {
		const struct page_image *pg = &pages[i % n].img;

		TIFFSetField(tif, TIFFTAG_SUBFILETYPE, FILETYPE_PAGE);
		TIFFSetField(tif, TIFFTAG_IMAGEWIDTH, pg->width);
		TIFFSetField(tif, TIFFTAG_IMAGELENGTH, pg->height);
		TIFFSetField(tif, TIFFTAG_BITSPERSAMPLE, 1);
		TIFFSetField(tif, TIFFTAG_SAMPLESPERPIXEL, 1);
		TIFFSetField(tif, TIFFTAG_PHOTOMETRIC, PHOTOMETRIC_MINISWHITE);
		TIFFSetField(tif, TIFFTAG_COMPRESSION, COMPRESSION_NONE);
		TIFFSetField(tif, TIFFTAG_PLANARCONFIG, PLANARCONFIG_CONTIG);
		TIFFSetField(tif, TIFFTAG_ROWSPERSTRIP, pg->height);
		TIFFSetField(tif, TIFFTAG_XRESOLUTION, (float)pg->xres);
		TIFFSetField(tif, TIFFTAG_YRESOLUTION, (float)pg->yres);
		TIFFSetField(tif, TIFFTAG_RESOLUTIONUNIT, RESUNIT_INCH);
		if (TIFFWriteEncodedStrip(tif, 0, (void *)pg->rows,
					  (tmsize_t)(pg->stride * pg->height)) < 0 ||
		    !TIFFWriteDirectory(tif))
			die(path, "write failed");
	}
	TIFFClose(tif);
}

/* Seconds to encode count pages (cycling through pages) with our encoder. */
static double run_ours(enum encode_format fmt, unsigned int threads, const char *dir,
		       struct testpage *pages, int n, int count, long *bytes)
{
	struct encode_options opt = { .threads = threads };
	struct encode_result res;
	char err[256];
	struct encoder *e;
	double t0;

	/* No write-back of the previous path's output inside this one's time. */
	sync();
	t0 = now();

	e = encoder_open(fmt, dir, "bench", &opt, err, sizeof(err));
	if (!e)
		die("encoder_open", err);
	for (int i = 0; i < count; i++)
		if (encoder_add_page(e, &pages[i % n].img, err, sizeof(err)))
			die("encoder_add_page", err);
	if (encoder_finish(e, &res, err, sizeof(err)))
		die("encoder_finish", err);
	t0 = now() - t0;
	*bytes = (long)res.bytes;
	encode_result_free(&res);
	return t0;
}

/* Seconds for "tiffcp -c g4 in out" and a sync of its output. */
static double run_tiffcp(const char *in, const char *out, long *bytes)
{
	double t0;
	int status, fd;
	pid_t pid;

	sync();
	t0 = now();
	pid = fork();

	if (pid == 0) {
		execlp("tiffcp", "tiffcp", "-c", "g4", in, out, (char *)NULL);
		_exit(127);
	}
	if (pid < 0 || waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status))
		die("tiffcp -c g4", "failed (is libtiff-tools installed?)");
	fd = open(out, O_RDONLY);
	if (fd < 0 || fsync(fd))
		die(out, strerror(errno));
	close(fd);
	t0 = now() - t0;
	*bytes = file_size(out);
	return t0;
}

int main(int argc, char **argv)
{
	int count = argc > 1 ? atoi(argv[1]) : 40;
	char tmpl[] = "/tmp/encode_bench.XXXXXX";
	const char *dir = argc > 2 ? argv[2] : mkdtemp(tmpl);
	struct testpage pages[DISTINCT];
	char in[4096], out[4096], path[4200];
	double t_cp, t;
	long bytes, cp_bytes;
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	static const struct {
		const char *label;
		enum encode_format fmt;
		int all_cores;
	} paths[] = {
		{ "irsend tiff-mmr, 1 thread", ENCODE_TIFF_MMR, 0 },
		{ "irsend pdf (G4), 1 thread", ENCODE_PDF, 0 },
		{ "irsend tiff-mmr, all cores", ENCODE_TIFF_MMR, 1 },
		{ "irsend pdf (G4), all cores", ENCODE_PDF, 1 },
	};

	if (count < 1 || !dir)
		die("usage", "encode_bench [PAGES [DIR]]");
	if (ncpu < 1)
		ncpu = 1;
	printf("encode_bench: %d A4 pages at 600 dpi, 1 bit, %ld CPUs, best of %d, in %s\n", count,
	       ncpu, ROUNDS, dir);
	for (int photo = 0; photo <= 1; photo++) {
		for (int i = 0; i < DISTINCT; i++)
			if (testpage_make(&pages[i], 2100, 2970, 600, 600, 1, (uint32_t)i + 1,
					  photo))
				die("test page", "out of memory");
		snprintf(in, sizeof(in), "%s/input.tif", dir);
		snprintf(out, sizeof(out), "%s/tiffcp-g4.tif", dir);
		write_input(in, pages, DISTINCT, count);
		printf("%s pages (%ux%u); tiffcp reads an uncompressed TIFF of %.1f MB\n",
		       photo ? "text + photo" : "text", pages[0].img.width, pages[0].img.height,
		       file_size(in) / 1e6);
		t_cp = 1e9;
		for (int r = 0; r < ROUNDS; r++) {
			t = run_tiffcp(in, out, &cp_bytes);
			t_cp = t < t_cp ? t : t_cp;
		}
		printf("  %-30s %7.2f pages/s  %8.1f KB/page\n", "tiffcp -c g4 (reference)",
		       count / t_cp, cp_bytes / 1e3 / count);
		for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
			unsigned int threads = paths[i].all_cores ? (unsigned int)ncpu : 1;

			t = 1e9;
			for (int r = 0; r < ROUNDS; r++) {
				double tr = run_ours(paths[i].fmt, threads, dir, pages, DISTINCT,
						     count, &bytes);

				t = tr < t ? tr : t;
			}
			printf("  %-30s %7.2f pages/s  %8.1f KB/page  ratio %.2f vs tiffcp\n",
			       paths[i].label, count / t, bytes / 1e3 / count, t_cp / t);
		}
		for (int i = 0; i < DISTINCT; i++)
			testpage_free(&pages[i]);
	}
	snprintf(path, sizeof(path), "%s/bench.tif", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/bench.pdf", dir);
	unlink(path);
	unlink(in);
	unlink(out);
	if (argc <= 2)
		rmdir(dir);
	return 0;
}
