// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * nettrail deploy_full_mesh_icmp_tracer: a full mesh of system_network_icmp_rtt
 * tracers over many hosts (manual 3.12.1): for every ordered pair of nodes, a
 * --direction tx tracer on the sender and a --direction rx one on the receiver.
 * The work is the Ansible playbook deploy/full_mesh_icmp_tracer.yml (copy
 * nettrail, discover, start, stop, fetch, status: see its roles); this tool
 * checks the command line, runs ansible-playbook with the run's settings as
 * extra vars, bounded in time, and prints what each node did from the result
 * file the playbook writes per node. See deploy.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <libgen.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "nt.h"
#include "addr.h"
#include "cli.h"
#include "jsonin.h"
#include "output.h"
#include "tool.h"
#include "deploy.h"

/* ---- text (pure) ------------------------------------------------------------ */

bool deploy_node_name_ok(const char *s)
{
	union nt_addr a;
	__u8 family;
	size_t n = strlen(s);

	if (nt_addr_parse(s, &a, &family))
		return true;
	if (!n || n > 253 || s[0] == '-' || s[0] == '.')
		return false;
	for (const char *p = s; *p; p++)
		if (!(*p >= 'a' && *p <= 'z') && !(*p >= 'A' && *p <= 'Z') && !(*p >= '0' && *p <= '9') &&
		    *p != '-' && *p != '.' && *p != '_')
			return false;
	return true;
}

int deploy_list_count(const char *list, char *why, size_t len)
{
	char *copy = strdup(list), *save = NULL, *item;
	const char **seen;
	int n = 0, max = (int)strlen(list) / 2 + 2, rc = -1;

	seen = calloc(max, sizeof(*seen));
	if (!copy || !seen) {
		snprintf(why, len, "out of memory");
		goto out;
	}
	for (const char *p = list; *p; p++) {
		if (*p == ',' && (p == list || p[1] == ',' || !p[1])) {
			snprintf(why, len, "an empty item in the list");
			goto out;
		}
	}
	for (item = strtok_r(copy, ",", &save); item; item = strtok_r(NULL, ",", &save)) {
		char shown[NT_SHOW_LEN];

		if (!deploy_node_name_ok(item)) {
			snprintf(why, len, "'%s' is no address or host name", nt_cli_show(item, shown, sizeof(shown)));
			goto out;
		}
		for (int i = 0; i < n; i++) {
			if (!strcmp(seen[i], item)) {
				snprintf(why, len, "'%s' is in the list twice", nt_cli_show(item, shown, sizeof(shown)));
				goto out;
			}
		}
		seen[n++] = item;
	}
	if (n < 2) {
		snprintf(why, len, "one node; a mesh needs at least 2");
		goto out;
	}
	rc = n;
out:
	free(seen);
	free(copy);
	return rc;
}

bool deploy_fatal_msg(const char *log, const char *node, char *buf, size_t len)
{
	char prefix[300];
	const char *p = log, *found = NULL;
	bool ok = false;

	snprintf(prefix, sizeof(prefix), "fatal: [%s]", node);
	for (; (p = strstr(p, prefix)); p++)
		if (p == log || p[-1] == '\n')
			found = p;
	if (!found)
		return false;
	p = strstr(found, "=> {");
	if (p && p < found + strcspn(found, "\n")) {
		char *line = strndup(p + 3, strcspn(p + 3, "\n"));
		struct nt_jv *v = line ? nt_jv_parse(line) : NULL;
		const char *msg = nt_jv_str(v, "msg", NULL);

		if (msg) {
			snprintf(buf, len, "%.*s", (int)strcspn(msg, "\r\n"), msg);
			ok = true;
		}
		nt_jv_free(v);
		free(line);
	}
	if (!ok)
		snprintf(buf, len, "%.*s", (int)strcspn(found, "\n"), found);
	return true;
}

/* @s with line breaks and runs of blanks as one space, into @buf */
static void one_line(const char *s, size_t n, char *buf, size_t len)
{
	size_t o = 0;
	bool blank = false;

	for (size_t i = 0; i < n && s[i] && o + 1 < len; i++) {
		bool b = s[i] == ' ' || s[i] == '\n' || s[i] == '\r' || s[i] == '\t';

		if (b && (blank || !o))
			continue;
		buf[o++] = b ? ' ' : s[i];
		blank = b;
	}
	while (o && buf[o - 1] == ' ')
		o--;
	buf[o] = 0;
}

void deploy_inventory_error(const char *log, const char *path, char *buf, size_t len)
{
	const char *dot = strrchr(path, '.');
	bool yaml = dot && (!strcmp(dot, ".yml") || !strcmp(dot, ".yaml"));
	const char *want = yaml ? "with yaml plugin:" : "with ini plugin:";
	const char *p = log, *best = NULL, *err = strstr(log, "ERROR!");

	/* each parser's complaint: "[WARNING]:  * Failed to parse FILE with X plugin: WHY",
	 * wrapped over lines, up to the next [WARNING] or ERROR! */
	while ((p = strstr(p, "Failed to parse "))) {
		const char *w = strstr(p, " plugin:");

		if (!best || (w && !strncmp(w - strlen(want) + strlen(" plugin:"), want, strlen(want))))
			best = p;
		p++;
	}
	if (best) {
		const char *end = strstr(best, "[WARNING]");
		const char *e2 = strstr(best, "ERROR!");

		if (!end || (e2 && e2 < end))
			end = e2;
		one_line(best, end ? (size_t)(end - best) : strlen(best), buf, len);
	} else if (err) {
		one_line(err, strcspn(err, "\n"), buf, len);
	} else {
		one_line(log, strlen(log), buf, len);
	}
}

/* ---- the command line --------------------------------------------------------- */

struct deploy_cfg {
	const char *nodes, *user, *ssh_key, *network_type, *log_dir, *remote_dir;
	const char *binary, *tool_path, *playbook;
	unsigned long long tx_latency_ms, rx_latency_ms;
	double timeout, kill_after;
	bool stop, status, wait;
	bool nodes_is_file;     /* set by validate */
	int nnodes;             /* a list's by validate; a file's by ansible-inventory */
};

