#pragma once
/// wasio::rt::tcp_stream: a connected socket whose operations are awaited.
///
/// Wraps a net::tcp_stream registered once with the runtime, edge-triggered: readable from the
/// start, writable added the first time a write would block (most connections never fill their
/// send buffer, and an idle one then holds a single subscription).
/// Every operation tries the syscall first; only on would_block does it park until the
/// registration's next readiness event, then tries again (readiness is a hint). would_block never
/// reaches the caller. End of stream is a read of zero bytes.
///
/// Errors (every await):
/// - canceled: the awaiting task's stop token was stopped. read, read_until and write consume or
///   send nothing when canceled (data that arrived stays in the socket, or in read_until's buffer,
///   for the next read). read_exact and write_all may have moved part of their bytes first: they
///   give an rt::transfer whose transferred() counts them on failure too (bytes [0, n) of the
///   buffer were filled / sent), so a canceled or timed-out one can be resumed at that offset.
/// - busy: another await of the same direction is already parked on this stream (one reader and
///   one writer at a time).
/// - badf: the stream was closed (possibly while the await was parked).
/// - the socket's own errors: connreset, pipe, notconn, ... (see net::tcp_stream).
/// read_until: msgsize when `max` bytes arrived without the delimiter.
/// Notes:
/// - No allocation per operation: each awaiter lives in the awaiting coroutine's frame.
/// - Do not move a stream while an await is parked on it (that traps).
///
/// Example (compiled in examples/echo/echo_server.cpp):
///   std::array<std::byte, 4096> buffer;
///   for (;;) {
///     auto n = co_await stream.read(buffer);
///     if (!n || *n == 0) break;                                  // error or end of stream
///     if (!co_await stream.write_all(std::span(buffer).first(*n))) break;
///   }

#include <coroutine>
#include <cstddef>
#include <initializer_list>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "wasio/net/tcp_stream.hpp"
#include "wasio/result.hpp"
#include "wasio/rt/buffer.hpp"
#include "wasio/rt/detail/io.hpp"
#include "wasio/rt/runtime.hpp"
#include "wasio/rt/transfer.hpp"

namespace wasio::rt {

namespace detail {
/// What read_until appends to, whatever it is: readable bytes at the front, room made at the back.
struct growable_ref {
  void* target;
  std::span<const std::byte> (*readable)(void* target);
  std::span<std::byte> (*prepare)(void* target, std::size_t n);
  void (*commit)(void* target, std::size_t prepared, std::size_t used);

  static growable_ref of(std::vector<std::byte>& v);
  static growable_ref of(std::string& s);
  static growable_ref of(stream_buffer& b);
};
}  // namespace detail

class tcp_stream {
 public:
  /// Registers `socket` with `rt` (edge, readable). Errors: nomem; inval if already registered.
  static result<tcp_stream> adopt(runtime& rt, net::tcp_stream socket);
  tcp_stream(tcp_stream&& other) noexcept;
  tcp_stream& operator=(tcp_stream&& other) noexcept;
  tcp_stream(const tcp_stream&) = delete;
  tcp_stream& operator=(const tcp_stream&) = delete;
  /// Closes the socket; parked awaits complete with badf.
  ~tcp_stream();

  template <class Derived, class Outcome>
  class io_awaiter : protected detail::io_waiter {
   public:
    /// await_suspend reads the promise's stop token once, when it begins (rt::with_deadline).
    using deadline_adaptable = void;
    bool await_ready() noexcept { return false; }
    template <detail::wasio_promise P>
    bool await_suspend(std::coroutine_handle<P> h) {
      return stream_->rt_->begin_io(*this, h, h.promise().stop, Derived::slot_of(*stream_));
    }
    Outcome await_resume() {
      if (early != errc::success) return static_cast<Derived&>(*this).ended_early(early);
      return std::move(outcome_);
    }

   protected:
    explicit io_awaiter(tcp_stream& s) : io_waiter(&Derived::attempt_once), stream_(&s) {}
    io_awaiter(io_awaiter&& other) noexcept
        : io_waiter(std::move(other)), stream_(other.stream_), outcome_(std::move(other.outcome_)) {}
    static Derived& self(io_waiter& w) { return static_cast<Derived&>(w); }
    static detail::io_waiter*& reader_slot(tcp_stream& s) { return s.io_.reader; }
    static detail::io_waiter*& writer_slot(tcp_stream& s) { return s.io_.writer; }
    /// The outcome when the await ends without finishing (canceled, busy, badf); awaiters that may
    /// have moved bytes by then hide this to report them.
    Outcome ended_early(errc code) const { return fail(code); }
    tcp_stream* stream_;
    Outcome outcome_ = fail(errc::again);
  };

  /// Reads what is there (at least one byte, or 0 at end of stream).
  class [[nodiscard]] read_awaiter : public io_awaiter<read_awaiter, result<std::size_t>> {
   public:
    read_awaiter(tcp_stream& s, std::span<std::byte> into) : io_awaiter(s), into_(into) {}
    static bool attempt_once(detail::io_waiter& w);
    static detail::io_waiter*& slot_of(tcp_stream& s) { return reader_slot(s); }

