// rt::channel, rt::broadcast and rt::notify: ordering, waiting, close, lag, and cancellation that
// loses nothing; each test under the three profiles, quiescent at its end (rt_host checks).

#include "wasio/rt/channel.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "rt_test_support.hpp"
#include "wasio/rt/broadcast.hpp"
#include "wasio/rt/notify.hpp"
#include "wasio/rt/runtime.hpp"
#include "wasio/rt/time.hpp"

namespace wasio {
namespace {

using namespace std::chrono_literals;
using rt_test::rt_host;

class Channel : public ::testing::TestWithParam<testbed::profile> {};

task<void> producer(rt::channel<std::string>& jobs, int count) {
  for (int i = 0; i < count; ++i) {
    if (!co_await jobs.send("job " + std::to_string(i))) co_return;
  }
  jobs.close();
}

TEST_P(Channel, HeaderExampleDeliversInOrderThenPipe) {
  rt_host h(GetParam());
  std::vector<std::string> ran;
  auto consumer = [](rt::channel<std::string>& jobs, std::vector<std::string>& ran) -> task<result<void>> {
    for (;;) {
      auto job = co_await jobs.receive();
      if (!job) co_return job.error() == errc::pipe ? result<void>() : fail(job.error());  // pipe: closed and drained
      ran.push_back(*job);
    }
  };
  rt::channel<std::string> jobs(2);  // smaller than the job count: the producer has to wait
  h.rt().spawn(producer(jobs, 10));
  ASSERT_TRUE(h.rt().block_on(consumer(jobs, ran)));
  ASSERT_EQ(ran.size(), 10u);
  for (int i = 0; i < 10; ++i) EXPECT_EQ(ran[i], "job " + std::to_string(i));
}

TEST_P(Channel, ManySendersKeepEachSendersOrderAndFullSendersWaitTheirTurn) {
  rt_host h(GetParam());
  rt::channel<int> ch(3);
  for (int sender = 0; sender < 5; ++sender) {
    h.rt().spawn([](rt::channel<int>& ch, int sender) -> task<void> {
      for (int i = 0; i < 20; ++i) (void)co_await ch.send(sender * 1000 + i);
    }(ch, sender));
  }
  auto consumer = [](rt::channel<int>& ch) -> task<std::vector<int>> {
    std::vector<int> got;
    while (got.size() < 100) {
      auto v = co_await ch.receive();
      if (!v) break;
      got.push_back(*v);
    }
    co_return got;
  };
  auto got = h.rt().block_on(consumer(ch));
  ASSERT_TRUE(got);
  ASSERT_EQ(got->size(), 100u);
  std::vector<int> next(5, 0);
  for (int v : *got) {
    const int sender = v / 1000;
    EXPECT_EQ(v % 1000, next[sender]++) << "sender " << sender << " out of order";
  }
  ASSERT_TRUE(h.rt().run());
}

TEST_P(Channel, TrySendAndTryReceiveNeverWait) {
  rt_host h(GetParam());
  rt::channel<int> ch(1);
  EXPECT_EQ(ch.try_receive().error(), errc::again);
  EXPECT_TRUE(ch.try_send(1));
  EXPECT_EQ(ch.try_send(2).error(), errc::again);
  EXPECT_EQ(*ch.try_receive(), 1);
  ch.close();
  EXPECT_EQ(ch.try_send(3).error(), errc::pipe);
  EXPECT_EQ(ch.try_receive().error(), errc::pipe);
}

TEST_P(Channel, CloseWakesWaitingSendersAndReceiversButKeepsQueuedMessages) {
  rt_host h(GetParam());
  rt::channel<int> ch(1);
  auto main_task = [](rt::channel<int>& ch) -> task<result<void>> {
    (void)ch.try_send(7);
    auto blocked_sender = rt::runtime::current().spawn([](rt::channel<int>& ch) -> task<result<void>> {
      co_return co_await ch.send(8);  // full: waits, then close() fails it
    }(ch));
    co_await rt::yield();
    ch.close();
    auto sent = co_await blocked_sender;
    if (sent || sent.error() != errc::pipe) co_return fail(errc::inval);
    auto queued = co_await ch.receive();  // what was queued before the close still comes out
    if (!queued || *queued != 7) co_return fail(errc::inval);
    auto end = co_await ch.receive();
    if (end || end.error() != errc::pipe) co_return fail(errc::inval);
    co_return result<void>();
  };
  EXPECT_TRUE(h.rt().block_on(main_task(ch)));
}

TEST_P(Channel, ACanceledReceiveLosesNoMessage) {
  rt_host h(GetParam());
  rt::channel<int> ch(4);
  auto main_task = [](rt::channel<int>& ch) -> task<result<int>> {
    auto timed = co_await rt::with_timeout(1ms, ch.receive());  // nothing comes: timed out
    if (timed || timed.error() != errc::timedout) co_return fail(errc::inval);
    // A receiver woken for a message and stopped before it runs still gets the message.
    auto waiting = rt::runtime::current().spawn([](rt::channel<int>& ch) -> task<result<int>> {
      co_return co_await ch.receive();
    }(ch));
    co_await rt::yield();   // it is parked now
    (void)ch.try_send(42);  // wakes it: it sits in the ready queue
    waiting.cancel();       // and is stopped before it runs
    auto got = co_await waiting;
    if (!got) co_return fail(errc::inval);
    if (ch.size() != 0) co_return fail(errc::inval);  // taken exactly once
    co_return *got;
  };
  auto r = h.rt().block_on(main_task(ch));
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, 42);
}

TEST_P(Channel, ACanceledReceiveLeavesTheMessageForTheNextReceiver) {
  rt_host h(GetParam());
  rt::channel<int> ch(4);
  auto main_task = [](rt::channel<int>& ch) -> task<result<int>> {
    auto first = rt::runtime::current().spawn([](rt::channel<int>& ch) -> task<result<int>> {
      co_return co_await ch.receive();
    }(ch));
    co_await rt::yield();
    first.cancel();  // stopped while parked, before any message
    auto gone = co_await first;
    if (gone || gone.error() != errc::canceled) co_return fail(errc::inval);
    (void)ch.try_send(5);
    co_return co_await ch.receive();
  };
  auto r = h.rt().block_on(main_task(ch));
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, 5);
}

