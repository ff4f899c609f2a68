/*
 * Running the trunkline binary from the end-to-end suites (tests/cli/):
 * one run through the shell, its exit status and output captured.
 */
#ifndef TL_TEST_CLI_H
#define TL_TEST_CLI_H

#include "common/db.h"

typedef struct tl_cli_result {
    int status;
    char out[65536];
} tl_cli_result;

/* Runs the binary at path with args through the shell; its stdout, and
 * its stderr too when with_stderr, goes into r->out. Aborts the running
 * Check test when the binary does not exit normally. */
void tl_cli_run(tl_cli_result *r, const char *path, int with_stderr,
                const char *args);

/* Asserts r exited with status and, unless needle is NULL, printed it. */
void tl_cli_expect(const tl_cli_result *r, int status, const char *needle);

/* The first column of the first row of sql, as a number (a count). */
long long tl_cli_scalar(tl_db *db, const char *sql);

#endif
