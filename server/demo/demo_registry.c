/* The registry's demo data: product lines, models, customers with
 * (made-up) contacts, their sites, and 30 installed units with production,
 * tests, components, installation, a timeline and a QR label each. Warranty
 * dates are set relative to today so that every status shows: ending within
 * 30, 60 and 90 days, expired, long in warranty, and not yet accepted.
 *
 * Every record goes through the same parse + create path as the API, so
 * the demo data is validated exactly like a client's. Names, phone numbers
 * and ID numbers are invented. */
#include "demo/demo.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain/assets.h"
#include "domain/timeline.h"
#include "core/clock.h"
#include "db/db.h"
#include "domain/registry.h"

struct demo_line {
	const char *code, *name, *name_en;
};

static const struct demo_line demo_lines[] = {
	{ "switchgear", "开关柜", "Switchgear" },
	{ "relay", "继电保护", "Protection relays" },
	{ "transformer", "变压器", "Transformers" },
};

struct demo_model {
	const char *code, *name, *line, *revision, *specs, *manual, *gtin;
};

static const struct demo_model demo_models[] = {
	{ "KYN28-12", "KYN28-12 铠装移开式交流金属封闭开关设备", "switchgear", "C",
	  "{\"rated_voltage_kv\": 12, \"rated_current_a\": 1250, \"short_circuit_ka\": 31.5}",
	  "https://docs.fieldtrace.example/kyn28-12/manual.pdf", "6901234567892" },
	{ "XGN15-12", "XGN15-12 环网柜", "switchgear", "B",
	  "{\"rated_voltage_kv\": 12, \"rated_current_a\": 630, \"sf6\": true}",
	  "https://docs.fieldtrace.example/xgn15-12/manual.pdf", NULL },
	{ "PCS-931", "PCS-931 超高压线路成套保护装置", "relay", "V2.10",
	  "{\"voltage_class_kv\": 220, \"protocols\": [\"IEC 61850\", \"IEC 60870-5-103\"]}",
	  "https://docs.fieldtrace.example/pcs-931/manual.pdf", NULL },
	{ "RCS-9611", "RCS-9611 馈线保护测控装置", "relay", "V3.02",
	  "{\"voltage_class_kv\": 10, \"inputs\": 24}",
	  "https://docs.fieldtrace.example/rcs-9611/manual.pdf", NULL },
	{ "SCB13-1000", "SCB13-1000/10 干式变压器", "transformer", "A",
	  "{\"rated_power_kva\": 1000, \"ratio\": \"10/0.4 kV\", \"insulation\": \"F\"}",
	  "https://docs.fieldtrace.example/scb13/manual.pdf", NULL },
};

struct demo_customer {
	const char *code, *name, *tier, *region;
	int owned; /* sales.gd owns it */
	const char *contact, *phone, *id_number, *title;
};

static const struct demo_customer demo_customers[] = {
	{ "C-YUEHAI", "粤海能源集团有限公司", "strategic", "GD", 1, "陈志远", "13902881234",
	  "440301198203154417", "设备部经理" },
	{ "C-QIANWAN", "深圳前湾建设投资有限公司", "A", "SZ", 1, "林晓婷", "13826541122",
	  "440305199011230028", "机电工程师" },
	{ "C-GZMETRO", "广州城轨运营有限公司", "B", "GZ", 1, "黄伟明", "13711002345",
	  "440104198507071315", "供电车间主任" },
	{ "C-JINLING", "江苏金陵电力工程有限公司", "A", "NJ", 0, "王建国", "13951876543",
	  "320102197906120031", "项目经理" },
	{ "C-SIPDC", "苏州工业园区数据中心有限公司", "B", "SU", 0, "周敏", "13862119876",
	  "320503198812250040", "运维主管" },
	{ "C-JINGXI", "北京京西热电有限公司", "C", "BJC", 0, "刘洋", "13601234567",
	  "110108198404040019", "电气主管" },
};

struct demo_site {
	const char *code, *name, *address, *region;
	size_t customer; /* index into demo_customers */
	double latitude, longitude;
};

