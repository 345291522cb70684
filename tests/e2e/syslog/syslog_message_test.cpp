#include "syslog_message.hpp"

#include <gtest/gtest.h>

#include <string>

namespace {

syslog::syslog_message parsed(std::string_view frame) {
  syslog::syslog_message m;
  const std::string_view error = syslog::parse_message(frame, m);
  EXPECT_TRUE(error.empty()) << error;
  return m;
}

std::string json(std::string_view frame) {
  std::string out;
  syslog::append_json(parsed(frame), out);
  return out;
}

std::string rejection(std::string_view frame) {
  syslog::syslog_message m;
  return std::string(syslog::parse_message(frame, m));
}

TEST(SyslogMessage, ParsesTheRfc5424Example) {
  const auto m = parsed(
      "<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 "
      "[exampleSDID@32473 iut=\"3\" eventSource=\"Application\" eventID=\"1011\"] \xEF\xBB\xBF" "An application event");
  EXPECT_EQ(m.format, syslog::message_format::rfc5424);
  EXPECT_EQ(m.facility, 20);
  EXPECT_EQ(m.severity, 5);
  EXPECT_EQ(m.version, 1);
  EXPECT_EQ(m.timestamp, "2003-10-11T22:14:15.003Z");
  EXPECT_EQ(m.hostname, "mymachine.example.com");
  EXPECT_EQ(m.app_name, "evntslog");
  EXPECT_FALSE(m.procid.has_value());
  EXPECT_EQ(m.msgid, "ID47");
  ASSERT_EQ(m.structured_data.size(), 1u);
  EXPECT_EQ(m.structured_data[0].id, "exampleSDID@32473");
  ASSERT_EQ(m.structured_data[0].params.size(), 3u);
  EXPECT_EQ(m.structured_data[0].params[1].second, "Application");
  EXPECT_EQ(m.message, "An application event");
}

TEST(SyslogMessage, Rfc5424WithNilValuesAndNoMessage) {
  const auto m = parsed("<0>1 - - - - - -");
  EXPECT_EQ(m.facility, 0);
  EXPECT_FALSE(m.timestamp || m.hostname || m.app_name || m.procid || m.msgid);
  EXPECT_TRUE(m.structured_data.empty());
  EXPECT_EQ(m.message, "");
}

TEST(SyslogMessage, UnescapesStructuredDataValues) {
  const auto m = parsed(R"(<13>1 - h a 1 - [x@1 k="a\"b\\c\]d\e"][y@2] msg)");
  ASSERT_EQ(m.structured_data.size(), 2u);
  EXPECT_EQ(m.structured_data[0].params[0].second, "a\"b\\c]d\\e");
  EXPECT_EQ(m.structured_data[1].id, "y@2");
  EXPECT_EQ(m.message, "msg");
}

TEST(SyslogMessage, RejectsBrokenRfc5424Headers) {
  EXPECT_EQ(rejection("hello"), "missing PRI");
  EXPECT_EQ(rejection("<192>1 - - - - - -"), "bad PRI");
  EXPECT_EQ(rejection("<013>1 - - - - - -"), "bad PRI");
  EXPECT_EQ(rejection("<13"), "bad PRI");
  EXPECT_EQ(rejection("<13>1 2003-13-11T22:14:15Z h a - - -"), "bad TIMESTAMP");
  EXPECT_EQ(rejection("<13>1 yesterday h a - - -"), "bad TIMESTAMP");
  EXPECT_EQ(rejection("<13>1 - h a - -"), "bad MSGID");
  EXPECT_EQ(rejection("<13>1 - h a - - [x@1 k=v]"), "bad STRUCTURED-DATA");
  EXPECT_EQ(rejection("<13>1 - h a - - [x@1 k=\"v]"), "bad STRUCTURED-DATA");
  EXPECT_EQ(rejection("<13>1 - h " + std::string(49, 'a') + " - - -"), "bad APP-NAME");
  EXPECT_EQ(rejection("<13>1 - - - - - -x"), "missing SP");
}

TEST(SyslogMessage, AcceptsTimestampsWithOffsetsAndMicroseconds) {
  EXPECT_EQ(parsed("<13>1 2003-08-24T05:14:15.000003-07:00 h - - - -").timestamp, "2003-08-24T05:14:15.000003-07:00");
  EXPECT_EQ(rejection("<13>1 2003-08-24T05:14:15.0000003Z h - - - -"), "bad TIMESTAMP");
}

TEST(SyslogMessage, ParsesTheRfc3164Example) {
  const auto m = parsed("<34>Oct 11 22:14:15 mymachine su[123]: 'su root' failed for lonvick on /dev/pts/8");
  EXPECT_EQ(m.format, syslog::message_format::rfc3164);
  EXPECT_EQ(m.facility, 4);
  EXPECT_EQ(m.severity, 2);
  EXPECT_EQ(m.timestamp, "Oct 11 22:14:15");
  EXPECT_EQ(m.hostname, "mymachine");
  EXPECT_EQ(m.app_name, "su");
  EXPECT_EQ(m.procid, "123");
  EXPECT_EQ(m.message, "'su root' failed for lonvick on /dev/pts/8");
}

TEST(SyslogMessage, Rfc3164WithoutHostnameOrTimestampIsKeptAsContent) {
  const auto no_host = parsed("<13>Feb  5 01:02:03 tag: text");
  EXPECT_EQ(no_host.timestamp, "Feb  5 01:02:03");
  EXPECT_FALSE(no_host.hostname.has_value());
  EXPECT_EQ(no_host.app_name, "tag");
  EXPECT_EQ(no_host.message, "text");
  const auto bare = parsed("<13>just some words");
  EXPECT_FALSE(bare.timestamp.has_value());
  EXPECT_FALSE(bare.app_name.has_value());
  EXPECT_EQ(bare.message, "just some words");
}

TEST(SyslogMessage, JsonLineForRfc5424) {
  EXPECT_EQ(json("<13>1 - host app 42 - [a@1 k=\"v\"] hi \"there\""),
            "{\"format\":\"rfc5424\",\"facility\":1,\"severity\":5,\"version\":1,\"timestamp\":null,"
            "\"hostname\":\"host\",\"app_name\":\"app\",\"procid\":\"42\",\"msgid\":null,"
            "\"structured_data\":[{\"id\":\"a@1\",\"params\":[[\"k\",\"v\"]]}],\"message\":\"hi \\\"there\\\"\"}\n");
}

TEST(SyslogMessage, JsonLineForRfc3164) {
  EXPECT_EQ(json("<13>Jan  1 00:00:00 h t: m"),
            "{\"format\":\"rfc3164\",\"facility\":1,\"severity\":5,\"timestamp\":\"Jan  1 00:00:00\","
            "\"hostname\":\"h\",\"app_name\":\"t\",\"procid\":null,\"message\":\"m\"}\n");
}

TEST(SyslogMessage, JsonEscapesControlsAndReplacesInvalidUtf8) {
  std::string out;
  syslog::append_json_string(std::string("a\tb\x01\xc3\xa9\xff\xe2\x82", 9), out);
  EXPECT_EQ(out, "\"a\\tb\\u0001\xc3\xa9\\ufffd\\ufffd\\ufffd\"");
}

}  // namespace
