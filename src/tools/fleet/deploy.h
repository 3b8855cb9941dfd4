/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * nettrail deploy_full_mesh_icmp_tracer (manual 3.12.1): a full mesh of
 * system_network_icmp_rtt tracers over many hosts, run through the Ansible
 * playbook deploy/full_mesh_icmp_tracer.yml. The tool checks its command line,
 * runs ansible-playbook with the run's settings and prints what each node did
 * from the result file the playbook writes per node (<node>.json). Below: its
 * parts that only look at text.
 */
#ifndef NT_DEPLOY_H
#define NT_DEPLOY_H

#include <stdbool.h>
#include <stddef.h>

/* The playbook, in NETTRAIL_DEPLOY_DIR or a deploy/ directory. */
#define DEPLOY_PLAYBOOK "full_mesh_icmp_tracer.yml"

/* Is @s a host name or an IPv4/IPv6 address, usable as an inventory entry? */
bool deploy_node_name_ok(const char *s);

/* --nodes given as a comma list: how many nodes (each a name or address, none
 * twice, at least 2), or -1 with why not in @why. */
int deploy_list_count(const char *list, char *why, size_t len);

/* The "msg" of the last "fatal: [NODE]: ... => {json}" line of Ansible's output
 * @log about @node, in @buf: how a node that left no result failed. */
bool deploy_fatal_msg(const char *log, const char *node, char *buf, size_t len);

/* Why ansible-inventory could not read @path, from its stderr @log, in one line
 * in @buf: the parser's complaint (of the ini or yaml parser, as the file's name
 * suggests), else its ERROR line. */
void deploy_inventory_error(const char *log, const char *path, char *buf, size_t len);

#endif
