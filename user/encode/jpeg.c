// SPDX-License-Identifier: GPL-2.0
/* Grey and colour pages as baseline JPEG in memory (libjpeg), for PDF DCTDecode. */
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jpeglib.h>

#include "encode_priv.h"

struct jerr {
	struct jpeg_error_mgr mgr;
	jmp_buf jump;
	char msg[JMSG_LENGTH_MAX];
};

/* libjpeg's default exits the process; ours returns to jpeg_encode(). */
static void on_error(j_common_ptr cinfo)
{
	struct jerr *je = (struct jerr *)cinfo->err;

	(*cinfo->err->format_message)(cinfo, je->msg);
	longjmp(je->jump, 1);
}

static void on_message(j_common_ptr cinfo)
{
	(void)cinfo;
}

int jpeg_encode(const struct page_image *pg, unsigned int quality, struct page_blob *out, char *err,
		size_t errlen)
{
	struct jpeg_compress_struct cinfo;
	struct jerr je;
	unsigned char *volatile buf = NULL;
	unsigned long len = 0;
	unsigned char *volatile line = NULL;
	size_t row = page_row_bytes(pg->width, pg->bpp);

	memset(&cinfo, 0, sizeof(cinfo));
	cinfo.err = jpeg_std_error(&je.mgr);
	je.mgr.error_exit = on_error;
	je.mgr.output_message = on_message;
	je.msg[0] = 0;
	if (setjmp(je.jump)) {
		jpeg_destroy_compress(&cinfo);
		free((unsigned char *)buf);
		free((unsigned char *)line);
		enc_errf(err, errlen, "JPEG compression failed: %s", je.msg);
		return -1;
	}
	jpeg_create_compress(&cinfo);
	jpeg_mem_dest(&cinfo, (unsigned char **)&buf, &len);
	cinfo.image_width = pg->width;
	cinfo.image_height = pg->height;
	cinfo.input_components = pg->bpp == 8 ? 1 : 3;
	cinfo.in_color_space = pg->bpp == 8 ? JCS_GRAYSCALE : JCS_RGB;
	jpeg_set_defaults(&cinfo);
	jpeg_set_quality(&cinfo, (int)quality, TRUE);
	cinfo.density_unit = 1; /* dots per inch, for whoever extracts the image */
	cinfo.X_density = (UINT16)pg->xres;
	cinfo.Y_density = (UINT16)pg->yres;
	jpeg_start_compress(&cinfo, TRUE);
	line = malloc(row);
	if (!line) {
		strcpy(je.msg, "out of memory");
		longjmp(je.jump, 1);
	}
	while (cinfo.next_scanline < cinfo.image_height) {
		JSAMPROW r = (JSAMPROW)line;

		/* A copy: libjpeg takes writable rows, the page is read-only. */
		memcpy((unsigned char *)line,
		       (const unsigned char *)pg->rows + (size_t)cinfo.next_scanline * pg->stride,
		       row);
		jpeg_write_scanlines(&cinfo, &r, 1);
	}
	jpeg_finish_compress(&cinfo);
	jpeg_destroy_compress(&cinfo);
	free((unsigned char *)line);
	*out = (struct page_blob){
		.data = buf,
		.len = len,
		.codec = CODEC_JPEG,
		.width = pg->width,
		.height = pg->height,
		.components = pg->bpp == 8 ? 1 : 3,
		.bits = 8,
		.xres = pg->xres,
		.yres = pg->yres,
	};
	return 0;
}