   private:
    std::span<std::byte> into_;
  };
  /// Fills `into` completely; a count below into.size() means the stream ended first. A failure
  /// keeps the count of the bytes that arrived before it (see rt::transfer).
  class [[nodiscard]] read_exact_awaiter : public io_awaiter<read_exact_awaiter, transfer> {
   public:
    read_exact_awaiter(tcp_stream& s, std::span<std::byte> into) : io_awaiter(s), into_(into) {}
    static bool attempt_once(detail::io_waiter& w);
    static detail::io_waiter*& slot_of(tcp_stream& s) { return reader_slot(s); }
    transfer ended_early(errc code) const { return transfer(fail(code), filled_); }

   private:
    std::span<std::byte> into_;
    std::size_t filled_ = 0;
  };
  /// Appends to `buffer` until it holds `delimiter` within its first `max` bytes.
  class [[nodiscard]] read_until_awaiter : public io_awaiter<read_until_awaiter, result<std::size_t>> {
   public:
    read_until_awaiter(tcp_stream& s, detail::growable_ref buffer, std::byte delimiter, std::size_t max)
        : io_awaiter(s), buffer_(buffer), delimiter_(delimiter), max_(max) {}
    static bool attempt_once(detail::io_waiter& w);
    static detail::io_waiter*& slot_of(tcp_stream& s) { return reader_slot(s); }

   private:
    detail::growable_ref buffer_;
    std::byte delimiter_;
    std::size_t max_;
    std::size_t scanned_ = 0;
  };
  /// Writes some of `from` (at least one byte unless it is empty).
  class [[nodiscard]] write_awaiter : public io_awaiter<write_awaiter, result<std::size_t>> {
   public:
    write_awaiter(tcp_stream& s, std::span<const std::byte> from) : io_awaiter(s), from_(from) {}
    static bool attempt_once(detail::io_waiter& w);
    static detail::io_waiter*& slot_of(tcp_stream& s) { return writer_slot(s); }

   private:
    std::span<const std::byte> from_;
  };
  /// Writes all of `from`. A failure keeps the count of the bytes sent before it (see rt::transfer).
  class [[nodiscard]] write_all_awaiter : public io_awaiter<write_all_awaiter, transfer> {
   public:
    write_all_awaiter(tcp_stream& s, std::span<const std::byte> from) : io_awaiter(s), from_(from) {}
    static bool attempt_once(detail::io_waiter& w);
    static detail::io_waiter*& slot_of(tcp_stream& s) { return writer_slot(s); }
    transfer ended_early(errc code) const { return transfer(fail(code), sent_); }

   private:
    std::span<const std::byte> from_;
    std::size_t sent_ = 0;
  };
  /// Writes every buffer of `from`, in order, with one writev per attempt (gather).
  class [[nodiscard]] write_all_gathered_awaiter : public io_awaiter<write_all_gathered_awaiter, transfer> {
   public:
    write_all_gathered_awaiter(tcp_stream& s, std::span<const std::span<const std::byte>> from)
        : io_awaiter(s), from_(from) {}
    static bool attempt_once(detail::io_waiter& w);
    static detail::io_waiter*& slot_of(tcp_stream& s) { return writer_slot(s); }
    transfer ended_early(errc code) const { return transfer(fail(code), sent_); }

   private:
    std::span<const std::span<const std::byte>> from_;
    std::size_t index_ = 0;   // the buffer being sent
    std::size_t offset_ = 0;  // bytes of it already sent
    std::size_t sent_ = 0;
  };
  /// Reads what is there into `buffer`'s room (at most `max` bytes), committing what arrived.
  class [[nodiscard]] read_some_awaiter : public io_awaiter<read_some_awaiter, result<std::size_t>> {
   public:
    read_some_awaiter(tcp_stream& s, stream_buffer& buffer, std::size_t max)
        : io_awaiter(s), buffer_(&buffer), max_(max) {}
    static bool attempt_once(detail::io_waiter& w);
    static detail::io_waiter*& slot_of(tcp_stream& s) { return reader_slot(s); }

   private:
    stream_buffer* buffer_;
    std::size_t max_;
  };

