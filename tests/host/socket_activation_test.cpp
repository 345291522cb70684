// systemd socket activation and sd_notify (docs/systemd.md): LISTEN_* parsing, the checks on an
// inherited fd, adopting one into a host, the names the guest is told, NAME= in --tcplisten, and
// the notify datagrams.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <string>

#include "test_support.hpp"
#include "wasio/testbed/service_notifier.hpp"
#include "wasio/testbed/socket_activation.hpp"

namespace wasio::testbed {
namespace {

constexpr pid_t me = 4242;

std::optional<activation> parse(const char* pid, const char* fds, const char* names, std::string& problem) {
  return parse_activation(pid, fds, names, me, problem);
}

TEST(SocketActivation, NoListenPidMeansNotActivated) {
  std::string problem;
  auto found = parse(nullptr, "2", "web:admin", problem);
  ASSERT_TRUE(found) << problem;
  EXPECT_EQ(found->count, 0u);
}

TEST(SocketActivation, AnotherProcessesVariablesAreIgnoredEvenWhenMalformed) {
  std::string problem;
  auto found = parse("4243", "two", "bad\x01name", problem);
  ASSERT_TRUE(found) << problem;
  EXPECT_EQ(found->count, 0u);
}

TEST(SocketActivation, ParsesCountAndNamesInFdOrder) {
  std::string problem;
  auto found = parse("4242", "3", "web:admin:metrics", problem);
  ASSERT_TRUE(found) << problem;
  EXPECT_EQ(found->count, 3u);
  EXPECT_EQ(found->names, (std::vector<std::string>{"web", "admin", "metrics"}));
}

TEST(SocketActivation, MissingNamesAreEmptyAndExtraNamesIgnored) {
  std::string problem;
  auto fewer = parse("4242", "3", "web", problem);
  ASSERT_TRUE(fewer) << problem;
  EXPECT_EQ(fewer->names, (std::vector<std::string>{"web", "", ""}));
  auto more = parse("4242", "1", "web:admin", problem);
  ASSERT_TRUE(more) << problem;
  EXPECT_EQ(more->names, (std::vector<std::string>{"web"}));
  auto unset = parse("4242", "2", nullptr, problem);
  ASSERT_TRUE(unset) << problem;
  EXPECT_EQ(unset->names, (std::vector<std::string>{"", ""}));
  auto gaps = parse("4242", "3", ":admin:", problem);
  ASSERT_TRUE(gaps) << problem;
  EXPECT_EQ(gaps->names, (std::vector<std::string>{"", "admin", ""}));
}

TEST(SocketActivation, ZeroOrNoFdsForThisProcessIsNoSockets) {
  std::string problem;
  auto zero = parse("4242", "0", "", problem);
  ASSERT_TRUE(zero) << problem;
  EXPECT_EQ(zero->count, 0u);
  EXPECT_TRUE(zero->names.empty());
  auto none = parse("4242", nullptr, nullptr, problem);
  ASSERT_TRUE(none) << problem;
  EXPECT_EQ(none->count, 0u);
}

TEST(SocketActivation, RefusesMalformedValuesForThisProcess) {
  struct bad_case {
    const char* pid;
    const char* fds;
    const char* names;
    const char* mentions;
  };
  // Lifetime: a named string, so the pointer in the list outlives the loop.
  const std::string too_long(256, 'n');
  for (const bad_case& c : {bad_case{"42x", "1", nullptr, "LISTEN_PID"}, bad_case{"", "1", nullptr, "LISTEN_PID"},
                            bad_case{"-4242", "1", nullptr, "LISTEN_PID"}, bad_case{"4242", "two", nullptr, "LISTEN_FDS"},
                            bad_case{"4242", "-1", nullptr, "LISTEN_FDS"}, bad_case{"4242", "", nullptr, "LISTEN_FDS"},
                            bad_case{"4242", "16385", nullptr, "LISTEN_FDS"},
                            bad_case{"4242", "99999999999999999999999", nullptr, "LISTEN_FDS"},
                            bad_case{"4242", "2", "web:bad\x01", "LISTEN_FDNAMES"},
                            bad_case{"4242", "1", too_long.c_str(), "LISTEN_FDNAMES"}}) {
    std::string problem;
    EXPECT_FALSE(parse(c.pid, c.fds, c.names, problem)) << c.pid << " " << c.fds;
    EXPECT_NE(problem.find(c.mentions), std::string::npos) << problem;
  }
}

// --- The checks on an inherited fd.

int tcp_socket(bool listening) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  EXPECT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
  if (listening) {
    EXPECT_EQ(::listen(fd, 8), 0);
  }
  return fd;
}

std::uint16_t port_of(int fd) {
  sockaddr_in address{};
  socklen_t length = sizeof address;
  EXPECT_EQ(::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length), 0);
  return ntohs(address.sin_port);
}

