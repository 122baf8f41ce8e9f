/* gen_bench_data: fills a migrated fieldtrace database with a national data
 * set for benchmarks, and writes a CSV file for the import benchmark.
 *
 *   build/fieldtrace migrate --db bench.db
 *   build/gen_bench_data --db bench.db [--assets 1000000] [--events-per-asset 20]
 *                        [--import-csv FILE] [--import-rows 100000] [--seed 1]
 *
 * Reference data is added only where absent: the region tree (China, its 31
 * provinces by GB/T 2260 code, ~70 cities and districts), a service centre
 * per city, 200 sales accounts that cannot log in, 6 product lines, 50
 * models, 20,000 customers (Chinese and English names, 1-2 contacts each)
 * and 60,000 sites spread over the cities. Then N assets with components,
 * warranty ends spread over today +- 5 years, M timeline events each
 * (Chinese and English summaries, inserted asset by asset so the clustered
 * timeline is appended in key order), a label row per asset (generation 1,
 * the first label qr_label_issue would issue, key 1; the key is created
 * with 32 random bytes when the database has none) and the event counter.
 * No audit entries: this is not a user's write.
 *
 * Speed: rollback journal off and synchronous off while generating (the
 * file is rebuilt from scratch if the run dies), a 1 GiB page cache,
 * prepared statements reused, one transaction per 100,000 assets. The
 * database is put back in WAL mode at the end.
 *
 * Everything it writes is deterministic for a given --seed, except the
 * label key and the dates, which are relative to today. */
#include <errno.h>
#include <inttypes.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#define BATCH_ASSETS 100000
#define SALES_USERS 200
#define CUSTOMERS 20000
#define SITES 60000
#define MAX_COMPONENTS 4
#define DAY 86400

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* --- random numbers: xorshift64*, deterministic per seed --- */

static uint64_t rng_state = 0x9E3779B97F4A7C15ull;

static uint64_t rnd(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545F4914F6CDD1Dull;
}

/* Uniform in [0, n). */
static uint32_t rnd_below(uint32_t n)
{
	return n ? (uint32_t)((rnd() >> 32) % n) : 0;
}

static int64_t rnd_range(int64_t lo, int64_t hi) /* [lo, hi] */
{
	return lo + (int64_t)(rnd() % (uint64_t)(hi - lo + 1));
}

#define PICK(a) ((a)[rnd_below((uint32_t)ARRAY_LEN(a))])

/* --- calendar dates as days since 1970-01-01 (H. Hinnant's algorithms) --- */

static int64_t days_from_civil(int64_t y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static void civil_from_days(int64_t z, int *y, int *m, int *d)
{
	int64_t era, doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = (int)(yoe + era * 400 + (*m <= 2));
}

/* day + months, the day clamped to the month's length (as the importer). */
static int64_t add_months(int64_t day, int months)
{
	static const int mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int y, m, d, dim;
	int64_t mm;

	civil_from_days(day, &y, &m, &d);
	mm = (int64_t)y * 12 + (m - 1) + months;
	y = (int)(mm / 12);
	m = (int)(mm % 12) + 1;
	dim = mdays[m - 1] + (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0));
	return days_from_civil(y, m, d < dim ? d : dim);
}

static void fmt_day(int64_t day, char out[16])
{
	int y, m, d;

	civil_from_days(day, &y, &m, &d);
	snprintf(out, 16, "%04d-%02d-%02d", y % 10000, m, d);
}

/* --- SQLite plumbing --- */

static sqlite3 *db;

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

static void die(const char *fmt, ...)
{
	va_list ap;

	fputs("gen_bench_data: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	if (db && sqlite3_errcode(db) != SQLITE_OK)
		fprintf(stderr, " (%s)", sqlite3_errmsg(db));
	fputc('\n', stderr);
	exit(1);
}

static void exec(const char *sql)
{
	char *err = NULL;

	if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK)
		die("%s: %s", sql, err ? err : "?");
}

static sqlite3_stmt *prepare(const char *sql)
{
	sqlite3_stmt *st = NULL;

	if (sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL) != SQLITE_OK)
		die("prepare %s", sql);
	return st;
}

static void bind_text(sqlite3_stmt *st, int i, const char *s)
{
	if (s)
		sqlite3_bind_text(st, i, s, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(st, i);
}

static void bind_int(sqlite3_stmt *st, int i, int64_t v)
{
	sqlite3_bind_int64(st, i, v);
}

/* Steps a statement that returns no rows and resets it. */
static void run(sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);

	if (rc != SQLITE_DONE)
		die("step %s", sqlite3_sql(st));
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
}

