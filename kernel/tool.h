/* SPDX-License-Identifier: MIT */
/*
 * Instrumentation tools, core side: the -plugin option, the registry of
 * loaded tools, IR insertion at translation time and event dispatch.
 * Public side: plugin-api/tessera/tool.h.
 */
#ifndef KERNEL_TOOL_H
#define KERNEL_TOOL_H

#include <stdbool.h>
#include <stdint.h>

#include <tessera/tool.h>

#include "kernel/cpu.h"

struct TesseraIR;

/* True once any tool is loaded: translation then instruments blocks. */
extern bool tool_active;
/* True when some tool watches traps. */
extern bool tool_trap_active;

/* -plugin SPEC (queued; loaded by tool_load_all). 0 or -1 with a message. */
int tool_add_spec(const char *spec);
/* True if one of the specs was "help". */
bool tool_help_requested(void);
/* Prints the tools found with their options (stdout). */
void tool_print_help(void);
/* Loads and installs every queued tool. 0, or -1 after a message. */
int tool_load_all(void);
/* After the machine is built: vcpu init events. */
void tool_machine_started(void);
/* After the run: vcpu exit and at-exit events; frees the tools. Returns
 * the status a tool forced with tessera_tool_fail(), else 0. */
int tool_finish(void);

/* Called by the translator on the validated block before optimisation. */
void tool_instrument(Cpu *cpu, struct TesseraIR *b, uint64_t phys_pc);
/* Called by the engine on traps (cheap test of tool_trap_active first). */
void tool_trap(Cpu *cpu, TesseraToolTrapKind kind, uint64_t cause,
               uint64_t from, uint64_t to);

#endif
