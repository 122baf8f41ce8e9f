/* The demo data set: loaded by `serve --demo` into a database with no
 * domain data yet; each issue extends it so a newcomer can try everything. */
#ifndef FT_DEMO_H
#define FT_DEMO_H

#include <stdio.h>

#include "core/err.h"

struct db;

/* Idempotent: does nothing when domain data exists. Prints the accounts it
 * created (username, role, password) to out. */
enum err demo_load(struct db *db, FILE *out);

/* The registry part of the demo (customers, sites, models, assets with
 * labels and timelines); runs inside demo_load's open transaction. */
enum err demo_load_registry(struct db *db, FILE *out);

/* The service part: coverage, skills, holidays and open tickets on the
 * registry's assets; runs inside demo_load's open transaction, after it. */
enum err demo_load_tickets(struct db *db, FILE *out);

#endif
