#pragma once
/// wasio::errc: error codes equal, one for one, to WASI preview1 errno values.
///
/// Every fallible wasio call returns `wasio::result<T>` carrying one of these.
/// Host and guest share this header, so a value crosses the ABI unchanged.
///
/// Notes: `errc::success` (0) never appears inside a failed result.

#include <cstdint>
#include <string_view>

namespace wasio {

enum class errc : std::uint16_t {
  success = 0, toobig = 1, acces = 2, addrinuse = 3, addrnotavail = 4, afnosupport = 5,
  again = 6, already = 7, badf = 8, badmsg = 9, busy = 10, canceled = 11, child = 12,
  connaborted = 13, connrefused = 14, connreset = 15, deadlk = 16, destaddrreq = 17, dom = 18,
  dquot = 19, exist = 20, fault = 21, fbig = 22, hostunreach = 23, idrm = 24, ilseq = 25,
  inprogress = 26, intr = 27, inval = 28, io = 29, isconn = 30, isdir = 31, loop = 32,
  mfile = 33, mlink = 34, msgsize = 35, multihop = 36, nametoolong = 37, netdown = 38,
  netreset = 39, netunreach = 40, nfile = 41, nobufs = 42, nodev = 43, noent = 44,
  noexec = 45, nolck = 46, nolink = 47, nomem = 48, nomsg = 49, noprotoopt = 50, nospc = 51,
  nosys = 52, notconn = 53, notdir = 54, notempty = 55, notrecoverable = 56, notsock = 57,
  notsup = 58, notty = 59, nxio = 60, overflow = 61, ownerdead = 62, perm = 63, pipe = 64,
  proto = 65, protonosupport = 66, prototype = 67, range = 68, rofs = 69, spipe = 70,
  srch = 71, stale = 72, timedout = 73, txtbsy = 74, xdev = 75, notcapable = 76,
};

/// The value a would-block condition carries (EAGAIN); named for readability at call sites.
inline constexpr errc would_block = errc::again;

namespace detail {
struct errc_text { std::string_view name; std::string_view message; };
inline constexpr errc_text errc_table[] = {
  {"success", "no error"}, {"toobig", "argument list too long"},
  {"acces", "permission denied"}, {"addrinuse", "address in use"},
  {"addrnotavail", "address not available"}, {"afnosupport", "address family not supported"},
  {"again", "resource unavailable, try again"}, {"already", "connection already in progress"},
  {"badf", "bad file descriptor"}, {"badmsg", "bad message"},
  {"busy", "device or resource busy"}, {"canceled", "operation canceled"},
  {"child", "no child processes"}, {"connaborted", "connection aborted"},
  {"connrefused", "connection refused"}, {"connreset", "connection reset"},
  {"deadlk", "resource deadlock would occur"}, {"destaddrreq", "destination address required"},
  {"dom", "argument out of domain"}, {"dquot", "disk quota exceeded"},
  {"exist", "file exists"}, {"fault", "bad address"}, {"fbig", "file too large"},
  {"hostunreach", "host is unreachable"}, {"idrm", "identifier removed"},
  {"ilseq", "illegal byte sequence"}, {"inprogress", "operation in progress"},
  {"intr", "interrupted function"}, {"inval", "invalid argument"}, {"io", "I/O error"},
  {"isconn", "socket is connected"}, {"isdir", "is a directory"},
  {"loop", "too many levels of symbolic links"}, {"mfile", "too many open files"},
  {"mlink", "too many links"}, {"msgsize", "message too large"},
  {"multihop", "multihop attempted"}, {"nametoolong", "filename too long"},
  {"netdown", "network is down"}, {"netreset", "connection aborted by network"},
  {"netunreach", "network unreachable"}, {"nfile", "too many files open in system"},
  {"nobufs", "no buffer space available"}, {"nodev", "no such device"},
  {"noent", "no such file or directory"}, {"noexec", "executable file format error"},
  {"nolck", "no locks available"}, {"nolink", "link has been severed"},
  {"nomem", "not enough space"}, {"nomsg", "no message of the desired type"},
  {"noprotoopt", "protocol not available"}, {"nospc", "no space left on device"},
  {"nosys", "function not supported"}, {"notconn", "the socket is not connected"},
  {"notdir", "not a directory"}, {"notempty", "directory not empty"},
  {"notrecoverable", "state not recoverable"}, {"notsock", "not a socket"},
  {"notsup", "not supported"}, {"notty", "inappropriate I/O control operation"},
  {"nxio", "no such device or address"}, {"overflow", "value too large to be stored"},
  {"ownerdead", "previous owner died"}, {"perm", "operation not permitted"},
  {"pipe", "broken pipe"}, {"proto", "protocol error"},
  {"protonosupport", "protocol not supported"}, {"prototype", "protocol wrong type for socket"},
  {"range", "result too large"}, {"rofs", "read-only file system"},
  {"spipe", "invalid seek"}, {"srch", "no such process"}, {"stale", "stale file handle"},
  {"timedout", "timed out"}, {"txtbsy", "text file busy"},
  {"xdev", "cross-device link"}, {"notcapable", "extension: capabilities insufficient"},
};
static_assert(sizeof(errc_table) / sizeof(errc_table[0]) == 77, "one entry per WASI errno");
}  // namespace detail

/// True when `value` is a WASI errno this enum names (0..76).
constexpr bool is_known(errc value) { return static_cast<std::uint16_t>(value) <= 76; }

/// The WASI name of the code ("again", "badf", ...), or "unknown" outside 0..76.
constexpr std::string_view name(errc value) {
  return is_known(value) ? detail::errc_table[static_cast<std::uint16_t>(value)].name : "unknown";
}

/// A short English message ("bad file descriptor"), or "unknown error" outside 0..76.
constexpr std::string_view message(errc value) {
  return is_known(value) ? detail::errc_table[static_cast<std::uint16_t>(value)].message
                         : "unknown error";
}

/// Same as message(); spelled like the standard library for generic code.
constexpr std::string_view to_string(errc value) { return message(value); }

}  // namespace wasio
