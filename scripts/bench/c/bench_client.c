/*
 * The ceiling: the same workloads as client.mjs, in C over the same libcurl, no Node.
 *   bench_client KIND URL N SIZE [CAFILE [PEER_PID]]     KIND: recv | send | echo | hs | rss | many
 * Prints one JSON line like client.mjs. CONNECT_ONLY=2 (WebSocket), NOSIGNAL=1, and
 * curl_ws_recv/curl_ws_send loops that poll() the socket when libcurl says CURLE_AGAIN.
 * rss and many open their connections through one multi handle (as the binding does: one
 * connection pool, handshakes in parallel) and keep them in it while they are open.
 */
#include <curl/curl.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

static const char *g_ca;

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static double cpu_ms(void) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_utime.tv_sec * 1e3 + ru.ru_utime.tv_usec / 1e3 + ru.ru_stime.tv_sec * 1e3 +
         ru.ru_stime.tv_usec / 1e3;
}

static void die(const char *what, CURLcode rc) {
  printf("{\"ok\":false,\"error\":\"%s: %s\"}\n", what, curl_easy_strerror(rc));
  exit(1);
}

static CURL *new_ws(const char *url) {
  CURL *c = curl_easy_init();
  curl_easy_setopt(c, CURLOPT_URL, url);
  curl_easy_setopt(c, CURLOPT_CONNECT_ONLY, 2L);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  if (g_ca) curl_easy_setopt(c, CURLOPT_CAINFO, g_ca);
  return c;
}

static CURL *open_ws(const char *url) {
  CURL *c = new_ws(url);
  CURLcode rc = curl_easy_perform(c);
  if (rc) die("connect", rc);
  return c;
}

static void wait_sock(CURL *c, short events) {
  curl_socket_t s;
  curl_easy_getinfo(c, CURLINFO_ACTIVESOCKET, &s);
  struct pollfd p = {.fd = s, .events = events};
  poll(&p, 1, 1000);
}

/* Sends one whole frame, waiting on the socket when libcurl cannot take more. Large payloads
 * go in slices with CURLWS_OFFSET (as the binding does); fragsize only on the first call. */
static void send_frame(CURL *c, const char *buf, size_t len, unsigned flags) {
  const size_t slice = 256 * 1024;
  size_t off = 0;
  int started = 0;
  do {
    int sliced = len > slice;
    size_t offer = len - off < slice ? len - off : slice;
    size_t sent = 0;
    curl_off_t fragsize = (sliced && !started) ? (curl_off_t)len : 0;
    CURLcode rc = curl_ws_send(c, buf + off, offer, &sent, fragsize, flags | (sliced ? CURLWS_OFFSET : 0));
    if (rc == CURLE_OK || rc == CURLE_AGAIN) started = 1;
    if (rc == CURLE_AGAIN) {
      wait_sock(c, POLLOUT);
      continue;
    }
    if (rc) die("send", rc);
    off += sent;
    if (off < len && sent < offer) wait_sock(c, POLLOUT);
  } while (off < len);
}

/* Receives until one complete message (all its frames) has arrived; returns its size. */
static size_t recv_msg(CURL *c, char *buf, size_t cap, int *is_close) {
  size_t total = 0;
  for (;;) {
    size_t n = 0;
    const struct curl_ws_frame *m = NULL;
    CURLcode rc = curl_ws_recv(c, buf, cap, &n, &m);
    if (rc == CURLE_AGAIN) {
      wait_sock(c, POLLIN);
      continue;
    }
    if (rc) die("recv", rc);
    total += n;
    if (m->flags & CURLWS_CLOSE) *is_close = 1;
    if (m->bytesleft == 0 && !(m->flags & CURLWS_CONT) && !(m->flags & (CURLWS_PING | CURLWS_PONG)))
      return total;
    if (m->bytesleft == 0 && (m->flags & (CURLWS_PING | CURLWS_PONG))) continue;
  }
}

static void close_ws(CURL *c) {
  send_frame(c, "\x03\xe8", 2, CURLWS_CLOSE);
  char buf[256];
  int is_close = 0;
  /* Drain until the server's CLOSE (or the connection ends). */
  for (int i = 0; i < 1000000 && !is_close; i++) {
    size_t n = 0;
    const struct curl_ws_frame *m = NULL;
    CURLcode rc = curl_ws_recv(c, buf, sizeof buf, &n, &m);
    if (rc == CURLE_AGAIN) {
      wait_sock(c, POLLIN);
      continue;
    }
    if (rc) break;
    if (m->flags & CURLWS_CLOSE) is_close = 1;
  }
  curl_easy_cleanup(c);
}

