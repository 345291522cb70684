#include "chat_room.hpp"

#include <algorithm>
#include <utility>

namespace chat {

wasio::result<client_id> room::join() {
  if (nicks_.size() >= limits_.max_clients) return wasio::fail(wasio::errc::nospc);
  const client_id id = next_id_++;
  std::string nick = "guest" + std::to_string(id);
  nicks_.emplace(id, nick);
  to_one(id, "*** welcome, " + nick + " (" + std::to_string(nicks_.size()) +
                 " here; /nick NAME, /who, /quit, /help)\n");
  to_others(id, "*** " + nick + " joined\n");
  return id;
}

void room::leave(client_id who) {
  auto it = nicks_.find(who);
  if (it == nicks_.end()) return;
  const std::string nick = std::move(it->second);
  nicks_.erase(it);
  if (!lines_.closed()) to_others(who, "*** " + nick + " left\n");
}

bool room::said(client_id who, std::string_view text) {
  if (!text.empty() && text.back() == '\r') text.remove_suffix(1);
  auto it = nicks_.find(who);
  if (it == nicks_.end()) return false;
  if (text.empty()) return true;
  if (text.front() != '/') {
    to_others(who, it->second + ": " + std::string(text) + "\n");
    return true;
  }
  const std::size_t space = text.find(' ');
  const std::string_view command = text.substr(0, space);
  std::string_view argument = space == std::string_view::npos ? std::string_view() : text.substr(space + 1);
  while (!argument.empty() && argument.front() == ' ') argument.remove_prefix(1);
  while (!argument.empty() && argument.back() == ' ') argument.remove_suffix(1);
  if (command == "/quit") {
    to_one(who, "*** bye\n", true);
    return false;
  }
  if (command == "/who") {
    std::vector<std::string_view> here;
    here.reserve(nicks_.size());
    for (const auto& [id, nick] : nicks_) here.push_back(nick);
    std::sort(here.begin(), here.end());
    std::string reply = "*** " + std::to_string(here.size()) + " here:";
    for (std::string_view nick : here) (reply += ' ') += nick;
    to_one(who, reply + "\n");
    return true;
  }
  if (command == "/nick") {
    if (!valid_nick(argument)) {
      to_one(who, "*** a nick is 1 to " + std::to_string(limits_.max_nick) +
                      " letters, digits, '-' or '_'\n");
      return true;
    }
    for (const auto& [id, nick] : nicks_) {
      if (nick == argument) {
        to_one(who, id == who ? "*** you are " + nick + " already\n" : "*** " + nick + " is taken\n");
        return true;
      }
    }
    std::string old = std::exchange(it->second, std::string(argument));
    to_one(who, "*** you are now " + it->second + "\n");
    to_others(who, "*** " + old + " is now " + it->second + "\n");
    return true;
  }
  if (command == "/help") {
    to_one(who, "*** /nick NAME: change your nick; /who: who is here; /quit: leave\n");
    return true;
  }
  to_one(who, "*** unknown command " + std::string(command.substr(0, limits_.max_nick)) + " (try /help)\n");
  return true;
}

void room::close(std::string_view why) {
  if (lines_.closed()) return;
  (void)lines_.send(line{line::audience::others, 0, std::make_shared<const std::string>("*** " + std::string(why) + "\n"),
                         false, true});
  lines_.close();
}

std::string_view room::nick(client_id who) const {
  auto it = nicks_.find(who);
  return it == nicks_.end() ? std::string_view() : std::string_view(it->second);
}

void room::to_others(client_id from, std::string text) {
  (void)lines_.send(line{line::audience::others, from, std::make_shared<const std::string>(std::move(text))});
}

void room::to_one(client_id who, std::string text, bool last) {
  (void)lines_.send(line{line::audience::only, who, std::make_shared<const std::string>(std::move(text)), last});
}

bool room::valid_nick(std::string_view name) const {
  if (name.empty() || name.size() > limits_.max_nick) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
  });
}

}  // namespace chat
