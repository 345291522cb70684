#include <charconv>

#include <boost/asio/ip/address.hpp>

#include "wasio/testbed/host.hpp"

namespace wasio::testbed {

bool valid_listener_name(std::string_view name) {
  if (name.empty() || name.size() > 255) return false;
  for (const char c : name)
    if (c < 0x20 || c > 0x7e || c == ':') return false;
  return true;
}

result<listen_spec> parse_listen_spec(std::string_view text) {
  // No address spelling holds '=', so the first one ends a name.
  std::string name;
  if (const auto equals = text.find('='); equals != std::string_view::npos) {
    name = std::string(text.substr(0, equals));
    if (!valid_listener_name(name)) return fail(errc::inval);
    text.remove_prefix(equals + 1);
  }
  std::string_view address;
  std::string_view port;
  if (!text.empty() && text.front() == '[') {
    auto close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':') {
      return fail(errc::inval);
    }
    address = text.substr(1, close - 1);
    port = text.substr(close + 2);
    boost::system::error_code ec;
    auto parsed = boost::asio::ip::make_address_v6(std::string(address), ec);
    if (ec) return fail(errc::inval);
    (void)parsed;
  } else {
    auto colon = text.rfind(':');
    if (colon == std::string_view::npos) return fail(errc::inval);
    address = text.substr(0, colon);
    port = text.substr(colon + 1);
    if (address == "localhost") address = "127.0.0.1";
    boost::system::error_code ec;
    auto parsed = boost::asio::ip::make_address_v4(std::string(address), ec);
    if (ec) return fail(errc::inval);
    (void)parsed;
  }
  if (port.empty() || port.size() > 5) return fail(errc::inval);
  unsigned value = 0;
  auto [end, error] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (error != std::errc() || end != port.data() + port.size() || value > 65535) return fail(errc::inval);
  listen_spec spec{std::string(address), static_cast<std::uint16_t>(value)};
  spec.name = std::move(name);
  return spec;
}

}  // namespace wasio::testbed
