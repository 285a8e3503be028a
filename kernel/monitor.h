/* SPDX-License-Identifier: MIT */
/*
 * The human monitor (HMP, monitor.c), QMP (qmp.c) and the object tree both
 * show (qom.c).
 *
 * Object paths: /machine is the board; its children are the board file's
 * devices by name (/machine/uart0) and the CPUs (/machine/cpu0). QEMU's
 * /machine/peripheral/NAME and /machine/unattached/NAME are accepted as
 * the same objects. A property may be named with the path, after a dot:
 * "/machine/uart0.base" is property base of /machine/uart0.
 */
#ifndef KERNEL_MONITOR_H
#define KERNEL_MONITOR_H

#include <glib.h>
#include <stdbool.h>

#include "kernel/chardev.h"

/* ---- HMP ------------------------------------------------------------- */

/* Attaches an HMP monitor to chr. False when chr is in use (not a mux). */
bool monitor_attach(TesseraChardev *chr);
/*
 * Runs one HMP command line, appending its output (lines ending in "\n")
 * to out. cpu_index < 0: the monitor's current CPU (0).
 */
void hmp_execute(const char *line, GString *out, int cpu_index);
/* Refuse the commands that write host files (fuzzing). */
void monitor_set_sandbox(bool on);
bool monitor_sandboxed(void);

/*
 * The gdb stub registers itself here; until then "gdbserver" says it is not
 * available. device is the command's argument ("tcp::1234", "none", or
 * NULL for the default). Returns 0, or -1 with a message in err.
 */
typedef int (*MonitorGdbserverFn)(const char *device, char *err,
                                  size_t errlen);
void monitor_set_gdbserver_hook(MonitorGdbserverFn fn);

/* ---- QMP ------------------------------------------------------------- */

/* Attaches a QMP server to chr. False when chr is in use. */
bool qmp_attach(TesseraChardev *chr);

/* One QMP session fed by bytes, writing replies through write(). */
typedef struct QmpSession QmpSession;
QmpSession *qmp_session_new(void (*write)(void *opaque, const char *buf,
                                          size_t len),
                            void *opaque);
void qmp_session_free(QmpSession *s);
/* Sends the greeting and forgets the capability negotiation. */
void qmp_session_start(QmpSession *s);
void qmp_session_input(QmpSession *s, const uint8_t *buf, size_t len);

/* Events to every session that has negotiated capabilities. */
void qmp_event_simple(const char *name); /* STOP, RESUME */
void qmp_event_reset(bool guest, const char *reason);
void qmp_event_shutdown(bool guest, const char *reason);
/* Frees the monitors and sessions (at exit). */
void monitor_cleanup(void);
void qmp_cleanup_sessions(void);

/* ---- Object tree (qom.c) ----------------------------------------------- */

typedef enum QomType { QOM_STRING, QOM_INT, QOM_BOOL, QOM_CHILD } QomType;

typedef struct QomProp {
    char *name;
    char *type; /* "string", "uint64", "bool", "child<ns16550a>" */
} QomProp;

/*
 * Lists the properties and children of path (sorted by name). Returns
 * NULL with err set ("Device '/x' not found").
 */
GPtrArray *qom_list(const char *path, char *err, size_t errlen);
void qom_prop_free(gpointer p);
/*
 * Gets a property as JSON text (42, true, "serial0"); NULL with err. A
 * NULL prop takes it from "path.prop". *not_found tells DeviceNotFound.
 */
char *qom_get(const char *path, const char *prop, bool *not_found, char *err,
              size_t errlen);
/* Sets a property from JSON text; false with err. */
bool qom_set(const char *path, const char *prop, const char *json,
             bool *not_found, char *err, size_t errlen);
/* The whole tree, children sorted, as info qom-tree prints it. */
void qom_tree(GString *out);

#endif
