// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * nettrail report: the N x N matrix of a full mesh of ICMP RTT runs (manual
 * 3.12.1, 4.2: one system_network_icmp_rtt per ordered pair of hosts), worst
 * pairs first, as text, JSON and an SVG heat map. See report.h.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "nt.h"
#include "addr.h"
#include "cli.h"
#include "output.h"
#include "tool.h"
#include "report.h"

/* ---- the pairs (pure logic) ------------------------------------------------ */

bool report_tool_known(const char *tool)
{
	return tool && (!strcmp(tool, "system_network_icmp_rtt") || !strcmp(tool, "kernel_icmp_rtt"));
}

static struct report_pair *pair_get(struct report *r, const char *src, const char *dst)
{
	struct report_pair *p = (struct report_pair *)report_find(r, src, dst);

	if (p)
		return p;
	if (r->n == r->cap) {
		int cap = r->cap ? r->cap * 2 : 16;

		p = realloc(r->pairs, cap * sizeof(*r->pairs));
		if (!p)
			return NULL;
		r->pairs = p;
		r->cap = cap;
	}
	p = &r->pairs[r->n++];
	memset(p, 0, sizeof(*p));
	snprintf(p->src, sizeof(p->src), "%s", src);
	snprintf(p->dst, sizeof(p->dst), "%s", dst);
	p->dom_avg = -1;
	return p;
}

/* The segment with the largest mean: where the round trip spends its time. */
static void dominant(struct report_pair *p, const struct nt_jv *summary)
{
	const struct nt_jv *segs = nt_jv_get(summary, "segments");

	for (const struct nt_jv *s = segs ? segs->child : NULL; s; s = s->next) {
		double avg = nt_jv_num(nt_jv_get(s, "latency_us"), "avg", -1);

		if (avg <= p->dom_avg)
			continue;
		p->dom_avg = avg;
		snprintf(p->dom_from, sizeof(p->dom_from), "%s", nt_jv_str(s, "from", "?"));
		snprintf(p->dom_to, sizeof(p->dom_to), "%s", nt_jv_str(s, "to", "?"));
		snprintf(p->dom_kind, sizeof(p->dom_kind), "%s", nt_jv_str(s, "kind", "?"));
	}
}

int report_add(struct report *r, const struct nt_jv *summary, const char *file)
{
	const char *src = nt_jv_str(summary, "src_ip", NULL), *dst = nt_jv_str(summary, "dst_ip", NULL);
	const struct nt_jv *ex = nt_jv_get(summary, "exchanges"), *rtt = nt_jv_get(summary, "total_rtt_us");
	unsigned long long count = (unsigned long long)nt_jv_num(rtt, "count", 0);
	struct report_pair *p;

	union nt_addr a;
	__u8 family;

	/* addresses only: they end up in the text, the JSON and the SVG as they are */
	if (!src || !dst || !nt_addr_parse(src, &a, &family) || !nt_addr_parse(dst, &a, &family) ||
	    strcmp(nt_jv_str(summary, "direction", ""), "tx") || !ex)
		return 1;
	p = pair_get(r, src, dst);
	if (!p)
		return -1;
	if (!p->files++)
		snprintf(p->file, sizeof(p->file), "%s", file);
	p->started += (unsigned long long)nt_jv_num(ex, "started", 0);
	p->completed += (unsigned long long)nt_jv_num(ex, "completed", 0);
	p->loss_pct = p->started > p->completed ?
		      100.0 * (double)(p->started - p->completed) / (double)p->started : 0;
	/* RTT percentiles do not add up: the run with the most exchanges speaks */
	if (count > p->rtt_count) {
		p->rtt_count = count;
		p->p50 = nt_jv_num(rtt, "p50", 0);
		p->p99 = nt_jv_num(rtt, "p99", 0);
		p->max = nt_jv_num(rtt, "max", 0);
		p->avg = nt_jv_num(rtt, "avg", 0);
		p->dom_avg = -1;
		dominant(p, summary);
	}
	return 0;
}

static int cmp_pair(const void *a, const void *b)
{
	const struct report_pair *x = a, *y = b;

	if (x->loss_pct != y->loss_pct)
		return x->loss_pct < y->loss_pct ? 1 : -1;
	if (x->p99 != y->p99)
		return x->p99 < y->p99 ? 1 : -1;
	if (x->max != y->max)
		return x->max < y->max ? 1 : -1;
	return strcmp(x->src, y->src) ? strcmp(x->src, y->src) : strcmp(x->dst, y->dst);
}