static const struct demo_site demo_sites[] = {
	{ "S-SZ-QW1", "前湾数据中心 110kV 变电站", "深圳市南山区前湾一路 18 号", "SZ", 1, 22.523,
	  113.893 },
	{ "S-SZ-YH1", "粤海南山配电站", "深圳市南山区科技园南区 6 号", "SZ", 0, 22.540, 113.951 },
	{ "S-GZ-L3", "城轨三号线嘉禾车辆段", "广州市白云区嘉禾街 99 号", "GZ", 2, 23.262, 113.271 },
	{ "S-GZ-YH2", "粤海黄埔开关站", "广州市黄埔区港前路 88 号", "GZ", 0, 23.106, 113.452 },
	{ "S-NJ-JN1", "金陵江宁 220kV 变电站", "南京市江宁区胜太路 2 号", "NJ", 3, 31.953,
	  118.840 },
	{ "S-SU-DC1", "园区数据中心一期", "苏州市工业园区星湖街 328 号", "SU", 4, 31.290, 120.720 },
	{ "S-BJC-JX1", "京西热电厂 10kV 配电室", "北京市石景山区五里坨 1 号", "BJC", 5, 39.960,
	  116.170 },
};

/* Warranty classes: the end date is today + end_days (a few days inside
 * each bucket, so month-end clamping cannot move it across). */
struct demo_class {
	const char *label;
	int64_t end_days; /* warranty end relative to today */
	int64_t months;
	int accepted; /* 0: installed, not yet accepted: no warranty yet */
};

static const struct demo_class demo_classes[] = {
	{ "whose warranty ends within 30 days", 16, 24, 1 },
	{ "whose warranty ends within 60 days", 46, 24, 1 },
	{ "whose warranty ends within 90 days", 76, 36, 1 },
	{ "whose warranty has expired", -120, 12, 1 },
	{ "long in warranty", 700, 60, 1 },
	{ "installed but not yet accepted (no warranty yet)", 0, 24, 0 },
};

#define N_LINES (sizeof(demo_lines) / sizeof(demo_lines[0]))
#define N_MODELS (sizeof(demo_models) / sizeof(demo_models[0]))
#define N_CUSTOMERS (sizeof(demo_customers) / sizeof(demo_customers[0]))
#define N_SITES (sizeof(demo_sites) / sizeof(demo_sites[0]))
#define N_CLASSES (sizeof(demo_classes) / sizeof(demo_classes[0]))
#define PER_CLASS 5

_Static_assert((PER_CLASS * N_CLASSES) == DEMO_UNITS, "DEMO_UNITS is the number of demo units");

/* A record the demo built was refused: a bug in this file. */
static enum err refused(FILE *out, const char *what, struct problem *pb)
{
	fprintf(out, "demo: %s refused: %s\n", what, pb->detail);
	return ERR_INTERNAL;
}

/* Product lines and models someone created under the demo's codes are kept
 * as they are (the demo's units then use them). */
static enum err load_catalogue(struct db *db, const struct audit_actor *actor, FILE *out,
			       struct demo_loaded *got)
{
	struct problem pb;
	enum err e = ERR_OK;

