/* Diagnostics to stderr, one line each. The access log lives in http. */
#ifndef FT_LOG_H
#define FT_LOG_H

void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_set_quiet(int quiet); /* tests: silence info lines */

#endif
