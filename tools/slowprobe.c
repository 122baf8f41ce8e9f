/* slowprobe: the legitimate client of `make slowtest`. Makes N requests
 * one after another, each on a new connection with a new TLS handshake (a
 * phone opening the app; a keep-alive connection made before an attack
 * would hide it), and prints the latency percentiles. A request that
 * fails or takes longer than --timeout-s counts as failed and as taking
 * the timeout.
 *
 *   slowprobe --url https://127.0.0.1:8443/healthz --cacert certs/ca.pem
 *             [--source 127.0.0.200] (the address to connect from)
 *             [--n 200] [--interval-ms 20] [--timeout-s 10] [--budget-s 60]
 *             [--label NAME]
 * --budget-s stops early (fewer requests, all counted) so a starved server
 * does not keep the probe for n x timeout. */
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static size_t discard(char *data, size_t size, size_t n, void *arg)
{
	(void)data;
	(void)arg;
	return size * n;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

int main(int argc, char **argv)
{
	const char *url = NULL, *cacert = NULL, *label = "probe", *source = NULL;
	int n = 200, interval_ms = 20, failed = 0;
	long timeout_s = 10;
	double *ms, budget_s = 60, start;
	struct timespec ts;

	for (int i = 1; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--url"))
			url = argv[i + 1];
		else if (!strcmp(argv[i], "--cacert"))
			cacert = argv[i + 1];
		else if (!strcmp(argv[i], "--n"))
			n = atoi(argv[i + 1]);
		else if (!strcmp(argv[i], "--interval-ms"))
			interval_ms = atoi(argv[i + 1]);
		else if (!strcmp(argv[i], "--timeout-s"))
			timeout_s = atol(argv[i + 1]);
		else if (!strcmp(argv[i], "--source"))
			source = argv[i + 1];
		else if (!strcmp(argv[i], "--budget-s"))
			budget_s = atof(argv[i + 1]);
		else if (!strcmp(argv[i], "--label"))
			label = argv[i + 1];
	}
	if (!url || n <= 0) {
		fprintf(stderr, "usage: slowprobe --url URL [--cacert PEM] [--n N] "
				"[--interval-ms MS] [--timeout-s S] [--label NAME]\n");
		return 2;
	}
	ms = calloc((size_t)n, sizeof(*ms));
	if (!ms)
		return 1;
	curl_global_init(CURL_GLOBAL_DEFAULT);
	clock_gettime(CLOCK_MONOTONIC, &ts);
	start = (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
	for (int i = 0; i < n; i++) {
		CURL *c = curl_easy_init();
		long status = 0;
		double t = 0;
		CURLcode rc;

		curl_easy_setopt(c, CURLOPT_URL, url);
		if (cacert)
			curl_easy_setopt(c, CURLOPT_CAINFO, cacert);
		curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
		curl_easy_setopt(c, CURLOPT_TIMEOUT, timeout_s);
		curl_easy_setopt(c, CURLOPT_FORBID_REUSE, 1L);
		if (source)
			curl_easy_setopt(c, CURLOPT_INTERFACE, source);
		rc = curl_easy_perform(c);
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
		curl_easy_getinfo(c, CURLINFO_TOTAL_TIME, &t);
		if (rc != CURLE_OK || status != 200) {
			failed++;
			t = (double)timeout_s;
		}
		ms[i] = t * 1000.0;
		curl_easy_cleanup(c);
		if (interval_ms)
			sleep_ms(interval_ms);
		clock_gettime(CLOCK_MONOTONIC, &ts);
		if ((double)ts.tv_sec + (double)ts.tv_nsec / 1e9 - start > budget_s) {
			n = i + 1;
			break;
		}
	}
	qsort(ms, (size_t)n, sizeof(*ms), cmp_double);
	printf("| %s | %d | %d | %.1f | %.1f | %.1f |\n", label, n, failed, ms[n / 2],
	       ms[(size_t)((double)n * 0.99) < (size_t)n ? (size_t)((double)n * 0.99) : (size_t)n - 1],
	       ms[n - 1]);
	free(ms);
	curl_global_cleanup();
	return failed == n ? 1 : 0;
}
