/* SPDX-License-Identifier: MIT */
/* Logging for the project's daemons: stderr by default, or syslog. */
#ifndef VLB_LOG_H
#define VLB_LOG_H

#include <stdbool.h>

enum log_level { LOG_LVL_ERR, LOG_LVL_WARN, LOG_LVL_INFO, LOG_LVL_DEBUG };

/* prog prefixes every stderr line; verbosity 0 shows errors, warnings and
 * info, 1 (--verbose) adds debug lines. */
void log_init(const char *prog, bool use_syslog, int verbosity);
bool log_enabled(enum log_level level);
/* How many error lines were logged so far. */
unsigned int log_error_count(void);
void log_msg(enum log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#define log_err(...) log_msg(LOG_LVL_ERR, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_LVL_WARN, __VA_ARGS__)
#define log_info(...) log_msg(LOG_LVL_INFO, __VA_ARGS__)
#define log_debug(...) \
	do { \
		if (log_enabled(LOG_LVL_DEBUG)) \
			log_msg(LOG_LVL_DEBUG, __VA_ARGS__); \
	} while (0)

#endif
