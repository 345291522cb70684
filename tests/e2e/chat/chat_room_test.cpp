// chat::room without sockets: nicks, commands, who hears what, and the room's close.

#include "chat_room.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace {

using chat::client_id;
using chat::room;

/// Every line `inbox` has for `who` right now.
std::vector<std::string> drain(room::inbox& inbox, client_id who) {
  std::vector<std::string> got;
  for (;;) {
    auto next = inbox.try_receive();
    if (!next) break;
    if (room::for_client(*next, who)) got.push_back(*next->text);
  }
  return got;
}

TEST(ChatRoom, JoinWelcomesTheNewcomerAndTellsTheOthers) {
  room r;
  auto inbox_a = r.subscribe();
  const client_id a = r.join().value();
  auto inbox_b = r.subscribe();
  const client_id b = r.join().value();
  EXPECT_EQ(drain(inbox_a, a), (std::vector<std::string>{"*** welcome, guest1 (1 here; /nick NAME, /who, /quit, /help)\n",
                                                         "*** guest2 joined\n"}));
  EXPECT_EQ(drain(inbox_b, b), (std::vector<std::string>{"*** welcome, guest2 (2 here; /nick NAME, /who, /quit, /help)\n"}));
}

TEST(ChatRoom, ALineGoesToEveryoneButItsSender) {
  room r;
  auto ia = r.subscribe();
  const client_id a = r.join().value();
  auto ib = r.subscribe();
  const client_id b = r.join().value();
  (void)drain(ia, a);
  (void)drain(ib, b);
  EXPECT_TRUE(r.said(a, "hello\r"));
  EXPECT_EQ(drain(ia, a), std::vector<std::string>{});
  EXPECT_EQ(drain(ib, b), std::vector<std::string>{"guest1: hello\n"}) << "a trailing CR is dropped";
}

TEST(ChatRoom, NickRulesAndWho) {
  room r;
  auto ia = r.subscribe();
  const client_id a = r.join().value();
  auto ib = r.subscribe();
  const client_id b = r.join().value();
  (void)drain(ia, a);
  (void)drain(ib, b);
  EXPECT_TRUE(r.said(a, "/nick alice"));
  EXPECT_EQ(drain(ia, a), std::vector<std::string>{"*** you are now alice\n"});
  EXPECT_EQ(drain(ib, b), std::vector<std::string>{"*** guest1 is now alice\n"});
  EXPECT_TRUE(r.said(b, "/nick alice"));
  EXPECT_TRUE(r.said(b, "/nick no spaces"));
  EXPECT_TRUE(r.said(b, "/nick " + std::string(33, 'x')));
  EXPECT_TRUE(r.said(b, "/nick   bob  "));
  EXPECT_TRUE(r.said(b, "/who"));
  EXPECT_TRUE(r.said(b, "/dance"));
  const auto replies = drain(ib, b);
  ASSERT_EQ(replies.size(), 6u);
  EXPECT_EQ(replies[0], "*** alice is taken\n");
  EXPECT_EQ(replies[1].rfind("*** a nick is 1 to 32", 0), 0u);
  EXPECT_EQ(replies[2].rfind("*** a nick is 1 to 32", 0), 0u);
  EXPECT_EQ(replies[3], "*** you are now bob\n");
  EXPECT_EQ(replies[4], "*** 2 here: alice bob\n");
  EXPECT_EQ(replies[5], "*** unknown command /dance (try /help)\n");
}

TEST(ChatRoom, QuitEndsWithALastLineAndLeaveTellsTheOthers) {
  room r;
  auto ia = r.subscribe();
  const client_id a = r.join().value();
  auto ib = r.subscribe();
  const client_id b = r.join().value();
  (void)drain(ia, a);
  (void)drain(ib, b);
  EXPECT_FALSE(r.said(a, "/quit"));
  auto bye = ia.try_receive();
  ASSERT_TRUE(bye);
  EXPECT_TRUE(bye->last);
  EXPECT_EQ(*bye->text, "*** bye\n");
  r.leave(a);
  EXPECT_EQ(drain(ib, b), std::vector<std::string>{"*** guest1 left\n"});
  EXPECT_EQ(r.size(), 1u);
  EXPECT_FALSE(r.said(a, "still here?")) << "a client that left says nothing";
}

TEST(ChatRoom, TheRoomIsBoundedAndClosesForEveryone) {
  chat::limits small;
  small.max_clients = 1;
  room r(small);
  auto ia = r.subscribe();
  const client_id a = r.join().value();
  EXPECT_EQ(r.join().error(), wasio::errc::nospc);
  (void)drain(ia, a);
  r.close("server shutting down");
  auto last = ia.try_receive();
  ASSERT_TRUE(last);
  EXPECT_TRUE(last->closing);
  EXPECT_EQ(*last->text, "*** server shutting down\n");
  EXPECT_EQ(ia.try_receive().error(), wasio::errc::pipe);
  r.leave(a);  // after the close: nobody is told
}

}  // namespace