/* Hosts in address order (numerically for IPv4: .2 before .10). */
static int cmp_addr(const void *a, const void *b)
{
	struct in_addr x, y;

	if (inet_pton(AF_INET, a, &x) == 1 && inet_pton(AF_INET, b, &y) == 1 &&
	    x.s_addr != y.s_addr)
		return ntohl(x.s_addr) < ntohl(y.s_addr) ? -1 : 1;
	return strcmp(a, b);
}

int report_host(const struct report *r, const char *addr)
{
	for (int i = 0; i < r->nhosts; i++)
		if (!strcmp(r->hosts[i], addr))
			return i;
	return -1;
}

static int host_add(struct report *r, const char *addr)
{
	void *p;

	if (report_host(r, addr) >= 0)
		return 0;
	p = realloc(r->hosts, (r->nhosts + 1) * sizeof(*r->hosts));
	if (!p)
		return -1;
	r->hosts = p;
	snprintf(r->hosts[r->nhosts++], REPORT_ADDR_LEN, "%s", addr);
	return 0;
}

int report_finish(struct report *r)
{
	for (int i = 0; i < r->n; i++)
		if (host_add(r, r->pairs[i].src) || host_add(r, r->pairs[i].dst))
			return -1;
	qsort(r->hosts, r->nhosts, sizeof(*r->hosts), cmp_addr);
	qsort(r->pairs, r->n, sizeof(*r->pairs), cmp_pair);
	return 0;
}

const struct report_pair *report_find(const struct report *r, const char *src, const char *dst)
{
	for (int i = 0; i < r->n; i++)
		if (!strcmp(r->pairs[i].src, src) && !strcmp(r->pairs[i].dst, dst))
			return &r->pairs[i];
	return NULL;
}

void report_free(struct report *r)
{
	free(r->pairs);
	free(r->hosts);
	memset(r, 0, sizeof(*r));
}

/* ---- the heat map ------------------------------------------------------------ */

#define SVG_CELL_W 112
#define SVG_CELL_H 48
#define SVG_LEFT 130
#define SVG_TOP 96

/* Green (fastest p99) to amber (slowest); red shades for loss. */
static void cell_colour(const struct report_pair *p, double lo, double hi, char *buf, size_t len)
{
	double t = hi > lo ? (p->p99 - lo) / (hi - lo) : 0;

	if (p->loss_pct > 0) {
		int g = 160 - (int)(p->loss_pct > 100 ? 100 : p->loss_pct) * 16 / 10;

		snprintf(buf, len, "rgb(220,%d,%d)", g < 40 ? 40 : g, g < 40 ? 40 : g);
		return;
	}
	snprintf(buf, len, "rgb(%d,%d,90)", 90 + (int)(150 * t), 190 - (int)(40 * t));
}

