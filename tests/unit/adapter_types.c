// SPDX-License-Identifier: MIT
/*
 * Unit test: the per-type code (adapter/types/) through its ops table, and
 * the --config-space bytes applied on top: fs's config comes from --tag and
 * the queue count, and fs refuses what its driver would fail to probe.
 */
#include <endian.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "log.h"
#include "../../adapter/device.h"
#include "../../adapter/types/types.h"

static struct adapter_options o;

static int parse(int argc, const char **argv)
{
	optind = 0;
	return options_parse(argc, (char **)argv, &o);
}

static uint32_t le32_at(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return le32toh(v);
}

/* A device as device_open() leaves it after the handshake. */
static void fake_device(struct vdevice *d, const struct device_spec *spec, uint32_t nq)
{
	memset(d, 0, sizeof(*d));
	d->spec = spec;
	d->nq = nq;
	d->config_size = device_spec_config_size(spec);
}

int main(void)
{
	const char *tag_args[] = { "a", "--device", "fs", "--socket", "/s", "--tag", "docs" };
	const char *long_args[] = { "a", "--device", "fs", "--socket", "/s", "--tag",
				    "abcdefghijklmnopqrstuvwxyz0123456789",
				    "--config-space", "0x24:0700" };
	const char *bare_args[] = { "a", "--device", "fs", "--socket", "/s" };
	const struct device_type_ops *ops;
	struct vdevice d;
	uint8_t cfg[VU_MAX_CONFIG_SIZE];

	log_init("adapter_types", false, 0);
	CHECK(parse(7, tag_args) == 0, "parse --tag");
	ops = o.dev[0].type->ops;
	CHECK(ops && ops->config_fixup && ops->open, "fs has its hooks");

	/* --tag and three queues: tag NUL-padded, two request queues. */
	fake_device(&d, &o.dev[0], 3);
	memset(cfg, 0xee, sizeof(cfg));
	ops->config_fixup(&d, cfg, d.config_size);
	CHECK(!memcmp(cfg, "docs", 5) && cfg[35] == 0, "tag NUL-padded");
	CHECK(le32_at(cfg + 36) == 2, "num_request_queues %u", le32_at(cfg + 36));
	CHECK(cfg[40] == 0xee, "nothing written past the fs config");
	memcpy(d.config, cfg, sizeof(cfg));
	CHECK(ops->open(&d) == 0, "a good fs device opens");

	/* A 36-byte tag has no NUL; --config-space applies after the fix-up. */
	CHECK(parse(9, long_args) == 0, "parse a 36-byte tag");
	fake_device(&d, &o.dev[0], 2);
	memset(cfg, 0, sizeof(cfg));
	ops->config_fixup(&d, cfg, d.config_size);
	config_override_apply(&o.dev[0].config_override, cfg, d.config_size);
	CHECK(!memcmp(cfg, "abcdefghijklmnopqrstuvwxyz0123456789", 36), "36-byte tag");
	CHECK(le32_at(cfg + 36) == 7, "--config-space wins over the fix-up");

	/* No --tag: a back-end's own tag stays; none at all is refused. */
	CHECK(parse(5, bare_args) == 0, "parse without --tag");
	fake_device(&d, &o.dev[0], 2);
	memcpy(d.config, "backend", 8);
	ops->config_fixup(&d, d.config, d.config_size);
	CHECK(!strcmp((const char *)d.config, "backend") && le32_at(d.config + 36) == 1,
	      "the back-end's tag is kept");
	CHECK(ops->open(&d) == 0, "a tag from the back-end is enough");
	memset(d.config, 0, sizeof(d.config));
	ops->config_fixup(&d, d.config, d.config_size);
	CHECK(ops->open(&d) < 0, "no tag at all is refused");

	/* One queue leaves no request queue. */
	fake_device(&d, &o.dev[0], 1);
	memcpy(d.config, "t", 2);
	CHECK(ops->open(&d) < 0, "one queue is refused");

	/* blk: seg_max bounded so that a whole request fits in half the pool. */
	options_free(&o);
	{
		const char *blk_args[] = { "a", "--device", "blk", "--socket", "/s",
					   "--shm-size", "256K" };
		uint32_t big = htole32(254), small = htole32(1);

		CHECK(parse(7, blk_args) == 0, "parse a blk device");
		ops = device_type_lookup("blk")->ops;
		CHECK(ops && ops->config_fixup && ops->open && !ops->owns_config,
		      "blk has a fix-up and an open hook");
		fake_device(&d, &o.dev[0], 1);
		memset(d.config, 0, sizeof(d.config));
		memcpy(d.config + 12, &big, 4);
		ops->config_fixup(&d, d.config, d.config_size);
		/* 256 KiB: mappings of up to 4 KiB, 32 fill half the pool. */
		CHECK(le32_at(d.config + 12) == 32, "seg_max %u in a 256 KiB pool",
		      le32_at(d.config + 12));
		memcpy(d.config + 12, &small, 4);
		ops->config_fixup(&d, d.config, d.config_size);
		CHECK(le32_at(d.config + 12) == 1, "a smaller seg_max stays");
		/* 32 MiB: 64 KiB; 1 GiB: the 1 MiB cap; 768 KiB: 1536 B, raised to 4 KiB. */
		CHECK(blk_seg_max_for_pool(32 << 20) == 256 && blk_seg_max_for_pool(1ULL << 30) == 512 &&
		      blk_seg_max_for_pool(768 << 10) == 96,
		      "seg_max limits %u %u %u", blk_seg_max_for_pool(32 << 20),
		      blk_seg_max_for_pool(1ULL << 30), blk_seg_max_for_pool(768 << 10));
	}

	/* blk --indirect off: no indirect tables, and seg_max leaves room in
	 * the ring for the header and the status. */
	options_free(&o);
	{
		const char *off_args[] = { "a", "--device", "blk", "--socket", "/s", "--shm-size",
					   "1G", "--queue-size", "128", "--indirect", "off" };
		const char *on_args[] = { "a", "--device", "blk", "--socket", "/s", "--shm-size",
					  "1G", "--queue-size", "32", "--indirect", "on" };
		const char *tiny_args[] = { "a", "--device", "blk", "--socket", "/s",
					    "--queue-size", "2", "--indirect", "off" };
		const char *bad_args[] = { "a", "--device", "blk", "--socket", "/s",
					   "--indirect", "maybe" };
		const char *fs_args[] = { "a", "--device", "fs", "--socket", "/s", "--tag", "t",
					  "--indirect", "off" };
		const uint64_t indirect = 1ull << 28, event_idx = 1ull << 29;
		uint32_t huge = htole32(4096);

		CHECK(parse(11, off_args) == 0 && blk_no_indirect(&o.dev[0]),
		      "parse --indirect off");
		ops = device_type_lookup("blk")->ops;
		fake_device(&d, &o.dev[0], 1);
		d.offered = indirect | event_idx | 1;
		CHECK(ops->open(&d) == 0 && d.offered == (event_idx | 1),
		      "--indirect off: indirect withheld, the rest offered (0x%llx)",
		      (unsigned long long)d.offered);
		memcpy(d.config + 12, &huge, 4);
		ops->config_fixup(&d, d.config, d.config_size);
		CHECK(le32_at(d.config + 12) == 126, "seg_max %u with 128 entries",
		      le32_at(d.config + 12));
		options_free(&o);

		CHECK(parse(11, on_args) == 0 && !blk_no_indirect(&o.dev[0]),
		      "parse --indirect on");
		fake_device(&d, &o.dev[0], 1);
		d.offered = indirect | 1;
		CHECK(ops->open(&d) == 0 && d.offered == (indirect | 1), "--indirect on: kept");
		memcpy(d.config + 12, &huge, 4);
		ops->config_fixup(&d, d.config, d.config_size);
		/* 1 GiB: 1 MiB mappings, 512 of them; the ring does not limit. */
		CHECK(le32_at(d.config + 12) == 512, "seg_max %u with indirect tables",
		      le32_at(d.config + 12));
		/* A back-end without indirect tables gets the same cap. */
		fake_device(&d, &o.dev[0], 1);
		d.offered = 1;
		memcpy(d.config + 12, &huge, 4);
		ops->config_fixup(&d, d.config, d.config_size);
		CHECK(le32_at(d.config + 12) == 30, "seg_max %u on 32 entries, no indirect offered",
		      le32_at(d.config + 12));
		options_free(&o);

		CHECK(parse(9, tiny_args) == 0, "parse --indirect off on 2-entry queues");
		fake_device(&d, &o.dev[0], 1);
		CHECK(ops->open(&d) == -EINVAL, "a ring too small for one request is refused");
		options_free(&o);
		CHECK(parse(7, bad_args) < 0, "--indirect maybe is refused");
		options_free(&o);
		CHECK(parse(9, fs_args) < 0, "--indirect is not an fs option");
	}

	/* Types without code have no ops. */
	CHECK(!device_type_lookup("rng")->ops && !device_type_lookup("0x2a")->ops,
	      "rng and unknown types have no ops");
	options_free(&o);
	OK("%s", "all checks passed");
	return 0;
}
