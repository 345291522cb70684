#include "errno_map.hpp"

#include <cerrno>
#include <utility>

namespace wasio::testbed {

namespace {
constexpr std::pair<int, errc> errno_table[] = {
    {0, errc::success},
    {E2BIG, errc::toobig},
    {EACCES, errc::acces},
    {EADDRINUSE, errc::addrinuse},
    {EADDRNOTAVAIL, errc::addrnotavail},
    {EAFNOSUPPORT, errc::afnosupport},
    {EAGAIN, errc::again},
    {EALREADY, errc::already},
    {EBADF, errc::badf},
    {EBADMSG, errc::badmsg},
    {EBUSY, errc::busy},
    {ECANCELED, errc::canceled},
    {ECHILD, errc::child},
    {ECONNABORTED, errc::connaborted},
    {ECONNREFUSED, errc::connrefused},
    {ECONNRESET, errc::connreset},
    {EDEADLK, errc::deadlk},
    {EDESTADDRREQ, errc::destaddrreq},
    {EDOM, errc::dom},
    {EDQUOT, errc::dquot},
    {EEXIST, errc::exist},
    {EFAULT, errc::fault},
    {EFBIG, errc::fbig},
    {EHOSTUNREACH, errc::hostunreach},
    {EIDRM, errc::idrm},
    {EILSEQ, errc::ilseq},
    {EINPROGRESS, errc::inprogress},
    {EINTR, errc::intr},
    {EINVAL, errc::inval},
    {EIO, errc::io},
    {EISCONN, errc::isconn},
    {EISDIR, errc::isdir},
    {ELOOP, errc::loop},
    {EMFILE, errc::mfile},
    {EMLINK, errc::mlink},
    {EMSGSIZE, errc::msgsize},
    {EMULTIHOP, errc::multihop},
    {ENAMETOOLONG, errc::nametoolong},
    {ENETDOWN, errc::netdown},
    {ENETRESET, errc::netreset},
    {ENETUNREACH, errc::netunreach},
    {ENFILE, errc::nfile},
    {ENOBUFS, errc::nobufs},
    {ENODEV, errc::nodev},
    {ENOENT, errc::noent},
    {ENOEXEC, errc::noexec},
    {ENOLCK, errc::nolck},
    {ENOLINK, errc::nolink},
    {ENOMEM, errc::nomem},
    {ENOMSG, errc::nomsg},
    {ENOPROTOOPT, errc::noprotoopt},
    {ENOSPC, errc::nospc},
    {ENOSYS, errc::nosys},
    {ENOTCONN, errc::notconn},
    {ENOTDIR, errc::notdir},
    {ENOTEMPTY, errc::notempty},
    {ENOTRECOVERABLE, errc::notrecoverable},
    {ENOTSOCK, errc::notsock},
    {EOPNOTSUPP, errc::notsup},
    {ENOTTY, errc::notty},
    {ENXIO, errc::nxio},
    {EOVERFLOW, errc::overflow},
    {EOWNERDEAD, errc::ownerdead},
    {EPERM, errc::perm},
    {EPIPE, errc::pipe},
    {EPROTO, errc::proto},
    {EPROTONOSUPPORT, errc::protonosupport},
    {EPROTOTYPE, errc::prototype},
    {ERANGE, errc::range},
    {EROFS, errc::rofs},
    {ESPIPE, errc::spipe},
    {ESRCH, errc::srch},
    {ESTALE, errc::stale},
    {ETIMEDOUT, errc::timedout},
    {ETXTBSY, errc::txtbsy},
    {EXDEV, errc::xdev},
};
}  // namespace

errc from_errno(int host_errno) {
  if (host_errno == EWOULDBLOCK) return errc::again;
  for (const auto& [value, code] : errno_table) {
    if (value == host_errno) return code;
  }
  return errc::io;
}

}  // namespace wasio::testbed