static struct deploy_cfg deploy_cfg = {
	.network_type = "storage",
	.log_dir = "/tmp/icmp_tracer_logs",
	.remote_dir = "/tmp/nettrail-deploy",
	.timeout = 60,
	.kill_after = 10,
};

enum { KEY_NODES = 1, KEY_PASSWORD };

#define DCFG struct deploy_cfg
static const struct nt_opt options[] = {
	{ "nodes", 0, "FILE|LIST", "an Ansible inventory, or a comma list of the nodes' addresses "
	  "(required)", KEY_NODES, NT_OPT_CUSTOM, 0, NT_OPT_REQUIRED },
	NT_OPT_ROW("user", 0, "USER", "ssh as USER (over the inventory's ansible_user); "
		   "not root: sudo on the nodes", NT_OPT_STR, DCFG, user, 0),
	{ "password", 0, "PASS", "not taken: ssh keys only (ssh-agent, ~/.ssh, --ssh-key)",
	  KEY_PASSWORD },
	NT_OPT_ROW("ssh-key", 0, "FILE", "the ssh private key to log in with", NT_OPT_STR, DCFG,
		   ssh_key, 0),
	NT_OPT_ROW("network-type", 0, "TYPE", "trace from the address of port-TYPE where a node "
		   "has that interface (default storage)", NT_OPT_STR, DCFG, network_type, 0),
	NT_OPT_U("tx-latency", "MS", "tx tracers: report exchanges of at least MS (default 0: all)",
		 DCFG, tx_latency_ms, 0, 3600000, "ms"),
	NT_OPT_U("rx-latency", "MS", "the same for the rx tracers", DCFG, rx_latency_ms, 0,
		 3600000, "ms"),
	NT_OPT_ROW("log-dir", 0, "DIR", "where --stop and --wait gather the outputs here "
		   "(default /tmp/icmp_tracer_logs)", NT_OPT_STR, DCFG, log_dir, 0),
	NT_OPT_ROW("remote-dir", 0, "DIR", "on a node, DIR/NODE holds nettrail and the runs' "
		   "outputs (default /tmp/nettrail-deploy)", NT_OPT_STR, DCFG, remote_dir, 0),
	NT_OPT_N("timeout", "SEC", "the longest a step may take on a node (default 60); ssh "
		 "gives up connecting after 10 s or SEC", DCFG, timeout, 1, 3600, "s"),
	NT_OPT_N("kill-after", "SEC", "--stop: SIGKILL what SIGTERM did not end in SEC (default 10)",
		 DCFG, kill_after, 1, 600, "s"),
	NT_OPT_B("stop", "end the tracers (SIGTERM: each writes its summary), fetch the outputs "
		 "into --log-dir", DCFG, stop),
	NT_OPT_B("status", "list the tracers of each node, running or ended", DCFG, status),
	NT_OPT_B("wait", "start, wait out --duration, then end and fetch as --stop does", DCFG, wait),
	NT_OPT_ROW("binary", 0, "FILE", "the nettrail copied to the nodes (default: this one)",
		   NT_OPT_STR, DCFG, binary, 0),
	NT_OPT_ROW("tool-path", 0, "PATH", "run the nettrail at PATH on the nodes; copy none",
		   NT_OPT_STR, DCFG, tool_path, 0),
	NT_OPT_ROW("playbook", 0, "FILE", "the playbook (default: NETTRAIL_DEPLOY_DIR's, else "
		   "deploy/ next to this binary's directory)", NT_OPT_STR, DCFG, playbook, 0),
};
#undef DCFG

static int handle(int key, const char *arg, void *data)
{
	struct deploy_cfg *c = data;

	if (key == KEY_NODES) {
		c->nodes = arg;
		return 0;
	}
	/* the value is a secret: not echoed */
	return nt_usage_error("--password", NULL, "not taken: nettrail reaches the nodes with ssh "
			      "keys (ssh-agent, ~/.ssh, or --ssh-key FILE)");
}

/* @s made of letters, digits and @extra only */
static bool chars_ok(const char *s, const char *extra)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!(*s >= 'a' && *s <= 'z') && !(*s >= 'A' && *s <= 'Z') && !(*s >= '0' && *s <= '9') &&
		    !strchr(extra, *s))
			return false;
	return true;
}

static int validate_nodes(struct deploy_cfg *c)
{
	struct stat st;
	char why[256];

	if (!stat(c->nodes, &st)) {
		if (!S_ISREG(st.st_mode))
			return nt_usage_error("--nodes", c->nodes, "not a file (an inventory)");
		if (access(c->nodes, R_OK))
			return nt_usage_error("--nodes", c->nodes, "cannot read: %s", strerror(errno));
		c->nodes_is_file = true;
		return 0;
	}
	if (!strchr(c->nodes, ','))
		return nt_usage_error("--nodes", c->nodes, "no such inventory file, and no comma list "
				      "of at least 2 nodes");
	c->nnodes = deploy_list_count(c->nodes, why, sizeof(why));
	return c->nnodes < 0 ? nt_usage_error("--nodes", c->nodes, "%s", why) : 0;
}

/* An absolute path put on the nodes' command lines as it is */
static int remote_path_ok(const char *flag, const char *path)
{
	if (path[0] != '/' || !chars_ok(path, "/._-+"))
		return nt_usage_error(flag, path, "an absolute path of letters, digits and / . _ - + "
				      "only (it is put on the nodes' command lines)");
	return 0;
}

static int local_file_ok(const char *flag, const char *path, int mode)
{
	struct stat st;

	if (stat(path, &st))
		return nt_usage_error(flag, path, "%s", strerror(errno));
	if (!S_ISREG(st.st_mode))
		return nt_usage_error(flag, path, "not a file");
	if (access(path, mode))
		return nt_usage_error(flag, path, "%s", mode == X_OK ? "not executable" : strerror(errno));
	return 0;
}

