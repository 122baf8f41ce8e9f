/* The knowledge base (server/kb.c): articles with versions and a review
 * workflow, ranked bilingual search, a ticket's suggested articles and
 * "solved it" feedback. Routes: kb_routes (include/routes.h). */
#ifndef FT_KB_H
#define FT_KB_H

#include "core/err.h"

struct db;

/* Publishes a few bilingual articles for the demo models (switchgear
 * breaker will not close, relay alarm E-21, transformer over-temperature),
 * linked to whichever of those models and product lines exist. Runs inside
 * the caller's open transaction; does nothing when any article exists. */
enum err kb_demo_seed(struct db *db);

#endif
