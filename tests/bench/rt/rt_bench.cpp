// wasio_bench_rt: what the coroutine runtime costs, measured side by side in one run.
//   spawn   ns to spawn and complete a trivial task, with the global operator new and with a
//           free-list frame allocator installed through the frame allocator hook
//   idle    bytes of runtime bookkeeping per idle echo connection (registration, task and timer
//           entries; frames excluded), and the echo handler's frame size
//   channel ns per message through rt::channel between two tasks, beside a deque-and-handle baseline
//           (the same code runs as wasm: channel_bench_guest.wasm)
// usage: wasio_bench_rt [--quick]

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <new>
#include <optional>
#include <vector>

#include "channel_bench.hpp"
#include "echo_server.hpp"
#include "wasio/net/tcp_listener.hpp"
#include "wasio/rt/frame_allocator.hpp"
#include "wasio/rt/runtime.hpp"
#include "wasio/rt/task.hpp"
#include "wasio/testbed/host.hpp"
#include "wasio/testbed/native.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

// --- Live heap bytes of the whole process (replaceable global allocation functions).
namespace {
std::size_t live_bytes = 0;
constexpr std::size_t header = 16;
}  // namespace

void* operator new(std::size_t size) {
  auto* p = static_cast<unsigned char*>(std::malloc(size + header));
  if (p == nullptr) std::abort();
  std::memcpy(p, &size, sizeof size);
  live_bytes += size;
  return p + header;
}
void operator delete(void* q) noexcept {
  if (q == nullptr) return;
  auto* p = static_cast<unsigned char*>(q) - header;
  std::size_t size;
  std::memcpy(&size, p, sizeof size);
  live_bytes -= size;
  std::free(p);
}
void operator delete(void* q, std::size_t) noexcept { operator delete(q); }

namespace {

using clock_type = std::chrono::steady_clock;
namespace rt = wasio::rt;

wasio::task<void> trivial() { co_return; }

double spawn_ns(std::size_t n) {
  rt::runtime r;
  const auto start = clock_type::now();
  for (std::size_t i = 0; i < n; ++i) r.spawn(trivial());
  if (!r.run()) std::abort();
  return std::chrono::duration<double, std::nano>(clock_type::now() - start).count() / static_cast<double>(n);
}

// A free list per frame size: what an application installs to keep frames off the general heap.
struct free_list_pool {
  struct node { node* next; };
  std::vector<node*> lists = std::vector<node*>(64, nullptr);  // by size / 16
  std::vector<void*> owned;
  ~free_list_pool() {
    for (void* p : owned) std::free(p);
  }
  static void* allocate(void* self, std::size_t size) {
    auto& pool = *static_cast<free_list_pool*>(self);
    const std::size_t bucket = (size + 15) / 16;
    if (bucket < pool.lists.size() && pool.lists[bucket] != nullptr) {
      node* n = pool.lists[bucket];
      pool.lists[bucket] = n->next;
      return n;
    }
    void* p = std::malloc(bucket * 16);
    pool.owned.push_back(p);
    return p;
  }
  static void deallocate(void* self, void* frame, std::size_t size) {
    auto& pool = *static_cast<free_list_pool*>(self);
    const std::size_t bucket = (size + 15) / 16;
    if (bucket >= pool.lists.size()) return;  // kept in `owned`, freed with the pool
    auto* n = static_cast<node*>(frame);
    n->next = pool.lists[bucket];
    pool.lists[bucket] = n;
  }
};

struct frame_meter {
  std::size_t live = 0, largest = 0;
  static void* allocate(void* self, std::size_t size) {
    auto& m = *static_cast<frame_meter*>(self);
    m.live += size;
    if (size > m.largest) m.largest = size;
    return std::malloc(size);
  }
  static void deallocate(void* self, void* frame, std::size_t size) {
    static_cast<frame_meter*>(self)->live -= size;
    std::free(frame);
  }
};

int connect_to(std::uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0) std::abort();
  return fd;
}

wasio::task<void> until_parked(rt::runtime& r, std::size_t n) {
  while (r.parked_count() < n) co_await rt::yield();  // every handler parked in its first read
}

struct idle_figures {
  double bookkeeping_per_connection;
  double host_and_socket_per_connection;
  std::size_t handler_frame;
};