TEST(InheritedListener, AListeningTcpSocketPasses) {
  const int fd = tcp_socket(true);
  EXPECT_EQ(inherited_listener_problem(fd), "");
  ::close(fd);
}

TEST(InheritedListener, EverythingElseIsRefusedWithWhatItIs) {
  const int unlistened = tcp_socket(false);
  EXPECT_NE(inherited_listener_problem(unlistened).find("not listening"), std::string::npos);
  ::close(unlistened);

  const int udp = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  EXPECT_NE(inherited_listener_problem(udp).find("datagram"), std::string::npos);
  ::close(udp);

  int ends[2];
  ASSERT_EQ(::pipe2(ends, O_CLOEXEC), 0);
  EXPECT_NE(inherited_listener_problem(ends[0]).find("pipe"), std::string::npos);
  ::close(ends[0]);
  ::close(ends[1]);
  EXPECT_EQ(inherited_listener_problem(ends[0]), "not open");

  const int unix_listener = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  const std::string name = "wasio-activation-test-" + std::to_string(::getpid());
  std::memcpy(address.sun_path + 1, name.data(), name.size());  // abstract: nothing to clean up
  ASSERT_EQ(::bind(unix_listener, reinterpret_cast<sockaddr*>(&address),
                   static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + 1 + name.size())),
            0);
  ASSERT_EQ(::listen(unix_listener, 1), 0);
  EXPECT_NE(inherited_listener_problem(unix_listener).find("unix-domain"), std::string::npos);
  ::close(unix_listener);
}

TEST(InheritedListener, TakingUnsetsTheVariablesWhateverTheySay) {
  ::setenv("LISTEN_PID", std::to_string(::getpid() + 1).c_str(), 1);
  ::setenv("LISTEN_FDS", "1", 1);
  ::setenv("LISTEN_FDNAMES", "web", 1);
  std::string problem;
  auto taken = take_inherited_listeners(problem);
  ASSERT_TRUE(taken) << problem;
  EXPECT_TRUE(taken->empty());  // another pid's
  for (const char* name : {"LISTEN_PID", "LISTEN_FDS", "LISTEN_FDNAMES"}) EXPECT_EQ(std::getenv(name), nullptr) << name;

  ::setenv("LISTEN_PID", std::to_string(::getpid()).c_str(), 1);
  ::setenv("LISTEN_FDS", "0", 1);
  taken = take_inherited_listeners(problem);
  ASSERT_TRUE(taken) << problem;
  EXPECT_TRUE(taken->empty());
  EXPECT_EQ(std::getenv("LISTEN_PID"), nullptr);

  ::setenv("LISTEN_PID", "garbage", 1);
  EXPECT_FALSE(take_inherited_listeners(problem));
  EXPECT_EQ(std::getenv("LISTEN_PID"), nullptr);
}

