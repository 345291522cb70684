#pragma once
/// wasio::net::tcp_stream: a connected, non-blocking TCP socket.
///
/// Operations never block: when the socket has no data (or no room), they return errc::again
/// (wasio::would_block) as a value, and a stream registered in edge mode is re-armed for that
/// direction. End of stream is a read of 0 bytes.
///
/// Host calls, chosen so every testbed profile serves them (HOST-SEMANTICS.md 3-4):
/// - read, readv: fd_read (uvwasi's sock_recv returns again at end of stream, hiding EOF);
/// - peek: sock_recv with RECV_PEEK (uvwasi refuses recv flags: notsup there);
/// - write, writev: fd_write; shutdown: sock_shutdown (uvwasi supports only the write side).
///
/// Errors: again (would block), connreset (peer reset), pipe (write after the peer or we shut down
/// writing), notconn, badf (closed stream), notsup (peek or read shutdown on uvwasi), whatever else the
/// host returns.
/// Notes:
/// - wasmtime-legacy fills only the first non-empty buffer of a readv; keep reading until again.
/// - A read into an empty buffer returns 0 without asking the host: it says nothing about EOF. A
///   buffer list with any non-empty buffer always asks the host, whatever its sizes add up to.
/// - WASI preview1 gives no peer address: peer_addr() is peer_address::unknown, never made up.
///
/// Example (compiled in tests/guest/header_examples_test.cpp):
///   std::byte buf[4096];
///   for (;;) {
///     auto n = stream.read(buf);
///     if (!n && n.error() == wasio::would_block) break;  // wait for the next event
///     if (!n || *n == 0) { close_it(); break; }            // error or end of stream
///     consume(std::span(buf, *n));
///   }

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "wasio/io/source.hpp"
#include "wasio/result.hpp"
#include "wasio/sys/sys.hpp"

namespace wasio::net {

/// Which direction(s) shutdown() ends.
enum class shutdown_how : std::uint8_t { read = abi::shut_rd, write = abi::shut_wr, both = abi::shut_rd | abi::shut_wr };

/// What a preview1 guest knows of a peer's address: nothing. There is no other value on purpose.
enum class peer_address : std::uint8_t { unknown };
/// "unknown".
constexpr std::string_view to_string(peer_address) { return "unknown"; }

class tcp_stream : public source {
 public:
  /// Takes ownership of a connected socket fd (the stream closes it).
  explicit tcp_stream(sys::fd_t fd) : source(fd) {}
  tcp_stream(tcp_stream&& other) noexcept;
  tcp_stream& operator=(tcp_stream&& other) noexcept;
  /// Closes the socket if still open (errors ignored: call close() to see them).
  ~tcp_stream();

  result<std::size_t> read(std::span<std::byte> into);
  result<std::size_t> readv(std::span<const sys::buffer> into);
  /// Copies available data without consuming it. Errors: notsup on uvwasi.
  result<std::size_t> peek(std::span<std::byte> into);
  /// May write less than asked (a short write): write the rest after the next writable event.
  result<std::size_t> write(std::span<const std::byte> from);
  result<std::size_t> writev(std::span<const sys::const_buffer> from);
  result<void> shutdown(shutdown_how how);
  /// Deregisters and closes. Errors: badf (already closed).
  result<void> close();

  bool is_open() const { return open_; }
  peer_address peer_addr() const { return peer_address::unknown; }

 private:
  result<std::size_t> after(result<std::size_t> r, interest direction);
  bool open_ = true;
};

}  // namespace wasio::net
