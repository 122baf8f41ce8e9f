/* fieldtrace: wires config -> store -> HTTP -> signals. Nothing else. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "domain/auth.h"
#include "cli/cli.h"
#include "core/config.h"
#include "db/db.h"
#include "demo/demo.h"
#include "db/idempotency_store.h"
#include "core/log.h"
#include "lib/http_client.h"
#include "app.h"
#include "domain/users.h"

static void usage(FILE *out)
{
	fputs("usage:\n"
	      "  fieldtrace serve [--config FILE] [--listen ADDR:PORT] [--db PATH]\n"
	      "                   [--tls-cert PEM] [--tls-key PEM] [--public-url URL] [--demo]\n"
	      "  fieldtrace migrate --db PATH [--demo]\n"
	      "  fieldtrace backup --db PATH OUT\n"
	      "  fieldtrace import assets --db PATH FILE.csv [--dry-run] [--slice-rows N]\n"
	      "  fieldtrace labels --db PATH --batch B --out FILE.svg|FILE.pdf [--ec Q|H]\n"
	      "                    [--public-url URL]\n"
	      "  fieldtrace report --db PATH --month YYYY-MM [--out FILE.md]\n"
	      "  fieldtrace channels check FILE\n"
	      "  fieldtrace channels test FILE --email ADDR | --sms PHONE | --robot NAME |\n"
	      "                                --push fcm|apns|jpush:TOKEN\n"
	      "  fieldtrace user add --db PATH --username U --role ROLE [--region CODE]\n"
	      "                      [--centre CODE] --password-stdin\n"
	      "  fieldtrace help\n\n"
	      "serve settings (flag, environment variable, meaning); a --config file\n"
	      "takes the same names as `key = value` lines. Flags win over the\n"
	      "environment, which wins over the file:\n",
	      out);
	config_print_keys(out);
	fputs("\nroles: admin supervisor dispatcher technician sales auditor\n"
	      "exit status: 0 ok, 1 failure, 2 usage error\n",
	      out);
}

/* Parses "--key value" / "--key=value" / "--flag" pairs into cfg; returns
 * the index of the first positional argument, or -1 on error. */
static int parse_flags(int argc, char **argv, int start, struct config *cfg)
{
	char err[256];
	int i;

	for (i = start; i < argc && strncmp(argv[i], "--", 2) == 0; i++) {
		char key[64];
		const char *value, *eq = strchr(argv[i], '=');

		if (eq) {
			snprintf(key, sizeof(key), "%.*s", (int)(eq - argv[i] - 2), argv[i] + 2);
			value = eq + 1;
		} else {
			snprintf(key, sizeof(key), "%s", argv[i] + 2);
			if (strcmp(key, "demo") == 0 || strcmp(key, "access-log") == 0) {
				value = "true";
			} else if (i + 1 < argc) {
				value = argv[++i];
			} else {
				fprintf(stderr, "fieldtrace: --%s needs a value\n", key);
				return -1;
			}
		}
		if (strcmp(key, "config") == 0)
			continue; /* read before the others, see cmd_serve */
		if (config_set(cfg, key, value, err, sizeof(err)) < 0) {
			fprintf(stderr, "fieldtrace: %s\n", err);
			return -1;
		}
	}
	return i;
}

static const char *find_config_flag(int argc, char **argv)
{
	for (int i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--config") == 0 && i + 1 < argc)
			return argv[i + 1];
		if (strncmp(argv[i], "--config=", 9) == 0)
			return argv[i] + 9;
	}
	return NULL;
}

static int open_migrated(const char *path, struct db **db)
{
	if (db_open(path, db) != ERR_OK)
		return -1;
	if (db_migrate(*db) != ERR_OK || db_quick_check(*db) != ERR_OK) {
		db_close(*db);
		*db = NULL;
		return -1;
	}
	return 0;
}

