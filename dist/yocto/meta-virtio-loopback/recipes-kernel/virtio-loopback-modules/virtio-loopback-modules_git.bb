SUMMARY = "virtio-loopback transport module and virtio CAN driver"
DESCRIPTION = "virtio_loopback, a virtio transport whose devices live in user \
space (created by virtio-loopback-adapter), and virtio_can, a SocketCAN driver \
for the virtio CAN device, for kernels without one."
LICENSE = "GPL-2.0-only"
LIC_FILES_CHKSUM = "file://kernel/virtio_loopback/vlb_main.c;beginline=1;endline=1;md5=50d2ba0afecd20f74c12a4bdbcfcfe61"

require recipes-support/virtio-loopback/virtio-loopback-source.inc

inherit module

# The Makefile's kmods and modules_install targets: KERNEL_SRC and O come
# from the module class; MODLIB and DEPMOD pass through to Kbuild. A newer
# compiler's warning must not fail the build.
EXTRA_OEMAKE += "KERNEL_SRC=${STAGING_KERNEL_DIR} VLB_NO_WERROR=1"
MAKE_TARGETS = "kmods"
MODULES_INSTALL_TARGET = "modules_install"

KERNEL_MODULE_AUTOLOAD += "virtio_loopback"
RPROVIDES:${PN} += "kernel-module-virtio-loopback kernel-module-virtio-can"