idle_figures idle_connections(std::size_t n) {
  wasio::testbed::host_config config;
  config.args = {"wasio_bench_rt"};
  config.listeners.push_back({"127.0.0.1", 0});  // the baseline's
  config.listeners.push_back({"127.0.0.1", 0});  // the runtime's
  auto host = wasio::testbed::host::create(std::move(config)).value();
  wasio::testbed::native::scoped_host installed(*host);

  std::vector<int> clients;
  clients.reserve(2 * n);
  // Baseline: what the host and the sockets themselves cost per accepted connection.
  std::size_t baseline;
  {
    auto l = wasio::net::tcp_listener::from_preopened(host->listeners()[0].fd).value();
    std::vector<std::optional<wasio::net::tcp_stream>> streams(n);
    for (std::size_t i = 0; i < n; ++i) clients.push_back(connect_to(host->listeners()[0].port));
    const std::size_t before = live_bytes;
    for (std::size_t i = 0; i < n;) {
      auto s = l.accept();
      if (s) streams[i++].emplace(std::move(*s));
    }
    baseline = live_bytes - before;
  }

  frame_meter meter;
  const rt::frame_allocator metered{&meter, &frame_meter::allocate, &frame_meter::deallocate};
  const rt::frame_allocator* previous = rt::set_frame_allocator(&metered);
  idle_figures figures{};
  {
    rt::runtime r;
    // Accept first (the host's cost, measured above), then measure only what the runtime adds:
    // registration, subscription and event room, the socket table, task tracking, the polls.
    auto l = wasio::net::tcp_listener::from_preopened(host->listeners()[1].fd).value();
    for (std::size_t i = 0; i < n; ++i) clients.push_back(connect_to(host->listeners()[1].port));
    std::vector<wasio::net::tcp_stream> accepted;
    accepted.reserve(n);
    while (accepted.size() < n)
      if (auto s = l.accept()) accepted.push_back(std::move(*s));
    const std::size_t heap_before = live_bytes;
    const std::size_t frames_before = meter.live;
    for (auto& s : accepted) r.spawn(echo::serve_connection(rt::tcp_stream::adopt(r, std::move(s)).value()));
    if (!r.block_on(until_parked(r, n))) std::abort();
    const std::size_t frames = meter.live - frames_before;
    const std::size_t heap = live_bytes - heap_before;
    figures.bookkeeping_per_connection = static_cast<double>(heap) / static_cast<double>(n);
    figures.host_and_socket_per_connection = static_cast<double>(baseline) / static_cast<double>(n);
    figures.handler_frame = frames / n;
    accepted.clear();
  }
  rt::set_frame_allocator(previous);
  for (int fd : clients) ::close(fd);
  return figures;
}

}  // namespace

int main(int argc, char** argv) {
  const bool quick = argc > 1 && std::strcmp(argv[1], "--quick") == 0;
  const std::size_t tasks = quick ? 20'000 : 1'000'000;
  const std::size_t connections = quick ? 64 : 1000;

  // Side by side, alternating, best of three: the same machine state for both allocators.
  double with_new = 1e30, with_pool = 1e30;
  free_list_pool pool;
  const rt::frame_allocator pooled{&pool, &free_list_pool::allocate, &free_list_pool::deallocate};
  for (int round = 0; round < 3; ++round) {
    with_new = std::min(with_new, spawn_ns(tasks));
    const rt::frame_allocator* previous = rt::set_frame_allocator(&pooled);
    with_pool = std::min(with_pool, spawn_ns(tasks));
    rt::set_frame_allocator(previous);
  }
  std::printf("spawn+complete trivial task: %.1f ns (operator new frames), %.1f ns (free-list frames), ratio %.2f\n",
              with_new, with_pool, with_new / with_pool);

  double channel = 1e30, plain = 1e30;
  std::uint64_t channel_sum = 0, plain_sum = 0;
  const std::size_t messages = quick ? 100'000 : 2'000'000;
  for (int round = 0; round < 3; ++round) {
    channel = std::min(channel, channel_bench::channel_ns(messages, channel_sum));
    plain = std::min(plain, channel_bench::plain_ns(messages, plain_sum));
  }
  if (channel_sum != plain_sum) {
    std::fprintf(stderr, "wasio_bench_rt: channel and baseline sums differ\n");
    return 1;
  }
  std::printf("channel send+receive: %.1f ns per message (rt::channel), %.1f ns (deque + coroutine handle), ratio %.2f\n",
              channel, plain, channel / plain);

  const idle_figures idle = idle_connections(connections);
  std::printf("idle echo connection (%zu connections): runtime bookkeeping %.1f B, echo handler frame %zu B "
              "(read buffer %zu B), host + socket baseline %.1f B (not counted)\n",
              connections, idle.bookkeeping_per_connection, idle.handler_frame, echo::read_buffer_size,
              idle.host_and_socket_per_connection);
  return 0;
}
