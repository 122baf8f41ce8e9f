/* The knowledge base: fault articles (title, symptoms, cause, solution,
 * safety notes; Chinese, English or both) linked to product lines, models
 * and fault codes, each edit a new immutable version, under a workflow
 *
 *   draft --review--> reviewed --publish--> published --retire--> retired
 *     ^                  |                      |                    |
 *     +------reopen------+----------------------+--------------------+
 *
 * (publish also brings a retired article back when nothing changed since
 * its review). Only the published ("live") version is searchable; it stays
 * live while a reopened article's next version is drafted and reviewed.
 * Search is FTS5 with the trigram tokenizer (any substring of 3+
 * characters, which Chinese needs), with a scan for shorter queries, and
 * ranks by text relevance, "solved it" feedback from tickets and exact
 * fault-code / model links (see rank_score). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain/audit.h"
#include "core/clock.h"
#include "db/db.h"
#include "api/handler.h"
#include "domain/kb.h"
#include "db/kb_store.h"
#include "domain/registry.h"
#include "api/routes.h"
#include "domain/tickets.h"
#include "db/tickets_store.h"
#include "core/utf8.h"

#define NOTE_MAX 1000
#define Q_MAX 200     /* bytes of a search query */
#define Q_TERMS_MAX 8 /* words of a search query */
#define SEARCH_LIMIT_DEFAULT 10
#define SEARCH_LIMIT_MAX 50
#define SNIPPET_BEFORE 30 /* bytes of context before a fallback match */
#define SNIPPET_AFTER 90

/* Ranking weights (README "Knowledge base"). */
#define W_SOLVED 1.5
#define W_CODE 3.0
#define W_MODEL 1.0

static const char *const statuses[] = { "draft", "reviewed", "published", "retired", NULL };
static const char *const languages[] = { "zh", "en", "mixed", NULL };

static int one_of(const char *s, const char *const *set)
{
	for (; s && *set; set++)
		if (strcmp(s, *set) == 0)
			return 1;
	return 0;
}

static json_t *time_json(int64_t t)
{
	char buf[32];

	clock_format(t, buf, sizeof(buf));
	return json_string(buf);
}

/* ---- who may do what ------------------------------------------------------ */

/* Admins, supervisors and auditors see every article and version; everyone
 * else the live version of published articles and their own drafts. */
static void viewer_of(const struct principal *who, struct kb_viewer *v)
{
	v->all = policy_allows(who->role, PERM_KB_ALL_VERSIONS);
	v->user_id = who->user_id;
}

static int sees_all_versions(const struct principal *who, const struct kb_article *a)
{
	struct kb_viewer v;

	viewer_of(who, &v);
	return v.all || (a->owner_id && a->owner_id == who->user_id);
}

static int is_reviewer(const struct principal *who)
{
	return policy_allows(who->role, PERM_KB_REVIEW);
}

static int may_edit(const struct principal *who, const struct kb_article *a)
{
	return is_reviewer(who) ||
	       (policy_allows(who->role, PERM_KB_WRITE) && a->owner_id == who->user_id);
}

enum kb_action { A_REVIEW, A_PUBLISH, A_RETIRE, A_REOPEN, A__COUNT };
static const char *const action_names[A__COUNT] = { "review", "publish", "retire", "reopen" };

/* Does the article's state allow the action (whoever asks)? */
static int state_allows(enum kb_action act, const struct kb_article *a)
{
	switch (act) {
	case A_REVIEW:
		return strcmp(a->status, "draft") == 0;
	case A_PUBLISH:
		return (strcmp(a->status, "reviewed") == 0 || strcmp(a->status, "retired") == 0) &&
		       a->reviewed_version == a->current_version;
	case A_RETIRE:
		return strcmp(a->status, "retired") != 0;
	case A_REOPEN:
		return strcmp(a->status, "draft") != 0;
	default:
		return 0;
	}
}

/* Review and publish are for reviewers (supervisors, admins), and nobody
 * reviews a version they wrote (four eyes). Retire likewise; the owner
 * may also reopen their article. author = the current version's author. */
static int role_allows(enum kb_action act, const struct kb_article *a, int64_t author,
		       const struct principal *who)
{
	switch (act) {
	case A_REVIEW:
		return is_reviewer(who) && author != who->user_id;
	case A_PUBLISH:
	case A_RETIRE:
		return is_reviewer(who);
	case A_REOPEN:
		return may_edit(who, a);
	default:
		return 0;
	}
}

static json_t *allowed_json(const struct kb_article *a, int64_t author, const struct principal *who)
{
	json_t *list = json_array();

	if (strcmp(a->status, "draft") == 0 && may_edit(who, a))
		json_array_append_new(list, json_string("edit"));
	for (int i = 0; i < A__COUNT; i++)
		if (state_allows((enum kb_action)i, a) &&
		    role_allows((enum kb_action)i, a, author, who))
			json_array_append_new(list, json_string(action_names[i]));
	return list;
}

/* ---- text helpers ---------------------------------------------------------- */

/* Control characters are refused; multi-line text may hold \n \r \t. */
static int text_ok(const char *s, int multiline)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c < 0x20 && !(multiline && (c == '\n' || c == '\r' || c == '\t')))
			return 0;
		if (c == 0x7f)
			return 0;
	}
	return 1;
}

