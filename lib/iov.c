// SPDX-License-Identifier: MIT
/* Copying between flat buffers and iovec lists. */
#include "vub.h"

#include <string.h>

size_t vub_iov_size(const struct iovec *iov, unsigned int n)
{
	size_t total = 0;

	for (unsigned int i = 0; i < n; i++)
		total += iov[i].iov_len;
	return total;
}

size_t vub_iov_from_buf(const struct iovec *iov, unsigned int n, size_t off,
			const void *buf, size_t len)
{
	const char *src = buf;
	size_t done = 0;

	for (unsigned int i = 0; i < n && done < len; i++) {
		size_t seg = iov[i].iov_len;

		if (off >= seg) {
			off -= seg;
			continue;
		}
		size_t chunk = seg - off < len - done ? seg - off : len - done;

		memcpy((char *)iov[i].iov_base + off, src + done, chunk);
		done += chunk;
		off = 0;
	}
	return done;
}

size_t vub_iov_to_buf(const struct iovec *iov, unsigned int n, size_t off,
		      void *buf, size_t len)
{
	char *dst = buf;
	size_t done = 0;

	for (unsigned int i = 0; i < n && done < len; i++) {
		size_t seg = iov[i].iov_len;

		if (off >= seg) {
			off -= seg;
			continue;
		}
		size_t chunk = seg - off < len - done ? seg - off : len - done;

		memcpy(dst + done, (const char *)iov[i].iov_base + off, chunk);
		done += chunk;
		off = 0;
	}
	return done;
}

unsigned int vub_iov_slice(const struct iovec *iov, unsigned int n, size_t off, size_t len,
			   struct iovec *dst, unsigned int max, size_t *got)
{
	unsigned int cnt = 0;
	size_t done = 0;

	for (unsigned int i = 0; i < n && done < len && cnt < max; i++) {
		size_t seg = iov[i].iov_len;

		if (off >= seg) {
			off -= seg;
			continue;
		}
		size_t chunk = seg - off < len - done ? seg - off : len - done;

		dst[cnt].iov_base = (char *)iov[i].iov_base + off;
		dst[cnt].iov_len = chunk;
		cnt++;
		done += chunk;
		off = 0;
	}
	if (got)
		*got = done;
	return cnt;
}
