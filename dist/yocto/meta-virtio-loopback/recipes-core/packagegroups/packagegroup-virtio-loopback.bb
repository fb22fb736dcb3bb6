SUMMARY = "virtio-loopback: the transport, the adapter and every back-end"
LICENSE = "MIT"

inherit packagegroup

RDEPENDS:${PN} = "virtio-loopback virtio-loopback-modules \
    virtio-loopback-blk virtio-loopback-can virtio-loopback-console \
    virtio-loopback-gpio virtio-loopback-input virtio-loopback-rng \
    virtio-loopback-sound"
