#include "test_support.hpp"

#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <fstream>
#include <string>
#include <thread>

namespace wasio::testbed::test {

namespace {

pipe_pair make_pipe() {
  int ends[2] = {-1, -1};
  EXPECT_EQ(::pipe2(ends, O_CLOEXEC), 0);
  return pipe_pair{ends[0], ends[1]};
}

void close_pipe(pipe_pair& p) {
  if (p.read_end >= 0) ::close(p.read_end);
  if (p.write_end >= 0) ::close(p.write_end);
  p = pipe_pair{};
}

}  // namespace

std::size_t process_fd_count() {
  std::size_t count = 0;
  DIR* dir = ::opendir("/proc/self/fd");
  if (dir == nullptr) return 0;
  while (const dirent* entry = ::readdir(dir)) {
    if (entry->d_name[0] != '.') ++count;
  }
  ::closedir(dir);
  return count - 1;  // the directory stream itself
}

int current_thread_id() { return static_cast<int>(::gettid()); }

bool wait_until_blocked(int tid) {
  const std::string path = "/proc/self/task/" + std::to_string(tid) + "/syscall";
  for (int attempt = 0; attempt < 20000; ++attempt) {
    std::ifstream in(path);
    long number = -1;
    if (in >> number && (number == SYS_epoll_wait || number == SYS_epoll_pwait || number == SYS_epoll_pwait2))
      return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));  // back-off while polling, not a wait for data
  }
  return false;
}

harness::harness(harness_options options)
    : expected_open_fds(3 + options.listeners), process_fds_before_(process_fd_count()) {
  stdin_pipe = make_pipe();
  stdout_pipe = make_pipe();
  stderr_pipe = make_pipe();
  host_config config;
  config.semantics = options.semantics;
  config.args = options.args;
  config.env = options.env;
  config.trace = options.trace;
  config.faults = options.faults;
  config.connections = options.connections;
  config.max_open_fds = options.max_open_fds;
  config.max_poll_subscriptions = options.max_poll_subscriptions;
  config.first_dynamic_fd = options.first_dynamic_fd;
  config.stdin_fd = stdin_pipe.read_end;
  config.stdout_fd = options.stdout_fd >= 0 ? options.stdout_fd : stdout_pipe.write_end;
  config.stderr_fd = stderr_pipe.write_end;
  for (std::size_t i = 0; i < options.listeners; ++i) config.listeners.push_back(listen_spec{"127.0.0.1", 0});
  auto created = host::create(std::move(config));
  if (!created) {
    ADD_FAILURE() << "host::create failed: " << name(created.error());
    std::abort();
  }
  host_ = std::move(*created);
}

harness::~harness() {
  EXPECT_EQ(host_->open_fd_count(), expected_open_fds) << "a guest fd was left open";
  host_.reset();
  for (int client : clients_) ::close(client);
  close_pipe(stdin_pipe);
  close_pipe(stdout_pipe);
  close_pipe(stderr_pipe);
  EXPECT_EQ(process_fd_count(), process_fds_before_) << "a host descriptor leaked";
}

int harness::connect_client(std::size_t listener_index) {
  int client = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  EXPECT_GE(client, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port(listener_index));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  EXPECT_EQ(::connect(client, reinterpret_cast<const sockaddr*>(&address), sizeof address), 0) << errno;
  clients_.push_back(client);
  return client;
}

abi::fd harness::accept(abi::fdflags flags) {
  abi::fd accepted = 0;
  errc result = host_->sock_accept(listener(), flags, accepted);
  EXPECT_EQ(result, errc::success) << name(result);
  return accepted;
}

std::pair<int, abi::fd> harness::connected_pair(abi::fdflags flags) {
  int client = connect_client();
  return {client, accept(flags)};
}

void harness::close_client(int client) {
  std::erase(clients_, client);
  ::close(client);
}

void harness::reset_client(int client) {
  linger hard{1, 0};
  ::setsockopt(client, SOL_SOCKET, SO_LINGER, &hard, sizeof hard);
  close_client(client);
}

abi::subscription clock_subscription(abi::userdata user, abi::clockid clock, abi::timestamp timeout,
                                     abi::subclockflags flags) {
  abi::subscription s{};
  s.user = user;
  s.tag = static_cast<std::uint8_t>(abi::eventtype::clock);
  s.u.clock.id = static_cast<std::uint32_t>(clock);
  s.u.clock.timeout = timeout;
  s.u.clock.flags = flags;
  return s;
}

abi::subscription read_subscription(abi::userdata user, abi::fd fd) {
  abi::subscription s{};
  s.user = user;
  s.tag = static_cast<std::uint8_t>(abi::eventtype::fd_read);
  s.u.fd_readwrite.file_descriptor = fd;
  return s;
}

abi::subscription write_subscription(abi::userdata user, abi::fd fd) {
  abi::subscription s = read_subscription(user, fd);
  s.tag = static_cast<std::uint8_t>(abi::eventtype::fd_write);
  return s;
}

abi::subscription safety_clock(abi::userdata user) {
  return clock_subscription(user, abi::clockid::monotonic, 20'000'000'000ull);
}

poll_outcome poll(host& h, const std::vector<abi::subscription>& subscriptions) {
  poll_outcome outcome;
  outcome.events.resize(subscriptions.size());
  std::uint32_t count = 0;
  outcome.result = h.poll_oneoff(subscriptions, outcome.events, count);
  outcome.events.resize(count);
  return outcome;
}

void client_send(int client, std::string_view text) {
  while (!text.empty()) {
    ssize_t n = ::send(client, text.data(), text.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    ASSERT_GT(n, 0) << errno;
    text.remove_prefix(static_cast<std::size_t>(n));
  }
}

std::string client_receive(int client, std::size_t count) {
  std::string data(count, '\0');
  std::size_t got = 0;
  while (got < count) {
    ssize_t n = ::recv(client, data.data() + got, count - got, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    got += static_cast<std::size_t>(n);
  }
  data.resize(got);
  return data;
}

std::string guest_recv(host& h, abi::fd fd, std::size_t capacity, abi::riflags flags) {
  std::string data(capacity, '\0');
  host_iovec buffer{reinterpret_cast<std::byte*>(data.data()), data.size()};
  std::size_t received = 0;
  abi::roflags out_flags = 0xffff;
  errc result = h.sock_recv(fd, {&buffer, 1}, flags, received, out_flags);
  EXPECT_EQ(result, errc::success) << name(result);
  EXPECT_EQ(out_flags, 0);
  data.resize(received);
  return data;
}

std::size_t guest_send(host& h, abi::fd fd, std::string_view text, abi::siflags flags) {
  host_ciovec buffer{reinterpret_cast<const std::byte*>(text.data()), text.size()};
  std::size_t sent = 0;
  errc result = h.sock_send(fd, {&buffer, 1}, flags, sent);
  EXPECT_EQ(result, errc::success) << name(result);
  return sent;
}

}  // namespace wasio::testbed::test