TEST_P(Channel, BroadcastReachesEveryReceiverAndALaggingOneIsToldHowMuchItMissed) {
  rt_host h(GetParam());
  rt::broadcast<int> room(4);
  auto fast = room.subscribe();
  auto slow = room.subscribe();
  auto main_task = [](rt::broadcast<int>& room, rt::broadcast<int>::receiver& fast,
                      rt::broadcast<int>::receiver& slow) -> task<result<void>> {
    for (int i = 0; i < 10; ++i) {
      auto sent = room.send(i);  // never waits, however far behind `slow` is
      if (!sent || *sent != 2) co_return fail(errc::inval);
      auto got = co_await fast.receive();
      if (!got || *got != i) co_return fail(errc::inval);
    }
    auto lag = co_await slow.receive();
    if (lag || lag.error() != errc::overflow || slow.lagged() != 6) co_return fail(errc::inval);
    for (int i = 6; i < 10; ++i) {  // then the oldest still kept, in order
      auto got = co_await slow.receive();
      if (!got || *got != i) co_return fail(errc::inval);
    }
    if (slow.try_receive().error() != errc::again) co_return fail(errc::inval);
    room.close();
    auto end = co_await slow.receive();
    if (end || end.error() != errc::pipe) co_return fail(errc::inval);
    if (room.send(11).error() != errc::pipe) co_return fail(errc::inval);
    co_return result<void>();
  };
  EXPECT_TRUE(h.rt().block_on(main_task(room, fast, slow)));
}

