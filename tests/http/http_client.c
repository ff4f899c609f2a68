/*
 * The tests' HTTP client (http_client.h).
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "tests/http/http_client.h"

static unsigned short port;

void http_client_port(unsigned short p)
{
    port = p;
}

void resp_free(resp *r)
{
    free(r->head);
    json_decref(r->json);
    memset(r, 0, sizeof(*r));
}

const char *header(const resp *r, const char *name, char *buf, size_t size)
{
    const char *p = r->head;
    size_t n = strlen(name);

    while (p != NULL && (p = strstr(p, "\r\n")) != NULL) {
        p += 2;
        if (strncasecmp(p, name, n) == 0 && p[n] == ':') {
            const char *v = p + n + 1;
            const char *e = strstr(v, "\r\n");
            while (*v == ' ')
                v++;
            snprintf(buf, size, "%.*s", (int)(e ? e - v : (long)strlen(v)), v);
            return buf;
        }
    }
    return NULL;
}

resp http_raw(const char *method, const char *path, const char *auth,
              const char *extra, const char *body)
{
    struct sockaddr_in addr;
    char *req = NULL;
    size_t cap = 1 << 16;
    size_t len = 0;
    char *buf = malloc(cap);
    resp r;
    char *sep;
    ssize_t n;
    int fd;
    size_t blen = body ? strlen(body) : 0;
    size_t rlen;

    memset(&r, 0, sizeof(r));
    ck_assert_ptr_nonnull(buf);
    fd = socket(AF_INET, SOCK_STREAM, 0);
    ck_assert_int_ge(fd, 0);
    memset(&addr, 0, sizeof(addr));
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ck_assert_int_eq(connect(fd, (struct sockaddr *)&addr, sizeof(addr)), 0);
    rlen = blen + 1024 + (extra ? strlen(extra) : 0);
    req = malloc(rlen);
    ck_assert_ptr_nonnull(req);
    len = (size_t)snprintf(req, rlen,
                           "%s %s HTTP/1.1\r\nHost: localhost\r\n"
                           "Connection: close\r\n%s%s%s%s"
                           "Content-Length: %zu\r\n\r\n",
                           method, path, auth ? "Authorization: " : "",
                           auth ? auth : "", auth ? "\r\n" : "",
                           extra ? extra : "", blen);
    if (body != NULL) {
        memcpy(req + len, body, blen);
        len += blen;
    }
    {
        size_t sent = 0;
        while (sent < len) {
            n = send(fd, req + sent, len - sent, MSG_NOSIGNAL);
            if (n <= 0)
                break; /* the server may answer 413 and close early */
            sent += (size_t)n;
        }
    }
    free(req);
    len = 0;
    while ((n = recv(fd, buf + len, cap - len - 1, 0)) > 0) {
        len += (size_t)n;
        if (len + 1 >= cap) {
            cap *= 2;
            buf = realloc(buf, cap);
            ck_assert_ptr_nonnull(buf);
        }
    }
    close(fd);
    buf[len] = '\0';
    ck_assert_msg(sscanf(buf, "HTTP/1.1 %d", &r.status) == 1,
                  "no status line in: %s", buf);
    sep = strstr(buf, "\r\n\r\n");
    ck_assert_ptr_nonnull(sep);
    *sep = '\0';
    r.head = buf;
    r.body = sep + 4;
    r.json = json_loads(r.body, JSON_DECODE_ANY, NULL);
    return r;
}

resp http_bearer(const char *token, const char *method, const char *path,
                 const char *extra, const char *body)
{
    char auth[96];

    snprintf(auth, sizeof(auth), "Bearer %s", token);
    return http_raw(method, path, auth, extra, body);
}

const char *jstr(const json_t *v, const char *key)
{
    const char *s = json_string_value(json_object_get(v, key));

    return s != NULL ? s : "(none)";
}
