/* SPDX-License-Identifier: MIT */
/*
 * Reading a back-end's inflight I/O region (vhost-user INFLIGHT_SHMFD,
 * split rings) after the back-end died, to learn which requests it had
 * taken but not completed.
 */
#ifndef VLB_INFLIGHT_H
#define VLB_INFLIGHT_H

#include <stddef.h>
#include <stdint.h>

/*
 * Fill heads[] (room for max) with the in-flight heads of one queue's
 * region, oldest first. ring_num is the queue's size and used_idx the used
 * ring's index now: entries of a batch the back-end published in the used
 * ring but had not yet cleared (it died in between) are not in flight.
 * Returns the number of heads, or -1 if the region is malformed.
 */
int inflight_heads(const void *region, size_t size, uint32_t ring_num,
		   uint16_t used_idx, uint16_t *heads, uint32_t max);

#endif