static int validate(void *data)
{
	struct deploy_cfg *c = data;
	struct stat st;

	if (c->stop && c->status)
		return nt_usage_error("--status", NULL, "conflicts with --stop: one action at a time");
	if (c->wait && (c->stop || c->status))
		return nt_usage_error("--wait", NULL, "goes with a start, not with --%s",
				      c->stop ? "stop" : "status");
	if (c->binary && c->tool_path)
		return nt_usage_error("--tool-path", c->tool_path, "conflicts with --binary: copy a "
				      "nettrail, or run the nodes' own");
	if (validate_nodes(c))
		return -1;
	if (c->user && !chars_ok(c->user, "._-"))
		return nt_usage_error("--user", c->user, "not a user name");
	/* port-TYPE is an interface name: at most 15 characters */
	if (!chars_ok(c->network_type, "_.-") || strlen(c->network_type) > 10)
		return nt_usage_error("--network-type", c->network_type, "not a network type (up to 10 "
				      "letters, digits, _ . -: port-TYPE names an interface)");
	if (remote_path_ok("--remote-dir", c->remote_dir) ||
	    (c->tool_path && remote_path_ok("--tool-path", c->tool_path)))
		return -1;
	if (!stat(c->log_dir, &st) && nt_arg_writable_dir("--log-dir", c->log_dir))
		return -1;
	if ((c->binary && local_file_ok("--binary", c->binary, X_OK)) ||
	    (c->ssh_key && local_file_ok("--ssh-key", c->ssh_key, R_OK)) ||
	    (c->playbook && local_file_ok("--playbook", c->playbook, R_OK)))
		return -1;
	return 0;
}

/* ---- one run ------------------------------------------------------------------ */

enum deploy_action { ACT_START, ACT_STOP, ACT_STATUS };
static const char *const action_names[] = { "start", "stop", "status" };

struct deploy_run {
	const struct deploy_cfg *c;
	const struct nt_common *common;
	enum deploy_action action;
	double duration;
	char work[64];                  /* this run's scratch directory */
	char playbook[PATH_MAX], ansible_playbook[PATH_MAX], ansible_inventory[PATH_MAX];
	char binary[PATH_MAX], log_dir[PATH_MAX];
	const char *missing;            /* what could not be found, said after the plan line */
	int nnodes;                     /* in --nodes */
	/* what the nodes did */
	int nodes, nodes_failed, tracers, running, tracers_bad, summaries;
	char run_id[64];
};

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(path);
}

static void remove_tree(const char *dir)
{
	nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* The whole of a (small) file, NUL-terminated; NULL if it cannot be read. */
static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = NULL;
	size_t cap = 0, n = 0, got;

	if (!f)
		return NULL;
	do {
		if (n + 4096 + 1 > cap) {
			char *p = realloc(buf, cap = cap ? cap * 2 : 8192);

			if (!p) {
				free(buf);
				fclose(f);
				return NULL;
			}
			buf = p;
		}
		got = fread(buf + n, 1, cap - n - 1, f);
		n += got;
	} while (got);
	fclose(f);
	if (buf)
		buf[n] = 0;
	return buf ? buf : strdup("");
}

static bool find_in_path(const char *name, char *out, size_t len)
{
	const char *path = getenv("PATH");
	char *copy = strdup(path && *path ? path : "/usr/local/bin:/usr/bin:/bin"), *save = NULL;
	bool found = false;

	for (char *d = copy ? strtok_r(copy, ":", &save) : NULL; d && !found;
	     d = strtok_r(NULL, ":", &save)) {
		snprintf(out, len, "%s/%s", d, name);
		found = !access(out, X_OK);
	}
	free(copy);
	return found;
}

/* The playbook: --playbook, else NETTRAIL_DEPLOY_DIR's, else deploy/ next to the directory
 * of this binary (the source tree: build/nettrail), else an installed share/nettrail/deploy. */
static bool find_playbook(struct deploy_run *r)
{
	const char *env = getenv("NETTRAIL_DEPLOY_DIR"), *bin_dir;
	char exe[PATH_MAX] = "", cand[4][PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	int nc = 0;

	if (r->c->playbook)
		return realpath(r->c->playbook, r->playbook);
	if (env && *env)
		snprintf(cand[nc++], PATH_MAX, "%s/%s", env, DEPLOY_PLAYBOOK);
	if (n > 0) {
		exe[n] = 0;
		bin_dir = dirname(exe);
		snprintf(cand[nc++], PATH_MAX, "%s/../deploy/%s", bin_dir, DEPLOY_PLAYBOOK);
		snprintf(cand[nc++], PATH_MAX, "%s/../share/nettrail/deploy/%s", bin_dir, DEPLOY_PLAYBOOK);
	}
	snprintf(cand[nc++], PATH_MAX, "/usr/share/nettrail/deploy/%s", DEPLOY_PLAYBOOK);
	for (int i = 0; i < nc; i++)
		if (!access(cand[i], R_OK) && realpath(cand[i], r->playbook))
			return true;
	return false;
}

/* Everything the run needs outside this binary; what is missing in r->missing. */
static void locate(struct deploy_run *r)
{
	ssize_t n;

	if (!find_in_path("ansible-playbook", r->ansible_playbook, sizeof(r->ansible_playbook)) ||
	    !find_in_path("ansible-inventory", r->ansible_inventory, sizeof(r->ansible_inventory)))
		r->missing = "cannot run ansible-playbook: not found in PATH (Debian 12: apt install "
			     "ansible-core)";
	else if (!find_playbook(r))
		r->missing = "cannot find the playbook deploy/" DEPLOY_PLAYBOOK ": give --playbook "
			     "FILE or set NETTRAIL_DEPLOY_DIR to the deploy/ directory of nettrail";
	if (r->c->binary) {
		if (!realpath(r->c->binary, r->binary))
			snprintf(r->binary, sizeof(r->binary), "%s", r->c->binary);
	} else if ((n = readlink("/proc/self/exe", r->binary, sizeof(r->binary) - 1)) > 0) {
		r->binary[n] = 0;
	}
}

/* --log-dir as an absolute path (it need not exist yet) */
static void absolute_log_dir(struct deploy_run *r)
{
	char cwd[PATH_MAX];
	int n;

	if (r->c->log_dir[0] == '/' || !getcwd(cwd, sizeof(cwd)))
		n = snprintf(r->log_dir, sizeof(r->log_dir), "%s", r->c->log_dir);
	else
		n = snprintf(r->log_dir, sizeof(r->log_dir), "%s/%s", cwd, r->c->log_dir);
	if (n >= (int)sizeof(r->log_dir))
		snprintf(r->log_dir, sizeof(r->log_dir), "%s", r->c->log_dir);
}

static int mkdir_p(const char *dir)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s", dir);
	for (char *p = path + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = 0;
		if (mkdir(path, 0755) && errno != EEXIST)
			return -1;
		*p = '/';
	}
	return mkdir(path, 0755) && errno != EEXIST ? -1 : 0;
}