	memset(&pb, 0, sizeof(pb));
	for (size_t i = 0; e == ERR_OK && i < N_LINES; i++) {
		struct product_line_row p;
		json_t *body;

		e = registry_product_line_get(db, demo_lines[i].code, &p);
		if (e == ERR_OK) {
			got->lines_kept++;
			continue;
		}
		if (e != ERR_NOT_FOUND)
			break;
		body = json_pack("{s:s, s:s, s:s}", "code", demo_lines[i].code, "name",
				 demo_lines[i].name, "name_en", demo_lines[i].name_en);
		e = body ? product_lines_parse(body, &p, &pb) : ERR_INTERNAL;
		json_decref(body);
		if (e == ERR_INVALID)
			e = refused(out, demo_lines[i].code, &pb);
		if (e == ERR_OK)
			e = product_lines_create_locked(db, actor, &p);
		if (e == ERR_OK)
			got->product_lines++;
	}
	for (size_t i = 0; e == ERR_OK && i < N_MODELS; i++) {
		const struct demo_model *d = &demo_models[i];
		struct model_row *m = malloc(sizeof(*m));
		json_t *body;
		int64_t id;

		e = m ? registry_model_get(db, 0, d->code, m) : ERR_INTERNAL;
		if (e == ERR_OK) {
			got->models_kept++;
			free(m);
			continue;
		}
		if (e != ERR_NOT_FOUND) {
			free(m);
			break;
		}
		body = json_pack("{s:s, s:s, s:s, s:s, s:o, s:[{s:s, s:s}], s:s?}", "code", d->code,
				 "name", d->name, "product_line", d->line, "design_revision",
				 d->revision, "specs", json_loads(d->specs, 0, NULL), "documents",
				 "title", "安装使用说明书 / Installation manual", "url", d->manual,
				 "gtin", d->gtin);
		e = body ? models_parse(db, body, m, &pb) : ERR_INTERNAL;
		if (e == ERR_INVALID)
			e = refused(out, d->code, &pb);
		if (e == ERR_OK)
			e = models_create_locked(db, actor, m, &id);
		if (e == ERR_OK)
			got->models++;
		json_decref(body);
		free(m);
	}
	problem_cleanup(&pb);
	return e;
}

static enum err load_customers(struct db *db, const struct audit_actor *actor, int64_t owner,
			       int64_t customer_ids[N_CUSTOMERS], int64_t site_ids[N_SITES],
			       FILE *out, struct demo_loaded *got)
{
	struct customer_input *c = malloc(sizeof(*c));
	struct problem pb;
	enum err e = c ? ERR_OK : ERR_INTERNAL;

	memset(&pb, 0, sizeof(pb));
	for (size_t i = 0; e == ERR_OK && i < N_CUSTOMERS; i++) {
		const struct demo_customer *d = &demo_customers[i];
		json_t *body = json_pack(
		    "{s:s, s:s, s:s, s:s, s:o, s:[{s:s, s:s, s:s, s:s}]}", "code", d->code, "name",
		    d->name, "tier", d->tier, "region", d->region, "sales_owner_id",
		    d->owned && owner ? json_integer(owner) : json_null(), "contacts", "name",
		    d->contact, "phone", d->phone, "id_number", d->id_number, "title", d->title);

		e = body ? customers_parse(db, NULL, body, c, &pb) : ERR_INTERNAL;
		json_decref(body);
		if (e == ERR_INVALID)
			e = refused(out, d->code, &pb);
		if (e == ERR_OK)
			e = customers_create_locked(db, actor, c, &customer_ids[i]);
		if (e == ERR_OK)
			got->customers++;
	}
	for (size_t i = 0; e == ERR_OK && i < N_SITES; i++) {
		const struct demo_site *d = &demo_sites[i];
		struct site_row s;
		json_t *body =
		    json_pack("{s:I, s:s, s:s, s:s, s:s, s:f, s:f}", "customer_id",
			      (json_int_t)customer_ids[d->customer], "code", d->code, "name",
			      d->name, "address", d->address, "region", d->region, "latitude",
			      d->latitude, "longitude", d->longitude);

		e = body ? sites_parse(db, NULL, body, &s, &pb) : ERR_INTERNAL;
		json_decref(body);
		if (e == ERR_INVALID)
			e = refused(out, d->code, &pb);
		if (e == ERR_OK)
			e = sites_create_locked(db, actor, &s, &site_ids[i]);
		if (e == ERR_OK)
			got->sites++;
	}
	problem_cleanup(&pb);
	free(c);
	return e;
}