static int64_t query_int(const char *sql)
{
	sqlite3_stmt *st = prepare(sql);
	int64_t v = 0;

	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* --- reference data --- */

struct city {
	const char *code, *name, *name_en;
	double lat, lon;
};

struct province {
	const char *code, *name, *name_en;
	const char *city_level; /* municipalities are made of districts */
	struct city cities[4];
};

static const struct province provinces[] = {
	{ "110000",
	  "北京",
	  "Beijing",
	  "district",
	  { { "110101", "东城", "Dongcheng", 39.93, 116.42 },
	    { "110108", "海淀", "Haidian", 39.96, 116.30 },
	    { "110105", "朝阳", "Chaoyang", 39.92, 116.44 } } },
	{ "120000",
	  "天津",
	  "Tianjin",
	  "district",
	  { { "120101", "和平", "Heping", 39.12, 117.20 },
	    { "120116", "滨海新区", "Binhai", 39.00, 117.71 } } },
	{ "130000",
	  "河北",
	  "Hebei",
	  "city",
	  { { "130100", "石家庄", "Shijiazhuang", 38.04, 114.51 },
	    { "130200", "唐山", "Tangshan", 39.63, 118.18 },
	    { "130600", "保定", "Baoding", 38.87, 115.46 } } },
	{ "140000",
	  "山西",
	  "Shanxi",
	  "city",
	  { { "140100", "太原", "Taiyuan", 37.87, 112.55 },
	    { "140200", "大同", "Datong", 40.08, 113.30 } } },
	{ "150000",
	  "内蒙古",
	  "Inner Mongolia",
	  "city",
	  { { "150100", "呼和浩特", "Hohhot", 40.84, 111.75 },
	    { "150200", "包头", "Baotou", 40.66, 109.84 } } },
	{ "210000",
	  "辽宁",
	  "Liaoning",
	  "city",
	  { { "210100", "沈阳", "Shenyang", 41.80, 123.43 },
	    { "210200", "大连", "Dalian", 38.91, 121.61 } } },
	{ "220000",
	  "吉林",
	  "Jilin",
	  "city",
	  { { "220100", "长春", "Changchun", 43.82, 125.32 },
	    { "220200", "吉林", "Jilin City", 43.84, 126.55 } } },
	{ "230000",
	  "黑龙江",
	  "Heilongjiang",
	  "city",
	  { { "230100", "哈尔滨", "Harbin", 45.80, 126.53 },
	    { "230600", "大庆", "Daqing", 46.59, 125.10 } } },
	{ "310000",
	  "上海",
	  "Shanghai",
	  "district",
	  { { "310115", "浦东新区", "Pudong", 31.22, 121.54 },
	    { "310104", "徐汇", "Xuhui", 31.19, 121.44 },
	    { "310114", "嘉定", "Jiading", 31.38, 121.25 } } },
	{ "320000",
	  "江苏",
	  "Jiangsu",
	  "city",
	  { { "320100", "南京", "Nanjing", 32.06, 118.80 },
	    { "320500", "苏州", "Suzhou", 31.30, 120.58 },
	    { "320200", "无锡", "Wuxi", 31.49, 120.31 } } },
	{ "330000",
	  "浙江",
	  "Zhejiang",
	  "city",
	  { { "330100", "杭州", "Hangzhou", 30.27, 120.15 },
	    { "330200", "宁波", "Ningbo", 29.87, 121.54 },
	    { "330300", "温州", "Wenzhou", 28.00, 120.67 } } },
	{ "340000",
	  "安徽",
	  "Anhui",
	  "city",
	  { { "340100", "合肥", "Hefei", 31.82, 117.23 },
	    { "340200", "芜湖", "Wuhu", 31.33, 118.38 } } },
	{ "350000",
	  "福建",
	  "Fujian",
	  "city",
	  { { "350100", "福州", "Fuzhou", 26.07, 119.30 },
	    { "350200", "厦门", "Xiamen", 24.48, 118.09 } } },
	{ "360000",
	  "江西",
	  "Jiangxi",
	  "city",
	  { { "360100", "南昌", "Nanchang", 28.68, 115.86 },
	    { "360700", "赣州", "Ganzhou", 25.83, 114.93 } } },
	{ "370000",
	  "山东",
	  "Shandong",
	  "city",
	  { { "370100", "济南", "Jinan", 36.65, 117.12 },
	    { "370200", "青岛", "Qingdao", 36.07, 120.38 },
	    { "370600", "烟台", "Yantai", 37.46, 121.45 } } },
	{ "410000",
	  "河南",
	  "Henan",
	  "city",
	  { { "410100", "郑州", "Zhengzhou", 34.75, 113.63 },
	    { "410300", "洛阳", "Luoyang", 34.62, 112.45 } } },
	{ "420000",
	  "湖北",
	  "Hubei",
	  "city",
	  { { "420100", "武汉", "Wuhan", 30.59, 114.31 },
	    { "420500", "宜昌", "Yichang", 30.69, 111.29 } } },
	{ "430000",
	  "湖南",
	  "Hunan",
	  "city",
	  { { "430100", "长沙", "Changsha", 28.23, 112.94 },
	    { "430200", "株洲", "Zhuzhou", 27.83, 113.13 } } },
	{ "440000",
	  "广东",
	  "Guangdong",
	  "city",
	  { { "440100", "广州", "Guangzhou", 23.13, 113.26 },
	    { "440300", "深圳", "Shenzhen", 22.54, 114.06 },
	    { "441900", "东莞", "Dongguan", 23.02, 113.75 },
	    { "440600", "佛山", "Foshan", 23.02, 113.12 } } },
	{ "450000",
	  "广西",
	  "Guangxi",
	  "city",
	  { { "450100", "南宁", "Nanning", 22.82, 108.37 },
	    { "450200", "柳州", "Liuzhou", 24.33, 109.41 } } },
	{ "460000",
	  "海南",
	  "Hainan",
	  "city",
	  { { "460100", "海口", "Haikou", 20.04, 110.20 },
	    { "460200", "三亚", "Sanya", 18.25, 109.51 } } },
	{ "500000",
	  "重庆",
	  "Chongqing",
	  "district",
	  { { "500103", "渝中", "Yuzhong", 29.56, 106.57 },
	    { "500105", "江北", "Jiangbei", 29.60, 106.57 } } },
	{ "510000",
	  "四川",
	  "Sichuan",
	  "city",
	  { { "510100", "成都", "Chengdu", 30.57, 104.07 },
	    { "510700", "绵阳", "Mianyang", 31.47, 104.68 } } },
	{ "520000",
	  "贵州",
	  "Guizhou",
	  "city",
	  { { "520100", "贵阳", "Guiyang", 26.65, 106.63 },
	    { "520300", "遵义", "Zunyi", 27.73, 106.93 } } },
	{ "530000",
	  "云南",
	  "Yunnan",
	  "city",
	  { { "530100", "昆明", "Kunming", 25.04, 102.71 },
	    { "532900", "大理", "Dali", 25.61, 100.27 } } },
	{ "540000", "西藏", "Tibet", "city", { { "540100", "拉萨", "Lhasa", 29.65, 91.14 } } },
	{ "610000",
	  "陕西",
	  "Shaanxi",
	  "city",
	  { { "610100", "西安", "Xi'an", 34.34, 108.94 },
	    { "610300", "宝鸡", "Baoji", 34.36, 107.24 } } },
	{ "620000", "甘肃", "Gansu", "city", { { "620100", "兰州", "Lanzhou", 36.06, 103.83 } } },
	{ "630000", "青海", "Qinghai", "city", { { "630100", "西宁", "Xining", 36.62, 101.78 } } },
	{ "640000",
	  "宁夏",
	  "Ningxia",
	  "city",
	  { { "640100", "银川", "Yinchuan", 38.49, 106.23 } } },
	{ "650000",
	  "新疆",
	  "Xinjiang",
	  "city",
	  { { "650100", "乌鲁木齐", "Urumqi", 43.83, 87.62 },
	    { "650200", "克拉玛依", "Karamay", 45.58, 84.89 } } },
};

/* What the rest of the run needs of each reference row. */
struct city_ref {
	const struct city *city;
	const struct province *province;
	char path[64];
};

struct model_ref {
	int64_t id;
	char code[32];
	char revision[8];
	int line; /* index into product_lines */
};

struct site_ref {
	int64_t id;
	int64_t customer_id;
	int64_t owner_id; /* the customer's sales owner */
	int city;         /* index into cities */
	char code[16];
};

static struct city_ref cities[128];
static size_t ncities;
static struct model_ref models[64];
static size_t nmodels;
static struct site_ref *sites;
static size_t nsites;
static int64_t sales_ids[SALES_USERS];
static char sales_names[SALES_USERS][32];

static const struct {
	const char *code, *name, *name_en, *unit;
	int sizes[9];
} product_lines[] = {
	{ "UPS",
	  "不间断电源",
	  "Uninterruptible power supply",
	  "kVA",
	  { 3, 6, 10, 20, 40, 80, 120, 200, 400 } },
	{ "CRAC",
	  "精密空调",
	  "Precision air conditioner",
	  "kW",
	  { 12, 25, 40, 60, 80, 100, 120, 150 } },
	{ "CHILLER",
	  "冷水机组",
	  "Water chiller",
	  "RT",
	  { 100, 200, 300, 500, 800, 1000, 1500, 2000 } },
	{ "ELEV", "电梯", "Elevator", "kg", { 630, 800, 1000, 1350, 1600, 2000, 3000, 5000 } },
	{ "GENSET",
	  "柴油发电机组",
	  "Diesel generator set",
	  "kW",
	  { 100, 200, 300, 500, 800, 1000, 1600, 2000 } },
	{ "PDU",
	  "配电柜",
	  "Power distribution cabinet",
	  "A",
	  { 63, 100, 160, 250, 400, 630, 800, 1250 } },
};

static const char *const brand_zh[] = { "华强", "中天", "宏达",   "恒信", "金桥", "永泰",
					"东方", "远大", "新世纪", "鸿运", "万通", "天成",
					"瑞丰", "国泰", "长城",   "海天", "华信", "博远",
					"聚能", "安盛", "鼎盛",   "汇通", "百川", "嘉禾",
					"盛世", "银河", "光明",   "富华", "联创", "正大" };
static const char *const trade_zh[] = { "实业",     "科技",     "物流",     "制药", "电子",
					"医院",     "数据中心", "轨道交通", "银行", "酒店",
					"商业广场", "置业",     "通信",     "化工" };
static const char *const suffix_zh[] = { "有限公司", "股份有限公司", "集团有限公司" };
static const char *const brand_en[] = { "Pacific", "Golden Bridge", "Evergreen", "Summit",
					"Harbor",  "Silverline",    "Northstar", "Blue River",
					"Lotus",   "Great Wall",    "Orient",    "Jade",
					"Phoenix", "Crescent",      "Meridian" };
static const char *const trade_en[] = { "Logistics", "Data Centers", "Pharma", "Electronics",
					"Hospitals", "Metro",        "Hotels", "Semiconductor",
					"Retail",    "Telecom" };
static const char *const surnames[] = {
	"王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周",
	"徐", "孙", "马", "朱", "胡", "郭", "何", "林", "罗", "高"
};
static const char *const given[] = { "伟", "芳",   "娜",   "敏",   "静",   "丽",   "强",   "磊",
				     "军", "洋",   "勇",   "艳",   "杰",   "娟",   "涛",   "明",
				     "超", "秀英", "建国", "志强", "海燕", "晓东", "文博", "子涵" };
static const char *const titles[] = { "工程部经理", "设备主管",         "机房负责人",
				      "采购经理",   "Facility Manager", "IT Operations Lead" };
static const char *const site_kinds[] = { "总部大楼",         "一号厂房",      "二号厂房",
					  "数据中心 A 区",    "数据中心 B 区", "物流仓库",
					  "研发中心",         "Main Plant",    "Warehouse 3",
					  "Operations Center" };
static const char *const roads[] = { "人民", "建设", "解放", "中山", "科技", "创业",
				     "滨江", "长江", "黄河", "世纪", "迎宾", "工业" };
static const char *const plants[] = { "苏州工厂",        "深圳工厂", "天津工厂",
				      "Chongqing Plant", "西安工厂", "Hefei Plant" };
static const char *const suppliers[] = { "天能电池股份有限公司", "Delta Electronics, Inc.",
					 "艾默生网络能源",       "Schneider Electric (China)",
					 "华为数字能源",         "英威腾电气",
					 "Danfoss (Tianjin)",    "盛弘电气",
					 "\"Grand\" Fans Co.",   "宁德时代" };
static const char *const part_kinds[] = { "BAT", "FAN", "PSU", "CTL", "CAP", "IGBT", "CMP", "MTR" };
static const char *const faults_zh[] = { "风扇异响",   "电池容量不足", "控制板通信中断",
					 "压缩机过热", "输出电压波动", "门机故障" };
static const char *const faults_en[] = { "noisy fan",
					 "battery capacity low",
					 "control board offline",
					 "compressor overheating",
					 "output voltage unstable",
					 "door operator fault" };

static void seed_regions(void)
{
	sqlite3_stmt *root, *child;

	root =
	    prepare("INSERT OR IGNORE INTO regions(code, parent_code, name, name_en, level, path)"
		    " VALUES ('CN', NULL, '中国', 'China', 'country', '/CN/')");
	run(root);
	sqlite3_finalize(root);
	child =
	    prepare("INSERT OR IGNORE INTO regions(code, parent_code, name, name_en, level, path)"
		    " SELECT ?1, ?2, ?3, ?4, ?5, p.path || ?1 || '/' FROM regions p"
		    " WHERE p.code = ?2");
	for (size_t i = 0; i < ARRAY_LEN(provinces); i++) {
		const struct province *p = &provinces[i];

		bind_text(child, 1, p->code);
		bind_text(child, 2, "CN");
		bind_text(child, 3, p->name);
		bind_text(child, 4, p->name_en);
		bind_text(child, 5, "province");
		run(child);
		for (size_t j = 0; j < ARRAY_LEN(p->cities) && p->cities[j].code; j++) {
			bind_text(child, 1, p->cities[j].code);
			bind_text(child, 2, p->code);
			bind_text(child, 3, p->cities[j].name);
			bind_text(child, 4, p->cities[j].name_en);
			bind_text(child, 5, p->city_level);
			run(child);
		}
	}
	sqlite3_finalize(child);
}

static void load_cities(void)
{
	sqlite3_stmt *path = prepare("SELECT path FROM regions WHERE code = ?1");
	sqlite3_stmt *centre = prepare(
	    "INSERT OR IGNORE INTO centres(code, name, region_code, latitude, longitude, capacity)"
	    " VALUES (?1, ?2, ?3, ?4, ?5, ?6)");

	for (size_t i = 0; i < ARRAY_LEN(provinces); i++) {
		for (size_t j = 0;
		     j < ARRAY_LEN(provinces[i].cities) && provinces[i].cities[j].code; j++) {
			const struct city *c = &provinces[i].cities[j];
			char code[32], name[96];

			bind_text(path, 1, c->code);
			if (sqlite3_step(path) != SQLITE_ROW)
				die("region %s is missing", c->code);
			cities[ncities].city = c;
			cities[ncities].province = &provinces[i];
			snprintf(cities[ncities].path, sizeof(cities[ncities].path), "%s",
				 (const char *)sqlite3_column_text(path, 0));
			sqlite3_reset(path);
			ncities++;

			snprintf(code, sizeof(code), "SC-%s", c->code);
			snprintf(name, sizeof(name), "%s服务中心", c->name);
			bind_text(centre, 1, code);
			bind_text(centre, 2, name);
			bind_text(centre, 3, c->code);
			sqlite3_bind_double(centre, 4, c->lat);
			sqlite3_bind_double(centre, 5, c->lon);
			bind_int(centre, 6, 20 + rnd_below(40));
			run(centre);
		}
	}
	sqlite3_finalize(path);
	sqlite3_finalize(centre);
}

static void seed_users(int64_t now)
{
	sqlite3_stmt *ins =
	    prepare("INSERT OR IGNORE INTO users(username, display_name, role, region_code, phone,"
		    " password_hash, created_at, updated_at)"
		    " VALUES (?1, ?2, 'sales', ?3, ?4, '!', ?5, ?5)");
	sqlite3_stmt *get = prepare("SELECT id FROM users WHERE username = ?1");

	for (int i = 0; i < SALES_USERS; i++) {
		char display[64], phone[16];

		snprintf(sales_names[i], sizeof(sales_names[i]), "bench.sales.%03d", i + 1);
		snprintf(display, sizeof(display), "%s%s", PICK(surnames), PICK(given));
		snprintf(phone, sizeof(phone), "13%09u", rnd_below(1000000000));
		bind_text(ins, 1, sales_names[i]);
		bind_text(ins, 2, display);
		bind_text(ins, 3, provinces[(size_t)i % ARRAY_LEN(provinces)].code);
		bind_text(ins, 4, phone);
		bind_int(ins, 5, now);
		run(ins);
		bind_text(get, 1, sales_names[i]);
		if (sqlite3_step(get) != SQLITE_ROW)
			die("user %s is missing", sales_names[i]);
		sales_ids[i] = sqlite3_column_int64(get, 0);
		sqlite3_reset(get);
	}
	sqlite3_finalize(ins);
	sqlite3_finalize(get);
}

/* GTIN-14 check digit over the first 13 digits. */
static void gtin14(uint64_t body, char out[16])
{
	int sum = 0;

	snprintf(out, 16, "%013" PRIu64, (uint64_t)(body % UINT64_C(10000000000000)));
	for (int i = 0; i < 13; i++)
		sum += (out[i] - '0') * (i % 2 == 0 ? 3 : 1);
	out[13] = (char)('0' + (10 - sum % 10) % 10);
	out[14] = '\0';
}

static void seed_models(int64_t now)
{
	sqlite3_stmt *line =
	    prepare("INSERT OR IGNORE INTO product_lines(code, name, name_en) VALUES (?1, ?2, ?3)");
	sqlite3_stmt *ins =
	    prepare("INSERT OR IGNORE INTO models(code, name, product_line, design_revision, specs,"
		    " documents, gtin, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, "
		    "?8, ?8)");
	sqlite3_stmt *get = prepare("SELECT id, design_revision FROM models WHERE code = ?1");
	uint64_t gtin_body = 690123400000ull; /* a GS1 China prefix, made up below it */

	for (size_t l = 0; l < ARRAY_LEN(product_lines); l++) {
		bind_text(line, 1, product_lines[l].code);
		bind_text(line, 2, product_lines[l].name);
		bind_text(line, 3, product_lines[l].name_en);
		run(line);
	}
	for (size_t l = 0; nmodels < 50; l = (l + 1) % ARRAY_LEN(product_lines)) {
		size_t k = nmodels / ARRAY_LEN(product_lines);
		int size = product_lines[l].sizes[k];
		char name[128], specs[256], docs[256], gtin[16], rev[8];
		struct model_ref *m = &models[nmodels];

		if (k >= ARRAY_LEN(product_lines[l].sizes) || !size)
			size = product_lines[l].sizes[0] * (int)(k + 2);
		snprintf(m->code, sizeof(m->code), "%s-%d%s", product_lines[l].code, size,
			 nmodels % 3 ? "" : "-T");
		snprintf(rev, sizeof(rev), "R%u", 1 + rnd_below(4));
		snprintf(name, sizeof(name), "%d%s %s%s", size, product_lines[l].unit,
			 product_lines[l].name, nmodels % 3 ? "" : "（塔式）");
		snprintf(specs, sizeof(specs),
			 "{\"rated\":%d,\"unit\":\"%s\",\"voltage\":\"%s\",\"ip_rating\":\"IP%d\"}",
			 size, product_lines[l].unit, size > 100 ? "380V" : "220V",
			 20 + 10 * (int)rnd_below(5));
		snprintf(
		    docs, sizeof(docs),
		    "[{\"title\":\"安装手册\",\"url\":\"https://docs.example.com/%s/install.pdf\"},"
		    "{\"title\":\"Service "
		    "manual\",\"url\":\"https://docs.example.com/%s/service.pdf\"}]",
		    m->code, m->code);
		gtin14(gtin_body + nmodels, gtin);
		bind_text(ins, 1, m->code);
		bind_text(ins, 2, name);
		bind_text(ins, 3, product_lines[l].code);
		bind_text(ins, 4, rev);
		bind_text(ins, 5, specs);
		bind_text(ins, 6, docs);
		bind_text(ins, 7, nmodels % 2 ? NULL : gtin);
		bind_int(ins, 8, now);
		run(ins);
		bind_text(get, 1, m->code);
		if (sqlite3_step(get) != SQLITE_ROW)
			die("model %s is missing", m->code);
		m->id = sqlite3_column_int64(get, 0);
		snprintf(m->revision, sizeof(m->revision), "%s",
			 (const char *)sqlite3_column_text(get, 1));
		sqlite3_reset(get);
		m->line = (int)l;
		nmodels++;
	}
	sqlite3_finalize(line);
	sqlite3_finalize(ins);
	sqlite3_finalize(get);
}

static int city_index(const char *code)
{
	for (size_t i = 0; i < ncities; i++)
		if (strcmp(cities[i].city->code, code) == 0)
			return (int)i;
	return -1;
}

/* Customers BC000001.. (1-2 contacts each) and sites BS0000001.., added
 * when absent; then the sites are read back with their customer's owner
 * (a second run reuses them). */
static void seed_customers_and_sites(int64_t now)
{
	static const char *const tiers[] = { "strategic", "A", "A", "B", "B",
					     "B",         "C", "C", "C", "C" };
	int64_t *cust_id = calloc(CUSTOMERS, sizeof(*cust_id));
	int *cust_city = calloc(CUSTOMERS, sizeof(*cust_city));
	sqlite3_stmt *st, *contact;
	size_t ncust = 0;

	sites = calloc(SITES, sizeof(*sites));
	if (!cust_id || !cust_city || !sites)
		die("out of memory");
	exec("BEGIN");
	if (!query_int("SELECT count(*) FROM customers WHERE code LIKE 'BC%'")) {
		st = prepare("INSERT INTO customers(code, name, tier, region_code, sales_owner_id,"
			     " created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)");
		contact =
		    prepare("INSERT INTO customer_contacts(customer_id, name, phone, id_number,"
			    " title) VALUES (?1, ?2, ?3, ?4, ?5)");
		for (int i = 0; i < CUSTOMERS; i++) {
			const struct city *c = cities[rnd_below((uint32_t)ncities)].city;
			char code[16], name[160];
			int64_t id;

			snprintf(code, sizeof(code), "BC%06d", i + 1);
			if (rnd_below(10) < 7)
				snprintf(name, sizeof(name), "%s%s%s%s", c->name, PICK(brand_zh),
					 PICK(trade_zh), PICK(suffix_zh));
			else
				snprintf(name, sizeof(name), "%s %s (%s) Co., Ltd.", PICK(brand_en),
					 PICK(trade_en), c->name_en);
			bind_text(st, 1, code);
			bind_text(st, 2, name);
			bind_text(st, 3, PICK(tiers));
			bind_text(st, 4, c->code);
			bind_int(st, 5, sales_ids[rnd_below(SALES_USERS)]);
			bind_int(st, 6, now);
			run(st);
			id = sqlite3_last_insert_rowid(db);
			for (uint32_t k = 0, n = 1 + rnd_below(2); k < n; k++) {
				char person[32], phone[16], idno[32];

				snprintf(person, sizeof(person), "%s%s", PICK(surnames),
					 PICK(given));
				snprintf(phone, sizeof(phone), "1%u%09u", 3 + rnd_below(7),
					 rnd_below(1000000000));
				snprintf(idno, sizeof(idno), "%s19%02u%02u%02u%04u", c->code,
					 60 + rnd_below(40), 1 + rnd_below(12), 1 + rnd_below(28),
					 rnd_below(10000));
				bind_int(contact, 1, id);
				bind_text(contact, 2, person);
				bind_text(contact, 3, phone);
				bind_text(contact, 4, idno);
				bind_text(contact, 5, PICK(titles));
				run(contact);
			}
		}
		sqlite3_finalize(st);
		sqlite3_finalize(contact);
	}
	st = prepare("SELECT id, coalesce(region_code, '') FROM customers WHERE code LIKE 'BC%'"
		     " ORDER BY id");
	while (ncust < CUSTOMERS && sqlite3_step(st) == SQLITE_ROW) {
		int city = city_index((const char *)sqlite3_column_text(st, 1));

		cust_id[ncust] = sqlite3_column_int64(st, 0);
		cust_city[ncust++] = city < 0 ? 0 : city;
	}
	sqlite3_finalize(st);
	if (!ncust)
		die("no bench customers");

	if (!query_int("SELECT count(*) FROM sites WHERE code LIKE 'BS%'")) {
		st = prepare(
		    "INSERT INTO sites(customer_id, code, name, address, region_code, latitude,"
		    " longitude, created_at, updated_at)"
		    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8)");
		for (int i = 0; i < SITES; i++) {
			size_t ci = rnd_below((uint32_t)ncust);
			int city =
			    rnd_below(10) < 8 ? cust_city[ci] : (int)rnd_below((uint32_t)ncities);
			const struct city *c = cities[city].city;
			char code[16], name[192], address[192];

			snprintf(code, sizeof(code), "BS%07d", i + 1);
			snprintf(name, sizeof(name), "%s %s", c->name, PICK(site_kinds));
			snprintf(address, sizeof(address), "%s%s%s路%u号",
				 cities[city].province->name, c->name, PICK(roads),
				 1 + rnd_below(999));
			bind_int(st, 1, cust_id[ci]);
			bind_text(st, 2, code);
			bind_text(st, 3, name);
			bind_text(st, 4, address);
			bind_text(st, 5, c->code);
			sqlite3_bind_double(st, 6,
					    c->lat + (double)rnd_range(-2000, 2000) / 10000.0);
			sqlite3_bind_double(st, 7,
					    c->lon + (double)rnd_range(-2000, 2000) / 10000.0);
			bind_int(st, 8, now);
			run(st);
		}
		sqlite3_finalize(st);
	}
	st = prepare(
	    "SELECT s.id, s.customer_id, s.code, s.region_code,"
	    " coalesce(c.sales_owner_id, 0) FROM sites s JOIN customers c ON c.id = s.customer_id"
	    " WHERE s.code LIKE 'BS%' ORDER BY s.id");
	while (nsites < SITES && sqlite3_step(st) == SQLITE_ROW) {
		struct site_ref *r = &sites[nsites];
		int city = city_index((const char *)sqlite3_column_text(st, 3));

		if (city < 0)
			continue; /* not one of ours */
		r->id = sqlite3_column_int64(st, 0);
		r->customer_id = sqlite3_column_int64(st, 1);
		snprintf(r->code, sizeof(r->code), "%s", (const char *)sqlite3_column_text(st, 2));
		r->city = city;
		r->owner_id = sqlite3_column_int64(st, 4);
		nsites++;
	}
	sqlite3_finalize(st);
	if (!nsites)
		die("no bench sites");
	exec("COMMIT");
	free(cust_id);
	free(cust_city);
}

static void ensure_qr_key(int64_t now)
{
	unsigned char secret[32];
	sqlite3_stmt *st;

	if (query_int("SELECT count(*) FROM qr_keys WHERE key_id = 1"))
		return;
	if (getrandom(secret, sizeof(secret), 0) != (ssize_t)sizeof(secret))
		die("getrandom: %s", strerror(errno));
	st = prepare("INSERT INTO qr_keys(key_id, secret, created_at, active)"
		     " VALUES (1, ?1, ?2, (SELECT count(*) = 0 FROM qr_keys WHERE active = 1))");
	sqlite3_bind_blob(st, 1, secret, sizeof(secret), SQLITE_TRANSIENT);
	bind_int(st, 2, now);
	run(st);
	sqlite3_finalize(st);
}

/* --- assets --- */

struct asset_dates {
	int64_t produced, installed, commissioned, accepted, warranty_end; /* days */
	int months;
};

/* Warranty ends spread over today +- 5 years; every other date before
 * today and in lifecycle order. */
static void pick_dates(int64_t today, struct asset_dates *d)
{
	static const int month_choices[] = { 12, 24, 36, 60 };
	int64_t end = today + rnd_range(-1826, 1826);

	d->months = PICK(month_choices);
	d->accepted = add_months(end, -d->months);
	if (d->accepted > today) {
		d->months = 60;
		d->accepted = add_months(end, -60);
		if (d->accepted > today)
			d->accepted = today;
	}
	d->warranty_end = add_months(d->accepted, d->months);
	d->commissioned = d->accepted - rnd_range(0, 10);
	d->installed = d->commissioned - rnd_range(0, 20);
	d->produced = d->installed - rnd_range(15, 200);
}

struct gen {
	sqlite3_stmt *asset, *component, *event, *label, *counter;
	int64_t event_id;
	int64_t now, today;
	int events_per_asset;
};

static void add_event(struct gen *g, int64_t asset_id, int64_t at, const char *kind,
		      const char *summary, const char *detail)
{
	sqlite3_stmt *st = g->event;

	bind_int(st, 1, asset_id);
	bind_int(st, 2, at);
	bind_int(st, 3, ++g->event_id);
	bind_text(st, 4, kind);
	bind_text(st, 5, summary);
	bind_text(st, 6, detail);
	run(st);
}

static int zh(void)
{
	return rnd_below(10) < 6;
}

static void gen_events(struct gen *g, int64_t asset_id, const struct asset_dates *d,
		       const struct site_ref *s, const char *plant, int line, const char *batch)
{
	const struct city *c = cities[s->city].city;
	char summary[256], detail[128];
	int64_t at[6];
	int n = g->events_per_asset, done = 0;
	int64_t last;

	at[0] = d->produced * DAY + rnd_range(8, 17) * 3600;
	at[1] = at[0] + rnd_range(1, 48) * 3600;
	at[2] = d->produced * DAY + rnd_range(3, 10) * DAY;
	if (at[2] > d->installed * DAY)
		at[2] = d->installed * DAY - 3600;
	at[3] = d->installed * DAY + rnd_range(9, 17) * 3600;
	at[4] = d->commissioned * DAY + rnd_range(9, 17) * 3600;
	at[5] = d->accepted * DAY + rnd_range(9, 17) * 3600;
	for (int i = 1; i < 6; i++)
		if (at[i] <= at[i - 1])
			at[i] = at[i - 1] + 60;
	/* A unit accepted today: nothing after this minute. */
	for (int i = 5; i >= 0; i--)
		if (at[i] > g->now - (8 - i) * 60)
			at[i] = g->now - (8 - i) * 60;

	for (int i = 0; i < 7 && done < n; i++, done++) {
		const char *kind = "";

		switch (i) {
		case 0:
			kind = "production";
			if (zh())
				snprintf(summary, sizeof(summary), "出厂生产：%s L%d 线，批次 %s",
					 plant, line, batch);
			else
				snprintf(summary, sizeof(summary),
					 "Produced at %s, line L%d, batch %s", plant, line, batch);
			break;
		case 1:
			kind = "test";
			if (zh())
				snprintf(summary, sizeof(summary),
					 "出厂检验合格：绝缘电阻 %u MΩ，满载温升 %u.%u K",
					 200 + rnd_below(800), 10 + rnd_below(20), rnd_below(10));
			else
				snprintf(summary, sizeof(summary),
					 "Factory test passed: insulation %u MOhm, full-load rise "
					 "%u.%u K",
					 200 + rnd_below(800), 10 + rnd_below(20), rnd_below(10));
			break;
		case 2:
			kind = "shipment";
			if (zh())
				snprintf(summary, sizeof(summary), "发货至%s，运单号 SF%010u",
					 c->name, rnd_below(1000000000));
			else
				snprintf(summary, sizeof(summary), "Shipped to %s, waybill SF%010u",
					 c->name_en, rnd_below(1000000000));
			break;
		case 3:
			kind = "installation";
			snprintf(summary, sizeof(summary),
				 zh() ? "安装完成：现场 %s" : "Installed at site %s", s->code);
			break;
		case 4:
			kind = "commissioning";
			snprintf(summary, sizeof(summary), "%s",
				 zh() ? "调试完成，运行参数正常"
				      : "Commissioned; operating parameters normal");
			break;
		case 5:
			kind = "acceptance";
			if (zh())
				snprintf(summary, sizeof(summary), "客户验收通过，质保 %d 个月",
					 d->months);
			else
				snprintf(summary, sizeof(summary),
					 "Accepted by the customer; warranty %d months", d->months);
			break;
		case 6:
			kind = "label";
			snprintf(summary, sizeof(summary), "identification label issued");
			add_event(g, asset_id, at[5] + 60, kind, summary,
				  "{\"generation\":1,\"key_id\":1,\"replaces\":null}");
			continue;
		}
		add_event(g, asset_id, at[i], kind, summary, "{}");
	}
	/* Service life: one event in each equal slice of the time from
	 * acceptance to now, so they come in order and none in the future. */
	last = at[5] + 120; /* <= now, see above */
	for (int k = 0, left = n - done; done < n; done++, k++) {
		int64_t slice = (g->now - last) / left;
		int64_t t = last + slice * k + rnd_range(0, slice > 1 ? slice - 1 : 0);
		uint32_t r = rnd_below(100);
		const char *kind;
		int f = (int)rnd_below((uint32_t)ARRAY_LEN(faults_zh));

		detail[0] = '\0';
		if (r < 45) {
			kind = "service";
			if (zh())
				snprintf(summary, sizeof(summary), "故障维修：%s，已处理",
					 faults_zh[f]);
			else
				snprintf(summary, sizeof(summary), "Repair: %s, fixed",
					 faults_en[f]);
			snprintf(detail, sizeof(detail),
				 "{\"ticket\":\"SR-%08u\",\"technician\":\"tech.%04u\"}",
				 rnd_below(100000000), rnd_below(5000));
		} else if (r < 80) {
			kind = "inspection";
			snprintf(summary, sizeof(summary), "%s",
				 zh() ? "例行巡检：运行正常" : "Routine inspection: all normal");
		} else if (r < 92) {
			kind = "firmware";
			snprintf(summary, sizeof(summary),
				 zh() ? "固件升级至 v%u.%u.%u" : "Firmware upgraded to v%u.%u.%u",
				 1 + rnd_below(4), rnd_below(10), rnd_below(20));
		} else {
			kind = "part_replacement";
			snprintf(summary, sizeof(summary),
				 zh() ? "更换部件 %s-%03u" : "Replaced part %s-%03u",
				 PICK(part_kinds), rnd_below(1000));
		}
		add_event(g, asset_id, t, kind, summary, detail[0] ? detail : "{}");
	}
}

static void gen_asset(struct gen *g, int64_t index)
{
	const struct model_ref *m = &models[rnd_below((uint32_t)nmodels)];
	const struct site_ref *s = &sites[rnd_below((uint32_t)nsites)];
	struct asset_dates d;
	char serial[32], batch[32], plant_line[8], prod[16], inst[16], comm[16], acc[16], wend[16];
	char tests[256];
	const char *plant = PICK(plants);
	int line = 1 + (int)rnd_below(8), y, mo, dd;
	int64_t id, owner;
	sqlite3_stmt *st = g->asset;

	pick_dates(g->today, &d);
	civil_from_days(d.produced, &y, &mo, &dd);
	snprintf(serial, sizeof(serial), "BN%010" PRId64, index + 1);
	snprintf(batch, sizeof(batch), "B%04d%02d-%02u", y, mo, 1 + rnd_below(30));
	snprintf(plant_line, sizeof(plant_line), "L%d", line);
	fmt_day(d.produced, prod);
	fmt_day(d.installed, inst);
	fmt_day(d.commissioned, comm);
	fmt_day(d.accepted, acc);
	fmt_day(d.warranty_end, wend);
	/* The registry's shape: {name, result, value, unit}. */
	snprintf(tests, sizeof(tests),
		 "[{\"name\":\"绝缘电阻\",\"result\":\"pass\",\"value\":%u,\"unit\":\"MΩ\"},"
		 "{\"name\":\"Full-load temperature rise\",\"result\":\"pass\",\"value\":%u.%u,"
		 "\"unit\":\"K\"}]",
		 200 + rnd_below(800), 10 + rnd_below(20), rnd_below(10));
	owner = s->owner_id;
	if (rnd_below(10) == 0)
		owner = sales_ids[rnd_below(SALES_USERS)];

	bind_text(st, 1, serial);
	bind_int(st, 2, m->id);
	bind_text(st, 3, m->revision);
	bind_text(st, 4, plant);
	bind_text(st, 5, plant_line);
	bind_text(st, 6, batch);
	bind_text(st, 7, prod);
	bind_text(st, 8, tests);
	bind_int(st, 9, s->id);
	bind_int(st, 10, s->customer_id);
	bind_text(st, 11, cities[s->city].path);
	bind_text(st, 12, inst);
	bind_text(st, 13, comm);
	bind_text(st, 14, acc);
	bind_text(st, 15, acc);
	bind_int(st, 16, d.months);
	bind_text(st, 17, wend);
	bind_int(st, 18, owner);
	bind_int(st, 19, d.accepted * DAY);
	run(st);
	id = sqlite3_last_insert_rowid(db);

	for (uint32_t k = 0, n = 2 + rnd_below(MAX_COMPONENTS - 1); k < n; k++) {
		char part[32], cserial[32], lot[16];

		snprintf(part, sizeof(part), "%s-%s-%02u", PICK(part_kinds),
			 product_lines[m->line].code, rnd_below(40));
		snprintf(cserial, sizeof(cserial), "CS%08" PRId64 "%u", index + 1, k);
		snprintf(lot, sizeof(lot), "L%02d%02d%02u", y % 100, mo, rnd_below(100));
		bind_int(g->component, 1, id);
		bind_text(g->component, 2, part);
		bind_text(g->component, 3, cserial);
		bind_text(g->component, 4, PICK(suppliers));
		bind_text(g->component, 5, lot);
		bind_int(g->component, 6, d.produced * DAY); /* fitted when built */
		run(g->component);
	}
	gen_events(g, id, &d, s, plant, line, batch);
	bind_int(g->label, 1, id);
	bind_int(g->label, 2, d.accepted * DAY + 17 * 3600);
	run(g->label);
}

static void gen_assets(int64_t count, int events_per_asset, int64_t now)
{
	struct gen g;
	int64_t start = query_int("SELECT count(*) FROM assets WHERE serial LIKE 'BN%'");
	double t0 = now_s();

	memset(&g, 0, sizeof(g));
	g.now = now;
	g.today = now / DAY;
	g.events_per_asset = events_per_asset;
	g.asset = prepare(
	    "INSERT INTO assets(serial, model_id, design_revision, plant, line, batch,"
	    " production_date, factory_tests, site_id, customer_id, region_path, installed_at,"
	    " commissioned_at, accepted_at, warranty_start, warranty_months, warranty_end,"
	    " sales_owner_id, created_at, updated_at)"
	    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17,"
	    " ?18, ?19, ?19)");
	g.component =
	    prepare("INSERT INTO asset_components(asset_id, part_number, component_serial,"
		    " supplier, lot, installed_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
	g.event = prepare("INSERT INTO asset_events(asset_id, at, id, kind, summary, detail)"
			  " VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
	g.label = prepare("INSERT INTO labels(asset_id, generation, key_id, issued_at)"
			  " VALUES (?1, 1, 1, ?2)");
	g.counter = prepare("UPDATE counters SET value = ?1 WHERE name = 'asset_event'");
	g.event_id = query_int("SELECT value FROM counters WHERE name = 'asset_event'");

	for (int64_t i = 0; i < count;) {
		int64_t end = i + BATCH_ASSETS < count ? i + BATCH_ASSETS : count;
		double t;

		exec("BEGIN");
		for (; i < end; i++)
			gen_asset(&g, start + i);
		bind_int(g.counter, 1, g.event_id);
		run(g.counter);
		exec("COMMIT");
		t = now_s() - t0;
		printf("assets %" PRId64 "/%" PRId64 ", events %" PRId64
		       ", %.1f s (%.0f assets/s)\n",
		       i, count, g.event_id, t, (double)i / (t > 0 ? t : 1));
		fflush(stdout);
	}
	sqlite3_finalize(g.asset);
	sqlite3_finalize(g.component);
	sqlite3_finalize(g.event);
	sqlite3_finalize(g.label);
	sqlite3_finalize(g.counter);
}

/* --- the import file --- */

/* Writes s as one CSV field, quoted when it must be (RFC 4180). */
static void csv_field(FILE *f, const char *s, int last)
{
	if (strpbrk(s, ",\"\r\n")) {
		fputc('"', f);
		for (; *s; s++) {
			if (*s == '"')
				fputc('"', f);
			fputc(*s, f);
		}
		fputc('"', f);
	} else {
		fputs(s, f);
	}
	fputc(last ? '\n' : ',', f);
}

static void write_import_csv(const char *path, int64_t rows, int64_t now)
{
	FILE *f = fopen(path, "w");
	int64_t today = now / DAY;

	if (!f)
		die("cannot write %s: %s", path, strerror(errno));
	fputs("serial,model_code,design_revision,plant,line,batch,production_date,site_code,"
	      "installed_at,commissioned_at,accepted_at,warranty_months,warranty_start,"
	      "sales_owner,components\n",
	      f);
	for (int64_t i = 0; i < rows; i++) {
		const struct model_ref *m = &models[rnd_below((uint32_t)nmodels)];
		const struct site_ref *s = &sites[rnd_below((uint32_t)nsites)];
		struct asset_dates d;
		char serial[32], line[8], batch[32], prod[16], inst[16], comm[16], acc[16],
		    months[8];
		char comps[512];
		int y, mo, dd, n = 0;
		uint32_t stage = rnd_below(10);

		pick_dates(today, &d);
		civil_from_days(d.produced, &y, &mo, &dd);
		snprintf(serial, sizeof(serial), "IMP-%08" PRId64, i + 1);
		snprintf(line, sizeof(line), "L%u", 1 + rnd_below(8));
		snprintf(batch, sizeof(batch), "B%04d%02d-%02u", y, mo, 1 + rnd_below(30));
		fmt_day(d.produced, prod);
		fmt_day(d.installed, inst);
		fmt_day(d.commissioned, comm);
		fmt_day(d.accepted, acc);
		snprintf(months, sizeof(months), "%d", d.months);
		for (uint32_t k = 0, nc = 1 + rnd_below(3); k < nc; k++)
			n += snprintf(comps + n, sizeof(comps) - (size_t)n,
				      "%s%s-%s-%02u|CI%08" PRId64 "%u|%s|L%02d%02d%02u",
				      k ? ";" : "", PICK(part_kinds), product_lines[m->line].code,
				      rnd_below(40), i + 1, k, PICK(suppliers), y % 100, mo,
				      rnd_below(100));
		csv_field(f, serial, 0);
		csv_field(f, m->code, 0);
		csv_field(f, rnd_below(4) ? "" : m->revision, 0);
		csv_field(f, PICK(plants), 0);
		csv_field(f, line, 0);
		csv_field(f, batch, 0);
		csv_field(f, prod, 0);
		csv_field(f, s->code, 0);
		csv_field(f, inst, 0);
		/* Most units are accepted; some are still being commissioned. */
		csv_field(f, stage > 0 ? comm : "", 0);
		csv_field(f, stage > 1 ? acc : "", 0);
		csv_field(f, months, 0);
		csv_field(f, stage > 1 ? "" : comm, 0);
		csv_field(f, rnd_below(5) ? "" : sales_names[rnd_below(SALES_USERS)], 0);
		csv_field(f, comps, 1);
	}
	if (fclose(f) != 0)
		die("cannot write %s: %s", path, strerror(errno));
}

/* --- main --- */

static void usage(void)
{
	fputs("usage: gen_bench_data --db PATH [--assets N] [--events-per-asset M]\n"
	      "                      [--import-csv FILE] [--import-rows R] [--seed S]\n"
	      "  fills a database made by `fieldtrace migrate` (defaults: 1000000 assets,\n"
	      "  20 events each, 100000 import rows)\n",
	      stderr);
	exit(2);
}

static int64_t parse_count(const char *s, int64_t max)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || *end || v < 0 || v > max)
		usage();
	return v;
}

int main(int argc, char **argv)
{
	const char *path = NULL, *csv = NULL;
	int64_t assets = 1000000, events = 20, import_rows = 100000, seed = 1;
	int64_t now = (int64_t)time(NULL);
	double t0 = now_s();

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!v)
			usage();
		if (strcmp(a, "--db") == 0)
			path = v;
		else if (strcmp(a, "--assets") == 0)
			assets = parse_count(v, 100000000);
		else if (strcmp(a, "--events-per-asset") == 0)
			events = parse_count(v, 1000);
		else if (strcmp(a, "--import-csv") == 0)
			csv = v;
		else if (strcmp(a, "--import-rows") == 0)
			import_rows = parse_count(v, 10000000);
		else if (strcmp(a, "--seed") == 0)
			seed = parse_count(v, INT64_MAX);
		else
			usage();
		i++;
	}
	if (!path)
		usage();
	rng_state ^= (uint64_t)seed * 0xD1B54A32D192ED03ull;
	if (!rng_state)
		rng_state = 1;

	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK)
		die("cannot open %s (run `fieldtrace migrate --db %s` first)", path, path);
	if (!query_int(
		"SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'labels'"))
		die("%s is not migrated (run `fieldtrace migrate --db %s` first)", path, path);
	exec("PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; PRAGMA locking_mode=EXCLUSIVE;"
	     "PRAGMA cache_size=-1048576; PRAGMA temp_store=MEMORY; PRAGMA foreign_keys=OFF;");

	exec("BEGIN");
	seed_regions();
	load_cities();
	seed_users(now);
	seed_models(now);
	ensure_qr_key(now);
	exec("COMMIT");
	seed_customers_and_sites(now);
	printf("reference data: %zu cities, %zu models, %d customers, %zu sites, %.1f s\n", ncities,
	       nmodels, CUSTOMERS, nsites, now_s() - t0);
	fflush(stdout);

	if (assets)
		gen_assets(assets, (int)events, now);
	if (csv) {
		write_import_csv(csv, import_rows, now);
		printf("import file %s: %" PRId64 " rows\n", csv, import_rows);
	}
	exec("PRAGMA journal_mode=WAL");
	sqlite3_close(db);
	free(sites);
	printf("done in %.1f s\n", now_s() - t0);
	return 0;
}
