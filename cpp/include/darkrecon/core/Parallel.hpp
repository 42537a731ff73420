// Splitting independent work items (events, tracks) over threads.
//
// Work is cut into contiguous chunks whose boundaries depend only on n and the thread
// count; every item is processed by exactly one call, so results never depend on the
// number of threads as long as items are independent.
#pragma once

#include <algorithm>
#include <cstddef>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

namespace darkrecon::core {

/// Resolve a requested thread count: 0 or negative means "all hardware threads".
inline int resolve_threads(int requested) {
  if (requested > 0) return requested;
  const unsigned hw = std::thread::hardware_concurrency();
  return hw == 0 ? 1 : static_cast<int>(hw);
}

/// Call fn(begin, end) on disjoint ranges covering [0, n), on up to n_threads threads.
/// An exception thrown by any chunk is rethrown in the caller after all threads joined.
template <class Fn>
void parallel_for(std::size_t n, int n_threads, Fn&& fn) {
  if (n == 0) return;
  const std::size_t threads =
      std::min<std::size_t>(static_cast<std::size_t>(resolve_threads(n_threads)), n);
  if (threads <= 1) {
    fn(std::size_t{0}, n);
    return;
  }
  std::exception_ptr first_error;
  std::mutex error_mutex;
  std::vector<std::thread> pool;
  pool.reserve(threads - 1);
  const std::size_t chunk = (n + threads - 1) / threads;
  auto run = [&](std::size_t begin, std::size_t end) {
    try {
      fn(begin, end);
    } catch (...) {
      std::lock_guard<std::mutex> lock(error_mutex);
      if (!first_error) first_error = std::current_exception();
    }
  };
  for (std::size_t t = 1; t < threads; ++t) {
    const std::size_t begin = t * chunk;
    const std::size_t end = std::min(n, begin + chunk);
    if (begin >= end) break;
    pool.emplace_back(run, begin, end);
  }
  run(0, std::min(n, chunk));
  for (auto& th : pool) th.join();
  if (first_error) std::rethrow_exception(first_error);
}

}  // namespace darkrecon::core
