/*
 * The one global logger: messages go to stderr with a level, and only when
 * the level is enabled ($TRUNKLINE_LOG = error|warn|info|debug, default
 * warn). Library code logs its own bugs and server trouble here; problems in
 * users' input go into tl_err, not the log.
 */
#ifndef TL_LOG_H
#define TL_LOG_H

enum { TL_LOG_ERROR = 0, TL_LOG_WARN = 1, TL_LOG_INFO = 2, TL_LOG_DEBUG = 3 };

/* The enabled level; read from $TRUNKLINE_LOG on first use. */
int tl_log_level(void);

/* Sets the level (the CLI's --verbose). */
void tl_log_set_level(int level);

void tl_log_write(int level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#define TL_LOG(level, ...)                                                     \
    do {                                                                       \
        if ((level) <= tl_log_level())                                         \
            tl_log_write((level), __VA_ARGS__);                                \
    } while (0)

#endif
