// SPDX-License-Identifier: MIT
/* The backing store: a regular file or a block device. */
#include "blk.h"
#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

int blk_image_probe(struct blk_image *img)
{
	struct stat st;

	if (fstat(img->fd, &st) < 0) {
		log_err("%s: %s", img->path, strerror(errno));
		return -1;
	}
	img->logical_block = BLK_SECTOR;
	img->physical_block = BLK_SECTOR;
	if (S_ISBLK(st.st_mode)) {
		uint64_t size;
		int lbs = 0;
		unsigned int pbs = 0;

		img->is_blockdev = true;
		if (ioctl(img->fd, BLKGETSIZE64, &size) < 0) {
			log_err("%s: cannot read the device size: %s", img->path, strerror(errno));
			return -1;
		}
		img->size = size;
		if (ioctl(img->fd, BLKSSZGET, &lbs) == 0 && lbs >= (int)BLK_SECTOR)
			img->logical_block = (uint32_t)lbs;
		if (ioctl(img->fd, BLKPBSZGET, &pbs) == 0 && pbs >= img->logical_block)
			img->physical_block = pbs;
	} else if (S_ISREG(st.st_mode)) {
		img->is_blockdev = false;
		img->size = (uint64_t)st.st_size;
	} else {
		log_err("%s is neither a regular file nor a block device", img->path);
		return -1;
	}
	return 0;
}

int blk_image_open(struct blk_image *img)
{
	img->fd = open(img->path, (img->read_only ? O_RDONLY : O_RDWR) | O_CLOEXEC);
	if (img->fd < 0) {
		log_err("cannot open %s%s: %s", img->path, img->read_only ? " read-only" : "",
			strerror(errno));
		return -1;
	}
	if (blk_image_probe(img))
		return -1;
	if (img->size < BLK_SECTOR) {
		log_err("%s is smaller than one 512-byte sector", img->path);
		return -1;
	}
	return 0;
}