/* Opens n connections through `m`, at most `inflight` handshakes at a time; they stay in it. */
static void open_many(CURLM *m, const char *url, CURL **cs, long n, long inflight) {
  long added = 0, done = 0;
  while (done < n) {
    while (added < n && added - done < inflight) {
      cs[added] = new_ws(url);
      curl_multi_add_handle(m, cs[added++]);
    }
    int running = 0;
    curl_multi_perform(m, &running);
    CURLMsg *msg;
    int left;
    while ((msg = curl_multi_info_read(m, &left)) != NULL) {
      if (msg->msg != CURLMSG_DONE) continue;
      if (msg->data.result) die("connect", msg->data.result);
      done++;
    }
    if (done < n) curl_multi_poll(m, NULL, 0, 100, NULL);
  }
}

/* Closes them all: every CLOSE goes out first, then each waits for the peer's. */
static void close_many(CURLM *m, CURL **cs, long n) {
  for (long i = 0; i < n; i++) send_frame(cs[i], "\x03\xe8", 2, CURLWS_CLOSE);
  char buf[256];
  for (long i = 0; i < n; i++) {
    for (int is_close = 0, k = 0; k < 1000000 && !is_close; k++) {
      size_t got = 0;
      const struct curl_ws_frame *meta = NULL;
      CURLcode rc = curl_ws_recv(cs[i], buf, sizeof buf, &got, &meta);
      if (rc == CURLE_AGAIN) {
        wait_sock(cs[i], POLLIN);
        continue;
      }
      if (rc) break;
      if (meta->flags & CURLWS_CLOSE) is_close = 1;
    }
    curl_multi_remove_handle(m, cs[i]);
    curl_easy_cleanup(cs[i]);
  }
}

static char *url_with(const char *base, const char *path, long n, long size) {
  char *u = malloc(strlen(base) + 128);
  sprintf(u, "%s%s?n=%ld&size=%ld", base, path, n, size);
  return u;
}

static long rss_kib(void) {
  FILE *f = fopen("/proc/self/statm", "r");
  long pages = 0, resident = 0;
  if (f) {
    if (fscanf(f, "%ld %ld", &pages, &resident) != 2) resident = 0;
    fclose(f);
  }
  return resident * (sysconf(_SC_PAGESIZE) / 1024);
}

/* CPU time (ms) of another process (the peer), from /proc; -1 if unknown. */
static double proc_cpu_ms(long pid) {
  char path[64], buf[1024];
  if (pid <= 0) return -1;
  snprintf(path, sizeof path, "/proc/%ld/stat", pid);
  FILE *f = fopen(path, "r");
  if (!f) return -1;
  size_t len = fread(buf, 1, sizeof buf - 1, f);
  fclose(f);
  buf[len] = 0;
  char *p = strrchr(buf, ')');
  unsigned long ut = 0, st = 0;
  if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut, &st) != 2) return -1;
  return (ut + st) * 1000.0 / sysconf(_SC_CLK_TCK);
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

