/*
 * The logger is the one piece of global mutable state (DESIGN): a level,
 * read from $TRUNKLINE_LOG the first time it is needed.
 */
#include "common/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int log_level = -1;

static int level_from_env(void)
{
    const char *v = getenv("TRUNKLINE_LOG");

    if (v == NULL)
        return TL_LOG_WARN;
    if (strcmp(v, "error") == 0)
        return TL_LOG_ERROR;
    if (strcmp(v, "info") == 0)
        return TL_LOG_INFO;
    if (strcmp(v, "debug") == 0)
        return TL_LOG_DEBUG;
    return TL_LOG_WARN;
}

int tl_log_level(void)
{
    if (log_level < 0)
        log_level = level_from_env();
    return log_level;
}

void tl_log_set_level(int level)
{
    log_level = level;
}

void tl_log_write(int level, const char *fmt, ...)
{
    static const char *const names[] = {"ERROR", "WARN", "INFO", "DEBUG"};
    char stamp[32];
    time_t now = time(NULL);
    struct tm tm;
    va_list ap;

    gmtime_r(&now, &tm);
    strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", &tm);
    fprintf(stderr, "%s trunkline %s: ", stamp,
            names[level < 0 ? 0 : (level > 3 ? 3 : level)]);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}