/* The factory tests and components a unit of model m ships with. */
static json_t *demo_tests(size_t m, size_t n)
{
	if (demo_models[m].line[0] == 'r') /* relays */
		return json_pack("[{s:s, s:s}, {s:s, s:s, s:f, s:s}, {s:s, s:s}]", "name",
				 "开入开出检查", "result", "pass", "name", "绝缘电阻", "result",
				 "pass", "value", 120.0 + (double)(n % 7), "unit", "MΩ", "name",
				 "保护定值校验", "result", "pass");
	if (demo_models[m].line[0] == 't') /* transformers */
		return json_pack("[{s:s, s:s, s:f, s:s}, {s:s, s:s, s:f, s:s}]", "name", "局部放电",
				 "result", "pass", "value", 4.0 + (double)(n % 3), "unit", "pC",
				 "name", "空载损耗", "result", "pass", "value",
				 1.42 + (double)(n % 5) / 100.0, "unit", "kW");
	return json_pack("[{s:s, s:s, s:f, s:s}, {s:s, s:s, s:f, s:s}, {s:s, s:s}]", "name",
			 "工频耐压", "result", "pass", "value", 42.0, "unit", "kV", "name",
			 "主回路电阻", "result", "pass", "value", 38.0 + (double)(n % 9), "unit",
			 "μΩ", "name", "机械特性", "result", "pass");
}

static json_t *demo_components(size_t m, size_t n)
{
	char s1[32], s2[32];

	snprintf(s1, sizeof(s1), "VS1-%06zu", 240100 + n);
	snprintf(s2, sizeof(s2), "CT-%06zu", 880200 + n);
	if (demo_models[m].line[0] == 'r')
		return json_pack("[{s:s, s:s, s:s, s:s}]", "part_number", "CPU-NR1102",
				 "component_serial", s1, "supplier", "南京继保电子", "lot",
				 "L2401");
	return json_pack("[{s:s, s:s, s:s, s:s}, {s:s, s:s, s:s, s:s}]", "part_number",
			 "VS1-12/1250-31.5", "component_serial", s1, "supplier", "厦门真空开关厂",
			 "lot", "L2312", "part_number", "LZZBJ9-10", "component_serial", s2,
			 "supplier", "大连互感器有限公司", "lot", "L2402");
}

/* Builds asset n of warranty class cls into body; today is "YYYY-MM-DD". */
static json_t *demo_asset(size_t n, const struct demo_class *cls, const char *today,
			  const int64_t site_ids[N_SITES], int64_t owner)
{
	size_t m = n % N_MODELS, s = n % N_SITES;
	const struct demo_site *site = &demo_sites[s];
	char serial[32], batch[24], end[11], accepted[11], commissioned[11], installed[11];
	char produced[11];
	int owned = demo_customers[site->customer].owned && owner;
	json_t *inst;

	if (cls->accepted) {
		registry_date_add_days(today, cls->end_days, end);
		registry_date_add_months(end, -cls->months, accepted);
	} else {
		registry_date_add_days(today, -(int64_t)(5 + n % 20), accepted); /* not set */
	}
	registry_date_add_days(accepted, -3, commissioned);
	registry_date_add_days(accepted, -12, installed);
	registry_date_add_days(installed, -(int64_t)(30 + 7 * (n % 6)), produced);
	snprintf(serial, sizeof(serial), "FT%.4s%.2s-%04zu", produced, produced + 5, n + 1);
	snprintf(batch, sizeof(batch), "B%.4s%.2s-%c", produced, produced + 5,
		 (char)('A' + (char)(m % 3)));
	inst = cls->accepted ? json_pack("{s:I, s:s, s:s, s:s}", "site_id", (json_int_t)site_ids[s],
					 "installed_at", installed, "commissioned_at", commissioned,
					 "accepted_at", accepted)
			     : json_pack("{s:I, s:s}", "site_id", (json_int_t)site_ids[s],
					 "installed_at", installed);
	return json_pack("{s:s, s:s, s:{s:s, s:s, s:s, s:s, s:o}, s:o, s:o, s:{s:I}, s:o}",
			 "serial", serial, "model", demo_models[m].code, "production", "plant",
			 m < 2 ? "深圳工厂" : "南京工厂", "line", m % 2 ? "L2" : "L1", "batch",
			 batch, "date", produced, "tests", demo_tests(m, n), "components",
			 demo_components(m, n), "installation", inst, "warranty", "months",
			 (json_int_t)cls->months, "sales_owner_id",
			 owned ? json_integer(owner) : json_null());
}

/* A routine inspection half a year after acceptance, when that has passed:
 * appended the way service work will append to the timeline. */
