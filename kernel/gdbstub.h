/* SPDX-License-Identifier: MIT */
/*
 * The GDB remote stub: a listening socket (-gdb tcp:HOST:PORT,
 * -gdb unix:PATH, -s), one debugger at a time, harts as threads.
 * Protocol decoding is in gdbproto.c, breakpoints and run control in
 * debug.c; this file holds the socket, the commands and the replies.
 */
#ifndef KERNEL_GDBSTUB_H
#define KERNEL_GDBSTUB_H

#include <stdbool.h>
#include <stddef.h>

#include <glib.h>

/* Checks -gdb SPEC and records it; 0, or -1 after a message. */
int gdbstub_configure(const char *spec);
/* Listens (after the machine is built); stopped: hold the machine until
 * a debugger resumes it (-S). 0, or -1 after a message. */
int gdbstub_start(bool stopped);
/* A stub is listening. */
bool gdbstub_enabled(void);
/* Accepts a debugger, reads what it sent and answers; waits up to
 * timeout_ms for something to happen (0: do not wait). */
void gdbstub_poll(int timeout_ms);
/* The machine is stopped for the debugger: serve it until it resumes
 * the machine (or asks to exit). Called by the scheduler. */
void gdbstub_serve_stopped(void);
/* The machine ended with status: tells the debugger (W packet). */
void gdbstub_exit(int status);
/* Closes the sockets (at exit). */
void gdbstub_cleanup(void);

/*
 * A monitor command (gdb's "monitor CMD", qRcmd): appends its output to
 * out; returns false for an unknown command. The HMP monitor may take
 * this over; the stub only forwards the text.
 */
bool gdbstub_monitor_command(const char *cmd, GString *out);

/* Lets the HMP monitor's gdbserver command start and stop the stub. */
void gdbstub_register_monitor(void);

#endif