TEST_P(Channel, BroadcastReceiversWaitAndANewSubscriberSeesOnlyLaterMessages) {
  rt_host h(GetParam());
  rt::broadcast<std::string> room(8);
  (void)room.send("before anyone listened");
  std::vector<std::string> heard;
  auto listener = [](rt::broadcast<std::string>::receiver inbox, std::vector<std::string>& heard) -> task<void> {
    for (;;) {
      auto line = co_await inbox.receive();
      if (!line) co_return;
      heard.push_back(*line);
    }
  };
  h.rt().spawn(listener(room.subscribe(), heard));
  h.rt().spawn(listener(room.subscribe(), heard));
  auto main_task = [](rt::broadcast<std::string>& room) -> task<void> {
    co_await rt::yield();
    (void)room.send("one");
    co_await rt::sleep_for(1ms);
    (void)room.send("two");
    room.close();
  };
  ASSERT_TRUE(h.rt().block_on(main_task(room)));
  ASSERT_TRUE(h.rt().run());
  EXPECT_EQ(heard, (std::vector<std::string>{"one", "one", "two", "two"}));
  EXPECT_EQ(room.receiver_count(), 0u);
}

TEST_P(Channel, ACanceledBroadcastReceiveSkipsNothing) {
  rt_host h(GetParam());
  rt::broadcast<int> room(4);
  auto inbox = room.subscribe();
  auto main_task = [](rt::broadcast<int>& room, rt::broadcast<int>::receiver& inbox) -> task<result<int>> {
    auto timed = co_await rt::with_timeout(1ms, inbox.receive());
    if (timed || timed.error() != errc::timedout) co_return fail(errc::inval);
    (void)room.send(3);
    co_return co_await inbox.receive();
  };
  auto r = h.rt().block_on(main_task(room, inbox));
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, 3);
}

TEST_P(Channel, NotifyOneKeepsAPermitAndNotifyAllWakesEveryWaiter) {
  rt_host h(GetParam());
  rt::notify changed;
  int state = 0;
  auto main_task = [](rt::notify& changed, int& state) -> task<result<void>> {
    state = 1;
    changed.notify_one();               // nobody waits yet: a permit is kept
    if (!co_await changed.wait()) co_return fail(errc::inval);  // consumed at once
    if (state != 1) co_return fail(errc::inval);
    int woken = 0;
    auto waiter = [](rt::notify& n, int& woken) -> task<void> {
      if (co_await n.wait()) ++woken;
    };
    rt::runtime& rt = rt::runtime::current();
    auto a = rt.spawn(waiter(changed, woken));
    auto b = rt.spawn(waiter(changed, woken));
    co_await rt::yield();
    if (changed.waiting() != 2) co_return fail(errc::inval);
    changed.notify_all();
    (void)co_await a;
    (void)co_await b;
    if (woken != 2) co_return fail(errc::inval);
    auto timed = co_await rt::with_timeout(1ms, changed.wait());  // notify_all left no permit
    if (timed || timed.error() != errc::timedout) co_return fail(errc::inval);
    co_return result<void>();
  };
  EXPECT_TRUE(h.rt().block_on(main_task(changed, state)));
}

TEST_P(Channel, ANotifiedThenStoppedWaitStillSucceeds) {
  rt_host h(GetParam());
  rt::notify n;
  auto main_task = [](rt::notify& n) -> task<result<void>> {
    auto waiting = rt::runtime::current().spawn([](rt::notify& n) -> task<result<void>> { co_return co_await n.wait(); }(n));
    co_await rt::yield();
    n.notify_one();    // picks it
    waiting.cancel();  // stopped before it ran: the notification is still its own
    co_return co_await waiting;
  };
  EXPECT_TRUE(h.rt().block_on(main_task(n)));
}

INSTANTIATE_TEST_SUITE_P(Profiles, Channel, ::testing::ValuesIn(rt_test::all_profiles), rt_test::profile_name);

}  // namespace
}  // namespace wasio
