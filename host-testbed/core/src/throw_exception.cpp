// Boost (and so Asio) built without exceptions needs the user to say what a throw becomes. The core
// only calls the error_code overloads, so reaching this is a bug: trap with the message. The
// definitions repeat Boost's own BOOST_NORETURN (clang refuses a [[noreturn]] the declaration lacks).
#include <boost/config.hpp>

#ifdef BOOST_NO_EXCEPTIONS
#include <cstdio>
#include <cstdlib>
#include <exception>

#include <boost/assert/source_location.hpp>
#include <boost/throw_exception.hpp>

namespace boost {
BOOST_NORETURN void throw_exception(const std::exception& e) {
  std::fprintf(stderr, "wasio testbed: unexpected Boost exception: %s\n", e.what());
  std::abort();
}
BOOST_NORETURN void throw_exception(const std::exception& e, const boost::source_location&) {
  throw_exception(e);
}
}  // namespace boost
#endif
