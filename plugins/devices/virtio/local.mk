# SPDX-License-Identifier: MIT
# Virtio devices: one module per device, each linking the shared transport
# and virtqueue code (libvirtio.la, a convenience library: compiled into
# each .so with hidden visibility, so plugins share code, not state).
noinst_LTLIBRARIES += plugins/devices/virtio/libvirtio.la
plugins_devices_virtio_libvirtio_la_SOURCES = \
	plugins/devices/virtio/virtio.c plugins/devices/virtio/virtio.h
plugins_devices_virtio_libvirtio_la_CFLAGS = $(PLUGIN_CC_FLAGS) $(FDT_CFLAGS)

VIRTIO_DEV_LIBADD = plugins/devices/virtio/libvirtio.la $(FDT_LIBS)

devices_LTLIBRARIES += plugins/devices/virtio/virtio-rng-device.la
plugins_devices_virtio_virtio_rng_device_la_SOURCES = \
	plugins/devices/virtio/virtio-rng.c
plugins_devices_virtio_virtio_rng_device_la_CFLAGS = $(PLUGIN_CC_FLAGS)
plugins_devices_virtio_virtio_rng_device_la_LDFLAGS = $(PLUGIN_LD_FLAGS)
plugins_devices_virtio_virtio_rng_device_la_LIBADD = $(VIRTIO_DEV_LIBADD)

devices_LTLIBRARIES += plugins/devices/virtio/virtio-net-device.la
plugins_devices_virtio_virtio_net_device_la_SOURCES = \
	plugins/devices/virtio/virtio-net.c
plugins_devices_virtio_virtio_net_device_la_CFLAGS = $(PLUGIN_CC_FLAGS)
plugins_devices_virtio_virtio_net_device_la_LDFLAGS = $(PLUGIN_LD_FLAGS)
plugins_devices_virtio_virtio_net_device_la_LIBADD = $(VIRTIO_DEV_LIBADD)

devices_LTLIBRARIES += plugins/devices/virtio/virtio-blk-device.la
plugins_devices_virtio_virtio_blk_device_la_SOURCES = \
	plugins/devices/virtio/virtio-blk.c
plugins_devices_virtio_virtio_blk_device_la_CFLAGS = $(PLUGIN_CC_FLAGS) -pthread
plugins_devices_virtio_virtio_blk_device_la_LDFLAGS = $(PLUGIN_LD_FLAGS) -pthread
plugins_devices_virtio_virtio_blk_device_la_LIBADD = $(VIRTIO_DEV_LIBADD)

# virtio-serial-device and its port type virtconsole (one model).
devices_LTLIBRARIES += plugins/devices/virtio/virtio-serial-device.la
plugins_devices_virtio_virtio_serial_device_la_SOURCES = \
	plugins/devices/virtio/virtio-serial.c
plugins_devices_virtio_virtio_serial_device_la_CFLAGS = $(PLUGIN_CC_FLAGS)
plugins_devices_virtio_virtio_serial_device_la_LDFLAGS = $(PLUGIN_LD_FLAGS)
plugins_devices_virtio_virtio_serial_device_la_LIBADD = $(VIRTIO_DEV_LIBADD)

# The virtio input devices: one model per file, each with the shared
# virtio-input code.
devices_LTLIBRARIES += plugins/devices/virtio/virtio-keyboard-device.la
plugins_devices_virtio_virtio_keyboard_device_la_SOURCES = \
	plugins/devices/virtio/virtio-keyboard.c \
	plugins/devices/virtio/virtio-input.c plugins/devices/virtio/virtio-input.h
plugins_devices_virtio_virtio_keyboard_device_la_CFLAGS = $(PLUGIN_CC_FLAGS)
plugins_devices_virtio_virtio_keyboard_device_la_LDFLAGS = $(PLUGIN_LD_FLAGS)
plugins_devices_virtio_virtio_keyboard_device_la_LIBADD = $(VIRTIO_DEV_LIBADD)

devices_LTLIBRARIES += plugins/devices/virtio/virtio-mouse-device.la
plugins_devices_virtio_virtio_mouse_device_la_SOURCES = \
	plugins/devices/virtio/virtio-mouse.c \
	plugins/devices/virtio/virtio-input.c plugins/devices/virtio/virtio-input.h
plugins_devices_virtio_virtio_mouse_device_la_CFLAGS = $(PLUGIN_CC_FLAGS)
plugins_devices_virtio_virtio_mouse_device_la_LDFLAGS = $(PLUGIN_LD_FLAGS)
plugins_devices_virtio_virtio_mouse_device_la_LIBADD = $(VIRTIO_DEV_LIBADD)

devices_LTLIBRARIES += plugins/devices/virtio/virtio-tablet-device.la
plugins_devices_virtio_virtio_tablet_device_la_SOURCES = \
	plugins/devices/virtio/virtio-tablet.c \
	plugins/devices/virtio/virtio-input.c plugins/devices/virtio/virtio-input.h
plugins_devices_virtio_virtio_tablet_device_la_CFLAGS = $(PLUGIN_CC_FLAGS)
plugins_devices_virtio_virtio_tablet_device_la_LDFLAGS = $(PLUGIN_LD_FLAGS)
plugins_devices_virtio_virtio_tablet_device_la_LIBADD = $(VIRTIO_DEV_LIBADD)
