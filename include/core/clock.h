/* Wall clock, injectable so tests can move time (SLA, expiry, throttling). */
#ifndef FT_CLOCK_H
#define FT_CLOCK_H

#include <stddef.h>
#include <stdint.h>

int64_t clock_now(void);                /* seconds since the epoch, UTC */
void clock_set_offset(int64_t seconds); /* tests only: shifts clock_now() */
/* Formats t as RFC 3339 UTC ("2026-11-23T10:00:00Z") into out (>= 21 bytes). */
void clock_format(int64_t t, char *out, size_t out_size);
/* Parses RFC 3339 (Z or +hh:mm) or a plain date YYYY-MM-DD; 0 ok, -1 bad. */
int clock_parse(const char *s, int64_t *out);

/* A time zone's wall clock at t: *minute of the day (0..1439), *wday
 * (0 Sunday) and the local date "YYYY-MM-DD" (date may be NULL). tz is an
 * IANA name from the system's tzdata. -1 when tz is unknown. */
int clock_local(int64_t t, const char *tz, int *minute, int *wday, char date[11]);
/* 1 when tz names a zone in the system's tzdata ("Asia/Shanghai"). */
int clock_zone_known(const char *tz);

#endif
