#pragma once
/// wasio::rt::tcp_listener: a pre-opened listening socket whose accepts are awaited.
///
/// Wraps a net::tcp_listener registered once with the runtime, edge-triggered, readable. accept()
/// tries sock_accept first and parks only on would_block (see rt::tcp_stream for the pattern).
/// Accepted sockets come back as rt::tcp_stream, already registered.
///
/// Errors:
/// - adopt, preopened: nomem (registration), and those of net::preopened_listeners.
/// - accept: canceled (the awaiting task was stopped: the listener stays registered and usable),
///   busy (another accept is parked), badf (closed), mfile, connaborted, nomem.
/// Notes: stopping an accept loop and closing the listener is how a server stops accepting.
///
/// Example (compiled in examples/echo/echo_server.cpp):
///   for (;;) {
///     auto stream = co_await listener.accept();
///     if (!stream) break;
///     rt.spawn(serve(std::move(*stream)));
///   }

#include <coroutine>
#include <string>
#include <vector>

#include "wasio/net/tcp_listener.hpp"
#include "wasio/result.hpp"
#include "wasio/rt/detail/io.hpp"
#include "wasio/rt/runtime.hpp"
#include "wasio/rt/tcp_stream.hpp"

namespace wasio::rt {

class tcp_listener {
 public:
  /// Registers `socket` with `rt`. Errors: nomem; inval if already registered.
  static result<tcp_listener> adopt(runtime& rt, net::tcp_listener socket);
  /// Every listener the host pre-opened, registered with `rt`. Errors: see the header comment.
  static result<std::vector<tcp_listener>> preopened(runtime& rt);
  tcp_listener(tcp_listener&& other) noexcept;
  tcp_listener& operator=(tcp_listener&& other) noexcept;
  tcp_listener(const tcp_listener&) = delete;
  tcp_listener& operator=(const tcp_listener&) = delete;
  ~tcp_listener();

  class [[nodiscard]] accept_awaiter : detail::io_waiter {
   public:
    explicit accept_awaiter(tcp_listener& l) : io_waiter(&attempt_once), listener_(&l) {}
    accept_awaiter(accept_awaiter&& other) noexcept
        : io_waiter(std::move(other)), listener_(other.listener_), accepted_(std::move(other.accepted_)) {}
    bool await_ready() noexcept { return false; }
    template <detail::wasio_promise P>
    bool await_suspend(std::coroutine_handle<P> h) {
      return listener_->rt_->begin_io(*this, h, h.promise().stop, listener_->io_.reader);
    }
    result<tcp_stream> await_resume();

   private:
    static bool attempt_once(detail::io_waiter& w);
    tcp_listener* listener_;
    result<net::tcp_stream> accepted_ = fail(errc::again);
  };
  /// `co_await l.accept()`: result<rt::tcp_stream>. Errors: see the header comment.
  accept_awaiter accept() { return accept_awaiter(*this); }

  /// Closes now; a parked accept completes with badf. Errors: badf (already closed).
  result<void> close();
  bool is_open() const { return socket_.is_open(); }
  const std::string& name() const { return socket_.name(); }
  /// The listener underneath, read-only (raw fd, registration): closing it behind this object's
  /// back would strand a parked accept.
  const net::tcp_listener& socket() const { return socket_; }

 private:
  tcp_listener(runtime& rt, net::tcp_listener socket, wasio::token tok)
      : rt_(&rt), socket_(std::move(socket)), token_(tok) {}
  void release();

  runtime* rt_;
  net::tcp_listener socket_;
  /// The registration attach_io linked io_ to; detach_io needs it after the socket forgot it.
  wasio::token token_;
  detail::io_state io_;
};

}  // namespace wasio::rt
