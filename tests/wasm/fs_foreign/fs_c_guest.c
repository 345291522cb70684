// A plain wasi-libc program (no wasio) that serves a tiny file protocol on a pre-opened listener,
// keeping its files in a pre-opened directory: stdio FILEs, opendir/readdir, rename, unlink,
// mkdir, rmdir, all through wasi-libc's own pre-open lookup. Driven by fs_foreign_e2e.py.
//   fs_c_guest LISTEN_FD DIR     e.g. fs_c_guest 4 /data
// Protocol, one command per line, one reply line each:
//   PUT name text | APPEND name text | GET name | LIST | MV a b | DEL name | MKDIR name |
//   RMDIR name | QUIT  ->  OK | DATA text | LIST a,b,... | ERR errno | BYE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

static char dir[256];

static void path_of(char* out, size_t size, const char* name) { snprintf(out, size, "%s/%s", dir, name); }

static int name_cmp(const void* a, const void* b) { return strcmp(*(char* const*)a, *(char* const*)b); }

/// One reply for one command line (no newline in `line`).
static int handle(const char* line, char* reply, size_t size) {
  char verb[16] = "", a[200] = "", b[200] = "";
  char path[512], other[512];
  int fields = sscanf(line, "%15s %199s %199[^\n]", verb, a, b);
  path_of(path, sizeof path, a);
  errno = 0;
  if (strcmp(verb, "QUIT") == 0) {
    snprintf(reply, size, "BYE\n");
    return 1;
  }
  if ((strcmp(verb, "PUT") == 0 || strcmp(verb, "APPEND") == 0) && fields == 3) {
    FILE* f = fopen(path, verb[0] == 'P' ? "w" : "a");
    if (f == NULL || fputs(b, f) < 0 || fclose(f) != 0) goto failed;
  } else if (strcmp(verb, "GET") == 0 && fields >= 2) {
    FILE* f = fopen(path, "r");
    if (f == NULL) goto failed;
    char text[200] = "";
    size_t n = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    snprintf(reply, size, "DATA %.*s\n", (int)n, text);
    return 0;
  } else if (strcmp(verb, "LIST") == 0) {
    DIR* d = opendir(dir);
    if (d == NULL) goto failed;
    char* names[64];
    int count = 0;
    for (struct dirent* e; (e = readdir(d)) != NULL && count < 64;) {
      if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
      names[count++] = strdup(e->d_name);
    }
    closedir(d);
    qsort(names, (size_t)count, sizeof names[0], name_cmp);
    size_t at = (size_t)snprintf(reply, size, "LIST ");
    for (int i = 0; i < count; ++i) {
      at += (size_t)snprintf(reply + at, size - at, "%s%s", i ? "," : "", names[i]);
      free(names[i]);
    }
    snprintf(reply + at, size - at, "\n");
    return 0;
  } else if (strcmp(verb, "MV") == 0 && fields == 3) {
    path_of(other, sizeof other, b);
    if (rename(path, other) != 0) goto failed;
  } else if (strcmp(verb, "DEL") == 0 && fields >= 2) {
    if (unlink(path) != 0) goto failed;
  } else if (strcmp(verb, "MKDIR") == 0 && fields >= 2) {
    if (mkdir(path, 0755) != 0) goto failed;
  } else if (strcmp(verb, "RMDIR") == 0 && fields >= 2) {
    if (rmdir(path) != 0) goto failed;
  } else {
    snprintf(reply, size, "ERR usage\n");
    return 0;
  }
  snprintf(reply, size, "OK\n");
  return 0;
failed:
  snprintf(reply, size, "ERR %d\n", errno);
  return 0;
}

int main(int argc, char** argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: fs_c_guest LISTEN_FD DIR\n");
    return 2;
  }
  const int listener = atoi(argv[1]);
  snprintf(dir, sizeof dir, "%s", argv[2]);
  for (;;) {
    // accept4(SOCK_NONBLOCK) and poll(): accept()'s flags 0 is refused by some hosts' profiles.
    struct pollfd one = {listener, POLLIN, 0};
    if (poll(&one, 1, -1) < 0) return 1;
    struct sockaddr_in peer;
    socklen_t length = sizeof peer;
    int client = accept4(listener, (struct sockaddr*)&peer, &length, SOCK_NONBLOCK);
    if (client < 0) {
      if (errno == EAGAIN) continue;
      perror("accept4");
      return 1;
    }
    fcntl(client, F_SETFL, 0);  // blocking from here: one client at a time
    char buffer[1024];
    size_t have = 0;
    int quit = 0;
    while (!quit) {
      ssize_t n = recv(client, buffer + have, sizeof buffer - 1 - have, 0);
      if (n <= 0) break;
      have += (size_t)n;
      char* newline;
      while ((newline = memchr(buffer, '\n', have)) != NULL) {
        *newline = '\0';
        char reply[1024];
        quit = handle(buffer, reply, sizeof reply);
        send(client, reply, strlen(reply), 0);
        size_t used = (size_t)(newline + 1 - buffer);
        memmove(buffer, newline + 1, have - used);
        have -= used;
        if (quit) break;
      }
      if (have == sizeof buffer - 1) break;  // a line too long: drop the client
    }
    close(client);
    if (quit) return 0;
  }
}