/* ---- running Ansible, bounded ---------------------------------------------------- */

static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
	interrupted = sig;
}

/* The environment Ansible runs with: the playbook's ansible.cfg; its home, control sockets
 * and temporary files in this run's scratch directory. */
static void ansible_env(const struct deploy_run *r)
{
	char path[PATH_MAX + 32], dir[PATH_MAX], val[32];

	snprintf(dir, sizeof(dir), "%s", r->playbook);
	snprintf(path, sizeof(path), "%s/ansible.cfg", dirname(dir));
	if (!access(path, R_OK))
		setenv("ANSIBLE_CONFIG", path, 1);
	snprintf(path, sizeof(path), "%s/home", r->work);
	setenv("ANSIBLE_HOME", path, 1);     /* Ansible's ~/.ansible: nothing left in ~ */
	snprintf(path, sizeof(path), "%s/cp", r->work);
	setenv("ANSIBLE_SSH_CONTROL_PATH_DIR", path, 1);
	snprintf(path, sizeof(path), "%s/tmp", r->work);
	setenv("ANSIBLE_LOCAL_TEMP", path, 1);
	snprintf(val, sizeof(val), "%d", (int)ceil(fmin(r->c->timeout, 10)));
	setenv("ANSIBLE_TIMEOUT", val, 1);
	setenv("ANSIBLE_NOCOLOR", "1", 1);
	setenv("ANSIBLE_RETRY_FILES_ENABLED", "0", 1);
	setenv("ANSIBLE_INVENTORY_UNPARSED_FAILED", "1", 1);
	setenv("PYTHONUNBUFFERED", "1", 1);
	unsetenv("ANSIBLE_FORCE_COLOR");
}

/* Stop the process group @pid: SIGTERM, SIGKILL after 5 s; reaps it. */
static int end_group(pid_t pid)
{
	int st = 0;

	kill(-pid, SIGTERM);
	for (int i = 0; i < 50; i++) {
		if (waitpid(pid, &st, WNOHANG) == pid)
			return st;
		usleep(100000);
	}
	kill(-pid, SIGKILL);
	waitpid(pid, &st, 0);
	return st;
}

/* Run @argv in its own process group, its stdout to @out_path and its stderr to @err_path
 * (NULL: also @out_path; to this stderr instead with -v when @show), at most @limit_s s.
 * Returns its exit status, 124 when it was stopped at the limit, 130 when this process was
 * interrupted (the signal is passed on to it), -1 when it could not run. */