/* Fault codes as recorded on tickets: [A-Za-z0-9._-], upper-cased. */
static int code_normalize(const char *in, char *out, size_t size)
{
	size_t n = strlen(in);

	if (n == 0 || n > KB_CODE_MAX || n >= size ||
	    strspn(in, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-") != n)
		return -1;
	for (size_t i = 0; i <= n; i++)
		out[i] = (in[i] >= 'a' && in[i] <= 'z') ? (char)(in[i] - 'a' + 'A') : in[i];
	return 0;
}

static size_t codepoints(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		n += ((unsigned char)*s & 0xc0) != 0x80;
	return n;
}

/* Case-insensitive (ASCII) search for needle in hay; NULL when absent. */
static const char *find_ci(const char *hay, const char *needle)
{
	size_t n = strlen(needle);

	if (!n)
		return NULL;
	for (; *hay; hay++)
		if (strncasecmp(hay, needle, n) == 0)
			return hay;
	return NULL;
}

/* ---- input ---------------------------------------------------------------- */

static const struct json_field create_fields[] = {
	{ "title", JSON_STRING, JF_REQUIRED, KB_TITLE_MAX },
	{ "symptoms", JSON_STRING, 0, KB_TEXT_MAX },
	{ "cause", JSON_STRING, 0, KB_TEXT_MAX },
	{ "solution", JSON_STRING, 0, KB_TEXT_MAX },
	{ "safety_notes", JSON_STRING, 0, KB_SAFETY_MAX },
	{ "language", JSON_STRING, 0, 8 },
	{ "product_lines", JSON_ARRAY, 0, 0 },
	{ "models", JSON_ARRAY, 0, 0 },
	{ "fault_codes", JSON_ARRAY, 0, 0 },
	{ NULL, JSON_NULL, 0, 0 },
};

static const struct json_field patch_fields[] = {
	{ "title", JSON_STRING, 0, KB_TITLE_MAX },
	{ "symptoms", JSON_STRING, 0, KB_TEXT_MAX },
	{ "cause", JSON_STRING, 0, KB_TEXT_MAX },
	{ "solution", JSON_STRING, 0, KB_TEXT_MAX },
	{ "safety_notes", JSON_STRING, 0, KB_SAFETY_MAX },
	{ "language", JSON_STRING, 0, 8 },
	{ "product_lines", JSON_ARRAY, 0, 0 },
	{ "models", JSON_ARRAY, 0, 0 },
	{ "fault_codes", JSON_ARRAY, 0, 0 },
	{ NULL, JSON_NULL, 0, 0 },
};

/* One text member (type and length already checked) into dst. */
static void take_text(struct resp *resp, const json_t *body, const char *key, char *dst,
		      size_t size, int multiline)
{
	const char *s = json_string_value(json_object_get(body, key));
	char ptr[32];

	if (!s)
		return;
	snprintf(ptr, sizeof(ptr), "/%s", key);
	if (!text_ok(s, multiline))
		http_invalid(resp, ptr, "must not hold control characters");
	else if (!multiline && registry_blank(s))
		http_invalid(resp, ptr, "must not be empty");
	else
		snprintf(dst, size, "%s", s);
}

/* An array of codes at /key: each a string, at most KB_LINKS_MAX distinct.
 * check() validates one (reporting at ptr) and stores it; 0 ok. */
typedef int (*link_check_fn)(struct db *db, struct resp *resp, const char *ptr, const char *s,
			     struct kb_links *l, enum err *e);

static int link_line(struct db *db, struct resp *resp, const char *ptr, const char *s,
		     struct kb_links *l, enum err *e)
{
	struct product_line_row p;
	enum err found = registry_product_line_get(db, s, &p);

	if (found == ERR_NOT_FOUND) {
		http_invalid(resp, ptr, "no such product line");
		return -1;
	}
	if (found != ERR_OK) {
		*e = found;
		return -1;
	}
	for (size_t i = 0; i < l->n_lines; i++)
		if (strcmp(l->product_lines[i], p.code) == 0)
			return 0;
	snprintf(l->product_lines[l->n_lines++], KB_CODE_MAX + 1, "%s", p.code);
	return 0;
}

static int link_model(struct db *db, struct resp *resp, const char *ptr, const char *s,
		      struct kb_links *l, enum err *e)
{
	struct model_row *m = malloc(sizeof(*m));
	enum err found = m ? registry_model_get(db, 0, s, m) : ERR_INTERNAL;
	int rc = 0;

	if (found == ERR_NOT_FOUND) {
		http_invalid(resp, ptr, "no such model");
		rc = -1;
	} else if (found != ERR_OK) {
		*e = found;
		rc = -1;
	} else {
		size_t i = 0;

		while (i < l->n_models && l->model_ids[i] != m->id)
			i++;
		if (i == l->n_models) {
			l->model_ids[l->n_models] = m->id;
			snprintf(l->models[l->n_models++], KB_CODE_MAX + 1, "%s", m->code);
		}
	}
	free(m);
	return rc;
}

static int link_code(struct db *db, struct resp *resp, const char *ptr, const char *s,
		     struct kb_links *l, enum err *e)
{
	char code[KB_CODE_MAX + 1];

	(void)db;
	(void)e;
	if (code_normalize(s, code, sizeof(code)) < 0) {
		http_invalid(resp, ptr, "must be 1 to %d of A-Z a-z 0-9 . _ -", KB_CODE_MAX);
		return -1;
	}
	for (size_t i = 0; i < l->n_codes; i++)
		if (strcmp(l->fault_codes[i], code) == 0)
			return 0;
	snprintf(l->fault_codes[l->n_codes++], KB_CODE_MAX + 1, "%s", code);
	return 0;
}

static enum err take_links(struct db *db, struct resp *resp, const json_t *body, const char *key,
			   link_check_fn check, struct kb_links *l, int *has)
{
	const json_t *arr = json_object_get(body, key);
	const json_t *item;
	enum err e = ERR_OK;
	char ptr[48];
	size_t i;

	if (!json_is_array(arr))
		return ERR_OK;
	*has = 1;
	if (json_array_size(arr) > KB_LINKS_MAX) {
		snprintf(ptr, sizeof(ptr), "/%s", key);
		http_invalid(resp, ptr, "at most %d entries", KB_LINKS_MAX);
		return ERR_OK;
	}
	json_array_foreach(arr, i, item) {
		snprintf(ptr, sizeof(ptr), "/%s/%zu", key, i);
		if (!json_is_string(item) || json_string_length(item) > KB_CODE_MAX ||
		    json_string_length(item) == 0)
			http_invalid(resp, ptr, "must be a code of 1 to %d bytes", KB_CODE_MAX);
		else
			check(db, resp, ptr, json_string_value(item), l, &e);
		if (e != ERR_OK)
			return e;
	}
	return ERR_OK;
}

static size_t problems(const struct resp *resp)
{
	return resp->problem.errors ? json_array_size(resp->problem.errors) : 0;
}

/* Applies the members of body over in (a create: in zeroed, title
 * required). ERR_INVALID with every problem named. */
static enum err input_apply(struct db *db, struct resp *resp, const json_t *body,
			    struct kb_input *in)
{
	size_t before = problems(resp);
	const char *lang = json_string_value(json_object_get(body, "language"));
	enum err e;

	take_text(resp, body, "title", in->v.title, sizeof(in->v.title), 0);
	take_text(resp, body, "symptoms", in->v.symptoms, sizeof(in->v.symptoms), 1);
	take_text(resp, body, "cause", in->v.cause, sizeof(in->v.cause), 1);
	take_text(resp, body, "solution", in->v.solution, sizeof(in->v.solution), 1);
	take_text(resp, body, "safety_notes", in->v.safety_notes, sizeof(in->v.safety_notes), 1);
	if (lang && !one_of(lang, languages))
		http_invalid(resp, "/language", "must be zh, en or mixed");
	else if (lang)
		snprintf(in->language, sizeof(in->language), "%s", lang);
	if (json_object_get(body, "product_lines"))
		in->links.n_lines = 0;
	if (json_object_get(body, "models"))
		in->links.n_models = 0;
	if (json_object_get(body, "fault_codes"))
		in->links.n_codes = 0;
	e = take_links(db, resp, body, "product_lines", link_line, &in->links, &in->has_lines);
	if (e == ERR_OK)
		e = take_links(db, resp, body, "models", link_model, &in->links, &in->has_models);
	if (e == ERR_OK)
		e = take_links(db, resp, body, "fault_codes", link_code, &in->links,
			       &in->has_codes);
	if (e != ERR_OK)
		return e;
	return problems(resp) > before ? ERR_INVALID : ERR_OK;
}

/* ---- JSON ----------------------------------------------------------------- */

static json_t *id_or_null(int64_t id)
{
	return id ? json_integer((json_int_t)id) : json_null();
}

/* The article as the API shows it: the version ver's text, the article's
 * workflow state, links and feedback counts; who decides allowed_actions
 * (NULL: none). */
static json_t *article_json(const struct kb_article *a, const struct kb_version *ver,
			    const struct kb_links *l, int64_t solved, int64_t unhelpful,
			    int64_t author_of_current, const struct principal *who)
{
	json_t *doc = json_pack(
	    "{s:I, s:s, s:s, s:I, s:I, s:o, s:o, s:s, s:s, s:s, s:s, s:s, s:o, s:o, s:o, s:I, s:I}",
	    "id", (json_int_t)a->id, "status", a->status, "language", a->language, "version",
	    (json_int_t)ver->version, "current_version", (json_int_t)a->current_version,
	    "published_version", id_or_null(a->live_version), "reviewed_version",
	    id_or_null(a->reviewed_version), "title", ver->title, "symptoms", ver->symptoms,
	    "cause", ver->cause, "solution", ver->solution, "safety_notes", ver->safety_notes,
	    "author", ver->author[0] ? json_string(ver->author) : json_null(), "owner",
	    a->owner[0] ? json_string(a->owner) : json_null(), "source_ticket_id",
	    id_or_null(a->source_ticket_id), "solved_count", (json_int_t)solved,
	    "not_helpful_count", (json_int_t)unhelpful);

	if (!doc)
		return NULL;
	kb_links_into(doc, l);
	json_object_set_new(doc, "version_created_at", time_json(ver->created_at));
	json_object_set_new(doc, "created_at", time_json(a->created_at));
	json_object_set_new(doc, "updated_at", time_json(a->updated_at));
	json_object_set_new(doc, "allowed_actions",
			    who ? allowed_json(a, author_of_current, who) : json_array());
	return doc;
}

static void etag_header(struct resp *resp, int64_t version)
{
	char etag[32];

	snprintf(etag, sizeof(etag), "\"v%lld\"", (long long)version);
	resp_header(resp, "ETag", etag);
}

/* Article id as who sees it: version (0 = the one they see by default:
 * the current one for its owner and reviewers, else the live one) into
 * *doc (new, the caller owns it), with its ETag on resp. */
static enum err article_doc(struct req *req, struct resp *resp, int64_t id, int64_t version,
			    json_t **doc)
{
	struct kb_article a;
	struct kb_version *ver = malloc(sizeof(*ver));
	struct kb_links *l = malloc(sizeof(*l));
	struct kb_viewer v;
	int64_t solved = 0, unhelpful = 0, author = 0;
	enum err e;

	*doc = NULL;
	viewer_of(&req->user, &v);
	e = ver && l ? kb_store_article_get(req->db, id, &v, &a) : ERR_INTERNAL;
	if (e == ERR_NOT_FOUND) {
		e = http_fail(resp, ERR_NOT_FOUND, "no such article");
		goto out;
	}
	if (e != ERR_OK)
		goto out;
	if (!version)
		version = sees_all_versions(&req->user, &a) ? a.current_version : a.live_version;
	if (version > a.current_version ||
	    (!sees_all_versions(&req->user, &a) && version != a.live_version)) {
		e = http_fail(resp, ERR_NOT_FOUND, "no such version of article %lld",
			      (long long)id);
		goto out;
	}
	e = kb_store_version_get(req->db, id, a.current_version, ver);
	if (e == ERR_OK)
		author = ver->author_id;
	if (e == ERR_OK)
		e = kb_store_version_get(req->db, id, version, ver);
	if (e == ERR_OK)
		e = kb_store_links_get(req->db, id, l);
	if (e == ERR_OK)
		e = kb_store_feedback_counts(req->db, id, &solved, &unhelpful);
	if (e != ERR_OK)
		goto out;
	*doc = article_json(&a, ver, l, solved, unhelpful, author, &req->user);
	if (!*doc)
		e = ERR_INTERNAL;
	else
		etag_header(resp, version);
out:
	free(ver);
	free(l);
	return e;
}

/* Answers article id as who sees it (see article_doc). */
static enum err answer_article(struct req *req, struct resp *resp, int64_t id, int64_t version,
			       int status)
{
	char location[64];
	json_t *doc;
	enum err e = article_doc(req, resp, id, version, &doc);

	if (e != ERR_OK)
		return e;
	if (status == 201) {
		snprintf(location, sizeof(location), "/v1/kb/articles/%lld", (long long)id);
		resp_header(resp, "Location", location);
	}
	resp_json(resp, status, doc);
	return ERR_OK;
}

/* A stale If-Match: 412 with the article as the caller sees it in
 * current, and its ETag, so a client can merge and retry. */
static enum err refuse_stale(struct req *req, struct resp *resp, int64_t id, int64_t now_at)
{
	json_t *doc;
	enum err e = article_doc(req, resp, id, 0, &doc);

	if (e != ERR_OK)
		return e;
	json_decref(resp->problem.extra);
	resp->problem.extra = json_pack("{s:o}", "current", doc);
	return http_fail(resp, ERR_PRECONDITION,
			 "the article is no longer at that version (now v%lld)", (long long)now_at);
}

/* ---- create --------------------------------------------------------------- */

static enum err create_and_answer(struct req *req, struct resp *resp, struct kb_input *in,
				  int64_t source_ticket_id)
{
	struct audit_actor actor;
	int64_t id = 0;
	enum err e;

	audit_actor_from_req(req, &actor);
	e = db_begin(req->db);
	if (e == ERR_OK)
		e = kb_article_create_locked(req->db, &actor, req->user.user_id, in, "draft",
					     source_ticket_id, &id);
	if (e == ERR_OK)
		e = db_commit(req->db);
	else
		db_rollback(req->db);
	if (e != ERR_OK)
		return e;
	return answer_article(req, resp, id, 0, 201);
}

static enum err post_article(struct req *req, struct resp *resp)
{
	struct kb_input *in = calloc(1, sizeof(*in));
	enum err e = in ? req_json_check(req, resp, create_fields) : ERR_INTERNAL;

	if (e == ERR_OK)
		e = input_apply(req->db, resp, req->json, in);
	if (e == ERR_OK)
		e = create_and_answer(req, resp, in, 0);
	free(in);
	return e;
}

/* A draft from a resolved ticket: its title, its description as the
 * symptoms, the work record's cause and actions, its fault code, model
 * and product line. */
static enum err post_from_ticket(struct req *req, struct resp *resp)
{
	struct ticket_row *t = malloc(sizeof(*t));
	struct ticket_work *w = malloc(sizeof(*w));
	struct kb_input *in = calloc(1, sizeof(*in));
	struct model_row *m = malloc(sizeof(*m));
	struct scope sc;
	int64_t id = 0;
	enum err e = t && w && in && m ? req_param_id(req, resp, 0, &id) : ERR_INTERNAL;

	if (e != ERR_OK)
		goto out;
	sc = req->user.scope;
	e = tickets_store_get(req->db, id, &sc, t);
	if (e == ERR_NOT_FOUND) {
		e = http_fail(resp, ERR_NOT_FOUND, "no such ticket");
		goto out;
	}
	if (e != ERR_OK)
		goto out;
	if (strcmp(t->status, "resolved") != 0 && strcmp(t->status, "follow_up") != 0 &&
	    strcmp(t->status, "closed") != 0) {
		e = http_fail(resp, ERR_CONFLICT,
			      "ticket %lld is %s; an article is drafted from a resolved or closed "
			      "ticket",
			      (long long)id, t->status);
		goto out;
	}
	memset(w, 0, sizeof(*w));
	e = tickets_store_work_get(req->db, id, w);
	if (e != ERR_OK && e != ERR_NOT_FOUND)
		goto out;
	snprintf(in->v.title, sizeof(in->v.title), "%s", t->title);
	snprintf(in->v.symptoms, sizeof(in->v.symptoms), "%s",
		 registry_blank(t->description) ? t->title : t->description);
	snprintf(in->v.cause, sizeof(in->v.cause), "%s", w->cause);
	snprintf(in->v.solution, sizeof(in->v.solution), "%s", w->actions);
	if (w->fault_code[0] &&
	    code_normalize(w->fault_code, in->links.fault_codes[0], KB_CODE_MAX + 1) == 0)
		in->links.n_codes = 1;
	if (t->product_line[0]) {
		snprintf(in->links.product_lines[0], KB_CODE_MAX + 1, "%s", t->product_line);
		in->links.n_lines = 1;
	}
	if (t->model_id) {
		e = registry_model_get(req->db, t->model_id, NULL, m);
		if (e == ERR_OK) {
			in->links.model_ids[0] = m->id;
			snprintf(in->links.models[0], KB_CODE_MAX + 1, "%s", m->code);
			in->links.n_models = 1;
		} else if (e != ERR_NOT_FOUND) {
			goto out;
		}
	}
	e = create_and_answer(req, resp, in, id);
out:
	free(t);
	free(w);
	free(in);
	free(m);
	return e;
}

/* ---- read ----------------------------------------------------------------- */

static int parse_positive(const char *s, int64_t *out)
{
	char *end;
	long long v;

	if (!s || *s < '1' || *s > '9')
		return -1;
	v = strtoll(s, &end, 10);
	if (*end || v <= 0 || v > INT32_MAX)
		return -1;
	*out = v;
	return 0;
}

static enum err get_article(struct req *req, struct resp *resp)
{
	const char *vq = req_query(req, "version");
	int64_t id, version = 0;
	enum err e = req_param_id(req, resp, 0, &id);

	if (e != ERR_OK)
		return e;
	if (vq && parse_positive(vq, &version) < 0)
		return http_invalid(resp, "version", "must be a version number (1, 2, ...)");
	return answer_article(req, resp, id, version, 200);
}

struct versions_ctx {
	json_t *items;
	int limit, more, restricted;
	int64_t live, last;
};

static int version_row(const struct kb_version *ver, void *arg)
{
	struct versions_ctx *ctx = arg;

	if (ctx->restricted && ver->version != ctx->live)
		return 0;
	if ((int)json_array_size(ctx->items) == ctx->limit) {
		ctx->more = 1;
		return 1;
	}
	json_array_append_new(ctx->items,
			      json_pack("{s:I, s:s, s:o, s:o, s:b}", "version",
					(json_int_t)ver->version, "title", ver->title, "author",
					ver->author[0] ? json_string(ver->author) : json_null(),
					"created_at", time_json(ver->created_at), "published",
					ver->version == ctx->live));
	ctx->last = ver->version;
	return 0;
}

static enum err get_versions(struct req *req, struct resp *resp)
{
	struct versions_ctx ctx = { 0 };
	struct kb_article a;
	struct kb_viewer v;
	struct page page;
	int64_t id, before = 0;
	char next[24];
	enum err e = req_param_id(req, resp, 0, &id);

	if (e != ERR_OK)
		return e;
	e = req_page(req, resp, &page);
	if (page.has_after && parse_positive(page.after, &before) < 0)
		e = http_invalid(resp, "cursor", "is not a cursor this server issued");
	if (e != ERR_OK)
		return e;
	viewer_of(&req->user, &v);
	e = kb_store_article_get(req->db, id, &v, &a);
	if (e == ERR_NOT_FOUND)
		return http_fail(resp, ERR_NOT_FOUND, "no such article");
	if (e != ERR_OK)
		return e;
	ctx.items = json_array();
	ctx.limit = page.limit;
	ctx.live = a.live_version;
	ctx.restricted = !sees_all_versions(&req->user, &a);
	e = kb_store_versions(req->db, id, before, ctx.restricted ? 1000000 : page.limit + 1,
			      version_row, &ctx);
	if (e != ERR_OK) {
		json_decref(ctx.items);
		return e;
	}
	snprintf(next, sizeof(next), "%lld", (long long)ctx.last);
	resp_page(resp, ctx.items, ctx.more ? next : NULL);
	return ERR_OK;
}

/* The facet parameters shared by the list and search: product_line,
 * model (a code) and fault_code, into f (strings borrowed from the request
 * or from the buffers given). */
static enum err facets_parse(struct req *req, struct resp *resp, struct kb_filter *f,
			     char code[KB_CODE_MAX + 1], char line[KB_CODE_MAX + 1])
{
	const char *pl = req_query(req, "product_line"), *model = req_query(req, "model");
	const char *fc = req_query(req, "fault_code");
	enum err e = ERR_OK, found;

	if (pl) {
		struct product_line_row p;

		found = registry_product_line_get(req->db, pl, &p);
		if (found == ERR_NOT_FOUND)
			e = http_invalid(resp, "product_line", "no such product line");
		else if (found != ERR_OK)
			return found;
		else
			f->product_line = pl;
	}
	if (model) {
		struct model_row *m = malloc(sizeof(*m));

		found = m ? registry_model_get(req->db, 0, model, m) : ERR_INTERNAL;
		if (found == ERR_NOT_FOUND) {
			e = http_invalid(resp, "model", "no such model");
		} else if (found != ERR_OK) {
			free(m);
			return found;
		} else {
			f->model_id = m->id;
			snprintf(line, KB_CODE_MAX + 1, "%s", m->product_line);
			f->model_line = line;
		}
		free(m);
	}
	if (fc) {
		if (code_normalize(fc, code, KB_CODE_MAX + 1) < 0)
			e = http_invalid(resp, "fault_code", "must be 1 to %d of A-Z a-z 0-9 . _ -",
					 KB_CODE_MAX);
		else
			f->fault_code = code;
	}
	return e;
}

struct list_ctx {
	json_t *items;
	int limit, more;
	int64_t last;
};

static int list_row(const struct kb_list_row *r, void *arg)
{
	struct list_ctx *ctx = arg;

	if ((int)json_array_size(ctx->items) == ctx->limit) {
		ctx->more = 1;
		return 1;
	}
	json_array_append_new(ctx->items,
			      json_pack("{s:I, s:s, s:s, s:s, s:I, s:I, s:o, s:o, s:o}", "id",
					(json_int_t)r->a.id, "status", r->a.status, "language",
					r->a.language, "title", r->title, "version",
					(json_int_t)r->shown_version, "current_version",
					(json_int_t)r->a.current_version, "published_version",
					id_or_null(r->a.live_version), "owner",
					r->a.owner[0] ? json_string(r->a.owner) : json_null(),
					"updated_at", time_json(r->a.updated_at)));
	ctx->last = r->a.id;
	return 0;
}

static enum err get_articles(struct req *req, struct resp *resp)
{
	const char *status = req_query(req, "status");
	struct list_ctx ctx = { 0 };
	struct kb_filter f = { 0 };
	struct kb_viewer v;
	struct page page;
	char code[KB_CODE_MAX + 1], line[KB_CODE_MAX + 1], next[24];
	int64_t before = 0;
	enum err e = req_page(req, resp, &page), e2;

	if (page.has_after && parse_positive(page.after, &before) < 0)
		e = http_invalid(resp, "cursor", "is not a cursor this server issued");
	if (status && !one_of(status, statuses))
		e = http_invalid(resp, "status", "must be draft, reviewed, published or retired");
	f.status = status;
	e2 = facets_parse(req, resp, &f, code, line);
	if (e2 != ERR_OK && e2 != ERR_INVALID)
		return e2;
	if (e != ERR_OK || e2 != ERR_OK)
		return ERR_INVALID;
	viewer_of(&req->user, &v);
	ctx.items = json_array();
	ctx.limit = page.limit;
	e = kb_store_list(req->db, &v, &f, before, page.limit + 1, list_row, &ctx);
	if (e != ERR_OK) {
		json_decref(ctx.items);
		return e;
	}
	snprintf(next, sizeof(next), "%lld", (long long)ctx.last);
	resp_page(resp, ctx.items, ctx.more ? next : NULL);
	return ERR_OK;
}

/* ---- edit and workflow ----------------------------------------------------- */

/* Reads the article for a write: 404 when who cannot see it. */
static enum err load_for_write(struct req *req, struct resp *resp, int64_t id, struct kb_article *a)
{
	struct kb_viewer v;
	enum err e;

	viewer_of(&req->user, &v);
	e = kb_store_article_get(req->db, id, &v, a);
	if (e == ERR_NOT_FOUND)
		return http_fail(resp, ERR_NOT_FOUND, "no such article");
	return e;
}

static enum err refuse_state(struct resp *resp, const struct kb_article *a, int64_t author,
			     const struct principal *who, const char *what)
{
	json_t *allowed = allowed_json(a, author, who);

	json_decref(resp->problem.extra);
	resp->problem.extra =
	    json_pack("{s:s, s:o}", "article_status", a->status, "allowed", allowed);
	return http_fail(resp, ERR_CONFLICT, "cannot %s an article that is %s", what, a->status);
}

static enum err patch_article(struct req *req, struct resp *resp)
{
	struct kb_input *in = calloc(1, sizeof(*in));
	struct kb_version *old = malloc(sizeof(*old));
	struct kb_article a, before;
	struct audit_actor actor;
	char id_text[24];
	json_t *jb = NULL, *ja = NULL;
	int64_t id = 0;
	enum err e = in && old ? req_param_id(req, resp, 0, &id) : ERR_INTERNAL;

	if (e == ERR_OK)
		e = load_for_write(req, resp, id, &a);
	if (e != ERR_OK)
		goto out;
	if (!may_edit(&req->user, &a)) {
		e = http_fail(resp, ERR_FORBIDDEN, "only its owner or a reviewer edits an article");
		goto out;
	}
	if (!req_if_match_version(req, a.current_version)) {
		e = refuse_stale(req, resp, id, a.current_version);
		goto out;
	}
	e = kb_store_version_get(req->db, id, a.current_version, old);
	if (e != ERR_OK)
		goto out;
	if (strcmp(a.status, "draft") != 0) {
		e = refuse_state(resp, &a, old->author_id, &req->user, "edit");
		goto out;
	}
	e = req_json_check(req, resp, patch_fields);
	if (e == ERR_OK && json_object_size(req->json) == 0)
		e = http_invalid(resp, "", "send at least one member to change");
	if (e != ERR_OK)
		goto out;
	in->v = *old;
	e = kb_store_links_get(req->db, id, &in->links);
	if (e == ERR_OK)
		e = input_apply(req->db, resp, req->json, in);
	if (e != ERR_OK)
		goto out;

	audit_actor_from_req(req, &actor);
	e = db_begin(req->db);
	if (e != ERR_OK)
		goto out;
	e = load_for_write(req, resp, id, &before);
	if (e == ERR_OK &&
	    (before.current_version != a.current_version || strcmp(before.status, "draft") != 0)) {
		/* Edited by someone else since the check: as a stale If-Match,
		 * with the article as it now is, so the edit can be merged. */
		db_rollback(req->db);
		e = refuse_stale(req, resp, id, before.current_version);
		goto out;
	}
	if (e == ERR_OK) {
		a.current_version++;
		snprintf(a.language, sizeof(a.language), "%s",
			 in->language[0] ? in->language : kb_language_detect(&in->v));
		a.updated_at = clock_now();
		in->v.article_id = id;
		in->v.version = a.current_version;
		in->v.author_id = req->user.user_id;
		in->v.created_at = a.updated_at;
		e = kb_store_version_insert(req->db, &in->v);
	}
	if (e == ERR_OK)
		e = kb_store_article_update(req->db, &a);
	if (e == ERR_OK && (in->has_lines || in->has_models || in->has_codes))
		e = kb_store_links_put(req->db, id, &in->links);
	if (e == ERR_OK && a.live_version) /* the live text's tags follow the links */
		e = kb_store_index_sync(req->db, id);
	if (e == ERR_OK) {
		snprintf(id_text, sizeof(id_text), "%lld", (long long)id);
		jb = kb_audit_json(&before, old->title, NULL);
		ja = kb_audit_json(&a, in->v.title, &in->links);
		e = jb && ja ? audit_append(req->db, &actor, "kb.article.update", "kb_article",
					    id_text, jb, ja)
			     : ERR_INTERNAL;
	}
	if (e == ERR_OK)
		e = db_commit(req->db);
	else
		db_rollback(req->db);
	if (e == ERR_OK)
		e = answer_article(req, resp, id, 0, 200);
out:
	json_decref(jb);
	json_decref(ja);
	free(in);
	free(old);
	return e;
}

static const struct json_field transition_fields[] = {
	{ "action", JSON_STRING, JF_REQUIRED, 16 },
	{ "note", JSON_STRING, 0, NOTE_MAX },
	{ NULL, JSON_NULL, 0, 0 },
};

static enum err post_transition(struct req *req, struct resp *resp)
{
	const char *name = req_json_str(req, "action"), *note = req_json_str(req, "note");
	struct kb_article a, before;
	struct kb_version *cur = malloc(sizeof(*cur));
	struct audit_actor actor;
	char id_text[24], action[40];
	json_t *jb = NULL, *ja = NULL;
	enum kb_action act = A__COUNT;
	int64_t id = 0;
	enum err e = cur ? req_param_id(req, resp, 0, &id) : ERR_INTERNAL;

	if (e == ERR_OK)
		e = req_json_check(req, resp, transition_fields);
	for (int i = 0; e == ERR_OK && i < A__COUNT; i++)
		if (strcmp(name, action_names[i]) == 0)
			act = (enum kb_action)i;
	if (e == ERR_OK && act == A__COUNT)
		e = http_invalid(resp, "/action", "must be review, publish, retire or reopen");
	if (e == ERR_OK && note && !text_ok(note, 1))
		e = http_invalid(resp, "/note", "must not hold control characters");
	if (e == ERR_OK)
		e = load_for_write(req, resp, id, &a);
	if (e == ERR_OK)
		e = kb_store_version_get(req->db, id, a.current_version, cur);
	if (e != ERR_OK)
		goto out;
	if (!state_allows(act, &a)) {
		e = refuse_state(resp, &a, cur->author_id, &req->user, action_names[act]);
		goto out;
	}
	if (!role_allows(act, &a, cur->author_id, &req->user)) {
		e = http_fail(resp, ERR_FORBIDDEN, "%s",
			      act == A_REVIEW && is_reviewer(&req->user)
				  ? "you wrote this version: another reviewer must review it"
			      : act == A_REOPEN ? "only its owner or a reviewer reopens an article"
						: "only a supervisor or an admin may do that");
		goto out;
	}
	if (!req_if_match_version(req, a.current_version)) {
		e = refuse_stale(req, resp, id, a.current_version);
		goto out;
	}

	audit_actor_from_req(req, &actor);
	e = db_begin(req->db);
	if (e != ERR_OK)
		goto out;
	e = load_for_write(req, resp, id, &before);
	if (e == ERR_OK &&
	    (before.current_version != a.current_version || strcmp(before.status, a.status) != 0)) {
		db_rollback(req->db);
		e = http_fail(resp, ERR_CONFLICT,
			      "the article changed meanwhile; read it and retry");
		goto out;
	}
	if (e == ERR_OK) {
		switch (act) {
		case A_REVIEW:
			snprintf(a.status, sizeof(a.status), "reviewed");
			a.reviewed_version = a.current_version;
			a.reviewed_by = req->user.user_id;
			break;
		case A_PUBLISH:
			snprintf(a.status, sizeof(a.status), "published");
			a.live_version = a.current_version;
			break;
		case A_RETIRE:
			snprintf(a.status, sizeof(a.status), "retired");
			a.live_version = 0;
			break;
		default:
			snprintf(a.status, sizeof(a.status), "draft");
			break;
		}
		a.updated_at = clock_now();
		if (act == A_PUBLISH)
			a.published_at = a.updated_at;
		else if (!a.live_version)
			a.published_at = 0;
		e = kb_store_article_update(req->db, &a);
	}
	if (e == ERR_OK && before.live_version != a.live_version)
		e = kb_store_index_sync(req->db, id);
	if (e == ERR_OK) {
		snprintf(id_text, sizeof(id_text), "%lld", (long long)id);
		snprintf(action, sizeof(action), "kb.article.%s", action_names[act]);
		jb = kb_audit_json(&before, cur->title, NULL);
		ja = kb_audit_json(&a, cur->title, NULL);
		if (ja && note)
			json_object_set_new(ja, "note", json_string(note));
		e = jb && ja ? audit_append(req->db, &actor, action, "kb_article", id_text, jb, ja)
			     : ERR_INTERNAL;
	}
	if (e == ERR_OK)
		e = db_commit(req->db);
	else
		db_rollback(req->db);
	if (e == ERR_OK)
		e = answer_article(req, resp, id, 0, 200);
out:
	json_decref(jb);
	json_decref(ja);
	free(cur);
	return e;
}

/* ---- feedback -------------------------------------------------------------- */

static const struct json_field feedback_fields[] = {
	{ "ticket_id", JSON_INTEGER, JF_REQUIRED, 0 },
	{ "solved", JSON_TRUE, JF_REQUIRED, 0 },
	{ NULL, JSON_NULL, 0, 0 },
};

static enum err post_feedback(struct req *req, struct resp *resp)
{
	struct ticket_row *t = malloc(sizeof(*t));
	struct scope sc;
	struct kb_article a;
	struct audit_actor actor;
	json_int_t ticket_id = 0;
	int64_t id = 0, solved_n = 0, unhelpful_n = 0;
	int solved = 0, changed = 0;
	char id_text[24];
	json_t *after = NULL;
	enum err e = t ? req_param_id(req, resp, 0, &id) : ERR_INTERNAL;

	if (e == ERR_OK)
		e = req_json_check(req, resp, feedback_fields);
	if (e == ERR_OK) {
		ticket_id = json_integer_value(json_object_get(req->json, "ticket_id"));
		solved = json_is_true(json_object_get(req->json, "solved"));
		if (ticket_id <= 0)
			e = http_invalid(resp, "/ticket_id", "must be a ticket id");
	}
	if (e == ERR_OK)
		e = load_for_write(req, resp, id, &a);
	if (e != ERR_OK)
		goto out;
	if (!a.live_version) {
		e = http_fail(resp, ERR_CONFLICT, "only a published article takes feedback");
		goto out;
	}
	sc = req->user.scope;
	e = tickets_store_get(req->db, (int64_t)ticket_id, &sc, t);
	if (e == ERR_NOT_FOUND) {
		e = http_invalid(resp, "/ticket_id", "no such ticket");
		goto out;
	}
	if (e != ERR_OK)
		goto out;

	audit_actor_from_req(req, &actor);
	e = db_begin(req->db);
	if (e == ERR_OK)
		e = kb_store_feedback_put(req->db, id, t->id, req->user.user_id, solved,
					  clock_now(), &changed);
	if (e == ERR_OK && changed) {
		snprintf(id_text, sizeof(id_text), "%lld", (long long)id);
		after = json_pack("{s:I, s:I, s:b}", "article_id", (json_int_t)id, "ticket_id",
				  (json_int_t)t->id, "solved", solved);
		e = after ? audit_append(req->db, &actor, "kb.feedback", "kb_article", id_text,
					 NULL, after)
			  : ERR_INTERNAL;
	}
	if (e == ERR_OK)
		e = db_commit(req->db);
	else
		db_rollback(req->db);
	if (e == ERR_OK)
		e = kb_store_feedback_counts(req->db, id, &solved_n, &unhelpful_n);
	if (e == ERR_OK)
		resp_json(resp, 200,
			  json_pack("{s:I, s:I, s:b, s:b, s:I, s:I}", "article_id", (json_int_t)id,
				    "ticket_id", (json_int_t)t->id, "solved", solved, "changed",
				    changed, "solved_count", (json_int_t)solved_n,
				    "not_helpful_count", (json_int_t)unhelpful_n));
out:
	json_decref(after);
	free(t);
	return e;
}

/* ---- search ---------------------------------------------------------------- */

/* score = relevance + W_SOLVED * ln(1 + solved) + W_CODE * code_match
 *         + W_MODEL * model_exact, where relevance is -bm25 with column
 * weights title 10, symptoms 4, cause 2, solution 2, safety 1, tags 3
 * (FTS), 2 for a title hit / 1 for a body hit (short-query scan), or 0
 * (no query text). */
static double rank_score(const struct kb_hit *h)
{
	return h->relevance + W_SOLVED * log1p((double)h->solved) + W_CODE * h->code_match +
	       W_MODEL * h->model_exact;
}

struct terms {
	size_t n;
	char word[Q_TERMS_MAX][Q_MAX + 1]; /* ASCII lower-cased */
	int is_short[Q_TERMS_MAX];         /* fewer than 3 characters */
};

/* Splits q on white space. -1 when it has more than Q_TERMS_MAX words. */
static int terms_split(const char *q, struct terms *t)
{
	memset(t, 0, sizeof(*t));
	while (*q) {
		size_t len;

		q += strspn(q, " \t");
		len = strcspn(q, " \t");
		if (!len)
			break;
		if (t->n == Q_TERMS_MAX)
			return -1;
		for (size_t i = 0; i < len; i++)
			t->word[t->n][i] =
			    (q[i] >= 'A' && q[i] <= 'Z') ? (char)(q[i] - 'A' + 'a') : q[i];
		t->word[t->n][len] = '\0';
		t->is_short[t->n] = codepoints(t->word[t->n]) < 3;
		t->n++;
		q += len;
	}
	return 0;
}

/* Copies s into b with «» around every occurrence of any term. */
static void mark_terms(struct buf *b, const char *s, size_t len, const struct terms *t)
{
	size_t i = 0;

	while (i < len) {
		size_t best = 0;

		for (size_t k = 0; k < t->n; k++) {
			size_t n = strlen(t->word[k]);

			if (n > best && i + n <= len && strncasecmp(s + i, t->word[k], n) == 0)
				best = n;
		}
		if (best) {
			buf_append(b, "«", strlen("«"));
			buf_append(b, s + i, best);
			buf_append(b, "»", strlen("»"));
			i += best;
		} else {
			buf_append(b, s + i, 1);
			i++;
		}
	}
}

static size_t utf8_back(const char *s, size_t i)
{
	while (i > 0 && ((unsigned char)s[i] & 0xc0) == 0x80)
		i--;
	return i;
}

/* Without FTS5 (short queries): the title marked, and a fragment of the
 * first field holding a term, marked, with … where it was cut. */
static void fallback_marks(const struct kb_hit *h, const struct terms *t, char **title_out,
			   char **snippet_out)
{
	const char *fields[] = { h->symptoms, h->cause, h->solution, h->safety_notes, h->title };
	struct buf b;
	const char *field = h->symptoms, *hit = NULL;
	size_t from = 0, to, len;

	buf_init(&b, 0);
	mark_terms(&b, h->title, strlen(h->title), t);
	*title_out = strdup(b.data ? b.data : "");
	buf_cleanup(&b);
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]) && !hit; i++)
		for (size_t k = 0; k < t->n && !hit; k++)
			if ((hit = find_ci(fields[i], t->word[k])) != NULL)
				field = fields[i];
	len = strlen(field);
	if (hit)
		from = (size_t)(hit - field) > SNIPPET_BEFORE
			   ? utf8_back(field, (size_t)(hit - field) - SNIPPET_BEFORE)
			   : 0;
	to = from + SNIPPET_BEFORE + SNIPPET_AFTER < len
		 ? utf8_back(field, from + SNIPPET_BEFORE + SNIPPET_AFTER)
		 : len;
	buf_init(&b, 0);
	if (from > 0)
		buf_append(&b, "…", strlen("…"));
	mark_terms(&b, field + from, to - from, t);
	if (to < len)
		buf_append(&b, "…", strlen("…"));
	*snippet_out = strdup(b.data ? b.data : "");
	buf_cleanup(&b);
}

