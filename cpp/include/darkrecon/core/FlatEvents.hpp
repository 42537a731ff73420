// Views of columnar event batches: flat per-row arrays plus int64 offsets, where
// event i owns rows offsets[i] .. offsets[i+1]-1. Non-owning; the caller keeps the
// buffers alive (the bindings hold the NumPy arrays while the GIL is released).
#pragma once

#include <cstddef>
#include <cstdint>

namespace darkrecon::core {

struct EventOffsets {
  const std::int64_t* data = nullptr;
  std::size_t n_events = 0;  // offsets has n_events + 1 entries

  std::size_t begin(std::size_t event) const { return static_cast<std::size_t>(data[event]); }
  std::size_t end(std::size_t event) const { return static_cast<std::size_t>(data[event + 1]); }
};

/// Four-momenta (E, px, py, pz) in GeV, one per row.
struct FourMomentumColumns {
  const double* E = nullptr;
  const double* px = nullptr;
  const double* py = nullptr;
  const double* pz = nullptr;
  std::size_t n_rows = 0;
};

}  // namespace darkrecon::core