TEST(InheritedListener, BecomesAGuestListenerWithItsNameAndAccepts) {
  const int fd = tcp_socket(true);
  const std::uint16_t port = port_of(fd);
  host_config config;
  listen_spec inherited;
  inherited.inherited_fd = fd;
  inherited.name = "web";
  config.listeners.push_back(inherited);
  config.listeners.push_back(parse_listen_spec("admin=127.0.0.1:0").value());
  auto created = host::create(std::move(config));
  ASSERT_TRUE(created) << name(created.error());
  host& h = **created;
  ASSERT_EQ(h.listeners().size(), 2u);
  EXPECT_EQ(h.listeners()[0].fd, 3u);
  EXPECT_EQ(h.listeners()[0].port, port);
  EXPECT_EQ(h.listeners()[0].address, "127.0.0.1");
  EXPECT_EQ(h.listeners()[0].name, "web");
  EXPECT_TRUE(h.listeners()[0].inherited);
  EXPECT_EQ(h.listeners()[1].fd, 4u);
  EXPECT_EQ(h.listeners()[1].name, "admin");
  EXPECT_FALSE(h.listeners()[1].inherited);

  const int client = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(port);
  ASSERT_EQ(::connect(client, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
  auto outcome = test::poll(h, {test::read_subscription(1, 3), test::safety_clock()});
  ASSERT_EQ(outcome.events.size(), 1u);
  abi::fd accepted = 0;
  ASSERT_EQ(h.sock_accept(3, abi::fdflag_nonblock, accepted), errc::success);
  EXPECT_EQ(h.fd_close(accepted), errc::success);
  ::close(client);
  created->reset();
  // The host owned the inherited socket and closed it.
  EXPECT_NE(inherited_listener_problem(fd), "");
}

// --- NAME= in --tcplisten / WASIO_TCPLISTEN, and the names the guest is told.

TEST(ListenSpecName, TakesANamePrefix) {
  auto spec = parse_listen_spec("web=127.0.0.1:8080");
  ASSERT_TRUE(spec);
  EXPECT_EQ(spec->name, "web");
  EXPECT_EQ(spec->address, "127.0.0.1");
  EXPECT_EQ(spec->port, 8080);
  auto v6 = parse_listen_spec("admin api=[::1]:0");
  ASSERT_TRUE(v6);
  EXPECT_EQ(v6->name, "admin api");
  EXPECT_EQ(v6->address, "::1");
  EXPECT_EQ(parse_listen_spec("127.0.0.1:1").value().name, "");
}

TEST(ListenSpecName, RefusesNamesSystemdWouldRefuse) {
  for (std::string bad : {std::string("=127.0.0.1:1"), std::string("a:b=127.0.0.1:1"), std::string("a\tb=127.0.0.1:1"),
                          std::string(256, 'x') + "=127.0.0.1:1", std::string("web=")}) {
    EXPECT_FALSE(parse_listen_spec(bad)) << bad;
  }
  EXPECT_TRUE(valid_listener_name(std::string(255, 'x')));
  EXPECT_FALSE(valid_listener_name(""));
  EXPECT_FALSE(valid_listener_name("caf\xc3\xa9"));
}

TEST(ListenerNameVariables, CoverStdioDirectoriesAndListenersInFdOrder) {
  host_config config;
  config.preopens.push_back(parse_dir_spec("/tmp::/data:with:colons").value());
  config.listeners.push_back(parse_listen_spec("web=127.0.0.1:0").value());
  config.listeners.push_back(parse_listen_spec("127.0.0.1:0").value());
  config.listeners.push_back(parse_listen_spec("admin=127.0.0.1:0").value());
  EXPECT_EQ(listener_name_variables(config),
            (std::vector<std::string>{"FD_COUNT=7", "FD_NAMES=stdin:stdout:stderr::web::admin"}));
}

TEST(ListenerNameVariables, NothingWithoutNamesOrWhenTheUserAnnouncedFds) {
  host_config config;
  config.listeners.push_back(parse_listen_spec("127.0.0.1:0").value());
  EXPECT_TRUE(listener_name_variables(config).empty());
  config.listeners.push_back(parse_listen_spec("web=127.0.0.1:0").value());
  config.env = {"FD_COUNT=5"};
  EXPECT_TRUE(listener_name_variables(config).empty());
  config.env = {"LISTEN_FDS=1"};
  EXPECT_TRUE(listener_name_variables(config).empty());
}

// --- sd_notify.

/// A bound AF_UNIX datagram socket, as a service manager's notify socket.
struct notify_receiver {
  int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  explicit notify_receiver(const std::string& address) {
    sockaddr_un a{};
    a.sun_family = AF_UNIX;
    std::memcpy(a.sun_path, address.data(), address.size());
    if (address.front() == '@') a.sun_path[0] = '\0';
    const auto length = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + address.size() +
                                               (address.front() == '@' ? 0 : 1));
    EXPECT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&a), length), 0) << std::strerror(errno);
    timeval guard{30, 0};  // only against a hang
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &guard, sizeof guard);
  }
  ~notify_receiver() { ::close(fd); }
  std::string next() {
    char buffer[4096];
    const ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
    return n < 0 ? std::string("<nothing>") : std::string(buffer, static_cast<std::size_t>(n));
  }
};

