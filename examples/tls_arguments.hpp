#pragma once
// The examples' in-guest TLS options: --tls-cert=GUEST_PATH and --tls-key=GUEST_PATH (or each as
// two words), PEM files in a pre-opened directory (`wasio-run --dir-ro HOST::GUEST`, natively
// WASIO_DIR_RO). Taken out of the argument list before an example reads its own options. With both,
// the example does TLS itself on every listener (docs/tls.md, "In-guest TLS"), on any preview1 host.

#include <string>
#include <string_view>
#include <vector>

namespace examples {

struct tls_arguments {
  std::string cert;
  std::string key;
  bool given() const { return !cert.empty() || !key.empty(); }
};

/// Removes the TLS options from `arguments` into `out`. False with `error` set when one is given
/// without a value, or only one of the two is given.
inline bool take_tls_arguments(std::vector<std::string_view>& arguments, tls_arguments& out, std::string& error) {
  std::vector<std::string_view> rest;
  for (std::size_t i = 0; i < arguments.size(); ++i) {
    const std::string_view a = arguments[i];
    std::string* target = nullptr;
    std::string_view value;
    for (auto [name, field] : {std::pair{std::string_view("--tls-cert"), &out.cert}, std::pair{std::string_view("--tls-key"), &out.key}}) {
      if (a == name) {
        if (i + 1 == arguments.size()) {
          error = std::string(name) + " needs a guest path";
          return false;
        }
        target = field;
        value = arguments[++i];
      } else if (a.starts_with(name) && a.size() > name.size() && a[name.size()] == '=') {
        target = field;
        value = a.substr(name.size() + 1);
      }
    }
    if (target == nullptr) {
      rest.push_back(a);
      continue;
    }
    if (value.empty()) {
      error = "an empty path after " + std::string(a.substr(0, a.find('=')));
      return false;
    }
    *target = std::string(value);
  }
  if (out.given() && (out.cert.empty() || out.key.empty())) {
    error = "--tls-cert and --tls-key go together";
    return false;
  }
  arguments = std::move(rest);
  return true;
}

}  // namespace examples
