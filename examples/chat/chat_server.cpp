#include "chat_server.hpp"

#include <string>
#include <utility>

#include "wasio/rt/buffer.hpp"
#include "wasio/rt/stop.hpp"
#include "wasio/rt/task_group.hpp"
#include "wasio/rt/time.hpp"
#include "wasio/rt/with_stop.hpp"

namespace chat {
namespace {

using wasio::errc;
namespace rt = wasio::rt;

/// Writes what the inbox has for `me` until a line ends the connection, the room closes, the
/// client stops taking bytes for `write_timeout`, or the connection fails. Then asks the reader to
/// stop (`ending`).
wasio::task<void> write_loop(rt::tcp_stream& stream, room::inbox& inbox, client_id me,
                             std::chrono::milliseconds write_timeout, rt::stop_source& ending) {
  for (;;) {
    auto next = co_await inbox.receive();
    if (!next) {
      if (next.error() != errc::overflow) break;  // pipe: the room closed and everything was written
      const std::string note =
          "*** " + std::to_string(inbox.lagged()) + " lines were dropped: you are reading too slowly\n";
      const rt::transfer told = co_await rt::with_timeout(write_timeout, stream.write_all(note));
      if (!told) break;
      continue;
    }
    if (!room::for_client(*next, me)) continue;
    const rt::transfer sent = co_await rt::with_timeout(write_timeout, stream.write_all(*next->text));
    if (!sent) break;  // stuck (timed out) or gone
    if (next->last || next->closing) break;
  }
  ending.request_stop();
}

void forward_stop(void* source) { static_cast<rt::stop_source*>(source)->request_stop(); }

wasio::task<void> announce_shutdown(rt::service& svc, room& r) {
  // A named result, not `if (co_await ...)`: GCC 12 miscompiles a co_await in this condition
  // (an illegal instruction at run time).
  const wasio::result<void> requested = co_await svc.wait_shutdown();
  if (requested) r.close("server shutting down");
}

}  // namespace

wasio::task<void> serve_client(room& r, rt::tcp_stream stream, rt::stop_token shutdown,
                               std::chrono::milliseconds write_timeout) {
  room::inbox inbox = r.subscribe();  // before join(), so the welcome is in it
  auto joined = r.join();
  if (!joined) {
    (void)co_await rt::with_timeout(write_timeout, stream.write_all("*** the room is full, try later\n"));
    co_return;
  }
  const client_id me = *joined;
  // The reader stops when the writer ends (the connection is over) or when shutdown starts.
  rt::stop_source ending;
  rt::stop_callback on_shutdown;
  on_shutdown.attach(shutdown, &forward_stop, &ending);
  // Lifetime: after stream and inbox, so the writer (which uses both) is destroyed first.
  rt::task_group writer(rt::runtime::current());
  writer.spawn(write_loop(stream, inbox, me, write_timeout, ending));

  rt::stream_buffer input;
  bool told_last = false;
  const std::size_t max_line = r.settings().max_line;
  for (;;) {
    auto n = co_await rt::with_stop(ending.token(), stream.read_until(input, '\n', max_line + 1));
    if (!n) {
      if (n.error() == errc::msgsize) {
        r.tell(me, "*** line too long (at most " + std::to_string(max_line) + " bytes): goodbye\n", true);
        told_last = true;
      }
      break;  // canceled (shutdown, or the writer ended), reset, ...
    }
    if (*n == 0) break;  // the client finished sending
    const bool staying = r.said(me, input.view().substr(0, *n - 1));
    input.consume(*n);
    if (!staying) {  // /quit: the room queued the goodbye as its last line
      told_last = true;
      break;
    }
  }
  input.shrink();
  r.leave(me);
  // Whatever is queued for this client before this point is still written, then the writer ends.
  if (!told_last && !ending.stop_requested()) r.tell(me, "", true);
  co_await writer.join();
  (void)stream.shutdown(wasio::net::shutdown_how::write);
}

wasio::task<wasio::result<void>> serve(rt::runtime& rt, rt::service& svc, std::vector<rt::tcp_listener>& listeners,
                                       room& r, const settings& config, rt::error_log& log) {
  auto announcer = rt.spawn(announce_shutdown(svc, r));
  const rt::stop_token shutdown = svc.shutdown_token();
  const std::chrono::milliseconds write_timeout = config.write_timeout;
  auto served = co_await rt::serve_until_shutdown(
      rt, svc, listeners,
      [&r, shutdown, write_timeout](rt::tcp_stream s) { return serve_client(r, std::move(s), shutdown, write_timeout); },
      [&log](errc code) { log.report("accept failed", code); });
  announcer.cancel();  // ends it if the listeners failed before any shutdown request
  (void)co_await announcer;
  co_return served;
}

}  // namespace chat