struct scored {
	int64_t id, version, solved;
	double score;
	char language[8];
	char *title, *snippet; /* marked; owned */
};

struct search_ctx {
	const struct terms *terms;
	int fts;
	struct scored *rows;
	size_t n;
};

/* Keeps a candidate that holds every short term (FTS5 answered the long
 * ones; the scan the first short one). */
static int search_row(const struct kb_hit *h, void *arg)
{
	struct search_ctx *ctx = arg;
	struct scored *s;

	for (size_t k = 0; k < ctx->terms->n; k++) {
		const char *w = ctx->terms->word[k];

		if (ctx->terms->is_short[k] && !find_ci(h->title, w) && !find_ci(h->symptoms, w) &&
		    !find_ci(h->cause, w) && !find_ci(h->solution, w) &&
		    !find_ci(h->safety_notes, w) && !find_ci(h->tags, w))
			return 0;
	}
	if (ctx->n == KB_CANDIDATES)
		return 1;
	s = &ctx->rows[ctx->n++];
	s->id = h->id;
	s->version = h->version;
	s->solved = h->solved;
	s->score = rank_score(h);
	snprintf(s->language, sizeof(s->language), "%s", h->language);
	if (ctx->fts && h->title_marked) {
		s->title = strdup(h->title_marked);
		s->snippet = strdup(h->snippet ? h->snippet : "");
	} else {
		fallback_marks(h, ctx->terms, &s->title, &s->snippet);
	}
	return 0;
}