  /// `co_await s.read(buf)`: result<size_t>, 0 at end of stream (and for an empty buffer).
  read_awaiter read(std::span<std::byte> into) { return read_awaiter(*this, into); }
  /// `co_await s.read_exact(buf)`: rt::transfer, into.size() unless the stream ended first; on
  /// failure transferred() bytes of `into` were filled.
  read_exact_awaiter read_exact(std::span<std::byte> into) { return read_exact_awaiter(*this, into); }
  /// `co_await s.read_until(buffer, delim, max)`: result<size_t>, the length of the line in
  /// `buffer` including the delimiter; 0 when the stream ended first (what came stays in
  /// `buffer`). Bytes after the delimiter stay in `buffer` too: erase the line, keep the rest for
  /// the next call (which looks there before reading). Errors: msgsize.
  read_until_awaiter read_until(std::vector<std::byte>& buffer, std::byte delimiter, std::size_t max) {
    return read_until_awaiter(*this, detail::growable_ref::of(buffer), delimiter, max);
  }
  /// The same into text, or into a stream_buffer (consume(n) the line when done with it: O(1)).
  read_until_awaiter read_until(std::string& buffer, char delimiter, std::size_t max) {
    return read_until_awaiter(*this, detail::growable_ref::of(buffer), static_cast<std::byte>(delimiter), max);
  }
  read_until_awaiter read_until(stream_buffer& buffer, char delimiter, std::size_t max) {
    return read_until_awaiter(*this, detail::growable_ref::of(buffer), static_cast<std::byte>(delimiter), max);
  }
  /// `co_await s.read(buffer, max)`: result<size_t>, what arrived (at most `max`, at least one
  /// byte; 0 at end of stream), appended to `buffer`.
  read_some_awaiter read(stream_buffer& buffer, std::size_t max) { return read_some_awaiter(*this, buffer, max); }
  /// Text overloads of read, read_exact, write and write_all: the same calls on the same bytes.
  read_awaiter read(std::span<char> into) { return read(as_writable_bytes(into)); }
  read_exact_awaiter read_exact(std::span<char> into) { return read_exact(as_writable_bytes(into)); }
  write_awaiter write(std::string_view text) { return write(as_bytes(text)); }
  write_all_awaiter write_all(std::string_view text) { return write_all(as_bytes(text)); }
  /// `co_await s.write_all_gathered({head, body})`: rt::transfer, every buffer in order with one
  /// writev per attempt (no copy into one buffer); on failure transferred() bytes were sent, counted
  /// across the buffers. The buffers (and the list itself) must live until the await ends, which a
  /// braced list in the co_await's own statement does. GCC 12 cannot compile a braced list inside
  /// a co_await (a compiler bug: "array used as initializer"); there, name an array of spans.
  write_all_gathered_awaiter write_all_gathered(std::initializer_list<std::span<const std::byte>> from) {
    return write_all_gathered_awaiter(*this, std::span(from.begin(), from.size()));
  }
  write_all_gathered_awaiter write_all_gathered(std::span<const std::span<const std::byte>> from) {
    return write_all_gathered_awaiter(*this, from);
  }
  /// `co_await s.write(bytes)`: result<size_t>, possibly short.
  write_awaiter write(std::span<const std::byte> from) { return write_awaiter(*this, from); }
  /// `co_await s.write_all(bytes)`: rt::transfer, from.size() on success; on failure
  /// transferred() bytes of `from` were sent.
  write_all_awaiter write_all(std::span<const std::byte> from) { return write_all_awaiter(*this, from); }

  /// Ends one or both directions now (it never waits). Errors: as net::tcp_stream::shutdown.
  result<void> shutdown(net::shutdown_how how) { return socket_.shutdown(how); }
  /// Closes now; parked awaits complete with badf. Errors: badf (already closed).
  result<void> close();
  bool is_open() const { return socket_.is_open(); }

  // One syscall each, never waiting: again (would_block) comes back as a value, and re-arms the
  // registration like an await's would_block does. For a first attempt before committing to an
  // await (a response that usually fits the send buffer) and for scatter/gather I/O.
  /// Reads what is there now. Errors: again, and as net::tcp_stream::read.
  result<std::size_t> try_read(std::span<std::byte> into) { return socket_.read(into); }
  result<std::size_t> try_readv(std::span<const sys::buffer> into) { return socket_.readv(into); }
  /// Copies what is there now without consuming it. Errors: again, notsup (uvwasi).
  result<std::size_t> peek(std::span<std::byte> into) { return socket_.peek(into); }
  /// Writes what the socket takes now (possibly short). Errors: again, and as net::tcp_stream::write.
  result<std::size_t> try_write(std::span<const std::byte> from) { return socket_.write(from); }
  result<std::size_t> try_writev(std::span<const sys::const_buffer> from) { return socket_.writev(from); }

  /// The socket underneath, read-only (raw fd, registration). Not mutable on purpose: closing or
  /// deregistering it behind this object's back would strand its parked awaits.
  const net::tcp_stream& socket() const { return socket_; }

 private:
  tcp_stream(runtime& rt, net::tcp_stream socket, wasio::token tok)
      : rt_(&rt), socket_(std::move(socket)), token_(tok) {}
  void release();
  /// After a write saw would_block: makes sure the registration watches the write side.
  void watch_writes();

  runtime* rt_;
  net::tcp_stream socket_;
  /// The registration attach_io linked io_ to; detach_io needs it after the socket forgot it.
  wasio::token token_;
  detail::io_state io_;
  bool watching_writes_ = false;
};

}  // namespace wasio::rt
