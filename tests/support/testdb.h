/*
 * Test databases: each test case gets a fresh database created from the
 * migrated template, so tests never see each other's rows.
 *
 * The server is the one tl_db_default_conninfo finds ($TRUNKLINE_DB or the
 * private cluster). The template is $TRUNKLINE_TEST_TEMPLATE, default
 * "trunkline_template"; scripts/test builds it with `trunkline db migrate`,
 * and when it is missing the first test creates and migrates it. When no
 * server can be reached the test fails (it never skips: CI starts its own).
 */
#ifndef TL_TESTDB_H
#define TL_TESTDB_H

#include "common/db.h"

/* Creates a fresh database from the template and connects to it. Aborts the
 * running Check test on any failure. */
tl_db *tl_test_db_open(void);

/* Disconnects and drops the database tl_test_db_open created. NULL-safe. */
void tl_test_db_close(tl_db *db);

/* The connection string of the database opened last (for driving the CLI
 * binary against it through TRUNKLINE_DB). */
const char *tl_test_db_conninfo(void);

#endif
