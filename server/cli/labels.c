/* `fieldtrace labels --db PATH --batch B --out FILE.svg|FILE.pdf`: a
 * production batch's labels on A4 sheets, written through a temporary
 * file. The sheet is drawn by server/domain/labels.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli/cli.h"
#include "core/config.h"
#include "db/db.h"
#include "domain/labels.h"
#include "domain/qr.h"
#include "db/qr_store.h"

static int usage(void)
{
	fputs("usage: fieldtrace labels --db PATH --batch B --out FILE.svg|FILE.pdf\n"
	      "                         [--ec Q|H] [--public-url URL]\n",
	      stderr);
	return 2;
}

/* 1 for .pdf, 0 for .svg, -1 otherwise. */
static int out_format(const char *path)
{
	const char *dot = strrchr(path, '.');

	if (dot && strcasecmp(dot, ".pdf") == 0)
		return 1;
	if (dot && strcasecmp(dot, ".svg") == 0)
		return 0;
	return -1;
}

/* Writes data to path through a temporary file, so a failed run leaves no
 * half-written sheet behind. */
static int write_file(const char *path, const struct buf *data)
{
	char tmp[1100];
	FILE *f;
	int ok;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "wb");
	if (!f) {
		perror(tmp);
		return -1;
	}
	ok = fwrite(data->data, 1, data->len, f) == data->len;
	ok = (fclose(f) == 0) && ok;
	if (ok && rename(tmp, path) != 0) {
		perror(path);
		ok = 0;
	}
	if (!ok)
		remove(tmp);
	return ok ? 0 : -1;
}

static int labels_run(const struct config *cfg, const char *batch, const char *out_path, int pdf,
		      enum label_ec ec)
{
	struct scope all = { .all = 1 };
	struct db *db = NULL;
	struct labels_sheet s;
	struct buf doc;
	int rc = 1;
	enum err e;

	buf_init(&doc, 0);
	if (labels_sheet_init(&s, cfg->public_url, LABEL_SHEET_MAX) != ERR_OK)
		return 1;
	e = db_open(cfg->db_path, &db);
	if (e == ERR_OK && (e = db_check_schema(db)) != ERR_OK)
		fprintf(stderr, "fieldtrace: %s is not migrated to this version; run migrate\n",
			cfg->db_path);
	if (e == ERR_OK)
		e = qr_keys_load(db);
	if (e == ERR_OK)
		e = qr_store_label_facts_batch(db, batch, &all, LABEL_SHEET_MAX + 1,
					       labels_sheet_add, &s);
	if (e == ERR_OK)
		e = s.e;
	if (e != ERR_OK)
		goto out;
	if (s.more) {
		fprintf(stderr, "fieldtrace: batch %s has more than %d assets\n", batch,
			LABEL_SHEET_MAX);
	} else if (s.unlabelled) {
		fprintf(stderr,
			"fieldtrace: %zu assets of batch %s have no identification label"
			" (first: serial %s)\n",
			s.unlabelled, batch, s.first_unlabelled);
	} else if (!s.n) {
		fprintf(stderr, "fieldtrace: no assets in batch %s\n", batch);
	} else if (labels_sheet_render(&s, pdf, ec, &doc) == ERR_OK &&
		   write_file(out_path, &doc) == 0) {
		const size_t per = LABEL_SHEET_COLS * LABEL_SHEET_ROWS;

		printf("%zu labels on %zu A4 pages written to %s\n", s.n, (s.n + per - 1) / per,
		       out_path);
		rc = 0;
	}
out:
	if (e != ERR_OK)
		fprintf(stderr, "fieldtrace: labels failed (%s)\n", err_title(e));
	db_close(db);
	buf_cleanup(&doc);
	labels_sheet_cleanup(&s);
	return rc;
}

int cli_labels(int argc, char **argv)
{
	const char *batch = NULL, *out_path = NULL;
	enum label_ec ec = LABEL_EC_Q;
	struct config cfg;
	char err[256];
	int pdf;

	config_defaults(&cfg);
	if (config_load_env(&cfg, err, sizeof(err)) < 0) {
		fprintf(stderr, "fieldtrace: %s\n", err);
		return 2;
	}
	for (int i = 2; i < argc; i++) {
		const char *arg = argv[i], *eq = strchr(arg, '='), *value;
		char key[32];

		if (strncmp(arg, "--", 2) != 0)
			return usage();
		if (eq) {
			snprintf(key, sizeof(key), "%.*s", (int)(eq - arg - 2), arg + 2);
			value = eq + 1;
		} else if (i + 1 < argc) {
			snprintf(key, sizeof(key), "%s", arg + 2);
			value = argv[++i];
		} else {
			return usage();
		}
		if (strcmp(key, "batch") == 0) {
			batch = value;
		} else if (strcmp(key, "out") == 0) {
			out_path = value;
		} else if (strcmp(key, "ec") == 0) {
			if (labels_ec_parse(value, &ec) < 0) {
				fprintf(stderr, "fieldtrace: --ec must be Q or H\n");
				return 2;
			}
		} else if (strcmp(key, "db") == 0 || strcmp(key, "public-url") == 0) {
			if (config_set(&cfg, key, value, err, sizeof(err)) < 0) {
				fprintf(stderr, "fieldtrace: %s\n", err);
				return 2;
			}
		} else {
			return usage();
		}
	}
	if (!batch || !*batch || !out_path)
		return usage();
	pdf = out_format(out_path);
	if (pdf < 0) {
		fprintf(stderr, "fieldtrace: --out must end in .svg or .pdf\n");
		return 2;
	}
	{
		struct config defaults;

		/* Printed links are permanent: say so before printing localhost. */
		config_defaults(&defaults);
		if (strcmp(cfg.public_url, defaults.public_url) == 0)
			fprintf(stderr,
				"fieldtrace: warning: the links use the default public URL %s;"
				" set --public-url or FIELDTRACE_PUBLIC_URL for labels that leave"
				" this machine\n",
				cfg.public_url);
	}
	return labels_run(&cfg, batch, out_path, pdf, ec);
}
