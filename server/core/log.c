#include "core/log.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>

#include "core/clock.h"

static atomic_int log_quiet;

void log_set_quiet(int quiet)
{
	atomic_store(&log_quiet, quiet);
}

static void log_line(const char *level, const char *fmt, va_list ap)
{
	char ts[32], msg[1024];

	clock_format(clock_now(), ts, sizeof(ts));
	vsnprintf(msg, sizeof(msg), fmt, ap);
	/* One fprintf per line so concurrent threads do not interleave. */
	fprintf(stderr, "%s %s %s\n", ts, level, msg);
}

void log_info(const char *fmt, ...)
{
	va_list ap;

	if (atomic_load(&log_quiet))
		return;
	va_start(ap, fmt);
	log_line("info", fmt, ap);
	va_end(ap);
}

void log_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_line("error", fmt, ap);
	va_end(ap);
}
