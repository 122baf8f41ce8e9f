/* The demo's knowledge base: a few bilingual articles for the demo
 * models, published at once through the same write as the API's. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain/audit.h"
#include "db/db.h"
#include "demo/demo.h"
#include "domain/kb.h"
#include "db/kb_store.h"
#include "domain/registry.h"

struct demo_article {
	const char *title, *symptoms, *cause, *solution, *safety;
	const char *line, *model, *fault_code;
};

static const struct demo_article demo_articles[] = {
	{ "断路器拒合 Circuit breaker will not close",
	  "合闸命令发出后断路器不动作，合闸指示灯不亮；有时可听到合闸线圈吸合声但机构不动作。"
	  "The breaker does not close on command; the closing coil may click but the mechanism "
	  "does not latch.",
	  "合闸线圈烧毁、储能机构未储能或合闸回路辅助触点接触不良。Burnt closing coil, spring "
	  "not charged, or a poor auxiliary contact in the closing circuit.",
	  "1. 检查储能指示，手动储能后再试合。2. 测量合闸线圈电阻（正常约 100 Ω），烧毁则更换。"
	  "3. 检查辅助开关触点并清洁。Check the spring charge indicator, measure the closing coil "
	  "(about 100 ohm) and replace it if open, clean the auxiliary contacts.",
	  "必须将手车摇至试验位置并断开控制电源后方可检修；释放储能弹簧能量。Rack the truck out to "
	  "the test position and isolate control power; discharge the closing spring first.",
	  "switchgear", "KYN28-12", "E-CB-07" },
	{ "综保装置告警 E-21 Relay alarm E-21: CT circuit abnormal",
	  "保护装置面板告警 E-21，电流采样值三相不平衡或某相为零。The relay shows alarm E-21; one "
	  "phase current reads zero or the three phases are unbalanced.",
	  "电流互感器二次回路开路或端子松动。An open or loose CT secondary circuit.",
	  "在端子排逐相测量二次电流，紧固松动端子，必要时更换采样插件。Measure each phase at the "
	  "terminal block, tighten loose terminals, replace the AC input module if needed.",
	  "严禁电流互感器二次回路开路，工作前先短接二次绕组。Never open a live CT secondary: short "
	  "the secondary winding before work.",
	  "relay", "RCS-9611", "E-21" },
	{ "变压器温升异常 Transformer over-temperature",
	  "干式变压器温控器报超温，风机频繁启动，绕组温度超过 130 ℃。The dry-type transformer "
	  "temperature controller alarms; fans run constantly; winding temperature above 130 °C.",
	  "负荷过大、通风不良或风机故障，也可能是 PT100 测温元件故障。Overload, poor ventilation "
	  "or a failed fan; sometimes a faulty PT100 sensor.",
	  "核对负荷电流，清理风道与滤网，检查风机，交叉比对三相测温读数判断 PT100 是否异常。"
	  "Check the load current, clean the air path, test the fans and compare the three PT100 "
	  "readings.",
	  "停电检查前确认高低压侧均已断开并挂接地线；高温部件防烫伤。Isolate and earth both HV and "
	  "LV sides before inspection; beware of hot surfaces.",
	  "transformer", "SCB13-1000", "T-OT-01" },
};

enum err kb_demo_seed(struct db *db)
{
	struct kb_input *in = calloc(1, sizeof(*in));
	struct model_row *m = malloc(sizeof(*m));
	struct product_line_row p;
	struct registry_user admin;
	struct audit_actor actor;
	int64_t id, any = 0, owner = 0;
	enum err e = in && m ? ERR_OK : ERR_INTERNAL;

	if (e == ERR_OK)
		e = kb_store_article_count(db, &any);
	if (e != ERR_OK || any) {
		free(in);
		free(m);
		return e;
	}
	audit_actor_cli(&actor, "demo");
	if (e == ERR_OK && registry_user_by_name(db, "admin", &admin) == ERR_OK)
		owner = admin.id;
	for (size_t i = 0; e == ERR_OK && i < sizeof(demo_articles) / sizeof(demo_articles[0]);
	     i++) {
		const struct demo_article *d = &demo_articles[i];

		memset(in, 0, sizeof(*in));
		snprintf(in->v.title, sizeof(in->v.title), "%s", d->title);
		snprintf(in->v.symptoms, sizeof(in->v.symptoms), "%s", d->symptoms);
		snprintf(in->v.cause, sizeof(in->v.cause), "%s", d->cause);
		snprintf(in->v.solution, sizeof(in->v.solution), "%s", d->solution);
		snprintf(in->v.safety_notes, sizeof(in->v.safety_notes), "%s", d->safety);
		if (registry_product_line_get(db, d->line, &p) == ERR_OK)
			snprintf(in->links.product_lines[in->links.n_lines++], KB_CODE_MAX + 1,
				 "%s", p.code);
		if (registry_model_get(db, 0, d->model, m) == ERR_OK) {
			in->links.model_ids[in->links.n_models] = m->id;
			snprintf(in->links.models[in->links.n_models++], KB_CODE_MAX + 1, "%s",
				 m->code);
		}
		snprintf(in->links.fault_codes[in->links.n_codes++], KB_CODE_MAX + 1, "%s",
			 d->fault_code);
		e = kb_article_create_locked(db, &actor, owner, in, "published", 0, &id);
	}
	free(in);
	free(m);
	return e;
}