static int cmd_serve(int argc, char **argv)
{
	const char *file = find_config_flag(argc, argv);
	struct config cfg;
	struct app *srv = NULL;
	struct db *db = NULL;
	int64_t released = 0;
	sigset_t sigs;
	char err[256];
	int sig = 0;

	config_defaults(&cfg);
	if (file && config_load_file(&cfg, file, err, sizeof(err)) < 0) {
		fprintf(stderr, "fieldtrace: %s\n", err);
		return 2;
	}
	if (config_load_env(&cfg, err, sizeof(err)) < 0) {
		fprintf(stderr, "fieldtrace: %s\n", err);
		return 2;
	}
	if (parse_flags(argc, argv, 2, &cfg) != argc) {
		usage(stderr);
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0); /* access log: one line, one write */
	auth_init(cfg.hash_concurrency);
	if (open_migrated(cfg.db_path, &db) < 0)
		return 1;
	if (cfg.demo && demo_load(db, stdout) != ERR_OK) {
		db_close(db);
		return 1;
	}
	if (idempotency_store_abandon_running(db, &released) != ERR_OK) {
		db_close(db);
		return 1;
	}
	if (released)
		log_info("idempotency: %lld claims of the previous run given back",
			 (long long)released);
	db_close(db);

	/* Block the stop signals before civetweb starts its threads, so only
	 * this thread receives them (sigwait below). */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	signal(SIGPIPE, SIG_IGN);

	if (app_start(&cfg, &srv) != ERR_OK) {
		fprintf(stderr, "fieldtrace: the server did not start (see the log above)\n");
		return 1;
	}
	log_info("serving https on %s (port %d), database %s", cfg.listen, app_port(srv),
		 cfg.db_path);
	fflush(stdout);
	sigwait(&sigs, &sig);
	log_info("signal %d: draining in-flight requests", sig);
	app_stop(srv); /* waits for the workers to finish what they hold */
	log_info("stopped");
	return 0;
}

/* Settings for the commands other than serve: defaults, environment,
 * flags (the config file is serve's). */
static int command_config(int argc, char **argv, struct config *cfg)
{
	char err[256];

	config_defaults(cfg);
	if (config_load_env(cfg, err, sizeof(err)) < 0) {
		fprintf(stderr, "fieldtrace: %s\n", err);
		return -1;
	}
	return parse_flags(argc, argv, 2, cfg);
}

static int cmd_migrate(int argc, char **argv)
{
	struct config cfg;
	struct db *db = NULL;
	enum err e = ERR_OK;

	if (command_config(argc, argv, &cfg) != argc) {
		usage(stderr);
		return 2;
	}
	if (open_migrated(cfg.db_path, &db) < 0)
		return 1;
	printf("database %s is migrated\n", cfg.db_path);
	if (cfg.demo) {
		auth_init(cfg.hash_concurrency);
		e = demo_load(db, stdout);
	}
	db_close(db);
	return e == ERR_OK ? 0 : 1;
}

static int cmd_backup(int argc, char **argv)
{
	struct config cfg;
	struct db *db = NULL;
	enum err e;
	int pos;

	pos = command_config(argc, argv, &cfg);
	if (pos < 0 || pos != argc - 1) {
		usage(stderr);
		return 2;
	}
	if (access(argv[pos], F_OK) == 0) {
		fprintf(stderr, "fieldtrace: %s exists; backup writes a new file\n", argv[pos]);
		return 1;
	}
	if (db_open(cfg.db_path, &db) != ERR_OK)
		return 1;
	e = db_backup(db, argv[pos]);
	db_close(db);
	if (e != ERR_OK)
		return 1;
	printf("backup of %s written to %s (integrity ok)\n", cfg.db_path, argv[pos]);
	return 0;
}

static int read_password_stdin(char *out, size_t size)
{
	size_t len;

	if (!fgets(out, (int)size, stdin))
		return -1;
	len = strlen(out);
	while (len && (out[len - 1] == '\n' || out[len - 1] == '\r'))
		out[--len] = '\0';
	return 0;
}