void report_svg(const struct report *r, FILE *f)
{
	int w = SVG_LEFT + r->nhosts * SVG_CELL_W + 20, h = SVG_TOP + r->nhosts * SVG_CELL_H + 60;
	double lo = 0, hi = 0;
	bool any = false;

	for (int i = 0; i < r->n; i++) {
		if (!r->pairs[i].rtt_count)
			continue;
		lo = any && lo < r->pairs[i].p99 ? lo : r->pairs[i].p99;
		hi = any && hi > r->pairs[i].p99 ? hi : r->pairs[i].p99;
		any = true;
	}
	fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		   "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
		   "viewBox=\"0 0 %d %d\" font-family=\"DejaVu Sans, sans-serif\" font-size=\"12\">\n"
		   "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n"
		   "<text x=\"10\" y=\"22\" font-size=\"15\" font-weight=\"bold\">nettrail report: "
		   "ICMP RTT p99 and loss, %d hosts</text>\n"
		   "<text x=\"10\" y=\"42\">row: the sender (where the tracer ran), column: the "
		   "receiver; red: pings lost</text>\n", w, h, w, h, r->nhosts);
	for (int c = 0; c < r->nhosts; c++)
		fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" font-weight=\"bold\">%s</text>\n",
			SVG_LEFT + c * SVG_CELL_W + SVG_CELL_W / 2, SVG_TOP - 10, r->hosts[c]);
	for (int row = 0; row < r->nhosts; row++) {
		int y = SVG_TOP + row * SVG_CELL_H;

		fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\" font-weight=\"bold\">%s</text>\n",
			SVG_LEFT - 8, y + SVG_CELL_H / 2 + 4, r->hosts[row]);
		for (int c = 0; c < r->nhosts; c++) {
			const struct report_pair *p = report_find(r, r->hosts[row], r->hosts[c]);
			int x = SVG_LEFT + c * SVG_CELL_W;
			char fill[32] = "rgb(235,235,235)";

			if (p && (p->rtt_count || p->loss_pct > 0))
				cell_colour(p, lo, hi, fill, sizeof(fill));
			fprintf(f, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"%s\" "
				   "stroke=\"white\" stroke-width=\"2\"/>\n", x, y, SVG_CELL_W, SVG_CELL_H,
				fill);
			if (row == c)
				continue;
			if (!p) {
				fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" fill=\"#777\">"
					   "no run</text>\n", x + SVG_CELL_W / 2, y + SVG_CELL_H / 2 + 4);
				continue;
			}
			fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">p99 %.0f us</text>\n"
				   "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">loss %.1f%%</text>\n",
				x + SVG_CELL_W / 2, y + 20, p->p99, x + SVG_CELL_W / 2, y + 37, p->loss_pct);
		}
	}
	if (r->n)
		fprintf(f, "<text x=\"10\" y=\"%d\">worst pair: %s -&gt; %s (loss %.1f%%, p99 %.0f us)"
			   "</text>\n", h - 20, r->pairs[0].src, r->pairs[0].dst, r->pairs[0].loss_pct,
			r->pairs[0].p99);
	fprintf(f, "</svg>\n");
}

/* ---- the tool ------------------------------------------------------------------ */

struct report_cfg {
	const char *svg;
	unsigned top;
};

static struct report_cfg report_cfg = { .top = 10 };

static const struct nt_opt options[] = {
	NT_OPT_ROW("svg", 0, "FILE", "also write the heat map to FILE (SVG)", NT_OPT_STR,
		   struct report_cfg, svg, 0),
	NT_OPT_U("top", "N", "pairs listed, worst first (default 10; 0: all)", struct report_cfg,
		 top, 0, 100000, NULL),
};

/* The last RTT summary of one run's --json output: 0 added, 1 none, else an exit code. */
static int load_file(struct report *r, const char *path)
{
	FILE *f = fopen(path, "r");
	struct nt_jv *last = NULL;
	char *line = NULL;
	size_t cap = 0;
	int rc;

	if (!f) {
		nt_usage_error(path, NULL, "cannot read: %s", strerror(errno));
		return NT_EXIT_USAGE;
	}
	while (getline(&line, &cap, f) >= 0) {
		struct nt_jv *v;

		if (line[0] != '{' || !strstr(line, "\"summary\""))
			continue;
		v = nt_jv_parse(line);
		if (v && !strcmp(nt_jv_str(v, "type", ""), "summary") &&
		    report_tool_known(nt_jv_str(v, "tool", NULL))) {
			nt_jv_free(last);
			last = v;
		} else {
			nt_jv_free(v);
		}
	}
	free(line);
	fclose(f);
	if (!last)
		return 1;
	rc = report_add(r, last, path);
	nt_jv_free(last);
	if (rc < 0) {
		nt_err("out of memory reading %s", path);
		return NT_EXIT_RUNTIME;
	}
	return rc;
}

