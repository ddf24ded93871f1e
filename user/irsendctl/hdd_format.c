#include "hdd_format.h"

#include <errno.h>
#include <libfdisk/libfdisk.h>

static int add_partition(struct fdisk_context *cxt, size_t partno, const char *name,
			 const char *type, uint64_t start, uint64_t sectors)
{
	struct fdisk_label *lb = fdisk_get_label(cxt, NULL);
	struct fdisk_partition *pa = fdisk_new_partition();
	struct fdisk_parttype *pt = fdisk_label_parse_parttype(lb, type);
	int ret = -ENOMEM;

	if (!pa || !pt)
		goto out;
	ret = fdisk_partition_set_partno(pa, partno);
	ret = ret ?: fdisk_partition_set_start(pa, start);
	if (sectors)
		ret = ret ?: fdisk_partition_set_size(pa, sectors);
	else
		ret = ret ?: fdisk_partition_end_follow_default(pa, 1);
	ret = ret ?: fdisk_partition_set_name(pa, name);
	ret = ret ?: fdisk_partition_set_type(pa, pt);
	ret = ret ?: fdisk_add_partition(cxt, pa, NULL);
out:
	fdisk_unref_parttype(pt);
	fdisk_unref_partition(pa);
	return ret;
}

static int layout_of(struct fdisk_context *cxt, size_t partno, uint64_t *start, uint64_t *bytes)
{
	struct fdisk_partition *pa = NULL;
	unsigned long ss = fdisk_get_sector_size(cxt);
	int ret = fdisk_get_partition(cxt, partno, &pa);

	if (ret)
		return ret;
	*start = fdisk_partition_get_start(pa) * ss;
	*bytes = fdisk_partition_get_size(pa) * ss;
	fdisk_unref_partition(pa);
	return 0;
}

int hdd_write_table(const char *disk_path, struct hdd_layout *layout, const char **what)
{
	struct fdisk_context *cxt = fdisk_new_context();
	uint64_t ss, first, nvram_sectors;
	int ret;

	if (!cxt)
		return -ENOMEM;
	*what = "opening the disk";
	ret = fdisk_assign_device(cxt, disk_path, 0);
	if (ret)
		goto out;
	/* Old filesystem and RAID signatures must not survive in the new partitions. */
	fdisk_enable_wipe(cxt, 1);
	*what = "creating the GPT label";
	ret = fdisk_create_disklabel(cxt, "gpt");
	if (ret)
		goto out;
	ss = fdisk_get_sector_size(cxt);
	/* 1 MiB alignment: the first usable 1 MiB boundary. */
	first = (1024 * 1024) / ss;
	nvram_sectors = HDD_NVRAM_PART_BYTES / ss;
	*what = "adding the NVRAM partition";
	ret = add_partition(cxt, 0, HDD_NVRAM_PART_NAME, HDD_NVRAM_PART_TYPE, first, nvram_sectors);
	if (ret)
		goto out;
	*what = "adding the data partition";
	ret = add_partition(cxt, 1, HDD_DATA_PART_NAME, HDD_DATA_PART_TYPE, first + nvram_sectors,
			    0);
	if (ret)
		goto out;
	ret = layout_of(cxt, 0, &layout->nvram_start, &layout->nvram_bytes);
	ret = ret ?: layout_of(cxt, 1, &layout->data_start, &layout->data_bytes);
	if (ret)
		goto out;
	*what = "writing the partition table";
	ret = fdisk_write_disklabel(cxt);
	if (ret)
		goto out;
	*what = "asking the kernel to re-read the partition table";
	ret = fdisk_reread_partition_table(cxt);
	if (ret)
		goto out;
	*what = "closing the disk";
	ret = fdisk_deassign_device(cxt, 0);
out:
	fdisk_unref_context(cxt);
	return ret > 0 ? -EIO : ret;
}
