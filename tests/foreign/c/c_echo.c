// An echo server in plain C on wasi-libc's accept(), poll(), read() and write(), as a C programmer
// writes one for a POSIX system: the listener the host pre-opened as fd 3 (wasmtime's --tcplisten
// convention, which wasio-run follows), one poll() over it and every connection, each accepted
// socket made non-blocking with fcntl(). Each connection's bytes go back; after the peer's FIN (a
// half-close) what is left is sent, then the socket is shut down and closed.
//
//   c_echo [POLL_TIMEOUT_MS]     default -1: poll() waits until something is ready
//
// POLL_TIMEOUT_MS bounds every poll() (the loop then simply polls again), as a server with
// housekeeping timers does: on a host whose poll waits for every subscription (uvwasi), only a
// bounded wait keeps such a loop going (docs/profiles.md).
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

enum { listener_fd = 3, max_connections = 1024, buffer_size = 64 * 1024 };

struct connection {
  int fd;
  size_t pending;  // bytes of `buffer` not yet written back
  size_t written;  // of those, how many went out already
  int peer_closed;
  char buffer[buffer_size];
};

static struct connection* connections[max_connections];
static struct pollfd fds[max_connections + 1];

static void drop(int slot) {
  close(connections[slot]->fd);
  free(connections[slot]);
  connections[slot] = NULL;
}

static void accept_one(void) {
  // accept() wants room for the address (wasi-libc before 2026 crashed on NULL, PR 866).
  struct sockaddr_storage address;
  socklen_t length = sizeof address;
  int fd = accept(listener_fd, (struct sockaddr*)&address, &length);
  if (fd < 0) {
    if (errno != EAGAIN && errno != EINTR) fprintf(stderr, "c_echo: accept: %s\n", strerror(errno));
    return;
  }
  int slot = 0;
  while (slot < max_connections && connections[slot] != NULL) ++slot;
  struct connection* c = slot < max_connections ? calloc(1, sizeof *c) : NULL;
  int flags = fcntl(fd, F_GETFL);
  if (c == NULL || flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) != 0) {
    fprintf(stderr, "c_echo: cannot take connection: %s\n", c == NULL ? "full" : strerror(errno));
    free(c);
    close(fd);
    return;
  }
  c->fd = fd;
  connections[slot] = c;
}

// Reads when the buffer is empty, writes what it holds; 0 once the connection is finished.
static int serve(struct connection* c, short revents) {
  if (c->pending == 0 && !c->peer_closed && (revents & (POLLIN | POLLHUP | POLLERR)) != 0) {
    ssize_t n = read(c->fd, c->buffer, sizeof c->buffer);
    if (n > 0) {
      c->pending = (size_t)n;
      c->written = 0;
    } else if (n == 0) {
      c->peer_closed = 1;
    } else if (errno != EAGAIN && errno != EINTR) {
      return 0;  // a reset or broken peer
    }
  }
  while (c->written < c->pending) {
    ssize_t n = write(c->fd, c->buffer + c->written, c->pending - c->written);
    if (n < 0) {
      if (errno == EAGAIN || errno == EINTR) break;
      return 0;
    }
    c->written += (size_t)n;
  }
  if (c->written == c->pending) c->pending = c->written = 0;
  if (c->peer_closed && c->pending == 0) {
    shutdown(c->fd, SHUT_WR);
    return 0;
  }
  return 1;
}

int main(int argc, char** argv) {
  int timeout_ms = argc > 1 ? atoi(argv[1]) : -1;
  fprintf(stderr, "c_echo: serving fd %d\n", listener_fd);
  for (;;) {
    int count = 0;
    int slot_of[max_connections + 1];
    fds[count].fd = listener_fd;
    fds[count].events = POLLIN;
    slot_of[count++] = -1;
    for (int slot = 0; slot < max_connections; ++slot) {
      struct connection* c = connections[slot];
      if (c == NULL) continue;
      fds[count].fd = c->fd;
      fds[count].events = c->pending != 0 ? POLLOUT : POLLIN;
      slot_of[count++] = slot;
    }
    int ready = poll(fds, (nfds_t)count, timeout_ms);
    if (ready < 0) {
      if (errno == EINTR) continue;
      fprintf(stderr, "c_echo: poll: %s\n", strerror(errno));
      return 1;
    }
    for (int i = 1; i < count; ++i) {
      if (fds[i].revents != 0 && !serve(connections[slot_of[i]], fds[i].revents)) drop(slot_of[i]);
    }
    if ((fds[0].revents & POLLIN) != 0) accept_one();
  }
}
