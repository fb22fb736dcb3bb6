// SPDX-License-Identifier: MIT
#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <syslog.h>

static const char *log_prog = "vlb";
static bool log_syslog;
static int log_verbosity;
static unsigned int log_errors;

unsigned int log_error_count(void)
{
	return log_errors;
}

void log_init(const char *prog, bool use_syslog, int verbosity)
{
	log_prog = prog;
	log_syslog = use_syslog;
	log_verbosity = verbosity;
	if (use_syslog)
		openlog(prog, LOG_PID, LOG_DAEMON);
}

bool log_enabled(enum log_level level)
{
	return level != LOG_LVL_DEBUG || log_verbosity > 0;
}

void log_msg(enum log_level level, const char *fmt, ...)
{
	static const int prio[] = { LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG };
	static const char *const tag[] = { "error: ", "warning: ", "", "debug: " };
	va_list ap;

	if (!log_enabled(level))
		return;
	if (level == LOG_LVL_ERR)
		log_errors++;
	va_start(ap, fmt);
	if (log_syslog) {
		vsyslog(prio[level], fmt, ap);
	} else {
		char line[1024];

		vsnprintf(line, sizeof(line), fmt, ap);
		fprintf(stderr, "%s: %s%s\n", log_prog, tag[level], line);
	}
	va_end(ap);
}