static int scored_cmp(const void *x, const void *y)
{
	const struct scored *a = x, *b = y;

	if (a->score != b->score)
		return a->score < b->score ? 1 : -1;
	if (a->solved != b->solved)
		return a->solved < b->solved ? 1 : -1;
	return a->id < b->id ? 1 : a->id > b->id ? -1 : 0;
}

/* Runs one search and answers {items} (plus extra members of doc). */
static enum err search_answer(struct req *req, struct resp *resp, const struct kb_search_in *in,
			      const struct terms *terms, int limit, json_t *doc)
{
	struct search_ctx ctx = { .terms = terms, .fts = in->mode == KB_SEARCH_FTS };
	struct kb_links *l = malloc(sizeof(*l));
	json_t *items = json_array();
	enum err e;

	ctx.rows = calloc(KB_CANDIDATES, sizeof(*ctx.rows));
	e = ctx.rows && l ? kb_store_search(req->db, in, search_row, &ctx) : ERR_INTERNAL;
	if (e == ERR_INVALID)
		e = http_invalid(resp, "q", "is not a query this server can search for");
	if (e == ERR_OK) {
		qsort(ctx.rows, ctx.n, sizeof(*ctx.rows), scored_cmp);
		for (size_t i = 0; e == ERR_OK && i < ctx.n && (int)i < limit; i++) {
			struct scored *s = &ctx.rows[i];
			json_t *item;

			e = kb_store_links_get(req->db, s->id, l);
			if (e != ERR_OK)
				break;
			utf8_repair(s->title);
			utf8_repair(s->snippet);
			item = json_pack("{s:I, s:s, s:s, s:I, s:f, s:I, s:{s:s, s:s}}", "id",
					 (json_int_t)s->id, "title", s->title, "language",
					 s->language, "version", (json_int_t)s->version, "score",
					 round(s->score * 1000.0) / 1000.0, "solved_count",
					 (json_int_t)s->solved, "highlight", "title", s->title,
					 "snippet", s->snippet);
			if (!item) {
				e = ERR_INTERNAL;
				break;
			}
			kb_links_into(item, l);
			json_array_append_new(items, item);
		}
	}
	for (size_t i = 0; ctx.rows && i < ctx.n; i++) {
		free(ctx.rows[i].title);
		free(ctx.rows[i].snippet);
	}
	free(ctx.rows);
	free(l);
	if (e != ERR_OK) {
		json_decref(items);
		json_decref(doc);
		return e;
	}
	json_object_set_new(doc, "items", items);
	resp_json(resp, 200, doc);
	return ERR_OK;
}

