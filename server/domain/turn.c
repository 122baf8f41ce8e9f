/* TURN REST API credentials (include/domain/turn.h). */
#include "domain/turn.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <string.h>

#define URIS_MAX 1024

static struct {
	char turn[URIS_MAX];
	char stun[URIS_MAX];
	unsigned char secret[TURN_SECRET_MAX];
	size_t secret_len;
	int ttl_s;
	int relay_only;
} turn = { .ttl_s = TURN_TTL_DEFAULT_S };

/* Each comma-separated item starts with one of the schemes and has no
 * spaces (RFC 7064 / 7065 URIs as browsers take them). */
static int uris_valid(const char *list, const char *a, const char *b)
{
	const char *p = list;

	while (*p) {
		size_t n = strcspn(p, ",");

		if (n == 0 || memchr(p, ' ', n) ||
		    !((n > strlen(a) && strncmp(p, a, strlen(a)) == 0) ||
		      (n > strlen(b) && strncmp(p, b, strlen(b)) == 0)))
			return 0;
		p += n;
		if (*p == ',')
			p++;
	}
	return 1;
}

static enum err read_secret(const char *path, char *why, size_t why_size)
{
	char line[TURN_SECRET_MAX + 2];
	FILE *f = fopen(path, "r");
	size_t n;

	if (!f) {
		snprintf(why, why_size, "turn-secret-file: cannot open %s", path);
		return ERR_INVALID;
	}
	if (!fgets(line, sizeof(line), f))
		line[0] = '\0';
	fclose(f);
	n = strcspn(line, "\r\n");
	if (n == 0 || n > TURN_SECRET_MAX) {
		OPENSSL_cleanse(line, sizeof(line));
		snprintf(why, why_size,
			 "turn-secret-file: the first line must hold the secret "
			 "(1 to %d bytes)",
			 TURN_SECRET_MAX);
		return ERR_INVALID;
	}
	memcpy(turn.secret, line, n);
	turn.secret_len = n;
	OPENSSL_cleanse(line, sizeof(line));
	return ERR_OK;
}

enum err turn_configure(const char *turn_uris, const char *stun_uris, const char *secret_file,
			int ttl_s, int relay_only, char *why, size_t why_size)
{
	turn_unconfigure();
	turn_uris = turn_uris ? turn_uris : "";
	stun_uris = stun_uris ? stun_uris : "";
	if (strlen(turn_uris) >= URIS_MAX || !uris_valid(turn_uris, "turn:", "turns:")) {
		snprintf(why, why_size,
			 "turn-uris: expected turn: or turns: URIs, comma-separated");
		return ERR_INVALID;
	}
	if (strlen(stun_uris) >= URIS_MAX || !uris_valid(stun_uris, "stun:", "stuns:")) {
		snprintf(why, why_size,
			 "stun-uris: expected stun: or stuns: URIs, comma-separated");
		return ERR_INVALID;
	}
	if (*turn_uris) {
		enum err e;

		if (!secret_file || !*secret_file) {
			snprintf(why, why_size, "turn-uris needs turn-secret-file");
			return ERR_INVALID;
		}
		e = read_secret(secret_file, why, why_size);
		if (e != ERR_OK)
			return e;
	}
	snprintf(turn.turn, sizeof(turn.turn), "%s", turn_uris);
	snprintf(turn.stun, sizeof(turn.stun), "%s", stun_uris);
	turn.ttl_s = ttl_s > 0 ? ttl_s : TURN_TTL_DEFAULT_S;
	turn.relay_only = relay_only && *turn_uris;
	return ERR_OK;
}

void turn_unconfigure(void)
{
	OPENSSL_cleanse(turn.secret, sizeof(turn.secret));
	turn.secret_len = 0;
	turn.turn[0] = turn.stun[0] = '\0';
	turn.relay_only = 0;
	turn.ttl_s = TURN_TTL_DEFAULT_S;
}

int turn_relay_only(void)
{
	return turn.relay_only;
}

int turn_credential(const void *secret, size_t secret_len, const char *username, char *out,
		    size_t out_size)
{
	unsigned char mac[EVP_MAX_MD_SIZE];
	unsigned int mac_len = 0;

	if (secret_len > (size_t)INT32_MAX || out_size < 29 ||
	    !HMAC(EVP_sha1(), secret, (int)secret_len, (const unsigned char *)username,
		  strlen(username), mac, &mac_len) ||
	    mac_len != 20)
		return -1;
	EVP_EncodeBlock((unsigned char *)out, mac, (int)mac_len); /* 28 characters + NUL */
	return 0;
}

static json_t *uri_array(const char *list)
{
	json_t *a = json_array();
	const char *p = list;

	while (a && *p) {
		size_t n = strcspn(p, ",");

		json_array_append_new(a, json_stringn(p, n));
		p += n;
		if (*p == ',')
			p++;
	}
	return a;
}

json_t *turn_ice_servers(int64_t user_id, int64_t now, int64_t *expires_at)
{
	json_t *servers = json_array();
	char username[48], credential[32];

	*expires_at = now + turn.ttl_s;
	if (!servers)
		return NULL;
	if (turn.turn[0]) {
		snprintf(username, sizeof(username), "%lld:%lld", (long long)*expires_at,
			 (long long)user_id);
		if (turn_credential(turn.secret, turn.secret_len, username, credential,
				    sizeof(credential)) != 0) {
			json_decref(servers);
			return NULL;
		}
		json_array_append_new(servers,
				      json_pack("{s:o, s:s, s:s}", "urls", uri_array(turn.turn),
						"username", username, "credential", credential));
	}
	if (turn.stun[0])
		json_array_append_new(servers, json_pack("{s:o}", "urls", uri_array(turn.stun)));
	return servers;
}