/* @arg: a file, or a directory whose *.json and *.jsonl files are read. */
static int load_arg(struct report *r, const char *arg, int *used, int *skipped)
{
	struct stat st;
	struct dirent **ents;
	int n, rc = 0;

	if (stat(arg, &st)) {
		nt_usage_error(arg, NULL, "cannot read: %s", strerror(errno));
		return NT_EXIT_USAGE;
	}
	if (!S_ISDIR(st.st_mode)) {
		rc = load_file(r, arg);
		*(rc == 1 ? skipped : used) += rc <= 1;
		return rc > 1 ? rc : 0;
	}
	n = scandir(arg, &ents, NULL, alphasort);
	if (n < 0) {
		nt_usage_error(arg, NULL, "cannot list: %s", strerror(errno));
		return NT_EXIT_USAGE;
	}
	for (int i = 0; i < n; i++) {
		const char *name = ents[i]->d_name, *dot = strrchr(name, '.');
		char path[4096];

		if (!rc && dot && (!strcmp(dot, ".jsonl") || !strcmp(dot, ".json"))) {
			snprintf(path, sizeof(path), "%s/%s", arg, name);
			rc = load_file(r, path);
			*(rc == 1 ? skipped : used) += rc <= 1;
			rc = rc > 1 ? rc : 0;
		}
		free(ents[i]);
	}
	free(ents);
	return rc;
}

static void pair_json(const struct report_pair *p, int rank)
{
	struct nt_json *j = nt_json_begin("pair", 0);

	nt_json_u64(j, "rank", rank);
	nt_json_str(j, "src_ip", p->src);
	nt_json_str(j, "dst_ip", p->dst);
	nt_json_obj(j, "exchanges");
	nt_json_u64(j, "started", p->started);
	nt_json_u64(j, "completed", p->completed);
	nt_json_obj_end(j);
	nt_json_f64(j, "loss_pct", p->loss_pct);
	nt_json_obj(j, "rtt_us");
	nt_json_u64(j, "count", p->rtt_count);
	if (p->rtt_count) {
		nt_json_f64(j, "p50", p->p50);
		nt_json_f64(j, "p99", p->p99);
		nt_json_f64(j, "max", p->max);
		nt_json_f64(j, "avg", p->avg);
	}
	nt_json_obj_end(j);
	if (p->dom_avg >= 0) {
		nt_json_obj(j, "dominant");
		nt_json_str(j, "from", p->dom_from);
		nt_json_str(j, "to", p->dom_to);
		nt_json_str(j, "kind", p->dom_kind);
		nt_json_f64(j, "avg_us", p->dom_avg);
		nt_json_obj_end(j);
	}
	nt_json_str(j, "file", p->file);
	nt_json_u64(j, "runs", p->files);
	nt_json_end(j);
}

static void pair_text(const struct report_pair *p, int rank)
{
	nt_text("%3d. %s -> %s  loss %.1f%% (%llu of %llu)", rank, p->src, p->dst, p->loss_pct,
		p->started - p->completed, p->started);
	if (p->rtt_count)
		nt_text("  p50 %.0f us  p99 %.0f us  max %.0f us", p->p50, p->p99, p->max);
	if (p->dom_avg >= 0)
		nt_text("  most time: %s %s -> %s (avg %.0f us)", p->dom_kind, p->dom_from, p->dom_to,
			p->dom_avg);
	nt_text("\n");
}

static void matrix_text(const struct report *r)
{
	nt_text("p99 RTT us / loss; row: sender, column: receiver\n%-16s", "");
	for (int c = 0; c < r->nhosts; c++)
		nt_text(" %18s", r->hosts[c]);
	nt_text("\n");
	for (int row = 0; row < r->nhosts; row++) {
		nt_text("%-16s", r->hosts[row]);
		for (int c = 0; c < r->nhosts; c++) {
			const struct report_pair *p = report_find(r, r->hosts[row], r->hosts[c]);
			char cell[40] = "-";

			if (p)
				snprintf(cell, sizeof(cell), "%.0f / %.1f%%", p->p99, p->loss_pct);
			nt_text(" %18s", row == c ? "" : cell);
		}
		nt_text("\n");
	}
}

static int write_svg(const struct report *r, const char *path)
{
	FILE *f = fopen(path, "w");

	if (!f) {
		nt_err("--svg %s: cannot write: %s", path, strerror(errno));
		return NT_EXIT_RUNTIME;
	}
	report_svg(r, f);
	if (fclose(f)) {
		nt_err("--svg %s: cannot write: %s", path, strerror(errno));
		return NT_EXIT_RUNTIME;
	}
	return 0;
}

static int report_main(int argc, char **argv);