static enum err demo_inspection(struct db *db, int64_t id, const struct asset_input *in,
				int64_t now)
{
	char when[11];
	int64_t at;
	json_t *detail;
	enum err e;

	if (!in->row.accepted_at[0])
		return ERR_OK;
	registry_date_add_days(in->row.accepted_at, 182, when);
	if (clock_parse(when, &at) != 0 || at > now)
		return ERR_OK;
	detail = json_pack("{s:s, s:s}", "result", "ok", "note", "例行巡检：外观、温升、局放正常");
	e = detail ? asset_timeline_append(db, id, at + 10 * 3600, "inspection",
					   "Routine inspection: no findings", detail, 0)
		   : ERR_INTERNAL;
	json_decref(detail);
	return e;
}

static enum err load_assets(struct db *db, const struct audit_actor *actor, int64_t owner,
			    const int64_t site_ids[N_SITES], FILE *out, struct demo_loaded *got)
{
	struct asset_input *in = malloc(sizeof(*in));
	int64_t now = clock_now(), first[N_CLASSES] = { 0 }, id = 0;
	char today[11];
	struct problem pb;
	enum err e = in ? ERR_OK : ERR_INTERNAL;
	size_t n = 0;

	memset(&pb, 0, sizeof(pb));
	registry_date_of(now, today);
	for (size_t k = 0; e == ERR_OK && k < PER_CLASS; k++) {
		for (size_t c = 0; e == ERR_OK && c < N_CLASSES; c++, n++) {
			json_t *body = demo_asset(n, &demo_classes[c], today, site_ids, owner);

			e = body ? assets_parse(db, NULL, body, in, &pb) : ERR_INTERNAL;
			json_decref(body);
			if (e == ERR_INVALID)
				e = refused(out, "an asset", &pb);
			if (e == ERR_OK)
				e = assets_create_locked(db, actor, in, &id);
			if (e == ERR_OK)
				got->unit_ids[got->units++] = id;
			if (e == ERR_OK)
				e = demo_inspection(db, id, in, now);
			if (e == ERR_OK && !first[c])
				first[c] = id;
		}
	}
	if (e == ERR_OK) {
		fprintf(out,
			"demo: %zu assets with QR labels and timelines at %zu sites of %zu"
			" customers; try GET /v1/assets/%lld\n",
			n, N_SITES, N_CUSTOMERS, (long long)first[0]);
		for (size_t c = 0; c < N_CLASSES; c++)
			fprintf(out, "demo:   %d assets %s, e.g. GET /v1/assets/%lld\n", PER_CLASS,
				demo_classes[c].label, (long long)first[c]);
	}
	problem_cleanup(&pb);
	free(in);
	return e;
}

static int count_customer(const struct customer_row *row, void *ctx)
{
	(void)row;
	(*(size_t *)ctx)++;
	return 0;
}

enum err demo_registry_present(struct db *db, size_t *found, size_t *of)
{
	struct scope all = { .all = 1 };
	enum err e = ERR_OK;

	*found = 0;
	*of = N_CUSTOMERS;
	for (size_t i = 0; e == ERR_OK && i < N_CUSTOMERS; i++) {
		struct customer_filter f = { .code = demo_customers[i].code };

		e = registry_customer_list(db, &all, &f, 0, 1, count_customer, found);
	}
	return e;
}

enum err demo_load_registry(struct db *db, FILE *out, struct demo_loaded *got)
{
	struct registry_user sales;
	struct audit_actor actor;
	int64_t customer_ids[N_CUSTOMERS] = { 0 }, site_ids[N_SITES] = { 0 }, owner = 0;
	enum err e;

	e = registry_user_by_name(db, "sales.gd", &sales);
	if (e == ERR_OK && strcmp(sales.role, "sales") == 0)
		owner = sales.id;
	else if (e != ERR_OK && e != ERR_NOT_FOUND)
		return e;
	audit_actor_cli(&actor, "demo");
	e = load_catalogue(db, &actor, out, got);
	if (e == ERR_OK)
		e = load_customers(db, &actor, owner, customer_ids, site_ids, out, got);
	if (e == ERR_OK)
		e = load_assets(db, &actor, owner, site_ids, out, got);
	return e;
}
