/* STUB: replaced by the identity module. */
#include "qr.h"

#include <stdio.h>

enum err qr_keys_load(struct db *db)
{
	(void)db;
	return ERR_OK;
}

enum err qr_label_issue(struct db *db, int64_t asset_id, int64_t now)
{
	(void)db; (void)asset_id; (void)now;
	return ERR_OK;
}

enum err qr_label_code(struct db *db, int64_t asset_id, char out[QR_CODE_MAX])
{
	(void)db; (void)asset_id;
	out[0] = '\0';
	return ERR_NOT_FOUND;
}

enum err qr_code_resolve(struct db *db, const char *code, int64_t *asset_id)
{
	(void)db; (void)code; (void)asset_id;
	return ERR_NOT_FOUND;
}

void qr_link(const char *public_url, const char *code, char *out, size_t size)
{
	snprintf(out, size, "%s/id/%s", public_url, code);
}