TEST(ServiceNotifier, SendsEachReportAsOneDatagramToAPath) {
  const std::string path = "/tmp/wasio-notify-test-" + std::to_string(::getpid());
  ::unlink(path.c_str());
  {
    notify_receiver receiver(path);
    std::string problem;
    auto n = service_notifier::to(path, problem);
    ASSERT_TRUE(n) << problem;
    EXPECT_TRUE(n->active());
    ASSERT_TRUE(n->notify("READY=1\nSTATUS=serving 2 listener(s)"));
    ASSERT_TRUE(n->notify("STOPPING=1"));
    EXPECT_EQ(receiver.next(), "READY=1\nSTATUS=serving 2 listener(s)");
    EXPECT_EQ(receiver.next(), "STOPPING=1");
  }
  ::unlink(path.c_str());
}

TEST(ServiceNotifier, ReachesAnAbstractName) {
  const std::string address = "@wasio-notify-test-" + std::to_string(::getpid());
  notify_receiver receiver(address);
  std::string problem;
  auto n = service_notifier::to(address, problem);
  ASSERT_TRUE(n) << problem;
  ASSERT_TRUE(n->notify("READY=1"));
  EXPECT_EQ(receiver.next(), "READY=1");
}

TEST(ServiceNotifier, FromTheEnvironmentUnsetsItAndUnsetIsSilent) {
  ::unsetenv("NOTIFY_SOCKET");
  std::string problem;
  auto none = service_notifier::from_environment(problem);
  ASSERT_TRUE(none);
  EXPECT_FALSE(none->active());
  EXPECT_TRUE(none->notify("READY=1"));

  const std::string address = "@wasio-notify-env-test-" + std::to_string(::getpid());
  notify_receiver receiver(address);
  ::setenv("NOTIFY_SOCKET", address.c_str(), 1);
  auto n = service_notifier::from_environment(problem);
  ASSERT_TRUE(n) << problem;
  EXPECT_EQ(std::getenv("NOTIFY_SOCKET"), nullptr);
  ASSERT_TRUE(n->notify("READY=1"));
  EXPECT_EQ(receiver.next(), "READY=1");
}

TEST(ServiceNotifier, RefusesAddressesItCannotUse) {
  for (std::string bad : {std::string("relative/path"), std::string("vsock:2:1234"), "/" + std::string(107, 'p')}) {
    std::string problem;
    EXPECT_FALSE(service_notifier::to(bad, problem)) << bad;
    EXPECT_NE(problem.find("NOTIFY_SOCKET="), std::string::npos) << problem;
  }
  std::string problem;
  EXPECT_TRUE(service_notifier::to("/" + std::string(106, 'p'), problem)) << problem;  // 107 + NUL fits
}

TEST(ServiceNotifier, NobodyListeningIsAnErrorValue) {
  std::string problem;
  auto n = service_notifier::to("/tmp/wasio-notify-nobody-" + std::to_string(::getpid()), problem);
  ASSERT_TRUE(n) << problem;
  auto sent = n->notify("READY=1");
  ASSERT_FALSE(sent);
  EXPECT_EQ(sent.error(), errc::noent);
}

}  // namespace
}  // namespace wasio::testbed
