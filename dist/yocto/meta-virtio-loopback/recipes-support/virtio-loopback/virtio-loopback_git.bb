SUMMARY = "virtio-loopback adapter and vhost-user back-ends"
DESCRIPTION = "virtio-loopback-adapter, the vhost-user front-end that creates \
virtio devices through the virtio_loopback module, and the project's back-ends \
(blk, can, console, gpio, input, rng, sound), with systemd units, an example \
configuration and man pages."
LICENSE = "MIT"
LIC_FILES_CHKSUM = "file://adapter/main.c;beginline=1;endline=1;md5=6ec41034e04432ee375d0e14fba596f4"

require virtio-loopback-source.inc

inherit pkgconfig systemd

DEPENDS = "liburing libpng alsa-lib libgpiod"
# The GPU display's SDL windows; without it, headless and screenshots only.
PACKAGECONFIG ??= "sdl"
PACKAGECONFIG[sdl] = ",,libsdl2"

# make install-files with the image's paths (docs/install.md); the
# programs only (installed-programs), no test programs, no package set-up.
EXTRA_OEMAKE = "CC='${CC}' CFLAGS='${CFLAGS}' LDFLAGS='${LDFLAGS}' \
    PREFIX=${prefix} BINDIR=${bindir} LIBEXECDIR=${libexecdir} \
    SYSCONFDIR=${sysconfdir} SYSTEMDUNITDIR=${systemd_system_unitdir} \
    MODULESLOADDIR=${nonarch_libdir}/modules-load.d MANDIR=${mandir} \
    DOCDIR=${docdir}/${BPN}"

do_compile() {
    oe_runmake installed-programs
}

do_install() {
    oe_runmake install-files DESTDIR=${D}
}

# One package per back-end, so an image takes only the devices it serves;
# each depends on its own libraries (shlibs finds those it links). The man
# pages and docs go to ${PN}-doc, as the defaults have it.
PACKAGES =+ "${PN}-blk ${PN}-can ${PN}-console ${PN}-gpio ${PN}-input ${PN}-rng ${PN}-sound"
FILES:${PN}-blk = "${bindir}/vhost-user-blk \
    ${systemd_system_unitdir}/vhost-user-blk@.service ${systemd_system_unitdir}/vhost-user-blk@.socket \
    ${sysconfdir}/virtio-loopback/blk-data.env"
FILES:${PN}-can = "${bindir}/vhost-user-can"
FILES:${PN}-console = "${bindir}/vhost-user-console"
FILES:${PN}-gpio = "${bindir}/vhost-user-gpio"
FILES:${PN}-input = "${bindir}/vhost-user-input"
FILES:${PN}-rng = "${bindir}/vhost-user-rng \
    ${systemd_system_unitdir}/vhost-user-rng.service ${systemd_system_unitdir}/vhost-user-rng.socket"
FILES:${PN}-sound = "${bindir}/vhost-user-sound"
FILES:${PN} = "${bindir}/virtio-loopback-adapter \
    ${systemd_system_unitdir}/virtio-loopback-adapter.service \
    ${nonarch_libdir}/modules-load.d/virtio-loopback.conf \
    ${sysconfdir}/virtio-loopback/adapter.conf"
CONFFILES:${PN} = "${sysconfdir}/virtio-loopback/adapter.conf"
CONFFILES:${PN}-blk = "${sysconfdir}/virtio-loopback/blk-data.env"

RDEPENDS:${PN}-blk = "liburing"
RDEPENDS:${PN}-sound = "alsa-lib"
RDEPENDS:${PN}-gpio = "libgpiod"
RDEPENDS:${PN} = "libpng kernel-module-virtio-loopback"
# Loaded at run time, by the first SDL display.
RRECOMMENDS:${PN} = "${@bb.utils.contains('PACKAGECONFIG', 'sdl', 'libsdl2', '', d)}"
RRECOMMENDS:${PN}-can = "kernel-module-virtio-can"

SYSTEMD_PACKAGES = "${PN} ${PN}-blk ${PN}-rng"
SYSTEMD_SERVICE:${PN} = "virtio-loopback-adapter.service"
SYSTEMD_SERVICE:${PN}-blk = "vhost-user-blk@.socket"
SYSTEMD_SERVICE:${PN}-rng = "vhost-user-rng.socket"
# The example configuration names a disk image that does not exist yet.
SYSTEMD_AUTO_ENABLE = "disable"
