/* Content-addressed files under the data directory: each object is
 * objects/ab/cdef… named by the SHA-256 of its bytes, written once and
 * never changed. An upload streams into tmp/ (same file system), hashing
 * as it goes, and is renamed into place only when complete, so a
 * broken-off upload leaves nothing behind. */
#ifndef FT_OBJECTS_H
#define FT_OBJECTS_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

/* Sets the data directory (kept for the process), creates objects/ and
 * tmp/ in it and removes uploads a crash left in tmp/. Call once before
 * the server serves. ERR_UNAVAILABLE (logged) when it is not writable. */
enum err objects_init(const char *data_dir);

struct object_upload {
	int fd;             /* the temporary file; -1 when none */
	char tmp_path[640]; /* "" when none */
	void *md;           /* EVP_MD_CTX */
	int64_t size;
	char sha256[65]; /* lowercase hex, after objects_upload_finish */
};

/* Opens a new temporary file (O_EXCL, random name). The upload must end
 * with objects_upload_abort (always safe, also after a commit). */
enum err objects_upload_begin(struct object_upload *up);
enum err objects_upload_write(struct object_upload *up, const void *data, size_t len);
/* Completes the hash and makes the bytes durable (fsync). */
enum err objects_upload_finish(struct object_upload *up);
/* Moves the finished upload into place as its object, or drops it when
 * the object exists already. *created = 1 when this call created it (so
 * a failed transaction can objects_remove it again). */
enum err objects_upload_commit(struct object_upload *up, int *created);
/* Closes and removes the temporary file, if any; frees the hash. */
void objects_upload_abort(struct object_upload *up);

/* Removes an object (undoing a commit whose metadata did not commit). */
void objects_remove(const char *sha256);
/* Opens an object for reading: *fd (caller closes) and its size.
 * ERR_NOT_FOUND when the file is missing, ERR_UNAVAILABLE when it cannot
 * be opened now (out of descriptors, an I/O error). */
enum err objects_open(const char *sha256, int *fd, int64_t *size);
/* The object's path into out; -1 when it does not fit. For tests. */
int objects_path(const char *sha256, char *out, size_t size);

#endif