int main(int argc, char **argv) {
  if (argc < 5) {
    fprintf(stderr, "usage: %s recv|send|echo|hs|rss|many URL N SIZE [CAFILE [PEER_PID [IDLE]]]\n", argv[0]);
    return 2;
  }
  const char *kind = argv[1], *base = argv[2];
  long n = atol(argv[3]), size = atol(argv[4]);
  if (argc > 5 && argv[5][0]) g_ca = argv[5];
  long peer_pid = argc > 6 ? atol(argv[6]) : 0;
  long idle = argc > 7 ? atol(argv[7]) : 0; /* echo: idle connections open alongside */
  curl_global_init(CURL_GLOBAL_ALL);

  if (!strcmp(kind, "recv")) {
    CURL *c = open_ws(url_with(base, "/flood", n, size));
    size_t cap = 256 * 1024;
    char *buf = malloc(cap);
    double c0 = cpu_ms(), t0 = now_ms();
    send_frame(c, "go", 2, CURLWS_BINARY);
    long count = 0;
    long long bytes = 0;
    while (count < n) {
      int is_close = 0;
      bytes += recv_msg(c, buf, cap, &is_close);
      count++;
    }
    double el = now_ms() - t0, cpu = cpu_ms() - c0;
    close_ws(c);
    printf("{\"ok\":true,\"msgs\":%ld,\"bytes\":%lld,\"elapsedMs\":%f,\"cpuMs\":%f}\n", count, bytes, el, cpu);
  } else if (!strcmp(kind, "send")) {
    CURL *c = open_ws(url_with(base, "/count", n, size));
    char *buf = malloc(size ? size : 1);
    memset(buf, 0x62, size);
    char rbuf[64];
    double c0 = cpu_ms(), t0 = now_ms();
    for (long i = 0; i < n; i++) send_frame(c, buf, size, CURLWS_BINARY);
    int is_close = 0;
    recv_msg(c, rbuf, sizeof rbuf, &is_close); /* "done" */
    double el = now_ms() - t0, cpu = cpu_ms() - c0;
    close_ws(c);
    printf("{\"ok\":true,\"msgs\":%ld,\"bytes\":%lld,\"elapsedMs\":%f,\"cpuMs\":%f}\n", n, (long long)n * size, el, cpu);
  } else if (!strcmp(kind, "echo")) {
    /* With IDLE > 0: that many idle connections first, and the echo connection after them, all
       in one multi (as the binding runs them), so per-call costs that grow with the pool show. */
    CURLM *m = idle > 0 ? curl_multi_init() : NULL;
    CURL **idles = idle > 0 ? malloc(sizeof(CURL *) * idle) : NULL;
    CURL *c = NULL;
    if (m) {
      open_many(m, url_with(base, "/idle", 0, 0), idles, idle, 50);
      open_many(m, url_with(base, "/echo", 0, 0), &c, 1, 1);
    } else {
      c = open_ws(url_with(base, "/echo", 0, 0));
    }
    char *buf = malloc(size ? size : 1);
    memset(buf, 0x63, size);
    size_t cap = size + 1024;
    char *rbuf = malloc(cap);
    double *s = malloc(sizeof(double) * n);
    int is_close = 0;
    for (int i = 0; i < 200; i++) {
      send_frame(c, buf, size, CURLWS_BINARY);
      recv_msg(c, rbuf, cap, &is_close);
    }
    double c0 = cpu_ms(), t0 = now_ms();
    for (long i = 0; i < n; i++) {
      double a = now_ms();
      send_frame(c, buf, size, CURLWS_BINARY);
      recv_msg(c, rbuf, cap, &is_close);
      s[i] = (now_ms() - a) * 1000.0;
    }
    double el = now_ms() - t0, cpu = cpu_ms() - c0;
    if (m) {
      idles = realloc(idles, sizeof(CURL *) * (idle + 1));
      idles[idle] = c;
      close_many(m, idles, idle + 1);
      curl_multi_cleanup(m);
    } else {
      close_ws(c);
    }
    qsort(s, n, sizeof(double), cmp_double);
    printf("{\"ok\":true,\"msgs\":%ld,\"elapsedMs\":%f,\"cpuMs\":%f,\"p50\":%f,\"p99\":%f}\n", n, el, cpu,
           s[n / 2], s[(long)(n * 0.99) < n ? (long)(n * 0.99) : n - 1]);
  } else if (!strcmp(kind, "hs")) {
    char *u = url_with(base, "/idle", 0, 0);
    for (int i = 0; i < 20; i++) close_ws(open_ws(u));
    double c0 = cpu_ms(), t0 = now_ms();
    for (long i = 0; i < n; i++) close_ws(open_ws(u));
    double el = now_ms() - t0, cpu = cpu_ms() - c0;
    printf("{\"ok\":true,\"msgs\":%ld,\"elapsedMs\":%f,\"cpuMs\":%f}\n", n, el, cpu);
  } else if (!strcmp(kind, "rss") || !strcmp(kind, "many")) {
    /* rss: 50 handshakes in flight, many: 200 (as client.mjs). */
    int is_many = !strcmp(kind, "many");
    char *u = url_with(base, "/idle", 0, 0);
    CURLM *m = curl_multi_init();
    CURL *warm[10];
    open_many(m, u, warm, 10, 10);
    close_many(m, warm, 10);
    long base_kib = rss_kib();
    CURL **cs = malloc(sizeof(CURL *) * n);
    double p0 = proc_cpu_ms(peer_pid), c0 = cpu_ms(), t0 = now_ms();
    open_many(m, u, cs, n, is_many ? 200 : 50);
    double el = now_ms() - t0, cpu = cpu_ms() - c0, p1 = proc_cpu_ms(peer_pid);
    long after = rss_kib();
    double t1 = now_ms();
    close_many(m, cs, n);
    double close_ms = now_ms() - t1;
    curl_multi_cleanup(m);
    printf("{\"ok\":true,\"msgs\":%ld,\"elapsedMs\":%f,\"openMs\":%f,\"closeMs\":%f,\"cpuMs\":%f,"
           "\"rssPerConnKiB\":%f,\"rssBaseMiB\":%f",
           n, el, el, close_ms, cpu, (double)(after - base_kib) / n, base_kib / 1024.0);
    if (p0 >= 0 && p1 >= 0) printf(",\"peerCpuMs\":%f", p1 - p0);
    printf("}\n");
  } else {
    fprintf(stderr, "unknown kind %s\n", kind);
    return 2;
  }
  curl_global_cleanup();
  return 0;
}