static int run_bounded(const struct deploy_run *r, char *const argv[], const char *out_path,
		       const char *err_path, double limit_s, bool show)
{
	struct sigaction sa = { .sa_handler = on_signal }, old_int, old_term;
	uint64_t end = nt_mono_ns() + (uint64_t)(limit_s * 1e9);
	int out = open(out_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644), st = 0;
	int err = err_path ? open(err_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644) : out;
	bool passed_on = false, to_stderr = show && nt_debug;
	pid_t pid;

	if (out < 0 || err < 0)
		return -1;
	fflush(NULL);
	pid = fork();
	if (!pid) {
		int null = open("/dev/null", O_RDONLY);

		setpgid(0, 0);
		dup2(null, 0);
		dup2(to_stderr ? 2 : out, 1);
		dup2(to_stderr ? 2 : err, 2);
		ansible_env(r);
		execv(argv[0], argv);
		dprintf(2, "cannot run %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	close(out);
	if (err_path)
		close(err);
	if (pid < 0)
		return -1;
	setpgid(pid, pid);
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);
	for (;;) {
		if (waitpid(pid, &st, WNOHANG) == pid)
			break;
		if (interrupted && !passed_on) {
			kill(-pid, SIGINT);     /* Ansible ends its play at SIGINT */
			passed_on = true;
			end = nt_mono_ns() + 10 * 1000000000ULL;
		}
		if (nt_mono_ns() > end) {
			end_group(pid);
			st = -1;
			break;
		}
		usleep(50000);
	}
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	if (interrupted)
		return 130;
	if (st == -1)
		return 124;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* The longest a whole playbook run may take: every step of a node at its --timeout, the
 * tracers' start, the stop's waits; past it the run is stopped and said so. */
static double run_limit(const struct deploy_run *r)
{
	double limit = 10 * r->c->timeout + 30 + 60;

	if (r->action == ACT_STOP || r->c->wait)
		limit += r->c->kill_after + 5;
	if (r->c->wait)
		limit += r->duration + 5;
	return limit;
}

/* ---- the inventory ------------------------------------------------------------- */

/* How many distinct hosts ansible-inventory --list names in its groups' "hosts" */
static int count_hosts(const struct nt_jv *inv)
{
	const struct nt_jv *groups[512];
	int n = 0, ng = 0;
	const char *seen[4096];

	for (const struct nt_jv *g = inv ? inv->child : NULL; g && ng < 512; g = g->next)
		groups[ng++] = g;
	for (int i = 0; i < ng; i++) {
		const struct nt_jv *hosts = nt_jv_get(groups[i], "hosts");

		for (const struct nt_jv *h = hosts ? hosts->child : NULL; h; h = h->next) {
			bool dup = false;

			for (int j = 0; j < n && !dup; j++)
				dup = !strcmp(seen[j], h->str ? h->str : "");
			if (!dup && h->str && n < 4096)
				seen[n++] = h->str;
		}
	}
	return n;
}

/* --nodes FILE: Ansible must read it and find at least 2 nodes in it (exit 2 if not) */
static int check_inventory(struct deploy_run *r)
{
	char out[PATH_MAX], err[PATH_MAX], why[512];
	char *argv[] = { r->ansible_inventory, "-i", (char *)r->c->nodes, "--list", NULL };
	char *text, *log;
	struct nt_jv *inv;
	int rc, n;

	snprintf(out, sizeof(out), "%s/inventory.json", r->work);
	snprintf(err, sizeof(err), "%s/inventory.err", r->work);
	rc = run_bounded(r, argv, out, err, 60, false);
	if (rc == 130)
		return 130;
	if (rc) {
		log = slurp(err);
		deploy_inventory_error(log ? log : "", r->c->nodes, why, sizeof(why));
		free(log);
		nt_usage_error("--nodes", r->c->nodes, "not an inventory Ansible can read: %s", why);
		return NT_EXIT_USAGE;
	}
	text = slurp(out);
	inv = text ? nt_jv_parse(text) : NULL;
	n = count_hosts(inv);
	nt_jv_free(inv);
	free(text);
	r->nnodes = n;
	if (n < 2) {
		nt_usage_error("--nodes", r->c->nodes, "%s", n ? "one node in it; a mesh needs at least 2" :
			       "no node in it");
		return NT_EXIT_USAGE;
	}
	return 0;
}

/* ---- the playbook's command line ------------------------------------------------ */

/* "key": value pairs of one JSON object, written to @f */
static void kv_str(FILE *f, const char *key, const char *val)
{
	size_t cap = strlen(val) * 6 + 3;
	char *tmp = malloc(cap);

	if (!tmp)
		return;
	nt_json_escape(val, tmp, cap);
	fprintf(f, "%s\"%s\": %s", ftell(f) > 1 ? ", " : "", key, tmp);
	free(tmp);
}

static void kv_num(FILE *f, const char *key, double val)
{
	fprintf(f, "%s\"%s\": %.10g", ftell(f) > 1 ? ", " : "", key, val);
}

static void kv_bool(FILE *f, const char *key, bool val)
{
	fprintf(f, "%s\"%s\": %s", ftell(f) > 1 ? ", " : "", key, val ? "true" : "false");
}

static const char *attach_mode_name(enum nt_attach_mode m)
{
	static const char *const names[] = { "auto", "tracepoint", "fentry", "kprobe" };

	return (unsigned)m < NT_ARRAY_SIZE(names) ? names[m] : "auto";
}

/* The run's settings, the playbook's variables (roles/mesh_defaults), as one JSON object */
static char *extra_vars(const struct deploy_run *r)
{
	const struct deploy_cfg *c = r->c;
	char results[PATH_MAX], tmp[PATH_MAX], *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return NULL;
	snprintf(results, sizeof(results), "%s/results", r->work);
	snprintf(tmp, sizeof(tmp), "%s/tmp", r->work);
	fputc('{', f);
	kv_str(f, "nt_action", action_names[r->action]);
	kv_bool(f, "nt_dry_run", r->common->dry_run);
	kv_bool(f, "nt_wait", c->wait);
	kv_str(f, "nt_binary", c->tool_path ? "" : r->binary);
	kv_str(f, "nt_tool_path", c->tool_path ? c->tool_path : "");
	kv_str(f, "nt_remote_dir", c->remote_dir);
	kv_str(f, "nt_log_dir", r->log_dir);
	kv_str(f, "nt_network_type", c->network_type);
	kv_num(f, "nt_duration", r->duration);
	kv_num(f, "nt_tx_latency_ms", (double)c->tx_latency_ms);
	kv_num(f, "nt_rx_latency_ms", (double)c->rx_latency_ms);
	kv_str(f, "nt_attach_mode", attach_mode_name(r->common->attach_mode));
	kv_num(f, "nt_step_timeout", ceil(c->timeout));
	kv_num(f, "nt_stop_grace", ceil(c->kill_after));
	kv_str(f, "nt_results_dir", results);
	kv_str(f, "nt_controller_tmp", tmp);
	if (c->user)
		kv_str(f, "ansible_user", c->user);
	fputc('}', f);
	fclose(f);
	return buf;
}

#define DEPLOY_ARGV_MAX 12

/* ansible-playbook -i NODES PLAYBOOK -e JSON [--private-key KEY] */
static void playbook_argv(const struct deploy_run *r, char *vars, char *argv[DEPLOY_ARGV_MAX])
{
	int n = 0;

	argv[n++] = (char *)r->ansible_playbook;
	argv[n++] = "-i";
	argv[n++] = (char *)r->c->nodes;
	argv[n++] = (char *)r->playbook;
	argv[n++] = "-e";
	argv[n++] = vars;
	if (r->c->ssh_key) {
		argv[n++] = "--private-key";
		argv[n++] = (char *)r->c->ssh_key;
	}
	argv[n] = NULL;
}

/* @argv as one line a shell takes back (single quotes where needed) */
static void shell_line(char *const argv[], char *buf, size_t len)
{
	size_t o = 0;

	buf[0] = 0;
	for (int i = 0; argv[i] && o + 1 < len; i++) {
		const char *a = argv[i];
		bool plain = *a && strspn(a, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
					   "0123456789_./:=,@+-") == strlen(a);

		o += snprintf(buf + o, len - o, "%s%s", i ? " " : "", plain ? "" : "'");
		for (; *a && o + 5 < len; a++)
			o += *a == '\'' && !plain ? snprintf(buf + o, len - o, "'\\''") :
						    snprintf(buf + o, len - o, "%c", *a);
		if (!plain && o + 1 < len)
			o += snprintf(buf + o, len - o, "'");
	}
}

/* ---- what the nodes did --------------------------------------------------------- */

static bool jv_has(const struct nt_jv *o, const char *key)
{
	return nt_jv_get(o, key) != NULL;
}

/* How a node traces: its address and interfaces, as discovered */
static void discovered_text(const struct nt_jv *d, char *buf, size_t len)
{
	const char *ifs = nt_jv_str(d, "phy_interfaces", "");

	if (*ifs)
		snprintf(buf, len, "traces from %s (%s), interfaces %s (%s)", nt_jv_str(d, "trace_ip", "?"),
			 nt_jv_str(d, "trace_ip_from", "?"), ifs, nt_jv_str(d, "phy_from", "?"));
	else
		snprintf(buf, len, "traces from %s (%s), interfaces per peer (the route's device)",
			 nt_jv_str(d, "trace_ip", "?"), nt_jv_str(d, "trace_ip_from", "?"));
}

static void tracer_text(const struct deploy_run *r, const struct nt_jv *t, const char *node_run)
{
	const char *ifs = nt_jv_str(t, "interfaces", NULL), *err = nt_jv_str(t, "error", "");
	const char *state = nt_jv_str(t, "state", "?"), *run = nt_jv_str(t, "run", "");
	/* a dry run's command; else how it was stopped (or would be), else its state */
	const char *what = r->common->dry_run ? nt_jv_str(t, "command", NULL) : NULL;

	if (!what)
		what = nt_jv_str(t, "stop", state);

	nt_text("  %s %s -> %s", nt_jv_str(t, "direction", "?"), nt_jv_str(t, "src_ip", "?"),
		nt_jv_str(t, "dst_ip", "?"));
	if (ifs)
		nt_text(" on %s", ifs);
	nt_text(": %s", what);
	if (!strcmp(state, "running") && nt_jv_num(t, "pid", 0) > 0)
		nt_text(", pid %.0f", nt_jv_num(t, "pid", 0));
	if (jv_has(t, "seconds_left"))
		nt_text(", %.0f s left", nt_jv_num(t, "seconds_left", 0));
	if (jv_has(t, "summary"))
		nt_text(", %s", nt_jv_bool(t, "summary", false) ? "summary written" : "no summary");
	if (*err)
		nt_text(": %s", err);
	if (jv_has(t, "fetched"))
		nt_text(" -> %s", nt_jv_str(t, "fetched", ""));
	if (*run && strcmp(run, node_run))
		nt_text(" (run %s)", run);
	nt_text("\n");
}

/* Every member of @t that is a string, number or boolean, as it is */
static void copy_scalars(struct nt_json *j, const struct nt_jv *t)
{
	for (const struct nt_jv *m = t->child; m; m = m->next) {
		if (!m->key || !strcmp(m->key, "args"))
			continue;
		if (m->type == NT_JV_STR)
			nt_json_str(j, m->key, m->str);
		else if (m->type == NT_JV_NUM && m->num == (double)(long long)m->num)
			nt_json_i64(j, m->key, (long long)m->num);      /* pids, seconds */
		else if (m->type == NT_JV_NUM)
			nt_json_f64(j, m->key, m->num);
		else if (m->type == NT_JV_BOOL)
			nt_json_bool(j, m->key, m->num != 0);
	}
}

static void tracer_json(const char *node, const struct nt_jv *t)
{
	struct nt_json *j = nt_json_begin("tracer", 0);

	nt_json_str(j, "node", node);
	copy_scalars(j, t);
	nt_json_end(j);
}

static void node_json(const struct deploy_run *r, const char *node, const struct nt_jv *res,
		      const char *error, int ntracers)
{
	const struct nt_jv *d = nt_jv_get(res, "discovered");
	struct nt_json *j = nt_json_begin("node", 0);

	nt_json_str(j, "node", node);
	nt_json_str(j, "address", nt_jv_str(res, "address", node));
	nt_json_str(j, "action", action_names[r->action]);
	nt_json_bool(j, "dry_run", r->common->dry_run);
	nt_json_str(j, "run", nt_jv_str(res, "run", ""));
	nt_json_str(j, "status", *error ? "error" : "ok");
	if (*error)
		nt_json_str(j, "error", error);
	if (d && d->child) {
		nt_json_obj(j, "discovered");
		copy_scalars(j, d);
		nt_json_obj_end(j);
	}
	if (res) {
		nt_json_str(j, "nettrail", nt_jv_str(res, "nettrail", ""));
		nt_json_str(j, "node_dir", nt_jv_str(res, "node_dir", ""));
	}
	nt_json_u64(j, "tracers", ntracers);
	nt_json_end(j);
}

static void node_text(const struct deploy_run *r, const char *node, const struct nt_jv *res,
		      const char *error)
{
	const char *addr = nt_jv_str(res, "address", node), *copy = nt_jv_str(res, "copy", "");
	const struct nt_jv *d = nt_jv_get(res, "discovered");
	char who[600], how[600];

	snprintf(who, sizeof(who), strcmp(addr, node) ? "%s (%s)" : "%s", node, addr);
	if (*error) {
		nt_text("%s: error: %s\n", who, error);
		return;
	}
	if (d && d->child) {
		discovered_text(d, how, sizeof(how));
		nt_text("%s: %s", who, how);
		if (r->common->dry_run && *copy)
			nt_text("; would copy %s to %s", copy, nt_jv_str(res, "nettrail", "?"));
		nt_text("\n");
	} else {
		nt_text("%s: run %s\n", who, nt_jv_str(res, "run", "-"));
	}
}

/* One node's result: printed, counted; @error when it left none */
static void node_result(struct deploy_run *r, const char *node, const struct nt_jv *res,
			const char *error)
{
	const struct nt_jv *tracers = nt_jv_get(res, "tracers");
	const char *node_run = nt_jv_str(res, "run", "");
	int n = 0;

	error = error ? error : nt_jv_str(res, "error", "");
	for (const struct nt_jv *t = tracers ? tracers->child : NULL; t; t = t->next)
		n += !*error || jv_has(t, "state") || jv_has(t, "stop");
	r->nodes++;
	r->nodes_failed += *error != 0;
	if (*node_run && !*r->run_id)
		snprintf(r->run_id, sizeof(r->run_id), "%s", node_run);
	if (nt_out_json())
		node_json(r, node, res, error, n);
	else
		node_text(r, node, res, error);
	for (const struct nt_jv *t = tracers ? tracers->child : NULL; t; t = t->next) {
		const char *state = nt_jv_str(t, "state", "");

		/* a failed node's planned tracers were not started: only what it reported */
		if (*error && !jv_has(t, "state") && !jv_has(t, "stop"))
			continue;
		r->tracers++;
		r->running += !strcmp(state, "running");
		r->tracers_bad += !strcmp(state, "failed") || strstr(nt_jv_str(t, "stop", ""), "still");
		r->summaries += nt_jv_bool(t, "summary", false);
		if (nt_out_json())
			tracer_json(node, t);
		else
			tracer_text(r, t, node_run);
	}
}

/* The nodes' result files (the playbook's nt_results_dir); -1 when there are none */
static int read_results(struct deploy_run *r, const char *log)
{
	char path[PATH_MAX + 300], *text = NULL;
	struct nt_jv *nodes;

	snprintf(path, sizeof(path), "%s/results/nodes.json", r->work);
	text = slurp(path);
	nodes = text ? nt_jv_parse(text) : NULL;
	free(text);
	if (!nodes || nodes->type != NT_JV_ARR) {
		nt_jv_free(nodes);
		return -1;
	}
	for (const struct nt_jv *n = nodes->child; n; n = n->next) {
		const char *node = n->str ? n->str : "?";
		struct nt_jv *res;
		char why[1024];

		snprintf(path, sizeof(path), "%s/results/%s.json", r->work, node);
		text = slurp(path);
		res = text ? nt_jv_parse(text) : NULL;
		free(text);
		if (!res && !deploy_fatal_msg(log ? log : "", node, why, sizeof(why)))
			snprintf(why, sizeof(why), "no result from the playbook");
		node_result(r, node, res, res ? NULL : why);
		nt_jv_free(res);
	}
	nt_jv_free(nodes);
	return 0;
}

/* ---- the run's first and last lines ----------------------------------------------- */

static void plan_line(const struct deploy_run *r, char *const argv[])
{
	char line[8192];
	int tracers = r->nnodes * (r->nnodes - 1) * 2;

	if (nt_out_json()) {
		struct nt_json *j = nt_json_begin("plan", 0);

		nt_json_str(j, "action", action_names[r->action]);
		nt_json_str(j, "nodes", r->c->nodes);
		nt_json_u64(j, "node_count", r->nnodes);
		if (r->action == ACT_START)
			nt_json_u64(j, "tracers", tracers);
		nt_json_str(j, "playbook", r->playbook);
		if (argv) {
			nt_json_arr(j, "command");
			for (int i = 0; argv[i]; i++)
				nt_json_str(j, NULL, argv[i]);
			nt_json_arr_end(j);
		}
		nt_json_end(j);
		return;
	}
	if (r->action == ACT_START)
		nt_text("deploy_full_mesh_icmp_tracer: dry run: a full mesh of %d nodes (%s): %d tracers "
			"of %g s; the nodes are looked at, nothing is copied, started or signalled\n",
			r->nnodes, r->c->nodes, tracers, r->duration);
	else
		nt_text("deploy_full_mesh_icmp_tracer: dry run: %s on %d nodes (%s); nothing is signalled "
			"or fetched\n", action_names[r->action], r->nnodes, r->c->nodes);
	if (argv) {
		shell_line(argv, line, sizeof(line));
		nt_text("%s\n", line);
	}
}

static void summary_json(const struct deploy_run *r)
{
	struct nt_json *j = nt_json_begin("summary", 0);

	nt_json_str(j, "action", action_names[r->action]);
	nt_json_bool(j, "dry_run", r->common->dry_run);
	nt_json_str(j, "run", r->run_id);
	nt_json_u64(j, "nodes", r->nodes);
	nt_json_u64(j, "nodes_failed", r->nodes_failed);
	nt_json_u64(j, "tracers", r->tracers);
	nt_json_u64(j, "tracers_failed", r->tracers_bad);
	if (!r->common->dry_run && (r->action == ACT_STATUS || (r->action == ACT_START && !r->c->wait)))
		nt_json_u64(j, "running", r->running);
	if (r->action == ACT_STOP || (r->c->wait && !r->common->dry_run)) {
		nt_json_u64(j, "summaries", r->summaries);
		nt_json_str(j, "log_dir", r->log_dir);
	}
	nt_json_end(j);
}

static void summary_text(const struct deploy_run *r)
{
	int ok = r->nodes - r->nodes_failed;

	if (r->common->dry_run)
		nt_text("=== dry run: %d tracers on %d of %d nodes would %s ===\n", r->tracers, ok, r->nodes,
			r->action == ACT_START ? "start" : "be signalled");
	else if (r->action == ACT_STOP || r->c->wait)
		nt_text("=== run %s: %d tracers ended on %d of %d nodes, %d with their summary; outputs "
			"in %s: nettrail report %s ===\n", r->run_id, r->tracers, ok, r->nodes,
			r->summaries, r->log_dir, r->log_dir);
	else if (r->action == ACT_START)
		nt_text("=== run %s: %d tracers running on %d of %d nodes; they end by themselves after "
			"%g s; --stop ends them and fetches the outputs into %s ===\n", r->run_id,
			r->running, ok, r->nodes, r->duration, r->log_dir);
	else
		nt_text("=== %d tracers running on %d of %d nodes (%d ended) ===\n", r->running, ok,
			r->nodes, r->tracers - r->running);
}

/* ---- the tool ------------------------------------------------------------------ */

/* Run the playbook, print the nodes' results; the exit code */
static int deploy_run_playbook(struct deploy_run *r, bool *keep)
{
	char *argv[DEPLOY_ARGV_MAX], *vars, log_path[PATH_MAX], *log;
	int rc, read;

	vars = extra_vars(r);
	if (!vars) {
		nt_err("out of memory");
		return NT_EXIT_RUNTIME;
	}
	playbook_argv(r, vars, argv);
	if (r->common->dry_run)
		plan_line(r, argv);
	snprintf(log_path, sizeof(log_path), "%s/ansible.log", r->work);
	if (!nt_debug)
		nt_info("%s: running ansible-playbook on %d nodes (-v shows its output)", nt_prog,
			r->nnodes);
	rc = run_bounded(r, argv, log_path, NULL, run_limit(r), true);
	free(vars);
	log = slurp(log_path);
	/* interrupted: what the nodes had done is incomplete, and said so below */
	read = rc == -1 || rc == 130 ? -1 : read_results(r, log);
	free(log);
	if (read == 0) {
		if (nt_out_json())
			summary_json(r);
		else
			summary_text(r);
	}
	if (rc == 130) {
		nt_err("interrupted: tracers already started end by themselves after --duration, or "
		       "with --stop");
		return 130;
	}
	if (rc == 124)
		nt_err("ansible-playbook did not end within %.0f s: stopped", run_limit(r));
	else if (rc == -1)
		nt_err("cannot run %s: %s", r->ansible_playbook, strerror(errno));
	else if (read < 0)
		nt_err("ansible-playbook ended (exit %d) without a result from any node", rc);
	if (read < 0 || rc == 124 || rc == -1) {
		*keep = !nt_debug;
		if (*keep)
			nt_err("ansible-playbook's output: %s", log_path);
		return NT_EXIT_RUNTIME;
	}
	if (r->nodes_failed)
		nt_err("%d of %d nodes failed (the lines 'error:' above)", r->nodes_failed, r->nodes);
	return r->nodes_failed || r->tracers_bad ? NT_EXIT_RUNTIME : NT_EXIT_OK;
}

static int deploy_steps(struct deploy_run *r, bool *keep)
{
	int err;

	if (!r->missing && r->c->nodes_is_file) {
		err = check_inventory(r);
		if (err)
			return err;
	}
	if (r->missing) {
		if (r->common->dry_run)
			plan_line(r, NULL);
		nt_err("%s", r->missing);
		return NT_EXIT_RUNTIME;
	}
	if (!r->common->dry_run && (r->action == ACT_STOP || r->c->wait) && mkdir_p(r->log_dir)) {
		nt_err("--log-dir %s: cannot create it: %s", r->log_dir, strerror(errno));
		return NT_EXIT_RUNTIME;
	}
	return deploy_run_playbook(r, keep);
}

static int deploy_main(int argc, char **argv);

const struct nt_tool_def deploy_full_mesh_icmp_tracer_tool = {
	.cli = {
		.tool = "deploy_full_mesh_icmp_tracer",
		.synopsis = "--nodes FILE|LIST [--stop|--status|--wait] [options]",
		.description =
			"A full mesh of system_network_icmp_rtt over many hosts (manual 3.12.1): for\n"
			"every ordered pair of nodes A, B a tracer --direction tx on A (A pings B) and\n"
			"one --direction rx on B, n*(n-1)*2 for n nodes, each --json for --duration\n"
			"(default 60 s) and then ending by itself. Through Ansible (ansible-playbook,\n"
			"ansible-core, on this machine; ssh keys and Python on the nodes): nettrail is\n"
			"copied to each node, where the address to trace from (port-TYPE's, else the\n"
			"address ssh reached) and the physical interfaces (the OVS bond members under\n"
			"it, else the device of the route to each peer) are discovered; the tracers\n"
			"run detached. --stop ends them (SIGTERM, SIGKILL after --kill-after) and\n"
			"fetches their outputs into --log-dir, where 'nettrail report DIR' reads them.\n"
			"--nodes FILE: an inventory (per node ansible_host, ansible_user, nt_trace_ip,\n"
			"nt_phy_interfaces). A node that fails (unreachable, bad entry) is named with its\n"
			"error; the others go on. The playbook: --playbook, else NETTRAIL_DEPLOY_DIR, else\n"
			"deploy/ next to this binary's directory. --dry-run looks at the nodes and prints\n"
			"each tracer's command; --attach-mode is passed to the tracers.",
		.examples =
			"  nettrail deploy_full_mesh_icmp_tracer --nodes 10.0.0.11,10.0.0.12,10.0.0.13 \\\n"
			"      --user smartx --network-type storage --tx-latency 4 --rx-latency 1 --dry-run\n"
			"  nettrail deploy_full_mesh_icmp_tracer --nodes 10.0.0.11,10.0.0.12,10.0.0.13 \\\n"
			"      --duration 300\n"
			"  nettrail deploy_full_mesh_icmp_tracer --nodes 10.0.0.11,10.0.0.12,10.0.0.13 --status\n"
			"  nettrail deploy_full_mesh_icmp_tracer --nodes 10.0.0.11,10.0.0.12,10.0.0.13 --stop \\\n"
			"      --log-dir mesh-logs          # then: nettrail report mesh-logs\n"
			"  nettrail deploy_full_mesh_icmp_tracer --nodes 10.0.0.11,10.0.0.12 --wait \\\n"
			"      --duration 30 --json\n",
		.opts = options,
		.nopts = NT_ARRAY_SIZE(options),
		.handle = handle,
		.cfg = &deploy_cfg,
		.validate = validate,
	},
	.main = deploy_main,
};

static int deploy_main(int argc, char **argv)
{
	const struct nt_cli *cli = &deploy_full_mesh_icmp_tracer_tool.cli;
	struct nt_common common;
	struct deploy_run r = { .c = &deploy_cfg };
	char results[sizeof(r.work) + 16];
	bool keep = false;
	int err;

	err = nt_cli_parse(cli, argc, argv, &common);
	if (err)
		return err < 0 ? NT_EXIT_OK : err;
	if (common.btf_path) {
		nt_usage_error("--btf", common.btf_path, "not taken: the tracers run on the nodes, "
			       "each with its own kernel's BTF");
		return NT_EXIT_USAGE;
	}
	r.common = &common;
	r.action = deploy_cfg.stop ? ACT_STOP : deploy_cfg.status ? ACT_STATUS : ACT_START;
	r.duration = common.duration > 0 ? common.duration : 60;
	r.nnodes = deploy_cfg.nnodes;
	nt_out_init(cli->tool, common.json);
	locate(&r);
	absolute_log_dir(&r);
	snprintf(r.work, sizeof(r.work), "/tmp/nettrail-deploy.XXXXXX");
	if (!mkdtemp(r.work)) {
		nt_err("cannot create a scratch directory in /tmp: %s", strerror(errno));
		return NT_EXIT_RUNTIME;
	}
	snprintf(results, sizeof(results), "%s/results", r.work);
	if (mkdir(results, 0755)) {
		nt_err("cannot create %s: %s", results, strerror(errno));
		remove_tree(r.work);
		return NT_EXIT_RUNTIME;
	}
	err = deploy_steps(&r, &keep);
	if (!keep)
		remove_tree(r.work);
	return err;
}