static int parse_limit(const char *s, int *out)
{
	int64_t v;

	if (!s)
		return 0;
	if (parse_positive(s, &v) < 0 || v > SEARCH_LIMIT_MAX)
		return -1;
	*out = (int)v;
	return 0;
}

/* The FTS5 expression of the long terms: each a quoted string (a trigram
 * substring), all required. */
static void fts_expression(const struct terms *t, struct buf *b)
{
	for (size_t k = 0; k < t->n; k++) {
		if (t->is_short[k])
			continue;
		if (b->len)
			buf_puts(b, " ");
		buf_puts(b, "\"");
		for (const char *p = t->word[k]; *p; p++)
			buf_puts(b, *p == '"' ? "\"\"" : (char[2]){ *p, '\0' });
		buf_puts(b, "\"");
	}
}

static enum err get_search(struct req *req, struct resp *resp)
{
	const char *q = req_query(req, "q");
	struct kb_search_in in = { 0 };
	struct terms *t = malloc(sizeof(*t));
	char code[KB_CODE_MAX + 1], line[KB_CODE_MAX + 1], qcode[KB_CODE_MAX + 1];
	char first[Q_MAX + 1] = "";
	int limit = SEARCH_LIMIT_DEFAULT, long_terms = 0;
	struct buf expr;
	enum err e = ERR_OK, e2;

