/* Starting and reading the tests' local provider receivers (receiver.h). */
#include "receiver.h"

#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"

static void sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

void receiver_start(struct receiver *r, const char *script, const char *const *extra)
{
	char path[512], port[32];
	const char *argv[32];
	size_t n = 0;

	memset(r, 0, sizeof(*r));
	snprintf(r->dir, sizeof(r->dir), "/tmp/ft-receiver-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(r->dir));
	snprintf(path, sizeof(path), "tests/receivers/%s", script);
	/* Debian's python3 has the receivers' packages (python3-aiosmtpd,
	 * -h2, -cryptography); a python3 earlier on PATH (pyenv) may not. */
	argv[n++] = access("/usr/bin/python3", X_OK) == 0 ? "/usr/bin/python3" : "python3";
	argv[n++] = path;
	argv[n++] = "--dir";
	argv[n++] = r->dir;
	argv[n++] = "--cert";
	argv[n++] = harness_cert_file();
	argv[n++] = "--key";
	argv[n++] = harness_key_file();
	for (; extra && *extra && n < 31; extra++)
		argv[n++] = *extra;
	argv[n] = NULL;
	r->pid = fork();
	ck_assert_int_ge(r->pid, 0);
	if (r->pid == 0) {
		/* A test that fails mid-way dies without receiver_stop: its
		 * receivers go with it. */
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		execvp(argv[0], (char *const *)argv);
		_exit(127);
	}
	snprintf(path, sizeof(path), "%s/port", r->dir);
	for (int i = 0; i < 200 && !r->port; i++) {
		FILE *f = fopen(path, "r");

		if (f) {
			if (fgets(port, sizeof(port), f))
				r->port = atoi(port);
			fclose(f);
		}
		if (!r->port) {
			int status;

			ck_assert_msg(waitpid(r->pid, &status, WNOHANG) == 0, "receiver %s exited",
				      script);
			sleep_ms(50);
		}
	}
	ck_assert_msg(r->port > 0, "receiver %s did not start", script);
	snprintf(r->url, sizeof(r->url), "https://localhost:%d", r->port);
}

void receiver_stop(struct receiver *r)
{
	char cmd[300];

	if (r->pid > 0) {
		kill(r->pid, SIGTERM);
		waitpid(r->pid, NULL, 0);
		r->pid = 0;
	}
	if (r->dir[0]) {
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", r->dir);
		ck_assert_int_eq(system(cmd), 0);
		r->dir[0] = '\0';
	}
}

void receiver_script(struct receiver *r, const char *answers_json)
{
	char path[300], tmp[310];
	FILE *f;

	snprintf(path, sizeof(path), "%s/script.json", r->dir);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "w");
	ck_assert_ptr_nonnull(f);
	fputs(answers_json, f);
	ck_assert_int_eq(fclose(f), 0);
	ck_assert_int_eq(rename(tmp, path), 0);
}

json_t *receiver_requests(const struct receiver *r)
{
	char path[300], *line = NULL;
	size_t cap = 0;
	json_t *all = json_array();
	FILE *f;

	snprintf(path, sizeof(path), "%s/requests.jsonl", r->dir);
	f = fopen(path, "r");
	if (!f)
		return all;
	while (getline(&line, &cap, f) > 0) {
		json_t *one = json_loads(line, 0, NULL);

		if (one)
			json_array_append_new(all, one);
	}
	free(line);
	fclose(f);
	return all;
}

size_t receiver_wait(const struct receiver *r, size_t n, int ms)
{
	size_t have = 0;

	for (int waited = 0;; waited += 50) {
		json_t *all = receiver_requests(r);

		have = json_array_size(all);
		json_decref(all);
		if (have >= n || waited >= ms)
			return have;
		sleep_ms(50);
	}
}
