#pragma once
// chat::room: who is in the room, what each line a client sends means, and who hears what. No I/O:
// the server reads lines into it and writes what each client's inbox hands out.
//
// Every line goes through one rt::broadcast, so a sender never waits for a slow reader: a reader
// that falls more than `backlog` lines behind is told how many it missed (chat_server.cpp). A line
// is addressed to everyone but its sender (chat lines, join and leave), or to one client (replies to
// its commands): each inbox keeps what is for its client.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "wasio/result.hpp"
#include "wasio/rt/broadcast.hpp"

namespace chat {

using client_id = std::uint64_t;

struct line {
  enum class audience : std::uint8_t { others, only };
  audience to = audience::others;
  client_id about = 0;  // others: the sender (who does not hear it); only: the one who does
  /// The bytes to send, newline included; shared by every inbox that gets the line.
  std::shared_ptr<const std::string> text;
  /// The last line its client gets: the connection ends once it is written (/quit).
  bool last = false;
  /// The server is going away: every connection ends once it is written.
  bool closing = false;
};

struct limits {
  std::size_t max_line = 1024;   // bytes, newline excluded; longer: told so, then disconnected
  std::size_t max_nick = 32;
  std::size_t backlog = 256;     // lines kept for slow readers (the broadcast's capacity)
  std::size_t max_clients = 1024;
};

class room {
 public:
  explicit room(limits l = {}) : limits_(l), lines_(l.backlog) {}

  const limits& settings() const { return limits_; }
  std::size_t size() const { return nicks_.size(); }

  /// A new client: a guest nick, a welcome for it, "*** NICK joined" for the others.
  /// Errors: nospc (max_clients reached: the caller tells the client and closes).
  wasio::result<client_id> join();
  /// "*** NICK left" for the others; forgets the client.
  void leave(client_id who);
  /// One line the client sent (without its newline; a trailing CR is dropped): a chat line goes to
  /// the others as "NICK: text"; /nick NAME, /who, /quit and /help answer the client.
  /// Returns false once the client asked to leave (/quit).
  bool said(client_id who, std::string_view text);
  /// `text` (a whole line, or "") for `who` alone; with `last`, its connection ends once the line
  /// is written (a line too long, the end of its input).
  void tell(client_id who, std::string text, bool last = false) { to_one(who, std::move(text), last); }
  /// "*** WHY" to everyone, then the room closes (inboxes drain, then end).
  void close(std::string_view why);

  using inbox = wasio::rt::broadcast<line>::receiver;
  /// An inbox for the lines addressed to `who` from now on (subscribe before join() hands out the
  /// welcome, so it arrives).
  inbox subscribe() { return lines_.subscribe(); }
  /// Whether `l` is for `who`.
  static bool for_client(const line& l, client_id who) {
    return l.to == line::audience::only ? l.about == who : l.about != who;
  }
  /// Nick of a client in the room ("" once it left).
  std::string_view nick(client_id who) const;
  std::uint64_t lines_sent() const { return lines_.sent(); }

 private:
  void to_others(client_id from, std::string text);
  void to_one(client_id who, std::string text, bool last = false);
  bool valid_nick(std::string_view name) const;

  limits limits_;
  wasio::rt::broadcast<line> lines_;
  std::unordered_map<client_id, std::string> nicks_;
  client_id next_id_ = 1;
};

}  // namespace chat