	buf_init(&expr, 0);
	if (!t)
		return ERR_INTERNAL;
	if (q && (strlen(q) > Q_MAX || !text_ok(q, 0)))
		e = http_invalid(resp, "q", "must be at most %d bytes of text", Q_MAX);
	else if (q && terms_split(q, t) < 0)
		e = http_invalid(resp, "q", "at most %d words", Q_TERMS_MAX);
	else if (!q)
		memset(t, 0, sizeof(*t));
	if (parse_limit(req_query(req, "limit"), &limit) < 0)
		e = http_invalid(resp, "limit", "must be an integer from 1 to %d",
				 SEARCH_LIMIT_MAX);
	e2 = facets_parse(req, resp, &in.f, code, line);
	if (e2 != ERR_OK && e2 != ERR_INVALID) {
		free(t);
		return e2;
	}
	if (e == ERR_OK && e2 == ERR_OK && t->n == 0 && !in.f.product_line && !in.f.model_id &&
	    !in.f.fault_code)
		e = http_invalid(resp, "q",
				 "give q, or at least one of model, product_line, fault_code");
	if (e != ERR_OK || e2 != ERR_OK) {
		free(t);
		return ERR_INVALID;
	}
	for (size_t k = 0; k < t->n; k++) {
		if (!t->is_short[k])
			long_terms++;
		else if (!first[0])
			snprintf(first, sizeof(first), "%s", t->word[k]);
	}
	if (long_terms) {
		fts_expression(t, &expr);
		in.mode = KB_SEARCH_FTS;
		in.match = expr.data;
	} else if (t->n) {
		in.mode = KB_SEARCH_SCAN;
		in.match = first;
	} else {
		in.mode = KB_SEARCH_FACETS;
	}
	in.boost_code = in.f.fault_code;
	if (t->n == 1 && code_normalize(t->word[0], qcode, sizeof(qcode)) == 0)
		in.boost_code2 = qcode; /* the query is a fault code */
	in.boost_model_id = in.f.model_id;
	e = search_answer(req, resp, &in, t, limit,
			  json_pack("{s:s?, s:s}", "q", q, "mode",
				    in.mode == KB_SEARCH_FTS    ? "fts"
				    : in.mode == KB_SEARCH_SCAN ? "scan"
								: "facets"));
	buf_cleanup(&expr);
	free(t);
	return e;
}

