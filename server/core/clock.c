#include "core/clock.h"

#include <ctype.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <unistd.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static _Atomic int64_t clock_offset;

int64_t clock_now(void)
{
	return (int64_t)time(NULL) + atomic_load(&clock_offset);
}

void clock_set_offset(int64_t seconds)
{
	atomic_store(&clock_offset, seconds);
}

void clock_format(int64_t t, char *out, size_t out_size)
{
	struct tm tm;
	time_t tt = (time_t)t;

	gmtime_r(&tt, &tm);
	strftime(out, out_size, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static int parse_digits(const char *s, int n, int *out)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

static int days_in_month(int year, int month)
{
	static const int days[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;

	return month == 2 ? 28 + leap : days[month - 1];
}

int clock_parse(const char *s, int64_t *out)
{
	int year, mon, day, hour = 0, min = 0, sec = 0, off = 0;
	size_t len = strlen(s);
	struct tm tm;

	if (len < 10 || parse_digits(s, 4, &year) || s[4] != '-' || parse_digits(s + 5, 2, &mon) ||
	    s[7] != '-' || parse_digits(s + 8, 2, &day))
		return -1;
	if (year < 1970 || year > 9999 || mon < 1 || mon > 12 || day < 1 ||
	    day > days_in_month(year, mon))
		return -1;
	if (len > 10) {
		const char *p = s + 19;

		if (len < 20 || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') ||
		    parse_digits(s + 11, 2, &hour) || s[13] != ':' ||
		    parse_digits(s + 14, 2, &min) || s[16] != ':' ||
		    parse_digits(s + 17, 2, &sec) || hour > 23 || min > 59 || sec > 60)
			return -1;
		if (*p == '.') { /* fractional seconds are accepted and dropped */
			p++;
			if (*p < '0' || *p > '9')
				return -1;
			while (*p >= '0' && *p <= '9')
				p++;
		}
		if ((*p == 'Z' || *p == 'z') && p[1] == '\0') {
			off = 0;
		} else if ((*p == '+' || *p == '-') && strlen(p) == 6 && p[3] == ':') {
			int oh, om;

			if (parse_digits(p + 1, 2, &oh) || parse_digits(p + 4, 2, &om) || oh > 23 ||
			    om > 59)
				return -1;
			off = (oh * 60 + om) * 60 * (*p == '-' ? -1 : 1);
		} else {
			return -1;
		}
	}
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = year - 1900;
	tm.tm_mon = mon - 1;
	tm.tm_mday = day;
	tm.tm_hour = hour;
	tm.tm_min = min;
	tm.tm_sec = sec;
	*out = (int64_t)timegm(&tm) - off;
	return 0;
}

int clock_zone_known(const char *tz)
{
	char path[128];

	if (!tz || !*tz || strlen(tz) > 64 || tz[0] == '/' || strstr(tz, ".."))
		return 0;
	for (const char *p = tz; *p; p++)
		if (!isalnum((unsigned char)*p) && !strchr("/_+-", *p))
			return 0;
	snprintf(path, sizeof(path), "/usr/share/zoneinfo/%s", tz);
	return access(path, R_OK) == 0;
}

/* glibc converts to local time only through the process's TZ, so the
 * switch is serialised here; nothing else in the server uses local time
 * (every other conversion is gmtime_r / timegm). */
static pthread_mutex_t tz_lock = PTHREAD_MUTEX_INITIALIZER;

int clock_local(int64_t t, const char *tz, int *minute, int *wday, char date[11])
{
	time_t tt = (time_t)t;
	struct tm tm;
	int ok;

	if (!clock_zone_known(tz))
		return -1;
	pthread_mutex_lock(&tz_lock);
	setenv("TZ", tz, 1);
	tzset();
	ok = localtime_r(&tt, &tm) != NULL;
	setenv("TZ", "UTC", 1);
	tzset();
	pthread_mutex_unlock(&tz_lock);
	if (!ok)
		return -1;
	*minute = tm.tm_hour * 60 + tm.tm_min;
	*wday = tm.tm_wday;
	if (date)
		strftime(date, 11, "%Y-%m-%d", &tm);
	return 0;
}
