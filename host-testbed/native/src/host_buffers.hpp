#pragma once
// Guest buffer spans as host_iovec spans. Natively a guest pointer is a host pointer, so this is a
// field-by-field copy; up to inline_count buffers live on the stack, so the common one- or
// two-buffer call allocates nothing.

#include <array>
#include <cstddef>
#include <span>
#include <vector>

#include "wasio/sys/sys.hpp"
#include "wasio/testbed/host.hpp"

namespace wasio::testbed::native::detail {

template <class GuestBuffer, class HostBuffer>
class host_buffers {
 public:
  static constexpr std::size_t inline_count = 16;

  explicit host_buffers(std::span<const GuestBuffer> guest) {
    HostBuffer* out = inline_.data();
    if (guest.size() > inline_count) {
      heap_.resize(guest.size());
      out = heap_.data();
    }
    for (std::size_t i = 0; i < guest.size(); ++i) out[i] = HostBuffer{guest[i].data, guest[i].size};
    view_ = std::span<const HostBuffer>(out, guest.size());
  }
  host_buffers(const host_buffers&) = delete;
  host_buffers& operator=(const host_buffers&) = delete;

  std::span<const HostBuffer> view() const { return view_; }

 private:
  std::array<HostBuffer, inline_count> inline_;
  std::vector<HostBuffer> heap_;
  std::span<const HostBuffer> view_;
};

using host_iovecs = host_buffers<sys::buffer, host_iovec>;
using host_ciovecs = host_buffers<sys::const_buffer, host_ciovec>;

}  // namespace wasio::testbed::native::detail