/* GET /v1/tickets/{id}/suggestions: published articles for the ticket's
 * model or product line, or its fault code (?fault_code=, else the work
 * record's), ranked as search without query text. */
static enum err get_suggestions(struct req *req, struct resp *resp)
{
	const char *fc = req_query(req, "fault_code");
	struct ticket_row *t = malloc(sizeof(*t));
	struct ticket_work *w = malloc(sizeof(*w));
	struct terms *terms = calloc(1, sizeof(*terms));
	struct kb_search_in in = { .mode = KB_SEARCH_SUGGEST };
	struct scope sc;
	char code[KB_CODE_MAX + 1] = "";
	int limit = SEARCH_LIMIT_DEFAULT;
	int64_t id = 0;
	enum err e = t && w && terms ? req_param_id(req, resp, 0, &id) : ERR_INTERNAL;

	if (e != ERR_OK)
		goto out;
	if (fc && code_normalize(fc, code, sizeof(code)) < 0)
		e = http_invalid(resp, "fault_code", "must be 1 to %d of A-Z a-z 0-9 . _ -",
				 KB_CODE_MAX);
	if (parse_limit(req_query(req, "limit"), &limit) < 0)
		e = http_invalid(resp, "limit", "must be an integer from 1 to %d",
				 SEARCH_LIMIT_MAX);
	if (e != ERR_OK)
		goto out;
	sc = req->user.scope;
	e = tickets_store_get(req->db, id, &sc, t);
	if (e == ERR_NOT_FOUND) {
		e = http_fail(resp, ERR_NOT_FOUND, "no such ticket");
		goto out;
	}
	if (e != ERR_OK)
		goto out;
	if (!fc) {
		e = tickets_store_work_get(req->db, id, w);
		if (e == ERR_OK && w->fault_code[0] &&
		    code_normalize(w->fault_code, code, sizeof(code)) < 0)
			code[0] = '\0';
		if (e == ERR_NOT_FOUND)
			e = ERR_OK;
		if (e != ERR_OK)
			goto out;
	}
	in.f.model_id = t->model_id;
	in.f.model_line = t->product_line[0] ? t->product_line : NULL;
	in.boost_code = code[0] ? code : NULL;
	in.boost_model_id = t->model_id;
	e = search_answer(req, resp, &in, terms, limit,
			  json_pack("{s:I, s:o, s:o, s:o}", "ticket_id", (json_int_t)id, "model",
				    t->model_code[0] ? json_string(t->model_code) : json_null(),
				    "product_line",
				    t->product_line[0] ? json_string(t->product_line) : json_null(),
				    "fault_code", code[0] ? json_string(code) : json_null()));
out:
	free(t);
	free(w);
	free(terms);
	return e;
}

