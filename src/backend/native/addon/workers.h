// A persistent worker pool for short kernels (used by fanin.cc): the calling thread and up to threads − 1
// workers take chunks of [0, n) from a shared counter. Unlike an OpenMP region, the caller never waits for a
// worker that has not started: it takes every chunk left, and waits only for chunks a worker is running.
// On a shared 2-core machine that matters (see workers.cc for the measurements).
#pragma once
#include <cstdint>
#include <type_traits>

namespace tessera {

/** body(ctx, begin, end) for each chunk [begin, end) of [0, n); chunks run on `threads` threads at most. */
using ChunkBody = void (*)(void* ctx, int64_t begin, int64_t end);
void runChunks(int64_t n, int64_t chunk, int threads, ChunkBody body, void* ctx);

/** runChunks over a callable f(begin, end). */
template <typename F>
void parallelChunks(int64_t n, int64_t chunk, int threads, F&& f) {
  using Body = std::remove_reference_t<F>;
  runChunks(n, chunk, threads, [](void* ctx, int64_t b, int64_t e) { (*static_cast<Body*>(ctx))(b, e); }, &f);
}

}  // namespace tessera
