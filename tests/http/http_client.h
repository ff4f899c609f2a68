/*
 * A small HTTP/1.1 client for the tests over loopback: one request per
 * connection (Connection: close), the whole answer read into memory.
 * Failures to talk to the server are Check assertions.
 */
#ifndef TL_HTTP_CLIENT_H
#define TL_HTTP_CLIENT_H

#include <jansson.h>
#include <stddef.h>

typedef struct resp {
    int status;
    char *head;   /* status line and headers */
    char *body;   /* points into head's buffer */
    json_t *json; /* body parsed, NULL when not JSON */
} resp;

#define JSON_CT "Content-Type: application/json\r\n"

/* The port requests go to (127.0.0.1), set once the server listens. */
void http_client_port(unsigned short port);

/* Frees a response and zeroes it. */
void resp_free(resp *r);

/* A header's value (copied into buf), or NULL. */
const char *header(const resp *r, const char *name, char *buf, size_t size);

/* Sends method path with the Authorization value auth (NULL: none),
 * extra header lines (each ending in CRLF; NULL: none) and a body (NULL:
 * none). */
resp http_raw(const char *method, const char *path, const char *auth,
              const char *extra, const char *body);

/* The same with a Bearer token. */
resp http_bearer(const char *token, const char *method, const char *path,
                 const char *extra, const char *body);

/* A string member of a JSON object, "(none)" when absent. */
const char *jstr(const json_t *v, const char *key);

#endif