/* ---- routes ---------------------------------------------------------------- */

#define KB_BODY_MAX (64u * 1024u)

const struct route kb_routes[] = {
	{ .method = "GET",
	  .pattern = "/v1/kb/search",
	  .handler = get_search,
	  .perm = PERM_KB_READ,
	  .query = "q,model,fault_code,product_line,limit",
	  .rate = RL_SEARCH },
	{ .method = "GET",
	  .pattern = "/v1/kb/articles",
	  .handler = get_articles,
	  .perm = PERM_KB_READ,
	  .query = "limit,cursor,status,product_line,model,fault_code" },
	{ .method = "POST",
	  .pattern = "/v1/kb/articles",
	  .handler = post_article,
	  .perm = PERM_KB_WRITE,
	  .flags = ROUTE_JSON_BODY,
	  .body_max = KB_BODY_MAX },
	{ .method = "POST",
	  .pattern = "/v1/kb/articles/from-ticket/{id}",
	  .handler = post_from_ticket,
	  .perm = PERM_KB_WRITE },
	{ .method = "GET",
	  .pattern = "/v1/kb/articles/{id}",
	  .handler = get_article,
	  .perm = PERM_KB_READ,
	  .query = "version" },
	{ .method = "PATCH",
	  .pattern = "/v1/kb/articles/{id}",
	  .handler = patch_article,
	  .perm = PERM_KB_WRITE,
	  .flags = ROUTE_JSON_BODY,
	  .body_max = KB_BODY_MAX },
	{ .method = "GET",
	  .pattern = "/v1/kb/articles/{id}/versions",
	  .handler = get_versions,
	  .perm = PERM_KB_READ,
	  .query = "limit,cursor" },
	{ .method = "POST",
	  .pattern = "/v1/kb/articles/{id}/transitions",
	  .handler = post_transition,
	  .perm = PERM_KB_WRITE,
	  .flags = ROUTE_JSON_BODY },
	{ .method = "POST",
	  .pattern = "/v1/kb/articles/{id}/feedback",
	  .handler = post_feedback,
	  .perm = PERM_KB_FEEDBACK,
	  .flags = ROUTE_JSON_BODY },
	{ .method = "GET",
	  .pattern = "/v1/tickets/{id}/suggestions",
	  .handler = get_suggestions,
	  .perm = PERM_TICKETS_READ,
	  .query = "fault_code,limit" },
	{ 0 },
};
