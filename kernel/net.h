/* SPDX-License-Identifier: MIT */
/*
 * Network backends (-netdev, -nic) and the NIC side of tessera/net.h.
 * The one backend type is "user": libslirp, polled from the main loop
 * through kernel/fdwatch.h, its timers on the virtual clock.
 */
#ifndef KERNEL_NET_H
#define KERNEL_NET_H

#include <stdbool.h>

/* -netdev SPEC / -nic SPEC: parse and create the backend now (so bad
 * options fail before the machine is built). 0, or -1 after an error. */
int net_add_netdev(const char *spec);
int net_add_nic(const char *spec);

/* "-netdev help", "-nic help" (also "-nic model=help" with default_model,
 * the board's NIC model, or NULL when the board has none). */
void net_print_netdev_help(void);
void net_print_nic_help(const char *default_model);

/* -nic requests the machine turns into devices: the model (NULL: the
 * board's default) and the netdev id to put in the device's property. */
unsigned net_nic_count(void);
const char *net_nic_model(unsigned i);
const char *net_nic_netdev(unsigned i);

/* After the machine is built: warns about netdevs no device uses. */
void net_check_peers(void);
/* Frees every backend (at exit). */
void net_cleanup(void);

#endif
