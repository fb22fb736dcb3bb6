// SPDX-License-Identifier: GPL-2.0
/*
 * Test-only module: a kernel consumer of a level-triggered GPIO interrupt,
 * which user space cannot ask for (the GPIO character device only offers
 * edges). On load it takes line @line of the gpiochip labelled @label as
 * an input and requests its interrupt, level @trigger ("high" or "low"),
 * with a threaded handler that counts and sleeps 20 ms: while the level
 * lasts, @count keeps rising. Unloading disables the interrupt. Never part
 * of the product build.
 */
#include <linux/delay.h>
#include <linux/gpio/consumer.h>
#include <linux/gpio/driver.h>
#include <linux/gpio/machine.h>
#include <linux/interrupt.h>
#include <linux/module.h>
#include <linux/string.h>

static char *label;
module_param(label, charp, 0444);
MODULE_PARM_DESC(label, "label of the gpiochip, e.g. virtio3");
static uint line;
module_param(line, uint, 0444);
MODULE_PARM_DESC(line, "line offset on that chip");
static char *trigger = "high";
module_param(trigger, charp, 0444);
MODULE_PARM_DESC(trigger, "high or low");
static int count;
module_param(count, int, 0444);
MODULE_PARM_DESC(count, "interrupts handled so far");

static struct gpio_desc *desc;
static int irq;

static int match_label(struct gpio_chip *gc, void *data)
{
	return gc->label && !strcmp(gc->label, data);
}

static irqreturn_t level_thread(int irq, void *data)
{
	WRITE_ONCE(count, READ_ONCE(count) + 1);
	msleep(20);
	return IRQ_HANDLED;
}

static int __init gpio_level_irq_init(void)
{
	unsigned long flags = IRQF_ONESHOT;
	struct gpio_chip *gc;
	int ret;

	if (!label)
		return -EINVAL;
	if (!strcmp(trigger, "high"))
		flags |= IRQF_TRIGGER_HIGH;
	else if (!strcmp(trigger, "low"))
		flags |= IRQF_TRIGGER_LOW;
	else
		return -EINVAL;
	gc = gpiochip_find(label, match_label);
	if (!gc)
		return -ENODEV;
	desc = gpiochip_request_own_desc(gc, line, "gpio_level_irq", GPIO_ACTIVE_HIGH,
					 GPIOD_IN);
	if (IS_ERR(desc))
		return PTR_ERR(desc);
	irq = gpiod_to_irq(desc);
	if (irq < 0) {
		ret = irq;
		goto free_desc;
	}
	ret = request_threaded_irq(irq, NULL, level_thread, flags, "gpio_level_irq", NULL);
	if (ret)
		goto free_desc;
	return 0;

free_desc:
	gpiochip_free_own_desc(desc);
	return ret;
}

static void __exit gpio_level_irq_exit(void)
{
	free_irq(irq, NULL);
	gpiochip_free_own_desc(desc);
}

module_init(gpio_level_irq_init);
module_exit(gpio_level_irq_exit);
MODULE_DESCRIPTION("Test consumer of a level-triggered GPIO interrupt");
MODULE_LICENSE("GPL");
