#pragma once
/// kv::persistence: what the command engine asks of the append-only file (kv::aof implements it).
///
/// The engine reports every change to the key space with log(), in the form it is to be replayed:
/// absolute and idempotent (SET k v [PXAT ms], DEL, PEXPIREAT, MSET, FLUSHALL), so replaying any
/// suffix of the log over a later state gives the same key space (what lets the rewrite run inside
/// the event loop without a snapshot). Commands that changed nothing are not logged.
///
/// Errors: write_refusal() is non-empty while a disk error stops writes; the engine then answers
/// write commands (and PING, as Redis does) with it instead of running them.

#include <span>
#include <string>
#include <string_view>

namespace kv {

class persistence {
 public:
  virtual ~persistence() = default;
  /// One change to the key space, as the command to replay (args[0] is the command name).
  virtual void log(std::span<const std::string_view> args) = 0;
  /// The error reply for write commands while a disk error lasts ("MISCONF Errors writing to the
  /// AOF file: No space left on device"); empty when writes are accepted.
  virtual std::string_view write_refusal() const = 0;
  /// Appends the fields of INFO's Persistence section ("name:value\r\n" lines).
  virtual void info(std::string& text) = 0;
  /// BGREWRITEAOF: starts (or schedules) a rewrite; the status text, or an error starting "ERR".
  virtual std::string rewrite() = 0;
  /// SAVE: makes everything logged so far durable; an empty string on success, else the error.
  virtual std::string save() = 0;
  /// CONFIG GET's view of an option ("appendonly", "appendfsync", "dir" ...); empty when unknown.
  virtual std::string config_value(std::string_view option) const = 0;
};

}  // namespace kv
