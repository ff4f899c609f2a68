/*
 * Running the trunkline binary from the end-to-end suites (see cli.h).
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "tests/support/cli.h"

void tl_cli_run(tl_cli_result *r, const char *path, int with_stderr,
                const char *args)
{
    char cmd[2048];
    FILE *p;
    size_t n = 0;
    size_t got;
    int st;

    snprintf(cmd, sizeof(cmd), "%s %s %s", path, args,
             with_stderr ? "2>&1" : "2>/dev/null");
    p = popen(cmd, "r");
    ck_assert_ptr_nonnull(p);
    while ((got = fread(r->out + n, 1, sizeof(r->out) - 1 - n, p)) > 0)
        n += got;
    r->out[n] = '\0';
    st = pclose(p);
    ck_assert_msg(WIFEXITED(st), "%s did not exit normally", args);
    r->status = WEXITSTATUS(st);
}

void tl_cli_expect(const tl_cli_result *r, int status, const char *needle)
{
    ck_assert_msg(r->status == status, "exit %d, expected %d; output:\n%s",
                  r->status, status, r->out);
    if (needle != NULL)
        ck_assert_msg(strstr(r->out, needle) != NULL,
                      "\"%s\" not in output:\n%s", needle, r->out);
}

long long tl_cli_scalar(tl_db *db, const char *sql)
{
    PGresult *res = PQexec(tl_db_pgconn(db), sql);
    long long n;

    ck_assert_msg(PQresultStatus(res) == PGRES_TUPLES_OK, "%s: %s", sql,
                  PQresultErrorMessage(res));
    n = atoll(PQgetvalue(res, 0, 0));
    PQclear(res);
    return n;
}