/* Copies an argument, refusing (1) rather than truncating it. */
static int copy_arg(char *dst, size_t size, const char *value)
{
	return snprintf(dst, size, "%s", value) >= (int)size;
}

static int cmd_user_add(int argc, char **argv)
{
	struct user_record u;
	struct audit_actor actor;
	struct db *db = NULL;
	const char *db_path = NULL, *field = "";
	char password[1024];
	int password_stdin = 0, rc = 1;
	int64_t id = 0;
	enum err e;

	memset(&u, 0, sizeof(u));
	for (int i = 3; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (strcmp(a, "--password-stdin") == 0) {
			password_stdin = 1;
			continue;
		}
		if (!v)
			goto usage;
		if (strcmp(a, "--db") == 0)
			db_path = v;
		else if (strcmp(a, "--username") == 0)
			field = copy_arg(u.username, sizeof(u.username), v) ? "--username" : "";
		else if (strcmp(a, "--role") == 0)
			u.role = role_parse(v);
		else if (strcmp(a, "--region") == 0)
			field = copy_arg(u.region, sizeof(u.region), v) ? "--region" : "";
		else if (strcmp(a, "--centre") == 0)
			field = copy_arg(u.centre, sizeof(u.centre), v) ? "--centre" : "";
		else
			goto usage;
		if (field[0]) {
			fprintf(stderr, "fieldtrace: %s is too long\n", field);
			return 2;
		}
		i++;
	}
	if (!db_path || !u.username[0] || !password_stdin)
		goto usage;
	if (u.role == ROLE_NONE) {
		fprintf(stderr, "fieldtrace: --role must be one of admin supervisor dispatcher "
				"technician sales auditor\n");
		return 2;
	}
	if (read_password_stdin(password, sizeof(password)) < 0) {
		fprintf(stderr, "fieldtrace: no password on standard input\n");
		return 2;
	}
	auth_init(1);
	if (open_migrated(db_path, &db) < 0)
		return 1;
	audit_actor_cli(&actor, "user add");
	e = users_create(db, &actor, &u, password, &id, &field);
	if (e == ERR_OK) {
		printf("user %s (%s) created with id %lld\n", u.username, role_name(u.role),
		       (long long)id);
		rc = 0;
	} else if (e == ERR_CONFLICT) {
		fprintf(stderr, "fieldtrace: %s already exists\n", field);
	} else if (e == ERR_INVALID) {
		fprintf(stderr, "fieldtrace: invalid %s\n", field);
	} else {
		fprintf(stderr, "fieldtrace: could not create the user\n");
	}
	explicit_bzero(password, sizeof(password));
	db_close(db);
	return rc;
usage:
	usage(stderr);
	return 2;
}

int main(int argc, char **argv)
{
	const char *cmd = argc > 1 ? argv[1] : "help";

	db_global_init();
	http_client_global_init();
	if (strcmp(cmd, "serve") == 0)
		return cmd_serve(argc, argv);
	if (strcmp(cmd, "migrate") == 0)
		return cmd_migrate(argc, argv);
	if (strcmp(cmd, "backup") == 0)
		return cmd_backup(argc, argv);
	if (strcmp(cmd, "import") == 0)
		return cli_import(argc, argv);
	if (strcmp(cmd, "labels") == 0)
		return cli_labels(argc, argv);
	if (strcmp(cmd, "report") == 0)
		return cli_report(argc, argv);
	if (strcmp(cmd, "channels") == 0)
		return cli_channels(argc, argv);
	if (strcmp(cmd, "user") == 0 && argc > 2 && strcmp(argv[2], "add") == 0)
		return cmd_user_add(argc, argv);
	if (strcmp(cmd, "help") == 0 || strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0) {
		usage(stdout);
		return 0;
	}
	usage(stderr);
	return 2;
}
