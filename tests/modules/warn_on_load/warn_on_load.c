// SPDX-License-Identifier: GPL-2.0
/*
 * Test-only module: it triggers a kernel warning when loaded, so the test
 * suite can prove that the VM harness fails a run whose guest kernel log
 * shows one. Never part of the product build.
 */
#include <linux/module.h>
#include <linux/bug.h>

static int __init warn_on_load_init(void)
{
	WARN(1, "warn_on_load: deliberate warning for the harness self-test\n");
	return 0;
}

static void __exit warn_on_load_exit(void)
{
}

module_init(warn_on_load_init);
module_exit(warn_on_load_exit);
MODULE_DESCRIPTION("Harness self-test: warns on load");
MODULE_LICENSE("GPL");
