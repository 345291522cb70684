// wasio::source: keeps a registration attached to the object that owns the fd, across moves.

#include "wasio/io/source.hpp"

#include <utility>

#include "wasio/io/registry.hpp"

namespace wasio {

source::source(source&& other) noexcept
    : fd_(other.fd_), registry_(std::exchange(other.registry_, nullptr)), token_(std::exchange(other.token_, {})) {
  // Lifetime: the registry points back at the object that owns the registration; follow the move.
  if (registry_ != nullptr) registry_->slots_[token_.index()].owner = this;
}

source& source::operator=(source&& other) noexcept {
  if (this == &other) return *this;
  detach();
  fd_ = other.fd_;
  registry_ = std::exchange(other.registry_, nullptr);
  token_ = std::exchange(other.token_, {});
  if (registry_ != nullptr) registry_->slots_[token_.index()].owner = this;
  return *this;
}

source::~source() { detach(); }

void source::detach() {
  if (registry_ != nullptr) (void)registry_->deregister(*this);
}

void source::saw_would_block(interest direction) {
  if (registry_ != nullptr) registry_->rearm(token_, direction);
}

}  // namespace wasio