const struct nt_tool_def report_tool = {
	.cli = {
		.tool = "report",
		.synopsis = "[--json] [--svg FILE] [--top N] DIR|FILE...",
		.description =
			"The N x N view of a full mesh of ICMP RTT runs (manual 3.12.1, 4.2): one\n"
			"system_network_icmp_rtt (or kernel_icmp_rtt) --direction tx --json run per\n"
			"ordered pair of hosts, on the sending host, each in its own file. For every\n"
			"pair: exchanges started and completed, loss, p50/p99/max RTT, and the segment\n"
			"holding most of the time (wire, or a stage pair inside a host); worst pairs\n"
			"first, then the matrix. A DIR is read for its *.json and *.jsonl files; files\n"
			"without an RTT run's summary are passed over and counted. --svg writes the\n"
			"matrix as a heat map a browser opens.",
		.examples =
			"  nettrail report fleet-logs/\n"
			"  nettrail report --svg mesh.svg fleet-logs/\n"
			"  nettrail report --json --top 0 a-to-b.jsonl b-to-a.jsonl\n",
		.opts = options,
		.nopts = NT_ARRAY_SIZE(options),
		.cfg = &report_cfg,
	},
	.main = report_main,
};

static int report_main(int argc, char **argv)
{
	const struct nt_cli *cli = &report_tool.cli;
	struct report rep = {};
	struct nt_common common;
	int first, nargs, err, used = 0, skipped = 0;
	unsigned top;

	err = nt_cli_parse_words(cli, argc, argv, &common, &first);
	if (err)
		return err < 0 ? NT_EXIT_OK : err;
	nargs = argc - first;
	if (!nargs) {
		nt_usage_error("DIR|FILE", NULL, "the runs' outputs to read are missing");
		return NT_EXIT_USAGE;
	}
	nt_out_init(cli->tool, common.json);
	if (common.dry_run) {
		nt_text("report: dry run: would read %d argument(s)%s%s\n", nargs,
			report_cfg.svg ? " and write " : "", report_cfg.svg ? report_cfg.svg : "");
		return NT_EXIT_OK;
	}
	for (int i = first; i < argc && !err; i++)
		err = load_arg(&rep, argv[i], &used, &skipped);
	if (!err && !rep.n) {
		nt_usage_error("DIR|FILE", NULL, "no system_network_icmp_rtt/kernel_icmp_rtt --direction tx "
			       "--json summary in %d file(s)", used + skipped);
		err = NT_EXIT_USAGE;
	}
	if (!err && report_finish(&rep))
		err = NT_EXIT_RUNTIME;
	if (err)
		goto out;
	top = report_cfg.top && report_cfg.top < (unsigned)rep.n ? report_cfg.top : (unsigned)rep.n;
	if (nt_out_json()) {
		struct nt_json *j;

		for (unsigned i = 0; i < top; i++)
			pair_json(&rep.pairs[i], i + 1);
		j = nt_json_begin("summary", 0);
		nt_json_arr(j, "hosts");
		for (int i = 0; i < rep.nhosts; i++)
			nt_json_str(j, NULL, rep.hosts[i]);
		nt_json_arr_end(j);
		nt_json_u64(j, "pairs", rep.n);
		nt_json_u64(j, "pairs_missing", (unsigned long long)rep.nhosts * (rep.nhosts - 1) - rep.n);
		nt_json_u64(j, "files", used);
		nt_json_u64(j, "files_without_summary", skipped);
		nt_json_obj(j, "worst");
		nt_json_str(j, "src_ip", rep.pairs[0].src);
		nt_json_str(j, "dst_ip", rep.pairs[0].dst);
		nt_json_obj_end(j);
		if (report_cfg.svg)
			nt_json_str(j, "svg", report_cfg.svg);
		nt_json_end(j);
	} else {
		nt_text("=== report: %d hosts, %d of %d pairs (%d files; %d without an RTT summary) ===\n",
			rep.nhosts, rep.n, rep.nhosts * (rep.nhosts - 1), used, skipped);
		nt_text("Pairs, worst first:\n");
		for (unsigned i = 0; i < top; i++)
			pair_text(&rep.pairs[i], i + 1);
		if (top < (unsigned)rep.n)
			nt_text("  (%u more: --top 0 lists all)\n", rep.n - top);
		matrix_text(&rep);
	}
	if (report_cfg.svg)
		err = write_svg(&rep, report_cfg.svg);
out:
	report_free(&rep);
	return err;
}
