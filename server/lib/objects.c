/* Content-addressed object files: temporary upload, hash, fsync, rename.
 * Every step that makes a file or a name durable is followed by an fsync
 * of the file or of its directory, so a crash leaves either the whole
 * object or none of it (and tmp/ is swept at the next start). */
#include "lib/objects.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/rand.h>

#include "core/log.h"

/* Set once by objects_init before any worker runs; read-only after. */
static char root[512];

static int make_dir(const char *path)
{
	if (mkdir(path, 0750) == 0 || errno == EEXIST)
		return 0;
	log_error("objects: cannot create %s: %s", path, strerror(errno));
	return -1;
}

/* mkdir -p for the data directory itself. */
static int make_dirs(const char *path)
{
	char tmp[512];
	size_t n = strlen(path);

	if (n == 0 || n >= sizeof(tmp))
		return -1;
	memcpy(tmp, path, n + 1);
	for (char *p = tmp + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (make_dir(tmp) < 0)
			return -1;
		*p = '/';
	}
	return make_dir(tmp);
}

static void fsync_dir(const char *path)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
}

static int valid_sha(const char *sha256)
{
	return strlen(sha256) == 64 && strspn(sha256, "0123456789abcdef") == 64;
}

int objects_path(const char *sha256, char *out, size_t size)
{
	int n;

	if (!valid_sha(sha256))
		return -1;
	n = snprintf(out, size, "%s/objects/%.2s/%s", root, sha256, sha256 + 2);
	return n < 0 || (size_t)n >= size ? -1 : 0;
}

enum err objects_init(const char *data_dir)
{
	char path[640];
	DIR *d;
	struct dirent *ent;

	if (strlen(data_dir) >= sizeof(root)) {
		log_error("objects: data directory path too long");
		return ERR_UNAVAILABLE;
	}
	snprintf(root, sizeof(root), "%s", data_dir);
	snprintf(path, sizeof(path), "%s/objects", root);
	if (make_dirs(root) < 0 || make_dir(path) < 0)
		return ERR_UNAVAILABLE;
	snprintf(path, sizeof(path), "%s/tmp", root);
	if (make_dir(path) < 0)
		return ERR_UNAVAILABLE;
	if (access(path, W_OK) != 0) {
		log_error("objects: %s is not writable", path);
		return ERR_UNAVAILABLE;
	}
	/* Uploads in flight when the last process stopped never completed. */
	d = opendir(path);
	while (d && (ent = readdir(d)) != NULL) {
		char file[1024];

		if (ent->d_name[0] == '.')
			continue;
		snprintf(file, sizeof(file), "%s/%s", path, ent->d_name);
		if (unlink(file) == 0)
			log_info("objects: removed the unfinished upload %s", ent->d_name);
	}
	if (d)
		closedir(d);
	return ERR_OK;
}

enum err objects_upload_begin(struct object_upload *up)
{
	unsigned char r[16];

	memset(up, 0, sizeof(*up));
	up->fd = -1;
	if (RAND_bytes(r, sizeof(r)) != 1)
		return ERR_INTERNAL;
	snprintf(up->tmp_path, sizeof(up->tmp_path),
		 "%s/tmp/%02x%02x%02x%02x%02x%02x%02x%02x%02x%02x%02x%02x%02x%02x%02x%02x.part",
		 root, r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8], r[9], r[10], r[11],
		 r[12], r[13], r[14], r[15]);
	up->fd = open(up->tmp_path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
	if (up->fd < 0) {
		log_error("objects: cannot create %s: %s", up->tmp_path, strerror(errno));
		up->tmp_path[0] = '\0';
		return ERR_UNAVAILABLE;
	}
	up->md = EVP_MD_CTX_new();
	if (!up->md || EVP_DigestInit_ex(up->md, EVP_sha256(), NULL) != 1) {
		objects_upload_abort(up);
		return ERR_INTERNAL;
	}
	return ERR_OK;
}

enum err objects_upload_write(struct object_upload *up, const void *data, size_t len)
{
	const char *p = data;
	size_t left = len;

	if (EVP_DigestUpdate(up->md, data, len) != 1)
		return ERR_INTERNAL;
	while (left > 0) {
		ssize_t n = write(up->fd, p, left);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			log_error("objects: write %s: %s", up->tmp_path, strerror(errno));
			return ERR_UNAVAILABLE; /* disk full, mostly */
		}
		p += n;
		left -= (size_t)n;
	}
	up->size += (int64_t)len;
	return ERR_OK;
}

enum err objects_upload_finish(struct object_upload *up)
{
	unsigned char digest[EVP_MAX_MD_SIZE];
	unsigned int n = 0;

	if (EVP_DigestFinal_ex(up->md, digest, &n) != 1 || n != 32)
		return ERR_INTERNAL;
	for (unsigned int i = 0; i < n; i++)
		snprintf(up->sha256 + 2 * i, 3, "%02x", digest[i]);
	if (fsync(up->fd) != 0) {
		log_error("objects: fsync %s: %s", up->tmp_path, strerror(errno));
		return ERR_UNAVAILABLE;
	}
	return ERR_OK;
}

enum err objects_upload_commit(struct object_upload *up, int *created)
{
	char path[640], dir[640];
	struct stat sb;

	*created = 0;
	if (objects_path(up->sha256, path, sizeof(path)) < 0)
		return ERR_INTERNAL;
	snprintf(dir, sizeof(dir), "%s/objects/%.2s", root, up->sha256);
	if (stat(path, &sb) == 0 && sb.st_size == up->size)
		return ERR_OK; /* stored already: the temporary file goes with the abort */
	if (make_dir(dir) < 0)
		return ERR_UNAVAILABLE;
	if (rename(up->tmp_path, path) != 0) {
		log_error("objects: rename to %s: %s", path, strerror(errno));
		return ERR_UNAVAILABLE;
	}
	up->tmp_path[0] = '\0';
	fsync_dir(dir);
	*created = 1;
	return ERR_OK;
}

void objects_upload_abort(struct object_upload *up)
{
	if (up->fd >= 0)
		close(up->fd);
	up->fd = -1;
	if (up->tmp_path[0])
		unlink(up->tmp_path);
	up->tmp_path[0] = '\0';
	EVP_MD_CTX_free(up->md);
	up->md = NULL;
}

void objects_remove(const char *sha256)
{
	char path[640];

	if (objects_path(sha256, path, sizeof(path)) == 0)
		unlink(path);
}

enum err objects_open(const char *sha256, int *fd, int64_t *size)
{
	char path[640];
	struct stat sb;

	*fd = -1;
	if (objects_path(sha256, path, sizeof(path)) < 0)
		return ERR_NOT_FOUND;
	*fd = open(path, O_RDONLY | O_CLOEXEC);
	if (*fd < 0) /* gone, or cannot be read now (EMFILE, EACCES, EIO...) */
		return errno == ENOENT ? ERR_NOT_FOUND : ERR_UNAVAILABLE;
	if (fstat(*fd, &sb) != 0) {
		close(*fd);
		*fd = -1;
		return ERR_UNAVAILABLE;
	}
	*size = (int64_t)sb.st_size;
	return ERR_OK;
}
